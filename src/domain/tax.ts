// Tax math, hand-written because the rule is a statement of Kassa's own policy, not something
// a library decides, and it is three integer divisions.
//
// THE TAX RULE (every figure on a receipt, in the database and in `kassa verify` follows it):
// - Tax is computed PER LINE, on the line's amount after its own discount and its share of the
//   basket discount, and rounded to the minor unit HALF AWAY FROM ZERO
//   (`divRoundHalfAwayFromZero`).
// - Inclusive classes (China VAT): the line amount already contains the tax;
//   tax = round(amount × rate / (10000 + rate)). The customer pays Σ amounts.
// - Exclusive classes (US sales tax): tax = round(amount × rate / 10000) and is added on top;
//   the customer pays Σ amounts + Σ exclusive taxes.
// - Rates are integer basis points (1300 = 13 %), 0..10000.
// Per-line rounding means a receipt's tax total is the sum of the printed line taxes, so any
// line can be checked on its own; the per-class summary adds those same rounded figures.
import { divRoundHalfAwayFromZero } from './money.ts';

export class TaxError extends Error {
  override name = 'TaxError';
}

export function checkRateBps(rateBps: number): number {
  if (!Number.isSafeInteger(rateBps) || rateBps < 0 || rateBps > 10_000) {
    throw new TaxError(`tax rate ${rateBps} bps is not valid: expected a whole number of basis points from 0 to 10000`);
  }
  return rateBps;
}

/** Tax on one line amount (minor units) under the rule above. */
export function lineTax(amount: number, rateBps: number, inclusive: boolean): number {
  checkRateBps(rateBps);
  if (!Number.isSafeInteger(amount)) throw new TaxError(`line amount ${amount} is not a whole number of minor units`);
  if (rateBps === 0 || amount === 0) return 0;
  return inclusive
    ? divRoundHalfAwayFromZero(amount * rateBps, 10_000 + rateBps)
    : divRoundHalfAwayFromZero(amount * rateBps, 10_000);
}

/** What the customer pays for a line: the amount, plus the tax when the class is exclusive. */
export function lineDue(amount: number, tax: number, inclusive: boolean): number {
  return inclusive ? amount : amount + tax;
}

export interface TaxableLine {
  readonly taxClass: string;
  readonly taxRateBps: number;
  readonly taxInclusive: boolean;
  readonly amount: number;
  readonly tax: number;
  readonly voided: boolean;
}

export interface TaxSummaryRow {
  readonly taxClass: string;
  readonly rateBps: number;
  readonly inclusive: boolean;
  /** Σ line amounts in this class (inclusive classes: tax included; exclusive: before tax). */
  readonly taxable: number;
  /** Σ rounded line taxes in this class. */
  readonly tax: number;
}

/**
 * Groups non-void lines by (class, rate, inclusive), summing the already-rounded line figures.
 * Rows are sorted by class id then rate so the summary never depends on line order.
 */
export function summarizeTax(lines: readonly TaxableLine[]): TaxSummaryRow[] {
  const rows = new Map<string, { taxClass: string; rateBps: number; inclusive: boolean; taxable: number; tax: number }>();
  for (const l of lines) {
    if (l.voided) continue;
    const key = `${l.taxClass}\u0000${l.taxRateBps}\u0000${l.taxInclusive}`;
    const row = rows.get(key) ?? { taxClass: l.taxClass, rateBps: l.taxRateBps, inclusive: l.taxInclusive, taxable: 0, tax: 0 };
    row.taxable += l.amount;
    row.tax += l.tax;
    rows.set(key, row);
  }
  return [...rows.values()].sort(
    (a, b) => cmp(a.taxClass, b.taxClass) || a.rateBps - b.rateBps || Number(a.inclusive) - Number(b.inclusive),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
