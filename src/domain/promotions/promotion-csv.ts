// Reads a promotions CSV (the store server's import, issue 8 §4) into checked Promotion values,
// or a list of errors that each name the LINE of the file and the column. Pure: it takes the
// text (the caller reads the file and decodes it). csv-parse does the CSV syntax and
// ../csv-table.ts the header, line numbers and error reporting the importers share; the
// columns' checks are ours, hand-written, and then each row goes through `promotionSchema`
// like any promotion.
//
// FORMAT: a header row, then one promotion per row. Column order is free; id, name, kind and
// target are required in the header, every other column may be left out (= empty everywhere).
// Unknown columns are an error (a misspelt column would otherwise be silently ignored).
//   id           unique key, ≤ 64 characters
//   name         label shown on the cart line, receipt and customer display
//   kind         percent_off | amount_off | fixed_price | buy_get | n_for_price | spend_get
//   target       item | department | basket
//   skus         item target: SKUs separated by "|"
//   departments  department target: departments separated by "|"
//   percent      percent_off, buy_get (default 100 = free), spend_get: "10", "12.5" (0 < p ≤ 100)
//   amount       amount_off (off each unit / per kg; once for the basket), spend_get: "5.00"
//   price        fixed_price (per unit / per kg), n_for_price (for the whole group): "9.90"
//   buy, get     buy_get: whole numbers ≥ 1 (buy 2 get 1)
//   quantity     n_for_price: how many units for the price, ≥ 2
//   min_spend    spend_get: the threshold, measured on the target after line promotions
//   member_only  yes | no (default no)
//   stacking     exclusive | stackable (default stackable)
//   group        stackable only: at most one promotion of a group applies
//   priority     whole number, higher applies first and wins ties (default 0)
//   weekdays     e.g. "mon|tue|sat" or "mon-fri" (or 1–7, Monday = 1); empty = every day
//   hours        e.g. "11:00-14:00|17:00-19:00" (end exclusive, same day); empty = all day
//   from, until  inclusive local dates "YYYY-MM-DD"; empty = open
// Money columns are decimals in the store currency with at most its decimals ("1.005" CNY is
// refused, never rounded). A column that the row's kind does not use must be empty.
//
// Rejected with the row's line number: malformed CSV, a bad value, a missing value, a column
// the kind does not use, the same id twice, and two exclusive promotions with the same
// priority on an overlapping target (SKU with SKU, department with department, basket with
// basket, as `targetsOverlap` in promotion.ts): which one wins would be arbitrary. The whole file is checked; every error is listed.
import { checkRow, CsvFileError, CsvRowError, formatCsvIssue, readCsvTable } from '../csv-table.ts';
import type { CsvIssue, CsvTableSpec } from '../csv-table.ts';
import { MoneyError, parseMoney } from '../money.ts';
import { ALWAYS, PROMOTION_KINDS, promotionSchema } from './promotion.ts';
import type { Promotion, PromotionKind } from './promotion.ts';

export const PROMOTION_CSV_COLUMNS = [
  'id',
  'name',
  'kind',
  'target',
  'skus',
  'departments',
  'percent',
  'amount',
  'price',
  'buy',
  'get',
  'quantity',
  'min_spend',
  'member_only',
  'stacking',
  'group',
  'priority',
  'weekdays',
  'hours',
  'from',
  'until',
] as const;
export type PromotionCsvColumn = (typeof PROMOTION_CSV_COLUMNS)[number];

const REQUIRED: readonly PromotionCsvColumn[] = ['id', 'name', 'kind', 'target'];

/** Value columns each kind reads; the others must be empty on its rows. */
const KIND_COLUMNS: Readonly<Record<PromotionKind, { required: readonly PromotionCsvColumn[]; optional: readonly PromotionCsvColumn[] }>> = {
  percent_off: { required: ['percent'], optional: [] },
  amount_off: { required: ['amount'], optional: [] },
  fixed_price: { required: ['price'], optional: [] },
  buy_get: { required: ['buy', 'get'], optional: ['percent'] },
  n_for_price: { required: ['quantity', 'price'], optional: [] },
  spend_get: { required: ['min_spend'], optional: ['amount', 'percent'] },
};
const VALUE_COLUMNS: readonly PromotionCsvColumn[] = ['percent', 'amount', 'price', 'buy', 'get', 'quantity', 'min_spend'];

/** Most rows read from one file. */
export const MAX_PROMOTION_ROWS = 100_000;

export type PromotionCsvIssue = CsvIssue<PromotionCsvColumn>;

export interface PromotionCsvResult {
  /** The valid rows, in file order (all of them only when `errors` is empty). */
  readonly promotions: readonly Promotion[];
  readonly errors: readonly PromotionCsvIssue[];
}

export interface PromotionCsvOptions {
  /** The store currency the money columns are in. */
  readonly currency: string;
}

export class PromotionCsvError extends CsvFileError<PromotionCsvColumn> {
  override name = 'PromotionCsvError';
  constructor(issues: readonly PromotionCsvIssue[]) {
    super('promotions', issues);
  }
}

