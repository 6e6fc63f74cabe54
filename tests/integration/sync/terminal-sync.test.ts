// The terminal's sync (src/core/sync + state-machines/sync.machine.ts) against the real store
// server (src/server/store) on embedded PGlite, over HTTP on 127.0.0.1: an outage, a lost
// answer, rejected items, a refused token and catalog changes pulled and applied atomically.
// One storage for the file (PGlite takes seconds to open); each test has its own terminal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalogRepository } from '../../../src/core/db/catalog.ts';
import { listPromotions } from '../../../src/core/db/promotions.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { recordRefund } from '../../../src/core/db/refunds.ts';
import { commitSale, getSale } from '../../../src/core/db/sales.ts';
import { SyncClient } from '../../../src/core/sync/sync-client.ts';
import { SyncRequestError } from '../../../src/core/sync/sync-http.ts';
import { startSyncService, startTerminalSync, type SyncService } from '../../../src/core/sync/sync-service.ts';
import { parseConfig } from '../../../src/core/config.ts';
import { catalogVersion, syncReport } from '../../../src/core/sync/sync-state.ts';
import { startStoreServer, type StoreServer } from '../../../src/server/store/http-api.ts';
import { openStoreStorage, type StoreStorage } from '../../../src/server/store/storage.ts';
import { SYNC_PATHS, type CatalogChange, type CatalogProduct } from '../../../src/shared/sync-protocol.ts';
import { lossyProxy } from '../../support/http-proxy.ts';
import { makeSale, SNAPSHOT } from '../../support/sale-fixtures.ts';
import { until } from '../../support/until.ts';
import { ADMIN_TOKEN, adminHeaders, call, freshId, register, storedFor } from '../server/store/store-fixtures.ts';

const TAX_CLASSES = ['standard', 'reduced', 'zero'];

let dir: string;
let storage: StoreStorage;
let server: StoreServer;
const open: { close(): void }[] = [];
const services: SyncService[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-sync-'));
  storage = await openStoreStorage({ dataDir: join(dir, 'store') });
  server = await startStoreServer({ storage, adminToken: ADMIN_TOKEN });
}, 60_000);

afterAll(async () => {
  await server.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const s of services.splice(0)) s.stop();
  for (const d of open.splice(0)) d.close();
});

interface Terminal {
  readonly id: string;
  readonly storeId: string;
  readonly token: string;
  readonly db: Db;
  client(serverUrl?: string, extra?: { catalogPageSize?: number; timeoutMs?: number; token?: string }): SyncClient;
  /** Commits `n` sales; returns their Σ total. */
  sell(n: number): number;
}

async function terminal(storeId = freshId('S')): Promise<Terminal> {
  const id = freshId('T');
  const till = await register(server, storeId, id);
  const db = openDatabase(join(dir, `${id}.db`));
  open.push(db);
  let minute = 0;
  return {
    id,
    storeId,
    token: till.token,
    db,
    client: (serverUrl = server.url, extra = {}) =>
      new SyncClient({ db, serverUrl, terminalId: id, token: extra.token ?? till.token, currency: 'CNY', taxClasses: TAX_CLASSES, timeoutMs: extra.timeoutMs ?? 5_000, catalogPageSize: extra.catalogPageSize }),
    sell(n) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        minute += 1;
        const at = new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString();
        const record = makeSale({ terminalId: id, completedAt: at, lines: [{ sku: `SKU${minute}`, unitPrice: 100 + minute, quantityMilli: 1000 }] });
        commitSale(db, { record, snapshot: SNAPSHOT, at });
        sum += record.total;
      }
      return sum;
    },
  };
}

async function serverTotals(terminalId: string): Promise<{ sales: number; total: number; distinctSales: number }> {
  const [row] = await storage.query<{ n: unknown; total: unknown; d: unknown }>(
    'SELECT count(*)::int AS n, count(DISTINCT sale_id)::int AS d, coalesce(sum(total), 0)::int AS total FROM sales WHERE terminal_id = $1',
    [terminalId],
  );
  return { sales: Number(row?.n), total: Number(row?.total), distinctSales: Number(row?.d) };
}

