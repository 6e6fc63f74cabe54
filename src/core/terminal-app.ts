// A whole running terminal in one object, for every host of the terminal app (Electron's core
// process, `kassa serve`, `kassa start`, the integration tests): the data folder, the devices,
// the receipts, wallet payments and the checkout, assembled in the order `kassa train` does by
// hand and closed in reverse. The pos host (api/pos-host.ts) puts the PosApi on top of it.
//
// Decisions a caller must know:
// - CONFIGURED mode uses the data dir's kassa.config.json as it is (openTerminal reads it; a bad
//   file throws ConfigError before anything is created).
// - TRAINING mode runs in a data dir of its own (the caller passes it, normally
//   `<data dir>/training`, so real receipt numbers are never used), created on first start. Its
//   config is the defaults (or that folder's own kassa.config.json, for a trainer who wants
//   another language or store name) with `training: true`. On first start (no products) it
//   loads a demo catalog (writeDemoCatalog + importCatalog, progress through onProgress). With
//   no quick keys configured, the catalog's first 8 active products are the quick keys.
// - TRAINING DEVICES are simulated in this process (`simulateDevices`, default true): the
//   virtual printer, scanner, pole display and scale run behind socat pseudo-terminals in
//   `<training dir>/sim` exactly as `kassa sim` runs them, so the real serial drivers are
//   exercised, and their HTTP control API listens on 127.0.0.1 (`app.sim.controlUrl`: scan,
//   pull the paper, read printed receipts). Without socat the same virtual devices run on
//   in-memory links (no control API then; `app.sim.links` says 'memory' and the progress
//   callback says why). Their devices block replaces the config's devices. The virtual cash
//   drawer is pushed shut a few seconds after it opens (`drawerClosesAfterMs`), as a cashier
//   would, so training does not end in "drawer left open" warnings.
// - Wallets in training go to the sandbox gateway openPayments starts in this process (keys and
//   ledger in `<training dir>/sandbox`); its wallet API plays the customer.
// - Start-up recovery of wallet payments left open by a crash runs in the background (the
//   checkout can sell meanwhile, terminal-payments.ts); `recovery` resolves with what it made
//   of them. A sale left open is restored into the checkout as it was.
// - close() stops everything in reverse order and is safe to call twice; a failure part-way
//   through start-up closes what was already opened.
import { startTerminalSync, type SyncService } from './sync/sync-service.ts';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSimControlServer, type SimControlServer } from '../../drivers/sim/sim-control-server.ts';
import { SimRigError, simPrinterProfile, startSimRig, type SimDeviceConfig, type SimRig } from '../../drivers/sim/sim-rig.ts';
import { VirtualDisplayDevice } from '../../drivers/sim/virtual-display.ts';
import { VirtualPrinter } from '../../drivers/sim/virtual-printer.ts';
import { VirtualPrinterDevice } from '../../drivers/sim/virtual-printer-device.ts';
import { VirtualScale } from '../../drivers/sim/virtual-scale.ts';
import { VirtualScanner } from '../../drivers/sim/virtual-scanner.ts';
import { createMemoryPair, type MemoryPair } from '../../drivers/transports/memory-transport.ts';
import { hasSocat } from '../../drivers/transports/socat-pty-pair.ts';
import { importCatalog } from './catalog-import.ts';
import { startCheckout, type CheckoutService } from './checkout-service.ts';
import { checkoutLoyalty, type TerminalLoyalty } from './loyalty/checkout-loyalty.ts';
import { loadConfig, parseConfig, type KassaConfig } from './config.ts';
import { CatalogRepository } from './db/catalog.ts';
import type { Db } from './db/open.ts';
import type { PaymentAttempt } from './db/payment-attempts.ts';
import { writeDemoCatalog } from './demo-data.ts';
import type { DeviceConfig } from './device-config.ts';
import { DeviceManager } from './devices/device-manager.ts';
import type { Logger } from './logger.ts';
import type { TrainingSandboxOptions } from './payment-providers.ts';
import { dataPaths, type DataPaths } from './paths.ts';
import { ReceiptService } from './receipt-service.ts';
import { openTerminal, type Terminal } from './runtime.ts';
import { openPayments, type TerminalPayments } from './terminal-payments.ts';
import { RefundService } from './refund-service.ts';
import { ShiftService } from './shifts/shift-service.ts';
import { StaffService } from './staff/staff-service.ts';