export function formatIssue(i: PromotionCsvIssue): string {
  return formatCsvIssue(i);
}

/** Like `parsePromotionsCsv`, but all or nothing: throws PromotionCsvError listing every error. */
export function readPromotionsCsv(text: string, options: PromotionCsvOptions): Promotion[] {
  const r = parsePromotionsCsv(text, options);
  if (r.errors.length > 0) throw new PromotionCsvError(r.errors);
  return [...r.promotions];
}

const RowError = CsvRowError<PromotionCsvColumn>;

const TABLE: CsvTableSpec<PromotionCsvColumn> = { columns: PROMOTION_CSV_COLUMNS, required: REQUIRED, maxRows: MAX_PROMOTION_ROWS, row: 'promotion', rows: 'promotions' };

export function parsePromotionsCsv(text: string, options: PromotionCsvOptions): PromotionCsvResult {
  const byId = new Map<string, number>();
  /** First exclusive promotion per (priority, target entry): finds clashes without an n² scan. */
  const exclusives = new Map<string, { p: Promotion; line: number }>();
  const { values, errors } = readCsvTable(text, TABLE, (cell, line) => {
    const p = rowToPromotion(cell, options.currency);
    const firstLine = byId.get(p.id);
    if (firstLine !== undefined) throw new RowError('id', `promotion id "${p.id}" is already defined on line ${firstLine}`);
    byId.set(p.id, line);
    if (p.stacking === 'exclusive') {
      const keys = exclusiveKeys(p);
      const clash = keys.map((k) => exclusives.get(k)).find((e) => e !== undefined);
      if (clash) {
        throw new RowError(
          'priority',
          `exclusive promotion "${p.id}" has the same priority (${p.priority}) and an overlapping target as exclusive "${clash.p.id}" on line ${clash.line}: give them different priorities`,
        );
      }
      for (const k of keys) exclusives.set(k, { p, line });
    }
    return p;
  });
  return { promotions: values, errors };
}

/** Keys that two exclusive promotions clash on: same priority and an overlapping target (see targetsOverlap). */
function exclusiveKeys(p: Promotion): string[] {
  const t = p.target;
  const at = `${p.priority}\u0000${t.kind}\u0000`;
  if (t.kind === 'basket') return [at];
  return (t.kind === 'item' ? t.skus : t.departments).map((k) => at + k);
}

// ---- one row ---------------------------------------------------------------------------------

const WEEKDAYS: Readonly<Record<string, number>> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

