// One wallet payment attempt (one out_trade_no) as an XState v5 machine: Alipay/WeChat barcode
// pay and merchant-presented QR pay, following the official flows in
// ../shared/reference/payments.md (poll on 10003/USERPAYING, query once on an unclear answer,
// cancel on timeout or cashier stop, close an unpaid QR, retry cancel/close, then hand over).
// Pure (ARCHITECTURE.md §2): it imports only xstate and src/domain; every gateway call (pay,
// precreate, query, cancel, close) is a named promise actor the host supplies with
// `paymentMachine.provide({ actors })` or `providePayment(effects)`. Written as a machine rather
// than a retry helper because the host persists its snapshot with the attempt (ARCHITECTURE.md
// §3 rule 3) and restores it after a crash.
//
// Decisions a host must know:
// - EVERY ATTEMPT GETS A NEW out_trade_no, made by the host. The machine never retries `pay` or
//   `precreate`: a customer who refreshes the code is a new attempt (new machine, new number).
// - The machine always ends in a final state whose output (`PaymentResult`) closes the trade's
//   loop (ARCHITECTURE.md §3 rule 5): `paid`, `failed` (nothing charged), `cancelled` (barcode,
//   reversed), `aborted` / `expired` (QR closed unpaid), or a hand-over the host must act on:
//   `cancelPending` / `closePending` (the machine's last call was that cancel/close; the host
//   goes on from its durable queue for up to 24 h: query, then close/cancel if unpaid, refund if
//   paid and unwanted, then lists the trade for reconciliation) and `manualReconcile` (the
//   gateway refused the cancel/close for good: a person must look). `paid` with `unwanted: true`
//   (the cashier pressed STOP on a QR that was paid meanwhile) must be refunded by the host.
// - Cashier STOP: during a poll or an unclear-answer query it cancels (barcode) or closes (QR) at
//   once. While `pay` or `precreate` is IN FLIGHT it is remembered and acted on when that call
//   answers: a cancel racing an in-flight pay could reach the gateway first and be overtaken by
//   the pay. A barcode pay that answers paid after STOP is cancelled (reversed), not kept.
// - Effects are treated as never throwing for gateway reasons (src/domain/payment.ts). If one
//   rejects anyway, the machine logs `{ kind: 'error' }` and treats it as an unclear answer
//   (pay/precreate/query/close) or a retryable cancel: the trade is asked about and
//   cancelled/closed, never forgotten. Default actors reject loudly, so a host that forgets one
//   finds the "did not provide" error in the log and in `message`.
// - Timing (`PaymentTiming`, defaults in `paymentTiming`): polls every pollIntervalMs until
//   deadlineMs after the first 10003/USERPAYING (or after the QR is shown); the poll count is
//   also capped at ceil(deadline/interval), so polling ends even if the deadline timer is lost.
//   The delays are named (`pollInterval`, `deadline`, `queryDelay`, `cancelRetry`,
//   `closeRetry`) so a host may replace them with `provide({ delays })`.
// - `cancelRetries` / `closeRetries` count retries AFTER the first call: 3 means 4 calls in all.
// - IMPURE VALUES COME IN EVENTS OR INPUT: no clock is read here. `startedAt` comes in the input,
//   `at` on STOP and RESUME lands in `stoppedAt` / `resumedAt`. `log` lists every call and its
//   outcome in order, for the host to persist with the attempt; the host stamps times itself.
// - AFTER A SNAPSHOT RESTORE the host must send RESUME: XState does not re-arm `after` timers of
//   a restored snapshot (xstate#4860), so a restored waiting state would otherwise wait forever.
//   RESUME while polling resolves the trade as issue 4 §4 asks (query now; barcode: paid or
//   cancel; QR: close, which still ends paid if it was paid); RESUME while waiting to retry a
//   cancel/close or to query an unclear answer does that call now. Restored promise actors re-run
//   with the same input by themselves: query, cancel and close are idempotent. A restored
//   `paying` re-runs `pay` with the same out_trade_no and code; the host's pay effect should
//   answer `unknown` when its write-ahead log shows that pay was already sent (intent without
//   outcome), so the machine queries and cancels instead of repeating a charge request. (Re-sent,
//   the gateway answers ACQ.TRADE_HAS_SUCCESS, which a provider must report as `unknown`, never
//   `failed`: the query that follows finds the payment.)
// - QR close that answers already-paid is confirmed by query (paid ends paid), except on the
//   last close allowed, which hands over as `closePending` so the machine's last call is a close.
// - `result` in context (and the machine's output) is set on the way into every final state.
// - `qrCode` stays in context for the record; the customer display shows it only while the
//   machine is in `qr.showing` (it is never set when STOP came before precreate answered).
import { assign, fromPromise, setup } from 'xstate';
import { isSupportedCurrency, MAX_MINOR_UNITS } from '../src/domain/money.ts';
import { TRADE_NO_PATTERN } from '../src/domain/payment.ts';
import type {
  CancelOutcome,
  CloseOutcome,
  PaidTrade,
  PayOutcome,
  PayRequest,
  PrecreateOutcome,
  PrecreateRequest,
  QueryOutcome,
  TradeRef,
  WalletId,
} from '../src/domain/payment.ts';

/** Bump when a persisted snapshot of an older version can no longer be restored. */
export const paymentMachineVersion = 1;

