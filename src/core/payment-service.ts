// The terminal's side of wallet payments: the effects the payment machine runs (each attempt
// recorded before its first call, every call written before and after, ARCHITECTURE.md §3
// rule 3), the settling of an attempt's record from the machine's result, and the start-up
// recovery that closes the loop of every attempt left open by a crash or a lost answer (rule 5:
// paid, or cancelled/closed, or listed for reconciliation — never left hanging).
//
// Decisions:
// - A restored payment machine re-runs `pay`/`precreate` with the same out_trade_no. When the
//   write-ahead log shows that call was already made, the effect answers `unknown` instead of
//   sending it again, so the machine queries and cancels (payment.machine.ts header).
// - Recovery of attempts no running checkout owns (its snapshot was lost or discarded): a trade
//   found paid whose sale was committed with it stays paid; a paid trade with no committed sale
//   is reversed (cancel; refund after the 24 h cancel window); an unpaid one is cancelled or
//   closed. Pending cancels and closes are retried for 24 h, then listed as `manual`.
import { ulid } from 'ulid';
import type { PaymentEffects, PaymentResult } from '../../state-machines/payment.machine.ts';
import type { PayRequest, PrecreateRequest, TradeRef, WalletId } from '../domain/payment.ts';
import type { Db } from './db/open.ts';
import {
  callsFor,
  getAttempt,
  listOpenAttempts,
  recordAttempt,
  settleAttempt,
  type AttemptState,
  type PaymentAttempt,
} from './db/payment-attempts.ts';
import { getSale } from './db/sales.ts';
import type { Logger } from './logger.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { recordingProvider } from './recording-provider.ts';

/** out_trade_no: the terminal id (letters and digits) and a ULID, ≤ 32 characters of [A-Za-z0-9_]. */
export function newOutTradeNo(terminalId: string): string {
  return `${terminalId.replace(/[^A-Za-z0-9]/g, '').slice(0, 5)}_${ulid()}`;
}

/** How long a cancel or close may still be retried before a person must reconcile it. */
export const CANCEL_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface PaymentServiceOptions {
  readonly db: Db;
  readonly logger: Logger;
  readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly terminalId: string;
  readonly now?: () => Date;
}

export class PaymentService {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly #terminalId: string;
  readonly #now: () => Date;

  constructor(options: PaymentServiceOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#terminalId = options.terminalId;
    this.#now = options.now ?? (() => new Date());
    this.#providers = new Map([...options.providers].map(([wallet, p]) => [wallet, recordingProvider(options.db, p, this.#now)]));
  }

  get wallets(): WalletId[] {
    return [...this.#providers.keys()];
  }

  #provider(wallet: WalletId): PaymentProvider {
    const p = this.#providers.get(wallet);
    if (!p) throw new Error(`${wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} is not set up on this terminal`);
    return p;
  }