function rowToPromotion(cell: (c: PromotionCsvColumn) => string, currency: string): Promotion {
  const kindText = cell('kind').toLowerCase();
  if (!(PROMOTION_KINDS as readonly string[]).includes(kindText)) {
    throw new RowError('kind', kindText === '' ? `kind is empty: expected one of ${PROMOTION_KINDS.join(', ')}` : `unknown kind "${kindText}": expected one of ${PROMOTION_KINDS.join(', ')}`);
  }
  const kind = kindText as PromotionKind;
  const uses = KIND_COLUMNS[kind];
  for (const c of VALUE_COLUMNS) {
    const used = uses.required.includes(c) || uses.optional.includes(c);
    if (!used && cell(c) !== '') throw new RowError(c, `${c} is not used by a ${kind} promotion: leave it empty`);
    if (uses.required.includes(c) && cell(c) === '') throw new RowError(c, `a ${kind} promotion needs ${c}`);
  }

  const targetKind = cell('target').toLowerCase();
  const skus = list(cell('skus'));
  const departments = list(cell('departments'));
  let target: Promotion['target'];
  if (targetKind === 'item') {
    if (skus.length === 0) throw new RowError('skus', 'an item promotion must name at least one SKU in skus');
    if (departments.length > 0) throw new RowError('departments', 'an item promotion takes skus, not departments');
    target = { kind: 'item', skus };
  } else if (targetKind === 'department') {
    if (departments.length === 0) throw new RowError('departments', 'a department promotion must name at least one department in departments');
    if (skus.length > 0) throw new RowError('skus', 'a department promotion takes departments, not skus');
    target = { kind: 'department', departments };
  } else if (targetKind === 'basket') {
    if (skus.length > 0 || departments.length > 0) throw new RowError(skus.length > 0 ? 'skus' : 'departments', 'a basket promotion applies to the whole basket: leave skus and departments empty');
    target = { kind: 'basket' };
  } else {
    throw new RowError('target', targetKind === '' ? 'target is empty: expected item, department or basket' : `unknown target "${targetKind}": expected item, department or basket`);
  }

  const money = (c: PromotionCsvColumn): number => {
    try {
      const m = parseMoney(cell(c), currency);
      if (m.amount < 0) throw new RowError(c, `${c} "${cell(c)}" must not be negative`);
      return m.amount;
    } catch (e) {
      if (e instanceof MoneyError) throw new RowError(c, e.message);
      throw e;
    }
  };
  const whole = (c: PromotionCsvColumn, min: number): number => {
    const t = cell(c);
    if (!/^[+-]?\d{1,7}$/.test(t)) throw new RowError(c, `${c} "${t}" is not a whole number`);
    const n = Number(t);
    if (n < min) throw new RowError(c, `${c} must be at least ${min}, got ${n}`);
    return n;
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

  const common = {
    id: cell('id'),
    name: cell('name'),
    target,
    memberOnly: yesNo(cell('member_only')),
    stacking: stacking(cell('stacking')),
    group: cell('group') === '' ? null : cell('group'),
    priority: cell('priority') === '' ? 0 : whole('priority', -1_000_000),
    window: {
      weekdays: weekdays(cell('weekdays')),
      hours: hours(cell('hours')),
      from: cell('from') === '' ? ALWAYS.from : cell('from'),
      until: cell('until') === '' ? ALWAYS.until : cell('until'),
    },
  };
  if (common.id === '') throw new RowError('id', 'id is empty');
  if (common.name === '') throw new RowError('name', 'name is empty: it is what the customer sees on the receipt');

  let candidate: unknown;
  switch (kind) {
    case 'percent_off':
      candidate = { ...common, kind, percentBps: percent() };
      break;
    case 'amount_off':
      candidate = { ...common, kind, amount: money('amount') };
      break;
    case 'fixed_price':
      candidate = { ...common, kind, price: money('price') };
      break;
    case 'buy_get':
      candidate = { ...common, kind, buy: whole('buy', 1), get: whole('get', 1), percentBps: cell('percent') === '' ? 10_000 : percent() };
      break;
    case 'n_for_price':
      candidate = { ...common, kind, quantity: whole('quantity', 2), price: money('price') };
      break;
    case 'spend_get': {
      const hasAmount = cell('amount') !== '';
      const hasPercent = cell('percent') !== '';
      if (hasAmount === hasPercent) throw new RowError(hasAmount ? 'percent' : 'amount', 'a spend_get promotion gives either an amount or a percent off: fill exactly one of them');
      candidate = { ...common, kind, minSpend: money('min_spend'), amount: hasAmount ? money('amount') : null, percentBps: hasPercent ? percent() : null };
      break;
    }
  }
  return checkRow(promotionSchema, candidate, columnForPath, 'promotion');
}

function columnForPath(path: readonly PropertyKey[]): PromotionCsvColumn | null {
  const [a, b] = path;
  switch (a) {
    case 'percentBps':
      return 'percent';
    case 'minSpend':
      return 'min_spend';
    case 'memberOnly':
      return 'member_only';
    case 'target':
      return b === 'skus' ? 'skus' : b === 'departments' ? 'departments' : 'target';
    case 'window':
      return b === 'weekdays' || b === 'hours' || b === 'from' || b === 'until' ? b : null;
    case 'id':
    case 'name':
    case 'amount':
    case 'price':
    case 'buy':
    case 'get':
    case 'quantity':
    case 'stacking':
    case 'group':
    case 'priority':
      return a;
    default:
      return null;
  }
}

function list(text: string): string[] {
  if (text === '') return [];
  return text.split('|').map((s) => s.trim());
}

function yesNo(text: string): boolean {
  const t = text.toLowerCase();
  if (t === '' || t === 'no' || t === 'false' || t === '0') return false;
  if (t === 'yes' || t === 'true' || t === '1') return true;
  throw new RowError('member_only', `member_only "${text}" is not yes or no`);
}

function stacking(text: string): 'exclusive' | 'stackable' {
  const t = text.toLowerCase();
  if (t === '' || t === 'stackable') return 'stackable';
  if (t === 'exclusive') return 'exclusive';
  throw new RowError('stacking', `stacking "${text}" is not exclusive or stackable`);
}

function weekdays(text: string): number[] | null {
  if (text === '') return null;
  const day = (t: string): number => {
    const v = WEEKDAYS[t.slice(0, 3).toLowerCase()] ?? (/^[1-7]$/.test(t) ? Number(t) : undefined);
    if (v === undefined || (t.length > 3 && !/^[a-z]+day$/i.test(t))) throw new RowError('weekdays', `"${t}" is not a weekday (mon … sun, or 1 … 7 with Monday = 1)`);
    return v;
  };
  const days = new Set<number>();
  for (const part of list(text)) {
    const range = /^([^-]+)-([^-]+)$/.exec(part);
    if (range) {
      const a = day((range[1] ?? '').trim());
      const b = day((range[2] ?? '').trim());
      if (b < a) throw new RowError('weekdays', `weekday range "${part}" ends before it starts (Monday is the first day)`);
      for (let d = a; d <= b; d++) days.add(d);
    } else days.add(day(part));
  }
  return [...days].sort((x, y) => x - y);
}

function hours(text: string): { start: string; end: string }[] {
  if (text === '') return [];
  return list(text).map((part) => {
    const m = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!m) throw new RowError('hours', `hours "${part}" is not a range like 11:00-14:00`);
    const pad = (t: string) => t.padStart(5, '0');
    return { start: pad(m[1] ?? ''), end: pad(m[2] ?? '') };
  });
}
