// Reads what a report counts from the journal, in one pass over a range of journal seq numbers
// (design: a sale belongs to the range holding its 'sale.completed' row, a refund part to the
// range holding its settling row, events by their own seq). Hand-written SQL over our own
// schema: one range scan on the journal's primary key, each payload parsed once, nothing else.
//
// Decisions a caller must know:
// - Only the kinds a report counts are read (the WHERE names them), so logins, device notes
//   and the like cost nothing.
// - A calendar day (terminal local time) becomes a seq range by binary search on journal.at,
//   which relies on rows being written in time order (they are: one clock, one writer). A
//   clock set back mid-day makes the day's edge approximate, never the sums of a seq range.
// - A payload that does not parse is counted as unreadable, never thrown: the day still closes
//   and `kassa verify` names the row.
// - Sale records are read by scanSaleRecord, a reader for exactly the canonical JSON that
//   saleRecordJson / canonicalJson write (keys in sorted order, no whitespace), which picks out
//   only the figures a report needs, with a few sticky regexes over the record's bytes read as
//   latin1 (no UTF-8 decoding of names it skips). Hand-written because JSON.parse builds every
//   field of every line (names, SKUs, reasons) as objects and strings first: on a day of
//   20,000 sales that took ~100 ms of CPU, half the Z's budget (z_report_20k_ms ≤ 200); the
//   scan takes ~35 ms. Anything that is not
//   exactly that text (a key out of place, an unexpected value) makes it return null, and the
//   record is then read with JSON.parse, so it can be slower, never wrong;
//   tests/unit/core/reports/scan-sale-record.test.ts holds it to JSON.parse on random records.
// - Reports read with SQLite's memory-mapped I/O on (withReportReads): through the default page
//   cache a day's ~45 MB cost a system call per page.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.ts';
import type { AntifraudCounter } from '../../domain/antifraud.ts';
import { ANTIFRAUD_KINDS, feedAntifraudRow } from './antifraud-source.ts';
import { perConnection } from '../db/per-connection.ts';
import type { TenderMethod } from '../../domain/sale-record.ts';
import { nextDate, type LocalClock, type ReportAccumulator, type ReportRange, type ReportSale, type ReportSaleLine } from '../../domain/reports/day-report.ts';

/** The journal kinds a report reads; anything else in the range does not change a figure. */
export const REPORT_KINDS = ['sale.completed', 'sale.cancelled', 'refund.requested', 'sale.refunded', 'refund.manual', 'drawer.opened'] as const;

/** What a report reads besides sale records. */
const OTHER_KINDS = REPORT_KINDS.filter((k) => k !== 'sale.completed');

/** Seqs per window when reading sale records (a window's records are one value of ~10 MB at most). */
const SALE_WINDOW = 4096;

/** Kinds that make a range worth a Z: with none of these since the last Z there is nothing to close. */
export const SUBSTANCE_KINDS = [
  ...REPORT_KINDS,
  'refund.failed',
  'line.voided',
  'price.overridden',
  'shift.opened',
  'shift.cashier-changed',
  'cash.paid-in',
  'cash.paid-out',
  'shift.closed',
] as const;

const kindList = (kinds: readonly string[]) => kinds.map((k) => `'${k}'`).join(', ');

interface Statements {
  readonly sales: Statement;
  readonly others: Statement;
  readonly lastSeq: Statement;
  readonly atOf: Statement;
  readonly bounds: Statement;
  readonly substance: Statement;
}

