// The transactional outbox: rows written in the same transaction as the change they announce,
// sent later by the sync loop in seq order with their idempotency key (reference/architecture.md
// §4). Hand-written: it is three statements on our own table; outbox libraries assume a server
// database and a broker. This module is the table API only; the sender comes later.
//
// A payload says what to send, not necessarily all of it: a sale's message is
// {"journalSeq":…,"saleId":…}, and the sender reads the sale record (the canonical JSON its
// 'sale.completed' journal entry holds) when it sends, so the record is stored once.
//
// Keys are unique, but not all by the same index (see the migration): 'sale' messages are
// queued only by commitSale (enqueueSaleMessage), once per sale in the sale's own transaction,
// so the sales primary key keeps their keys unique and the sale commit writes one index page
// less. enqueueOutbox, which dedupes through the outbox_by_key index, takes every other type.
import type { Statement } from 'better-sqlite3';
import { canonicalJson } from './canonical-json.ts';
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';

export type OutboxStatus = 'pending' | 'sent' | 'dead';

export interface OutboxMessage {
  /** Made on the terminal (e.g. the sale id); the server keeps it unique, so a re-send is a no-op. */
  readonly idempotencyKey: string;
  readonly type: string;
  /** Plain JSON data, stored as canonical JSON (whole numbers only). */
  readonly payload: unknown;
  readonly createdAt: string;
}

export interface OutboxRow {
  readonly seq: number;
  readonly idempotencyKey: string;
  readonly type: string;
  /** The canonical JSON text, sent as is. */
  readonly payload: string;
  readonly createdAt: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly sentAt: string | null;
  readonly status: OutboxStatus;
}

export class OutboxError extends Error {
  override name = 'OutboxError';
}

interface RawOutboxRow {
  seq: number;
  idempotency_key: string;
  type: string;
  payload: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string | null;
  sent_at: string | null;
  status: OutboxStatus;
}

function toRow(r: RawOutboxRow): OutboxRow {
  return {
    seq: r.seq,
    idempotencyKey: r.idempotency_key,
    type: r.type,
    payload: r.payload,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    sentAt: r.sent_at,
    status: r.status,
  };
}

/** The type of the message commitSale queues for each sale (its key is the sale id). */
export const SALE_MESSAGE_TYPE = 'sale';

interface EnqueueStatements {
  readonly insert: Statement;
  readonly insertSale: Statement;
  readonly byKey: Statement;
}

// Prepared once per connection: enqueueing is on the sale commit path.
// (The WHERE in ON CONFLICT names the partial index that keeps these keys unique.)
const enqueueStatementsFor = perConnection((db): EnqueueStatements => ({
  insert: db.prepare(
    `INSERT INTO outbox (idempotency_key, type, payload, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (idempotency_key) WHERE type <> 'sale' DO NOTHING
     RETURNING *`,
  ),
  insertSale: db.prepare(`INSERT INTO outbox (idempotency_key, type, payload, created_at) VALUES (?, 'sale', ?, ?)`),
  byKey: db.prepare("SELECT * FROM outbox WHERE idempotency_key = ? AND type <> 'sale'"),
}));

/**
 * Queues a message; call it inside the transaction that makes the change. Enqueueing a key that
 * is already there changes nothing and returns the existing row (`created: false`), so a re-run
 * of the same commit cannot queue a second copy. Not for 'sale' messages (enqueueSaleMessage).
 */
export function enqueueOutbox(db: Db, message: OutboxMessage): OutboxRow & { readonly created: boolean } {
  if (message.idempotencyKey === '') throw new OutboxError('an outbox message needs an idempotency key');
  if (message.type === '') throw new OutboxError('an outbox message needs a type');
  if (message.type === SALE_MESSAGE_TYPE) {
    throw new OutboxError(`'${SALE_MESSAGE_TYPE}' messages are queued by commitSale, whose sales table keeps their keys unique; enqueueOutbox cannot queue one`);
  }
  const payload = canonicalJson(message.payload);
  const statements = enqueueStatementsFor(db);
  const inserted = statements.insert.get(message.idempotencyKey, message.type, payload, message.createdAt) as RawOutboxRow | undefined;
  if (inserted) return { ...toRow(inserted), created: true };
  const existing = statements.byKey.get(message.idempotencyKey) as RawOutboxRow;
  return { ...toRow(existing), created: false };
}