const localSales = (db: Db) => db.prepare('SELECT count(*) AS n, coalesce(sum(total), 0) AS total FROM sales').get() as { n: number; total: number };
const outboxStatuses = (db: Db) =>
  Object.fromEntries((db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));

describe('pushing sales', () => {
  it('sends every sale once, in seq order, in batches, and marks them sent', async () => {
    const t = await terminal();
    const proxy = await lossyProxy(server.url);
    try {
      const sum = t.sell(23);
      const result = await t.client(proxy.url).syncOnce(5);
      expect(result).toMatchObject({ applied: 23, duplicates: 0, deadLettered: 0, backlog: 0, batches: 5 });
      expect(proxy.seqs).toEqual([...proxy.seqs].sort((a, b) => a - b));
      expect(new Set(proxy.seqs).size).toBe(23);
      expect(await serverTotals(t.id)).toEqual({ sales: 23, distinctSales: 23, total: sum });
      expect(outboxStatuses(t.db)).toEqual({ sent: 23 });
      const report = syncReport(t.db);
      expect(report).toMatchObject({ backlog: 0, deadLetterCount: 0, oldestPending: null });
      expect(report.lastSuccessAt).not.toBeNull();
    } finally {
      await proxy.close();
    }
  });

  it('a lost answer: the server applied the batch, the terminal never heard; the re-send comes back as duplicates and nothing is doubled', async () => {
    const t = await terminal();
    const proxy = await lossyProxy(server.url);
    try {
      const sum = t.sell(10);
      const client = t.client(proxy.url);
      proxy.loseNext();
      const lost = await client.pushBatch(50).catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(SyncRequestError);
      expect((lost as SyncRequestError).kind).toBe('offline');
      // The server has them; the terminal still holds them as pending, one attempt counted.
      expect(await serverTotals(t.id)).toEqual({ sales: 10, distinctSales: 10, total: sum });
      expect(outboxStatuses(t.db)).toEqual({ pending: 10 });
      expect(t.db.prepare('SELECT DISTINCT attempts FROM outbox').pluck().all()).toEqual([1]);
      expect(syncReport(t.db).lastFailure).toMatchObject({ kind: 'offline' });

      const again = await client.pushBatch(50);
      expect(again).toMatchObject({ applied: 0, duplicates: 10, deadLettered: 0, backlog: 0 });
      expect(await serverTotals(t.id)).toEqual({ sales: 10, distinctSales: 10, total: sum });
      expect(await storedFor(storage, t.id)).toMatchObject({ items: 10, sales: 10 });
      expect(outboxStatuses(t.db)).toEqual({ sent: 10 });
    } finally {
      await proxy.close();
    }
  });

  it('rejected and unreadable items are dead-lettered with their reasons; the sales around them arrive in order', async () => {
    const t = await terminal();
    t.sell(2);
    // A sale whose record names another terminal: the server rejects it (terminal-mismatch).
    const foreign = makeSale({ terminalId: 'OTHER', completedAt: '2026-01-01T08:00:00.000Z' });
    commitSale(t.db, { record: foreign, snapshot: SNAPSHOT, at: '2026-01-01T08:00:00.000Z' });
    t.sell(1);
    // A sale whose journal record was damaged on this disk: it cannot be read, so it is not sent.
    t.sell(1);
    const damagedSeq = t.db.prepare('SELECT max(journal_seq) FROM sales').pluck().get() as number;
    t.db.prepare("UPDATE journal SET payload = '{' WHERE seq = ?").run(damagedSeq);
    t.sell(2);

    const result = await t.client().syncOnce(3);
    expect(result).toMatchObject({ applied: 5, deadLettered: 2, backlog: 0, deadLetters: 2 });
    expect((await serverTotals(t.id)).sales).toBe(5);
    expect(outboxStatuses(t.db)).toEqual({ sent: 5, dead: 2 });
    const report = syncReport(t.db);
    expect(report.deadLetterCount).toBe(2);
    expect(report.deadLetters.map((d) => [d.seq, d.reason])).toEqual([
      [3, 'terminal-mismatch'],
      [5, 'unreadable'],
    ]);
    expect(report.deadLetters[0]?.idempotencyKey).toBe(foreign.id);
    expect(report.deadLetters[1]?.message).toMatch(/cannot be read.*kassa verify/);
    // Nothing is re-sent: a second round finds nothing to do.
    expect(await t.client().syncOnce(3)).toMatchObject({ applied: 0, duplicates: 0, deadLettered: 0, batches: 1 });
  });

  it('a cash refund goes after its sale: both refund entries arrive, and the server counts the money that went back', async () => {
    const t = await terminal();
    t.sell(1);
    const saleId = t.db.prepare('SELECT id FROM sales').pluck().get() as string;
    const sale = getSale(t.db, saleId);
    if (sale === null) throw new Error('no sale');
    recordRefund(t.db, {
      refundId: `R-${t.id}`,
      saleId,
      terminalId: t.id,
      receiptNo: sale.receiptNo,
      currency: 'CNY',
      reason: 'wrong size',
      authorizedBy: 'manager',
      operator: 'alice',
      training: false,
      parts: [{ tenderSeq: 1, method: 'cash', amount: 50 }],
      at: '2026-01-01T12:00:00.000Z',
    });
    expect(outboxStatuses(t.db)).toEqual({ pending: 3 });
    expect(await t.client().syncOnce(10)).toMatchObject({ applied: 3, deadLettered: 0, backlog: 0 });
    expect(await storedFor(storage, t.id)).toEqual({ items: 3, sales: 1, refunds: 1 });
    const [refund] = await storage.query<{ amount: unknown; method: string }>('SELECT amount::int AS amount, method FROM refunds WHERE terminal_id = $1', [t.id]);
    expect(refund).toEqual({ amount: 50, method: 'cash' });
  });

  it('startTerminalSync: nothing without a sync block; with one, the config decides and new sales go out', async () => {
    const t = await terminal();
    expect(startTerminalSync(t.db, parseConfig({ terminalId: t.id }))).toBeNull();
    const service = startTerminalSync(t.db, parseConfig({ terminalId: t.id, sync: { serverUrl: server.url, token: t.token, batchSize: 2 } }));
    if (service === null) throw new Error('no sync service');
    services.push(service);
    await until(() => service.status().state === 'idle', 'the first round', 10_000);
    const sum = t.sell(5);
    service.outboxChanged();
    await until(() => service.status().state === 'idle' && service.status().backlog === 0, 'the sales to go out', 10_000);
    expect(await serverTotals(t.id)).toEqual({ sales: 5, distinctSales: 5, total: sum });
    // The manager screen's store settlement goes through the running service.
    const settled = await service.settlement();
    expect(settled.terminals).toEqual([expect.objectContaining({ terminalId: t.id, saleCount: 5, flags: [] })]);
    expect(settled.standing).toEqual([expect.objectContaining({ terminalId: t.id, report: expect.objectContaining({ backlog: 0, lastReceiptNo: 5 }) })]);
  });

  it('a wrong token is refused: nothing is stored, nothing dead-lettered, the sales wait', async () => {
    const t = await terminal();
    t.sell(3);
    const err = await t.client(server.url, { token: 'kst_not-the-token-of-this-terminal-000000' }).pushBatch(10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncRequestError);
    expect(err).toMatchObject({ kind: 'refused', code: 'bad-token', status: 401 });
    expect((await serverTotals(t.id)).sales).toBe(0);
    expect(outboxStatuses(t.db)).toEqual({ pending: 3 });
    expect(syncReport(t.db)).toMatchObject({ backlog: 3, deadLetterCount: 0, lastFailure: { kind: 'refused', code: 'bad-token' } });
  });
});

