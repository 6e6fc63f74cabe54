// `npm run bench`: the speed targets of the checkout core, measured on a 1,000,000-product
// catalog. Prints one JSON line per figure ({"bench","value","unit"}) and records them in
// tests/bench/README.md with the command that produced them.
//
//   KASSA_BENCH_PRODUCTS=1000000  catalog size (smaller for a quick look; README is only
//                                 rewritten for the full size)
//   KASSA_BENCH_DIR=/path         where the data lives (default: a temp folder, removed after)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { importCatalog } from '../../src/core/catalog-import.ts';
import { CatalogRepository } from '../../src/core/db/catalog.ts';
import { applyPragmas, openDatabase } from '../../src/core/db/open.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import type { UncommittedSale } from '../../src/core/db/sales.ts';
import { demoBarcodeFor, writeDemoCatalog } from '../../src/core/demo-data.ts';
import { DEFAULT_TAX_CLASSES } from '../../src/domain/tax-class.ts';
import { normalizeBarcode } from '../../src/domain/barcodes/normalize.ts';
import { addItem, emptyCart } from '../../src/domain/cart.ts';
import { applyTender, buildSaleRecord, NO_CASH_ROUNDING } from '../../src/domain/tender.ts';
import { computeTotals } from '../../src/domain/cart.ts';
import { money } from '../../src/domain/money.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { buildReceiptModel } from '../../src/domain/receipt.ts';
import { getPrinterProfile } from '../../drivers/printer/printer-profiles.ts';
import { encodeReceipt } from '../../drivers/printer/receipt-encoder.ts';
import { measureBarcodePay } from './barcode-pay.ts';
import type { PrintLinkResult } from './print-link.ts';
import { measureSandboxTps } from './sandbox-tps.ts';
import { measureScanToEvent } from './scan-to-event.ts';
import { measureScanToScreen } from './scan-to-screen.ts';
import { measureSyncDrain, measureSyncPush, SYNC_PG_MISSING } from './sync-drain.ts';
import { measureUiReady } from './ui-ready.ts';
import { measureYearSummary5m, measureZReport20k } from './z-report.ts';
import { measurePromoRecalc } from './promo-recalc.ts';
import { percentile } from './percentile.ts';

const PRODUCTS = Number(process.env.KASSA_BENCH_PRODUCTS ?? 1_000_000);
const FULL = PRODUCTS === 1_000_000;
const ROOT = resolve(import.meta.dirname, '../..');
const results: { bench: string; value: number; unit: string; target: string; note: string }[] = [];

function emit(bench: string, value: number, unit: string, target: string, note = ''): void {
  const rounded = Number(value.toPrecision(4));
  results.push({ bench, value: rounded, unit, target, note });
  process.stdout.write(`${JSON.stringify({ bench, value: rounded, unit })}\n`);
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}


const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const ownDir = process.env.KASSA_BENCH_DIR === undefined;
const dir = process.env.KASSA_BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'kassa-bench-'));
const csv = join(dir, 'catalog.csv');
const dbFile = join(dir, 'kassa.db');
log(`${PRODUCTS.toLocaleString('en-US')} products in ${dir}`);