export type TerminalMode = 'configured' | 'training';

export interface TerminalAppOptions {
  /** The terminal's data folder; in training, the training folder itself (created if missing). */
  readonly dataDir: string;
  readonly mode: TerminalMode;
  /** Default 'file' (the data dir's rolling log). */
  readonly log?: 'file' | 'silent';
  /** Clock, for tests. */
  readonly now?: () => Date;
  /** Start-up steps a person may want to see ("loading a training catalog…"). */
  readonly onProgress?: (message: string) => void;
  /** Training: run simulated devices (default true). */
  readonly simulateDevices?: boolean;
  /** Training: products in the demo catalog made on first start (default 500). */
  readonly demoProducts?: number;
  /** Training, simulated devices: the control API's port on 127.0.0.1 (default 0: any free port). */
  readonly simPort?: number;
  /** Training, simulated devices: the open virtual drawer is pushed shut after this long (default 3000 ms; null: never). */
  readonly drawerClosesAfterMs?: number | null;
  /** Training: options for the in-process sandbox gateway (tests: an in-memory ledger, a clock). */
  readonly sandbox?: TrainingSandboxOptions;
  /** How long start-up waits for the devices to connect (default 3000 ms); they go on connecting after it. */
  readonly devicesTimeoutMs?: number;
  /** Training, simulated devices: the socat binary (default 'socat' on the PATH). */
  readonly socatPath?: string;
}

/** The simulated devices of a training terminal. */
export interface TerminalSim {
  /** 'socat': virtual serial ports and the real serial drivers; 'memory': in-memory links (socat is missing). */
  readonly links: 'socat' | 'memory';
  /** The sim control API (drivers/sim/sim-control-server.ts), `http://127.0.0.1:<port>`; null on memory links. */
  readonly controlUrl: string | null;
  /** The socat rig (null on memory links). */
  readonly rig: SimRig | null;
  readonly printer: VirtualPrinterDevice | null;
  readonly scanner: VirtualScanner | null;
  readonly display: VirtualDisplayDevice | null;
  readonly scale: VirtualScale | null;
  /** Scans `code` on the virtual scanner, as a cashier would. */
  scan(code: string): Promise<void>;
}

export interface TerminalApp {
  readonly mode: TerminalMode;
  readonly paths: DataPaths;
  readonly config: KassaConfig;
  readonly db: Db;
  readonly logger: Logger;
  readonly catalog: CatalogRepository;
  readonly receipts: ReceiptService;
  /** null: no devices configured. */
  readonly devices: DeviceManager | null;
  /** null: cash only. */
  readonly payments: TerminalPayments | null;
  readonly checkout: CheckoutService;
  /** Training with simulated devices; null otherwise. */
  readonly sim: TerminalSim | null;
  /** Store sync, when configured (a `sync` block); null otherwise. */
  readonly sync: SyncService | null;
  /** Promotions, coupons and members (issue 8). */
  readonly loyalty: TerminalLoyalty;
  /** Who is logged in, roles and approvals (issue 7). */
  readonly staff: StaffService;
  /** The cash drawer's shifts (issue 7). */
  readonly shifts: ShiftService;
  /** Refunds of completed sales, through the wallets this terminal has (none: cash only). */
  readonly refunds: RefundService;
  /** What start-up recovery made of wallet payments a crash left open (runs in the background). */
  readonly recovery: Promise<readonly PaymentAttempt[]>;
  now(): Date;
  close(): Promise<void>;
}

const DEMO_PRODUCTS = 500;
const DEMO_SEED = 7;
const TRAINING_QUICK_KEYS = 8;
const DRAWER_CHECK_MS = 250;

interface SimHandle {
  readonly sim: TerminalSim;
  readonly block: readonly SimDeviceConfig[];
  /** The transport seam for DeviceManager on memory links. */
  readonly transportFor?: (device: DeviceConfig) => { kind: 'bytes'; transport: MemoryPair['a'] };
  stop(): Promise<void>;
}