export type PaymentMode = 'barcode' | 'qr';

export interface PaymentTiming {
  /** Between two status queries while the customer confirms or scans (payments.md: 3–6 s). */
  readonly pollIntervalMs: number;
  /** How long polling may last before the trade is cancelled (barcode) or closed (QR). */
  readonly deadlineMs: number;
  /** Wait before the single query that follows an unclear pay answer. */
  readonly queryDelayMs: number;
  readonly cancelRetryMs: number;
  /** Cancel retries after the first call before the host's durable queue takes over. */
  readonly cancelRetries: number;
  readonly closeRetryMs: number;
  readonly closeRetries: number;
}

/**
 * Defaults from payments.md: poll every 4 s for 60 s (WeChat micropay: 45 s, after which WeChat
 * revokes it itself); query an unclear answer after 2 s (WeChat says wait 5 s after SYSTEMERROR);
 * cancel/close 2 s × 3 retries, as the official face-to-face demo does.
 */
export function paymentTiming(wallet: WalletId, mode: PaymentMode, overrides: Partial<PaymentTiming> = {}): PaymentTiming {
  const wechat = wallet === 'wechat';
  return {
    pollIntervalMs: 4_000,
    deadlineMs: wechat && mode === 'barcode' ? 45_000 : 60_000,
    queryDelayMs: wechat ? 5_000 : 2_000,
    cancelRetryMs: 2_000,
    cancelRetries: 3,
    closeRetryMs: 2_000,
    closeRetries: 3,
    ...overrides,
  };
}

export interface PaymentInput {
  readonly wallet: WalletId;
  readonly mode: PaymentMode;
  /** Made by the host, new for every attempt (ARCHITECTURE.md §3 rule 4). */
  readonly outTradeNo: string;
  /** Minor units, > 0. */
  readonly amount: number;
  readonly currency: string;
  /** The customer's payment code; required for barcode pay. */
  readonly authCode?: string;
  readonly subject: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly operatorId: string;
  /** QR only: minutes the gateway keeps the code payable; default deadline + 1 minute. */
  readonly qrTimeoutMinutes?: number;
  /** Host clock time the attempt started. */
  readonly startedAt?: string;
  readonly timing?: Partial<PaymentTiming>;
}

/** An effect that rejected instead of answering (a bug or a missing actor), as it is logged. */
export interface EffectError {
  readonly kind: 'error';
  readonly message: string;
}

export type PaymentCall =
  | { readonly call: 'pay'; readonly outcome: PayOutcome | EffectError }
  | { readonly call: 'precreate'; readonly outcome: PrecreateOutcome | EffectError }
  | { readonly call: 'query'; readonly outcome: QueryOutcome | EffectError }
  | { readonly call: 'cancel'; readonly outcome: CancelOutcome | EffectError }
  | { readonly call: 'close'; readonly outcome: CloseOutcome | EffectError };

export type PaymentCallName = PaymentCall['call'];

/** Why the machine set out to end the trade before it was paid. */
export type StopReason = 'cashier' | 'deadline' | 'unclear' | 'restart';

interface ResultBase {
  readonly outTradeNo: string;
  readonly wallet: WalletId;
  /** For the cashier. */
  readonly message: string;
}

export type PaymentResult =
  | (ResultBase & { readonly kind: 'paid'; readonly trade: PaidTrade; readonly unwanted: boolean })
  | (ResultBase & { readonly kind: 'failed'; readonly code: string; readonly retryWithNewCode: boolean })
  | (ResultBase & { readonly kind: 'cancelled'; readonly action: 'close' | 'refund' | 'none' })
  | (ResultBase & { readonly kind: 'cancelPending' })
  | (ResultBase & { readonly kind: 'closePending' })
  | (ResultBase & { readonly kind: 'manualReconcile'; readonly code: string })
  | (ResultBase & { readonly kind: 'expired' })
  | (ResultBase & { readonly kind: 'aborted' });

export type PaymentResultKind = PaymentResult['kind'];

/** The final states, named as the result kinds they produce. */
export const PAYMENT_FINAL_STATES: readonly PaymentResultKind[] = [
  'paid',
  'failed',
  'cancelled',
  'cancelPending',
  'closePending',
  'manualReconcile',
  'expired',
  'aborted',
];

export interface PaymentContext {
  readonly wallet: WalletId;
  readonly mode: PaymentMode;
  readonly outTradeNo: string;
  readonly amount: number;
  readonly currency: string;
  readonly authCode: string;
  readonly subject: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly operatorId: string;
  readonly qrTimeoutMinutes: number;
  readonly timing: PaymentTiming;
  /** What is wrong with the input, if anything: the attempt ends `failed` before any call. */
  readonly problem: string | null;
  readonly startedAt: string | null;
  /** The gateway's trade number once known. */
  readonly tradeNo: string | null;
  /** QR only: what the customer display shows, set once precreate answers. */
  readonly qrCode: string | null;
  readonly paid: PaidTrade | null;
  /** Every call and its outcome, in order. */
  readonly log: readonly PaymentCall[];
  /** The last thing the cashier should read. */
  readonly message: string;
  /** Status queries answered while polling. */
  readonly polls: number;
  readonly cancelAttempts: number;
  readonly closeAttempts: number;
  /** First reason the trade was being ended early; null while it may still be paid normally. */
  readonly stoppedBy: StopReason | null;
  /** The cashier pressed STOP at some point. */
  readonly cashierStopped: boolean;
  readonly stoppedAt: string | null;
  readonly resumedAt: string | null;
  readonly result: PaymentResult | null;
}

