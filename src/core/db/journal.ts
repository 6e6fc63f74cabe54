// The append-only, hash-chained journal (ARCHITECTURE.md §3 rule 6). Hand-written: the chain
// format (what is hashed, in which order) is Kassa's own and `kassa verify` must recompute it
// byte for byte, so it lives here next to the table, using only node:crypto's SHA-256.
//
// Each row's hash = sha256_hex(prev_hash + canonicalJson({seq, at, terminalId, kind, ref, payload})),
// where prev_hash is the previous row's hash (64 zeros for the first row). Editing, inserting or
// deleting any row breaks the chain at that row. Deleting rows at the very end cannot be seen
// from the chain alone; verifyStore cross-checks sales, outbox and journal against each other,
// so a sale's rows can only vanish all together, and only the newest.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { canonicalJson, canonicalString } from './canonical-json.ts';
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';

/** Every kind the journal holds. New events are added here, so the list documents what is journalled. */
export const JOURNAL_KINDS = [
  'sale.completed',
  'sale.cancelled',
  'line.voided',
  'price.overridden',
  'catalog.imported',
  'terminal.started',
  'snapshot.recovered',
  'receipt.reprinted',
  'receipt.deferred',
  'drawer.opened',
  'drawer.left-open',
  'device.test-print',
  'refund.requested',
  'sale.refunded',
  'refund.failed',
  'refund.manual',
  // Staff, shifts, end of day, reconciliation (issue 7); sync (issue 6).
  'user.added',
  'user.changed',
  'user.login',
  'user.logout',
  'user.login-failed',
  'user.locked',
  'user.unlocked',
  'approval.granted',
  'shift.opened',
  'shift.cashier-changed',
  'cash.paid-in',
  'cash.paid-out',
  'shift.closed',
  'report.z',
  'day.close-override',
  'reconcile.resolved',
  'sync.offline',
  'sync.online',
] as const;

export type JournalKind = (typeof JOURNAL_KINDS)[number];

export const GENESIS_HASH = '0'.repeat(64);

export interface JournalEntry {
  readonly terminalId: string;
  readonly kind: JournalKind;
  /** What the entry is about, e.g. a sale id; null when nothing in particular. */
  readonly ref: string | null;
  /** Plain JSON data (whole numbers only, see canonical-json). */
  readonly payload: unknown;
  /** ISO timestamp. */
  readonly at: string;
}

export interface JournalRow {
  readonly seq: number;
  readonly at: string;
  readonly terminalId: string;
  readonly kind: string;
  readonly ref: string | null;
  /** Canonical JSON text of the payload, exactly as hashed. */
  readonly payload: string;
  readonly prevHash: string;
  readonly hash: string;
}

export class JournalError extends Error {
  override name = 'JournalError';
}

interface RawJournalRow {
  seq: number;
  at: string;
  terminal_id: string;
  kind: string;
  ref: string | null;
  payload: string;
  prev_hash: string;
  hash: string;
}

