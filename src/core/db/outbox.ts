// The transactional outbox: rows written in the same transaction as the change they announce,
// sent later by the sync loop in seq order with their idempotency key (reference/architecture.md
// §4). Hand-written: it is three statements on our own table; outbox libraries assume a server
// database and a broker. This module is the table API only; the sender comes later.
//
// A payload says what to send, not necessarily all of it: a sale's message is
// {"journalSeq":…,"saleId":…}, and the sender reads the sale record (the canonical JSON its
// 'sale.completed' journal entry holds) when it sends, so the record is stored once.
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

interface EnqueueStatements {
  readonly insert: Statement;
  readonly byKey: Statement;
}

// Prepared once per connection: enqueueing is on the sale commit path.
const enqueueStatementsFor = perConnection((db): EnqueueStatements => ({
  insert: db.prepare(
    `INSERT INTO outbox (idempotency_key, type, payload, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING *`,
  ),
  byKey: db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?'),
}));

/**
 * Queues a message; call it inside the transaction that makes the change. Enqueueing a key that
 * is already there changes nothing and returns the existing row (`created: false`), so a re-run
 * of the same commit cannot queue a second copy.
 */
export function enqueueOutbox(db: Db, message: OutboxMessage): OutboxRow & { readonly created: boolean } {
  if (message.idempotencyKey === '') throw new OutboxError('an outbox message needs an idempotency key');
  if (message.type === '') throw new OutboxError('an outbox message needs a type');
  const payload = canonicalJson(message.payload);
  const statements = enqueueStatementsFor(db);
  const inserted = statements.insert.get(message.idempotencyKey, message.type, payload, message.createdAt) as RawOutboxRow | undefined;
  if (inserted) return { ...toRow(inserted), created: true };
  const existing = statements.byKey.get(message.idempotencyKey) as RawOutboxRow;
  return { ...toRow(existing), created: false };
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

export function getOutbox(db: Db, idempotencyKey: string): OutboxRow | null {
  const r = db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?').get(idempotencyKey) as RawOutboxRow | undefined;
  return r ? toRow(r) : null;
}