export type PaymentEvent =
  /** The cashier's stop button. */
  | { readonly type: 'STOP'; readonly at?: string }
  /** Sent by the host after restoring a snapshot (re-arms what the restore lost). */
  | { readonly type: 'RESUME'; readonly at?: string };

const WALLET_NAMES: Readonly<Record<WalletId, string>> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

/** What is wrong with a payment input (names the field), or null when it can start. */
export function paymentInputProblem(input: PaymentInput): string | null {
  if (input.wallet !== 'alipay' && input.wallet !== 'wechat') return `wallet "${String(input.wallet)}" is not alipay or wechat`;
  if (input.mode !== 'barcode' && input.mode !== 'qr') return `mode "${String(input.mode)}" is not barcode or qr`;
  if (typeof input.outTradeNo !== 'string' || !TRADE_NO_PATTERN.test(input.outTradeNo)) {
    return `outTradeNo "${String(input.outTradeNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`;
  }
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) return `amount ${String(input.amount)} must be a whole number of minor units above 0`;
  if (input.amount > MAX_MINOR_UNITS) return `amount ${input.amount} is over the largest supported amount (${MAX_MINOR_UNITS} minor units)`;
  if (typeof input.currency !== 'string' || !isSupportedCurrency(input.currency)) return `currency "${String(input.currency)}" is not supported`;
  if (input.mode === 'barcode' && (typeof input.authCode !== 'string' || input.authCode.trim() === '')) {
    return 'barcode pay needs the customer\'s payment code (authCode)';
  }
  for (const field of ['subject', 'storeId', 'terminalId', 'operatorId'] as const) {
    if (typeof input[field] !== 'string' || input[field].trim() === '') return `${field} must not be empty`;
  }
  if (input.qrTimeoutMinutes !== undefined && (!Number.isSafeInteger(input.qrTimeoutMinutes) || input.qrTimeoutMinutes < 1)) {
    return `qrTimeoutMinutes ${String(input.qrTimeoutMinutes)} must be a whole number of minutes, at least 1`;
  }
  const t = paymentTiming(input.wallet, input.mode, input.timing);
  for (const field of ['pollIntervalMs', 'deadlineMs', 'queryDelayMs', 'cancelRetryMs', 'closeRetryMs'] as const) {
    if (!Number.isSafeInteger(t[field]) || t[field] <= 0) return `timing.${field} ${String(t[field])} must be a whole number of milliseconds above 0`;
  }
  if (t.deadlineMs < t.pollIntervalMs) return `timing.deadlineMs ${t.deadlineMs} is shorter than one poll interval (${t.pollIntervalMs} ms)`;
  for (const field of ['cancelRetries', 'closeRetries'] as const) {
    if (!Number.isSafeInteger(t[field]) || t[field] < 0 || t[field] > 20) return `timing.${field} ${String(t[field])} must be a whole number from 0 to 20`;
  }
  return null;
}

/** Most status queries one polling phase makes: the deadline in intervals. */
export function maxPolls(timing: PaymentTiming): number {
  return Math.max(1, Math.ceil(timing.deadlineMs / timing.pollIntervalMs));
}

function missing(name: string): never {
  throw new Error(`payment: the host did not provide the "${name}" actor; pass it with paymentMachine.provide({ actors: { ${name} } }) or providePayment()`);
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.name === 'Error' ? e.message : `${e.name}: ${e.message}`;
  return typeof e === 'string' ? e : String(e);
}

const tradeRef = (c: PaymentContext): TradeRef => ({ wallet: c.wallet, outTradeNo: c.outTradeNo });

function payRequest(c: PaymentContext): PayRequest {
  return {
    wallet: c.wallet,
    outTradeNo: c.outTradeNo,
    authCode: c.authCode,
    amount: c.amount,
    currency: c.currency,
    subject: c.subject,
    storeId: c.storeId,
    terminalId: c.terminalId,
    operatorId: c.operatorId,
  };
}

function precreateRequest(c: PaymentContext): PrecreateRequest {
  return {
    wallet: c.wallet,
    outTradeNo: c.outTradeNo,
    amount: c.amount,
    currency: c.currency,
    subject: c.subject,
    storeId: c.storeId,
    terminalId: c.terminalId,
    operatorId: c.operatorId,
    qrTimeoutMinutes: c.qrTimeoutMinutes,
  };
}

const logged = (c: PaymentContext, entry: PaymentCall) => ({ log: [...c.log, entry] });
const errorOutcome = (e: unknown): EffectError => ({ kind: 'error', message: errorMessage(e) });
const base = (c: PaymentContext, message: string): ResultBase => ({ outTradeNo: c.outTradeNo, wallet: c.wallet, message });
const stopping = (c: PaymentContext, by: StopReason) => ({ stoppedBy: c.stoppedBy ?? by });

