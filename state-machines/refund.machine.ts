// One wallet refund (one out_request_no) as an XState v5 machine, following
// ../shared/reference/payments.md: a refund is idempotent by out_request_no, an unclear answer
// is retried with the SAME out_request_no and amount, and what stays unclear is settled by
// refund query (≥ 10 s after refunding; a missing refund means refund again, same key).
// Pure (ARCHITECTURE.md §2): it imports only xstate and src/domain; the two gateway calls are
// named promise actors the host supplies with `refundMachine.provide({ actors })` or
// `provideRefund(effects)`. A machine rather than a retry loop so the host can persist the
// snapshot with the refund and restore it after a crash.
//
// Decisions a host must know:
// - The host makes out_request_no (ARCHITECTURE.md §3 rule 4) and records it before starting;
//   the machine never changes it, nor the amount. Manager authorization is checked by the core
//   before the machine starts; the machine does not know about roles.
// - Final outputs (`RefundResult`): `refunded` (by the refund answer or confirmed by refund
//   query; fundChange false means an earlier call with this key had already refunded),
//   `failed` (the gateway refused: nothing was refunded by this key; the message is for the
//   cashier), `pending` (still unclear after every bounded try: the host queues the same
//   refund + refund query on its durable queue, both idempotent, and lists it for
//   reconciliation if it never settles).
// - Retries are bounded: `retries` refund retries per round after an unclear answer
//   (retryDelayMs apart), then refund query after queryDelayMs (at least 10 s), up to
//   `queryRetries` more queries while the query is unclear. A query that finds no refund
//   starts another round of refunds with the same key, at most `rounds` rounds in all.
// - An effect that rejects is logged as `{ kind: 'error' }` and treated as unclear, never as
//   refused: the refund may have reached the gateway. Default actors reject loudly.
// - No clock is read here: `startedAt` comes in the input, `resumedAt` from RESUME's `at`.
// - AFTER A SNAPSHOT RESTORE the host must send RESUME (XState does not re-arm `after` timers of
//   a restored snapshot, xstate#4860): waiting to retry a refund, it refunds now; waiting to
//   query, it waits the full query delay again (the 10 s rule counts from the last refund,
//   which the restore cannot date). Restored promise actors re-run with the same input, which
//   is safe because both calls are idempotent by out_request_no.
import { assign, fromPromise, setup } from 'xstate';
import { isSupportedCurrency, MAX_MINOR_UNITS } from '../src/domain/money.ts';
import { TRADE_NO_PATTERN } from '../src/domain/payment.ts';
import type { RefundOutcome, RefundQueryOutcome, RefundRequest, TradeRef } from '../src/domain/payment.ts';
import type { EffectError } from './payment.machine.ts';

/** Bump when a persisted snapshot of an older version can no longer be restored. */
export const refundMachineVersion = 1;

export interface RefundTiming {
  readonly retryDelayMs: number;
  /** Refund retries after an unclear answer, per round, before asking by refund query. */
  readonly retries: number;
  /** Wait before refund query; payments.md: at least 10 s after refunding. */
  readonly queryDelayMs: number;
  /** Extra refund queries while the query answer is unclear, per round. */
  readonly queryRetries: number;
  /** Rounds of refunding in all (a query that finds no refund starts another). */
  readonly rounds: number;
}

export const MIN_REFUND_QUERY_DELAY_MS = 10_000;

export function refundTiming(overrides: Partial<RefundTiming> = {}): RefundTiming {
  return { retryDelayMs: 2_000, retries: 3, queryDelayMs: MIN_REFUND_QUERY_DELAY_MS, queryRetries: 2, rounds: 2, ...overrides };
}

/** The refund query input: the trade plus the refund's idempotency key. */
export type RefundQueryRequest = TradeRef & { readonly outRequestNo: string };

export interface RefundInput {
  /** The paid trade to refund. */
  readonly trade: TradeRef;
  /** Made by the host, the idempotency key of this refund. */
  readonly outRequestNo: string;
  /** Minor units, > 0. */
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
  readonly operatorId: string;
  readonly startedAt?: string;
  readonly timing?: Partial<RefundTiming>;
}

export type RefundCall =
  | { readonly call: 'refund'; readonly outcome: RefundOutcome | EffectError }
  | { readonly call: 'refundQuery'; readonly outcome: RefundQueryOutcome | EffectError };

interface ResultBase {
  readonly outTradeNo: string;
  readonly outRequestNo: string;
  readonly message: string;
}

