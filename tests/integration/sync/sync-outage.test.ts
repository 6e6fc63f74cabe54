// Terminals (SQLite files with their own outbox, sales committed by commitSale) against the real
// store server on PGlite and on a real PostgreSQL: a long outage with three terminals and 1,000
// sales, batches of three terminals arriving in a shuffled order, and a terminal process killed
// with SIGKILL in the middle of a push. Each ends with the server holding every sale exactly
// once and the store settlement equal to the sum of what the terminals hold.
//
// Decisions a reader must know:
// - The server that goes down is a second HTTP server over the describe block's storage, on a
//   port of its own, so it can close and come back on the same port; registration and the
//   settlement go through the block's server (it has the admin token).
// - The kill is a real child process (sync-outage-child.ts, run through run-ts.js) pushing
//   through a proxy in this process (tests/support/http-proxy.ts); the proxy kills the child at an exact point of a push
//   (before the server saw the batch, or after the server applied it and before the answer
//   reached the terminal), so the test does not depend on timing.
// - terminal-sync.test.ts keeps its terminal helpers to itself; the small ones here commit
//   sales the same way (makeSale + commitSale) with a mix of tenders and training sales.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { pendingOutboxAfter } from '../../../src/core/db/outbox.ts';
import { commitSale, readStoredSale } from '../../../src/core/db/sales.ts';
import { outboxItems } from '../../../src/core/sync/outbox-items.ts';
import { SyncClient } from '../../../src/core/sync/sync-client.ts';
import { SyncRequestError } from '../../../src/core/sync/sync-http.ts';
import { syncReport } from '../../../src/core/sync/sync-state.ts';
import { startStoreServer, type StoreServer } from '../../../src/server/store/http-api.ts';
import type { StoreStorage } from '../../../src/server/store/storage.ts';
import { seededRandom } from '../../../src/shared/seeded-random.ts';
import { SYNC_PATHS, terminalHeaders, type PushItem, type PushResponse, type SettlementResponse } from '../../../src/shared/sync-protocol.ts';
import type { TenderMethod } from '../../../src/domain/sale-record.ts';
import { killingProxy, type KillAt, type KillingProxy } from '../../support/http-proxy.ts';
import { makeSale, SNAPSHOT } from '../../support/sale-fixtures.ts';
import { describeStorages, adminHeaders, call, freshId, register, storedFor, useStore } from '../server/store/store-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const RUN_TS = join(ROOT, 'src/cli/run-ts.js');
const CHILD = join(ROOT, 'tests/integration/sync/sync-outage-child.ts');
const TAX_CLASSES = ['standard', 'reduced', 'zero'];
const METHODS: readonly TenderMethod[] = ['cash', 'alipay', 'wechat'];

