import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { RefundOutcome, RefundQueryOutcome } from '../../../src/domain/payment.ts';
import {
  provideRefund,
  REFUND_FINAL_STATES,
  refundInputProblem,
  refundMachine,
  refundMachineVersion,
  refundTiming,
} from '../../../state-machines/refund.machine.ts';
import type { RefundContext, RefundEvent, RefundInput, RefundResult } from '../../../state-machines/refund.machine.ts';
import { gatewayFakes, REFUND, refused, unknown } from './payment-fakes.ts';
import type { Answer, Script } from './payment-fakes.ts';

const refunded = (refundedTotal = 1000, fundChange = true): RefundOutcome => ({ kind: 'refunded', refundedTotal, fundChange });
const queried = (amount = 1000): RefundQueryOutcome => ({ kind: 'refunded', amount });
const notRefunded: RefundQueryOutcome = { kind: 'not-refunded' };

function start(input: RefundInput, script: Script = {}) {
  const f = gatewayFakes(script);
  const actor = createActor(f.refundMachine, { input }).start();
  return { actor, ...f };
}
type Actor = ReturnType<typeof start>['actor'];
const output = (a: Actor): RefundResult | undefined => a.getSnapshot().output;
const flush = () => vi.advanceTimersByTimeAsync(0);
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refund timing and input', () => {
  it('defaults: retry 2 s × 3, refund query 10 s after, 2 extra queries, 2 rounds', () => {
    expect(refundTiming()).toEqual({ retryDelayMs: 2_000, retries: 3, queryDelayMs: 10_000, queryRetries: 2, rounds: 2 });
    expect(refundMachineVersion).toBe(1);
  });

  it('names what is wrong with a bad input, and a bad input ends failed with no call', () => {
    const cases: [Partial<RefundInput>, RegExp][] = [
      [{ amount: 0 }, /^refund amount 0 must be a whole number of minor units above 0$/],
      [{ amount: 10.5 }, /refund amount 10.5 must be/],
      [{ outRequestNo: 'R-1' }, /outRequestNo "R-1" must be 1–32 characters/],
      [{ trade: { wallet: 'alipay', outTradeNo: '' } }, /trade.outTradeNo "" must be/],
      [{ currency: 'ABC' }, /currency "ABC" is not supported/],
      [{ reason: ' ' }, /a refund needs a reason/],
      [{ operatorId: '' }, /operatorId must not be empty/],
      [{ timing: { rounds: 0 } }, /timing.rounds 0 must be a whole number from 1 to 10/],
      [{ timing: { retryDelayMs: -1 } }, /timing.retryDelayMs -1 must be/],
    ];
    for (const [patch, msg] of cases) expect(refundInputProblem({ ...REFUND, ...patch })).toMatch(msg);
    expect(refundInputProblem(REFUND)).toBeNull();

    const { actor, calls } = start({ ...REFUND, amount: -100 });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(output(actor)).toMatchObject({ kind: 'failed', code: 'kassa.INVALID_INPUT', message: 'refund not started: refund amount -100 must be a whole number of minor units above 0' });
    expect(calls).toEqual([]);
  });
});

