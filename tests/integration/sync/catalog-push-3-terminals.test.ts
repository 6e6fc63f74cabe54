// A catalog change published while three terminals sell (issue 6): the real sync (SyncService
// with SyncClient) of three terminal databases against the real store server, on PGlite and on
// PostgreSQL. Prices of six products change in one publish; each terminal must apply it whole
// (no sale sees half of it), sales before the apply carry the old prices and sales after it the
// new ones, and every sale reaches the server exactly once.
//
// Decisions a reader must know:
// - A sale here reads the prices of its whole basket from the terminal's catalog in one read
//   transaction (as a checkout that prices a basket at once), then commits. The catalog apply is
//   one SQLite transaction too, so a sale priced from half a change would show up as a basket
//   that mixes old and new prices.
// - Two of the terminals pull with pages smaller than the publish: the server never ends a page
//   inside a publish, so they too apply it in one transaction.
// - "Before/after the apply" is decided by the journal, not the clock: the apply's
//   'catalog.imported' row and each sale's journal row are in one gapless sequence.
// - Selling is paced by timers (a sale every 10–15 ms per terminal, far busier than a real
//   till) so the sync's HTTP requests interleave with it; every loop and wait is bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { catalogRepository } from '../../../src/core/db/catalog.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { commitSale, readStoredSale } from '../../../src/core/db/sales.ts';
import { SyncClient } from '../../../src/core/sync/sync-client.ts';
import { startSyncService, type SyncService } from '../../../src/core/sync/sync-service.ts';
import type { StoreStorage } from '../../../src/server/store/storage.ts';
import { SYNC_PATHS, type CatalogChange, type SettlementResponse } from '../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT } from '../../support/sale-fixtures.ts';
import { until } from '../../support/until.ts';
import { adminHeaders, call, describeStorages, freshId, register, useStore } from '../server/store/store-fixtures.ts';

const SKUS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'];
const OLD = new Map(SKUS.map((sku, i) => [sku, 100 * (i + 1)]));
const NEW = new Map(SKUS.map((sku, i) => [sku, 100 * (i + 1) + 37]));
const MAX_SALES = 1_000;

let dir: string;
const dbs: Db[] = [];
const services: SyncService[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-catalog-3-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
  for (const d of dbs.splice(0)) d.close();
});

interface Seller {
  readonly id: string;
  readonly db: Db;
  readonly service: SyncService;
  sold: number;
  /** Ends the selling loop; resolves when the last sale is committed. */
  stop(): Promise<void>;
}

async function serverSales(storage: StoreStorage, terminalId: string): Promise<{ id: string; total: number }[]> {
  const rows = await storage.query<{ id: unknown; total: unknown }>('SELECT sale_id AS id, total FROM sales WHERE terminal_id = $1 ORDER BY receipt_no', [terminalId]);
  return rows.map((r) => ({ id: String(r.id), total: Number(r.total) }));
}

