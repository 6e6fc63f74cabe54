import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyScan, DEFAULT_SCAN_RULES } from '../../../../src/domain/barcodes/classify-scan.ts';
import type { EmbeddedLayout, ScanResult, ScanRules } from '../../../../src/domain/barcodes/classify-scan.ts';
import { encodeEmbedded, priceCheckDigit4 } from '../../../../src/domain/barcodes/embedded-barcode.ts';
import { gtinCheckDigit } from '../../../../src/domain/barcodes/gtin.ts';
import { normalizeBarcode } from '../../../../src/domain/barcodes/normalize.ts';

const R = DEFAULT_SCAN_RULES;
const GS = '\x1d';
const scan = (data: string, rules: ScanRules = R, currency = 'CNY'): ScanResult => classifyScan(data, rules, currency);

function reasonOf(r: ScanResult): string {
  expect(r.kind).toBe('unknown');
  return r.kind === 'unknown' ? r.reason : '';
}

describe('GTINs', () => {
  it.each([
    ['4006381333931', '04006381333931', 'EAN-13'],
    ['9501101530003', '09501101530003', 'EAN-13'],
    ['036000291452', '00036000291452', 'UPC-A'],
    ['96385074', '00000096385074', 'EAN-8'],
    ['04252614', '00042100005264', 'UPC-E'],
    ['09501101530003', '09501101530003', 'GTIN-14'],
  ])('%s is a product keyed %s', (data, key, symbologyHint) => {
    expect(scan(data)).toEqual({ kind: 'product', data, key, gtin: key, symbologyHint });
  });

  it('offers the other reading of an 8-digit code valid as EAN-8 and UPC-E', () => {
    expect(scan('01234565')).toMatchObject({ kind: 'product', key: '00000001234565', altKey: '00012345000065' });
    // Under ]E0 (the EAN-13/UPC family, where UPC-E is reported) UPC-E comes first.
    expect(scan(']E001234565')).toMatchObject({ kind: 'product', key: '00012345000065', altKey: '00000001234565', symbologyHint: ']E0' });
  });

  it.each([
    ['4006381333932', 1, 2],
    ['036000291450', 2, 0],
    ['96385079', 4, 9],
    ['09501101530004', 3, 4],
    ['2512345004550', 4, 0], // embedded weight: the overall check digit comes first
    ['9912345678900', 9, 0], // GS1 coupon shape
  ])('bad check digit in %s names the expected digit', (data, expected, got) => {
    expect(reasonOf(scan(data))).toBe(`bad check digit: expected ${expected}, got ${got}`);
  });

  it('property: any 11-digit body + its check digit (UPC-A) is a product keyed by its GTIN-14', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (body) => {
        const code = body + String(gtinCheckDigit(body));
        expect(scan(code)).toMatchObject({ kind: 'product', key: `00${code}`, gtin: `00${code}` });
      }),
    );
  });

  it('property: any 12-digit body + its check digit is a product keyed by its GTIN-14 (no prefix rules)', () => {
    const bare: ScanRules = { embedded: [], couponPrefixes: [], memberPrefixes: [] };
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), (body) => {
        const code = body + String(gtinCheckDigit(body));
        expect(scan(code, bare)).toMatchObject({ kind: 'product', key: `0${code}`, gtin: `0${code}` });
      }),
    );
  });

  it('property: under the default rules the same holds outside the 20–29, 99 and 981–984 prefixes', () => {
    const ordinary = fc.stringMatching(/^\d{12}$/).filter((b) => !/^(?:2|99|98[1-4])/.test(b));
    fc.assert(
      fc.property(ordinary, (body) => {
        const code = body + String(gtinCheckDigit(body));
        const r = scan(code);
        expect(r).toMatchObject({ kind: 'product', key: `0${code}` });
        // The scan meets the catalog: the key is what import stored for the same barcode.
        expect(normalizeBarcode(code)).toEqual({ ok: true, key: (r as { key: string }).key });
      }),
    );
  });
});

