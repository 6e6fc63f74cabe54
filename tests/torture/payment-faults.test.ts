// Property-based fault test of wallet payments (issue 4, "Tests"), in process: fast-check makes
// random sequences of sales (Alipay and WeChat Pay barcode, Alipay QR, cash, splits; customers
// who confirm on the phone, decline, never answer, run out of balance, show a used or invalid
// code; the cashier's stop button), refunds, time jumps, gateway faults on any call, and crashes
// of the terminal at any gateway call (before it is sent, while in flight, after the answer) or
// between steps, followed by a restart that restores the checkout's snapshot and runs start-up
// recovery, the cancel queue and pending refunds, sometimes crashing again inside that recovery.
// Each sequence runs against its own sandbox gateway (127.0.0.1, port 0, ledger in memory) and
// its own terminal database. Afterwards, and after a last clean recovery, the terminal's books
// and the gateway's agree fen for fen (payment-faults-check.ts lists the rules).
//
// How the crash is made in process, and why it is a SIGKILL: payment-faults-world.ts (CrashGate).
// Real SIGKILLs of a child terminal process: payment-faults-kill.test.ts.
//
//   KASSA_PAYMENT_FAULT_RUNS     sequences to run (default 1000)
//   KASSA_PAYMENT_FAULT_SECONDS  time budget per property: stop starting new sequences after it (default 45)
//   KASSA_PAYMENT_FAULT_LANES    independent fast-check runs side by side (default 2)
//   KASSA_PAYMENT_FAULT_SEED     replay a reported seed in one lane (with KASSA_PAYMENT_FAULT_PATH for the path)
// A failure prints the seed, the path and the shrunk step list, with every problem found.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetCheckout } from '../../src/core/checkout-service.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import type { WalletId } from '../../src/domain/payment.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import type { FaultRule } from '../../src/payments/sandbox/faults.ts';
import type { SandboxServer } from '../../src/payments/sandbox/server.ts';
import { checkLedgers, type LedgerCheck } from './payment-faults-check.ts';
import { finishSale, newPlayStats, playRefund, playSale, stepArb, type Counter, type Customers, type PlayStats, type Step } from './payment-faults-steps.ts';
import { CrashGate, createWorld, newTerminalDb, Pos, startWorldSandbox, VirtualClock, walletProviders, type CrashPoint, type World } from './payment-faults-world.ts';

const RUNS = Number(process.env.KASSA_PAYMENT_FAULT_RUNS ?? 1000);
const SECONDS = Number(process.env.KASSA_PAYMENT_FAULT_SECONDS ?? 45);
const SEED = process.env.KASSA_PAYMENT_FAULT_SEED === undefined ? undefined : Number(process.env.KASSA_PAYMENT_FAULT_SEED);
const PATH = process.env.KASSA_PAYMENT_FAULT_PATH;
const LANES = Number(process.env.KASSA_PAYMENT_FAULT_LANES ?? 2);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The customer, in process: the sandbox's own wallet. */
function sandboxCustomers(sb: SandboxServer): Customers {
  const refusable = (act: () => unknown) => {
    try {
      act();
      return Promise.resolve(true);
    } catch (err) {
      if ((err as Error).name === 'WalletError') return Promise.resolve(false);
      throw err;
    }
  };
  return {
    buyer: async (balanceFen, password) => sb.wallet.createBuyer({ balanceFen, password }).id,
    code: async (buyerId, wallet) => sb.wallet.issueCode(buyerId, wallet).code,
    pending: async (buyerId) => sb.wallet.pending(buyerId).map((t) => t.tradeNo),
    confirm: (tradeNo) => refusable(() => sb.wallet.confirm(tradeNo)),
    decline: (tradeNo) => refusable(() => sb.wallet.decline(tradeNo)),
    scan: (qrCode, buyerId, confirm) => refusable(() => sb.wallet.scan(qrCode, buyerId, { confirm })),
  };
}

