// Model-based tests: xstate/graph walks the real payment machine, in barcode and in QR mode,
// with every answer each gateway call can give (`xstate.done.actor.*` with each outcome kind,
// `xstate.error.actor.*`), every timer (`xstate.after.<delay>.*`), STOP and RESUME among the
// events and `filterEvents` keeping only events the state accepts. Every shortest path, and every
// simple path to each final state over a smaller event set, is then replayed on a real actor
// whose gateway calls are held and answered as the path says and whose timers run on a manual
// clock that fires exactly the timer the path names (the deadline may fire in any poll state, as
// it can in real time when a query is slow). After each step the actor must be in the state the
// path says, with the same call log.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { maxPolls, paymentMachine, PAYMENT_FINAL_STATES } from '../../../state-machines/payment.machine.ts';
import type { PaymentContext, PaymentEvent, PaymentInput, PaymentTiming } from '../../../state-machines/payment.machine.ts';
import { alreadyPaid, BARCODE, cancelled, closed, created, gatewayFakes, notFound, paid, payWaiting, QR, refused, retry, unknown, waiting } from './payment-fakes.ts';
import type { CallName } from './payment-fakes.ts';

/** Distinct delays, so the manual clock can tell the timers apart. */
const TIMING: PaymentTiming = {
  pollIntervalMs: 100,
  deadlineMs: 250,
  queryDelayMs: 30,
  cancelRetryMs: 20,
  cancelRetries: 2,
  closeRetryMs: 25,
  closeRetries: 2,
};
const DELAYS: Record<string, number> = {
  pollInterval: TIMING.pollIntervalMs,
  deadline: TIMING.deadlineMs,
  queryDelay: TIMING.queryDelayMs,
  cancelRetry: TIMING.cancelRetryMs,
  closeRetry: TIMING.closeRetryMs,
};
const BARCODE_INPUT: PaymentInput = { ...BARCODE, timing: TIMING };
const QR_INPUT: PaymentInput = { ...QR, timing: TIMING };

type AnyEvent =
  | PaymentEvent
  | { type: `xstate.done.actor.${string}`; output: unknown }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: `xstate.after.${string}` }
  | { type: 'xstate.init' };

const done = (name: CallName, output: unknown): AnyEvent => ({ type: `xstate.done.actor.${name}`, output });
const error = (name: CallName, message: string): AnyEvent => ({ type: `xstate.error.actor.${name}`, error: message });
const after = (delay: string, stateId: string): AnyEvent => ({ type: `xstate.after.${delay}.payment.${stateId}` });

const QUERY_ANSWERS: AnyEvent[] = [
  done('query', paid()),
  done('query', waiting),
  done('query', notFound),
  done('query', closed),
  done('query', unknown()),
  error('query', 'ECONNRESET'),
];

const BARCODE_EVENTS: AnyEvent[] = [
  done('pay', paid()),
  done('pay', payWaiting),
  done('pay', refused('ACQ.PAYMENT_AUTH_CODE_INVALID', 'refresh the code', true)),
  done('pay', unknown()),
  error('pay', 'socket hang up'),
  ...QUERY_ANSWERS,
  done('cancel', cancelled('close')),
  done('cancel', cancelled('refund')),
  done('cancel', retry()),
  done('cancel', refused('ACQ.TRADE_CANCEL_TIME_OUT', 'too late')),
  error('cancel', 'ETIMEDOUT'),
  after('queryDelay', 'barcode.unclear'),
  after('pollInterval', 'barcode.polling.waiting'),
  after('deadline', 'barcode.polling'),
  after('cancelRetry', 'barcode.cancelRetry'),
  { type: 'STOP', at: 'T-stop' },
  { type: 'RESUME', at: 'T-resume' },
];

const QR_EVENTS: AnyEvent[] = [
  done('precreate', created()),
  done('precreate', refused('ACQ.TOTAL_FEE_EXCEED', 'over the limit')),
  done('precreate', unknown()),
  error('precreate', 'bad gateway'),
  ...QUERY_ANSWERS,
  done('close', closed),
  done('close', notFound),
  done('close', alreadyPaid),
  done('close', refused('ACQ.ACCESS_FORBIDDEN', 'not allowed')),
  done('close', unknown()),
  error('close', 'ETIMEDOUT'),
  after('pollInterval', 'qr.showing.waiting'),
  after('deadline', 'qr.showing'),
  after('closeRetry', 'qr.closeRetry'),
  { type: 'STOP', at: 'T-stop' },
  { type: 'RESUME', at: 'T-resume' },
];

