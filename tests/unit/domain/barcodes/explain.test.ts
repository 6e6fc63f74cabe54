import { describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_RULES as R } from '../../../../src/domain/barcodes/classify-scan.ts';
import { explainScan, formatExplanation } from '../../../../src/domain/barcodes/explain.ts';

const explain = (data: string, currency = 'CNY') => explainScan(data, R, currency);

describe('explainScan', () => {
  it('explains a GTIN with its check digit and AIM id', () => {
    expect(explain(']E04006381333931\r\n')).toEqual({
      input: ']E04006381333931\r\n',
      kind: 'product',
      symbology: ']E0 EAN-13/UPC',
      key: '04006381333931',
      gtin: '04006381333931',
      checkDigit: { valid: true, expected: 1, got: 1 },
    });
  });

  it('names the expected digit of a bad code', () => {
    expect(explain('4006381333932')).toEqual({
      input: '4006381333932',
      kind: 'unknown',
      reason: 'bad check digit: expected 1, got 2',
      checkDigit: { valid: false, expected: 1, got: 2 },
    });
    expect(explain('(01)09501101530009').checkDigit).toEqual({ valid: false, expected: 3, got: 9 });
  });

  it('explains weight and price as plain numbers and decimal strings', () => {
    expect(explain('2700007012508')).toEqual({
      input: '2700007012508',
      kind: 'weighted-product',
      key: '00007',
      checkDigit: { valid: true, expected: 8, got: 8 },
      weightGrams: 1250,
    });
    expect(explain('2000042019990')).toMatchObject({ kind: 'priced-product', key: '00042', price: '19.99', currency: 'CNY' });
  });

  it('is JSON-able, GS1 price included', () => {
    const e = explain('(01)09501101530003(17)260100(10)ABC(3922)1234');
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(e.gs1).toEqual({ gtin: '09501101530003', expiry: '2026-01-31', batch: 'ABC', pricePaid: '12.34' });
  });

  it('explains payment codes, coupons and members', () => {
    expect(explain('134567890123456789')).toEqual({ input: '134567890123456789', kind: 'payment-code', wallet: 'wechat', code: '134567890123456789' });
    expect(explain('9912345678909')).toMatchObject({ kind: 'coupon', code: '9912345678909', checkDigit: { valid: true } });
    expect(explain('MBR7')).toEqual({ input: 'MBR7', kind: 'member', code: 'MBR7' });
  });
});

describe('formatExplanation', () => {
  it('prints a weighed item for people', () => {
    expect(formatExplanation(explain(']C10109501101530003310300045510LOT1'))).toBe(
      [
        'kind: weighted product',
        'symbology: ]C1 GS1-128',
        'catalog key: 09501101530003',
        'GTIN: 09501101530003',
        'weight: 0.455 kg',
        'batch: LOT1',
        'check digit: valid',
      ].join('\n'),
    );
  });

  it('prints a refusal with its reason', () => {
    expect(formatExplanation(explain('4006381333932'))).toBe(
      ['kind: unknown', 'check digit: invalid (expected 1, got 2)', 'reason: bad check digit: expected 1, got 2'].join('\n'),
    );
  });

  it('prints payment codes, prices and PLUs', () => {
    expect(formatExplanation(explain('281234567890123456'))).toBe('kind: payment code\nwallet: Alipay\ncode: 281234567890123456');
    expect(formatExplanation(explain('2000042019990'))).toContain('price: 19.99 CNY');
    expect(formatExplanation(explain('00123'))).toBe('kind: product\nsymbology: PLU\ncatalog key: 00123');
  });
});
