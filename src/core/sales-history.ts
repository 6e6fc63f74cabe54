// Sales history for managers (issue 7 §9): find a sale by receipt number, time, amount, tender
// or cashier, newest first, a page at a time, fast on a terminal holding a million sales.
//
// Decisions a caller must know:
// - Newest first by completion time (then sale id); `next` is an opaque cursor for the page
//   after this one (pass it as `before`), null on the last page.
// - `receipt` is exact: "T01-000123", "T01-123" or just "123" (any terminal in the file).
// - `from` is inclusive, `to` exclusive (ISO timestamps; the CLI turns local dates into them),
//   so consecutive days never share a sale.
// - Amounts are minor units and match the amount due (`total`) or what was paid after cash
//   rounding (`total + rounding`): the manager may have either on paper.
// - `cashier` is the exact name the sale carries.
// - `refunded` is what has gone or is going back (every refund part not `failed`), as the
//   refund service counts it.
// - Speed: works without any index of its own (measured ≤ 280 ms on 1M sales: SQLite sorts
//   the sales table's id and filter columns, top-N). SALES_HISTORY_SQL is an optional index
//   (migration 9, if wanted) that walks newest first and checks time, amount and cashier on
//   the index entry alone: ≤ 55 ms on 1M sales, but it adds ~1.3 WAL pages to every sale
//   commit (6.8 → 8.1 measured), which sale_commit_ratio has little room for.
// - A tender filter reads each candidate's record, at most TENDER_SCAN_LIMIT per call: a page
//   can then come back with fewer rows than asked and a `next` cursor that carries on (a search
//   for a tender hardly anyone used walks history in bounded steps instead of all at once).
// - The tender filter looks for `"method":"<tender>"` in the record's canonical JSON text (only
//   tenders carry a "method" key), which is several times cheaper than parsing it.
import type { Db } from './db/open.ts';

/** An index the history search walks when it exists (see the module comment for its cost). */
export const SALES_HISTORY_SQL = `
  -- Sales newest first for the manager's history search (src/core/sales-history.ts). The id
  -- (primary key) is part of every index entry of a WITHOUT ROWID table already; naming it
  -- second makes (completed_at, id) the order, and total, rounding and cashier ride along so a
  -- filter on them never reads the table row.
  CREATE INDEX sales_history ON sales(completed_at, id, total, rounding, cashier);
`;

export const TENDER_FILTERS = ['cash', 'alipay', 'wechat'] as const;
export type TenderFilter = (typeof TENDER_FILTERS)[number];

export interface SalesSearch {
  /** "T01-000123", "T01-123" or "123". */
  readonly receipt?: string;
  /** ISO timestamp, inclusive. */
  readonly from?: string;
  /** ISO timestamp, exclusive. */
  readonly to?: string;
  /** Minor units, inclusive. */
  readonly amountMin?: number;
  readonly amountMax?: number;
  readonly tender?: TenderFilter;
  readonly cashier?: string;
  /** Rows per page, 1..500 (default 50). */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly before?: string;
  /** Most candidates one call checks for the tender (default TENDER_SCAN_LIMIT). */
  readonly tenderScanLimit?: number;
}

export interface SaleHistoryTender {
  readonly method: string;
  readonly amount: number;
}

export interface SaleHistoryRow {
  readonly saleId: string;
  readonly terminalId: string;
  readonly receiptNo: number;
  /** "T01-000123", as printed. */
  readonly receipt: string;
  readonly completedAt: string;
  readonly total: number;
  readonly rounding: number;
  readonly currency: string;
  readonly tenders: readonly SaleHistoryTender[];
  readonly cashier: string;
  /** Minor units refunded or being refunded. */
  readonly refunded: number;
  readonly training: boolean;
}

export interface SalesPage {
  readonly rows: readonly SaleHistoryRow[];
  /** Pass as `before` for more; null when nothing older matches. May be set on a short page (tender filter). */
  readonly next: string | null;
}

export class SalesSearchError extends Error {
  override name = 'SalesSearchError';
}

export const MAX_PAGE = 500;

/**
 * Most sales one call checks for a tender (each check reads the sale's record). A page that is
 * not full by then comes back short, with `next` set to carry on from there, so one call stays
 * well under a second even when hardly any sale matches.
 */
export const TENDER_SCAN_LIMIT = 20_000;

export function formatReceipt(terminalId: string, receiptNo: number): string {
  return `${terminalId}-${String(receiptNo).padStart(6, '0')}`;
}

/** "T01-000123" → { terminalId: 'T01', receiptNo: 123 }; "123" → { terminalId: null, … }. */
export function parseReceipt(input: string): { terminalId: string | null; receiptNo: number } {
  const m = /^(?:(.+)-)?0*(\d{1,15})$/.exec(input.trim());
  const no = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(no) || no < 1) {
    throw new SalesSearchError(`receipt "${input}" is not a receipt number: expected e.g. T01-000123 or 123`);
  }
  return { terminalId: m[1] ?? null, receiptNo: no };
}

