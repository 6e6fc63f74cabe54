// Bench `ui_ready_1m_ms`: from starting `kassa serve` on a configured terminal whose catalog has
// 1,000,000 products to an interactive cashier screen in Chromium: the process starts (Node,
// tsx, the CLI), opens the data dir (config, log, database), restores the checkout, serves the
// renderer and the WebSocket; the page loads, connects, says hello and draws the sale screen
// from the core's first view, with the search box ready to type into.
//
// How it is timed:
// - Chromium is already running with a blank tab (a kiosk's browser is; Electron's window
//   start-up is not measured here). The renderer is built before the clock starts.
// - The clock starts right before the `kassa serve` process is spawned. As soon as it prints
//   the cashier's address the tab opens it; the clock stops when the cashier root carries the
//   phase of the core's first view and the search box is visible and enabled.
// - The data dir must hold a kassa.config.json to be a configured terminal; when it has none,
//   an empty one (all defaults: cash only, no devices) is written for the run and removed after.
// - RUNS fresh processes; the figure is the median (the first pays tsx's cold transform cache).
//
//   npx tsx tests/bench/ui-ready.ts [data-dir]   prints the result as JSON; without a data dir
//   it first builds a catalog of KASSA_BENCH_PRODUCTS (default 1,000,000) products (about a
//   minute and ~1 GB of temporary disk), as `npm run bench` does.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importCatalog } from '../../src/core/catalog-import.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import { writeDemoCatalog } from '../../src/core/demo-data.ts';
import { dataPaths } from '../../src/core/paths.ts';
import { DEFAULT_TAX_CLASSES } from '../../src/domain/tax-class.ts';
import { ensureRendererBuilt } from '../../src/server/serve/renderer-build.ts';
import { launchChromium } from '../e2e/support/chromium.ts';
import { addressesFrom, startServe, type RunningServe } from '../e2e/support/kassa-serve.ts';
import { percentile } from './percentile.ts';

const RUNS = 5;
const READY_TIMEOUT_MS = 30_000;

export interface UiReadyResult {
  readonly medianMs: number;
  readonly runs: readonly number[];
  /** Median of spawn → "Press Ctrl+C to stop." (the server side alone). */
  readonly serverMedianMs: number;
  readonly note: string;
}

const ms = (from: bigint, to: bigint = process.hrtime.bigint()): number => Number(to - from) / 1e6;

export async function measureUiReady(dataDir: string, options: { readonly runs?: number } = {}): Promise<UiReadyResult> {
  const runs = options.runs ?? RUNS;
  const paths = dataPaths(dataDir);
  if (!existsSync(paths.database)) throw new Error(`ui_ready needs a data dir with a catalog: no ${paths.database}`);
  const rendererDir = process.env.KASSA_E2E_RENDERER_DIR ?? (await ensureRendererBuilt());
  const wroteConfig = !existsSync(paths.config);
  if (wroteConfig) writeFileSync(paths.config, '{}\n');
  const browser = await launchChromium();
  const totals: number[] = [];
  const servers: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto('about:blank');
      let opened: Promise<unknown> | null = null;
      let serve: RunningServe | null = null;
      let output = '';
      const t0 = process.hrtime.bigint();
      try {
        serve = await startServe({
          dataDir,
          training: false,
          rendererDir,
          startTimeoutMs: READY_TIMEOUT_MS,
          onLine: (line) => {
            output += `${line}\n`;
            // Open the page the moment the address is printed, as a person clicking it would.
            const found = opened === null ? addressesFrom(output) : null;
            if (found) opened = page.goto(`${found.baseUrl}/`, { timeout: READY_TIMEOUT_MS });
          },
        });
        servers.push(ms(t0));
        if (opened === null) throw new Error(`kassa serve printed no cashier address:\n${serve.stdout()}`);
        await opened;
        await page.locator('[data-testid="cashier-screen"][data-phase]').waitFor({ timeout: READY_TIMEOUT_MS });
        const search = page.locator('[data-testid="search-input"]:not([disabled])');
        await search.waitFor({ state: 'visible', timeout: READY_TIMEOUT_MS });
        totals.push(ms(t0));
      } finally {
        await page.context().close();
        await serve?.stop();
      }
    }
  } finally {
    await browser.close();
    if (wroteConfig) rmSync(paths.config, { force: true });
  }
  const median = percentile(totals, 50);
  const serverMedian = percentile(servers, 50);
  return {
    medianMs: median,
    runs: totals,
    serverMedianMs: serverMedian,
    note:
      `median of ${runs} fresh \`kassa serve\` processes on the configured 1M-product data dir (runs ${totals.map((t) => t.toFixed(0)).join(', ')} ms; ` +
      `server alone, spawn → listening, median ${serverMedian.toFixed(0)} ms): spawn → cashier page loaded in the already running Chromium, connected, first checkout view drawn, search box ready`,
  };
}

/** A data dir with a demo catalog of `products` products (what run.ts builds), for running this file alone. */
async function buildCatalogDir(products: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-ui-'));
  const csv = join(dir, 'catalog.csv');
  process.stderr.write(`ui-ready: building a ${products.toLocaleString('en-US')}-product catalog in ${dir}\n`);
  await writeDemoCatalog(csv, { products, seed: 1, currency: 'CNY' });
  const db = openDatabase(dataPaths(dir).database);
  try {
    const result = await importCatalog(db, csv, { currency: 'CNY', taxClasses: DEFAULT_TAX_CLASSES });
    if (!result.committed) throw new Error(`the catalog import failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
  } finally {
    db.close();
    rmSync(csv, { force: true });
  }
  return dir;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const given = process.argv[2];
  const products = Number(process.env.KASSA_BENCH_PRODUCTS ?? 1_000_000);
  const dir = given ?? (await buildCatalogDir(products));
  try {
    const r = await measureUiReady(dir);
    process.stdout.write(`${JSON.stringify({ bench: given || products === 1_000_000 ? 'ui_ready_1m_ms' : 'ui_ready_ms', value: Number(r.medianMs.toPrecision(4)), unit: 'ms', runs: r.runs, serverMedianMs: r.serverMedianMs })}\n`);
  } finally {
    if (given === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
