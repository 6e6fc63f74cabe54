import { describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_RULES, scanRulesSchema } from '../../../../src/domain/barcodes/classify-scan.ts';

function issues(input: unknown): { path: string; message: string }[] {
  const r = scanRulesSchema.safeParse(input);
  expect(r.success).toBe(false);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

const weight = { prefix: '25', kind: 'weight', itemDigits: 5, valueDigits: 5, valueDecimals: 3 };

describe('scanRulesSchema', () => {
  it('accepts the defaults and fills in missing fields with them', () => {
    expect(scanRulesSchema.parse(DEFAULT_SCAN_RULES)).toEqual(DEFAULT_SCAN_RULES);
    expect(scanRulesSchema.parse({})).toEqual(DEFAULT_SCAN_RULES);
    expect(scanRulesSchema.parse({ memberPrefixes: ['VIP'] })).toEqual({ ...DEFAULT_SCAN_RULES, memberPrefixes: ['VIP'] });
  });

  it('documents the default layouts: 20–24 price (2 decimals), 25–29 weight (grams)', () => {
    expect(DEFAULT_SCAN_RULES.embedded.map((l) => `${l.prefix}:${l.kind}:${l.itemDigits}+${l.valueDigits}/${l.valueDecimals}`)).toEqual([
      '20:price:5+5/2',
      '21:price:5+5/2',
      '22:price:5+5/2',
      '23:price:5+5/2',
      '24:price:5+5/2',
      '25:weight:5+5/3',
      '26:weight:5+5/3',
      '27:weight:5+5/3',
      '28:weight:5+5/3',
      '29:weight:5+5/3',
    ]);
  });

  it('names the field when a layout does not fit 13 digits', () => {
    expect(issues({ embedded: [{ ...weight, valueDigits: 4 }] })).toEqual([
      { path: 'embedded.0.valueDigits', message: expect.stringContaining('itemDigits + valueDigits must be 10') },
    ]);
    expect(issues({ embedded: [{ ...weight, valueDigits: 5, priceCheckDigit: true }] })).toEqual([
      { path: 'embedded.0.valueDigits', message: expect.stringContaining('must be 9 with priceCheckDigit') },
      { path: 'embedded.0.priceCheckDigit', message: expect.stringContaining('valueDigits must be 4') },
    ]);
    expect(scanRulesSchema.safeParse({ embedded: [{ ...weight, kind: 'price', valueDigits: 4, valueDecimals: 2, priceCheckDigit: true }] }).success).toBe(true);
  });

  it('names bad prefixes, kinds, typos and duplicates', () => {
    expect(issues({ embedded: [{ ...weight, prefix: '30' }] })[0]).toMatchObject({ path: 'embedded.0.prefix', message: 'prefix must be two digits from 20 to 29' });
    expect(issues({ embedded: [{ ...weight, kind: 'volume' }] })[0]?.path).toBe('embedded.0.kind');
    expect(issues({ embedded: [{ ...weight, itemDigit: 5 }] })[0]?.message).toContain('itemDigit');
    expect(issues({ embedded: [weight, weight] })).toEqual([{ path: 'embedded.1.prefix', message: 'prefix 25 is already used by embedded[0]' }]);
  });

  it('refuses numeric coupon/member prefixes that would shadow an embedded layout', () => {
    expect(issues({ couponPrefixes: ['99', '25'] })).toEqual([{ path: 'couponPrefixes.1', message: 'prefix "25" overlaps the embedded layout prefix 25' }]);
    expect(issues({ memberPrefixes: ['2'] })[0]).toMatchObject({ path: 'memberPrefixes.0', message: expect.stringContaining('overlaps') });
    expect(scanRulesSchema.safeParse({ embedded: [weight], memberPrefixes: ['29'] }).success).toBe(true);
  });

  it('refuses empty, spaced or duplicate prefixes', () => {
    expect(issues({ couponPrefixes: [''] })[0]?.path).toBe('couponPrefixes.0');
    expect(issues({ memberPrefixes: ['M B'] })[0]?.path).toBe('memberPrefixes.0');
    expect(issues({ memberPrefixes: ['cpn'] })).toEqual([{ path: 'memberPrefixes.0', message: 'prefix "cpn" is also a coupon prefix (coupons win)' }]);
    expect(issues({ couponPrefixes: ['9'.repeat(13)] })[0]?.message).toContain('can never match');
  });
});