describe('an outage, with the sync machine running', () => {
  it('server down, sales made, server back: every sale arrives exactly once and the totals agree', async () => {
    const t = await terminal();
    // A server of its own on a fixed port over the shared storage, so it can go down and come back.
    let outageServer: StoreServer | null = await startStoreServer({ storage });
    const port = outageServer.port;
    const statuses: string[] = [];
    const progress: number[] = [];
    let sum = t.sell(4);
    const service = startSyncService({
      db: t.db,
      client: t.client(outageServer.url, { timeoutMs: 2_000 }),
      batchSize: 7,
      pollMs: 60_000,
      watchMs: null,
      backoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.5 },
    });
    services.push(service);
    service.onStatus((s) => {
      statuses.push(s.state);
      if (s.state === 'syncing') progress.push(s.backlog);
    });
    try {
      await until(() => service.status().state === 'idle' && service.status().backlog === 0, 'the first sales to be pushed', 10_000);
      expect((await serverTotals(t.id)).sales).toBe(4);

      await outageServer.close();
      outageServer = null;
      for (let i = 0; i < 30; i++) {
        sum += t.sell(1);
        service.outboxChanged();
      }
      await until(() => service.status().state === 'offline', 'the terminal to notice the server is gone', 10_000);
      expect(service.status().lastError?.kind).toBe('offline');
      // It keeps retrying while the server is down, and the sales wait in the outbox.
      await until(() => service.status().attempt >= 3, 'a few retries', 10_000);
      expect(syncReport(t.db).backlog).toBe(30);

      outageServer = await startStoreServer({ storage, port });
      await until(() => service.status().state === 'idle' && service.status().backlog === 0, 'the backlog to drain after the server came back', 10_000);
      expect(await serverTotals(t.id)).toEqual({ sales: 34, distinctSales: 34, total: sum });
      expect(localSales(t.db)).toEqual({ n: 34, total: sum });
      expect(outboxStatuses(t.db)).toEqual({ sent: 34 });
      expect(service.status()).toMatchObject({ attempt: 0, lastError: null, deadLetters: 0 });
      expect(statuses).toContain('offline');
      // While the backlog drained, the backlog count went down batch by batch.
      expect(progress.some((b) => b > 0)).toBe(true);
      // The outage is in the journal once, however many retries it took: down, then back with
      // what the recovering round drained.
      const journalled = (t.db.prepare("SELECT kind, payload FROM journal WHERE kind IN ('sync.offline', 'sync.online') ORDER BY seq").all() as { kind: string; payload: string }[]).map(
        (r) => ({ kind: r.kind, payload: JSON.parse(r.payload) as Record<string, unknown> }),
      );
      expect(journalled.map((r) => r.kind)).toEqual(['sync.offline', 'sync.online']);
      expect(journalled[0]?.payload).toMatchObject({ state: 'offline', kind: 'offline' });
      expect(journalled[1]?.payload).toMatchObject({ drained: 30, backlog: 0 });
      expect(Number(journalled[1]?.payload.failedRounds)).toBeGreaterThanOrEqual(3);
    } finally {
      service.stop();
      await outageServer?.close();
    }
  });
});