function toRow(r: RawJournalRow): JournalRow {
  return {
    seq: r.seq,
    at: r.at,
    terminalId: r.terminal_id,
    kind: r.kind,
    ref: r.ref,
    payload: r.payload,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * The hash of one row. `payloadJson` is the stored canonical payload text, spliced in as is, so
 * verification hashes the exact stored bytes (a re-formatted payload is a mismatch, not hidden).
 * Keys in sorted order: at, kind, payload, ref, seq, terminalId — the same text
 * canonicalJson({seq, at, terminalId, kind, ref, payload}) gives.
 */
export function journalHash(
  prevHash: string,
  row: { seq: number; at: string; terminalId: string; kind: string; ref: string | null; payloadJson: string },
): string {
  const head = `${prevHash}{"at":${canonicalString(row.at)},"kind":${canonicalString(row.kind)},"payload":`;
  const tail = `,"ref":${row.ref === null ? 'null' : canonicalString(row.ref)},"seq":${canonicalJson(row.seq)},"terminalId":${canonicalString(row.terminalId)}}`;
  // The payload (a sale's is ~4 KB) is fed as its own piece rather than concatenated first:
  // the same bytes, the same digest, without copying it into one more string.
  return createHash('sha256').update(head).update(row.payloadJson).update(tail).digest('hex');
}

interface AppendStatements {
  readonly last: Statement;
  readonly insert: Statement;
}

// Prepared once per connection: preparing costs more than running these statements.
const appendStatementsFor = perConnection((db): AppendStatements => ({
  last: db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1').raw(),
  insert: db.prepare('INSERT INTO journal (seq, at, terminal_id, kind, ref, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
}));

/**
 * Appends one entry. Must run inside the caller's transaction (use `.immediate()`), so the
 * entry commits or rolls back with the change it records, and no other writer can slip a row
 * in between reading the last hash and inserting.
 */
export function appendJournal(db: Db, entry: JournalEntry): JournalRow {
  const { payload, ...rest } = entry;
  return appendJournalJson(db, { ...rest, payloadJson: canonicalJson(payload) });
}

export interface JournalJsonEntry extends Omit<JournalEntry, 'payload'> {
  /** The payload already written with canonicalJson (the caller needs the text for itself too). */
  readonly payloadJson: string;
}

/**
 * appendJournal for a payload the caller has already written with canonicalJson, so one
 * serialization serves both: what is stored is exactly what is hashed.
 */
export function appendJournalJson(db: Db, entry: JournalJsonEntry): JournalRow {
  if (!db.inTransaction) {
    throw new JournalError('appendJournal must run inside the caller\'s transaction, so the entry commits together with what it records');
  }
  if (!(JOURNAL_KINDS as readonly string[]).includes(entry.kind)) {
    throw new JournalError(`unknown journal kind "${entry.kind}": add it to JOURNAL_KINDS first`);
  }
  if (entry.terminalId === '') throw new JournalError('journal entry needs a terminal id');
  if (entry.at === '') throw new JournalError('journal entry needs a timestamp');
  const statements = appendStatementsFor(db);
  const last = statements.last.get() as [seq: number, hash: string] | undefined;
  const seq = (last?.[0] ?? 0) + 1;
  const prevHash = last?.[1] ?? GENESIS_HASH;
  const ref = entry.ref ?? null;
  const payloadJson = entry.payloadJson;
  const hash = journalHash(prevHash, { seq, at: entry.at, terminalId: entry.terminalId, kind: entry.kind, ref, payloadJson });
  statements.insert.run(seq, entry.at, entry.terminalId, entry.kind, ref, payloadJson, prevHash, hash);
  return { seq, at: entry.at, terminalId: entry.terminalId, kind: entry.kind, ref, payload: payloadJson, prevHash, hash };
}

/** The newest row, or null for an empty journal. */
export function lastJournalRow(db: Db): JournalRow | null {
  const r = db.prepare('SELECT * FROM journal ORDER BY seq DESC LIMIT 1').get() as RawJournalRow | undefined;
  return r ? toRow(r) : null;
}

/** Rows about one ref (e.g. a sale id), oldest first. Scans the journal: for tools, not hot paths. */
export function journalRowsFor(db: Db, ref: string, kind?: JournalKind): JournalRow[] {
  const rows = (
    kind === undefined
      ? db.prepare('SELECT * FROM journal WHERE ref = ? ORDER BY seq').all(ref)
      : db.prepare('SELECT * FROM journal WHERE ref = ? AND kind = ? ORDER BY seq').all(ref, kind)
  ) as RawJournalRow[];
  return rows.map(toRow);
}

export type JournalVerdict =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly seq: number; readonly problem: string; readonly rows: number };

export interface VerifyJournalOptions {
  /** Called every `every` rows (default 1000) with the number of rows checked so far. */
  readonly onProgress?: (rowsChecked: number) => void;
  readonly every?: number;
}

/**
 * Walks the whole chain in seq order, streaming, and stops at the first bad row: a gap in seq
 * (the missing seq is named), a prev_hash that is not the previous row's hash, or a hash that
 * does not match the row's content.
 */
export function verifyJournal(db: Db, options: VerifyJournalOptions = {}): JournalVerdict {
  const every = options.every ?? 1000;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  for (const r of db.prepare('SELECT * FROM journal ORDER BY seq').iterate() as IterableIterator<RawJournalRow>) {
    if (r.seq !== expectedSeq) {
      const problem =
        r.seq > expectedSeq
          ? `journal row ${expectedSeq}${r.seq - expectedSeq > 1 ? `..${r.seq - 1}` : ''} is missing (the row after ${expectedSeq - 1} is ${r.seq})`
          : `journal row ${r.seq} is out of order (expected ${expectedSeq})`;
      return { ok: false, seq: expectedSeq, problem, rows };
    }
    if (r.prev_hash !== prevHash) {
      return {
        ok: false,
        seq: r.seq,
        problem:
          r.seq === 1
            ? `journal row 1 does not start the chain (prev_hash should be ${GENESIS_HASH.slice(0, 12)}…, is ${r.prev_hash.slice(0, 12)}…)`
            : `journal row ${r.seq} does not link to row ${r.seq - 1} (prev_hash ${r.prev_hash.slice(0, 12)}… ≠ row ${r.seq - 1}'s hash ${prevHash.slice(0, 12)}…)`,
        rows,
      };
    }
    const hash = journalHash(prevHash, {
      seq: r.seq,
      at: r.at,
      terminalId: r.terminal_id,
      kind: r.kind,
      ref: r.ref,
      payloadJson: r.payload,
    });
    if (hash !== r.hash) {
      return {
        ok: false,
        seq: r.seq,
        problem: `journal row ${r.seq} (${r.kind}${r.ref ? ` ${r.ref}` : ''}) was changed after it was written: its content does not match its hash`,
        rows,
      };
    }
    prevHash = r.hash;
    expectedSeq += 1;
    rows += 1;
    if (options.onProgress && rows % every === 0) options.onProgress(rows);
  }
  options.onProgress?.(rows);
  return { ok: true, rows };
}
