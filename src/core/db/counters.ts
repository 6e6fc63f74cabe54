// Gapless per-terminal counters (receipt numbers and the like). Hand-written: it is one UPSERT
// on our `counters` table. The number is taken inside the caller's transaction, so it commits
// with the record that uses it, and a rolled-back commit gives its number back: the next
// commit gets the same number and the sequence stays gapless.
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';

export class CounterError extends Error {
  override name = 'CounterError';
}

// Prepared once per connection: every sale takes a number.
const incrementFor = perConnection((db): Statement =>
  db
    .prepare(
      `INSERT INTO counters (terminal_id, name, value) VALUES (?, ?, 1)
       ON CONFLICT (terminal_id, name) DO UPDATE SET value = value + 1
       RETURNING value`,
    )
    .pluck(),
);

/** Increments and returns the counter (the first call returns 1). Inside the caller's transaction only. */
export function nextCounter(db: Db, terminalId: string, name: string): number {
  if (!db.inTransaction) {
    throw new CounterError(`nextCounter("${name}") must run inside the transaction that uses the number, or a rollback would leave a gap`);
  }
  if (terminalId === '' || name === '') throw new CounterError('a counter needs a terminal id and a name');
  return incrementFor(db).get(terminalId, name) as number;
}

/** The last number handed out, 0 if none yet. */
export function currentCounter(db: Db, terminalId: string, name: string): number {
  const value = db.prepare('SELECT value FROM counters WHERE terminal_id = ? AND name = ?').pluck().get(terminalId, name) as
    | number
    | undefined;
  return value ?? 0;
}
