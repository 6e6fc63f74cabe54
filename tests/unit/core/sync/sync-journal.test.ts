// Offline periods in the journal (src/core/sync/sync-journal.ts and its use by the sync
// service): one 'sync.offline' row when the link goes down and one 'sync.online' row when a
// round succeeds again, however many retries lie between, across a restart of the terminal, and
// with the hash chain intact. The service runs the real client over a fake fetch that can be
// switched off like a pulled cable.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyJournal } from '../../../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { SyncClient } from '../../../../src/core/sync/sync-client.ts';
import { journalSyncOffline, journalSyncOnline, syncDown } from '../../../../src/core/sync/sync-journal.ts';
import { startSyncService, type SyncService } from '../../../../src/core/sync/sync-service.ts';
import { SYNC_PATHS, type PushRequest } from '../../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT, tempDbFile } from '../../../support/sale-fixtures.ts';
import { until } from '../../../support/until.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
const services: SyncService[] = [];
beforeEach(() => {
  tmp = tempDbFile();
  db = openDatabase(tmp.file);
});
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
  db.close();
  tmp.cleanup();
});

interface SyncRow {
  seq: number;
  kind: string;
  at: string;
  payload: Record<string, unknown>;
}
const syncRows = (d: Db = db): SyncRow[] =>
  (d.prepare("SELECT seq, kind, at, payload FROM journal WHERE kind IN ('sync.offline', 'sync.online') ORDER BY seq").all() as { seq: number; kind: string; at: string; payload: string }[]).map((r) => ({
    ...r,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  }));

describe('journalSyncOffline / journalSyncOnline', () => {
  it('write one row per transition: a second "down" while down and an "up" while up write nothing', () => {
    expect(journalSyncOnline(db, { terminalId: 'T01', at: '2026-01-01T09:00:00.000Z', sent: 0, backlog: 0, failedRounds: 0 })).toBeNull();
    const down = { terminalId: 'T01', at: '2026-01-01T09:00:00.000Z', state: 'offline', kind: 'offline', reason: 'cannot reach the store server', backlog: 4 } as const;
    const first = journalSyncOffline(db, down);
    expect(first?.kind).toBe('sync.offline');
    expect(journalSyncOffline(db, { ...down, at: '2026-01-01T09:00:05.000Z', state: 'failing', kind: 'transient', backlog: 9 })).toBeNull();
    expect(syncDown(db)).toEqual({ since: down.at, state: 'offline', kind: 'offline', reason: down.reason, backlog: 4, journalSeq: first?.seq });

    const back = journalSyncOnline(db, { terminalId: 'T01', at: '2026-01-01T09:07:30.000Z', sent: 12, backlog: 1, failedRounds: 6 });
    expect(back?.kind).toBe('sync.online');
    expect(journalSyncOnline(db, { terminalId: 'T01', at: '2026-01-01T09:08:00.000Z', sent: 0, backlog: 0, failedRounds: 0 })).toBeNull();
    expect(syncDown(db)).toBeNull();

    expect(syncRows()).toEqual([
      { seq: first?.seq, kind: 'sync.offline', at: down.at, payload: { state: 'offline', kind: 'offline', reason: down.reason, backlog: 4 } },
      {
        seq: back?.seq,
        kind: 'sync.online',
        at: '2026-01-01T09:07:30.000Z',
        payload: { since: down.at, downForMs: 450_000, offlineSeq: first?.seq, backlogWhenDown: 4, drained: 12, backlog: 1, failedRounds: 6 },
      },
    ]);
    expect(verifyJournal(db).ok).toBe(true);
  });

  it('an outage outlives a restart: the reopened database still knows it is down', () => {
    journalSyncOffline(db, { terminalId: 'T01', at: '2026-01-01T09:00:00.000Z', state: 'failing', kind: 'refused', reason: 'bad-token', backlog: 0 });
    db.close();
    db = openDatabase(tmp.file);
    expect(syncDown(db)).toMatchObject({ since: '2026-01-01T09:00:00.000Z', state: 'failing' });
    expect(journalSyncOffline(db, { terminalId: 'T01', at: '2026-01-01T10:00:00.000Z', state: 'offline', kind: 'offline', reason: 'x', backlog: 1 })).toBeNull();
  });
});

