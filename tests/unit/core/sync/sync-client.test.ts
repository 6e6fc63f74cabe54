// The sync client against answers a real server would not give (a fake fetch): it must never
// mark what was not answered for, and never loop on a server that does not move.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../src/core/db/open.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { SyncClient } from '../../../../src/core/sync/sync-client.ts';
import { setCatalogVersion, syncReport } from '../../../../src/core/sync/sync-state.ts';
import { SYNC_PATHS, TERMINAL_REPORT_HEADER, type PushRequest } from '../../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT } from '../../../support/sale-fixtures.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-01-01T00:00:00.000Z';
let db: Db;
useTempDb((opened) => (db = opened));

function client(answer: (url: string, body: unknown) => unknown): SyncClient {
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    return new Response(JSON.stringify(answer(String(input), body)), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return new SyncClient({ db, serverUrl: 'http://store.test', terminalId: 'T01', token: 't'.repeat(40), currency: 'CNY', taxClasses: ['standard'], fetch: fakeFetch, now: () => new Date(AT) });
}

const sell = (n: number) => {
  for (let i = 0; i < n; i++) commitSale(db, { record: makeSale({}), snapshot: SNAPSHOT, at: AT });
};
const statuses = () => db.prepare('SELECT status, attempts FROM outbox ORDER BY seq').all();

describe('SyncClient on answers that do not fit the batch', () => {
  it('an answer for fewer items than sent marks nothing and counts the attempt', async () => {
    sell(3);
    const c = client((_url, body) => {
      const items = (body as PushRequest).items;
      return { batchId: 'b', results: items.slice(0, 2).map((i) => ({ idempotencyKey: i.idempotencyKey, status: 'applied' })), applied: 2, duplicates: 0, rejected: 0, serverTime: AT };
    });
    await expect(c.pushBatch(10)).rejects.toMatchObject({ kind: 'transient', message: expect.stringContaining('answered 2 items for a batch of 3') });
    expect(statuses()).toEqual([
      { status: 'pending', attempts: 1 },
      { status: 'pending', attempts: 1 },
      { status: 'pending', attempts: 1 },
    ]);
    expect(syncReport(db)).toMatchObject({ backlog: 3, lastSuccessAt: null, lastFailure: { kind: 'transient' } });
  });

  it('an answer naming other keys (another batch’s answer) marks nothing', async () => {
    sell(2);
    const c = client((_url, body) => {
      const items = (body as PushRequest).items;
      return { batchId: 'b', results: [...items].reverse().map((i) => ({ idempotencyKey: i.idempotencyKey, status: 'applied' })), applied: 2, duplicates: 0, rejected: 0, serverTime: AT };
    });
    await expect(c.pushBatch(10)).rejects.toMatchObject({ kind: 'transient', message: expect.stringContaining('names another key') });
    expect(syncReport(db).backlog).toBe(2);
  });

  it('a catalog behind the terminal (a replaced server database) is refused, not silently followed', async () => {
    setCatalogVersion(db, 12);
    const c = client(() => ({ storeId: 'S1', since: 12, changes: [], latestVersion: 3, more: false }));
    await expect(c.pullCatalog()).rejects.toMatchObject({ kind: 'refused', message: expect.stringContaining('was the server\'s database replaced?') });
  });

  it('"more" with nothing new ends the pull instead of looping', async () => {
    const c = client(() => ({ storeId: 'S1', since: 0, changes: [], latestVersion: 5, more: true }));
    expect(await c.pullCatalog()).toMatchObject({ applied: 0, catalogVersion: 0, more: false });
  });
});

describe('SyncClient reports and settlement', () => {
  it('sends its backlog (without the batch in flight) and last receipt with every request', async () => {
    sell(3);
    const reports: unknown[] = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const header = new Headers(init?.headers).get(TERMINAL_REPORT_HEADER);
      reports.push(header === null ? null : (JSON.parse(header) as unknown));
      const url = new URL(String(input));
      const body = url.pathname === SYNC_PATHS.push
        ? (() => {
            const items = (JSON.parse(String(init?.body)) as PushRequest).items;
            return { batchId: 'b', results: items.map((i) => ({ idempotencyKey: i.idempotencyKey, status: 'applied' })), applied: items.length, duplicates: 0, rejected: 0, serverTime: AT };
          })()
        : { storeId: 'S1', since: 0, changes: [], latestVersion: 0, more: false };
      return new Response(JSON.stringify(body), { status: 200 });
    }) as typeof fetch;
    const c = new SyncClient({ db, serverUrl: 'http://store.test', terminalId: 'T01', token: 't'.repeat(40), currency: 'CNY', taxClasses: ['standard'], fetch: fakeFetch, now: () => new Date(AT) });
    await c.syncOnce(2);
    expect(reports).toEqual([
      { v: 1, backlog: 1, lastReceiptNo: 3, at: AT },
      { v: 1, backlog: 0, lastReceiptNo: 3, at: AT },
      { v: 1, backlog: 0, lastReceiptNo: 3, at: AT },
    ]);
  });

  it('reads the settlement of an older store server (no flags, no standing) with empty flags', async () => {
    const c = client(() => ({
      storeId: 'S1',
      from: null,
      to: null,
      generatedAt: AT,
      registeredTerminals: ['T01'],
      terminals: [
        {
          terminalId: 'T01', currency: 'CNY', saleCount: 1, salesTotal: 100, taxTotal: 12, refundCount: 0, refundTotal: 0, net: 100,
          byMethod: [{ method: 'cash', taken: 100, refunded: 0 }, { method: 'alipay', taken: 0, refunded: 0 }, { method: 'wechat', taken: 0, refunded: 0 }],
          trainingSaleCount: 0, firstReceiptNo: 1, lastReceiptNo: 1, lastSaleAt: AT,
        },
      ],
      store: [],
    }));
    const s = await c.settlement({ from: '2026-01-01T00:00:00+08:00' });
    expect(s.terminals[0]).toMatchObject({ flags: [], missingReceipts: 0 });
    expect(s).toMatchObject({ standing: [], silentAfterSeconds: null });
  });
});

