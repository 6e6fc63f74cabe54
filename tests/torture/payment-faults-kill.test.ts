// Property-based fault test of wallet payments (issue 4, "Tests"), with real SIGKILLs: a child
// terminal process (payment-faults-child.ts) sells and refunds random steps against the sandbox
// gateway running here (127.0.0.1, port 0), with gateway faults injected at random on every kind
// of call, and is killed with SIGKILL at a random moment — during start-up and recovery, or while
// paying, polling, cancelling, refunding. The next child restores what the last one left. After
// every kill the terminal's store verifies and the sandbox's ledger adds up; after the last one a
// final child settles everything without faults, and the two ledgers must agree fen for fen
// (payment-faults-check.ts). The in-process property with thousands of sequences is
// payment-faults.test.ts; this one proves the in-process crash is no kinder than a real one.
//
//   KASSA_PAYMENT_FAULT_KILLS   how many children to kill (default 24)
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/open.ts';
import { runKillableChild, type KillPlan } from '../support/killable-child.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { verifyStore } from '../../src/core/verify.ts';
import type { FaultRule, FaultRuleInput } from '../../src/payments/sandbox/faults.ts';
import type { SandboxServer } from '../../src/payments/sandbox/server.ts';
import { checkLedgers } from './payment-faults-check.ts';
import { FAULT_METHODS } from './payment-faults-steps.ts';
import { createWorld, newTerminalDb, startWorldSandbox, VirtualClock, type World } from './payment-faults-world.ts';

const KILLS = Number(process.env.KASSA_PAYMENT_FAULT_KILLS ?? 24);
const ROOT = resolve(import.meta.dirname, '../..');
const RUN_TS = join(ROOT, 'src/cli/run-ts.js');
const CHILD = join(ROOT, 'tests/torture/payment-faults-child.ts');

interface ChildRun {
  readonly ready: { restored: boolean; state: string; open: number } | null;
  /** From spawn to READY, ms. */
  readonly readyMs: number | null;
  readonly steps: number;
  readonly findings: string[];
  readonly done: boolean;
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly lastStep: string | null;
}

async function runChild(args: { file: string; url: string; keysDir: string; seed: number; mode: 'sell' | 'final'; kill: KillPlan | null }): Promise<ChildRun> {
  let ready: ChildRun['ready'] = null;
  let readyMs: number | null = null;
  const spawned = Date.now();
  let steps = 0;
  let done = false;
  let lastStep: string | null = null;
  const findings: string[] = [];
  const exit = await runKillableChild([RUN_TS, CHILD, args.file, args.url, args.keysDir, String(args.seed), args.mode], {
    kill: args.kill,
    guardMs: 60_000,
    onLine: (line) => {
      if (line.startsWith('READY ')) {
        ready = JSON.parse(line.slice(6)) as ChildRun['ready'];
        readyMs = Date.now() - spawned;
      } else if (line.startsWith('STEP ')) {
        steps++;
        lastStep = line;
      } else if (line.startsWith('FINDING ')) findings.push(JSON.parse(line.slice(8)) as string);
      else if (line.startsWith('DONE ')) done = true;
    },
  });
  return { ready, readyMs, steps, findings, done, lastStep, ...exit };
}

const FAULTS: FaultRuleInput['fault'][] = [
  { kind: 'unavailable' },
  { kind: 'unavailable', afterCommit: true },
  { kind: 'system-error' },
  { kind: 'system-error', afterCommit: true },
  { kind: 'drop-after-commit' },
  { kind: 'reset' },
  { kind: 'html' },
  { kind: 'tampered-signature' },
  { kind: 'latency', ms: 300 },
  { kind: 'latency', ms: 300, beforeCommit: true },
];