describe('refund machine', () => {
  it('refunded at once: done, with the refund request as given', async () => {
    const { actor, calls } = start({ ...REFUND, startedAt: 'T0' }, { refund: [refunded(3000)] });
    await flush();
    expect(output(actor)).toEqual({
      kind: 'refunded',
      amount: 1000,
      refundedTotal: 3000,
      fundChange: true,
      confirmedBy: 'refund',
      outTradeNo: REFUND.trade.outTradeNo,
      outRequestNo: REFUND.outRequestNo,
      message: 'refunded',
    });
    expect(calls.map((c) => c.input)).toEqual([
      { wallet: 'alipay', outTradeNo: REFUND.trade.outTradeNo, outRequestNo: REFUND.outRequestNo, amount: 1000, currency: 'CNY', reason: 'damaged item', operatorId: 'manager1' },
    ]);
    expect(actor.getSnapshot().context.startedAt).toBe('T0');
  });

  it('fund_change=N (already refunded with this key) is still done, and says so', async () => {
    const { actor } = start(REFUND, { refund: [refunded(1000, false)] });
    await flush();
    expect(output(actor)).toMatchObject({ kind: 'refunded', fundChange: false, message: 'refunded (the money had already gone back with this refund number)' });
  });

  it('a refusal ends failed with the gateway message, without retrying', async () => {
    const { actor, names } = start(REFUND, { refund: [refused('ACQ.REASON_TRADE_REFUND_FEE_ERR', 'the refund is larger than what is left to refund')] });
    await advance(60_000);
    expect(output(actor)).toMatchObject({ kind: 'failed', code: 'ACQ.REASON_TRADE_REFUND_FEE_ERR', message: 'the refund is larger than what is left to refund' });
    expect(names()).toEqual(['refund']);
  });

  it('an unclear answer is retried every 2 s with the SAME out_request_no and amount', async () => {
    const { actor, calls, count } = start(REFUND, { refund: [unknown('ACQ.SYSTEM_ERROR'), { reject: 'ECONNRESET' }, refunded()] });
    await flush();
    expect(actor.getSnapshot().context.message).toBe('no clear answer to the refund (ACQ.SYSTEM_ERROR): trying again with the same refund number');
    await advance(1_999);
    expect(count('refund')).toBe(1);
    await advance(1);
    expect(count('refund')).toBe(2);
    await advance(2_000);
    expect(output(actor)).toMatchObject({ kind: 'refunded', confirmedBy: 'refund' });
    expect(new Set(calls.map((c) => JSON.stringify(c.input))).size).toBe(1);
    expect(actor.getSnapshot().context.log[1]).toEqual({ call: 'refund', outcome: { kind: 'error', message: 'ECONNRESET' } });
  });

  it('still unclear after 3 retries: refund query no sooner than 10 s after the last refund; found means done', async () => {
    const { actor, calls, names } = start(REFUND, { refund: Array(4).fill(unknown()), refundQuery: [queried()] });
    await advance(3 * 2_000);
    expect(names()).toEqual(['refund', 'refund', 'refund', 'refund']);
    await advance(9_999);
    expect(names()).toHaveLength(4);
    await advance(1);
    expect(names().at(-1)).toBe('refundQuery');
    expect(calls.at(-1)?.input).toEqual({ wallet: 'alipay', outTradeNo: REFUND.trade.outTradeNo, outRequestNo: REFUND.outRequestNo });
    expect(output(actor)).toMatchObject({ kind: 'refunded', confirmedBy: 'query', amount: 1000, refundedTotal: null, fundChange: null });
  });

  it('refund query finds no refund: refunds again with the same key (a new round)', async () => {
    const { actor, calls, names } = start(REFUND, { refund: [...Array(4).fill(unknown()), refunded()], refundQuery: [notRefunded] });
    await advance(6_000 + 10_000);
    expect(names()).toEqual(['refund', 'refund', 'refund', 'refund', 'refundQuery', 'refund']);
    expect(output(actor)).toMatchObject({ kind: 'refunded', confirmedBy: 'refund' });
    expect(actor.getSnapshot().context.round).toBe(2);
    const refunds = calls.filter((c) => c.name === 'refund').map((c) => JSON.stringify(c.input));
    expect(new Set(refunds).size).toBe(1);
  });

  it('after the last round finds no refund: pending, handed to the host with the same refund number', async () => {
    const { actor, count } = start(REFUND, { refund: Array(8).fill(unknown()), refundQuery: [notRefunded, notRefunded] });
    await advance(2 * (6_000 + 10_000));
    expect(count('refund')).toBe(8);
    expect(count('refundQuery')).toBe(2);
    expect(output(actor)).toMatchObject({ kind: 'pending' });
    expect(output(actor)?.message).toMatch(new RegExp(`refund ${REFUND.outRequestNo} is not confirmed \\(the wallet still has no refund after 2 rounds\\)`));
    await advance(120_000);
    expect(count('refund')).toBe(8);
  });

  it('an unclear refund query is asked again every 10 s, then pending after 3 queries', async () => {
    const { actor, count } = start({ ...REFUND, timing: { retries: 0 } }, { refund: [unknown()], refundQuery: [unknown(), { reject: 'ETIMEDOUT' }, unknown()] });
    await advance(10_000);
    expect(count('refundQuery')).toBe(1);
    await advance(10_000);
    expect(count('refundQuery')).toBe(2);
    await advance(10_000);
    expect(count('refundQuery')).toBe(3);
    expect(output(actor)).toMatchObject({ kind: 'pending' });
    expect(output(actor)?.message).toMatch(/refund query stayed unclear 3 times/);
  });

  it('a refund query that reports another amount is reported, not hidden', async () => {
    const { actor } = start({ ...REFUND, timing: { retries: 0 } }, { refund: [unknown()], refundQuery: [queried(900)] });
    await advance(10_000);
    expect(output(actor)).toMatchObject({ kind: 'refunded', amount: 900 });
    expect(output(actor)?.message).toBe(`refund ${REFUND.outRequestNo} returned 900, not the 1000 asked: check this refund`);
  });

  it('default actors reject loudly, and the refund is handed over as pending, never dropped', async () => {
    const actor = createActor(refundMachine, { input: REFUND }).start();
    await advance(120_000);
    const s = actor.getSnapshot();
    expect(s.value).toBe('pending');
    expect(s.context.log[0]).toEqual({
      call: 'refund',
      outcome: { kind: 'error', message: 'refund: the host did not provide the "refund" actor; pass it with refundMachine.provide({ actors: { refund } }) or provideRefund()' },
    });
  });

  it('provideRefund passes the request and an AbortSignal', async () => {
    const seen: unknown[] = [];
    const machine = provideRefund({
      refund: async (r, signal) => {
        seen.push([r.outRequestNo, r.amount, signal instanceof AbortSignal]);
        return unknown();
      },
      refundQuery: async (r) => {
        seen.push(['query', r.outRequestNo]);
        return queried();
      },
    });
    const actor = createActor(machine, { input: { ...REFUND, timing: { retries: 0 } } }).start();
    await advance(10_000);
    expect(seen).toEqual([
      [REFUND.outRequestNo, 1000, true],
      ['query', REFUND.outRequestNo],
    ]);
    expect(actor.getSnapshot().output?.kind).toBe('refunded');
  });
});