function paidResult(c: PaymentContext, trade: PaidTrade): Partial<PaymentContext> {
  const unwanted = c.cashierStopped;
  const message = unwanted
    ? `the customer paid with ${WALLET_NAMES[c.wallet]} after the cashier stopped: the payment will be refunded`
    : `paid with ${WALLET_NAMES[c.wallet]}`;
  const paid: PaidTrade = { tradeNo: trade.tradeNo, amount: trade.amount, buyer: trade.buyer, paidAt: trade.paidAt };
  return { paid, tradeNo: trade.tradeNo, message, result: { ...base(c, message), kind: 'paid', trade: paid, unwanted } };
}

function failedResult(c: PaymentContext, code: string, message: string, retryWithNewCode: boolean): Partial<PaymentContext> {
  return { message, result: { ...base(c, message), kind: 'failed', code, retryWithNewCode } };
}

function simpleResult(c: PaymentContext, kind: 'cancelPending' | 'closePending' | 'expired' | 'aborted', message: string): Partial<PaymentContext> {
  return { message, result: { ...base(c, message), kind } };
}

function reason(outcome: { kind: string; reason?: string; message?: string }): string {
  return outcome.reason ?? outcome.message ?? outcome.kind;
}

const WAITING_MESSAGE = 'waiting for the customer to confirm the payment on their phone';
const QR_WAITING_MESSAGE = 'showing the QR code: waiting for the customer to scan and pay';

/**
 * What the cashier reads while polling: after a status query that got no clear answer (the
 * gateway unreachable, a timeout, a system error) the cashier must know the wallet cannot be
 * reached now, not keep reading "waiting for the customer"; the next clear answer restores it.
 */
function pollingMessage(c: PaymentContext, outcome: { kind: string; reason?: string; message?: string }): string {
  if (outcome.kind === 'waiting' || outcome.kind === 'not-found') return c.mode === 'qr' ? QR_WAITING_MESSAGE : WAITING_MESSAGE;
  return `${WALLET_NAMES[c.wallet]} cannot be reached right now (${reason(outcome)}): still checking the payment`;
}

const CLOSED_MESSAGE = "the customer's payment was closed: nothing was charged; ask for a new payment";

type Outcome<K extends string> = { readonly kind: K };
const is =
  <K extends string>(...kinds: K[]) =>
  ({ event }: { event: { output: { kind: string } } }): boolean =>
    (kinds as string[]).includes(event.output.kind);