/** Pushes the virtual drawer shut once it has been open `afterMs` (see the header). */
function drawerCloser(printer: VirtualPrinterDevice | null, afterMs: number | null): () => void {
  if (printer === null || afterMs === null) return () => undefined;
  let openSince: number | null = null;
  const timer = setInterval(() => {
    if (!printer.printer.drawerOpen) {
      openSince = null;
      return;
    }
    openSince ??= Date.now();
    if (Date.now() - openSince >= afterMs) {
      printer.closeDrawer();
      openSince = null;
    }
  }, Math.min(DRAWER_CHECK_MS, Math.max(10, afterMs)));
  timer.unref();
  return () => clearInterval(timer);
}

async function startSocatSim(dir: string, port: number, drawerMs: number | null, socatPath: string | undefined): Promise<SimHandle> {
  const rig = await startSimRig({ dir, ...(socatPath !== undefined ? { socatPath } : {}) });
  let server: SimControlServer;
  try {
    server = await startSimControlServer(rig, { port });
  } catch (err) {
    await rig.stop();
    throw err;
  }
  const stopDrawer = drawerCloser(rig.printer, drawerMs);
  return {
    sim: {
      links: 'socat',
      controlUrl: server.url,
      rig,
      printer: rig.printer,
      scanner: rig.scanner,
      display: rig.display,
      scale: rig.scale,
      scan: (code) => rig.scan(code),
    },
    block: rig.configBlock(),
    async stop() {
      stopDrawer();
      await server.close();
      await rig.stop();
    },
  };
}

/** The same virtual devices on in-memory links, with the devices block `kassa sim` would print. */
async function startMemorySim(drawerMs: number | null): Promise<SimHandle> {
  const profile = simPrinterProfile({});
  const pairs = new Map<string, MemoryPair>(['printer', 'scanner', 'display', 'scale'].map((n) => [n, createMemoryPair({ name: n })]));
  const side = (name: string) => {
    const pair = pairs.get(name);
    if (!pair) throw new Error(`no memory link for ${name}`);
    return pair;
  };
  for (const pair of pairs.values()) await pair.b.open();
  const printer = new VirtualPrinterDevice(side('printer').b, new VirtualPrinter({ paperMm: profile.paperMm === 58 ? 58 : 80, columns: profile.columns, drawerPin: 2, drawerPolarity: 'high-is-open' }));
  const scanner = new VirtualScanner(side('scanner').b, { suffix: 'CR' });
  const display = new VirtualDisplayDevice(side('display').b, { commandSet: 'epson-dmd', charset: 'cp437-yen' });
  const scale = new VirtualScale(side('scale').b, { unit: 'kg' });
  const stopDrawer = drawerCloser(printer, drawerMs);
  const path = (name: string) => `memory:${name}`;
  const block: SimDeviceConfig[] = [
    {
      id: 'printer',
      type: 'printer',
      transport: 'serial',
      path: path('printer'),
      baudRate: 9600,
      profile: profile.id,
      drawer: { pin: 2, onMs: 100, offMs: 200, polarity: 'high-is-open', leftOpenAlertS: 60, openOnCashSale: true },
    },
    { id: 'scanner', type: 'scanner', transport: 'serial', path: path('scanner'), baudRate: 9600, suffix: 'CR', aim: false },
    { id: 'display', type: 'display', transport: 'serial', path: path('display'), baudRate: 9600, commandSet: 'epson-dmd', charset: 'cp437-yen' },
    { id: 'scale', type: 'scale', transport: 'serial', path: path('scale'), baudRate: 9600, unit: 'kg', mode: 'demand' },
  ];
  return {
    sim: { links: 'memory', controlUrl: null, rig: null, printer, scanner, display, scale, scan: (code) => scanner.scan(code) },
    block,
    transportFor: (device) => ({ kind: 'bytes', transport: side(device.id).a }),
    async stop() {
      stopDrawer();
      printer.detach();
      display.detach();
      scale.detach();
      for (const pair of pairs.values()) await pair.b.close().catch(() => undefined);
    },
  };
}