export type RefundResult =
  | (ResultBase & {
      readonly kind: 'refunded';
      /** What the gateway says this refund returned (minor units). */
      readonly amount: number;
      /** Refunded on the trade so far, when the refund answer said (not given by refund query). */
      readonly refundedTotal: number | null;
      /** False when an earlier call with the same key had already moved the money; null if unknown. */
      readonly fundChange: boolean | null;
      readonly confirmedBy: 'refund' | 'query';
    })
  | (ResultBase & { readonly kind: 'failed'; readonly code: string })
  | (ResultBase & { readonly kind: 'pending' });

export const REFUND_FINAL_STATES: readonly RefundResult['kind'][] = ['refunded', 'failed', 'pending'];

export interface RefundContext {
  readonly request: RefundRequest;
  readonly timing: RefundTiming;
  readonly problem: string | null;
  readonly startedAt: string | null;
  readonly resumedAt: string | null;
  readonly log: readonly RefundCall[];
  readonly message: string;
  /** 1-based refund round. */
  readonly round: number;
  /** Refund calls in this round. */
  readonly refundAttempts: number;
  /** Refund queries in this round. */
  readonly queryAttempts: number;
  readonly result: RefundResult | null;
}

export type RefundEvent = { readonly type: 'RESUME'; readonly at?: string };

/** What is wrong with a refund input (names the field), or null when it can start. */
export function refundInputProblem(input: RefundInput): string | null {
  const trade = input.trade as Partial<TradeRef> | undefined;
  if (!trade || (trade.wallet !== 'alipay' && trade.wallet !== 'wechat')) return `trade.wallet "${String(trade?.wallet)}" is not alipay or wechat`;
  if (typeof trade.outTradeNo !== 'string' || !TRADE_NO_PATTERN.test(trade.outTradeNo)) {
    return `trade.outTradeNo "${String(trade.outTradeNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`;
  }
  if (typeof input.outRequestNo !== 'string' || !TRADE_NO_PATTERN.test(input.outRequestNo)) {
    return `outRequestNo "${String(input.outRequestNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`;
  }
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) return `refund amount ${String(input.amount)} must be a whole number of minor units above 0`;
  if (input.amount > MAX_MINOR_UNITS) return `refund amount ${input.amount} is over the largest supported amount (${MAX_MINOR_UNITS} minor units)`;
  if (typeof input.currency !== 'string' || !isSupportedCurrency(input.currency)) return `currency "${String(input.currency)}" is not supported`;
  if (typeof input.reason !== 'string' || input.reason.trim() === '') return 'a refund needs a reason';
  if (typeof input.operatorId !== 'string' || input.operatorId.trim() === '') return 'operatorId must not be empty';
  const t = refundTiming(input.timing);
  for (const field of ['retryDelayMs', 'queryDelayMs'] as const) {
    if (!Number.isSafeInteger(t[field]) || t[field] <= 0) return `timing.${field} ${String(t[field])} must be a whole number of milliseconds above 0`;
  }
  for (const field of ['retries', 'queryRetries'] as const) {
    if (!Number.isSafeInteger(t[field]) || t[field] < 0 || t[field] > 20) return `timing.${field} ${String(t[field])} must be a whole number from 0 to 20`;
  }
  if (!Number.isSafeInteger(t.rounds) || t.rounds < 1 || t.rounds > 10) return `timing.rounds ${String(t.rounds)} must be a whole number from 1 to 10`;
  return null;
}

function missing(name: string): never {
  throw new Error(`refund: the host did not provide the "${name}" actor; pass it with refundMachine.provide({ actors: { ${name} } }) or provideRefund()`);
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.name === 'Error' ? e.message : `${e.name}: ${e.message}`;
  return typeof e === 'string' ? e : String(e);
}

const logged = (c: RefundContext, entry: RefundCall) => ({ log: [...c.log, entry] });
const errorOutcome = (e: unknown): EffectError => ({ kind: 'error', message: errorMessage(e) });
const base = (c: RefundContext, message: string): ResultBase => ({ outTradeNo: c.request.outTradeNo, outRequestNo: c.request.outRequestNo, message });
const queryRequest = (c: RefundContext): RefundQueryRequest => ({ wallet: c.request.wallet, outTradeNo: c.request.outTradeNo, outRequestNo: c.request.outRequestNo });

function pendingResult(c: RefundContext, why: string): Partial<RefundContext> {
  const message = `refund ${c.request.outRequestNo} is not confirmed (${why}): it is retried in the background with the same refund number; do not refund it another way`;
  return { message, result: { ...base(c, message), kind: 'pending' } };
}