export const paymentMachine = setup({
  types: {
    context: {} as PaymentContext,
    events: {} as PaymentEvent,
    input: {} as PaymentInput,
    output: {} as PaymentResult,
  },
  actors: {
    pay: fromPromise<PayOutcome, PayRequest>(async () => missing('pay')),
    precreate: fromPromise<PrecreateOutcome, PrecreateRequest>(async () => missing('precreate')),
    query: fromPromise<QueryOutcome, TradeRef>(async () => missing('query')),
    cancel: fromPromise<CancelOutcome, TradeRef>(async () => missing('cancel')),
    close: fromPromise<CloseOutcome, TradeRef>(async () => missing('close')),
  },
  delays: {
    pollInterval: ({ context }) => context.timing.pollIntervalMs,
    deadline: ({ context }) => context.timing.deadlineMs,
    queryDelay: ({ context }) => context.timing.queryDelayMs,
    cancelRetry: ({ context }) => context.timing.cancelRetryMs,
    closeRetry: ({ context }) => context.timing.closeRetryMs,
  },
  guards: {
    invalid: ({ context }) => context.problem !== null,
    isQr: ({ context }) => context.mode === 'qr',
    cashierStopped: ({ context }) => context.cashierStopped,
    pollsLeft: ({ context }) => context.polls + 1 < maxPolls(context.timing),
    cancelsUsedUp: ({ context }) => context.cancelAttempts > context.timing.cancelRetries,
    closesUsedUp: ({ context }) => context.closeAttempts > context.timing.closeRetries,
  },
  actions: {
    stop: assign(({ context, event }) => ({
      cashierStopped: true,
      stoppedAt: context.stoppedAt ?? (event.type === 'STOP' ? (event.at ?? null) : null),
    })),
    stopNow: assign(({ context, event }) => ({
      ...stopping(context, 'cashier'),
      cashierStopped: true,
      stoppedAt: context.stoppedAt ?? (event.type === 'STOP' ? (event.at ?? null) : null),
      message: context.mode === 'qr' ? 'stopping: closing the QR code' : 'stopping: cancelling the payment',
    })),
    resume: assign(({ context, event }) => ({ resumedAt: event.type === 'RESUME' ? (event.at ?? context.resumedAt) : context.resumedAt })),
    resumeAndResolve: assign(({ context, event }) => ({
      ...stopping(context, 'restart'),
      resumedAt: event.type === 'RESUME' ? (event.at ?? context.resumedAt) : context.resumedAt,
      message: 'resuming after a restart: checking the payment with the wallet',
    })),
    deadlinePassed: assign(({ context }) => ({
      ...stopping(context, 'deadline'),
      message: context.mode === 'qr' ? 'the QR code was not paid in time: closing it' : 'the customer did not confirm in time: cancelling the payment',
    })),
    invalidInput: assign(({ context }) => failedResult(context, 'kassa.INVALID_INPUT', `payment not started: ${context.problem ?? ''}`, false)),
  },
}).createMachine({
  id: 'payment',
  context: ({ input }) => {
    const problem = paymentInputProblem(input);
    const timing = paymentTiming(input.wallet, input.mode, input.timing);
    return {
      wallet: input.wallet,
      mode: input.mode,
      outTradeNo: input.outTradeNo,
      amount: input.amount,
      currency: input.currency,
      authCode: input.authCode ?? '',
      subject: input.subject,
      storeId: input.storeId,
      terminalId: input.terminalId,
      operatorId: input.operatorId,
      qrTimeoutMinutes: input.qrTimeoutMinutes ?? Math.max(1, Math.ceil(timing.deadlineMs / 60_000)) + 1,
      timing,
      problem,
      startedAt: input.startedAt ?? null,
      tradeNo: null,
      qrCode: null,
      paid: null,
      log: [],
      message: input.mode === 'qr' ? 'creating the QR code' : `asking ${WALLET_NAMES[input.wallet] ?? 'the wallet'} for the payment`,
      polls: 0,
      cancelAttempts: 0,
      closeAttempts: 0,
      stoppedBy: null,
      cashierStopped: false,
      stoppedAt: null,
      resumedAt: null,
      result: null,
    };
  },
  output: ({ context }) =>
    context.result ?? {
      ...base(context, 'internal: the payment machine ended without a result; reconcile this trade'),
      kind: 'manualReconcile',
      code: 'kassa.NO_RESULT',
    },
  initial: 'start',
  states: {
    start: {
      always: [{ guard: 'invalid', target: 'failed', actions: 'invalidInput' }, { guard: 'isQr', target: 'qr' }, { target: 'barcode' }],
    },

    // ---------------------------------------------------------------------------------------
    // Barcode pay: the customer shows a payment code.
    barcode: {
      initial: 'paying',
      states: {
        paying: {
          invoke: {
            id: 'pay',
            src: 'pay',
            input: ({ context }) => payRequest(context),
            onDone: [
              {
                guard: is('failed'),
                target: '#payment.failed',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<PayOutcome, Outcome<'failed'>>;
                  return { ...logged(context, { call: 'pay', outcome: o }), ...failedResult(context, o.code, o.message, o.retryWithNewCode) };
                }),
              },
              {
                guard: 'cashierStopped',
                target: 'cancelling',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'pay', outcome: event.output }),
                  ...stopping(context, 'cashier'),
                  tradeNo: 'tradeNo' in event.output ? (event.output.tradeNo ?? context.tradeNo) : context.tradeNo,
                  message: 'stopping: cancelling the payment',
                })),
              },
              {
                guard: is('paid'),
                target: '#payment.paid',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<PayOutcome, Outcome<'paid'>>;
                  return { ...logged(context, { call: 'pay', outcome: o }), ...paidResult(context, o) };
                }),
              },
              {
                guard: is('waiting'),
                target: 'polling',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<PayOutcome, Outcome<'waiting'>>;
                  return {
                    ...logged(context, { call: 'pay', outcome: o }),
                    tradeNo: o.tradeNo ?? context.tradeNo,
                    message: WAITING_MESSAGE,
                  };
                }),
              },
              {
                target: 'unclear',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'pay', outcome: event.output }),
                  message: `no clear answer from ${WALLET_NAMES[context.wallet]} (${reason(event.output)}): checking the payment`,
                })),
              },
            ],
            onError: [
              {
                guard: 'cashierStopped',
                target: 'cancelling',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'pay', outcome: errorOutcome(event.error) }),
                  ...stopping(context, 'cashier'),
                  message: 'stopping: cancelling the payment',
                })),
              },
              {
                target: 'unclear',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'pay', outcome: errorOutcome(event.error) }),
                  message: `the payment request failed (${errorMessage(event.error)}): checking the payment`,
                })),
              },
            ],
          },
          on: {
            // Remembered, acted on when pay answers (see the header).
            STOP: { actions: ['stop', assign({ message: 'stopping: waiting for the wallet to answer, then cancelling' })] },
          },
        },

        /** The pay answer was unclear: wait a moment, then query once. */
        unclear: {
          after: { queryDelay: { target: 'checking' } },
          on: {
            STOP: { target: 'cancelling', actions: 'stopNow' },
            RESUME: { target: 'checking', actions: 'resume' },
          },
        },

        /** One query decides: paid, or cancel whatever it is. */
        checking: {
          invoke: {
            id: 'query',
            src: 'query',
            input: ({ context }) => tradeRef(context),
            onDone: [
              {
                guard: is('paid'),
                target: '#payment.paid',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<QueryOutcome, Outcome<'paid'>>;
                  return { ...logged(context, { call: 'query', outcome: o }), ...paidResult(context, o) };
                }),
              },
              {
                target: 'cancelling',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'query', outcome: event.output }),
                  ...stopping(context, 'unclear'),
                  message: 'the payment is not confirmed: cancelling it',
                })),
              },
            ],
            onError: {
              target: 'cancelling',
              actions: assign(({ context, event }) => ({
                ...logged(context, { call: 'query', outcome: errorOutcome(event.error) }),
                ...stopping(context, 'unclear'),
                message: 'the payment could not be checked: cancelling it',
              })),
            },
          },
          on: {
            STOP: { target: 'cancelling', actions: 'stopNow' },
          },
        },

        /** 10003 / USERPAYING: the customer confirms on the phone while we poll. */
        polling: {
          initial: 'waiting',
          after: { deadline: { target: 'cancelling', actions: 'deadlinePassed' } },
          on: {
            STOP: { target: 'cancelling', actions: 'stopNow' },
            RESUME: { target: 'checking', actions: 'resumeAndResolve' },
          },
          states: {
            waiting: {
              after: { pollInterval: { target: 'querying' } },
            },
            querying: {
              invoke: {
                id: 'query',
                src: 'query',
                input: ({ context }) => tradeRef(context),
                onDone: [
                  {
                    guard: is('paid'),
                    target: '#payment.paid',
                    actions: assign(({ context, event }) => {
                      const o = event.output as Extract<QueryOutcome, Outcome<'paid'>>;
                      return { ...logged(context, { call: 'query', outcome: o }), ...paidResult(context, o) };
                    }),
                  },
                  {
                    guard: is('closed'),
                    target: '#payment.failed',
                    actions: assign(({ context, event }) => ({
                      ...logged(context, { call: 'query', outcome: event.output }),
                      ...failedResult(context, 'TRADE_CLOSED', CLOSED_MESSAGE, true),
                    })),
                  },
                  {
                    guard: 'pollsLeft',
                    target: 'waiting',
                    actions: assign(({ context, event }) => ({
                      ...logged(context, { call: 'query', outcome: event.output }),
                      polls: context.polls + 1,
                      message: pollingMessage(context, event.output),
                    })),
                  },
                  {
                    target: '#payment.barcode.cancelling',
                    actions: [
                      assign(({ context, event }) => ({ ...logged(context, { call: 'query', outcome: event.output }), polls: context.polls + 1 })),
                      'deadlinePassed',
                    ],
                  },
                ],
                onError: [
                  {
                    guard: 'pollsLeft',
                    target: 'waiting',
                    actions: assign(({ context, event }) => ({
                      ...logged(context, { call: 'query', outcome: errorOutcome(event.error) }),
                      polls: context.polls + 1,
                      message: pollingMessage(context, errorOutcome(event.error)),
                    })),
                  },
                  {
                    target: '#payment.barcode.cancelling',
                    actions: [
                      assign(({ context, event }) => ({ ...logged(context, { call: 'query', outcome: errorOutcome(event.error) }), polls: context.polls + 1 })),
                      'deadlinePassed',
                    ],
                  },
                ],
              },
            },
          },
        },

        /** Reverse the trade, whatever state it is in (payments.md: cancel vs close). */
        cancelling: {
          invoke: {
            id: 'cancel',
            src: 'cancel',
            input: ({ context }) => tradeRef(context),
            onDone: [
              {
                guard: is('cancelled'),
                target: '#payment.cancelled',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<CancelOutcome, Outcome<'cancelled'>>;
                  const message =
                    o.action === 'refund'
                      ? 'the payment went through and was reversed: the money goes back to the customer'
                      : 'payment cancelled: the customer was not charged';
                  return {
                    ...logged(context, { call: 'cancel', outcome: o }),
                    cancelAttempts: context.cancelAttempts + 1,
                    message,
                    result: { ...base(context, message), kind: 'cancelled' as const, action: o.action },
                  };
                }),
              },
              {
                guard: is('failed'),
                target: '#payment.manualReconcile',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<CancelOutcome, Outcome<'failed'>>;
                  const message = `${WALLET_NAMES[context.wallet]} refused to cancel the payment (${o.message}): a manager must reconcile trade ${context.outTradeNo}`;
                  return {
                    ...logged(context, { call: 'cancel', outcome: o }),
                    cancelAttempts: context.cancelAttempts + 1,
                    message,
                    result: { ...base(context, message), kind: 'manualReconcile' as const, code: o.code },
                  };
                }),
              },
              {
                target: 'cancelRetry',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'cancel', outcome: event.output }),
                  cancelAttempts: context.cancelAttempts + 1,
                  message: `the cancellation is not confirmed yet (${reason(event.output)}): trying again`,
                })),
              },
            ],
            onError: {
              target: 'cancelRetry',
              actions: assign(({ context, event }) => ({
                ...logged(context, { call: 'cancel', outcome: errorOutcome(event.error) }),
                cancelAttempts: context.cancelAttempts + 1,
                message: `the cancellation failed (${errorMessage(event.error)}): trying again`,
              })),
            },
          },
        },

        /** Decide between another cancel and the host's durable queue. */
        cancelRetry: {
          always: {
            guard: 'cancelsUsedUp',
            target: '#payment.cancelPending',
            actions: assign(({ context }) =>
              simpleResult(
                context,
                'cancelPending',
                `the cancellation is not confirmed after ${context.cancelAttempts} tries: it is retried in the background; do not treat this payment as paid`,
              ),
            ),
          },
          after: { cancelRetry: { target: 'cancelling' } },
          on: { RESUME: { target: 'cancelling', actions: 'resume' } },
        },
      },
    },

    // ---------------------------------------------------------------------------------------
    // QR pay: the customer scans the code on the customer display.
    qr: {
      initial: 'creating',
      states: {
        creating: {
          invoke: {
            id: 'precreate',
            src: 'precreate',
            input: ({ context }) => precreateRequest(context),
            onDone: [
              {
                guard: is('failed'),
                target: '#payment.failed',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<PrecreateOutcome, Outcome<'failed'>>;
                  return { ...logged(context, { call: 'precreate', outcome: o }), ...failedResult(context, o.code, o.message, o.retryWithNewCode) };
                }),
              },
              {
                guard: 'cashierStopped',
                target: 'closing',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'precreate', outcome: event.output }),
                  ...stopping(context, 'cashier'),
                  message: 'stopping: closing the QR code',
                })),
              },
              {
                guard: is('created'),
                target: 'showing',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<PrecreateOutcome, Outcome<'created'>>;
                  return {
                    ...logged(context, { call: 'precreate', outcome: o }),
                    qrCode: o.qrCode,
                    message: QR_WAITING_MESSAGE,
                  };
                }),
              },
              {
                // Nobody has seen a code, but a trade may exist: close it to be sure.
                target: 'closing',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'precreate', outcome: event.output }),
                  ...stopping(context, 'unclear'),
                  message: `the QR code could not be created (${reason(event.output)}): closing the attempt`,
                })),
              },
            ],
            onError: {
              target: 'closing',
              actions: assign(({ context, event }) => ({
                ...logged(context, { call: 'precreate', outcome: errorOutcome(event.error) }),
                ...stopping(context, context.cashierStopped ? 'cashier' : 'unclear'),
                message: `the QR code could not be created (${errorMessage(event.error)}): closing the attempt`,
              })),
            },
          },
          on: {
            STOP: { actions: ['stop', assign({ message: 'stopping: waiting for the QR code, then closing it' })] },
          },
        },

        /** The code is on the customer display; ACQ.TRADE_NOT_EXIST means not scanned yet. */
        showing: {
          initial: 'waiting',
          after: { deadline: { target: 'closing', actions: 'deadlinePassed' } },
          on: {
            STOP: { target: 'closing', actions: 'stopNow' },
            RESUME: { target: 'closing', actions: 'resumeAndResolve' },
          },
          states: {
            waiting: {
              after: { pollInterval: { target: 'querying' } },
            },
            querying: {
              invoke: {
                id: 'query',
                src: 'query',
                input: ({ context }) => tradeRef(context),
                onDone: [
                  {
                    guard: is('paid'),
                    target: '#payment.paid',
                    actions: assign(({ context, event }) => {
                      const o = event.output as Extract<QueryOutcome, Outcome<'paid'>>;
                      return { ...logged(context, { call: 'query', outcome: o }), ...paidResult(context, o) };
                    }),
                  },
                  {
                    guard: is('closed'),
                    target: '#payment.expired',
                    actions: assign(({ context, event }) => ({
                      ...logged(context, { call: 'query', outcome: event.output }),
                      ...simpleResult(context, 'expired', 'the QR code expired unpaid: nothing was charged'),
                    })),
                  },
                  {
                    guard: 'pollsLeft',
                    target: 'waiting',
                    actions: assign(({ context, event }) => ({
                      ...logged(context, { call: 'query', outcome: event.output }),
                      polls: context.polls + 1,
                      message: pollingMessage(context, event.output),
                    })),
                  },
                  {
                    target: '#payment.qr.closing',
                    actions: [
                      assign(({ context, event }) => ({ ...logged(context, { call: 'query', outcome: event.output }), polls: context.polls + 1 })),
                      'deadlinePassed',
                    ],
                  },
                ],
                onError: [
                  {
                    guard: 'pollsLeft',
                    target: 'waiting',
                    actions: assign(({ context, event }) => ({
                      ...logged(context, { call: 'query', outcome: errorOutcome(event.error) }),
                      polls: context.polls + 1,
                      message: pollingMessage(context, errorOutcome(event.error)),
                    })),
                  },
                  {
                    target: '#payment.qr.closing',
                    actions: [
                      assign(({ context, event }) => ({ ...logged(context, { call: 'query', outcome: errorOutcome(event.error) }), polls: context.polls + 1 })),
                      'deadlinePassed',
                    ],
                  },
                ],
              },
            },
          },
        },

        /** Close the unpaid trade (never refunds; payments.md: cancel vs close). */
        closing: {
          invoke: {
            id: 'close',
            src: 'close',
            input: ({ context }) => tradeRef(context),
            onDone: [
              {
                guard: is('closed', 'not-found'),
                target: '#payment.aborted',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'close', outcome: event.output }),
                  closeAttempts: context.closeAttempts + 1,
                  ...simpleResult(context, 'aborted', abortedMessage(context)),
                })),
              },
              {
                // The last close allowed: hand over now, so the machine's last call is a close.
                guard: ({ context, event }) => event.output.kind === 'already-paid' && context.closeAttempts + 1 > context.timing.closeRetries,
                target: '#payment.closePending',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'close', outcome: event.output }),
                  closeAttempts: context.closeAttempts + 1,
                  ...simpleResult(
                    context,
                    'closePending',
                    `the QR trade says it was paid but this could not be confirmed after ${context.closeAttempts + 1} tries: it is resolved in the background; do not treat this payment as paid yet`,
                  ),
                })),
              },
              {
                guard: is('already-paid'),
                target: 'confirming',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'close', outcome: event.output }),
                  closeAttempts: context.closeAttempts + 1,
                  message: 'the QR code was paid meanwhile: confirming the payment',
                })),
              },
              {
                guard: is('failed'),
                target: '#payment.manualReconcile',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<CloseOutcome, Outcome<'failed'>>;
                  const message = `${WALLET_NAMES[context.wallet]} refused to close the QR trade (${o.message}): a manager must reconcile trade ${context.outTradeNo}`;
                  return {
                    ...logged(context, { call: 'close', outcome: o }),
                    closeAttempts: context.closeAttempts + 1,
                    message,
                    result: { ...base(context, message), kind: 'manualReconcile' as const, code: o.code },
                  };
                }),
              },
              {
                target: 'closeRetry',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'close', outcome: event.output }),
                  closeAttempts: context.closeAttempts + 1,
                  message: `closing the QR code is not confirmed yet (${reason(event.output)}): trying again`,
                })),
              },
            ],
            onError: {
              target: 'closeRetry',
              actions: assign(({ context, event }) => ({
                ...logged(context, { call: 'close', outcome: errorOutcome(event.error) }),
                closeAttempts: context.closeAttempts + 1,
                message: `closing the QR code failed (${errorMessage(event.error)}): trying again`,
              })),
            },
          },
          on: { STOP: { actions: 'stop' } },
        },

        /** Close said it was paid: query for the paid trade (refunded by the host if unwanted). */
        confirming: {
          invoke: {
            id: 'query',
            src: 'query',
            input: ({ context }) => tradeRef(context),
            onDone: [
              {
                guard: is('paid'),
                target: '#payment.paid',
                actions: assign(({ context, event }) => {
                  const o = event.output as Extract<QueryOutcome, Outcome<'paid'>>;
                  return { ...logged(context, { call: 'query', outcome: o }), ...paidResult(context, o) };
                }),
              },
              {
                guard: is('closed'),
                target: '#payment.aborted',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'query', outcome: event.output }),
                  ...simpleResult(context, 'aborted', abortedMessage(context)),
                })),
              },
              {
                // Paid per close, not per query: ask again by closing (bounded like any close).
                target: 'closeRetry',
                actions: assign(({ context, event }) => ({
                  ...logged(context, { call: 'query', outcome: event.output }),
                  message: `the payment could not be confirmed (${reason(event.output)}): trying again`,
                })),
              },
            ],
            onError: {
              target: 'closeRetry',
              actions: assign(({ context, event }) => ({
                ...logged(context, { call: 'query', outcome: errorOutcome(event.error) }),
                message: `the payment could not be confirmed (${errorMessage(event.error)}): trying again`,
              })),
            },
          },
          on: { STOP: { actions: 'stop' } },
        },

        /** Decide between another close and the host's durable queue. */
        closeRetry: {
          always: {
            guard: 'closesUsedUp',
            target: '#payment.closePending',
            actions: assign(({ context }) =>
              simpleResult(
                context,
                'closePending',
                `closing the QR trade is not confirmed after ${context.closeAttempts} tries: it is resolved in the background; do not treat this payment as paid`,
              ),
            ),
          },
          after: { closeRetry: { target: 'closing' } },
          on: {
            STOP: { actions: 'stop' },
            RESUME: { target: 'closing', actions: 'resume' },
          },
        },
      },
    },

    paid: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
    cancelPending: { type: 'final' },
    closePending: { type: 'final' },
    manualReconcile: { type: 'final' },
    expired: { type: 'final' },
    aborted: { type: 'final' },
  },
});

