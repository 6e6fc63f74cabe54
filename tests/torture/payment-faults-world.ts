// The world the payment fault tests run in (payment-faults.test.ts in process,
// payment-faults-kill.test.ts with real SIGKILLs through payment-faults-child.ts): the sandbox
// gateway with a clock the test can move, a terminal database made from a template, the wallet
// providers pointed at the sandbox, and one POS "process" (`Pos`) wired the way a host wires it
// (terminal-payments.ts: checkout with its payment machine, PaymentService, start-up recovery,
// the durable cancel queue, and refunds resumed at start-up).
//
// Decisions a test must know:
// - AN IN-PROCESS CRASH IS A FREEZE. `CrashGate` sits between the terminal and its wallet
//   providers. When it fires (before a gateway call is sent, while it is in flight, or after
//   its answer came back) the terminal's code never gets another answer from the gateway: every
//   call pending or made later hangs forever. Then the checkout actor is stopped (it emits no
//   snapshot when stopped), the cancel queue stopped, and the database connection closed on the
//   next turn of the event loop. better-sqlite3 commits synchronously, so what is in the file is
//   exactly what a SIGKILL at that moment would have left; code that was already past its last
//   await may still finish a write first, which is a crash a moment later, never a torn one.
// - Requests already handed to the network when the gate fires are delivered: the abort the
//   stopped machine raises is not passed on to the provider (the kernel still sends a killed
//   process's socket buffers). `settled()` lets a restart wait for them, or not (a slow network).
// - The database lives on /dev/shm when it can: synchronous=FULL costs an fsync per snapshot,
//   which would make thousands of runs slow, and a process crash (unlike a power cut) loses
//   nothing the page cache holds, so it tests the same thing.
// - Provider timeouts are 250 ms instead of the configurable minimum of 1 s, so latency faults
//   cost little: the providers are built with their constructors and a parsed config whose
//   timeout is then shortened.
// - The manager token is stored with scrypt N=1024 (the stored parameters are honoured, see
//   manager-auth.ts) so an authorization costs 1 ms, not 40.
// - Everything the terminal logs at error level (except a trade listed for manual reconciliation,
//   which is an outcome), and any error its PaymentService.settle throws inside the checkout's
//   subscription, is collected in `findings`: the checks fail on them with the run's seed. (Such a
//   settle error is caught so the run can report it; uncaught, XState would only print it as an
//   unhandled error and skip that snapshot save.) A crashed or closed terminal adds nothing more.
import { randomBytes, scryptSync } from 'node:crypto';
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { importCatalog } from '../../src/core/catalog-import.ts';
import { CancelQueue } from '../../src/core/cancel-queue.ts';
import { startCheckout, type CheckoutService } from '../../src/core/checkout-service.ts';
import { parseConfig, type KassaConfig } from '../../src/core/config.ts';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import { listOpenAttempts } from '../../src/core/db/payment-attempts.ts';
import { pendingRefundParts } from '../../src/core/db/refunds.ts';
import { setSetting } from '../../src/core/db/settings.ts';
import type { Logger } from '../../src/core/logger.ts';
import { MANAGER_TOKEN_SETTING } from '../../src/core/manager-auth.ts';
import { PaymentService } from '../../src/core/payment-service.ts';
import { RefundService } from '../../src/core/refund-service.ts';
import { attemptOwnedBy, saleOpenIn } from '../../src/core/terminal-payments.ts';
import type { WalletId } from '../../src/domain/payment.ts';
import { loadAlipayKeys, parseAlipayConfig } from '../../src/payments/alipay/alipay-config.ts';
import { AlipayProvider } from '../../src/payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { ensureSandboxKeys, type SandboxKeys } from '../../src/payments/sandbox/keys.ts';
import { startSandbox, type SandboxServer } from '../../src/payments/sandbox/server.ts';
import { loadWechatSecrets, parseWechatConfig } from '../../src/payments/wechat/wechat-config.ts';
import { WechatProvider } from '../../src/payments/wechat/wechat-provider.ts';
import type { PaymentResult } from '../../state-machines/payment.machine.ts';
import type { WalletSettings } from '../../state-machines/checkout.machine.ts';
import type { RefundTiming } from '../../state-machines/refund.machine.ts';

export const TERMINAL_ID = 'T01';
export const MANAGER_TOKEN = 'fault-test-manager';
export const PROVIDER_TIMEOUT_MS = 250;

