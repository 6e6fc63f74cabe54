// Reads the antifraud signals of a journal seq range out of the terminal's database and counts
// them per cashier and shift (src/domain/antifraud.ts), for the Z/X report and the manager
// screen (issue 7 §7).
//
// Decisions a caller must know:
// - The range is (fromSeq, toSeq]: fromSeq is the last seq NOT included (the previous Z's
//   to_seq, a shift's opened_seq), toSeq the last one included — the design's ranges as they are.
// - One pass over the journal rows of the range (seq is the primary key: a range scan), kinds
//   filtered in SQL. A sale's record is ~3.5 KB of JSON; only records whose text shows a voided,
//   overridden or keyed-in line are parsed (picking lines out with SQLite's json_each was
//   measured slower than parsing them all). A report that already parses every sale should
//   feed createAntifraudCounter() from its own pass instead.
// - Where "who" comes from, per kind (read from how each is written today):
//   'sale.completed' → the record's cashier; 'refund.requested' → payload.operator (the one who
//   asked, not the approver); 'drawer.opened' → payload.by; 'sale.cancelled',
//   'line.voided', 'price.overridden' → payload.cashier, else payload.by. 'sale.cancelled' rows
//   do not carry a cashier yet (src/core/db/sales.ts cancelSale): they count under
//   UNKNOWN_CASHIER until the payload has one.
// - 'line.voided' / 'price.overridden' are not journalled by the checkout today: the committed
//   record's voided and overridden lines are what is counted. Should they be journalled later
//   (payload {saleId?, lineNo, cashier}, ref = sale id), a line is still counted once.
// - Rows whose payload is not valid JSON (a tampered file: `kassa verify` names them) are
//   skipped and counted in `unreadable`, never thrown (a sale's record is only parsed when its
//   text shows something to count, so only those can be found unreadable here).
// - A report that reads the range itself can reuse feedAntifraudRow for the kinds in
//   ANTIFRAUD_KINDS (or call the counter's addSale with a record it has parsed already).
import type { Db } from '../db/open.ts';
import {
  createAntifraudCounter,
  UNKNOWN_CASHIER,
  type AntifraudCounter,
  type AntifraudLine,
  type AntifraudSummary,
  type AntifraudThresholds,
  type ShiftSpan,
} from '../../domain/antifraud.ts';

export interface AntifraudRange {
  /** The last seq before the range (exclusive). */
  readonly fromSeq: number;
  /** The last seq in the range (inclusive). */
  readonly toSeq: number;
}

export interface AntifraudSourceSummary extends AntifraudSummary {
  /** Journal rows in the range that could not be read (not valid JSON); 0 normally. */
  readonly unreadable: number;
}

export class AntifraudRangeError extends Error {
  override name = 'AntifraudRangeError';
}

/** The journal kinds antifraud reads. */
export const ANTIFRAUD_KINDS = ['sale.completed', 'sale.cancelled', 'line.voided', 'price.overridden', 'refund.requested', 'drawer.opened'] as const;

const RANGE_SQL = `
  SELECT seq, kind, ref, payload FROM journal
  WHERE seq > ? AND seq <= ? AND kind IN (${ANTIFRAUD_KINDS.map((k) => `'${k}'`).join(', ')})
  ORDER BY seq`;

// The record is canonical JSON (no whitespace, keys as written by canonicalJson), so a sale
// with nothing to count is recognised without parsing it: none of these appear in its text.
// A false match (the text inside a product name) only costs a parse; a miss is impossible.
const SALE_WORTH_PARSING = /"voided":true|"originalUnitPrice":-?\d|"source":"(?:manual|search)"/;

function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function linesOf(v: unknown): AntifraudLine[] {
  if (!Array.isArray(v)) return [];
  const lines: AntifraudLine[] = [];
  for (const l of v as unknown[]) {
    if (typeof l !== 'object' || l === null) continue;
    const o = l as Record<string, unknown>;
    if (typeof o['lineNo'] !== 'number') continue;
    lines.push({
      lineNo: o['lineNo'],
      voided: o['voided'] === true,
      originalUnitPrice: typeof o['originalUnitPrice'] === 'number' ? o['originalUnitPrice'] : null,
      ...(typeof o['source'] === 'string' ? { source: o['source'] } : {}),
    });
  }
  return lines;
}

/** Feeds one journal row (its stored payload text) to the counter; false when the payload cannot be read. */
export function feedAntifraudRow(counter: AntifraudCounter, seq: number, kind: string, ref: string | null, payload: string): boolean {
  if (kind === 'sale.completed' && !SALE_WORTH_PARSING.test(payload)) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const p = parsed as Record<string, unknown>;
  switch (kind) {
    case 'sale.completed':
      counter.addSale(seq, { id: text(p['id']) ?? ref ?? `#${seq}`, cashier: text(p['cashier']) ?? UNKNOWN_CASHIER, lines: linesOf(p['lines']) });
      return true;
    case 'sale.cancelled': {
      const cart = p['cart'];
      const lines = typeof cart === 'object' && cart !== null ? linesOf((cart as Record<string, unknown>)['lines']) : [];
      counter.addCancelledSale(seq, { id: text(p['saleId']) ?? ref ?? `#${seq}`, cashier: text(p['cashier']) ?? text(p['by']) ?? UNKNOWN_CASHIER, lines });
      return true;
    }
    case 'refund.requested':
      counter.addRefund(seq, text(p['operator']) ?? UNKNOWN_CASHIER);
      return true;
    case 'drawer.opened':
      counter.addNoSale(seq, text(p['by']) ?? UNKNOWN_CASHIER);
      return true;
    case 'line.voided':
    case 'price.overridden': {
      const who = text(p['cashier']) ?? text(p['by']) ?? UNKNOWN_CASHIER;
      const saleId = text(p['saleId']) ?? ref ?? `#${seq}`;
      const lineNo = typeof p['lineNo'] === 'number' ? p['lineNo'] : -seq;
      if (kind === 'line.voided') counter.addLineVoided(seq, who, saleId, lineNo);
      else counter.addPriceOverride(seq, who, saleId, lineNo);
      return true;
    }
    default:
      return false;
  }
}

/**
 * The antifraud counts and flags of the journal range (fromSeq, toSeq], per cashier and per
 * shift (`shifts`: the shifts overlapping the range; events outside them get shiftId null).
 */
export function antifraudSignals(
  db: Db,
  range: AntifraudRange,
  thresholds: AntifraudThresholds,
  shifts: readonly ShiftSpan[] = [],
): AntifraudSourceSummary {
  const { fromSeq, toSeq } = range;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 0) throw new AntifraudRangeError(`fromSeq must be a whole number ≥ 0 (the last journal seq before the range), got ${fromSeq}`);
  if (!Number.isSafeInteger(toSeq) || toSeq < fromSeq) throw new AntifraudRangeError(`toSeq must be a whole number ≥ fromSeq (${fromSeq}), got ${toSeq}`);
  const counter = createAntifraudCounter(shifts);
  let unreadable = 0;
  const rows = db.prepare(RANGE_SQL).raw().iterate(fromSeq, toSeq) as IterableIterator<[number, string, string | null, string]>;
  for (const [seq, kind, ref, payload] of rows) {
    if (!feedAntifraudRow(counter, seq, kind, ref, payload)) unreadable += 1;
  }
  return { ...counter.finish(thresholds), unreadable };
}