  /** The payment machine's effects for the sale `saleId()` names (the checkout's open sale). */
  effects(saleId: () => string | null): PaymentEffects {
    const start = (request: PayRequest | PrecreateRequest, mode: 'barcode' | 'qr', call: 'pay' | 'precreate'): 'new' | 'sent' => {
      const existing = getAttempt(this.#db, request.outTradeNo);
      if (existing) return callsFor(this.#db, request.outTradeNo).some((c) => c.call === call) ? 'sent' : 'new';
      const sale = saleId();
      if (sale === null) throw new Error('a wallet payment needs an open sale');
      recordAttempt(this.#db, {
        outTradeNo: request.outTradeNo,
        saleId: sale,
        terminalId: this.#terminalId,
        wallet: request.wallet,
        mode,
        amount: request.amount,
        currency: request.currency,
        ...('authCode' in request ? { authCode: request.authCode } : {}),
        at: this.#at(),
      });
      return 'new';
    };
    return {
      pay: async (request, signal) => {
        if (start(request, 'barcode', 'pay') === 'sent') return { kind: 'unknown', reason: 'the terminal restarted after sending this payment' };
        return this.#provider(request.wallet).pay(request, signal);
      },
      precreate: async (request, signal) => {
        if (start(request, 'qr', 'precreate') === 'sent') return { kind: 'unknown', reason: 'the terminal restarted after creating this QR code' };
        const p = this.#provider(request.wallet);
        if (!p.precreate) return { kind: 'failed', code: 'NO_QR', message: `${request.wallet} has no QR payment here: scan the customer's code instead`, retryWithNewCode: false };
        return p.precreate(request, signal);
      },
      query: (trade, signal) => this.#provider(trade.wallet).query(trade, signal),
      cancel: (trade, signal) => this.#provider(trade.wallet).cancel(trade, signal),
      close: async (trade, signal) => {
        const p = this.#provider(trade.wallet);
        return p.close ? p.close(trade, signal) : { kind: 'not-found' };
      },
    };
  }

  /** Records how an attempt ended (called with the machine's result, before the checkout's snapshot is saved). */
  settle(result: PaymentResult): PaymentAttempt | null {
    if (!getAttempt(this.#db, result.outTradeNo)) return null;
    const state = stateOf(result);
    const tradeNo = result.kind === 'paid' ? result.trade.tradeNo : null;
    const settled = settleAttempt(this.#db, result.outTradeNo, state, { tradeNo, detail: result.message, at: this.#at() });
    this.#logger.info({ outTradeNo: result.outTradeNo, wallet: result.wallet, result: result.kind }, 'wallet payment attempt settled');
    return settled;
  }

  /**
   * Closes the loop of every attempt left open, except `running` (the attempt a restored checkout
   * is resuming itself). Returns what became of each.
   */
  async recover(running: string | null, signal?: AbortSignal): Promise<PaymentAttempt[]> {
    const out: PaymentAttempt[] = [];
    for (const a of listOpenAttempts(this.#db)) {
      if (a.outTradeNo === running) continue;
      if (!this.#providers.has(a.wallet)) {
        this.#logger.error({ outTradeNo: a.outTradeNo, wallet: a.wallet }, 'open payment attempt for a wallet that is no longer configured');
        continue;
      }
      try {
        out.push(await this.#recoverOne(a, signal));
      } catch (err) {
        this.#logger.error({ outTradeNo: a.outTradeNo, err }, 'payment recovery failed; it is retried at the next start');
      }
    }
    return out;
  }

  async #recoverOne(a: PaymentAttempt, signal?: AbortSignal): Promise<PaymentAttempt> {
    const provider = this.#provider(a.wallet);
    const trade: TradeRef = { wallet: a.wallet, outTradeNo: a.outTradeNo };
    const q = await provider.query(trade, signal);
    if (q.kind === 'unknown') return settleAttempt(this.#db, a.outTradeNo, 'cancel-pending', { detail: `the gateway could not say: ${q.reason}`, at: this.#at() });
    if (q.kind === 'paid') {
      const sale = getSale(this.#db, a.saleId);
      if (sale?.tenders.some((t) => t.reference === q.tradeNo)) {
        return settleAttempt(this.#db, a.outTradeNo, 'paid', { tradeNo: q.tradeNo, detail: 'paid; the sale was completed with it', at: this.#at() });
      }
    }
    if (q.kind === 'closed') return settleAttempt(this.#db, a.outTradeNo, a.state === 'cancel-pending' ? 'cancelled' : 'failed', { detail: 'the trade is closed: nothing was charged', at: this.#at() });
    if (q.kind === 'not-found' && a.mode === 'barcode') return settleAttempt(this.#db, a.outTradeNo, 'failed', { detail: 'the gateway never received this payment', at: this.#at() });
    // Paid without a sale, or still waiting: reverse it.
    const tooOld = this.#now().getTime() - Date.parse(a.createdAt) > CANCEL_WINDOW_MS;
    if (a.mode === 'qr' && q.kind !== 'paid' && provider.close) {
      const c = await provider.close(trade, signal);
      if (c.kind === 'closed' || c.kind === 'not-found') return settleAttempt(this.#db, a.outTradeNo, 'expired', { detail: 'the unpaid QR code was closed', at: this.#at() });
      return settleAttempt(this.#db, a.outTradeNo, tooOld ? 'manual' : 'cancel-pending', { detail: `closing the QR code: ${c.kind === 'failed' ? c.message : c.kind}`, at: this.#at() });
    }
    const c = await provider.cancel(trade, signal);
    if (c.kind === 'cancelled') return settleAttempt(this.#db, a.outTradeNo, 'cancelled', { detail: c.action === 'refund' ? 'it had been paid with no sale: the money went back' : 'cancelled', at: this.#at() });
    if (c.kind === 'retry' && !tooOld) return settleAttempt(this.#db, a.outTradeNo, 'cancel-pending', { detail: `cancel to retry: ${c.reason}`, at: this.#at() });
    return settleAttempt(this.#db, a.outTradeNo, 'manual', { detail: c.kind === 'failed' ? c.message : 'the cancel window has passed: reconcile with the bill', at: this.#at() });
  }

  #at(): string {
    return this.#now().toISOString();
  }
}

function stateOf(result: PaymentResult): AttemptState {
  switch (result.kind) {
    case 'paid':
      return 'paid';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    case 'expired':
    case 'aborted':
      return 'expired';
    case 'cancelPending':
    case 'closePending':
      return 'cancel-pending';
    case 'manualReconcile':
      return 'manual';
  }
}