/** EAN-13 with its check digit. */
function ean13(twelve: string): string {
  const sum = [...twelve].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

/** The shop's shelf: prices chosen so totals and splits come out uneven (1 fen up to 88.88). */
export const PRODUCTS = [
  { sku: 'RICE', price: '49.90', barcode: ean13('690000000002') },
  { sku: 'TEA', price: '12.34', barcode: ean13('690000000003') },
  { sku: 'SOAP', price: '3.07', barcode: ean13('690000000004') },
  { sku: 'OIL', price: '88.88', barcode: ean13('690000000005') },
  { sku: 'GUM', price: '0.01', barcode: ean13('690000000006') },
] as const;

/** Payment machine timing in milliseconds, so thousands of payments run in a minute. */
export const FAST_WALLETS: WalletSettings = {
  storeId: 'S01',
  subject: 'Kassa fault test',
  timing: { pollIntervalMs: 5, deadlineMs: 50, queryDelayMs: 5, cancelRetryMs: 5, cancelRetries: 1, closeRetryMs: 5, closeRetries: 1 },
};
export const FAST_QUEUE = { delaysMs: [5, 10, 20], everyMs: 40 } as const;
export const FAST_REFUNDS: Partial<RefundTiming> = { retryDelayMs: 5, retries: 1, queryDelayMs: 10, queryRetries: 1, rounds: 2 };

/** A folder for scratch files: on /dev/shm when it is usable (see the header). */
export function scratchDir(prefix: string): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return mkdtempSync(join('/dev/shm', prefix));
  } catch {
    return mkdtempSync(join(tmpdir(), prefix));
  }
}

/** Real time plus an offset the test moves forward: the sandbox and the terminal share it. */
export class VirtualClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  readonly date = (): Date => new Date(this.now());
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface World {
  readonly dir: string;
  readonly keys: SandboxKeys;
  /** A terminal database with the catalog and the manager token, copied for every run. */
  readonly template: string;
  readonly config: KassaConfig;
  cleanup(): void;
}