describe('price- and weight-embedded EAN-13', () => {
  it('reads the default weight layout (25–29: 5 item digits, grams)', () => {
    expect(scan('2700007012508')).toEqual({
      kind: 'weighted-product',
      data: '2700007012508',
      key: '00007',
      itemCode: '00007',
      weightGrams: 1250,
      gtin: null,
    });
  });

  it('reads the default price layout (20–24: 5 item digits, 2 decimals)', () => {
    expect(scan('2000042019990')).toEqual({
      kind: 'priced-product',
      data: '2000042019990',
      key: '00042',
      itemCode: '00042',
      price: { amount: 1999, currency: 'CNY' },
      gtin: null,
    });
    // The same digits in yen: 2 decimals on a 0-decimal currency is refused, not rounded.
    expect(reasonOf(scan('2000042019990', R, 'JPY'))).toContain('JPY allows at most 0');
  });

  const custom: ScanRules = {
    embedded: [
      { prefix: '22', kind: 'price', itemDigits: 5, valueDigits: 4, valueDecimals: 2, priceCheckDigit: true },
      { prefix: '23', kind: 'weight', itemDigits: 6, valueDigits: 4, valueDecimals: 2 },
      { prefix: '28', kind: 'weight', itemDigits: 4, valueDigits: 6, valueDecimals: 4 },
    ],
    couponPrefixes: [],
    memberPrefixes: [],
  };

  it('validates the GS1 4-digit price check digit (2875 → 9)', () => {
    expect(priceCheckDigit4('2875')).toBe(9);
    expect(priceCheckDigit4('1234')).toBe(9);
    expect(priceCheckDigit4('0000')).toBe(0);
    expect(scan('2212345928750', custom)).toMatchObject({ kind: 'priced-product', key: '12345', price: { amount: 2875, currency: 'CNY' } });
    // Same price with a wrong verifier digit (and the overall check digit recomputed).
    const body = '221234512875';
    expect(reasonOf(scan(body + String(gtinCheckDigit(body)), custom))).toBe('bad price check digit: expected 9, got 1');
  });

  it('scales weights to grams by the layout decimals, rounding sub-grams half away from zero', () => {
    expect(scan('2300012301255', custom)).toMatchObject({ kind: 'weighted-product', key: '000123', weightGrams: 1250 });
    expect(scan('2801230045551', custom)).toMatchObject({ kind: 'weighted-product', key: '0123', weightGrams: 456 });
  });

  it('treats a 20–29 prefix with no layout as a restricted-circulation product', () => {
    expect(scan('2700007012508', custom)).toEqual({
      kind: 'product',
      data: '2700007012508',
      key: '02700007012508',
      gtin: '02700007012508',
      symbologyHint: 'EAN-13 (restricted circulation)',
    });
  });

  it('property: whatever the layout encodes comes back out', () => {
    const layouts = fc.constantFrom<EmbeddedLayout>(...R.embedded, ...custom.embedded);
    fc.assert(
      fc.property(layouts, fc.nat(), fc.nat(), (layout, itemSeed, valueSeed) => {
        const item = String(itemSeed % 10 ** layout.itemDigits).padStart(layout.itemDigits, '0');
        const value = valueSeed % 10 ** layout.valueDigits;
        const code = encodeEmbedded(layout, item, value);
        expect(code).not.toBeNull();
        const rules: ScanRules = { embedded: [layout], couponPrefixes: [], memberPrefixes: [] };
        const r = scan(code ?? '', rules);
        expect(r).toMatchObject({ key: item });
        if (layout.kind === 'price') {
          expect(r).toMatchObject({ kind: 'priced-product', price: { amount: value * 10 ** (2 - layout.valueDecimals) } });
        } else if (layout.valueDecimals <= 3) {
          expect(r).toMatchObject({ kind: 'weighted-product', weightGrams: value * 10 ** (3 - layout.valueDecimals) });
        } else {
          expect(r.kind).toBe('weighted-product');
        }
      }),
    );
  });
});