describe('three terminals of one store through an outage, with answers lost when the server is back', () => {
  it('every sale of every terminal arrives exactly once and the store totals agree', async () => {
    const storeId = freshId('S');
    const tills = [await terminal(storeId), await terminal(storeId), await terminal(storeId)];
    let upstream = await startStoreServer({ storage });
    const port = upstream.port;
    const proxy = await lossyProxy(upstream.url);
    await upstream.close();
    try {
      const running = tills.map((t) => {
        const service = startSyncService({
          db: t.db,
          client: t.client(proxy.url, { timeoutMs: 2_000 }),
          batchSize: 9,
          pollMs: 60_000,
          watchMs: null,
          backoff: { initialMs: 20, maxMs: 150, factor: 2, jitter: 0.5 },
        });
        services.push(service);
        return service;
      });
      const sums = [0, 0, 0];
      for (let i = 0; i < 40; i++) {
        tills.forEach((t, k) => {
          sums[k] = (sums[k] ?? 0) + t.sell(1);
          running[k]?.outboxChanged();
        });
      }
      await until(() => running.every((s) => s.status().state === 'offline'), 'all three terminals to be offline', 10_000);
      proxy.loseNext(4);
      upstream = await startStoreServer({ storage, port });
      await until(() => running.every((s) => s.status().state === 'idle' && s.status().backlog === 0), 'all three backlogs to drain', 20_000);
      for (const [k, t] of tills.entries()) {
        expect(await serverTotals(t.id)).toEqual({ sales: 40, distinctSales: 40, total: sums[k] });
        expect(outboxStatuses(t.db)).toEqual({ sent: 40 });
      }
      const [store] = await storage.query<{ n: unknown; total: unknown }>('SELECT count(*)::int AS n, sum(total)::int AS total FROM sales WHERE store_id = $1', [storeId]);
      expect({ n: Number(store?.n), total: Number(store?.total) }).toEqual({ n: 120, total: sums.reduce((a, b) => a + b, 0) });
      // The lost answers were re-sent: the proxy saw more items than there are sales, the server kept 120.
      expect(proxy.seqs.length).toBeGreaterThan(120);
    } finally {
      for (const s of services.splice(0)) s.stop();
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('catalog changes', () => {
  const product = (sku: string, price: number, extra: Partial<CatalogProduct> = {}): CatalogProduct => ({
    sku,
    nameZh: `商品${sku}`,
    nameEn: `Item ${sku}`,
    price,
    currency: 'CNY',
    taxClass: 'standard',
    unit: 'each',
    department: 'grocery',
    active: true,
    barcodes: [],
    ...extra,
  });

  async function publish(storeId: string, changes: CatalogChange[]): Promise<void> {
    const r = await call(server, 'POST', SYNC_PATHS.adminCatalog(storeId), { headers: adminHeaders, body: { changes } });
    expect(r.status).toBe(200);
  }

  it('pulls every change in pages and applies them; what the terminal cannot apply is skipped and said why', async () => {
    const t = await terminal();
    const old = product('OLD', 500);
    catalogRepository(t.db).upsertProducts([{ ...old, price: { amount: old.price, currency: old.currency }, barcodes: ['04006381333931'] }]);
    // Three publishes of 3, 3 and 1 changes: pages of 3 (a page never ends inside a publish).
    await publish(t.storeId, [
      { kind: 'product.upsert', product: product('A1', 350, { barcodes: ['6901234567892'] }) },
      { kind: 'product.upsert', product: product('B2', 1298, { unit: 'kg' }) },
      { kind: 'product.upsert', product: product('C3', 100, { taxClass: 'luxury' }) },
    ]);
    await publish(t.storeId, [
      { kind: 'price.set', sku: 'A1', price: 399, currency: 'CNY' },
      { kind: 'product.delete', sku: 'OLD' },
      {
        kind: 'promotion.upsert',
        promotion: {
          id: 'P1',
          name: 'member day',
          kind: 'percent_off',
          percentBps: 1000,
          target: { kind: 'basket' },
          memberOnly: true,
          stacking: 'stackable',
          group: null,
          priority: 0,
          window: { weekdays: [3], hours: [], from: null, until: null },
        },
      },
    ]);
    // The store moves a barcode to a new product: the terminal follows.
    await publish(t.storeId, [{ kind: 'product.upsert', product: product('D4', 250, { barcodes: ['6901234567892'] }) }]);
    const result = await t.client(server.url, { catalogPageSize: 3 }).syncOnce(10);
    expect(result).toMatchObject({ catalogApplied: 6, catalogVersion: 7 });
    expect(listPromotions(t.db).map((p) => [p.id, p.name, p.memberOnly, p.window.weekdays])).toEqual([['P1', 'member day', true, [3]]]);
    const repo = catalogRepository(t.db);
    expect(repo.findBySku('A1')).toMatchObject({ price: { amount: 399, currency: 'CNY' }, barcodes: [] });
    expect(repo.findBySku('B2')).toMatchObject({ unit: 'kg', price: { amount: 1298 } });
    expect(repo.findBySku('C3')).toBeNull();
    expect(repo.findBySku('OLD')).toBeNull();
    expect(repo.findByBarcode('06901234567892')?.sku).toBe('D4');
    const report = syncReport(t.db);
    expect(report.catalogVersion).toBe(7);
    expect(report.catalogSkipped.count).toBe(1);
    expect(report.catalogSkipped.newest.map((s) => [s.version, s.kind])).toEqual([[3, 'product.upsert']]);
    expect(report.catalogSkipped.newest[0]?.reason).toContain('tax class "luxury"');
    // Three pages, each journalled.
    const journalled = t.db.prepare("SELECT payload FROM journal WHERE kind = 'catalog.imported' ORDER BY seq").pluck().all() as string[];
    expect(journalled.map((p) => JSON.parse(p) as { fromVersion: number; toVersion: number }).map((p) => [p.fromVersion, p.toVersion])).toEqual([
      [1, 3],
      [4, 6],
      [7, 7],
    ]);
    // Pulling again changes nothing.
    expect(await t.client().syncOnce(10)).toMatchObject({ catalogApplied: 0, catalogVersion: 7 });
  });

  it('a page is applied whole or not at all: a failure half-way leaves the catalog and its version as they were', async () => {
    const t = await terminal();
    await publish(t.storeId, [
      { kind: 'product.upsert', product: product('E1', 100) },
      { kind: 'product.upsert', product: product('E2', 200) },
      { kind: 'product.upsert', product: product('BOOM', 300) },
      { kind: 'product.upsert', product: product('E3', 400) },
    ]);
    // The disk refuses the third product's row (a stand-in for any failure mid-page).
    t.db.exec("CREATE TEMP TRIGGER boom BEFORE INSERT ON products WHEN NEW.sku = 'BOOM' BEGIN SELECT RAISE(ABORT, 'disk refused the write'); END");
    const client = t.client();
    const err = await client.pullCatalog().catch((e: unknown) => e);
    expect(String(err)).toContain('disk refused the write');
    expect(catalogVersion(t.db)).toBe(0);
    expect(catalogRepository(t.db).countProducts()).toBe(0);
    expect(syncReport(t.db).lastFailure?.message).toContain('disk refused the write');

    t.db.exec('DROP TRIGGER boom');
    expect(await client.pullCatalog()).toMatchObject({ applied: 4, catalogVersion: 4, more: false });
    expect(catalogRepository(t.db).countProducts()).toBe(4);
  });

  it('the running machine picks up a change published while the terminal sells', async () => {
    const t = await terminal();
    const service = startSyncService({ db: t.db, client: t.client(), pollMs: 50, watchMs: 10, backoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.5 } });
    services.push(service);
    await until(() => service.status().state === 'idle', 'the first round', 10_000);
    await publish(t.storeId, [{ kind: 'product.upsert', product: product('NEW1', 990) }]);
    t.sell(2);
    await until(() => catalogRepository(t.db).findBySku('NEW1') !== null, 'the new product on the terminal', 10_000);
    await until(() => service.status().backlog === 0 && service.status().state === 'idle', 'the sales to be pushed', 10_000);
    expect((await serverTotals(t.id)).sales).toBe(2);
    expect(service.status().catalogVersion).toBe(1);
  });
});