type Snap = { value: unknown; status: string; context: PaymentContext };
type Path = { steps: { event: AnyEvent; state: Snap }[]; state: Snap };

/** The state plus every context fact that changes what can happen next. */
function key(s: Snap): string {
  const c = s.context;
  return JSON.stringify({
    value: s.value,
    status: s.status,
    polls: c.polls,
    cancels: c.cancelAttempts,
    closes: c.closeAttempts,
    stoppedBy: c.stoppedBy,
    cashier: c.cashierStopped,
    qr: c.qrCode !== null,
    result: c.result === null ? null : [c.result.kind, c.result.kind === 'paid' ? c.result.unwanted : null],
  });
}

/** Dotted path of the leaf state, e.g. "barcode.polling.waiting". */
function leaf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return `${k}.${leaf(v)}`;
}

/** Every atomic state of the machine under a top-level state, as dotted paths. */
function atomicStates(top: string): string[] {
  const out: string[] = [];
  const walk = (node: { path: string[]; states: Record<string, unknown> }) => {
    const children = Object.values(node.states) as (typeof node)[];
    if (children.length === 0) out.push(node.path.join('.'));
    for (const child of children) walk(child);
  };
  walk(paymentMachine.root.states[top] as unknown as { path: string[]; states: Record<string, unknown> });
  return out;
}