describe('wallet payments under faults with real SIGKILLs of the terminal', () => {
  let world: World;
  let sb: SandboxServer;
  const sandboxFindings: string[] = [];

  beforeAll(async () => {
    world = await createWorld();
    sb = await startWorldSandbox(world, new VirtualClock(), sandboxFindings);
  });

  afterAll(async () => {
    await sb?.close();
    world?.cleanup();
  });

  it(`the ledgers agree fen for fen after ${KILLS} kills`, { timeout: 600_000 }, async () => {
    const file = newTerminalDb(world, join(world.dir, 'kill.db'));
    const random = seededRandom(20261126);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const findings: string[] = [];
    const faultsFired: Record<string, number> = {};
    let steps = 0;
    let killedBeforeReady = 0;
    let restoredPaying = 0;
    let recoveredOpen = 0;
    let lastReadyMs = 1_000;

    for (let i = 0; i < KILLS; i++) {
      // A fresh set of faults for each child: 1–3 rules, each firing on a few per cent of its calls.
      sb.faults.clear();
      const rules: FaultRule[] = [];
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        rules.push(sb.faults.add({ method: pick(FAULT_METHODS), fault: pick(FAULTS), probability: 0.05 + random() * 0.15, seed: 1 + Math.floor(random() * 1e6) }));
      }
      // One kill in six lands during start-up (in its second half, where the store is opened and
      // the snapshot restored: the first is loading code); the rest while recovering and selling.
      const afterReady = random() >= 1 / 6;
      const ms = afterReady ? 20 + Math.floor(random() * 2_000) : Math.floor(lastReadyMs * (0.5 + random() * 0.45));
      const run = await runChild({ file, url: sb.url, keysDir: world.keys.files.dir, seed: 5000 + i, mode: 'sell', kill: { afterReady, ms } });
      const context = `kill ${i + 1} (${afterReady ? `${ms} ms after ready` : `${ms} ms after spawn`}, faults ${JSON.stringify(rules.map((r) => [r.method, r.fault]))}, last ${run.lastStep ?? 'no step'})`;
      for (const r of sb.faults.list()) if (r.fired > 0) faultsFired[r.fault.kind] = (faultsFired[r.fault.kind] ?? 0) + r.fired;

      expect(run.signal, `${context}: child exited with code ${run.code}:\n${run.stderr}`).toBe('SIGKILL');
      expect(run.stderr, context).toBe('');
      findings.push(...run.findings.map((f) => `${context}: ${f}`));
      steps += run.steps;
      if (!run.ready) killedBeforeReady++;
      if (run.readyMs !== null) lastReadyMs = run.readyMs;
      if (run.ready?.state === 'walletPaying') restoredPaying++;
      recoveredOpen += run.ready?.open ?? 0;

      // Both books are whole after every kill.
      const db = openDatabase(file, { readonly: true });
      try {
        expect(verifyStore(db).problems, context).toEqual([]);
      } finally {
        db.close();
      }
      expect(sb.ledger.check(), context).toEqual([]);
    }

    // The last start: no faults, no kill; everything settles, then the books must agree.
    sb.faults.clear();
    const final = await runChild({ file, url: sb.url, keysDir: world.keys.files.dir, seed: 1, mode: 'final', kill: null });
    expect(final.stderr).toBe('');
    expect(final.done, `the final child did not finish (code ${final.code}, signal ${final.signal})`).toBe(true);
    findings.push(...final.findings.map((f) => `final run: ${f}`));
    const db = openDatabase(file, { readonly: true });
    let check;
    try {
      check = checkLedgers(db, sb.ledger);
    } finally {
      db.close();
    }
    const summary = { kills: KILLS, steps, killedBeforeReady, restoredPaying, recoveredOpen, faultsFired, figures: check.figures };
    process.stdout.write(`payment fault test (SIGKILL): ${JSON.stringify(summary)}\n`);
    expect([...check.problems, ...findings, ...sandboxFindings]).toEqual([]);

    // The test exercised what it claims.
    expect(check.figures.paidTrades).toBeGreaterThan(KILLS / 2);
    expect(killedBeforeReady).toBeGreaterThan(0);
    expect(Object.keys(faultsFired).length).toBeGreaterThan(0);
  });
});
