// sync_drain_pglite_per_s, sync_drain_pg_per_s, sync_push_p95_ms (issue 6): how fast one
// terminal's outbox backlog drains into the store server, and how long one sale's push takes
// while online. The pieces are the real ones: a terminal SQLite file whose sales were committed
// by commitSale (each writes its journal row, sales row and outbox message), the terminal's
// SyncClient, and startStoreServer over openStoreStorage (PGlite in a temp dir, or a throw-away
// PostgreSQL from tests/support/postgres.ts), talking HTTP on 127.0.0.1.
//
// Decisions a reader must know:
// - The backlog is built before the clock starts, with commitSale itself, all of it inside one
//   outer transaction (commitSale's own transaction becomes a savepoint), so the rows are
//   exactly what the checkout writes without paying 100,000 fsyncs first. Its time goes to
//   stderr.
// - The timed part of a drain is the first push to the backlog at 0: pushBatch(1000) in a loop
//   (1000 is MAX_BATCH_ITEMS, the protocol's largest batch), each round the terminal reading
//   its outbox and building the items, the server authenticating, storing the batch in one
//   transaction and answering item by item, and the terminal settling the answers in its own
//   transaction. The catalog pull that `syncOnce` also does is not part of it.
// - Afterwards the server must hold every sale exactly once (counted in its `sales` and
//   `sync_items` tables) and the terminal's backlog must be 0, or the bench fails.
// - The push latency is pushBatch of a single freshly committed sale on PGlite (the default
//   storage); the commit itself is outside the timed part (its cost is sale_commit_ratio's).
// - The test PostgreSQL runs with fsync=off (tests/support/postgres.ts): the pg figure is the
//   server's work, not a disk's fsync cost; PGlite writes to its data dir as it does in use.
//
//   npx tsx tests/bench/sync-drain.ts          prints the three results as JSON
//   KASSA_BENCH_SYNC_SALES=10000               a smaller backlog for a quick look
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { SyncClient } from '../../src/core/sync/sync-client.ts';
import { syncReport } from '../../src/core/sync/sync-state.ts';
import type { TenderMethod } from '../../src/domain/sale-record.ts';
import { startStoreServer } from '../../src/server/store/http-api.ts';
import { openStoreStorage, type StoreStorage } from '../../src/server/store/storage.ts';
import { registerTerminal } from '../../src/server/store/terminals.ts';
import { MAX_BATCH_ITEMS } from '../../src/shared/sync-protocol.ts';
import { POSTGRES_MISSING, startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { makeSale, SNAPSHOT } from '../support/sale-fixtures.ts';
import { percentile } from './percentile.ts';

const SALES = Number(process.env.KASSA_BENCH_SYNC_SALES ?? 100_000);
const PUSHES = 300;
const PUSH_WARMUP = 30;
const TAX_CLASSES = ['standard', 'reduced', 'zero'];
const METHODS: readonly TenderMethod[] = ['cash', 'alipay', 'wechat'];

/** Why sync_drain_pg_per_s cannot run here (no PostgreSQL binaries), or null. */
export const SYNC_PG_MISSING: string | null = POSTGRES_MISSING;

export interface SyncBenchResult {
  readonly value: number;
  readonly note: string;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Commits `count` varied sales (1–2 lines, cash/alipay/wechat) through commitSale, numbered from `from`. */
function sell(db: Db, terminalId: string, from: number, count: number): void {
  for (let n = from; n < from + count; n++) {
    const at = new Date(Date.UTC(2026, 0, 1, 8, 0, 0, n)).toISOString();
    const lines = [{ sku: `SKU${n % 97}`, unitPrice: 100 + ((n * 37) % 900), quantityMilli: 1000 + (n % 3) * 500 }];
    if (n % 4 === 0) lines.push({ sku: `SKU${(n % 89) + 100}`, unitPrice: 1999, quantityMilli: 1000 });
    const record = makeSale({ terminalId, completedAt: at, lines, tenders: [{ method: METHODS[n % 3] ?? 'cash' }] });
    commitSale(db, { record, snapshot: SNAPSHOT, at });
  }
}

async function openStorage(kind: 'pglite' | 'pg', dir: string): Promise<{ storage: StoreStorage; pg: TestPostgres | null }> {
  if (kind === 'pglite') return { storage: await openStoreStorage({ dataDir: join(dir, 'store') }), pg: null };
  if (SYNC_PG_MISSING !== null) throw new Error(SYNC_PG_MISSING);
  const pg = await startTestPostgres();
  try {
    return { storage: await openStoreStorage({ databaseUrl: await pg.createDatabase('kassa_bench') }), pg };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}

async function serverCount(storage: StoreStorage, table: 'sales' | 'sync_items', terminalId: string): Promise<number> {
  const [row] = await storage.query<{ n: unknown }>(`SELECT count(*)::int AS n FROM ${table} WHERE terminal_id = $1`, [terminalId]);
  return Number(row?.n);
}

/** Drains a backlog of KASSA_BENCH_SYNC_SALES (default 100,000) sales into a store server on `kind`. */
export async function measureSyncDrain(kind: 'pglite' | 'pg'): Promise<SyncBenchResult> {
  if (!Number.isInteger(SALES) || SALES < 1) throw new Error(`KASSA_BENCH_SYNC_SALES must be a positive whole number, got "${process.env.KASSA_BENCH_SYNC_SALES}"`);
  const dir = mkdtempSync(join(tmpdir(), `kassa-bench-sync-${kind}-`));
  const db = openDatabase(join(dir, 'terminal.db'));
  let opened: { storage: StoreStorage; pg: TestPostgres | null } | null = null;
  try {
    const terminalId = 'T01';
    let t = process.hrtime.bigint();
    db.transaction(() => sell(db, terminalId, 0, SALES))();
    const buildMs = ms(t);
    const backlog = syncReport(db).backlog;
    if (backlog !== SALES) throw new Error(`the terminal's backlog is ${backlog} after committing ${SALES} sales`);
    log(`sync drain (${kind}): committed ${SALES.toLocaleString('en-US')} sales with commitSale in one transaction in ${(buildMs / 1000).toFixed(1)} s`);

    opened = await openStorage(kind, dir);
    const { storage } = opened;
    const till = await registerTerminal(storage, { storeId: 'S01', terminalId }, new Date());
    const server = await startStoreServer({ storage });
    try {
      const client = new SyncClient({ db, serverUrl: server.url, terminalId, token: till.token, currency: 'CNY', taxClasses: TAX_CLASSES, timeoutMs: 60_000 });
      let applied = 0;
      let batches = 0;
      const batchMs: number[] = [];
      t = process.hrtime.bigint();
      for (let left = SALES; left > 0; ) {
        const b = process.hrtime.bigint();
        const r = await client.pushBatch(MAX_BATCH_ITEMS);
        batchMs.push(ms(b));
        batches += 1;
        if (r.applied === 0 || r.duplicates + r.deadLettered > 0) throw new Error(`batch ${batches} did not simply apply: ${JSON.stringify(r)}`);
        applied += r.applied;
        left = r.backlog;
      }
      const drainMs = ms(t);
      const [sales, items] = [await serverCount(storage, 'sales', terminalId), await serverCount(storage, 'sync_items', terminalId)];
      if (applied !== SALES || sales !== SALES || items !== SALES || syncReport(db).backlog !== 0) {
        throw new Error(`after the drain: ${applied} applied, server holds ${sales} sales and ${items} items, terminal backlog ${syncReport(db).backlog}; expected ${SALES}`);
      }
      const perS = SALES / (drainMs / 1000);
      const where = kind === 'pglite' ? 'PGlite in a data dir' : 'PostgreSQL (throw-away server, fsync=off)';
      return {
        value: perS,
        note:
          `${SALES.toLocaleString('en-US')} sales (1–2 lines, 1 tender each) in ${(drainMs / 1000).toFixed(2)} s, ${batches} batches of ${MAX_BATCH_ITEMS} (the protocol's maximum), ` +
          `one after another over HTTP on 127.0.0.1 into ${where}; per batch median ${percentile(batchMs, 50).toFixed(0)} ms, max ${Math.max(...batchMs).toFixed(0)} ms ` +
          `(terminal reads its outbox and journal, server stores the batch in one transaction, terminal settles the answers); server holds each sale once`,
      };
    } finally {
      await server.close();
    }
  } finally {
    db.close();
    try {
      await opened?.storage.close();
    } finally {
      await opened?.pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** One sale committed and pushed while online, PUSHES times after PUSH_WARMUP unmeasured: p95 of the push. */
export async function measureSyncPush(): Promise<SyncBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-sync-push-'));
  const db = openDatabase(join(dir, 'terminal.db'));
  const storage = await openStoreStorage({ dataDir: join(dir, 'store') });
  try {
    const terminalId = 'T01';
    const till = await registerTerminal(storage, { storeId: 'S01', terminalId }, new Date());
    const server = await startStoreServer({ storage });
    try {
      const client = new SyncClient({ db, serverUrl: server.url, terminalId, token: till.token, currency: 'CNY', taxClasses: TAX_CLASSES, timeoutMs: 10_000 });
      const samples: number[] = [];
      for (let i = 0; i < PUSH_WARMUP + PUSHES; i++) {
        if (syncReport(db).backlog !== 0) throw new Error(`push ${i}: the backlog is not empty before the sale`);
        sell(db, terminalId, i, 1);
        const t = process.hrtime.bigint();
        const r = await client.pushBatch(MAX_BATCH_ITEMS);
        const took = ms(t);
        if (r.applied !== 1 || r.backlog !== 0) throw new Error(`push ${i} did not apply its one sale: ${JSON.stringify(r)}`);
        if (i >= PUSH_WARMUP) samples.push(took);
      }
      const total = PUSH_WARMUP + PUSHES;
      const held = await serverCount(storage, 'sales', terminalId);
      if (held !== total) throw new Error(`the server holds ${held} sales after ${total} pushes`);
      return {
        value: percentile(samples, 95),
        note:
          `p95 of ${PUSHES} pushes one after another (p50 ${percentile(samples, 50).toFixed(2)} ms, max ${Math.max(...samples).toFixed(1)} ms, after ${PUSH_WARMUP} unmeasured): ` +
          `a sale committed with an empty backlog, then pushBatch → HTTP on 127.0.0.1 → store server on PGlite (auth, one transaction) → answer settled in the terminal's SQLite`,
      };
    } finally {
      await server.close();
    }
  } finally {
    db.close();
    try {
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out: Record<string, SyncBenchResult | string> = {};
  out.sync_drain_pglite_per_s = await measureSyncDrain('pglite');
  if (SYNC_PG_MISSING === null) out.sync_drain_pg_per_s = await measureSyncDrain('pg');
  else {
    log(`sync_drain_pg_per_s skipped: ${SYNC_PG_MISSING}`);
    out.sync_drain_pg_per_s = `skipped: ${SYNC_PG_MISSING}`;
  }
  out.sync_push_p95_ms = await measureSyncPush();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