describe('GS1 element strings', () => {
  const gtin = '09501101530003';

  it('reads ]C1 with FNC1 as GS: GTIN + net weight → weighted product', () => {
    const data = `]C101${gtin}3103000455${GS}10ABC123${GS}`;
    expect(scan(data)).toEqual({
      kind: 'weighted-product',
      data,
      key: gtin,
      itemCode: gtin,
      weightGrams: 455,
      gtin,
      gs1: { gtin, netWeightGrams: 455, batch: 'ABC123' },
    });
  });

  it('reads the same without the AIM id, with or without a leading FNC1', () => {
    expect(scan(`01${gtin}10LOT7${GS}17260101`)).toMatchObject({ kind: 'product', key: gtin, gs1: { batch: 'LOT7', expiry: '2026-01-01' } });
    expect(scan(`${GS}01${gtin}21SN-9`)).toMatchObject({ kind: 'product', key: gtin, gs1: { serial: 'SN-9' } });
    expect(scan(`]Q301${gtin}17261231`)).toMatchObject({ kind: 'product', symbologyHint: ']Q3', gs1: { expiry: '2026-12-31' } });
  });

  it('reads the human-readable form with parentheses', () => {
    const data = `(01)${gtin}(17)260100(10)ABC`;
    expect(scan(data)).toEqual({
      kind: 'product',
      data,
      key: gtin,
      gtin,
      symbologyHint: 'GS1 (human-readable)',
      gs1: { gtin, expiry: '2026-01-31', batch: 'ABC' },
    });
  });

  it('turns expiry day 00 into the last day of the month, leap years included', () => {
    expect(scan(`(01)${gtin}(17)240200`)).toMatchObject({ gs1: { expiry: '2024-02-29' } });
    expect(scan(`(01)${gtin}(17)250200`)).toMatchObject({ gs1: { expiry: '2025-02-28' } });
    expect(reasonOf(scan(`(01)${gtin}(17)251301`))).toContain('month 13');
    expect(reasonOf(scan(`(01)${gtin}(17)250230`))).toContain('day 30');
  });

  it('reads 392n price paid as Money, refusing more decimals than the currency has', () => {
    expect(scan(`(01)${gtin}(3922)1234`)).toMatchObject({ kind: 'priced-product', key: gtin, itemCode: null, price: { amount: 1234, currency: 'CNY' } });
    expect(scan(`(01)${gtin}(3921)1234`)).toMatchObject({ price: { amount: 12340 } });
    expect(scan(`(01)${gtin}(3920)500`, R, 'JPY')).toMatchObject({ price: { amount: 500, currency: 'JPY' } });
    expect(reasonOf(scan(`(01)${gtin}(3923)12340`))).toBe('AI (3923): price has 3 decimals; CNY allows at most 2');
    expect(reasonOf(scan(`(01)${gtin}(3921)1234`, R, 'JPY'))).toContain('JPY allows at most 0');
  });

  it('prefers a price paid over a net weight, keeping the weight in gs1', () => {
    expect(scan(`]C101${gtin}3103001500392200999`)).toMatchObject({
      kind: 'priced-product',
      price: { amount: 999 },
      gs1: { netWeightGrams: 1500 },
    });
  });

  it('converts 310n to grams: exact up to 3 decimals, half away from zero beyond', () => {
    expect(scan(`(01)${gtin}(3101)000012`)).toMatchObject({ weightGrams: 1200 });
    expect(scan(`(01)${gtin}(3100)000002`)).toMatchObject({ weightGrams: 2000 });
    expect(scan(`(01)${gtin}(3104)004555`)).toMatchObject({ weightGrams: 456 });
    expect(scan(`(01)${gtin}(3105)045549`)).toMatchObject({ weightGrams: 455 });
  });

  it('refuses what it cannot use, naming the AI', () => {
    expect(reasonOf(scan(`(01)${gtin}(99)PROMO`))).toBe('unsupported GS1 AI (99)');
    expect(reasonOf(scan(']C100095011015300000003'))).toBe('unsupported GS1 AI (00)');
    expect(reasonOf(scan(`]C101${gtin}3202000123`))).toBe('unsupported GS1 AI (3202)');
    expect(reasonOf(scan(`(01)${gtin}(3106)000123`))).toBe('unsupported GS1 AI (3106)');
    expect(reasonOf(scan('(01)09501101530009'))).toBe('AI (01): bad check digit: expected 3, got 9');
    expect(reasonOf(scan('(10)ABC(17)260101'))).toContain('no GTIN (01)');
    expect(reasonOf(scan(`(01)${gtin}(10)${'A'.repeat(21)}`))).toContain('at most 20');
    expect(reasonOf(scan(`(01)${gtin}(10)A B`))).toContain('characters GS1 does not allow');
    expect(reasonOf(scan(`(01)${gtin}(10)A(10)B`))).toContain('appears more than once');
    expect(reasonOf(scan(`]C101${gtin}17260`))).toContain('needs 6 digits');
    expect(reasonOf(scan(']C1')).length).toBeGreaterThan(0);
  });
});