function isoOf(value: string, name: string): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new SalesSearchError(`${name} "${value}" is not a timestamp: expected ISO 8601, e.g. 2025-03-01T00:00:00.000Z`);
  }
  return new Date(ms).toISOString();
}

function amountOf(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new SalesSearchError(`${name} must be a whole number of minor units ≥ 0, got ${value}`);
  return value;
}

interface Cursor {
  readonly completedAt: string;
  readonly id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.completedAt, c.id])).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { completedAt: v[0], id: v[1] };
  } catch {
    // falls through to the error below
  }
  throw new SalesSearchError(`"${s}" is not a page cursor from a previous search: pass the "next" value exactly as it came`);
}

interface RawRow {
  id: string;
  terminal_id: string;
  receipt_no: number;
  completed_at: string;
  currency: string;
  total: number;
  rounding: number;
  cashier: string;
  training: number;
  tenders: string | null;
  refunded: number;
}

/** A page of sales matching every given filter, newest first. */
export function searchSales(db: Db, search: SalesSearch = {}): SalesPage {
  const limit = search.limit ?? 50;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new SalesSearchError(`limit must be a whole number from 1 to ${MAX_PAGE}, got ${limit}`);
  // Terms on columns the history index holds (completed_at, id, total, rounding, cashier) ...
  const where: string[] = [];
  const params: (string | number)[] = [];
  // ... and on columns only the table row has (receipt number, terminal).
  const rowWhere: string[] = [];
  const rowParams: (string | number)[] = [];
  if (search.receipt !== undefined) {
    const r = parseReceipt(search.receipt);
    // The receipt number is unique per terminal ((terminal_id, receipt_no) is indexed): without
    // a terminal in the query, every terminal in the file is named, so that index still serves.
    const terminals = r.terminalId !== null ? [r.terminalId] : terminalsIn(db);
    rowWhere.push(`s.terminal_id IN (${terminals.map(() => '?').join(', ') || 'NULL'})`, 's.receipt_no = ?');
    rowParams.push(...terminals, r.receiptNo);
  }
  const from = search.from === undefined ? undefined : isoOf(search.from, 'from');
  const to = search.to === undefined ? undefined : isoOf(search.to, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw new SalesSearchError(`from (${from}) must be before to (${to})`);
  if (from !== undefined) {
    where.push('s.completed_at >= ?');
    params.push(from);
  }
  if (to !== undefined) {
    where.push('s.completed_at < ?');
    params.push(to);
  }
  const min = search.amountMin === undefined ? undefined : amountOf(search.amountMin, 'amountMin');
  const max = search.amountMax === undefined ? undefined : amountOf(search.amountMax, 'amountMax');
  if (min !== undefined && max !== undefined && min > max) throw new SalesSearchError(`amountMin (${min}) must not be more than amountMax (${max})`);
  if (min !== undefined || max !== undefined) {
    const lo = min ?? 0;
    const hi = max ?? Number.MAX_SAFE_INTEGER;
    where.push('((s.total BETWEEN ? AND ?) OR (s.total + s.rounding BETWEEN ? AND ?))');
    params.push(lo, hi, lo, hi);
  }
  if (search.cashier !== undefined) {
    if (search.cashier.trim() === '') throw new SalesSearchError('cashier must be a name, got an empty one');
    where.push('s.cashier = ?');
    params.push(search.cashier);
  }
  if (search.before !== undefined) {
    const c = decodeCursor(search.before);
    where.push('(s.completed_at, s.id) < (?, ?)');
    params.push(c.completedAt, c.id);
  }
  const tender = search.tender;
  if (tender !== undefined && !(TENDER_FILTERS as readonly string[]).includes(tender)) {
    throw new SalesSearchError(`tender must be one of ${TENDER_FILTERS.join(', ')}, got "${String(tender)}"`);
  }

  // Stage 1: the ids of the page (plus one, to know whether a next page exists). A WITHOUT
  // ROWID table has no deferred seek: a query that also names a table-only column reads the
  // table row for every index entry it walks (measured 8× slower on a miss over 1M sales), so
  // this query names index columns only, and the tender check runs per candidate in order
  // until the page is full.
  const all = [...where, ...rowWhere];
  const idSql = `SELECT s.id, s.completed_at FROM sales s ${all.length > 0 ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY s.completed_at DESC, s.id DESC`;
  const ids: string[] = [];
  // Set when the tender check stopped at its scan bound before the page was full.
  let resumeAt: Cursor | null = null;
  if (tender === undefined) {
    for (const [id] of db.prepare(`${idSql} LIMIT ?`).raw().all(...params, ...rowParams, limit + 1) as [string, string][]) ids.push(id);
  } else {
    const paidWith = db.prepare('SELECT instr(j.payload, ?) > 0 FROM sales s JOIN journal j ON j.seq = s.journal_seq WHERE s.id = ?').pluck();
    const needle = `"method":"${tender}"`;
    const scanLimit = search.tenderScanLimit ?? TENDER_SCAN_LIMIT;
    if (!Number.isSafeInteger(scanLimit) || scanLimit < 1) throw new SalesSearchError(`tenderScanLimit must be a whole number ≥ 1, got ${scanLimit}`);
    // Candidates: first a small LIMIT batch (without the history index SQLite then keeps only
    // the top N in its sorter, so a tender most sales have costs no full sort); if the page is
    // not full, one query carries on from there, sorted once, checked up to the scan bound.
    const batchSize = Math.min(scanLimit, 4 * (limit + 1));
    const rest = db.prepare(`SELECT s.id, s.completed_at FROM sales s WHERE ${[...all, '(s.completed_at, s.id) < (?, ?)'].join(' AND ')} ORDER BY s.completed_at DESC, s.id DESC`).raw();
    let scanned = 0;
    let cursor: Cursor | null = null;
    let exhausted = false;
    const check = (id: string, completedAt: string): boolean => {
      scanned += 1;
      cursor = { completedAt, id };
      if (paidWith.get(needle, id) === 1) ids.push(id);
      return ids.length > limit || scanned >= scanLimit;
    };
    const batch = db.prepare(`${idSql} LIMIT ?`).raw().all(...params, ...rowParams, batchSize) as [string, string][];
    let done = false;
    for (const [id, completedAt] of batch) if ((done = check(id, completedAt))) break;
    if (!done && batch.length < batchSize) exhausted = true;
    else if (!done && cursor !== null) {
      const from: Cursor = cursor;
      exhausted = true;
      for (const [id, completedAt] of rest.iterate(...params, ...rowParams, from.completedAt, from.id) as IterableIterator<[string, string]>) {
        if (check(id, completedAt)) {
          exhausted = false;
          break;
        }
      }
    }
    if (ids.length <= limit && !exhausted && cursor !== null) resumeAt = cursor;
  }

  // Stage 2: what is shown, for the page's sales only.
  const detail = db.prepare(`
    SELECT s.id, s.terminal_id, s.receipt_no, s.completed_at, s.currency, s.total, s.rounding, s.cashier, s.training,
           (SELECT json_group_array(json_array(t.value ->> 'method', t.value ->> 'amount'))
              FROM journal j, json_each(CASE WHEN json_valid(j.payload) THEN j.payload END, '$.tenders') t
             WHERE j.seq = s.journal_seq) AS tenders,
           (SELECT coalesce(sum(r.amount), 0) FROM refunds r WHERE r.sale_id = s.id AND r.state <> 'failed') AS refunded
    FROM sales s WHERE s.id = ?`);
  const page = ids.slice(0, limit).flatMap((id) => {
    const r = detail.get(id) as RawRow | undefined;
    return r ? [r] : [];
  });
  const rows = page.map((r): SaleHistoryRow => ({
    saleId: r.id,
    terminalId: r.terminal_id,
    receiptNo: r.receipt_no,
    receipt: formatReceipt(r.terminal_id, r.receipt_no),
    completedAt: r.completed_at,
    total: r.total,
    rounding: r.rounding,
    currency: r.currency,
    tenders: tendersOf(r.tenders),
    cashier: r.cashier,
    refunded: r.refunded,
    training: r.training === 1,
  }));
  const last = page[page.length - 1];
  if (resumeAt !== null) return { rows, next: encodeCursor(resumeAt) };
  return { rows, next: ids.length > limit && last ? encodeCursor({ completedAt: last.completed_at, id: last.id }) : null };
}

/** The terminals that have sales in the file: one index seek each (a terminal's file holds one or a few). */
function terminalsIn(db: Db): string[] {
  const next = db.prepare('SELECT min(terminal_id) FROM sales WHERE terminal_id > ?').pluck();
  const found: string[] = [];
  let t = next.get('') as string | null;
  while (t !== null && found.length < 10_000) {
    found.push(t);
    t = next.get(t) as string | null;
  }
  return found;
}

function tendersOf(json: string | null): SaleHistoryTender[] {
  if (json === null) return [];
  const v = JSON.parse(json) as unknown;
  if (!Array.isArray(v)) return [];
  return v.flatMap((t): SaleHistoryTender[] =>
    Array.isArray(t) && typeof t[0] === 'string' && typeof t[1] === 'number' ? [{ method: t[0], amount: t[1] }] : [],
  );
}
