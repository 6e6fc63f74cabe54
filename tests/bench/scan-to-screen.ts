// Bench `scan_to_screen_p95_ms`: from a scan on the serial scanner to the item visible in the
// cart on the cashier screen in Chromium. The whole path a real scan takes in browser mode:
// `kassa serve --training` in its own process, the virtual scanner writing the code into its
// socat pty, the real serial driver, the device manager, the checkout machine and its catalog
// lookup, the PosHost's 'checkout' event, the WebSocket, React, and the browser's next frame.
//
// How it is timed:
// - The clock starts in this process right before the sim control API request that makes the
//   virtual scanner write the scan (so the figure includes that loopback request, ~1 ms).
// - In the page a MutationObserver notes when the new cart row appears (`dom`), and the next
//   requestAnimationFrame callback after it (`frame`: the frame that paints it) is "visible".
// - Both clocks are epoch milliseconds (performance.timeOrigin + now()); the page's offset from
//   this process's clock is measured before the run (the best of 30 round trips).
// - One scan at a time: each waits for its row before the next. Each sale holds 25 scans of
//   different products, then is cancelled, so the cart never grows past 25 rows. 10 unmeasured
//   scans first, then SCANS measured. The figure is the p95 of `frame`; p50, max and the p95 of
//   `dom` are in the note.
//
//   npx tsx tests/bench/scan-to-screen.ts    prints the result as JSON (about 20 s)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import { ensureRendererBuilt } from '../../src/server/serve/renderer-build.ts';
import { launchChromium } from '../e2e/support/chromium.ts';
import { startServe } from '../e2e/support/kassa-serve.ts';
import { connectPosSocket, resetCheckout, waitForCheckout } from '../e2e/support/pos-api.ts';
import { SimControl } from '../e2e/support/sim-control.ts';
import { scannableProducts } from '../e2e/support/training-catalog.ts';
import { percentile } from './percentile.ts';

const SCANS = 200;
const WARMUP = 10;
const PER_SALE = 25;
const PER_SCAN_TIMEOUT_MS = 5000;

export interface ScanToScreenResult {
  readonly p95: number;
  readonly p50: number;
  readonly max: number;
  readonly domP95: number;
  readonly scans: number;
  readonly note: string;
}

/** Notes, per SKU, when its cart row appeared and the frame that painted it (see the header). */
const OBSERVER = `(() => {
  const seen = new Map();
  window.__kassaSeen = seen;
  const now = () => performance.timeOrigin + performance.now();
  const mark = () => {
    for (const el of document.querySelectorAll('[data-testid^="cart-line-"][data-sku]')) {
      const sku = el.getAttribute('data-sku');
      if (seen.has(sku)) continue;
      const entry = { dom: now(), frame: null };
      seen.set(sku, entry);
      requestAnimationFrame(() => { entry.frame = now(); });
    }
  };
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-sku'] });
  return true;
})()`;

const epochNow = (): number => performance.timeOrigin + performance.now();

/** The page's clock minus this process's (ms), from the round trip with the least delay. */
async function clockOffset(page: Page): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 30; i++) {
    const t0 = epochNow();
    const inPage = (await page.evaluate('performance.timeOrigin + performance.now()')) as number;
    const t1 = epochNow();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: inPage - (t0 + t1) / 2 };
  }
  return best.offset;
}

export async function measureScanToScreen(options: { readonly scans?: number } = {}): Promise<ScanToScreenResult> {
  const measured = options.scans ?? SCANS;
  const rendererDir = process.env.KASSA_E2E_RENDERER_DIR ?? (await ensureRendererBuilt());
  const dataDir = mkdtempSync(join(tmpdir(), 'kassa-bench-screen-'));
  const trainingDir = join(dataDir, 'training');
  mkdirSync(trainingDir, { recursive: true });
  writeFileSync(join(trainingDir, 'kassa.config.json'), JSON.stringify({ language: 'en' }));
  const serve = await startServe({ dataDir, rendererDir });
  const browser = await launchChromium();
  const api = await connectPosSocket(`${serve.baseUrl.replace(/^http/, 'ws')}/api`);
  try {
    const sim = new SimControl(serve.simUrl ?? '');
    const products = scannableProducts(trainingDir, PER_SALE, { minPrice: 1, maxPrice: 1_000_000 });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${serve.baseUrl}/`);
    await page.locator('[data-testid="cashier-screen"][data-phase]').waitFor({ timeout: 15_000 });
    const offset = await clockOffset(page);

    const frames: number[] = [];
    const doms: number[] = [];
    let scanned = 0;
    while (frames.length < measured) {
      await page.evaluate(OBSERVER);
      for (const p of products) {
        if (frames.length >= measured) break;
        const t0 = epochNow();
        await sim.scan(p.barcode);
        const seen = (await (
          await page.waitForFunction(
            (sku: string) => {
              const e = (globalThis as unknown as { __kassaSeen: Map<string, { dom: number; frame: number | null }> }).__kassaSeen.get(sku);
              return e !== undefined && e.frame !== null ? e : null;
            },
            p.sku,
            { polling: 'raf', timeout: PER_SCAN_TIMEOUT_MS },
          )
        ).jsonValue()) as { dom: number; frame: number };
        scanned++;
        if (scanned > WARMUP) {
          frames.push(seen.frame - offset - t0);
          doms.push(seen.dom - offset - t0);
        }
      }
      // A fresh sale (and a fresh observer) for the next round.
      await resetCheckout(api);
      await waitForCheckout(api, 'the empty cart', (v) => v.lines.length === 0);
      await page.locator('[data-testid^="cart-line-"]').first().waitFor({ state: 'detached', timeout: 5000 });
    }
    const p95 = percentile(frames, 95);
    const p50 = percentile(frames, 50);
    const max = Math.max(...frames);
    const domP95 = percentile(doms, 95);
    return {
      p95,
      p50,
      max,
      domP95,
      scans: frames.length,
      note:
        `p95 of ${frames.length} scans one at a time (p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms; row in the DOM p95 ${domP95.toFixed(1)} ms): ` +
        'sim control API → virtual scanner → socat pty → serial driver → checkout + catalog lookup → PosHost event → WebSocket → React → the next frame in Chromium (`kassa serve --training`, 500-product demo catalog)',
    };
  } finally {
    await api.close();
    await browser.close();
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const r = await measureScanToScreen();
  process.stdout.write(`${JSON.stringify({ bench: 'scan_to_screen_p95_ms', value: Number(r.p95.toPrecision(4)), unit: 'ms', p50: r.p50, max: r.max, domP95: r.domP95, scans: r.scans })}\n`);
}
