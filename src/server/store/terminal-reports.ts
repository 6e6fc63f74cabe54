// What the store server knows of how each terminal stands (issue 7 §5): when it last heard from
// it, and the terminal's latest report (backlog still unsent, last receipt number) from the
// optional Kassa-Terminal-Report header (src/shared/sync-protocol.ts). Settlement reads it to flag
// terminals with unsent sales and terminals that have gone silent.
//
// Decisions a caller must know:
// - Every authenticated terminal request is noted (last_seen_at, the server's clock, so a
//   terminal's wrong clock cannot hide its silence); a report replaces the previous one when it
//   arrives (the latest received wins: a terminal clock set back must not freeze its reports).
// - A push notes the report only after the batch was applied: its backlog excludes the batch,
//   which the server has then. A request that is refused notes nothing.
// - One upsert per request, outside any batch transaction: a failed note is a storage failure
//   like any other (503, the terminal retries), never a half-applied batch.
import type { SettlementFlag, TerminalReport, TerminalStanding } from '../../shared/sync-protocol.ts';
import type { SqlRunner } from './storage.ts';
import { toInt, toIso } from './storage.ts';

/** Notes that `terminalId` was heard from `now`, with its report when it sent one. */
export async function noteTerminal(db: SqlRunner, terminalId: string, report: TerminalReport | null, now: Date): Promise<void> {
  if (report === null) {
    await db.query(
      `INSERT INTO terminal_reports (terminal_id, last_seen_at) VALUES ($1, $2)
       ON CONFLICT (terminal_id) DO UPDATE SET last_seen_at = GREATEST(terminal_reports.last_seen_at, excluded.last_seen_at)`,
      [terminalId, now],
    );
    return;
  }
  await db.query(
    `INSERT INTO terminal_reports (terminal_id, last_seen_at, backlog, last_receipt_no, reported_at, report_received_at)
     VALUES ($1, $2, $3, $4, $5, $2)
     ON CONFLICT (terminal_id) DO UPDATE SET
       last_seen_at = GREATEST(terminal_reports.last_seen_at, excluded.last_seen_at),
       backlog = excluded.backlog,
       last_receipt_no = excluded.last_receipt_no,
       reported_at = excluded.reported_at,
       report_received_at = excluded.report_received_at`,
    [terminalId, now, report.backlog, report.lastReceiptNo, report.at],
  );
}

export interface TerminalState {
  readonly terminalId: string;
  readonly registeredAt: string;
  readonly lastSeenAt: string | null;
  readonly report: TerminalStanding['report'];
}

/** Every terminal registered to the store with what is known of it, sorted by terminal id (code units). */
export async function terminalStates(db: SqlRunner, storeId: string): Promise<TerminalState[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT t.terminal_id, t.registered_at, r.last_seen_at, r.backlog, r.last_receipt_no, r.reported_at, r.report_received_at
     FROM terminals t LEFT JOIN terminal_reports r ON r.terminal_id = t.terminal_id
     WHERE t.store_id = $1`,
    [storeId],
  );
  return rows
    .map((r) => ({
      terminalId: String(r.terminal_id),
      registeredAt: toIso(r.registered_at, 'registered_at'),
      lastSeenAt: r.last_seen_at === null || r.last_seen_at === undefined ? null : toIso(r.last_seen_at, 'last_seen_at'),
      report:
        r.reported_at === null || r.reported_at === undefined
          ? null
          : {
              backlog: toInt(r.backlog, 'backlog'),
              lastReceiptNo: r.last_receipt_no === null ? null : toInt(r.last_receipt_no, 'last_receipt_no'),
              at: toIso(r.reported_at, 'reported_at'),
              receivedAt: toIso(r.report_received_at, 'report_received_at'),
            },
    }))
    .sort((a, b) => (a.terminalId < b.terminalId ? -1 : a.terminalId > b.terminalId ? 1 : 0));
}

/**
 * The flags a terminal's state earns by itself: 'unsent' when its latest report holds a backlog,
 * 'silent' when nothing came from it for longer than `silentAfterMs` before `now` (a terminal
 * never heard from counts from its registration).
 */
export function standingFlags(state: TerminalState, now: Date, silentAfterMs: number): SettlementFlag[] {
  const flags: SettlementFlag[] = [];
  if (state.report !== null && state.report.backlog > 0) flags.push('unsent');
  const heard = Date.parse(state.lastSeenAt ?? state.registeredAt);
  if (now.getTime() - heard > silentAfterMs) flags.push('silent');
  return flags;
}