let dir: string;
const open: Db[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-sync-outage-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

interface Terminal {
  readonly id: string;
  readonly token: string;
  readonly file: string;
  readonly db: Db;
  client(serverUrl: string): SyncClient;
  /** Commits `n` sales through commitSale (each queues its outbox message). */
  sell(n: number): void;
}

async function terminal(server: StoreServer, storeId: string): Promise<Terminal> {
  const id = freshId('T');
  const till = await register(server, storeId, id);
  const file = join(dir, `${id}.db`);
  const db = openDatabase(file);
  open.push(db);
  let n = 0;
  return {
    id,
    token: till.token,
    file,
    db,
    client: (serverUrl) => new SyncClient({ db, serverUrl, terminalId: id, token: till.token, currency: 'CNY', taxClasses: TAX_CLASSES, timeoutMs: 5_000 }),
    sell(count) {
      for (let i = 0; i < count; i++) {
        n += 1;
        const at = new Date(Date.UTC(2026, 0, 1, 8, 0, n)).toISOString();
        const lines = [{ sku: `SKU${n % 97}`, unitPrice: 100 + ((n * 37) % 900), quantityMilli: 1000 + (n % 3) * 500 }];
        if (n % 4 === 0) lines.push({ sku: `SKU${(n % 89) + 100}`, unitPrice: 1999, quantityMilli: 1000 });
        const record = makeSale({ terminalId: id, completedAt: at, training: n % 13 === 0, lines, tenders: [{ method: METHODS[n % 3] ?? 'cash' }] });
        commitSale(db, { record, snapshot: SNAPSHOT, at });
      }
    },
  };
}

interface SaleRow {
  saleId: string;
  receiptNo: number;
  total: number;
  rounding: number;
  taxTotal: number;
  training: number;
}

const localSales = (db: Db): SaleRow[] =>
  db.prepare('SELECT id AS saleId, receipt_no AS receiptNo, total, rounding, tax_total AS taxTotal, training FROM sales ORDER BY receipt_no').all() as SaleRow[];

async function serverSales(storage: StoreStorage, terminalId: string): Promise<SaleRow[]> {
  const rows = await storage.query<Record<keyof SaleRow, unknown>>(
    `SELECT sale_id AS "saleId", receipt_no AS "receiptNo", total, rounding, tax_total AS "taxTotal", CASE WHEN training THEN 1 ELSE 0 END AS training
     FROM sales WHERE terminal_id = $1 ORDER BY receipt_no`,
    [terminalId],
  );
  return rows.map((r) => ({ saleId: String(r.saleId), receiptNo: Number(r.receiptNo), total: Number(r.total), rounding: Number(r.rounding), taxTotal: Number(r.taxTotal), training: Number(r.training) }));
}

/** The tenders of a terminal's sales as committed (read back from the journal records). */
function localTenders(db: Db, rows: readonly SaleRow[]): { saleId: string; method: TenderMethod; amount: number }[] {
  return rows.flatMap((r) => {
    const stored = readStoredSale(db, r.saleId);
    if (stored === null || !stored.ok) throw new Error(`sale ${r.saleId} cannot be read back`);
    return stored.record.tenders.map((t) => ({ saleId: r.saleId, method: t.method, amount: t.amount }));
  });
}

/** What the settlement must say for these sales (training counted apart, as the server does). */
function expectedTotals(rows: readonly SaleRow[], tenders: readonly { saleId: string; method: TenderMethod; amount: number }[]) {
  const real = rows.filter((r) => r.training === 0);
  const realIds = new Set(real.map((r) => r.saleId));
  return {
    saleCount: real.length,
    salesTotal: real.reduce((s, r) => s + r.total + r.rounding, 0),
    taxTotal: real.reduce((s, r) => s + r.taxTotal, 0),
    refundCount: 0,
    net: real.reduce((s, r) => s + r.total + r.rounding, 0),
    trainingSaleCount: rows.length - real.length,
    byMethod: METHODS.map((method) => ({
      method,
      taken: tenders.filter((t) => t.method === method && realIds.has(t.saleId)).reduce((s, t) => s + t.amount, 0),
      refunded: 0,
    })),
  };
}

/** The outbox messages as the server stored them: key and seq, in seq order. */
async function serverItems(storage: StoreStorage, terminalId: string): Promise<{ key: string; seq: number; type: string }[]> {
  const rows = await storage.query<{ key: unknown; seq: unknown; type: unknown }>('SELECT idempotency_key AS key, seq, type FROM sync_items WHERE terminal_id = $1 ORDER BY seq', [terminalId]);
  return rows.map((r) => ({ key: String(r.key), seq: Number(r.seq), type: String(r.type) }));
}
const localItems = (db: Db) => db.prepare('SELECT idempotency_key AS key, seq, type FROM outbox ORDER BY seq').all() as { key: string; seq: number; type: string }[];

const outboxCount = (db: Db): number => db.prepare('SELECT count(*) FROM outbox').pluck().get() as number;
const outboxStatuses = (db: Db) =>
  Object.fromEntries((db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));

describeStorages('terminals syncing to a store server', (kind) => {
  const ctx = useStore(kind);

  /** Every terminal's sales are on the server exactly once, and the settlement adds up to theirs. */
  async function expectExactlyOnce(storeId: string, tills: readonly Terminal[]): Promise<void> {
    const all: SaleRow[] = [];
    const allTenders: ReturnType<typeof localTenders> = [];
    const perTerminal = new Map<string, ReturnType<typeof expectedTotals> & { firstReceiptNo: number | null; lastReceiptNo: number | null }>();
    for (const t of tills) {
      const local = localSales(t.db);
      const tenders = localTenders(t.db, local);
      all.push(...local);
      allTenders.push(...tenders);
      const real = local.filter((r) => r.training === 0).map((r) => r.receiptNo);
      perTerminal.set(t.id, { ...expectedTotals(local, tenders), firstReceiptNo: real[0] ?? null, lastReceiptNo: real[real.length - 1] ?? null });
      expect(await serverSales(ctx.current.storage, t.id), `sales of ${t.id}`).toEqual(local);
      // One sync item per outbox message, under its key and seq: nothing stored twice or lost.
      expect(await serverItems(ctx.current.storage, t.id), `sync items of ${t.id}`).toEqual(localItems(t.db));
      expect(await storedFor(ctx.current.storage, t.id)).toEqual({ items: outboxCount(t.db), sales: local.length, refunds: 0 });
      expect(outboxStatuses(t.db)).toEqual({ sent: outboxCount(t.db) });
    }
    const settled = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders });
    expect(settled.status).toBe(200);
    for (const t of tills) {
      expect(settled.body.terminals.find((r) => r.terminalId === t.id), `settlement of ${t.id}`).toMatchObject(perTerminal.get(t.id) ?? {});
    }
    expect(settled.body.store).toHaveLength(1);
    expect(settled.body.store[0]).toMatchObject({ ...expectedTotals(all, allTenders), terminalCount: tills.length });
  }

  it('an outage: three terminals make 1,000 sales while the server is down; back up, every sale arrives once and the totals agree', { timeout: 60_000 }, async () => {
    const storeId = freshId('S');
    const tills = [await terminal(ctx.current.server, storeId), await terminal(ctx.current.server, storeId), await terminal(ctx.current.server, storeId)];
    let up: StoreServer | null = await startStoreServer({ storage: ctx.current.storage });
    const port = up.port;
    const url = up.url;
    await up.close();
    up = null;
    try {
      const counts = [334, 333, 333];
      // Sales in rounds of ~100; after each round every terminal tries to push and finds no server.
      for (let round = 0; round < 10; round++) {
        for (const [k, t] of tills.entries()) {
          const n = Math.min(34, (counts[k] ?? 0) - round * 34);
          if (n > 0) t.sell(n);
          const err = await t.client(url).pushBatch(50).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(SyncRequestError);
          expect((err as SyncRequestError).kind).toBe('offline');
        }
      }
      expect(tills.map((t) => localSales(t.db).length)).toEqual(counts);
      expect(tills.map((t) => syncReport(t.db).backlog)).toEqual(counts);
      expect((await storedFor(ctx.current.storage, tills[0]?.id ?? '')).items).toBe(0);

      up = await startStoreServer({ storage: ctx.current.storage, port });
      const results = await Promise.all(tills.map((t) => t.client(url).syncOnce(50)));
      for (const [k, r] of results.entries()) expect(r).toMatchObject({ applied: counts[k], duplicates: 0, deadLettered: 0, backlog: 0 });
      expect(tills.map((t) => syncReport(t.db).backlog)).toEqual([0, 0, 0]);
      await expectExactlyOnce(storeId, tills);
    } finally {
      await up?.close();
    }
  });

  it('out-of-order arrival: the three terminals\' batches interleaved in a shuffled order give the same server state', async () => {
    const storeId = freshId('S');
    const tills = [await terminal(ctx.current.server, storeId), await terminal(ctx.current.server, storeId), await terminal(ctx.current.server, storeId)];
    for (const t of tills) t.sell(60);
    // The batches each terminal's outbox makes (the items its client sends), cut at seeded sizes,
    // then all of them shuffled together: terminals interleave, and a terminal's later batch can
    // arrive before its earlier one (a retry overtaken by the next send).
    const random = seededRandom(20_260_101);
    const batches: { till: Terminal; items: PushItem[] }[] = [];
    for (const till of tills) {
      const items = outboxItems(till.db, pendingOutboxAfter(till.db, 0, 1_000)).map((b) => {
        if (!b.ok) throw new Error(`outbox row ${b.row.seq} of ${till.id} cannot be sent: ${b.message}`);
        return b.item;
      });
      for (let i = 0; i < items.length; ) {
        const size = 1 + Math.floor(random() * 15);
        batches.push({ till, items: items.slice(i, i + size) });
        i += size;
      }
    }
    for (let i = batches.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [batches[i], batches[j]] = [batches[j] as (typeof batches)[number], batches[i] as (typeof batches)[number]];
    }
    const order = batches.map((b) => tills.indexOf(b.till)).join('');
    expect(order, 'the shuffle interleaves the terminals').not.toMatch(/^0+1+2+$/);
    expect(batches.some((b, i) => batches.slice(i + 1).some((later) => later.till === b.till && (later.items[0]?.seq ?? 0) < (b.items[0]?.seq ?? 0))), 'some batch overtakes an earlier one').toBe(true);

    for (const b of batches) {
      const r = await call<PushResponse>(ctx.current.server, 'POST', SYNC_PATHS.push, { headers: terminalHeaders(b.till.id, b.till.token), body: { batchId: freshId('B'), items: b.items } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ applied: b.items.length, duplicates: 0, rejected: 0 });
    }
    // The terminals then sync as usual: the server has everything, so all of it comes back as
    // duplicates, the outboxes settle, and the server's state is what the terminals hold.
    for (const t of tills) expect(await t.client(ctx.current.server.url).syncOnce(25)).toMatchObject({ applied: 0, duplicates: 60, deadLettered: 0, backlog: 0 });
    await expectExactlyOnce(storeId, tills);
  });

  it('a terminal process killed with SIGKILL in the middle of a push: restarted, it completes with no duplicates', { timeout: 60_000 }, async () => {
    const storeId = freshId('S');
    const till = await terminal(ctx.current.server, storeId);
    const bystander = await terminal(ctx.current.server, storeId);
    till.sell(120);
    bystander.sell(30);
    const proxy = await killingProxy(ctx.current.server.url);
    try {
      // Run 1: batch 1 goes through; the child dies while batch 2 is in flight, before the server saw it.
      const first = await runChild(till, proxy, { atPush: 2, when: 'before-server' });
      expect(first.batches).toEqual([{ applied: 20, duplicates: 0, backlog: 100 }]);
      expect(first.signal).toBe('SIGKILL');
      expect(await serverSales(ctx.current.storage, till.id)).toHaveLength(20);
      expect(outboxStatuses(till.db)).toEqual({ sent: 20, pending: 100 });

      // Run 2: the batch the server never saw goes through; the child dies after the server
      // applied the next batch and before its answer reached the terminal.
      const second = await runChild(till, proxy, { atPush: 2, when: 'after-server' });
      expect(second.batches).toEqual([{ applied: 20, duplicates: 0, backlog: 80 }]);
      expect(second.signal).toBe('SIGKILL');
      expect(await serverSales(ctx.current.storage, till.id)).toHaveLength(60);
      expect(outboxStatuses(till.db)).toEqual({ sent: 40, pending: 80 });

      // The other terminal of the store syncs meanwhile, untouched by the kills.
      expect(await bystander.client(ctx.current.server.url).syncOnce(50)).toMatchObject({ applied: 30, backlog: 0 });

      // Run 3, undisturbed: the applied-but-unheard batch comes back as duplicates, the rest applies.
      const third = await runChild(till, proxy, null);
      expect(third.signal).toBeNull();
      expect(third.code).toBe(0);
      expect(third.batches[0]).toEqual({ applied: 0, duplicates: 20, backlog: 60 });
      expect(third.done).toMatchObject({ applied: 60, duplicates: 20, deadLettered: 0, backlog: 0 });
      expect(proxy.pushes()).toBe(2 + 2 + 4);
      await expectExactlyOnce(storeId, [till, bystander]);
    } finally {
      await proxy.close();
    }
  });
});

interface ChildRun {
  readonly batches: unknown[];
  readonly done: unknown;
  readonly failed: string | null;
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

/** Runs sync-outage-child.ts for this terminal through the proxy (batches of 20), to its end or its kill. */
function runChild(till: Terminal, proxy: KillingProxy, at: KillAt | null): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [RUN_TS, CHILD, till.file, proxy.url, till.id, till.token, '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.arm(child, at);
    const batches: unknown[] = [];
    let done: unknown = null;
    let failed: string | null = null;
    let buffer = '';
    let stderr = '';
    // A child that hangs fails the test instead of stalling it.
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('BATCH ')) batches.push(JSON.parse(line.slice(6)));
        else if (line.startsWith('DONE ')) done = JSON.parse(line.slice(5));
        else if (line.startsWith('FAILED ')) failed = line.slice(7);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (hung) reject(new Error(`the sync child hung for 20 s and was killed:\n${stderr}`));
      else if (failed !== null || (signal === null && code !== 0)) reject(new Error(`the sync child failed (code ${code}): ${failed ?? ''}\n${stderr}`));
      else resolvePromise({ batches, done, failed, signal, code, stderr });
    });
  });
}
