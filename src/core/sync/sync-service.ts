// Runs the sync machine (state-machines/sync.machine.ts) for a terminal: the client's effects
// plugged in, the starting figures read from the database, and one status stream for the UI.
//
// Decisions a caller must know:
// - `createSyncClient` builds the client from the config's `sync` block and throws ConfigError
//   naming `sync` when there is none (the terminal then simply does not sync).
// - NEW SALES ARE NOTICED TWO WAYS: the host calls `outboxChanged()` after a commit (pushed at
//   once), and a cheap watch (`watchMs`, default 1 s; null: off) compares the outbox's highest
//   seq, a primary-key lookup, so messages queued by another process (`kassa simulate`, a
//   refund from the CLI) go out too without waiting for the poll.
// - The jitter seed is random per start (node:crypto), so terminals that lost the same server
//   at the same moment do not retry in step.
// - stop() stops the machine (an in-flight request is aborted; its batch stays pending and is
//   re-sent next time, which the server answers `duplicate` if it got it).
// - OUTAGES ARE JOURNALLED (./sync-journal.ts): entering offline/failing writes one
//   'sync.offline' row, the next successful round one 'sync.online' row; the journal write
//   failing (a full disk) never stops the sync: the next transition tries again.
import { randomInt } from 'node:crypto';
import { createActor, type Actor } from 'xstate';
import { provideSync, syncStatus, type SyncBackoff, type SyncStatus } from '../../../state-machines/sync.machine.ts';
import type { SettlementQuery, SettlementResponse } from '../../shared/sync-protocol.ts';
import { ConfigError, type KassaConfig } from '../config.ts';
import type { Db } from '../db/open.ts';
import { SyncClient } from './sync-client.ts';
import { journalSyncOffline, journalSyncOnline, syncDown } from './sync-journal.ts';
import { backlog, catalogVersion, countDeadLetters, lastSuccessAt } from './sync-state.ts';

export interface SyncServiceOptions {
  readonly db: Db;
  readonly client: SyncClient;
  readonly batchSize?: number;
  /** Most batches per round before the catalog is pulled (the machine's default: 20). */
  readonly maxRoundBatches?: number;
  readonly pollMs?: number;
  readonly backoff?: SyncBackoff;
  /** How often the outbox is checked for messages queued elsewhere (default 1000 ms; null: never). */
  readonly watchMs?: number | null;
  /** Jitter seed (default random). */
  readonly jitterSeed?: number;
  /** Clock for the journal rows (tests). */
  readonly now?: () => Date;
}

export interface SyncService {
  status(): SyncStatus;
  /** Called with every status change and after every pushed batch (backlog while draining). */
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** A message was queued: push it now (or note the backlog while offline). */
  outboxChanged(): void;
  /** Run a round now, whatever the backoff says. */
  syncNow(): void;
  /** A hint from the host's network monitor. */
  networkChanged(up: boolean): void;
  /**
   * The store's settlement from the store server (for the manager screen; see
   * ./store-settlement.ts for a local day's range and the screen's view). Throws
   * SyncRequestError when the server cannot be asked, SettlementQueryError on a bad range.
   */
  settlement(query?: SettlementQuery, signal?: AbortSignal): Promise<SettlementResponse>;
  /** The client itself, for the requests a terminal makes outside the sync rounds (coupon reservations). */
  readonly client: SyncClient;
  stop(): void;
}

/** The sync client of a terminal, from its config's `sync` block. */
export function createSyncClient(db: Db, config: KassaConfig, file = 'kassa.config.json'): SyncClient {
  const sync = config.sync;
  if (sync === undefined) {
    throw new ConfigError(file, [
      'sync: not set; add {"sync": {"serverUrl": "http://…", "token": "…"}} with the token the store server gave when this terminal was registered',
    ]);
  }
  return new SyncClient({
    db,
    serverUrl: sync.serverUrl,
    token: sync.token,
    timeoutMs: sync.timeoutSeconds * 1000,
    terminalId: config.terminalId,
    currency: config.currency,
    taxClasses: config.taxClasses.map((t) => t.id),
  });
}

