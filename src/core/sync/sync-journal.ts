// Offline periods in the journal (issue 6): when the terminal's link to the store server goes
// down, one 'sync.offline' row says when, why and how much was waiting; when a round succeeds
// again, one 'sync.online' row says how long it was down and what the recovering round sent. A
// manager (and an auditor) can then see from the journal alone why sales reached the store late.
//
// Decisions a caller must know:
// - ONCE PER TRANSITION, across retries, processes and restarts: whether the link is down is a
//   setting (`sync.down`, with when and the journal seq of its 'sync.offline' row) written in
//   the same immediate transaction as the row. A second failure while down writes nothing; a
//   success while up writes nothing. A terminal restarted during an outage carries on with the
//   same period, and its 'sync.online' row measures from the first failure.
// - 'offline' (no connection, no answer) and 'failing' (the server answered, but with an
//   error) are both "down": a period that moves between them is one period; the row says which
//   it was when it began.
// - The rows hold integers and strings only (the journal's canonical JSON has no floats).
import { z } from 'zod';
import { appendJournal, type JournalRow } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import { deleteSetting, getSetting, setSetting } from '../db/settings.ts';

const DOWN_KEY = 'sync.down';

const downSchema = z.strictObject({
  since: z.string(),
  state: z.enum(['offline', 'failing']),
  kind: z.enum(['offline', 'transient', 'refused']),
  reason: z.string(),
  backlog: z.int().nonnegative(),
  journalSeq: z.int().positive(),
});

/** An outage in progress, as written when it began. */
export type SyncDown = z.infer<typeof downSchema>;

/** The outage in progress, or null when the last word was a success (or there was none). */
export function syncDown(db: Db): SyncDown | null {
  return getSetting(db, DOWN_KEY, downSchema) ?? null;
}

export interface SyncWentDown {
  readonly terminalId: string;
  readonly at: string;
  readonly state: 'offline' | 'failing';
  readonly kind: 'offline' | 'transient' | 'refused';
  readonly reason: string;
  /** Items waiting to be sent at that moment. */
  readonly backlog: number;
}

/** Journals the start of an outage; null (nothing written) when one is already in progress. */
export function journalSyncOffline(db: Db, down: SyncWentDown): JournalRow | null {
  return db
    .transaction((): JournalRow | null => {
      if (syncDown(db) !== null) return null;
      const backlog = Math.max(0, Math.floor(down.backlog));
      const row = appendJournal(db, {
        terminalId: down.terminalId,
        kind: 'sync.offline',
        ref: null,
        at: down.at,
        payload: { state: down.state, kind: down.kind, reason: down.reason, backlog },
      });
      setSetting(db, DOWN_KEY, { since: down.at, state: down.state, kind: down.kind, reason: down.reason, backlog, journalSeq: row.seq } satisfies SyncDown);
      return row;
    })
    .immediate();
}

export interface SyncCameBack {
  readonly terminalId: string;
  readonly at: string;
  /** Items the recovering round sent (the backlog drained). */
  readonly sent: number;
  /** Items still waiting after it. */
  readonly backlog: number;
  /** Failed rounds in this process before the success (0 when it started during the outage and succeeded at once). */
  readonly failedRounds: number;
}

/** Journals the end of an outage; null (nothing written) when none is in progress. */
export function journalSyncOnline(db: Db, back: SyncCameBack): JournalRow | null {
  return db
    .transaction((): JournalRow | null => {
      const down = syncDown(db);
      if (down === null) return null;
      const since = Date.parse(down.since);
      const until = Date.parse(back.at);
      const downForMs = Number.isFinite(since) && Number.isFinite(until) ? Math.max(0, until - since) : 0;
      const row = appendJournal(db, {
        terminalId: back.terminalId,
        kind: 'sync.online',
        ref: null,
        at: back.at,
        payload: {
          since: down.since,
          downForMs,
          offlineSeq: down.journalSeq,
          backlogWhenDown: down.backlog,
          drained: Math.max(0, Math.floor(back.sent)),
          backlog: Math.max(0, Math.floor(back.backlog)),
          failedRounds: Math.max(0, Math.floor(back.failedRounds)),
        },
      });
      deleteSetting(db, DOWN_KEY);
      return row;
    })
    .immediate();
}
