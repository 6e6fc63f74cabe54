// The write-ahead log of gateway calls (ARCHITECTURE.md §3 rule 3), shared by wallet payment
// attempts (`payment_calls`, keyed by out_trade_no) and wallet refunds (`refund_calls`, keyed by
// out_request_no): a call is recorded before it is made, its outcome after, both as canonical
// JSON without secrets. A row whose response is still null is a call that was in flight when the
// terminal stopped: recovery must ask the gateway what became of it.
import { canonicalJson } from './canonical-json.ts';
import type { Db } from './open.ts';

/** The two call logs: their table and the column that names the trade or refund. */
export const PAYMENT_CALL_LOG = { table: 'payment_calls', key: 'out_trade_no' } as const;
export const REFUND_CALL_LOG = { table: 'refund_calls', key: 'out_request_no' } as const;
export type CallLog = typeof PAYMENT_CALL_LOG | typeof REFUND_CALL_LOG;

export interface LoggedCall {
  /** The out_trade_no or out_request_no. */
  readonly key: string;
  readonly seq: number;
  readonly call: string;
  /** Canonical JSON of the request, without secrets. */
  readonly request: string;
  /** Canonical JSON of the outcome; null while the call is in flight (or was when the terminal stopped). */
  readonly response: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** Records a call before it is made; returns its sequence number for `logCallOutcome`. */
export function logCall(db: Db, log: CallLog, key: string, call: string, request: unknown, at: string): number {
  return db
    .transaction(() => {
      const seq = (db.prepare<[string], number>(`SELECT coalesce(max(seq), 0) + 1 FROM ${log.table} WHERE ${log.key} = ?`).pluck().get(key) ?? 1) as number;
      db.prepare(`INSERT INTO ${log.table} (${log.key}, seq, call, request, started_at) VALUES (?, ?, ?, ?, ?)`).run(key, seq, call, canonicalJson(request), at);
      return seq;
    })
    .immediate();
}

/** Records a call's outcome; false when that call is unknown or already has one. */
export function logCallOutcome(db: Db, log: CallLog, key: string, seq: number, outcome: unknown, at: string): boolean {
  return db.prepare(`UPDATE ${log.table} SET response = ?, finished_at = ? WHERE ${log.key} = ? AND seq = ? AND response IS NULL`).run(canonicalJson(outcome), at, key, seq).changes === 1;
}

export function loggedCalls(db: Db, log: CallLog, key: string): LoggedCall[] {
  const rows = db.prepare(`SELECT ${log.key} AS key, seq, call, request, response, started_at, finished_at FROM ${log.table} WHERE ${log.key} = ? ORDER BY seq`).all(key) as {
    key: string;
    seq: number;
    call: string;
    request: string;
    response: string | null;
    started_at: string;
    finished_at: string | null;
  }[];
  return rows.map((r) => ({ key: r.key, seq: r.seq, call: r.call, request: r.request, response: r.response, startedAt: r.started_at, finishedAt: r.finished_at }));
}
