// Fake gateway effects for the payment and refund machine tests: each call takes the next
// scripted answer for its name (an outcome, a rejection, or 'hold' to wait for the test), after
// an optional latency on whatever timers the test runs. Calls, their inputs and whether their
// AbortSignal fired are recorded; a call with no scripted answer left rejects and is listed in
// `unscripted`, so a test that did not expect it fails.
import { fromPromise } from 'xstate';
import type {
  CancelOutcome,
  CloseOutcome,
  PaidTrade,
  PayOutcome,
  PayRequest,
  PrecreateOutcome,
  PrecreateRequest,
  QueryOutcome,
  RefundOutcome,
  RefundQueryOutcome,
  RefundRequest,
  TradeRef,
} from '../../../src/domain/payment.ts';
import { paymentMachine } from '../../../state-machines/payment.machine.ts';
import type { PaymentInput } from '../../../state-machines/payment.machine.ts';
import { refundMachine } from '../../../state-machines/refund.machine.ts';
import type { RefundInput, RefundQueryRequest } from '../../../state-machines/refund.machine.ts';

export const PAID: PaidTrade = { tradeNo: '2025050122001400001', amount: 8888, buyer: 'cus***@example.com', paidAt: '2025-05-01 10:00:05' };

export const BARCODE: PaymentInput = {
  wallet: 'alipay',
  mode: 'barcode',
  outTradeNo: 'T1_01HZX0000000000000000001',
  amount: 8888,
  currency: 'CNY',
  authCode: '286123456789012345',
  subject: 'Kassa sale S1',
  storeId: 'STORE1',
  terminalId: 'T1',
  operatorId: 'alice',
  startedAt: '2025-05-01T10:00:00.000Z',
};

export const QR: PaymentInput = {
  wallet: 'alipay',
  mode: 'qr',
  outTradeNo: 'T1_01HZX0000000000000000002',
  amount: 8888,
  currency: 'CNY',
  subject: 'Kassa sale S1',
  storeId: 'STORE1',
  terminalId: 'T1',
  operatorId: 'alice',
};

export const REFUND: RefundInput = {
  trade: { wallet: 'alipay', outTradeNo: 'T1_01HZX0000000000000000001' },
  outRequestNo: 'R_T1_01HZX000000000000000001',
  amount: 1000,
  currency: 'CNY',
  reason: 'damaged item',
  operatorId: 'manager1',
};

interface Outcomes {
  pay: PayOutcome;
  precreate: PrecreateOutcome;
  query: QueryOutcome;
  cancel: CancelOutcome;
  close: CloseOutcome;
  refund: RefundOutcome;
  refundQuery: RefundQueryOutcome;
}

interface Requests {
  pay: PayRequest;
  precreate: PrecreateRequest;
  query: TradeRef;
  cancel: TradeRef;
  close: TradeRef;
  refund: RefundRequest;
  refundQuery: RefundQueryRequest;
}

export type CallName = keyof Outcomes;

/** One scripted answer: an outcome, a rejection, or 'hold' (the test settles it). `after` is latency in ms. */
export type Answer<N extends CallName> = Outcomes[N] | { readonly reject: string; readonly after?: number } | { readonly outcome: Outcomes[N]; readonly after: number } | 'hold';

export type Script = { [N in CallName]?: Answer<N>[] };

interface Held {
  readonly name: CallName;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

export interface CallRecord {
  readonly name: CallName;
  readonly input: unknown;
  aborted: boolean;
}

export function gatewayFakes(script: Script = {}) {
  const queues: Script = Object.fromEntries(Object.entries(script).map(([k, v]) => [k, [...v]]));
  const calls: CallRecord[] = [];
  const held: Held[] = [];
  const unscripted: CallName[] = [];

  function run<N extends CallName>(name: N, input: Requests[N], signal: AbortSignal): Promise<Outcomes[N]> {
    const record: CallRecord = { name, input, aborted: false };
    calls.push(record);
    signal.addEventListener('abort', () => (record.aborted = true));
    const answer = (queues[name] as Answer<N>[] | undefined)?.shift();
    if (answer === undefined) {
      unscripted.push(name);
      return Promise.reject(new Error(`fake: no scripted answer left for ${name}`));
    }
    if (answer === 'hold') {
      return new Promise<Outcomes[N]>((resolve, reject) => held.push({ name, resolve: resolve as (v: unknown) => void, reject }));
    }
    const after = 'after' in answer ? answer.after : undefined;
    const settle = (): Outcomes[N] => {
      if ('reject' in answer) throw new Error(answer.reject);
      return 'outcome' in answer ? answer.outcome : answer;
    };
    if (after === undefined) return new Promise<Outcomes[N]>((resolve) => resolve(settle()));
    return new Promise<Outcomes[N]>((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(settle());
        } catch (e) {
          reject(e);
        }
      }, after),
    );
  }

  const actors = {
    pay: fromPromise<PayOutcome, PayRequest>(({ input, signal }) => run('pay', input, signal)),
    precreate: fromPromise<PrecreateOutcome, PrecreateRequest>(({ input, signal }) => run('precreate', input, signal)),
    query: fromPromise<QueryOutcome, TradeRef>(({ input, signal }) => run('query', input, signal)),
    cancel: fromPromise<CancelOutcome, TradeRef>(({ input, signal }) => run('cancel', input, signal)),
    close: fromPromise<CloseOutcome, TradeRef>(({ input, signal }) => run('close', input, signal)),
  };
  const refundActors = {
    refund: fromPromise<RefundOutcome, RefundRequest>(({ input, signal }) => run('refund', input, signal)),
    refundQuery: fromPromise<RefundQueryOutcome, RefundQueryRequest>(({ input, signal }) => run('refundQuery', input, signal)),
  };

  function takeHeld(name: CallName): Held {
    const i = held.map((h) => h.name).lastIndexOf(name);
    const h = held[i];
    if (!h) throw new Error(`fake: no ${name} call is being held`);
    held.splice(i, 1);
    return h;
  }

  return {
    machine: paymentMachine.provide({ actors }),
    refundMachine: refundMachine.provide({ actors: refundActors }),
    actors,
    refundActors,
    calls,
    held,
    unscripted,
    /** The names of the calls made, in order. */
    names: () => calls.map((c) => c.name),
    count: (name: CallName) => calls.filter((c) => c.name === name).length,
    /** Answers the latest held call of that name. */
    settle<N extends CallName>(name: N, outcome: Outcomes[N]) {
      takeHeld(name).resolve(outcome);
    },
    failHeld(name: CallName, message: string) {
      takeHeld(name).reject(new Error(message));
    },
  };
}

// Outcome shorthands.
export const paid = (trade: PaidTrade = PAID) => ({ kind: 'paid' as const, ...trade });
export const waiting = { kind: 'waiting' as const };
export const payWaiting = { kind: 'waiting' as const, tradeNo: PAID.tradeNo };
export const notFound = { kind: 'not-found' as const };
export const closed = { kind: 'closed' as const };
export const unknown = (reason = 'timeout after 5000 ms') => ({ kind: 'unknown' as const, reason });
export const refused = (code: string, message: string, retryWithNewCode = false) => ({ kind: 'failed' as const, code, message, retryWithNewCode });
export const cancelled = (action: 'close' | 'refund' | 'none' = 'close') => ({ kind: 'cancelled' as const, action });
export const retry = (reason = 'retry_flag=Y') => ({ kind: 'retry' as const, reason });
export const created = (qrCode = 'https://qr.alipay.com/bax00000000000000000') => ({ kind: 'created' as const, qrCode });
export const alreadyPaid = { kind: 'already-paid' as const };