describe('refund machine: restoring a snapshot', () => {
  const persist = (a: Actor) => JSON.parse(JSON.stringify(a.getPersistedSnapshot())) as ReturnType<Actor['getPersistedSnapshot']>;

  it('restored while refunding, the refund re-runs with the same request', async () => {
    const first = start(REFUND, { refund: ['hold'] });
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ refund: [refunded(1000, false)] });
    const restored = createActor(second.refundMachine, { input: REFUND, snapshot }).start();
    await flush();
    expect(second.calls[0]?.input).toEqual(first.calls[0]?.input);
    expect(restored.getSnapshot().output).toMatchObject({ kind: 'refunded', fundChange: false });
  });

  it('restored while waiting to retry, RESUME refunds now', async () => {
    const first = start(REFUND, { refund: [unknown()] });
    await flush();
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ refund: [refunded()] });
    const restored = createActor(second.refundMachine, { input: REFUND, snapshot }).start();
    await advance(30_000);
    expect(second.calls).toEqual([]);
    restored.send({ type: 'RESUME', at: 'T9' });
    await flush();
    expect(restored.getSnapshot().output?.kind).toBe('refunded');
    expect(restored.getSnapshot().context.resumedAt).toBe('T9');
  });

  it('restored while waiting to query, RESUME waits the full 10 s again before asking', async () => {
    const first = start({ ...REFUND, timing: { retries: 0 } }, { refund: [unknown()] });
    await advance(3_000);
    expect(first.actor.getSnapshot().value).toBe('awaitingQuery');
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ refundQuery: [queried()] });
    const restored = createActor(second.refundMachine, { input: { ...REFUND, timing: { retries: 0 } }, snapshot }).start();
    restored.send({ type: 'RESUME' });
    await advance(9_999);
    expect(second.calls).toEqual([]);
    await advance(1);
    expect(second.names()).toEqual(['refundQuery']);
    expect(restored.getSnapshot().output?.kind).toBe('refunded');
  });
});