/**
 * Queues a sale's message and returns its seq. For commitSale only: it calls this once per sale,
 * inside the transaction that inserts the sale row, which is what keeps the key (the sale id)
 * unique — nothing here checks it.
 */
export function enqueueSaleMessage(db: Db, saleId: string, payload: unknown, createdAt: string): number {
  if (!db.inTransaction) throw new OutboxError("a sale's message must be queued inside the transaction that inserts the sale");
  if (saleId === '') throw new OutboxError('an outbox message needs an idempotency key');
  return Number(enqueueStatementsFor(db).insertSale.run(saleId, canonicalJson(payload), createdAt).lastInsertRowid);
}

/**
 * Pending messages in send order (seq). With `now` (ISO timestamp, same format as the stored
 * ones), rows whose next_attempt_at is still in the future are left out.
 */
export function pendingOutbox(db: Db, limit: number, now?: string): OutboxRow[] {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new OutboxError(`outbox limit must be a positive whole number, got ${limit}`);
  const rows = (
    now === undefined
      ? db.prepare("SELECT * FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?").all(limit)
      : db
          .prepare("SELECT * FROM outbox WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY seq LIMIT ?")
          .all(now, limit)
  ) as RawOutboxRow[];
  return rows.map(toRow);
}

export function countPending(db: Db): number {
  return db.prepare("SELECT count(*) FROM outbox WHERE status = 'pending'").pluck().get() as number;
}

/**
 * The message with this key, or null. A 'sale' message's key is not indexed (see above): it is
 * found by scanning the outbox, which is for tools and tests; its sale row's outbox_seq finds it
 * directly.
 */
export function getOutbox(db: Db, idempotencyKey: string): OutboxRow | null {
  const r = (db.prepare("SELECT * FROM outbox WHERE idempotency_key = ? AND type <> 'sale'").get(idempotencyKey) ??
    db.prepare("SELECT * FROM outbox WHERE idempotency_key = ? AND type = 'sale' ORDER BY seq LIMIT 1").get(idempotencyKey)) as RawOutboxRow | undefined;
  return r ? toRow(r) : null;
}

// ---------------------------------------------------------------------------------------------
// For the sync client (src/core/sync). It keeps a cursor: the last seq of the prefix of the
// outbox that is settled (sent or dead), so reading the next batch and counting the backlog
// walk the primary key from there instead of scanning every row ever queued. No index on
// status: it would cost a page write on every sale commit.

/** Pending messages after `afterSeq`, in send order. */
export function pendingOutboxAfter(db: Db, afterSeq: number, limit: number): OutboxRow[] {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new OutboxError(`outbox limit must be a positive whole number, got ${limit}`);
  const rows = db.prepare("SELECT * FROM outbox WHERE seq > ? AND status = 'pending' ORDER BY seq LIMIT ?").all(afterSeq, limit) as RawOutboxRow[];
  return rows.map(toRow);
}

/** Pending messages after `afterSeq`. */
export function countPendingAfter(db: Db, afterSeq: number): number {
  return db.prepare("SELECT count(*) FROM outbox WHERE seq > ? AND status = 'pending'").pluck().get(afterSeq) as number;
}

/** The message at `seq`, or null. */
export function outboxRowAt(db: Db, seq: number): OutboxRow | null {
  const r = db.prepare('SELECT * FROM outbox WHERE seq = ?').get(seq) as RawOutboxRow | undefined;
  return r ? toRow(r) : null;
}

/**
 * Settles a pending message: 'sent' (the server has it; `at` becomes sent_at) or 'dead' (it will
 * never be taken). Counts the attempt. A message already settled is left as it is (another
 * sender got there first); returns whether this call changed it.
 */
export function settleOutbox(db: Db, seq: number, status: 'sent' | 'dead', at: string): boolean {
  return settleStatementFor(db).run(status, status === 'sent' ? at : null, seq).changes > 0;
}

// Prepared once per connection: a drain settles every message one by one.
const settleStatementFor = perConnection((db): Statement =>
  db.prepare("UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1 WHERE seq = ? AND status = 'pending'"),
);

/** Counts a send that got no answer, for the pending messages in [fromSeq, toSeq]. */
export function countOutboxAttempt(db: Db, fromSeq: number, toSeq: number): void {
  db.prepare("UPDATE outbox SET attempts = attempts + 1 WHERE seq BETWEEN ? AND ? AND status = 'pending'").run(fromSeq, toSeq);
}