describe('payment codes', () => {
  const digits = (prefix: string, length: number): string => prefix + '7'.repeat(length - prefix.length);

  it.each([
    [digits('28', 15), null],
    [digits('28', 16), 'alipay'],
    [digits('28', 24), 'alipay'],
    [digits('28', 25), null],
    [digits('24', 18), null],
    [digits('25', 18), 'alipay'],
    [digits('30', 18), 'alipay'],
    [digits('31', 18), null],
    [digits('13', 17), null],
    [digits('13', 18), 'wechat'],
    [digits('13', 19), null],
    [digits('09', 18), null],
    [digits('10', 18), 'wechat'],
    [digits('15', 18), 'wechat'],
    [digits('16', 18), null],
  ])('%s → %s', (code, wallet) => {
    const r = scan(`${code}\r\n`);
    if (wallet === null) expect(r.kind).not.toBe('payment-code');
    else expect(r).toEqual({ kind: 'payment-code', data: `${code}\r\n`, wallet, code });
  });

  it('reads them under Code 128 and QR AIM ids, never under EAN/UPC or GS1 ones', () => {
    const code = digits('13', 18);
    expect(scan(`]C0${code}`)).toMatchObject({ kind: 'payment-code', wallet: 'wechat', code });
    expect(scan(`]Q1${code}`)).toMatchObject({ kind: 'payment-code', code });
    expect(scan(`]E0${code}`).kind).not.toBe('payment-code');
    // Under ]C1 a WeChat-shaped "10…" is AI (10), a batch of 16 characters.
    const batchLike = digits('10', 18);
    expect(scan(`]C1${batchLike}`)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('no GTIN') });
    expect(scan(`]C101${'09501101530003'}${batchLike}`)).toMatchObject({ kind: 'product', gs1: { batch: batchLike.slice(2) } });
  });
});

describe('coupons and members', () => {
  it('reads GS1 coupons (EAN-13 starting 99 or 981–984) with a valid check digit', () => {
    expect(scan('9912345678909')).toEqual({ kind: 'coupon', data: '9912345678909', code: '9912345678909' });
    expect(scan('9810000000013')).toMatchObject({ kind: 'coupon' });
    expect(reasonOf(scan('9912345678900'))).toBe('bad check digit: expected 9, got 0');
    // A numeric prefix only claims 13-digit codes: a 12-digit UPC-A starting 99 is a product.
    const upc = `99123456789${gtinCheckDigit('99123456789')}`;
    expect(scan(upc)).toMatchObject({ kind: 'product', key: `00${upc}` });
  });

  it('reads store coupons and member cards by prefix, case-insensitively, uppercased', () => {
    expect(scan('CPN-2026-0001')).toEqual({ kind: 'coupon', data: 'CPN-2026-0001', code: 'CPN-2026-0001' });
    expect(scan('cpn42')).toMatchObject({ kind: 'coupon', code: 'CPN42' });
    expect(scan(' MBR000123\n')).toEqual({ kind: 'member', data: ' MBR000123\n', code: 'MBR000123' });
  });

  it('lets a store use numeric member cards and checks coupons before members', () => {
    const rules: ScanRules = { embedded: [], couponPrefixes: ['X'], memberPrefixes: ['88', 'XY'] };
    expect(scan('8801234567893', rules)).toMatchObject({ kind: 'member', code: '8801234567893' });
    expect(reasonOf(scan('8801234567890', rules))).toBe('bad check digit: expected 3, got 0');
    expect(scan('XY1', rules)).toMatchObject({ kind: 'coupon', code: 'XY1' });
    // By default 880 (South Korea) is an ordinary product prefix.
    expect(scan('8801234567893')).toMatchObject({ kind: 'product' });
  });
});