interface Totals {
  sequences: number;
  steps: number;
  crashes: number;
  crashesInRecovery: number;
  lostSnapshots: number;
  faultsFired: Record<string, number>;
  play: PlayStats;
  trades: number;
  paidTrades: number;
  manualAttempts: number;
  manualRefunds: number;
  attemptsByState: Record<string, number>;
  waitingTrades: number;
  ms: number;
  /** Where the time went, ms. */
  phases: { start: number; steps: number; final: number; dispose: number };
}

function newTotals(): Totals {
  return {
    sequences: 0,
    steps: 0,
    crashes: 0,
    crashesInRecovery: 0,
    lostSnapshots: 0,
    faultsFired: {},
    play: newPlayStats(),
    trades: 0,
    paidTrades: 0,
    manualAttempts: 0,
    manualRefunds: 0,
    attemptsByState: {},
    waitingTrades: 0,
    ms: 0,
    phases: { start: 0, steps: 0, final: 0, dispose: 0 },
  };
}

function add(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** One sequence: its own sandbox, terminal database and clock. */
class Run {
  readonly instances: Pos[] = [];
  readonly counter: Counter;
  crashes = 0;
  crashesInRecovery = 0;
  lostSnapshots = 0;
  readonly faultsFired: Record<string, number> = {};

  private constructor(
    readonly world: World,
    readonly clock: VirtualClock,
    readonly findings: string[],
    readonly sb: SandboxServer,
    readonly providers: ReadonlyMap<WalletId, PaymentProvider>,
    readonly file: string,
  ) {
    const pos = this.open(null);
    this.counter = { pos, customers: sandboxCustomers(sb), stats: newPlayStats(), usedCodes: new Map(), findings: this.findings, customersBusy: new Set(), clock };
  }

  static async start(world: World, index: number): Promise<Run> {
    const clock = new VirtualClock();
    const findings: string[] = [];
    const sb = await startWorldSandbox(world, clock, findings);
    return new Run(world, clock, findings, sb, walletProviders(world.keys, sb.url), newTerminalDb(world, join(world.dir, `run-${index}.db`)));
  }

  get pos(): Pos {
    return this.counter.pos;
  }

  private open(crash: CrashPoint | null): Pos {
    const gate = new CrashGate();
    gate.arm(crash);
    const pos = new Pos({ file: this.file, config: this.world.config, providers: this.providers, clock: this.clock, gate });
    this.instances.push(pos);
    return pos;
  }

  /** Resolves when `work` is done or the terminal crashed; a failure of a live terminal is thrown. */
  private async untilCrash(work: Promise<void>): Promise<void> {
    const pos = this.pos;
    const outcome = await Promise.race([work.then(() => null, (err: unknown) => err as Error), (pos.gate as CrashGate).crashed.then(() => 'crashed' as const)]);
    if (outcome instanceof Error && !pos.dead) throw outcome;
  }

  private async restart(waitInflight: boolean, loseSnapshot: boolean, crashAgain: CrashPoint | null): Promise<void> {
    const dead = this.pos;
    this.crashes++;
    if (waitInflight) await dead.gate?.settled();
    // The dead terminal's database connection closes on the next turn (Pos).
    await new Promise((r) => setImmediate(r));
    if (loseSnapshot) {
      const db = openDatabase(this.file);
      try {
        forgetCheckout(db);
      } finally {
        db.close();
      }
      this.lostSnapshots++;
    }
    if (crashAgain !== null) this.crashesInRecovery++;
    (this.counter as { pos: Pos }).pos = this.open(crashAgain);
  }

  /** How often each fault of the step fired (a spent `count` rule is gone from the list). */
  private noteFaults(added: readonly FaultRule[]): void {
    const live = new Map(this.sb.faults.list().map((r) => [r.id, r]));
    for (const rule of added) {
      const fired = live.get(rule.id)?.fired ?? rule.count ?? 0;
      const name = `${rule.fault.kind}${rule.fault.afterCommit ? '/after-commit' : ''}${rule.fault.beforeCommit ? '/before-commit' : ''}`;
      if (fired > 0) this.faultsFired[name] = (this.faultsFired[name] ?? 0) + fired;
    }
  }

  /** Rules of the previous step that last until the end of this one. */
  private carried: FaultRule[] = [];

  async step(step: Step): Promise<void> {
    const added = step.faults.map((rule) => this.sb.faults.add(rule));
    this.pos.gate?.arm(step.crash);
    const a = step.action;
    const work = a.kind === 'sale' ? playSale(this.counter, a) : a.kind === 'refund' ? playRefund(this.counter, a) : Promise.resolve(this.clock.advance(a.ms));
    await this.untilCrash(work);
    // A crash point the step did not reach: the terminal dies when the step is over.
    if (step.crash !== null) this.pos.gate?.crash();
    let again = step.crashAgain;
    for (let n = 0; this.pos.dead; n++) {
      if (n > 3) throw new Error('the terminal crashed more than 3 times in one step');
      await this.restart(step.waitInflight, step.loseSnapshot && n === 0, again);
      again = null;
      await this.untilCrash(finishSale(this.counter, 'cash'));
    }
    const ending = step.faultsStay ? this.carried : [...this.carried, ...added];
    this.noteFaults(ending);
    for (const rule of ending) this.sb.faults.remove(rule.id);
    this.carried = step.faultsStay ? added : [];
  }

  /** No more faults; the cashier finishes, the terminal restarts cleanly, and everything is settled. */
  async final(): Promise<LedgerCheck> {
    this.noteFaults(this.carried);
    this.sb.faults.clear();
    this.pos.gate?.arm(null);
    await this.untilCrash(finishSale(this.counter, 'cash'));
    await this.pos.close();
    (this.counter as { pos: Pos }).pos = this.open(null);
    const pos = this.pos;
    await pos.settleEverything(this.clock);
    await finishSale(this.counter, 'cash');
    await pos.close();
    const db = openDatabase(this.file, { readonly: true });
    try {
      return checkLedgers(db, this.sb.ledger);
    } finally {
      db.close();
    }
  }

  allFindings(): string[] {
    return [...this.findings, ...this.instances.flatMap((p) => p.findings)];
  }

  async dispose(): Promise<void> {
    await Promise.race([Promise.all([...this.counter.customersBusy]), sleep(3_000)]);
    for (const p of this.instances) if (!p.dead) await p.close().catch(() => undefined);
    await this.sb.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.file}${suffix}`, { force: true });
  }
}

function format(steps: readonly Step[]): string {
  return steps.map((s, i) => `  ${i + 1}. ${JSON.stringify(s)}`).join('\n');
}

/**
 * Runs the property: `lanes` independent fast-check runs side by side (a sequence mostly waits on
 * timers — polls, deadlines, customers — so two lanes nearly double what one CPU gets through),
 * each until its share of `runs` or the time budget. Throws with the seed, the path and the shrunk
 * steps when a sequence breaks the books; returns what was exercised.
 */
async function checkProperty(world: World, options: { loseSnapshots: boolean; runs: number; seconds: number; title: string }): Promise<Totals> {
  const totals = newTotals();
  let index = 0;
  const started = Date.now();
  const property = fc.asyncProperty(fc.array(stepArb({ loseSnapshots: options.loseSnapshots }), { minLength: 1, maxLength: 8 }), async (steps) => {
    let t = performance.now();
    const lap = (phase: keyof Totals['phases']) => {
      const now = performance.now();
      totals.phases[phase] += Math.round(now - t);
      t = now;
    };
    const run = await Run.start(world, index++);
    lap('start');
    try {
      for (const s of steps) await run.step(s);
      lap('steps');
      const check = await run.final();
      lap('final');
      const findings = run.allFindings();
      if (check.problems.length > 0 || findings.length > 0) {
        throw new Error(`${[...check.problems, ...findings].map((p) => `- ${p}`).join('\n')}\nfigures: ${JSON.stringify(check.figures)}`);
      }
      totals.sequences++;
      totals.steps += steps.length;
      totals.crashes += run.crashes;
      totals.crashesInRecovery += run.crashesInRecovery;
      totals.lostSnapshots += run.lostSnapshots;
      add(totals.faultsFired, run.faultsFired);
      const s = run.counter.stats;
      totals.play.sales += s.sales;
      totals.play.cancelledSales += s.cancelledSales;
      totals.play.walletActions += s.walletActions;
      totals.play.refundErrors += s.refundErrors;
      add(totals.play.payments, s.payments);
      add(totals.play.refunds, s.refunds);
      totals.trades += check.figures.trades;
      totals.paidTrades += check.figures.paidTrades;
      totals.manualAttempts += check.figures.manualAttempts;
      totals.manualRefunds += check.figures.manualRefunds;
      totals.waitingTrades += check.figures.waitingTrades;
      add(totals.attemptsByState, check.figures.attemptsByState);
    } finally {
      await run.dispose();
      lap('dispose');
    }
  });
  const lanes = SEED === undefined ? LANES : 1;
  const base = SEED ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  const results = await Promise.all(
    Array.from({ length: lanes }, (_, lane) =>
      fc.check(property, {
        numRuns: Math.ceil(options.runs / lanes),
        seed: (base + lane) | 0,
        ...(PATH === undefined ? {} : { path: PATH }),
        plugins: [fc.interruptAfterTimeLimit(options.seconds * 1000), fc.timeout(120_000)],
      }),
    ),
  );
  totals.ms = Date.now() - started;
  process.stdout.write(`payment fault test (${options.title}; ${lanes} lane(s) from seed ${base}): ${JSON.stringify(totals)}\n`);
  for (const details of results) {
    if (!details.failed) continue;
    const steps = (details.counterexample as [Step[]] | null)?.[0] ?? [];
    throw new Error(
      `a sequence broke the books (seed ${details.seed}, path ${details.counterexamplePath ?? '?'}; replay with KASSA_PAYMENT_FAULT_SEED=${details.seed} KASSA_PAYMENT_FAULT_PATH=${details.counterexamplePath ?? ''}; timing makes a replay likely, not certain):\n` +
        `${format(steps)}\n${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
    );
  }
  return totals;
}