const DEFAULT_WATCH_MS = 1000;

export function startSyncService(options: SyncServiceOptions): SyncService {
  const { db } = options;
  const actor: Actor<ReturnType<typeof provideSync>> = createActor(provideSync(options.client.effects()), {
    input: {
      batchSize: options.batchSize,
      maxRoundBatches: options.maxRoundBatches,
      pollMs: options.pollMs,
      backoff: options.backoff,
      jitterSeed: options.jitterSeed ?? randomInt(0, 2 ** 31),
      backlog: backlog(db),
      deadLetters: countDeadLetters(db),
      lastSuccessAt: lastSuccessAt(db),
      catalogVersion: catalogVersion(db),
    },
  });
  const listeners = new Set<(status: SyncStatus) => void>();
  const tell = () => {
    const status = syncStatus(actor.getSnapshot());
    for (const l of listeners) l(status);
  };
  actor.on('sync.status', tell);
  actor.on('sync.progress', tell);

  const now = options.now ?? (() => new Date());
  const terminalId = options.client.terminalId;
  // Read once: after that this process knows, and the setting keeps other processes honest.
  let down = syncDown(db) !== null;
  actor.on('sync.status', ({ status }) => {
    if (down || (status.state !== 'offline' && status.state !== 'failing')) return;
    try {
      journalSyncOffline(db, {
        terminalId,
        at: now().toISOString(),
        state: status.state,
        kind: status.lastError?.kind ?? 'transient',
        reason: status.lastError?.message ?? status.state,
        backlog: status.backlog,
      });
      down = true;
    } catch {
      // Not journalled (the disk said no): `down` stays false, so the next failure tries again.
    }
  });
  actor.on('sync.succeeded', (e) => {
    if (!down) return;
    try {
      journalSyncOnline(db, { terminalId, at: now().toISOString(), sent: e.sent, backlog: e.backlog, failedRounds: e.failedRounds });
      down = false;
    } catch {
      // As above: the next successful round tries again.
    }
  });

  const maxSeq = db.prepare('SELECT max(seq) FROM outbox').pluck();
  let lastSeq = (maxSeq.get() as number | null) ?? 0;
  const watchMs = options.watchMs === undefined ? DEFAULT_WATCH_MS : options.watchMs;
  const watch =
    watchMs === null
      ? null
      : setInterval(() => {
          const seq = (maxSeq.get() as number | null) ?? 0;
          if (seq !== lastSeq) {
            actor.send({ type: 'OUTBOX.CHANGED', added: Math.max(1, seq - lastSeq) });
            lastSeq = seq;
          }
        }, watchMs);
  watch?.unref();
  actor.start();

  return {
    client: options.client,
    status: () => syncStatus(actor.getSnapshot()),
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    outboxChanged() {
      const seq = (maxSeq.get() as number | null) ?? 0;
      actor.send({ type: 'OUTBOX.CHANGED', added: Math.max(1, seq - lastSeq) });
      lastSeq = seq;
    },
    syncNow: () => actor.send({ type: 'SYNC.NOW' }),
    settlement: (query, signal) => options.client.settlement(query, signal),
    networkChanged: (up) => actor.send({ type: up ? 'NETWORK.UP' : 'NETWORK.DOWN' }),
    stop() {
      if (watch) clearInterval(watch);
      listeners.clear();
      actor.stop();
    },
  };
}

/**
 * The sync of a terminal as its config says (batch size, poll, timeout), or null when the config
 * has no `sync` block. For the hosts (terminal-app): start it after the database is open, call
 * `outboxChanged()` after each commit, `stop()` before closing the database.
 */
export function startTerminalSync(db: Db, config: KassaConfig, file = 'kassa.config.json'): SyncService | null {
  if (config.sync === undefined) return null;
  return startSyncService({ db, client: createSyncClient(db, config, file), batchSize: config.sync.batchSize, pollMs: config.sync.pollSeconds * 1000 });
}