/** The demo catalog of a training folder, on first start (no products yet). */
async function loadDemoCatalog(terminal: Terminal, products: number, progress: (message: string) => void): Promise<void> {
  const { db, config, paths } = terminal;
  if ((db.prepare('SELECT count(*) FROM products').pluck().get() as number) > 0) return;
  const csv = join(paths.dir, 'training-catalog.csv');
  progress(`making a training catalog of ${products} products`);
  await writeDemoCatalog(csv, { products, seed: DEMO_SEED, currency: config.currency });
  let lastPercent = -1;
  const result = await importCatalog(db, csv, {
    currency: config.currency,
    taxClasses: config.taxClasses,
    defaultTaxClass: config.defaultTaxClass,
    journal: { terminalId: config.terminalId },
    onProgress: (p) => {
      const percent = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 0;
      if (percent >= lastPercent + 25 && percent < 100) {
        lastPercent = percent;
        progress(`loading the training catalog: ${percent}%`);
      }
    },
  });
  rmSync(csv, { force: true });
  progress(`loaded a training catalog of ${result.imported} products`);
}

/** Training's quick keys when none are configured: the first active products by SKU. */
function trainingQuickKeys(db: Db): { sku: string }[] {
  const skus = db.prepare('SELECT sku FROM products WHERE active = 1 ORDER BY sku LIMIT ?').pluck().all(TRAINING_QUICK_KEYS) as string[];
  return skus.map((sku) => ({ sku }));
}