// ---------------------------------------------------------------------------------------------

const refundAnswer = fc.tuple(
  fc.oneof(
    { arbitrary: fc.constant<Answer<'refund'>>(refunded()), weight: 1 },
    { arbitrary: fc.constant<Answer<'refund'>>(refused('ACQ.TRADE_NOT_ALLOW_REFUND', 'not refundable')), weight: 1 },
    { arbitrary: fc.constant<Answer<'refund'>>(unknown()), weight: 5 },
    { arbitrary: fc.constant<Answer<'refund'>>({ reject: 'ECONNRESET' }), weight: 2 },
  ),
  fc.integer({ min: 0, max: 6_000 }),
);
const queryAnswer = fc.tuple(
  fc.oneof(
    { arbitrary: fc.constant<Answer<'refundQuery'>>(queried()), weight: 1 },
    { arbitrary: fc.constant<Answer<'refundQuery'>>(notRefunded), weight: 2 },
    { arbitrary: fc.constant<Answer<'refundQuery'>>(unknown()), weight: 2 },
    { arbitrary: fc.constant<Answer<'refundQuery'>>({ reject: 'ETIMEDOUT' }), weight: 1 },
  ),
  fc.integer({ min: 0, max: 6_000 }),
);
const withLatency = <N extends 'refund' | 'refundQuery'>([a, after]: [Answer<N>, number]): Answer<N> =>
  typeof a === 'object' && 'reject' in a ? { reject: a.reject, after } : ({ outcome: a, after } as Answer<N>);