/** A clock whose timers fire only when the test fires them, chosen by their delay. */
function manualClock() {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  return {
    setTimeout(fn: () => void, ms: number) {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimeout(id: number) {
      timers.delete(id);
    },
    pending: () => [...timers.values()].map((t) => t.ms).sort((a, b) => a - b),
    fire(ms: number) {
      const due = [...timers.entries()].filter(([, t]) => t.ms === ms);
      if (due.length !== 1) throw new Error(`expected one ${ms} ms timer, pending: ${JSON.stringify([...timers.values()].map((t) => t.ms))}`);
      const [id, t] = due[0] as [number, { fn: () => void; ms: number }];
      timers.delete(id);
      t.fn();
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function replay(path: Path, input: PaymentInput): Promise<void> {
  const f = gatewayFakes({ pay: ['hold'], precreate: ['hold'], query: Array(40).fill('hold'), cancel: Array(10).fill('hold'), close: Array(10).fill('hold') });
  const clock = manualClock();
  const actor = createActor(f.machine, { input, clock }).start();
  // The path's snapshots are representatives of their key (their logs may come from another
  // path to the same key), so the expected log is built from this path's own answers.
  const expectedLog: unknown[] = [];
  for (const [i, step] of path.steps.entries()) {
    const e = step.event;
    const where = `step ${i} (${e.type}) of ${path.steps.map((s) => s.event.type.replace(/^xstate\./, '')).join(' → ')}`;
    const answer = /^xstate\.(done|error)\.actor\.(.+)$/.exec(e.type);
    const timer = /^xstate\.after\.([a-zA-Z]+)\./.exec(e.type);
    if (e.type === 'xstate.init') {
      // the initial state
    } else if (answer) {
      const name = answer[2] as CallName;
      if (answer[1] === 'done' && 'output' in e) {
        f.settle(name, e.output as never);
        expectedLog.push({ call: name, outcome: e.output });
      } else if ('error' in e) {
        f.failHeld(name, String(e.error));
        expectedLog.push({ call: name, outcome: { kind: 'error', message: String(e.error) } });
      }
      await flush();
    } else if (timer) {
      const ms = DELAYS[timer[1] ?? ''];
      if (ms === undefined) throw new Error(`unknown delay in ${e.type}`);
      clock.fire(ms);
      await flush();
    } else {
      actor.send(e as PaymentEvent);
      await flush();
    }
    const s = actor.getSnapshot();
    expect(key(s), where).toBe(key(step.state));
    expect(s.context.log, where).toEqual(expectedLog);
  }
  const end = actor.getSnapshot();
  if (end.status === 'done') {
    expect(end.output).toEqual(end.context.result);
    expect(clock.pending(), 'no timer outlives the attempt').toEqual([]);
  }
  expect(f.unscripted).toEqual([]);
  actor.stop();
}

function walk(input: PaymentInput, events: AnyEvent[], simple = false): Path[] {
  const options = {
    input,
    events: events as PaymentEvent[],
    filterEvents: (s: { can: (e: PaymentEvent) => boolean }, e: PaymentEvent) => s.can(e),
    serializeState: (s: Snap) => key(s),
    limit: 100_000,
  };
  if (!simple) return getShortestPaths(paymentMachine, options) as unknown as Path[];
  return (getSimplePaths(paymentMachine, { ...options, toState: (s) => s.status === 'done' }) as unknown as Path[]).filter((p) => p.state.status === 'done');
}

for (const [mode, input, events] of [
  ['barcode', BARCODE_INPUT, BARCODE_EVENTS],
  ['qr', QR_INPUT, QR_EVENTS],
] as const) {
  describe(`payment model (${mode})`, () => {
    const shortest = walk(input, [...events]);

    it('reaches every state of the flow and every final state it can end in', () => {
      const reached = new Set(shortest.map((p) => leaf(p.state.value)));
      for (const s of atomicStates(mode)) expect(reached, s).toContain(s);
      const finals = mode === 'barcode' ? ['paid', 'failed', 'cancelled', 'cancelPending', 'manualReconcile'] : ['paid', 'failed', 'aborted', 'expired', 'closePending', 'manualReconcile'];
      for (const s of finals) expect(reached, s).toContain(s);
      for (const s of reached) if (!s.startsWith(`${mode}.`)) expect(PAYMENT_FINAL_STATES as readonly string[], s).toContain(s);
    });

    it('reaches the poll cap and the last cancel/close retry', () => {
      const keys = shortest.map((p) => p.state.context);
      expect(keys.some((c) => c.polls === maxPolls(TIMING))).toBe(true);
      if (mode === 'barcode') expect(keys.some((c) => c.cancelAttempts === TIMING.cancelRetries + 1)).toBe(true);
      else expect(keys.some((c) => c.closeAttempts === TIMING.closeRetries + 1)).toBe(true);
    });

    it('replays every shortest path on a real actor with held calls and a manual clock', async () => {
      expect(shortest.length).toBeGreaterThan(40);
      for (const path of shortest) await replay(path, input);
    });

    it('never ends paid unless a call said paid, and flags it unwanted only after a cashier STOP', () => {
      for (const p of shortest) {
        const r = p.state.context.result;
        if (r?.kind !== 'paid') continue;
        expect(p.state.context.log.some((l) => l.outcome.kind === 'paid')).toBe(true);
        expect(r.unwanted).toBe(p.state.context.cashierStopped);
        if (mode === 'barcode') expect(r.unwanted).toBe(false);
      }
    });
  });
}

describe('payment model: simple paths to every final state', () => {
  // Fewer answers per call keep the number of simple paths in the thousands, not millions.
  const barcodeEvents = BARCODE_EVENTS.filter(
    (e) =>
      !['xstate.error.actor.pay', 'xstate.error.actor.cancel', 'xstate.error.actor.query'].includes(e.type) &&
      !('output' in e && ['not-found', 'unknown'].includes((e.output as { kind: string }).kind) && e.type === 'xstate.done.actor.query') &&
      !('output' in e && (e.output as { action?: string }).action === 'refund'),
  );
  const qrEvents = QR_EVENTS.filter(
    (e) =>
      e.type !== 'RESUME' &&
      !['xstate.error.actor.precreate', 'xstate.error.actor.close', 'xstate.error.actor.query'].includes(e.type) &&
      !('output' in e && e.type === 'xstate.done.actor.query' && ['waiting', 'unknown'].includes((e.output as { kind: string }).kind)) &&
      !('output' in e && e.type === 'xstate.done.actor.close' && (e.output as { kind: string }).kind === 'not-found'),
  );

  for (const [mode, input, events] of [
    ['barcode', BARCODE_INPUT, barcodeEvents],
    ['qr', QR_INPUT, qrEvents],
  ] as const) {
    it(`replays every simple path to a final state (${mode})`, async () => {
      const paths = walk(input, events, true);
      const ends = new Set(paths.map((p) => leaf(p.state.value)));
      const finals = mode === 'barcode' ? ['paid', 'failed', 'cancelled', 'cancelPending', 'manualReconcile'] : ['paid', 'failed', 'aborted', 'expired', 'closePending', 'manualReconcile'];
      expect([...ends].sort()).toEqual([...finals].sort());
      expect(paths.length).toBeGreaterThan(100);
      for (const path of paths) await replay(path, input);
    }, 120_000);
  }
});