describe('wallet payments under random faults, refunds and crashes (in process)', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld();
  });

  afterAll(() => {
    world?.cleanup();
  });

  it(`the terminal's ledger and the gateway's agree fen for fen (up to ${RUNS} sequences or ${SECONDS} s)`, { timeout: SECONDS * 1000 + 600_000 }, async () => {
    const totals = await checkProperty(world, { loseSnapshots: false, runs: RUNS, seconds: SECONDS, title: 'in process' });
    // The test exercised what it claims (not checked when replaying one seed).
    if (SEED !== undefined) return;
    expect(totals.sequences).toBeGreaterThanOrEqual(Math.min(RUNS, 100));
    if (totals.sequences < 100) return;
    expect(totals.crashes).toBeGreaterThan(totals.sequences / 4);
    expect(totals.crashesInRecovery).toBeGreaterThan(0);
    expect(Object.keys(totals.faultsFired).length).toBeGreaterThanOrEqual(6);
    expect(totals.play.payments.paid ?? 0).toBeGreaterThan(totals.sequences / 4);
    expect(totals.play.refunds['alipay:refunded'] ?? 0).toBeGreaterThan(0);
    expect(totals.play.refunds['wechat:refunded'] ?? 0).toBeGreaterThan(0);
  });

  // Some restarts also lose the checkout's snapshot (as when it is discarded after an upgrade
  // bumps checkoutMachineVersion). This found two recovery bugs, fixed in payment-service.ts and
  // kept as plain regressions in payment-recovery-regressions.test.ts: a wallet tender of a sale
  // never committed was neither given back nor listed; a barcode attempt the gateway did not know
  // yet was called failed without a cancel, so a pay still on its way charged the customer later.
  it(
    `the ledgers agree also when a restart loses the checkout's snapshot (up to ${RUNS} sequences or ${SECONDS} s)`,
    { timeout: SECONDS * 1000 + 600_000 },
    async () => {
      const totals = await checkProperty(world, { loseSnapshots: true, runs: RUNS, seconds: SECONDS, title: 'in process, lost snapshots' });
      if (SEED === undefined) expect(totals.lostSnapshots).toBeGreaterThan(0);
    },
  );
});