const statementsFor = perConnection((db): Statements => ({
  // A sale's record comes as bytes (scanSaleRecordBytes), every other payload as text.
  // Sale records a window of seqs at a time, as ONE value: their UTF-8 bytes end to end, with
  // each one's seq and byte length to cut them apart. A value per row cost a Buffer and a
  // string per sale, a third of the Z's reading time.
  sales: db
    .prepare(
      `SELECT CAST(group_concat(payload, '') AS BLOB), group_concat(seq), group_concat(length(CAST(payload AS BLOB)))
       FROM journal WHERE seq > ? AND seq <= ? AND kind = 'sale.completed'`,
    )
    .raw(),
  others: db.prepare(`SELECT seq, at, kind, payload FROM journal WHERE seq > ? AND seq <= ? AND kind IN (${kindList(OTHER_KINDS)}) ORDER BY seq`).raw(),
  lastSeq: db.prepare('SELECT max(seq) FROM journal').pluck(),
  atOf: db.prepare('SELECT at FROM journal WHERE seq = ?').pluck(),
  bounds: db
    .prepare('SELECT (SELECT at FROM journal WHERE seq > ? ORDER BY seq LIMIT 1), (SELECT at FROM journal WHERE seq <= ? ORDER BY seq DESC LIMIT 1)')
    .raw(),
  substance: db.prepare(`SELECT EXISTS (SELECT 1 FROM journal WHERE seq > ? AND seq <= ? AND kind IN (${kindList(SUBSTANCE_KINDS)}))`).pluck(),
}));

/** What a report maps of the file while it reads (SQLite caps it at the file's size). */
const REPORT_MMAP_BYTES = 1 << 30;

/**
 * Runs `fn` with SQLite's memory-mapped reads on for this connection, then sets them back.
 * A day's records are ~45 MB; through the default 2 MB page cache each run reads them again
 * with a system call per page, which cost a quarter of a Z's time (tests/bench/z-report.ts).
 * The size cannot change inside a transaction, so a caller already in one reads as it is.
 */
export function withReportReads<T>(db: Db, fn: () => T): T {
  if (db.inTransaction || db.memory) return fn();
  const before = db.pragma('mmap_size', { simple: true }) as number;
  if (before >= REPORT_MMAP_BYTES) return fn();
  db.pragma(`mmap_size = ${REPORT_MMAP_BYTES}`);
  try {
    return fn();
  } finally {
    db.pragma(`mmap_size = ${before}`);
  }
}

/** The newest journal seq (0 for an empty journal). */
export function lastJournalSeq(db: Db): number {
  return (statementsFor(db).lastSeq.get() as number | null) ?? 0;
}

/** A seq range with the times of its first and last row. */
export function rangeOf(db: Db, fromSeq: number, toSeq: number): ReportRange {
  const [from, to] = statementsFor(db).bounds.get(fromSeq, toSeq) as [string | null, string | null];
  return {
    fromSeq,
    toSeq,
    from: toSeq > fromSeq ? from : null,
    to: toSeq > fromSeq ? to : null,
  };
}

/** Whether any row in (fromSeq, toSeq] changes what a Z reports (stops at the first). */
export function hasSubstance(db: Db, fromSeq: number, toSeq: number): boolean {
  return statementsFor(db).substance.get(fromSeq, toSeq) === 1;
}