/** Keys (made once), the catalog and the template database, in a scratch folder. */
export async function createWorld(dir = scratchDir('kassa-payment-faults-')): Promise<World> {
  const keys = ensureSandboxKeys(join(dir, 'keys'));
  const config = parseConfig({ terminalId: TERMINAL_ID, training: false });
  const template = join(dir, 'template.db');
  const csv = join(dir, 'catalog.csv');
  writeFileSync(
    csv,
    ['sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes', ...PRODUCTS.map((p) => `${p.sku},${p.sku},${p.sku},${p.price},each,standard,Test,1,${p.barcode}`), ''].join('\n'),
  );
  const db = openDatabase(template);
  try {
    const imported = await importCatalog(db, csv, { currency: 'CNY', taxClasses: config.taxClasses, defaultTaxClass: config.defaultTaxClass });
    if (!imported.committed) throw new Error('the fault test catalog was not imported');
    const salt = randomBytes(16);
    const N = 1024;
    setSetting(db, MANAGER_TOKEN_SETTING, {
      scheme: 'scrypt',
      id: 'fa017e57',
      salt: salt.toString('base64'),
      hash: scryptSync(MANAGER_TOKEN, salt, 32, { N, r: 8, p: 1 }).toString('base64'),
      N,
      r: 8,
      p: 1,
      keylen: 32,
      setAt: new Date().toISOString(),
    });
  } finally {
    db.close();
  }
  return { dir, keys, template, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh terminal database file from the template. */
export function newTerminalDb(world: World, file: string): string {
  copyFileSync(world.template, file);
  return file;
}

/** The sandbox on 127.0.0.1 (any free port); its own bugs (HTTP 500) are added to `findings`. */
export async function startWorldSandbox(world: Pick<World, 'keys'>, clock: VirtualClock, findings: string[], ledger = ':memory:'): Promise<SandboxServer> {
  const k = world.keys;
  return startSandbox({
    port: 0,
    ledger,
    clock: clock.now,
    gatewayPrivateKey: k.gatewayPrivateKeyPem,
    alipayApps: [{ appId: k.alipayAppId, publicKey: k.appPublicKeyPem }],
    wechatMerchants: [{ appid: k.wechatAppid, mchId: k.wechatMchId, apiKey: k.wechatApiKey }],
    onInternalError: (err) => void findings.push(`sandbox internal error: ${(err as Error)?.stack ?? String(err)}`),
  });
}

/** Alipay and WeChat Pay providers pointed at the sandbox at `url`, with short timeouts. */
export function walletProviders(keys: SandboxKeys, url: string, timeoutMs = PROVIDER_TIMEOUT_MS): Map<WalletId, PaymentProvider> {
  const alipay = parseAlipayConfig({ appId: keys.alipayAppId, privateKeyPath: keys.files.appPrivateKey, alipayPublicKeyPath: keys.files.gatewayPublicKey, gateway: `${url}/gateway.do` });
  const wechat = parseWechatConfig({ appId: keys.wechatAppid, mchId: keys.wechatMchId, apiKeyPath: keys.files.wechatApiKey, gateway: url });
  return new Map<WalletId, PaymentProvider>([
    ['alipay', new AlipayProvider({ ...alipay, timeoutMs }, loadAlipayKeys(alipay))],
    ['wechat', new WechatProvider({ ...wechat, timeoutMs }, loadWechatSecrets(wechat))],
  ]);
}

// ---------------------------------------------------------------------------------------------
// The crash gate

export const CRASH_PHASES = ['before-send', 'in-flight', 'answered'] as const;
export type CrashPhase = (typeof CRASH_PHASES)[number];

/** Crash at the `call`-th gateway call (1-based, counted from when it was armed), at `phase`. */
export interface CrashPoint {
  readonly call: number;
  readonly phase: CrashPhase;
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Between one terminal "process" and its providers: counts gateway calls and crashes it at one (header). */
export class CrashGate {
  #dead = false;
  #calls = 0;
  #point: CrashPoint | null = null;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #listeners: Array<() => void> = [];
  readonly crashed: Promise<void>;
  #fire: () => void = () => undefined;

  constructor() {
    this.crashed = new Promise<void>((resolve) => {
      this.#fire = resolve;
    });
  }

  get dead(): boolean {
    return this.#dead;
  }

  arm(point: CrashPoint | null): void {
    this.#point = point;
    this.#calls = 0;
  }

  onCrash(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Crashes now (idempotent). */
  crash(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#fire();
    for (const l of this.#listeners) l();
  }

  /** Waits (bounded) until every request already sent has been answered or has timed out. */
  async settled(ms = 2_000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#inflight]), sleep(ms)]);
  }

  async #pass<T>(signal: AbortSignal | undefined, start: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    if (this.#dead) return never();
    const n = ++this.#calls;
    const at = (phase: CrashPhase) => this.#point !== null && this.#point.call === n && this.#point.phase === phase;
    if (at('before-send')) {
      this.crash();
      return never();
    }
    // The terminal's own aborts reach the provider; the abort of a crash does not.
    let forwarded: AbortSignal | undefined;
    let unlink: () => void = () => undefined;
    if (signal) {
      const controller = new AbortController();
      const onAbort = () => (this.#dead ? undefined : controller.abort(signal.reason));
      if (signal.aborted) controller.abort(signal.reason);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        unlink = () => signal.removeEventListener('abort', onAbort);
      }
      forwarded = controller.signal;
    }
    const call = start(forwarded);
    this.#inflight.add(call);
    void call
      .finally(() => {
        this.#inflight.delete(call);
        unlink();
      })
      .catch(() => undefined);
    if (at('in-flight')) {
      this.crash();
      return never();
    }
    const answer = await call;
    if (this.#dead) return never();
    if (at('answered')) {
      this.crash();
      return never();
    }
    return answer;
  }

  /** The provider behind this gate. */
  wrap(p: PaymentProvider): PaymentProvider {
    const { precreate, close } = p;
    return {
      wallet: p.wallet,
      pay: (r, s) => this.#pass(s, (f) => p.pay(r, f)),
      query: (r, s) => this.#pass(s, (f) => p.query(r, f)),
      cancel: (r, s) => this.#pass(s, (f) => p.cancel(r, f)),
      refund: (r, s) => this.#pass(s, (f) => p.refund(r, f)),
      refundQuery: (r, s) => this.#pass(s, (f) => p.refundQuery(r, f)),
      ...(precreate ? { precreate: (r, s) => this.#pass(s, (f) => precreate.call(p, r, f)) } : {}),
      ...(close ? { close: (r, s) => this.#pass(s, (f) => close.call(p, r, f)) } : {}),
    } satisfies PaymentProvider;
  }
}

// ---------------------------------------------------------------------------------------------
// One POS process

/** Errors the terminal logs by design: a trade listed for manual reconciliation is an outcome, not a fault. */
const EXPECTED_ERRORS = ['cancel queue: gave up; the wallet trade needs manual reconciliation'];

/** A logger that keeps what the terminal logs at error level while it is alive (a killed process logs nothing). */
function capturingLogger(findings: string[], dead: () => boolean): Logger {
  return pino(
    { level: 'error', base: null, timestamp: false },
    {
      write(line: string) {
        if (dead()) return;
        const msg = (JSON.parse(line) as { msg?: unknown }).msg;
        if (typeof msg === 'string' && EXPECTED_ERRORS.some((e) => msg.startsWith(e))) return;
        findings.push(`logged: ${line.trim()}`);
      },
    },
  );
}

/** PaymentService that reports an error thrown while settling (the checkout calls it inside its subscription). */
class ObservedPaymentService extends PaymentService {
  findings: string[] = [];
  dead: () => boolean = () => false;
  override settle(result: PaymentResult) {
    try {
      return super.settle(result);
    } catch (err) {
      if (!this.dead()) this.findings.push(`PaymentService.settle(${result.kind} ${result.outTradeNo}) threw: ${(err as Error).message}`);
      return null;
    }
  }
}

export interface PosOptions {
  readonly file: string;
  readonly config: KassaConfig;
  /** The providers as built; the gate (if any) wraps them. */
  readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly clock: VirtualClock;
  readonly settings?: WalletSettings;
  readonly queue?: { readonly delaysMs: readonly number[]; readonly everyMs: number };
  readonly refundTiming?: Partial<RefundTiming>;
  /** In-process crashes; absent for a real process (which is killed instead). */
  readonly gate?: CrashGate;
}

export class Pos {
  readonly db: Db;
  readonly service: PaymentService;
  readonly checkout: CheckoutService;
  readonly queue: CancelQueue;
  readonly refunds: RefundService;
  readonly gate: CrashGate | null;
  readonly findings: string[];
  /** The attempt the checkout's payment machine owns now (recovery leaves it alone). */
  readonly running: () => string | null;
  /** Start-up recovery; never rejects (a failure is a finding), may hang if the gate fires. */
  readonly recovered: Promise<void>;
  #closed = false;
  #stopping = false;

  constructor(options: PosOptions) {
    const findings: string[] = [];
    this.findings = findings;
    this.gate = options.gate ?? null;
    const gate = this.gate;
    const providers = new Map([...options.providers].map(([w, p]) => [w, gate ? gate.wrap(p) : p]));
    const logger = capturingLogger(findings, () => this.#closed);
    const now = options.clock.date;
    this.db = openDatabase(options.file);
    const service = new ObservedPaymentService({ db: this.db, logger, providers, terminalId: options.config.terminalId, now });
    service.findings = findings;
    service.dead = () => this.#closed;
    this.service = service;
    this.checkout = startCheckout({ db: this.db, config: options.config, logger, printer: null, payments: { service, settings: options.settings ?? FAST_WALLETS }, now });
    const running = attemptOwnedBy(this.checkout);
    this.running = running;
    this.queue = new CancelQueue({ service, db: this.db, logger, schedule: options.queue ?? FAST_QUEUE, now });
    this.refunds = new RefundService({ db: this.db, logger, providers, terminalId: options.config.terminalId, training: false, now, timing: options.refundTiming ?? FAST_REFUNDS });
    gate?.onCrash(() => this.#crashed());
    // Start-up recovery in the background, as terminal-payments.ts runs it: the checkout sells meanwhile.
    const recover = async () => {
      await service.recover(running, undefined, saleOpenIn(this.checkout));
      if (this.#stopping || gate?.dead) return;
      this.queue.start(running);
      await this.refunds.resumePending();
    };
    this.recovered = recover().catch((err: unknown) => {
      if (!this.dead) findings.push(`start-up recovery threw: ${(err as Error)?.stack ?? String(err)}`);
    });
  }

  get dead(): boolean {
    return this.gate?.dead === true;
  }

  #crashed(): void {
    this.#closed = true;
    this.#stopping = true;
    this.checkout.stop();
    void this.queue.stop();
    setImmediate(() => this.db.close());
  }

  /**
   * After the last restart: waits for start-up recovery, then lets the cancel queue and the
   * refunds settle everything. What the gateway still will not settle after `patienceMs` is
   * moved past the 24 h cancel window (the clock jumps), so it is listed manual. Bounded.
   */
  async settleEverything(clock: VirtualClock, patienceMs = 2_000): Promise<void> {
    await Promise.race([this.recovered, sleep(10_000)]);
    let advanced = false;
    const started = Date.now();
    while (Date.now() - started < patienceMs + 5_000) {
      const open = listOpenAttempts(this.db);
      const pending = pendingRefundParts(this.db);
      if (open.length === 0 && pending.length === 0) return;
      if (!advanced && Date.now() - started > patienceMs) {
        clock.advance(25 * 3_600_000);
        advanced = true;
      }
      if (open.some((a) => a.state === 'open' && a.outTradeNo !== this.running())) await this.service.recover(this.running, undefined, saleOpenIn(this.checkout));
      if (pending.length > 0) await this.refunds.resumePending();
      await sleep(10);
    }
  }

  /** A clean shutdown: the checkout stops, the queue and recovery finish, the database closes. */
  async close(): Promise<void> {
    if (this.#closed || this.#stopping) return;
    this.#stopping = true;
    this.checkout.stop();
    const finished = await Promise.race([this.recovered.then(() => true), sleep(10_000).then(() => false)]);
    if (!finished) this.findings.push('start-up recovery (recover, cancel queue, pending refunds) was still running 10 s after the terminal was asked to stop');
    await this.queue.stop();
    this.#closed = true;
    this.db.close();
  }
}