function abortedMessage(c: PaymentContext): string {
  if (c.stoppedBy === 'deadline') return 'the QR code was not paid in time and is closed: nothing was charged';
  if (c.stoppedBy === 'unclear') return 'the QR code could not be created and the attempt is closed: nothing was charged; try again';
  return 'QR payment stopped and closed: nothing was charged';
}

// ---------------------------------------------------------------------------------------------
// Host wiring

/**
 * The calls a host implements (a PaymentProvider fits, with precreate and close bound); each
 * receives an AbortSignal that fires when the state is left. query, cancel and close must be
 * idempotent: a restored snapshot re-runs them with the same input.
 */
export interface PaymentEffects {
  pay(request: PayRequest, signal: AbortSignal): Promise<PayOutcome>;
  precreate(request: PrecreateRequest, signal: AbortSignal): Promise<PrecreateOutcome>;
  query(trade: TradeRef, signal: AbortSignal): Promise<QueryOutcome>;
  cancel(trade: TradeRef, signal: AbortSignal): Promise<CancelOutcome>;
  close(trade: TradeRef, signal: AbortSignal): Promise<CloseOutcome>;
}

/** The machine with the host's effects plugged in. */
export function providePayment(effects: PaymentEffects) {
  return paymentMachine.provide({
    actors: {
      pay: fromPromise<PayOutcome, PayRequest>(({ input, signal }) => effects.pay(input, signal)),
      precreate: fromPromise<PrecreateOutcome, PrecreateRequest>(({ input, signal }) => effects.precreate(input, signal)),
      query: fromPromise<QueryOutcome, TradeRef>(({ input, signal }) => effects.query(input, signal)),
      cancel: fromPromise<CancelOutcome, TradeRef>(({ input, signal }) => effects.cancel(input, signal)),
      close: fromPromise<CloseOutcome, TradeRef>(({ input, signal }) => effects.close(input, signal)),
    },
  });
}

export type PaymentMachine = typeof paymentMachine;