describe('the sync service journals its outages', () => {
  /** A store server behind a switch: while `down`, every request fails as a refused connection. */
  function cable() {
    const state = { down: false, pushed: 0, requests: 0 };
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      state.requests += 1;
      if (state.down) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
      const url = new URL(String(input));
      const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      if (url.pathname === SYNC_PATHS.push) {
        const items = (JSON.parse(String(init?.body)) as PushRequest).items;
        state.pushed += items.length;
        return json({ batchId: 'b', results: items.map((i) => ({ idempotencyKey: i.idempotencyKey, status: 'applied' })), applied: items.length, duplicates: 0, rejected: 0, serverTime: '2026-01-01T00:00:00.000Z' });
      }
      const since = Number(url.searchParams.get('since'));
      return json({ storeId: 'S01', since, changes: [], latestVersion: since, more: false });
    }) as typeof fetch;
    return { state, fakeFetch };
  }

  let clock = Date.parse('2026-01-01T09:00:00.000Z');
  const start = (fakeFetch: typeof fetch): SyncService => {
    const client = new SyncClient({ db, serverUrl: 'http://store.test', terminalId: 'T01', token: 't'.repeat(40), currency: 'CNY', taxClasses: ['standard'], fetch: fakeFetch, now: () => new Date(clock) });
    const service = startSyncService({ db, client, pollMs: 60_000, watchMs: null, backoff: { initialMs: 5, maxMs: 20, factor: 2, jitter: 0 }, now: () => new Date(clock) });
    services.push(service);
    return service;
  };
  const sell = (n: number) => {
    for (let i = 0; i < n; i++) commitSale(db, { record: makeSale({}), snapshot: SNAPSHOT, at: new Date(clock).toISOString() });
  };

  it('one sync.offline however many retries fail, one sync.online when a round gets through, with how long and what it drained', async () => {
    const { state, fakeFetch } = cable();
    const service = start(fakeFetch);
    await until(() => service.status().state === 'idle', 'the first round');
    expect(syncRows()).toEqual([]);

    state.down = true;
    sell(3);
    service.outboxChanged();
    await until(() => service.status().attempt >= 5, 'five failed rounds', 5_000);
    expect(syncRows().map((r) => r.kind)).toEqual(['sync.offline']);
    expect(syncRows()[0]?.payload).toMatchObject({ state: 'offline', kind: 'offline', backlog: 3 });
    expect(String(syncRows()[0]?.payload.reason)).toContain('ECONNREFUSED');

    clock += 90_000;
    state.down = false;
    await until(() => service.status().state === 'idle', 'the link to come back', 5_000);
    const rows = syncRows();
    expect(rows.map((r) => r.kind)).toEqual(['sync.offline', 'sync.online']);
    expect(rows[1]?.payload).toMatchObject({ downForMs: 90_000, drained: 3, backlog: 0, backlogWhenDown: 3, offlineSeq: rows[0]?.seq });
    expect(Number(rows[1]?.payload.failedRounds)).toBeGreaterThanOrEqual(5);
    expect(state.pushed).toBe(3);

    // Healthy rounds after that write nothing more.
    const before = state.requests;
    service.syncNow();
    await until(() => state.requests >= before + 1 && service.status().state === 'idle', 'another round');
    expect(syncRows()).toHaveLength(2);
    expect(verifyJournal(db).ok).toBe(true);
  });

  it('a terminal restarted during the outage carries on with the same period', async () => {
    const { state, fakeFetch } = cable();
    state.down = true;
    sell(2);
    const first = start(fakeFetch);
    await until(() => first.status().attempt >= 2, 'failed rounds before the restart');
    first.stop();
    const since = syncRows()[0]?.at;

    clock += 30_000;
    const second = start(fakeFetch);
    await until(() => second.status().attempt >= 2, 'failed rounds after the restart');
    expect(syncRows().map((r) => r.kind)).toEqual(['sync.offline']);

    clock += 30_000;
    state.down = false;
    await until(() => second.status().state === 'idle', 'the link to come back', 5_000);
    const rows = syncRows();
    expect(rows.map((r) => r.kind)).toEqual(['sync.offline', 'sync.online']);
    expect(rows[1]?.payload).toMatchObject({ since, downForMs: 60_000, drained: 2 });
  });

  it('a server that answers with errors is "failing": journalled the same way', async () => {
    const fakeFetch = (async () => new Response(JSON.stringify({ error: { code: 'unavailable', message: 'the database is down' } }), { status: 503 })) as unknown as typeof fetch;
    sell(1);
    const service = start(fakeFetch);
    await until(() => service.status().attempt >= 3, 'failed rounds');
    expect(syncRows().map((r) => [r.kind, r.payload.state, r.payload.kind])).toEqual([['sync.offline', 'failing', 'transient']]);
  });
});
