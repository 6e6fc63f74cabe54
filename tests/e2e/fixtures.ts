// The Playwright fixtures every e2e spec uses: a running training terminal per spec file, the
// three surfaces as pages, the virtual devices, the sandbox wallet and the PosApi. One set of
// fixtures serves both hosts: project "browser" runs `kassa serve --training` and opens the
// surfaces in Debian's Chromium; project "electron" launches the Electron app and uses its
// windows (skipped, with the reason, when no Electron binary is installed).
//
// Decisions a spec can rely on:
// - ONE TERMINAL PER SPEC FILE: the first test of a file starts it (a fresh temporary data dir,
//   the training folder's kassa.config.json written from `kassaOptions.config`), the file's
//   tests share it, and it is stopped (SIGTERM, then checked for leftover socat processes) when
//   the next file starts or the worker ends. Specs run one file at a time (workers: 1).
// - BEFORE EVERY TEST the terminal is put back to a known state: no sandbox faults, a fresh
//   printer roll with no receipts (and the checkout seeing the printer ready), the checkout idle.
// - `page` is the cashier screen, loaded and connected (the cashier root has its data-phase).
//   `customerPage` / `managerPage` are the other surfaces, each in its own browser context
//   (a second screen on the counter), opened when a spec asks for them.
// - Config defaults for specs: English terminal, the wallet poll every second (QR sales do not
//   wait 4 s for their first query). `kassaOptions.config` is merged over them (one level).
// - On failure, every open surface is screenshotted, and the terminal's output and the tail of
//   its log are saved, as files in the test's test-results/ folder.
import { test as base, expect, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TID } from '../../src/renderer/testids.ts';
import { electronAvailability, launchElectronTerminal, type ElectronTerminal } from './support/electron-app.ts';
import { startServe, type RunningServe } from './support/kassa-serve.ts';
import { connectPosSocket, resetCheckout, waitForCheckout, windowPosApi, type PosApi } from './support/pos-api.ts';
import { SandboxControl } from './support/sandbox-control.ts';
import { SimControl } from './support/sim-control.ts';

export { expect } from '@playwright/test';
export { TID };

export type KassaHost = 'browser' | 'electron';
export type SurfaceName = 'cashier' | 'customer' | 'manager';

export interface KassaOptions {
  /** Merged over the spec defaults into <data dir>/training/kassa.config.json. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Browser mode: `--host` (default 127.0.0.1). Tests still connect through 127.0.0.1. */
  readonly bind?: string;
}

export interface Terminal {
  readonly host: KassaHost;
  readonly dataDir: string;
  readonly trainingDir: string;
  readonly sim: SimControl;
  readonly sandbox: SandboxControl;
  /** Browser mode: `http://127.0.0.1:<port>`; null under Electron. */
  readonly baseUrl: string | null;
  /** Browser mode bound off loopback: the access token. */
  readonly token: string | null;
  /** Browser mode: the API WebSocket address (with ?token= when one is needed). */
  readonly apiUrl: string | null;
  readonly serve: RunningServe | null;
  readonly electron: ElectronTerminal | null;
  /** All the terminal printed so far. */
  output(): string;
  /** The address of a surface (browser mode), signing the browser in when a token is needed. */
  surfaceUrl(surface: SurfaceName): string;
  stop(): Promise<void>;
}

export interface Surfaces {
  /** Opens `surface` and waits until it is connected and drawn. */
  open(surface: SurfaceName): Promise<Page>;
}

const SPEC_DEFAULT_CONFIG: Readonly<Record<string, unknown>> = { language: 'en', payments: { timing: { pollSeconds: 1 } } };
export const VIEWPORT = { width: 1280, height: 800 } as const;
const PATHS: Record<SurfaceName, string> = { cashier: '/', customer: '/customer', manager: '/manager' };
const ROOTS: Record<SurfaceName, string> = { cashier: TID.cashierScreen, customer: TID.customerScreen, manager: TID.managerScreen };

function mergeConfig(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && b && typeof v === 'object' && typeof b === 'object' && !Array.isArray(v) ? { ...(b as object), ...(v as object) } : v;
  }
  return out;
}