try {
  // --- import_1m_s ---------------------------------------------------------------------------
  rmSync(dbFile, { force: true });
  rmSync(`${dbFile}-wal`, { force: true });
  rmSync(`${dbFile}-shm`, { force: true });
  let t = process.hrtime.bigint();
  await writeDemoCatalog(csv, { products: PRODUCTS, seed: 1, currency: 'CNY' });
  log(`wrote the CSV (${(statSync(csv).size / 1e6).toFixed(0)} MB) in ${(ms(t) / 1000).toFixed(1)} s`);
  {
    const db = openDatabase(dbFile);
    let lastShown = 0;
    t = process.hrtime.bigint();
    const result = await importCatalog(db, csv, {
      currency: 'CNY',
      taxClasses: DEFAULT_TAX_CLASSES,
      onProgress: (p) => {
        const pct = Math.floor((p.bytesRead / p.totalBytes) * 10);
        if (pct > lastShown) {
          lastShown = pct;
          log(`importing ${pct * 10}%`);
        }
      },
    });
    const seconds = ms(t) / 1000;
    db.close();
    if (!result.committed || result.imported !== PRODUCTS) throw new Error(`import failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
    emit(FULL ? 'import_1m_s' : 'import_s', seconds, 's', '≤ 30', `${PRODUCTS.toLocaleString('en-US')} rows, one transaction, FTS included`);
  }

  // --- startup_1m_ms (fresh process, the core from start to ready) ----------------------------
  {
    const runs: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < 5; i++) {
      const child = spawnSync(process.execPath, [join(ROOT, 'src/cli/run-ts.js'), join(ROOT, 'tests/bench/startup-child.ts'), dir, String(PRODUCTS)], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`startup child failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { readyMs: number; rssMb: number };
      runs.push(r.readyMs);
      rss.push(r.rssMb);
    }
    emit(FULL ? 'startup_1m_ms' : 'startup_ms', percentile(runs, 50), 'ms', '≤ 1000', `median of 5 fresh processes: open data dir, config, log, migrate check, restore checkout, first lookup`);
    emit(FULL ? 'startup_1m_rss_mb' : 'startup_rss_mb', Math.max(...rss), 'MB', 'flat', 'resident memory at ready: the catalog is not loaded into memory');
  }

  // --- barcode_lookup_p99_ms -------------------------------------------------------------------
  const db = openDatabase(dbFile);
  const catalog = new CatalogRepository(db);
  const random = seededRandom(99);
  {
    const keys: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const n = normalizeBarcode(demoBarcodeFor(Math.floor(random() * PRODUCTS)));
      if (n.ok) keys.push(n.key);
    }
    for (const k of keys.slice(0, 5000)) catalog.findByBarcode(k); // warm the statement cache
    const samples: number[] = [];
    let found = 0;
    for (const k of keys) {
      const s = process.hrtime.bigint();
      if (catalog.findByBarcode(k)) found++;
      samples.push(ms(s));
    }
    if (found !== keys.length) throw new Error(`only ${found} of ${keys.length} barcodes found`);
    emit(FULL ? 'barcode_lookup_p99_ms' : 'barcode_lookup_p99_ms_small', percentile(samples, 99), 'ms', '≤ 0.2', `${keys.length.toLocaleString('en-US')} random lookups of existing EAN-13s`);
  }

  // --- search_p95_ms ---------------------------------------------------------------------------
  {
    const queries = [
      'a', 'ap', 'app', 'appl', 'ban', 'or', 'fre', 'org', 'milk', 'ric', 'sp', 'gre', 'organic app', 'fresh ban',
      '苹', '苹果', '香蕉', '有机', '鸡', '牛奶', '西红柿', '鲜', '大米', '橙', '有机苹果', '新疆',
      'P00012', 'P0005', 'P12', 'P0999999',
    ];
    for (const q of queries) catalog.searchProducts(q, { limit: 20 });
    const samples: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const q = queries[Math.floor(random() * queries.length)] ?? 'a';
      const s = process.hrtime.bigint();
      catalog.searchProducts(q, { limit: 20 });
      samples.push(ms(s));
    }
    emit(FULL ? 'search_p95_ms' : 'search_p95_ms_small', percentile(samples, 95), 'ms', '≤ 20', `3,000 searches over ${queries.length} queries: 1–4 letter prefixes, 1–4 CJK characters, SKU prefixes, two-word`);
  }
  db.close();

  // --- ui_ready_1m_ms (kassa serve on this data dir, configured, to a usable cashier screen) ----
  {
    log('kassa serve on the catalog to an interactive cashier screen in Chromium');
    const ui = await measureUiReady(dir);
    emit(FULL ? 'ui_ready_1m_ms' : 'ui_ready_ms', ui.medianMs, 'ms', '≤ 1500', ui.note);
  }

  // --- receipt_encode_ms -------------------------------------------------------------------------
  {
    const tax = DEFAULT_TAX_CLASSES[1] ?? DEFAULT_TAX_CLASSES[0];
    if (!tax) throw new Error('no tax class');
    let cart = emptyCart('CNY');
    for (let i = 0; i < 30; i++) {
      cart = addItem(cart, {
        product: { sku: `R${i}`, nameZh: `有机苹果 ${i} 号 500g`, nameEn: `Organic Apple ${i} 500g`, price: money(299 + i * 41, 'CNY'), unit: 'each', taxClass: tax.id },
        taxClass: tax,
        source: 'bench',
        lang: 'zh-CN',
      });
    }
    const total = computeTotals(cart).total;
    const tenders = applyTender({ currency: 'CNY', total, rounding: NO_CASH_ROUNDING, tenders: [] }, { method: 'cash', amount: total + 1000 }).tenders;
    const record = buildSaleRecord({ cart, tenders, rounding: NO_CASH_ROUNDING, id: 'RECEIPT-T01', terminalId: 'T01', receiptNo: 42, cashier: 'bench', startedAt: new Date().toISOString(), completedAt: new Date().toISOString(), training: false });
    const model = buildReceiptModel(record, { lang: 'zh-CN', header: ['Kassa Store'] });
    const profile = getPrinterProfile('generic-80-gbk');
    const job = { qr: 'https://kassa.example/r/RECEIPT-T01', barcode: 'T01-42', cut: true };
    for (let i = 0; i < 200; i++) encodeReceipt(model, profile, job);
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = process.hrtime.bigint();
      encodeReceipt(model, profile, job);
      samples.push(ms(s));
    }
    emit('receipt_encode_ms', percentile(samples, 99), 'ms', '≤ 2', 'p99 of 2,000 encodings of a 30-line Chinese receipt (GBK, barcode, QR, cut) for an 80 mm printer');
  }

  // --- scan_to_event_p99_ms, print_link_ratio ----------------------------------------------------
  // Over socat pseudo-terminals, as a serial scanner and printer are attached (tests/bench/*.ts).
  {
    log('scan to event over a socat pty');
    const scan = await measureScanToEvent();
    emit('scan_to_event_p99_ms', scan.p99, 'ms', '≤ 5', `p99 of ${scan.scans} scans (p50 ${scan.p50.toFixed(3)} ms, max ${scan.max.toFixed(2)} ms): last byte written to the scanner's pty → SCAN event in the device manager (SerialTransport → SerialScanner → DeviceManager)`);
    log('print throughput over a socat pty');
    // In a fresh process: the figure is the driver side's own CPU against the raw side's, so it
    // must not pay for the heap the import and lookup benches left behind in this one.
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/bench/print-link.ts')], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (child.status !== 0) throw new Error(`print-link bench failed: ${child.stderr}`);
    const link = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as PrintLinkResult;
    emit('print_link_ratio', link.ratio, 'ratio', '≥ 0.8', link.note);
  }

  // --- scan_to_screen_p95_ms (a training `kassa serve`, the scan shown in Chromium) -------------
  {
    log('scan to screen: virtual serial scanner → cashier screen in Chromium');
    const screen = await measureScanToScreen();
    emit('scan_to_screen_p95_ms', screen.p95, 'ms', '≤ 50', screen.note);
  }

  // --- barcode_pay_ms, sandbox_tps ---------------------------------------------------------------
  // Against `kassa sandbox` in its own process, as training mode runs it (tests/bench/*.ts).
  {
    log('barcode payments through the payment machine, alipay-sdk and the sandbox');
    const pay = await measureBarcodePay();
    emit('barcode_pay_ms', pay.medianMs, 'ms', '≤ 20', pay.note);
    log('sandbox gateway throughput');
    const tps = await measureSandboxTps();
    emit('sandbox_tps', tps.tps, 'tps', '≥ 500', tps.note);
  }

  // --- sync_drain_pglite_per_s, sync_drain_pg_per_s, sync_push_p95_ms -----------------------------
  // One terminal's outbox into the store server over HTTP (tests/bench/sync-drain.ts).
  {
    log('sync: draining a sale backlog into the store server on PGlite');
    const lite = await measureSyncDrain('pglite');
    emit('sync_drain_pglite_per_s', lite.value, 'sales/s', '≥ 5000', lite.note);
    if (SYNC_PG_MISSING === null) {
      log('sync: draining a sale backlog into the store server on PostgreSQL');
      const pg = await measureSyncDrain('pg');
      emit('sync_drain_pg_per_s', pg.value, 'sales/s', '≥ 5000', pg.note);
    } else {
      log(`sync_drain_pg_per_s skipped: ${SYNC_PG_MISSING}`);
    }
    log('sync: one sale pushed while online');
    const push = await measureSyncPush();
    emit('sync_push_p95_ms', push.value, 'ms', '≤ 50', push.note);
  }

  // --- z_report_20k_ms, year_summary_5m_ms ---------------------------------------------------
  // The Z report of a 20,000-sale day, and the year summary over 5,000,000 sales
  // (tests/bench/z-report.ts; the year's database is cached in the temp folder: ~6 min to build).
  {
    log('reports: the Z report of a day of 20,000 sales');
    const z = await measureZReport20k();
    emit('z_report_20k_ms', z.value, 'ms', '≤ 200', z.note);
    log('reports: the year summary over 5,000,000 sales (the first run builds the year, ~6 min)');
    const y = await measureYearSummary5m();
    emit('year_summary_5m_ms', y.value, 'ms', '≤ 2000', y.note);
  }

  // --- promo_recalc_ms ---------------------------------------------------------------------------
  // Issue 8's promotion engine: a cart of 100 lines recalculated against 500 active promotions.
  {
    log('promotion engine: 500 active promotions, 100 lines');
    const promo = measurePromoRecalc();
    emit('promo_recalc_ms', promo.p95Ms, 'ms', '≤ 5', promo.note);
  }

  // --- sale_commit_ratio -------------------------------------------------------------------------
  // Raw and sale commits run in alternating rounds so both see the same machine (a shared VM's
  // fsync cost drifts over seconds); the figure is the median of the per-round ratios.
  {
    const ROUNDS = 9;
    const PER_ROUND = 300;
    const raw = new Database(join(dir, 'raw.db'));
    applyPragmas(raw);
    raw.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = raw.prepare('INSERT INTO t (payload) VALUES (?)');
    const one = raw.transaction((p: string) => insert.run(p));
    const payload = 'x'.repeat(300);

    const salesDb = openDatabase(join(dir, 'sales.db'));
    const tax = DEFAULT_TAX_CLASSES[0];
    if (!tax) throw new Error('no tax class');
    let cart = emptyCart('CNY');
    for (let i = 0; i < 10; i++) {
      cart = addItem(cart, {
        product: { sku: `SKU${i}`, nameZh: `商品${i}`, nameEn: `Item ${i}`, price: money(199 + i * 37, 'CNY'), unit: 'each', taxClass: tax.id },
        taxClass: tax,
        source: 'bench',
        lang: 'zh-CN',
      });
    }
    const totals = computeTotals(cart);
    const paid = applyTender({ currency: 'CNY', total: totals.total, rounding: NO_CASH_ROUNDING, tenders: [] }, { method: 'cash', amount: totals.total + 500 });
    const snapshot = { value: 'completing', context: { cart, tenders: paid.tenders } };
    // The timed loop runs commitSale alone: the checkout builds a sale's record before it
    // commits it, so each round's records are built before the round starts (as the raw side's
    // payload is made once, outside its loop). The commit time (journal, outbox and snapshot
    // timestamps) is still taken at the commit.
    let saleNo = 0;
    const commitOne = (record: UncommittedSale) =>
      commitSale(salesDb, { record, snapshot: { machineId: 'checkout', version: 1, value: snapshot }, at: new Date().toISOString() });
    const nextSales = (n: number): UncommittedSale[] =>
      Array.from({ length: n }, () => {
        const record = buildSaleRecord({
          cart,
          tenders: paid.tenders,
          rounding: NO_CASH_ROUNDING,
          id: `BENCH${String(saleNo++).padStart(8, '0')}-T01`,
          terminalId: 'T01',
          receiptNo: 0,
          cashier: 'bench',
          startedAt: new Date().toISOString(),
          completedAt: new Date().toISOString(),
          training: false,
        });
        const { receiptNo: _r, ...uncommitted } = record;
        return uncommitted;
      });
    for (const sale of nextSales(200)) {
      one(payload);
      commitOne(sale);
    }
    const ratios: number[] = [];
    const rawRates: number[] = [];
    const saleRates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      t = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) one(payload);
      const rawMs = ms(t);
      const sales = nextSales(PER_ROUND);
      t = process.hrtime.bigint();
      for (const sale of sales) commitOne(sale);
      const saleMs = ms(t);
      ratios.push(rawMs / saleMs);
      if (process.env.KASSA_BENCH_DEBUG) log(`round ${r}: raw ${(rawMs / PER_ROUND).toFixed(3)} ms, sale ${(saleMs / PER_ROUND).toFixed(3)} ms`);
      rawRates.push(PER_ROUND / (rawMs / 1000));
      saleRates.push(PER_ROUND / (saleMs / 1000));
    }
    raw.close();
    salesDb.close();
    const median = (xs: number[]) => percentile(xs, 50);
    emit(
      'sale_commit_ratio',
      median(ratios),
      'ratio',
      '≥ 0.5',
      `median of ${ROUNDS} alternating rounds (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}): ${median(saleRates).toFixed(0)} sales/s (10 lines, 1 tender, journal, outbox, snapshot) vs ${median(rawRates).toFixed(0)} raw single-row commits/s, WAL + synchronous=FULL`,
    );
  }

  if (FULL) writeReadme();
} finally {
  if (ownDir) rmSync(dir, { recursive: true, force: true });
}

function writeReadme(): void {
  const file = join(ROOT, 'tests/bench/README.md');
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- bench:results -->';
  const end = '<!-- /bench:results -->';
  const head = text.slice(0, text.indexOf(begin) + begin.length);
  const tail = text.slice(text.indexOf(end));
  if (!text.includes(begin) || !text.includes(end)) throw new Error(`${file} lacks the ${begin} markers`);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const rows = results.map((r) => `| \`${r.bench}\` | ${r.value} ${r.unit} | ${r.target} | ${r.note} |`).join('\n');
  const body = `
Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench\` on ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}:

| bench | value | target | how |
|---|---|---|---|
${rows}
`;
  writeFileSync(file, `${head}\n${body}\n${tail}`);
  log(`recorded in ${file}`);
}