describeStorages('a catalog change published while three terminals sell', (kind) => {
  const ctx = useStore(kind);

  const publish = async (storeId: string, changes: CatalogChange[]) => {
    const r = await call<{ toVersion: number }>(ctx.current.server, 'POST', SYNC_PATHS.adminCatalog(storeId), { headers: adminHeaders, body: { changes } });
    expect(r.status).toBe(200);
    return r.body.toVersion;
  };

  function startSelling(id: string, token: string, catalogPageSize: number): Seller {
    const db = openDatabase(join(dir, `${id}-${kind}.db`));
    dbs.push(db);
    const client = new SyncClient({ db, serverUrl: ctx.current.server.url, terminalId: id, token, currency: 'CNY', taxClasses: ['standard'], timeoutMs: 5_000, catalogPageSize });
    const service = startSyncService({ db, client, pollMs: 20, watchMs: null, batchSize: 7, backoff: { initialMs: 10, maxMs: 100, factor: 2, jitter: 0.5 } });
    services.push(service);
    const repo = catalogRepository(db);
    // Prices of the whole basket in one read: one catalog version per sale.
    const priceBasket = db.transaction(() =>
      SKUS.map((sku) => {
        const p = repo.findBySku(sku);
        if (p === null) throw new Error(`${id}: ${sku} is not in the catalog`);
        return { sku, unitPrice: p.price.amount, quantityMilli: 1000 };
      }),
    );
    let selling = false;
    let stopped = false;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const seller: Seller = {
      id,
      db,
      service,
      sold: 0,
      stop: () => {
        stopped = true;
        return finished;
      },
    };
    const tick = () => {
      if (stopped || seller.sold >= MAX_SALES) return done();
      if (selling) {
        const at = new Date().toISOString();
        commitSale(db, { record: makeSale({ terminalId: id, completedAt: at, lines: priceBasket() }), snapshot: SNAPSHOT, at });
        seller.sold += 1;
        service.outboxChanged();
      } else if (repo.findBySku('P6') !== null) {
        selling = true;
      }
      setTimeout(tick, 10 + (seller.sold % 5));
    };
    setTimeout(tick, 0);
    return seller;
  }

  it('each terminal applies it whole; old prices before, new after; every sale arrives exactly once', { timeout: 90_000 }, async () => {
    const storeId = freshId('S');
    const tills = [await register(ctx.current.server, storeId, freshId('T')), await register(ctx.current.server, storeId, freshId('T')), await register(ctx.current.server, storeId, freshId('T'))];
    const base = await publish(
      storeId,
      SKUS.map((sku) => ({
        kind: 'product.upsert' as const,
        product: { sku, nameZh: `商品${sku}`, nameEn: `Item ${sku}`, price: OLD.get(sku) ?? 0, currency: 'CNY', taxClass: 'standard', unit: 'each' as const, department: 'grocery', active: true, barcodes: [] },
      })),
    );
    // Page sizes 500 (the default), 4 and 1: smaller than the publish, which must still arrive whole.
    const sellers = tills.map((t, k) => startSelling(t.terminalId, t.token, [500, 4, 1][k] ?? 500));
    let latest = 0;
    try {
      await until(() => sellers.every((s) => s.sold >= 15), 'every terminal to sell at the old prices', 30_000);
      latest = await publish(storeId, SKUS.map((sku) => ({ kind: 'price.set' as const, sku, price: NEW.get(sku) ?? 0, currency: 'CNY' })));
      expect(latest).toBe(base + SKUS.length);
      await until(() => sellers.every((s) => s.service.status().catalogVersion === latest), 'every terminal to apply the price change', 30_000);
      const soldAtApply = sellers.map((s) => s.sold);
      await until(() => sellers.every((s, k) => s.sold >= (soldAtApply[k] ?? 0) + 15), 'every terminal to sell at the new prices', 30_000);
    } finally {
      await Promise.all(sellers.map((s) => s.stop()));
    }
    await until(() => sellers.every((s) => s.service.status().state === 'idle' && s.service.status().backlog === 0), 'every backlog to drain', 30_000);

    for (const s of sellers) {
      const applied = s.db.prepare("SELECT seq, payload FROM journal WHERE kind = 'catalog.imported' ORDER BY seq").all() as { seq: number; payload: string }[];
      // The price change came in one page, applied in one transaction: one journal row for all six.
      const change = applied.map((r) => ({ seq: r.seq, ...(JSON.parse(r.payload) as { fromVersion: number; toVersion: number; prices: number }) })).find((r) => r.toVersion === latest);
      expect(change, `${s.id}: the price change in the journal`).toMatchObject({ fromVersion: base + 1, toVersion: latest, prices: SKUS.length });
      const sales = s.db.prepare('SELECT id, journal_seq AS seq, total FROM sales ORDER BY receipt_no').all() as { id: string; seq: number; total: number }[];
      let before = 0;
      let after = 0;
      for (const sale of sales) {
        const stored = readStoredSale(s.db, sale.id);
        if (stored === null || !stored.ok) throw new Error(`${s.id}: sale ${sale.id} cannot be read back`);
        const prices = stored.record.lines.map((l) => [l.sku, l.unitPrice] as const);
        const isOld = prices.every(([sku, p]) => OLD.get(sku) === p);
        const isNew = prices.every(([sku, p]) => NEW.get(sku) === p);
        expect(isOld || isNew, `${s.id}: sale ${sale.id} mixes old and new prices: ${JSON.stringify(prices)}`).toBe(true);
        expect(isOld, `${s.id}: sale ${sale.id} (journal ${sale.seq}) against the apply at journal ${change?.seq}`).toBe(sale.seq < (change?.seq ?? 0));
        if (isOld) before += 1;
        else after += 1;
      }
      expect(before).toBeGreaterThanOrEqual(15);
      expect(after).toBeGreaterThanOrEqual(15);
      // Exactly once on the server: the same sales, each once, with the same totals.
      const onServer = await serverSales(ctx.current.storage, s.id);
      expect(onServer).toEqual(sales.map((x) => ({ id: x.id, total: x.total })));
    }

    // The store settlement adds the three up, and no terminal is flagged.
    const settled = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders });
    expect(settled.body.store[0]?.saleCount).toBe(sellers.reduce((n, s) => n + s.sold, 0));
    expect(settled.body.terminals.map((t) => t.flags)).toEqual([[], [], []]);
  });
});