/** The first seq whose row is at or after `instant` (ISO, compared as instants), or last + 1. */
function firstSeqAtOrAfter(db: Db, instant: number, last: number): number {
  const atOf = statementsFor(db).atOf;
  let lo = 1;
  let hi = last + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const at = atOf.get(mid) as string | undefined;
    if (at === undefined || Date.parse(at) >= instant) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The seq range of the local calendar day `date` (yyyy-mm-dd) by the terminal's clock. */
export function rangeOfDay(db: Db, date: string, clock: LocalClock): ReportRange {
  const start = clock.startOfDay(date);
  const end = clock.startOfDay(nextDate(date));
  const last = lastJournalSeq(db);
  const first = firstSeqAtOrAfter(db, start, last);
  const after = firstSeqAtOrAfter(db, end, last);
  return rangeOf(db, first - 1, after - 1);
}

/** Cash taken and given back at seqs outside every shift range (a shift = (openedSeq, closedSeq]). */
export interface CashOutside {
  cashSales: number;
  cashRefunds: number;
}

export interface ReadRangeOptions {
  /** The terminal's mode: sales of the other mode are set aside (day-report.ts). Default false. */
  readonly training?: boolean;
  /**
   * Antifraud counts (src/domain/antifraud.ts) fed from the same pass, so a Z reads the day's
   * records once, not once for its figures and again for its flags.
   */
  readonly antifraud?: AntifraudCounter;
  /** Shift ranges in the report range; cash at seqs outside all of them is summed in `outside`. */
  readonly shiftRanges?: readonly {
    readonly openedSeq: number;
    readonly closedSeq: number | null;
  }[];
}

export interface ReadRangeResult {
  readonly rows: number;
  /** null when no shift ranges were given. */
  readonly outside: CashOutside | null;
}

interface RefundRequestedPayload {
  refundId?: unknown;
  operator?: unknown;
}

interface RefundSettledPayload {
  refundId?: unknown;
  method?: unknown;
  amount?: unknown;
  currency?: unknown;
}

const isMethod = (m: unknown): m is TenderMethod => m === 'cash' || m === 'alipay' || m === 'wechat';

// ---------------------------------------------------------------------------------------------
// The sale record reader (see the module comment): the canonical text piece by piece, each piece
// one sticky regex match (irregexp runs them as native code, several times faster than
// comparing the keys character by character in JavaScript). Keys are matched in full, values
// by their JSON form; a string is unescaped by JSON.parse only when it holds a backslash.

const STR = '"(?:[^"\\\\]|\\\\.)*"';
const STR_OR_NULL = `(?:null|${STR})`;
const NUM = '-?\\d{1,15}';
const INT = `(${NUM})`;
const sticky = (source: string) => new RegExp(source, 'y');

// Issue 8's optional keys (a sale with promotions, a coupon or a member), in their sorted places;
// a report reads only the lines' promotionDiscount of them.
const PROMOTION = `\\{"amount":${NUM},"label":${STR},"promotionId":${STR}\\}`;
const PROMOTIONS = `\\[(?:${PROMOTION}(?:,${PROMOTION})*)?\\]`;
const COUPON = `(?:null|\\{"amount":${NUM},"code":${STR},"name":${STR},"redemption":${STR},"use":${STR}\\})`;
const MEMBER = `(?:null|\\{"id":${STR},"name":${STR},"pointsDiscount":${NUM},"pointsEarned":${NUM},"pointsRedeemed":${NUM}\\})`;

const HEAD_RE = sticky(
  `\\{"basketDiscount":${INT},"basketDiscountReason":${STR_OR_NULL},(?:"basketPromotions":${PROMOTIONS},)?"cashier":(${STR}),"change":${INT},` +
    `"completedAt":(${STR}),(?:"coupon":${COUPON},)?"currency":(${STR}),"id":(${STR}),"lines":\\[`,
);
const LINE_RE = sticky(
  `\\{"amount":${INT},"basketDiscountShare":${INT},"gross":${INT},"grossEmbedded":(?:true|false),"lineDiscount":${INT},` +
    `"lineDiscountReason":${STR_OR_NULL},"lineNo":(${NUM}),"name":${STR},"originalUnitPrice":(null|${NUM}),` +
    `"overrideReason":${STR_OR_NULL},(?:"promotionDiscount":${INT},)?(?:"promotions":${PROMOTIONS},)?"quantityMilli":${NUM},"sku":${STR},"source":(${STR}),"tax":${INT},` +
    `"taxClass":(${STR}),"taxInclusive":(true|false),"taxRateBps":${INT},"unit":${STR},"unitPrice":${NUM},` +
    `"voidReason":${STR_OR_NULL},"voided":(true|false)\\}([,\\]])`,
);
const MIDDLE_RE = sticky(`(?:,"member":${MEMBER})?,"receiptNo":${NUM},"rounding":${INT},"startedAt":${STR},"subtotal":${INT},"taxTotal":${INT},"tendered":${NUM},"tenders":\\[(\\]?)`);
const TENDER_RE = sticky(`\\{"amount":${INT},"method":"(cash|alipay|wechat)","received":${NUM},"reference":${STR_OR_NULL},"seq":${NUM}\\}([,\\]])`);
const TAIL_RE = sticky(`,"terminalId":${STR},"total":${INT},"training":(true|false)\\}`);

/** A matched JSON string's value. */
const unquote = (quoted: string): string => (quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1));