async function startTerminal(host: KassaHost, spec: string, options: KassaOptions): Promise<Terminal> {
  const dataDir = mkdtempSync(join(tmpdir(), `kassa-e2e-${basename(spec).replace(/\.spec\.ts$/, '')}-`));
  const trainingDir = join(dataDir, 'training');
  mkdirSync(trainingDir, { recursive: true });
  writeFileSync(join(trainingDir, 'kassa.config.json'), JSON.stringify(mergeConfig(SPEC_DEFAULT_CONFIG, options.config), null, 2));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    if (host === 'electron') {
      const available = electronAvailability();
      if (!available.ok) throw new Error(available.reason);
      const electron = await launchElectronTerminal(available.binary, dataDir);
      return {
        host,
        dataDir,
        trainingDir,
        sim: new SimControl(electron.simUrl),
        sandbox: new SandboxControl(electron.sandboxUrl),
        baseUrl: null,
        token: null,
        apiUrl: null,
        serve: null,
        electron,
        output: electron.output,
        surfaceUrl: () => {
          throw new Error('the Electron app has no addresses: use its windows');
        },
        stop: async () => {
          try {
            await electron.stop();
          } finally {
            cleanup();
          }
        },
      };
    }
    const serve = await startServe({
      dataDir,
      ...(options.bind === undefined ? {} : { host: options.bind }),
      ...(process.env.KASSA_E2E_RENDERER_DIR ? { rendererDir: process.env.KASSA_E2E_RENDERER_DIR } : {}),
    });
    const tokenQuery = serve.token === null ? '' : `?token=${serve.token}`;
    return {
      host,
      dataDir,
      trainingDir,
      sim: new SimControl(serve.simUrl ?? ''),
      sandbox: new SandboxControl(serve.sandboxUrl ?? ''),
      baseUrl: serve.baseUrl,
      token: serve.token,
      apiUrl: `${serve.baseUrl.replace(/^http/, 'ws')}/api${tokenQuery}`,
      serve,
      electron: null,
      output: () => `${serve.stdout()}\n--- stderr ---\n${serve.stderr()}`,
      surfaceUrl: (surface) => `${serve.baseUrl}${PATHS[surface]}${tokenQuery}`,
      stop: async () => {
        try {
          await serve.stop();
        } finally {
          cleanup();
        }
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** Keeps the current spec file's terminal; starting another file's stops it first. */
class TerminalPool {
  #current: { readonly key: string; readonly terminal: Promise<Terminal> } | null = null;

  async get(key: string, start: () => Promise<Terminal>): Promise<Terminal> {
    if (this.#current?.key === key) return this.#current.terminal;
    await this.close();
    const terminal = start();
    this.#current = { key, terminal };
    terminal.catch(() => {
      if (this.#current?.terminal === terminal) this.#current = null;
    });
    return terminal;
  }

  async close(): Promise<void> {
    const current = this.#current;
    this.#current = null;
    if (current) await (await current.terminal.catch(() => null))?.stop();
  }
}

async function waitForSurface(page: Page, surface: SurfaceName): Promise<void> {
  const root = page.getByTestId(ROOTS[surface]);
  // The cashier root carries data-phase only once the core's first view has arrived.
  if (surface === 'cashier') await expect(root).toHaveAttribute('data-phase', /.+/, { timeout: 15_000 });
  else if (surface === 'customer') await expect(root).not.toHaveAttribute('data-phase', 'loading', { timeout: 15_000 });
  else await expect(root).toBeVisible({ timeout: 15_000 });
}

/** Failure artifacts are files under test-results/ (kept by CI), attached to the report too. */
async function attachScreens(testInfo: TestInfo, pages: readonly { name: string; page: Page }[]): Promise<void> {
  for (const { name, page } of pages) {
    if (page.isClosed()) continue;
    const path = testInfo.outputPath(`${name}-at-failure.png`);
    if (await page.screenshot({ path, timeout: 5000 }).catch(() => null)) await testInfo.attach(`${name} at failure`, { path, contentType: 'image/png' });
  }
}

/** What the terminal printed, and the tail of its own log (one JSON line per event). */
async function attachTerminal(testInfo: TestInfo, terminal: Terminal): Promise<void> {
  const output = testInfo.outputPath('terminal-output.txt');
  writeFileSync(output, terminal.output());
  await testInfo.attach('terminal output', { path: output, contentType: 'text/plain' });
  const logDir = join(terminal.trainingDir, 'logs');
  const logs = existsSync(logDir) ? readdirSync(logDir).filter((f) => f.startsWith('kassa')).sort() : [];
  const last = logs.at(-1);
  if (last !== undefined) {
    const tail = readFileSync(join(logDir, last), 'utf8').split('\n').slice(-400).join('\n');
    const path = testInfo.outputPath('terminal-log-tail.jsonl');
    writeFileSync(path, tail);
    await testInfo.attach('terminal log (last 400 lines)', { path, contentType: 'text/plain' });
  }
}

/** The options a project or a spec file may set (playwright.config.ts, `test.use`). */
export interface KassaWorkerOptions {
  kassaHost: KassaHost;
}
export interface KassaTestOptions {
  kassaOptions: KassaOptions;
}

interface WorkerFixtures extends KassaWorkerOptions {
  terminals: TerminalPool;
  /** Chromium, launched on first use only (the Electron project never needs it). */
  lazyChromium: { get(): Promise<Browser> };
}

interface TestFixtures extends KassaTestOptions {
  kassa: Terminal;
  surfaces: Surfaces;
  customerPage: Page;
  managerPage: Page;
  api: PosApi;
  freshState: void;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  kassaHost: ['browser', { scope: 'worker', option: true }],
  kassaOptions: [{}, { option: true }],

  terminals: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const pool = new TerminalPool();
      await use(pool);
      await pool.close();
    },
    { scope: 'worker' },
  ],

  lazyChromium: [
    async ({ playwright, launchOptions }, use) => {
      const launched: { browser: Promise<Browser> | null } = { browser: null };
      await use({ get: () => (launched.browser ??= playwright.chromium.launch({ ...launchOptions, timeout: 30_000 })) });
      if (launched.browser) await (await launched.browser).close();
    },
    { scope: 'worker' },
  ],

  kassa: async ({ kassaHost, kassaOptions, terminals }, use, testInfo) => {
    if (kassaHost === 'electron') {
      const available = electronAvailability();
      testInfo.skip(!available.ok, available.ok ? '' : available.reason);
    }
    const terminal = await terminals.get(`${kassaHost}:${testInfo.file}`, () => startTerminal(kassaHost, testInfo.file, kassaOptions));
    await use(terminal);
    if (testInfo.status !== testInfo.expectedStatus) await attachTerminal(testInfo, terminal);
  },

  api: async ({ kassa }, use) => {
    let api: PosApi;
    if (kassa.electron) {
      const cashier = await kassa.electron.window('cashier');
      if (!cashier) throw new Error('the Electron app has no cashier window');
      api = windowPosApi(cashier);
    } else {
      api = await connectPosSocket(kassa.apiUrl ?? '');
    }
    await use(api);
    await api.close();
  },

  freshState: [
    async ({ kassa, api }, use) => {
      await kassa.sandbox.clearFaults();
      await kassa.sim.resetPrinter();
      await resetCheckout(api);
      await waitForCheckout(api, 'the checkout to see the printer ready', (v) => v.phase === 'idle' && v.printer?.cannotPrint !== true, { ms: 15_000 });
      await use();
    },
    { auto: true },
  ],

  surfaces: async ({ kassa, lazyChromium }, use, testInfo) => {
    const contexts: BrowserContext[] = [];
    const opened: { name: string; page: Page }[] = [];
    await use({
      async open(surface) {
        let page: Page | null;
        if (kassa.electron) {
          if (surface === 'manager') testInfo.skip(true, 'the Electron app has no manager window yet (browser mode covers /manager)');
          page = await kassa.electron.window(surface === 'manager' ? 'cashier' : surface);
          if (page === null) testInfo.skip(true, 'Electron opened no customer window: it opens one only on a second display');
          if (page === null) throw new Error('unreachable');
        } else {
          const browser = await lazyChromium.get();
          const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'Asia/Shanghai' });
          contexts.push(context);
          page = await context.newPage();
          await page.goto(kassa.surfaceUrl(surface));
        }
        await waitForSurface(page, surface);
        opened.push({ name: surface, page });
        return page;
      },
    });
    if (testInfo.status !== testInfo.expectedStatus) await attachScreens(testInfo, opened);
    for (const c of contexts) await c.close().catch(() => undefined);
  },

  page: async ({ surfaces }, use) => {
    await use(await surfaces.open('cashier'));
  },
  customerPage: async ({ surfaces }, use) => {
    await use(await surfaces.open('customer'));
  },
  managerPage: async ({ surfaces }, use) => {
    await use(await surfaces.open('manager'));
  },
});