export async function openTerminalApp(options: TerminalAppOptions): Promise<TerminalApp> {
  const progress = (message: string): void => options.onProgress?.(message);
  const training = options.mode === 'training';
  const paths = dataPaths(options.dataDir);
  const clock = options.now ?? (() => new Date());
  const now = options.now ? { now: options.now } : {};
  // Closers in start-up order; close() and a failed start run them backwards.
  const closers: { what: string; close: () => Promise<void> | void }[] = [];
  let logger: Logger | null = null;
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c.close();
      } catch (err) {
        logger?.error({ err, step: c.what }, 'closing the terminal app: a step failed');
      }
    }
  };

  try {
    let config: KassaConfig;
    let sim: SimHandle | null = null;
    if (training) {
      if (!existsSync(paths.dir)) progress(`making a training folder in ${paths.dir}`);
      mkdirSync(paths.dir, { recursive: true });
      const base = loadConfig(paths.config);
      if (options.simulateDevices ?? true) {
        const drawerMs = options.drawerClosesAfterMs === undefined ? 3000 : options.drawerClosesAfterMs;
        if (hasSocat(options.socatPath)) {
          sim = await startSocatSim(join(paths.dir, 'sim'), options.simPort ?? 0, drawerMs, options.socatPath);
        } else {
          progress('socat is not installed: the simulated devices run on in-memory links (no control API); install socat to drive them over virtual serial ports');
          sim = await startMemorySim(drawerMs);
        }
        const started = sim;
        closers.push({ what: 'simulated devices', close: () => started.stop() });
        if (sim.sim.controlUrl) progress(`simulated devices: ${sim.block.map((d) => d.id).join(', ')} (control API ${sim.sim.controlUrl})`);
      }
      config = { ...base, training: true, devices: sim ? parseConfig({ devices: sim.block }, 'the simulated devices').devices : base.devices };
    } else {
      config = loadConfig(paths.config);
    }

    const terminal = await openTerminal(paths, { config, log: options.log ?? 'file' });
    closers.push({ what: 'database and log', close: () => terminal.close() });
    logger = terminal.logger;
    const { db } = terminal;
    if (training) {
      await loadDemoCatalog(terminal, options.demoProducts ?? DEMO_PRODUCTS, progress);
      if (config.ui.quickKeys.length === 0) config = { ...config, ui: { ...config.ui, quickKeys: trainingQuickKeys(db) } };
    }

    const devices =
      config.devices.length > 0
        ? new DeviceManager({ config, db, logger: terminal.logger, ...now, ...(sim?.transportFor ? { transportFor: sim.transportFor } : {}) })
        : null;
    const receipts = new ReceiptService({ db, config, logger: terminal.logger, printer: devices?.receiptPrinter ?? null, ...now });
    const payments = await openPayments({
      db,
      config,
      logger: terminal.logger,
      dataDir: paths.dir,
      training: config.training,
      ...(training ? { sandboxDir: join(paths.dir, 'sandbox') } : {}),
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      ...now,
    });
    // Recovery is aborted by payments.close(), then waited for.
    let recoveryRun: Promise<unknown> = Promise.resolve();
    if (payments) {
      closers.push({
        what: 'wallet payments',
        close: async () => {
          await payments.close();
          await recoveryRun;
        },
      });
      if (payments.sandbox) progress(`wallets go to the training sandbox at ${payments.sandbox.gatewayUrl} (no real money)`);
    }
    // Store sync (issue 6), when kassa.config.json has a `sync` block; training never syncs.
    const sync = options.mode === 'configured' ? startTerminalSync(db, config, paths.config) : null;
    if (sync) {
      closers.push({ what: 'store sync', close: () => sync.stop() });
      progress(`store sync to ${config.sync?.serverUrl ?? ''}`);
    }
    // Promotions, coupons and members (issue 8); single-use coupons are reserved through the store server.
    const loyalty = checkoutLoyalty({ db, config, logger: terminal.logger, reservations: sync?.client ?? null, ...now });
    const checkout = startCheckout({
      db,
      config,
      logger: terminal.logger,
      printer: null,
      receipts,
      loyalty,
      ...(payments ? { payments } : {}),
      ...(devices?.hasScale ? { weigh: () => devices.weigh() } : {}),
      ...now,
    });
    closers.push({ what: 'checkout', close: () => checkout.stop() });
    if (checkout.recovery.restored && checkout.recovery.saleId) progress(`a sale left open by the last run was restored (${checkout.recovery.state})`);

    const recovery: Promise<readonly PaymentAttempt[]> = payments
      ? payments.start(checkout).catch((err: unknown) => {
          terminal.logger.error({ err }, 'recovering wallet payments left open failed');
          return [];
        })
      : Promise.resolve([]);
    recoveryRun = recovery;

    if (devices) {
      const unbind = devices.bindCheckout(checkout);
      devices.start();
      closers.push({
        what: 'devices',
        close: async () => {
          unbind();
          await devices.stop();
        },
      });
      const views = await devices.settled(options.devicesTimeoutMs ?? 3000);
      for (const v of views) if (v.state !== 'ready') progress(`${v.type} ${v.id} (${v.address}): ${v.state}${v.detail ? `, ${v.detail}` : ''}`);
    }
    const staff = new StaffService({ db, config, terminalId: config.terminalId, ...now });
    const shifts = new ShiftService({ db, config, terminalId: config.terminalId, ...now });
    const refunds = new RefundService({ db, logger: terminal.logger, providers: payments?.providers ?? new Map(), terminalId: config.terminalId, training: config.training, ...now });
    // Whoever logs in sells: the checkout records them on the sales it commits from now on.
    const unwatchStaff = staff.onChange((operator) => {
      if (operator !== null) checkout.send({ type: 'SET_CASHIER', cashier: operator.name });
    });
    closers.push({ what: 'staff', close: () => unwatchStaff() });
    terminal.logger.info({ mode: options.mode, devices: config.devices.length, wallets: payments?.service.wallets ?? [], sync: sync !== null }, 'terminal app started');

    let closing: Promise<void> | null = null;
    return {
      mode: options.mode,
      paths,
      config,
      db,
      logger: terminal.logger,
      catalog: new CatalogRepository(db),
      receipts,
      devices,
      payments,
      checkout,
      sim: sim?.sim ?? null,
      sync,
      loyalty,
      staff,
      shifts,
      refunds,
      recovery,
      now: clock,
      close() {
        closing ??= (async () => {
          terminal.logger.info('terminal app closing');
          await closeAll();
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    if (err instanceof SimRigError && err.code === 'busy') throw new SimRigError('busy', `training in ${paths.dir} is already running: ${err.message}`);
    throw err;
  }
}