/** The same for text read as latin1 from UTF-8 bytes: the bytes are decoded as UTF-8 first. */
const unquoteBytes = (quoted: string): string => unquote(/[\u0080-\u00ff]/.test(quoted) ? Buffer.from(quoted, 'latin1').toString('utf8') : quoted);

function at(re: RegExp, text: string, p: number): RegExpExecArray | null {
  re.lastIndex = p;
  return re.exec(text);
}

/**
 * The figures a report needs from a sale record's canonical JSON text, or null when the text is
 * not exactly in that form (then read it with JSON.parse).
 */
export function scanSaleRecord(text: string): ReportSale | null {
  try {
    return scan(text, 0, text.length, unquote);
  } catch {
    return null; // a string with a bad escape: JSON.parse decides
  }
}

/**
 * scanSaleRecord for the record's UTF-8 bytes (as SQLite hands out a BLOB): the bytes are
 * matched as latin1 text, which skips decoding the names and SKUs the report never reads. Every
 * key and number is ASCII, and no byte of a multi-byte UTF-8 character is a quote or a
 * backslash, so the matches are the same; the strings kept are decoded as UTF-8.
 */
export function scanSaleRecordBytes(bytes: Buffer): ReportSale | null {
  try {
    const text = bytes.toString('latin1');
    return scan(text, 0, text.length, unquoteBytes);
  } catch {
    return null;
  }
}

/** The record at text[start, end): null unless it is exactly one canonical record. */
function scan(text: string, start: number, end: number, unquote: (quoted: string) => string): ReportSale | null {
  const head = at(HEAD_RE, text, start);
  if (head === null) return null;
  let p = HEAD_RE.lastIndex;
  const lines: ReportSaleLine[] = [];
  for (;;) {
    const m = at(LINE_RE, text, p);
    if (m === null) return null;
    p = LINE_RE.lastIndex;
    const op = m[6] as string;
    const line: { -readonly [K in keyof ReportSaleLine]: ReportSaleLine[K] } = {
      amount: Number(m[1]),
      basketDiscountShare: Number(m[2]),
      gross: Number(m[3]),
      lineDiscount: Number(m[4]),
      lineNo: Number(m[5]),
      originalUnitPrice: op === 'null' ? null : Number(op),
      source: unquote(m[8] as string),
      tax: Number(m[9]),
      taxClass: unquote(m[10] as string),
      taxInclusive: m[11] === 'true',
      taxRateBps: Number(m[12]),
      voided: m[13] === 'true',
    };
    if (m[7] !== undefined) line.promotionDiscount = Number(m[7]);
    lines.push(line);
    if (m[14] === ']') break;
  }
  const middle = at(MIDDLE_RE, text, p);
  if (middle === null) return null;
  p = MIDDLE_RE.lastIndex;
  const tenders: { method: TenderMethod; amount: number }[] = [];
  if (middle[4] !== ']') {
    for (;;) {
      const m = at(TENDER_RE, text, p);
      if (m === null) return null;
      p = TENDER_RE.lastIndex;
      tenders.push({ method: m[2] as TenderMethod, amount: Number(m[1]) });
      if (m[3] === ']') break;
    }
  }
  const tail = at(TAIL_RE, text, p);
  if (tail === null || TAIL_RE.lastIndex !== end) return null;
  return {
    training: tail[2] === 'true',
    id: unquote(head[6] as string),
    currency: unquote(head[5] as string),
    cashier: unquote(head[2] as string),
    completedAt: unquote(head[4] as string),
    basketDiscount: Number(head[1]),
    subtotal: Number(middle[2]),
    taxTotal: Number(middle[3]),
    total: Number(tail[1]),
    rounding: Number(middle[1]),
    change: Number(head[3]),
    lines,
    tenders,
  };
}

/** A sale record read with JSON.parse (the slow path), or null when it is not one. */
function parseSaleRecord(text: string): ReportSale | null {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return null;
  }
  const rec = r as Partial<ReportSale> | null;
  if (typeof rec !== 'object' || rec === null || !Array.isArray(rec.lines) || !Array.isArray(rec.tenders) || typeof rec.total !== 'number') return null;
  return rec as ReportSale;
}