describe('framing, PLUs, labels and refusals', () => {
  it('strips whitespace, CR/LF and the AIM id, reporting the AIM id', () => {
    expect(scan('  ]E04006381333931\r\n')).toMatchObject({ kind: 'product', key: '04006381333931', symbologyHint: ']E0' });
    expect(scan(']E496385074')).toMatchObject({ kind: 'product', key: '00000096385074', symbologyHint: ']E4' });
  });

  it('drops an EAN/UPC add-on under ]E3', () => {
    expect(scan(']E3400638133393112')).toMatchObject({ kind: 'product', key: '04006381333931' });
    expect(scan(']E303600029145212345')).toMatchObject({ kind: 'product', key: '00036000291452' });
  });

  it('keys 1–7 digit PLUs as given and internal labels uppercased', () => {
    expect(scan('00123')).toEqual({ kind: 'product', data: '00123', key: '00123', gtin: null, symbologyHint: 'PLU' });
    expect(scan(']C0shelf-a/12')).toEqual({ kind: 'product', data: ']C0shelf-a/12', key: 'SHELF-A/12', gtin: null, symbologyHint: ']C0' });
    expect(scan('123456789')).toMatchObject({ kind: 'product', key: '123456789', symbologyHint: 'Code 128' });
  });

  it.each([
    ['', 'empty scan'],
    [' \r\n', 'empty scan'],
    [']E0', 'empty scan after AIM id ]E0'],
    ['abc\x07', 'control character U+0007 at position 4'],
    ['ab\x00c', 'control character U+0000 at position 3'],
    ['prix-é', 'non-ASCII character U+00E9 at position 6'],
    ['支付', 'non-ASCII character U+652F at position 1'],
    ['A'.repeat(129), 'scan is 129 characters; at most 128 allowed'],
    ['A'.repeat(100_000), 'at most 128 allowed'],
    ['A'.repeat(49), 'at most 48 allowed'],
    [`ABC${GS}DEF`, 'expected an AI at position 1'],
  ])('refuses %j', (data, reason) => {
    expect(reasonOf(scan(data))).toContain(reason);
  });
});

describe('never throws', () => {
  const kinds = new Set(['product', 'weighted-product', 'priced-product', 'payment-code', 'coupon', 'member', 'unknown']);
  const rulesArb = fc.constantFrom<ScanRules>(R, { embedded: [{ prefix: '22', kind: 'price', itemDigits: 5, valueDigits: 4, valueDecimals: 4, priceCheckDigit: true }], couponPrefixes: ['2', 'Ä'], memberPrefixes: [''] });
  const currencyArb = fc.constantFrom('CNY', 'JPY', 'XXX', '');
  const interesting = fc.string({
    unit: fc.constantFrom('0', '1', '2', '3', '9', '(', ')', GS, ']', 'C', 'E', 'Q', '\r', '\n', ' ', 'A', 'é', '\u0000'),
    maxLength: 60,
  });

  const check = (data: string, rules: ScanRules, currency: string): void => {
    const r = classifyScan(data, rules, currency);
    expect(kinds.has(r.kind)).toBe(true);
    expect(r.data).toBe(data);
    if (r.kind === 'unknown') expect(r.reason).not.toMatch(/internal error/);
  };

  it.each([
    ['printable strings', fc.string({ maxLength: 200 })],
    ['binary (full unicode, lone surrogates) strings', fc.string({ unit: 'binary', maxLength: 200 })],
    ['grapheme strings', fc.string({ unit: 'grapheme', maxLength: 60 })],
    ['digit strings', fc.stringMatching(/^\d{0,30}$/)],
    ['AIM + digits', fc.tuple(fc.constantFrom(']E0', ']C1', ']C0', ']Q3', ']e0', ''), fc.stringMatching(/^\d{0,30}$/)).map(([a, d]) => a + d)],
    ['GS1-ish strings', interesting],
  ])('on %s', (_name, arb) => {
    fc.assert(fc.property(arb, rulesArb, currencyArb, check), { numRuns: 500 });
  });
});