describe('refund machine: property', () => {
  it('any answers end in a final state within the bound, always with the same refund request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(refundAnswer, { maxLength: 10 }), fc.array(queryAnswer, { maxLength: 8 }), fc.option(fc.integer({ min: 0, max: 90_000 })), async (refunds, queries, resumeAt) => {
        const f = gatewayFakes({ refund: refunds.map(withLatency), refundQuery: queries.map(withLatency) });
        const actor = createActor(f.refundMachine, { input: REFUND }).start();
        // Sent only while running: a finished actor ignores events anyway (xstate warns about it).
        const send = (e: RefundEvent) => actor.getSnapshot().status === 'active' && actor.send(e);
        if (resumeAt !== null) setTimeout(() => send({ type: 'RESUME' }), resumeAt);
        await vi.runAllTimersAsync();
        const s = actor.getSnapshot();
        expect(s.status).toBe('done');
        const result = s.output;
        if (!result) throw new Error('no output');
        const t = refundTiming();
        expect(f.count('refund')).toBeLessThanOrEqual(t.rounds * (t.retries + 1));
        expect(f.count('refundQuery')).toBeLessThanOrEqual(t.rounds * (t.queryRetries + 1));
        expect(new Set(f.calls.filter((c) => c.name === 'refund').map((c) => JSON.stringify(c.input))).size).toBe(1);
        const last = s.context.log.at(-1);
        if (result.kind === 'refunded') expect(last?.outcome.kind).toBe('refunded');
        if (result.kind === 'failed') expect(last).toMatchObject({ call: 'refund', outcome: { kind: 'failed' } });
        if (result.kind === 'pending') expect(s.context.log.some((l) => l.outcome.kind === 'refunded' || l.outcome.kind === 'failed')).toBe(false);
        // A refund query only ever follows an unclear refund, at least 10 s later (fake clock).
        const firstQuery = s.context.log.findIndex((l) => l.call === 'refundQuery');
        if (firstQuery >= 0) expect(s.context.log[firstQuery - 1]?.call).toBe('refund');
        actor.stop();
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Model-based: every shortest path of the real machine replayed on a real actor (held calls,
// fake timers that are advanced by exactly the delay the path's timer names).

type AnyEvent =
  | RefundEvent
  | { type: `xstate.done.actor.${string}`; output: unknown }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: `xstate.after.${string}` }
  | { type: 'xstate.init' };
type Snap = { value: unknown; status: string; context: RefundContext };
type Path = { steps: { event: AnyEvent; state: Snap }[]; state: Snap };

const MODEL_TIMING = { retryDelayMs: 20, retries: 1, queryDelayMs: 100, queryRetries: 1, rounds: 2 };
const MODEL_INPUT: RefundInput = { ...REFUND, timing: MODEL_TIMING };
const MODEL_EVENTS: AnyEvent[] = [
  { type: 'xstate.done.actor.refund', output: refunded() },
  { type: 'xstate.done.actor.refund', output: refunded(1000, false) },
  { type: 'xstate.done.actor.refund', output: refused('ACQ.TRADE_NOT_ALLOW_REFUND', 'no') },
  { type: 'xstate.done.actor.refund', output: unknown() },
  { type: 'xstate.error.actor.refund', error: 'ECONNRESET' },
  { type: 'xstate.done.actor.refundQuery', output: queried() },
  { type: 'xstate.done.actor.refundQuery', output: notRefunded },
  { type: 'xstate.done.actor.refundQuery', output: unknown() },
  { type: 'xstate.error.actor.refundQuery', error: 'ETIMEDOUT' },
  { type: 'xstate.after.retryDelay.refund.retrying' },
  { type: 'xstate.after.queryDelay.refund.awaitingQuery' },
  { type: 'RESUME', at: 'T-resume' },
];
const modelKey = (s: Snap) =>
  JSON.stringify({ value: s.value, status: s.status, round: s.context.round, refunds: s.context.refundAttempts, queries: s.context.queryAttempts, result: s.context.result?.kind ?? null });

describe('refund model', () => {
  const shortest = getShortestPaths(refundMachine, {
    input: MODEL_INPUT,
    events: MODEL_EVENTS as RefundEvent[],
    filterEvents: (s, e) => s.can(e),
    serializeState: (s) => modelKey(s as unknown as Snap),
    limit: 10_000,
  }) as unknown as Path[];

  it('reaches every state and every final state', () => {
    const reached = new Set(shortest.map((p) => p.state.value));
    for (const v of ['refunding', 'retrying', 'awaitingQuery', 'querying', ...REFUND_FINAL_STATES]) expect(reached, String(v)).toContain(v);
    expect(shortest.some((p) => p.state.context.round === 2 && p.state.value === 'pending')).toBe(true);
  });

  it('replays every shortest path on a real actor', async () => {
    expect(shortest.length).toBeGreaterThan(20);
    for (const path of shortest) {
      const f = gatewayFakes({ refund: Array(10).fill('hold'), refundQuery: Array(10).fill('hold') });
      const actor = createActor(f.refundMachine, { input: MODEL_INPUT }).start();
      for (const [i, step] of path.steps.entries()) {
        const e = step.event;
        const where = `step ${i} (${e.type}) of ${path.steps.map((s) => s.event.type).join(' → ')}`;
        const answer = /^xstate\.(done|error)\.actor\.(refund|refundQuery)$/.exec(e.type);
        if (e.type === 'xstate.init') {
          // the initial state
        } else if (answer) {
          const name = answer[2] as 'refund' | 'refundQuery';
          if ('output' in e) f.settle(name, e.output as never);
          else if ('error' in e) f.failHeld(name, String(e.error));
          await flush();
        } else if (e.type.startsWith('xstate.after.')) {
          const ms = e.type.includes('retryDelay') ? MODEL_TIMING.retryDelayMs : MODEL_TIMING.queryDelayMs;
          await advance(ms - 1);
          expect(modelKey(actor.getSnapshot()), `${where}: not before ${ms} ms`).not.toBe(modelKey(step.state));
          await advance(1);
        } else {
          actor.send(e as RefundEvent);
          await flush();
        }
        expect(modelKey(actor.getSnapshot()), where).toBe(modelKey(step.state));
      }
      expect(f.unscripted).toEqual([]);
      actor.stop();
    }
  });
});