/** Feeds every counted row of (fromSeq, toSeq] into the accumulator, in seq order. */
export function readRange(db: Db, fromSeq: number, toSeq: number, acc: ReportAccumulator, options: ReadRangeOptions = {}): ReadRangeResult {
  const shifts = options.shiftRanges;
  const outside: CashOutside | null = shifts ? { cashSales: 0, cashRefunds: 0 } : null;
  const inShift = (seq: number) => shifts?.some((s) => seq > s.openedSeq && (s.closedSeq === null || seq <= s.closedSeq)) ?? true;
  let rows = 0;
  const statements = statementsFor(db);
  const fraud = options.antifraud;
  const addSale = (seq: number, r: ReportSale | null) => {
    if (r === null) {
      acc.addUnreadable();
      return;
    }
    acc.addSale(r);
    if (fraud && r.training === (options.training ?? false)) fraud.addSale(seq, r);
    if (outside && r.training === (options.training ?? false) && !inShift(seq)) for (const t of r.tenders) if (t.method === 'cash') outside.cashSales += t.amount;
  };
  for (let from = fromSeq; from < toSeq; from += SALE_WINDOW) {
    const [bytes, seqList, lengthList] = statements.sales.get(from, Math.min(toSeq, from + SALE_WINDOW)) as [Buffer | null, string | null, string | null];
    if (bytes === null || seqList === null || lengthList === null) continue;
    const seqs = seqList.split(',');
    const lengths = lengthList.split(',');
    // Bytes as latin1 text: one character per byte, so byte offsets are string offsets.
    const text = bytes.toString('latin1');
    let offset = 0;
    for (let i = 0; i < seqs.length; i++) {
      const length = Number(lengths[i]);
      const end = offset + length;
      rows += 1;
      let r: ReportSale | null;
      try {
        r = scan(text, offset, end, unquoteBytes);
      } catch {
        r = null;
      }
      addSale(Number(seqs[i]), r ?? parseSaleRecord(bytes.toString('utf8', offset, end)));
      offset = end;
    }
  }
  for (const row of statements.others.iterate(fromSeq, toSeq) as IterableIterator<[number, string, string, string]>) {
    const [seq, at, kind, payload0] = row;
    rows += 1;
    if (fraud && ANTIFRAUD_KINDS.includes(kind as (typeof ANTIFRAUD_KINDS)[number])) feedAntifraudRow(fraud, seq, kind, null, payload0);
    let payload: unknown;
    try {
      payload = JSON.parse(payload0);
    } catch {
      acc.addUnreadable();
      continue;
    }
    if (typeof payload !== 'object' || payload === null) {
      acc.addUnreadable();
      continue;
    }
    switch (kind) {
      case 'sale.cancelled':
        acc.addCancelledSale();
        break;
      case 'refund.requested': {
        const p = payload as RefundRequestedPayload;
        if (typeof p.refundId === 'string' && typeof p.operator === 'string') acc.addRefundRequest({ refundId: p.refundId, operator: p.operator });
        else acc.addUnreadable();
        break;
      }
      case 'sale.refunded':
      case 'refund.manual': {
        const p = payload as RefundSettledPayload;
        if (typeof p.refundId !== 'string' || !isMethod(p.method) || typeof p.amount !== 'number' || typeof p.currency !== 'string') {
          acc.addUnreadable();
          break;
        }
        const state = kind === 'sale.refunded' ? 'refunded' : 'manual';
        acc.addRefundPart({
          refundId: p.refundId,
          method: p.method,
          amount: p.amount,
          currency: p.currency,
          state,
          at,
        });
        if (outside && state === 'refunded' && p.method === 'cash' && !inShift(seq)) outside.cashRefunds += p.amount;
        break;
      }
      case 'drawer.opened': {
        const by = (payload as { by?: unknown }).by;
        acc.addNoSale(typeof by === 'string' && by !== '' ? by : '(unknown)');
        break;
      }
    }
  }
  return { rows, outside };
}