function unclear(outcome: RefundOutcome | RefundQueryOutcome | EffectError): string {
  if (outcome.kind === 'unknown') return outcome.reason;
  if (outcome.kind === 'error') return outcome.message;
  return outcome.kind;
}

export const refundMachine = setup({
  types: {
    context: {} as RefundContext,
    events: {} as RefundEvent,
    input: {} as RefundInput,
    output: {} as RefundResult,
  },
  actors: {
    refund: fromPromise<RefundOutcome, RefundRequest>(async () => missing('refund')),
    refundQuery: fromPromise<RefundQueryOutcome, RefundQueryRequest>(async () => missing('refundQuery')),
  },
  delays: {
    retryDelay: ({ context }) => context.timing.retryDelayMs,
    queryDelay: ({ context }) => context.timing.queryDelayMs,
  },
  guards: {
    invalid: ({ context }) => context.problem !== null,
    refundsUsedUp: ({ context }) => context.refundAttempts > context.timing.retries,
    queriesUsedUp: ({ context }) => context.queryAttempts > context.timing.queryRetries,
    roundsLeft: ({ context }) => context.round < context.timing.rounds,
  },
  actions: {
    resume: assign(({ context, event }) => ({ resumedAt: event.at ?? context.resumedAt })),
  },
}).createMachine({
  id: 'refund',
  context: ({ input }) => {
    const problem = refundInputProblem(input);
    return {
      request: {
        wallet: input.trade?.wallet,
        outTradeNo: input.trade?.outTradeNo,
        outRequestNo: input.outRequestNo,
        amount: input.amount,
        currency: input.currency,
        reason: input.reason,
        operatorId: input.operatorId,
      },
      timing: refundTiming(input.timing),
      problem,
      startedAt: input.startedAt ?? null,
      resumedAt: null,
      log: [],
      message: 'refunding',
      round: 1,
      refundAttempts: 0,
      queryAttempts: 0,
      result: null,
    };
  },
  output: ({ context }) => context.result ?? pendingFallback(context),
  initial: 'start',
  states: {
    start: {
      always: [
        {
          guard: 'invalid',
          target: 'failed',
          actions: assign(({ context }) => {
            const message = `refund not started: ${context.problem ?? ''}`;
            return { message, result: { ...base(context, message), kind: 'failed' as const, code: 'kassa.INVALID_INPUT' } };
          }),
        },
        { target: 'refunding' },
      ],
    },

    refunding: {
      invoke: {
        id: 'refund',
        src: 'refund',
        input: ({ context }) => context.request,
        onDone: [
          {
            guard: ({ event }) => event.output.kind === 'refunded',
            target: 'refunded',
            actions: assign(({ context, event }) => {
              const o = event.output as Extract<RefundOutcome, { kind: 'refunded' }>;
              const message = o.fundChange ? 'refunded' : 'refunded (the money had already gone back with this refund number)';
              return {
                ...logged(context, { call: 'refund', outcome: o }),
                refundAttempts: context.refundAttempts + 1,
                message,
                result: {
                  ...base(context, message),
                  kind: 'refunded' as const,
                  amount: context.request.amount,
                  refundedTotal: o.refundedTotal,
                  fundChange: o.fundChange,
                  confirmedBy: 'refund' as const,
                },
              };
            }),
          },
          {
            guard: ({ event }) => event.output.kind === 'failed',
            target: 'failed',
            actions: assign(({ context, event }) => {
              const o = event.output as Extract<RefundOutcome, { kind: 'failed' }>;
              return {
                ...logged(context, { call: 'refund', outcome: o }),
                refundAttempts: context.refundAttempts + 1,
                message: o.message,
                result: { ...base(context, o.message), kind: 'failed' as const, code: o.code },
              };
            }),
          },
          {
            target: 'retrying',
            actions: assign(({ context, event }) => ({
              ...logged(context, { call: 'refund', outcome: event.output }),
              refundAttempts: context.refundAttempts + 1,
              message: `no clear answer to the refund (${unclear(event.output)}): trying again with the same refund number`,
            })),
          },
        ],
        onError: {
          target: 'retrying',
          actions: assign(({ context, event }) => ({
            ...logged(context, { call: 'refund', outcome: errorOutcome(event.error) }),
            refundAttempts: context.refundAttempts + 1,
            message: `the refund request failed (${errorMessage(event.error)}): trying again with the same refund number`,
          })),
        },
      },
    },

    /** Same out_request_no, same amount, after retryDelay; then ask by refund query. */
    retrying: {
      always: {
        guard: 'refundsUsedUp',
        target: 'awaitingQuery',
        actions: assign({ message: 'the refund is still unclear: checking it with the wallet shortly' }),
      },
      after: { retryDelay: { target: 'refunding' } },
      on: { RESUME: { target: 'refunding', actions: 'resume' } },
    },

    awaitingQuery: {
      after: { queryDelay: { target: 'querying' } },
      on: { RESUME: { target: 'awaitingQuery', reenter: true, actions: 'resume' } },
    },

    querying: {
      invoke: {
        id: 'refundQuery',
        src: 'refundQuery',
        input: ({ context }) => queryRequest(context),
        onDone: [
          {
            guard: ({ event }) => event.output.kind === 'refunded',
            target: 'refunded',
            actions: assign(({ context, event }) => {
              const o = event.output as Extract<RefundQueryOutcome, { kind: 'refunded' }>;
              const message =
                o.amount === context.request.amount
                  ? 'refunded (confirmed by refund query)'
                  : `refund ${context.request.outRequestNo} returned ${o.amount}, not the ${context.request.amount} asked: check this refund`;
              return {
                ...logged(context, { call: 'refundQuery', outcome: o }),
                queryAttempts: context.queryAttempts + 1,
                message,
                result: { ...base(context, message), kind: 'refunded' as const, amount: o.amount, refundedTotal: null, fundChange: null, confirmedBy: 'query' as const },
              };
            }),
          },
          {
            guard: ({ event, context }) => event.output.kind === 'not-refunded' && context.round < context.timing.rounds,
            target: 'refunding',
            actions: assign(({ context, event }) => ({
              ...logged(context, { call: 'refundQuery', outcome: event.output }),
              round: context.round + 1,
              refundAttempts: 0,
              queryAttempts: 0,
              message: 'the wallet has no such refund yet: refunding again with the same refund number',
            })),
          },
          {
            guard: ({ event }) => event.output.kind === 'not-refunded',
            target: 'pending',
            actions: assign(({ context, event }) => ({
              ...logged(context, { call: 'refundQuery', outcome: event.output }),
              queryAttempts: context.queryAttempts + 1,
              ...pendingResult(context, `the wallet still has no refund after ${context.round} rounds`),
            })),
          },
          {
            target: 'queryRetry',
            actions: assign(({ context, event }) => ({
              ...logged(context, { call: 'refundQuery', outcome: event.output }),
              queryAttempts: context.queryAttempts + 1,
              message: `no clear answer from refund query (${unclear(event.output)}): asking again shortly`,
            })),
          },
        ],
        onError: {
          target: 'queryRetry',
          actions: assign(({ context, event }) => ({
            ...logged(context, { call: 'refundQuery', outcome: errorOutcome(event.error) }),
            queryAttempts: context.queryAttempts + 1,
            message: `refund query failed (${errorMessage(event.error)}): asking again shortly`,
          })),
        },
      },
    },

    queryRetry: {
      always: [
        {
          guard: 'queriesUsedUp',
          target: 'pending',
          actions: assign(({ context }) => pendingResult(context, `refund query stayed unclear ${context.queryAttempts} times`)),
        },
        { target: 'awaitingQuery' },
      ],
    },

    refunded: { type: 'final' },
    failed: { type: 'final' },
    pending: { type: 'final' },
  },
});

function pendingFallback(c: RefundContext): RefundResult {
  return { ...base(c, 'internal: the refund machine ended without a result; check this refund'), kind: 'pending' };
}

// ---------------------------------------------------------------------------------------------
// Host wiring

/** The calls a host implements (a PaymentProvider fits); both idempotent by out_request_no. */
export interface RefundEffects {
  refund(request: RefundRequest, signal: AbortSignal): Promise<RefundOutcome>;
  refundQuery(request: RefundQueryRequest, signal: AbortSignal): Promise<RefundQueryOutcome>;
}

/** The machine with the host's effects plugged in. */
export function provideRefund(effects: RefundEffects) {
  return refundMachine.provide({
    actors: {
      refund: fromPromise<RefundOutcome, RefundRequest>(({ input, signal }) => effects.refund(input, signal)),
      refundQuery: fromPromise<RefundQueryOutcome, RefundQueryRequest>(({ input, signal }) => effects.refundQuery(input, signal)),
    },
  });
}

export type RefundMachine = typeof refundMachine;
