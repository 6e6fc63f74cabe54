import { describe, expect, it } from 'vitest';
import { lineDue, lineTax, summarizeTax, TaxError } from '../../../src/domain/tax.ts';

describe('lineTax: per line, to the minor unit, half away from zero', () => {
  // [amount, rateBps, inclusive, expected tax, why]
  const table: [number, number, boolean, number, string][] = [
    [100, 1300, true, 12, '1.00 × 13/113 = 0.11504… → 0.12'],
    [888, 1300, true, 102, '8.88 × 13/113 = 1.0216 → 1.02'],
    [9999, 1300, true, 1150, '99.99 × 13/113 = 11.5034 → 11.50'],
    [1, 1300, true, 0, '0.01 × 13/113 = 0.00115 → 0.00'],
    [113, 1300, true, 13, 'exact: 1.13 contains 0.13'],
    [109, 900, true, 9, 'exact 9 %'],
    [106, 600, true, 6, 'exact 6 %'],
    [5000, 0, true, 0, 'zero rate'],
    [100, 825, false, 8, '1.00 × 8.25 % = 0.0825 → 0.08'],
    [1000, 825, false, 83, '10.00 × 8.25 % = 0.825 → 0.83 (half away from zero)'],
    [200, 825, false, 17, '2.00 × 8.25 % = 0.165 → 0.17'],
    [9999, 825, false, 825, '99.99 × 8.25 % = 8.249 → 8.25'],
    [1, 825, false, 0, '0.01 → 0.00'],
    [6, 825, false, 0, '0.06 × 8.25 % = 0.00495 → 0.00'],
    [7, 825, false, 1, '0.07 × 8.25 % = 0.0058 → 0.01'],
    [-1000, 825, false, -83, 'negative rounds away from zero too'],
    [-100, 1300, true, -12, 'negative inclusive'],
    [0, 1300, true, 0, 'nothing'],
  ];
  it.each(table)('%i at %i bps inclusive=%s → %i (%s)', (amount, rate, inclusive, expected) => {
    expect(lineTax(amount, rate, inclusive)).toBe(expected);
  });

  it('refuses a bad rate or amount', () => {
    expect(() => lineTax(100, -1, true)).toThrow(TaxError);
    expect(() => lineTax(100, 10_001, true)).toThrow(/0 to 10000/);
    expect(() => lineTax(100, 12.5, true)).toThrow(TaxError);
    expect(() => lineTax(1.5, 1300, true)).toThrow(TaxError);
  });

  it('adds exclusive tax on top only', () => {
    expect(lineDue(1000, 83, false)).toBe(1083);
    expect(lineDue(1000, 115, true)).toBe(1000);
  });
});

describe('summarizeTax', () => {
  it('groups non-void lines per class, sums the rounded line taxes, in a stable order', () => {
    const rows = summarizeTax([
      { taxClass: 'standard', taxRateBps: 1300, taxInclusive: true, amount: 100, tax: 12, voided: false },
      { taxClass: 'reduced', taxRateBps: 900, taxInclusive: true, amount: 109, tax: 9, voided: false },
      { taxClass: 'standard', taxRateBps: 1300, taxInclusive: true, amount: 100, tax: 12, voided: false },
      { taxClass: 'standard', taxRateBps: 1300, taxInclusive: true, amount: 999, tax: 115, voided: true },
    ]);
    expect(rows).toEqual([
      { taxClass: 'reduced', rateBps: 900, inclusive: true, taxable: 109, tax: 9 },
      // 24, not round(200 × 13/113) = 23: the summary adds printed line figures.
      { taxClass: 'standard', rateBps: 1300, inclusive: true, taxable: 200, tax: 24 },
    ]);
  });
});
