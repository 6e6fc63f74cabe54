// Reads a coupons CSV (the store server's import, issue 8 §2) into checked Coupon values, or a
// list of errors that each name the LINE of the file and the column. Pure: it takes the text
// (the caller reads the file and decodes it). csv-parse does the CSV syntax and ../csv-table.ts
// the header, line numbers and error reporting the importers share; the columns' checks are
// ours, hand-written, and then the result goes through `couponSchema` like any coupon.
//
// FORMAT: a header row, then one coupon per row. Column order is free; code, name and use are
// required in the header, the others may be left out (= empty everywhere). Unknown columns are
// an error (a misspelt column would otherwise be silently ignored).
//   code       what is printed on the coupon and scanned; upper-cased (codes compare
//              case-insensitively), 3–64 letters, digits, "-" or "_"
//   name       shown on the cart, the receipt and the customer display
//   use        single (once across every terminal of the store) | multi (once per sale)
//   from, until  inclusive local dates "YYYY-MM-DD"; empty = open
//   min_spend  the goods total after promotions must reach it: "50.00"; empty = none
//   amount     money off the basket: "5.00"
//   percent    percentage off the basket: "10", "12.5" (0 < p ≤ 100, at most 2 decimals)
// Exactly one of amount and percent is filled. Money columns are decimals in the store
// currency with at most its decimals ("1.005" CNY is refused, never rounded).
//
// Rejected with the row's line number: malformed CSV, a bad or missing value, and the same
// code twice (naming the line it was first given on). The whole file is checked; every error is
// listed.
import { checkRow, CsvFileError, CsvRowError, formatCsvIssue, readCsvTable } from '../csv-table.ts';
import type { CsvIssue, CsvTableSpec } from '../csv-table.ts';
import { MoneyError, parseMoney } from '../money.ts';
import { couponSchema, normalizeCouponCode } from './coupon.ts';
import type { Coupon } from './coupon.ts';

export const COUPON_CSV_COLUMNS = ['code', 'name', 'use', 'from', 'until', 'min_spend', 'amount', 'percent'] as const;
export type CouponCsvColumn = (typeof COUPON_CSV_COLUMNS)[number];

const REQUIRED: readonly CouponCsvColumn[] = ['code', 'name', 'use'];

/** Most rows read from one file. */
export const MAX_COUPON_ROWS = 100_000;

export type CouponCsvIssue = CsvIssue<CouponCsvColumn>;

export interface CouponCsvResult {
  /** The valid rows, in file order (all of them only when `errors` is empty). */
  readonly coupons: readonly Coupon[];
  readonly errors: readonly CouponCsvIssue[];
}

export interface CouponCsvOptions {
  /** The store currency the money columns are in. */
  readonly currency: string;
}

export class CouponCsvError extends CsvFileError<CouponCsvColumn> {
  override name = 'CouponCsvError';
  constructor(issues: readonly CouponCsvIssue[]) {
    super('coupons', issues);
  }
}

export function formatCouponIssue(i: CouponCsvIssue): string {
  return formatCsvIssue(i);
}

/** Like `parseCouponsCsv`, but all or nothing: throws CouponCsvError listing every error. */
export function readCouponsCsv(text: string, options: CouponCsvOptions): Coupon[] {
  const r = parseCouponsCsv(text, options);
  if (r.errors.length > 0) throw new CouponCsvError(r.errors);
  return [...r.coupons];
}

const RowError = CsvRowError<CouponCsvColumn>;

const TABLE: CsvTableSpec<CouponCsvColumn> = { columns: COUPON_CSV_COLUMNS, required: REQUIRED, maxRows: MAX_COUPON_ROWS, row: 'coupon', rows: 'coupons' };

export function parseCouponsCsv(text: string, options: CouponCsvOptions): CouponCsvResult {
  const byCode = new Map<string, number>();
  const { values, errors } = readCsvTable(text, TABLE, (cell, line) => {
    const coupon = rowToCoupon(cell, options.currency);
    const firstLine = byCode.get(coupon.code);
    if (firstLine !== undefined) throw new RowError('code', `coupon code "${coupon.code}" is already given on line ${firstLine} (codes compare without case)`);
    byCode.set(coupon.code, line);
    return coupon;
  });
  return { coupons: values, errors };
}

function rowToCoupon(cell: (c: CouponCsvColumn) => string, currency: string): Coupon {
  const code = normalizeCouponCode(cell('code'));
  if (code === '') throw new RowError('code', 'code is empty');
  if (cell('name') === '') throw new RowError('name', 'name is empty: it is what the customer sees on the receipt');
  const useText = cell('use').toLowerCase();
  if (useText !== 'single' && useText !== 'multi') {
    throw new RowError('use', useText === '' ? 'use is empty: expected single or multi' : `use "${cell('use')}" is not single or multi`);
  }
  const money = (c: CouponCsvColumn): number => {
    try {
      const m = parseMoney(cell(c), currency);
      if (m.amount < 0) throw new RowError(c, `${c} "${cell(c)}" must not be negative`);
      return m.amount;
    } catch (e) {
      if (e instanceof MoneyError) throw new RowError(c, e.message);
      throw e;
    }
  };
  const percent = (): number => {
    const t = cell('percent');
    const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(t);
    if (!m) throw new RowError('percent', `percent "${t}" is not a number like 10 or 12.5 (at most 2 decimals)`);
    const v = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
    if (v === 0) throw new RowError('percent', 'percent must be above 0');
    if (v > 10_000) throw new RowError('percent', `percent ${t} is above 100`);
    return v;
  };
  const hasAmount = cell('amount') !== '';
  const hasPercent = cell('percent') !== '';
  if (hasAmount === hasPercent) throw new RowError(hasAmount ? 'percent' : 'amount', 'a coupon gives either an amount or a percent off: fill exactly one of them');
  const candidate = {
    code,
    name: cell('name'),
    use: useText,
    from: cell('from') === '' ? null : cell('from'),
    until: cell('until') === '' ? null : cell('until'),
    minSpend: cell('min_spend') === '' ? 0 : money('min_spend'),
    amount: hasAmount ? money('amount') : null,
    percentBps: hasPercent ? percent() : null,
  };
  return checkRow(couponSchema, candidate, columnForPath, 'coupon');
}

function columnForPath(path: readonly PropertyKey[]): CouponCsvColumn | null {
  switch (path[0]) {
    case 'percentBps':
      return 'percent';
    case 'minSpend':
      return 'min_spend';
    case 'code':
    case 'name':
    case 'use':
    case 'from':
    case 'until':
    case 'amount':
      return path[0];
    default:
      return null;
  }
}
