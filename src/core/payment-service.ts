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
//   is reversed (cancel; a full refund when the wallet refuses to cancel a paid trade, e.g. past
//   its cancel period, with a refund number fixed per trade); an unpaid one is cancelled or
//   closed. Pending cancels and closes are retried for 24 h, then listed as `manual`.
// - `resolve(outTradeNo)` is that recovery for one attempt; the durable cancel queue
//   (cancel-queue.ts) calls it for each `cancel-pending` attempt on its schedule. Once the
//   cancel window (`cancelWindowMs`, default 24 h from the attempt's creation) has passed, an
//   outcome that would leave the attempt pending makes it `manual` instead, also when the
//   gateway cannot be reached or the wallet is no longer configured.
// - `onSettled` listeners hear every change of an attempt's state made here (the machine's
//   results and recovery), so the cancel queue learns of a new pending cancel at once.
import { ulid } from 'ulid';
import type { PaymentEffects, PaymentResult } from '../../state-machines/payment.machine.ts';
import type { PayRequest, PrecreateRequest, TradeRef, WalletId } from '../domain/payment.ts';
import type { Db } from './db/open.ts';
import {
  callsFor,
  getAttempt,
  listOpenAttempts,
  listUnsoldPaidAttempts,
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

/** The refund number for reversing a trade paid with no sale: fixed per trade, ≤ 32 characters. */
export function unwantedRefundNo(outTradeNo: string): string {
  return `RV_${outTradeNo.replace(/[^A-Za-z0-9]/g, '').slice(-28)}`;
}

/** How long a cancel or close may still be retried before a person must reconcile it. */
export const CANCEL_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface PaymentServiceOptions {
  readonly db: Db;
  readonly logger: Logger;
  readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly terminalId: string;
  readonly now?: () => Date;
  /** From an attempt's creation until a pending cancel/close is listed as manual. Default 24 h. */
  readonly cancelWindowMs?: number;
}

export type SettledListener = (attempt: PaymentAttempt) => void;

export class PaymentService {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly #terminalId: string;
  readonly #now: () => Date;
  readonly #cancelWindowMs: number;
  readonly #listeners = new Set<SettledListener>();

  constructor(options: PaymentServiceOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#terminalId = options.terminalId;
    this.#now = options.now ?? (() => new Date());
    this.#cancelWindowMs = options.cancelWindowMs ?? CANCEL_WINDOW_MS;
    this.#providers = new Map([...options.providers].map(([wallet, p]) => [wallet, recordingProvider(options.db, p, this.#now)]));
  }

  get wallets(): WalletId[] {
    return [...this.#providers.keys()];
  }

  /** Calls `listener` after every state change of an attempt made here; returns the unsubscribe. */
  onSettled(listener: SettledListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** When the attempt's pending cancel/close stops being retried and becomes manual (ms since epoch). */
  windowEndsAt(attempt: PaymentAttempt): number {
    return Date.parse(attempt.createdAt) + this.#cancelWindowMs;
  }

  #pastWindow(a: PaymentAttempt): boolean {
    return this.#now().getTime() >= this.windowEndsAt(a);
  }

  #settle(outTradeNo: string, state: AttemptState, fields: { tradeNo?: string | null; detail?: string | null }): PaymentAttempt {
    const settled = settleAttempt(this.#db, outTradeNo, state, { ...fields, at: this.#at() });
    for (const listener of this.#listeners) {
      try {
        listener(settled);
      } catch (err) {
        this.#logger.error({ err, outTradeNo }, 'a payment attempt listener failed');
      }
    }
    return settled;
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
    const settled = this.#settle(result.outTradeNo, state, { tradeNo, detail: result.message });
    this.#logger.info({ outTradeNo: result.outTradeNo, wallet: result.wallet, result: result.kind }, 'wallet payment attempt settled');
    return settled;
  }

  /**
   * Closes the loop of every attempt left open, except `running` (the attempt a restored checkout
   * is resuming itself; a function is asked before each attempt), and gives back what was paid
   * for a sale that was never completed unless it is `openSale()` (the checkout's sale in
   * progress, whose tenders it still holds). Returns what became of each.
   */
  async recover(running: string | null | (() => string | null), signal?: AbortSignal, openSale: () => string | null = () => null): Promise<PaymentAttempt[]> {
    const owned = typeof running === 'function' ? running : () => running;
    const out: PaymentAttempt[] = [];
    // Money taken for a sale that is neither committed nor the checkout's open sale (the sale in
    // progress was lost: its snapshot discarded or deleted) goes back: marked cancel-pending, it is
    // resolved like any pending cancel (query; cancel, or refund past the cancel period).
    for (const a of listUnsoldPaidAttempts(this.#db)) {
      if (a.saleId === openSale() || getSale(this.#db, a.saleId) !== null) continue;
      this.#settle(a.outTradeNo, 'cancel-pending', { detail: 'paid for a sale that was never completed: to be given back' });
      this.#logger.warn({ outTradeNo: a.outTradeNo, wallet: a.wallet, saleId: a.saleId }, 'a wallet payment belongs to a sale that was never completed; giving it back');
    }
    for (const a of listOpenAttempts(this.#db)) {
      if (signal?.aborted) break;
      if (a.outTradeNo === owned()) continue;
      // Settled meanwhile (by the checkout's machine while an earlier attempt was being asked about).
      const now = getAttempt(this.#db, a.outTradeNo);
      if (now?.state !== 'open' && now?.state !== 'cancel-pending') continue;
      try {
        out.push(await this.resolve(a.outTradeNo, signal));
      } catch (err) {
        this.#logger.error({ outTradeNo: a.outTradeNo, wallet: a.wallet, err }, 'payment recovery failed; it is retried later');
      }
    }
    return out;
  }

  /**
   * Recovery for one open or cancel-pending attempt: asks the gateway and closes the trade's
   * loop as far as it can now. Throws when the attempt is not open, or its wallet is not
   * configured while the cancel window is still open.
   */
  async resolve(outTradeNo: string, signal?: AbortSignal): Promise<PaymentAttempt> {
    const a = getAttempt(this.#db, outTradeNo);
    if (!a) throw new Error(`there is no payment attempt ${outTradeNo}`);
    if (a.state !== 'open' && a.state !== 'cancel-pending') return a;
    if (!this.#providers.has(a.wallet)) {
      const name = a.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay';
      if (this.#pastWindow(a)) {
        return this.#settle(a.outTradeNo, 'manual', { detail: `${name} is no longer set up on this terminal and the cancel window has passed: reconcile with the bill` });
      }
      throw new Error(`${name} is not set up on this terminal: attempt ${a.outTradeNo} (${a.state}) cannot be resolved`);
    }
    try {
      return await this.#recoverOne(a, signal);
    } catch (err) {
      // A provider throws only for a malformed request: retrying cannot help once the window is over.
      if (!this.#pastWindow(a)) throw err;
      const why = err instanceof Error ? err.message : String(err);
      return this.#settle(a.outTradeNo, 'manual', { detail: `it could not be resolved (${why}) and the cancel window has passed: reconcile with the bill` });
    }
  }

  async #recoverOne(a: PaymentAttempt, signal?: AbortSignal): Promise<PaymentAttempt> {
    const provider = this.#provider(a.wallet);
    const trade: TradeRef = { wallet: a.wallet, outTradeNo: a.outTradeNo };
    const tooOld = this.#pastWindow(a);
    const pendingOr = (detail: string): PaymentAttempt =>
      tooOld
        ? this.#settle(a.outTradeNo, 'manual', { detail: `${detail}; the cancel window has passed: reconcile with the bill` })
        : this.#settle(a.outTradeNo, 'cancel-pending', { detail });
    const q = await provider.query(trade, signal);
    if (q.kind === 'unknown') return pendingOr(`the gateway could not say: ${q.reason}`);
    if (q.kind === 'paid') {
      const sale = getSale(this.#db, a.saleId);
      if (sale?.tenders.some((t) => t.reference === q.tradeNo)) {
        return this.#settle(a.outTradeNo, 'paid', { tradeNo: q.tradeNo, detail: 'paid; the sale was completed with it' });
      }
    }
    if (q.kind === 'closed') return this.#settle(a.outTradeNo, a.state === 'cancel-pending' ? 'cancelled' : 'failed', { detail: 'the trade is closed: nothing was charged' });
    // Paid without a sale, or still waiting: reverse it.
    if (a.mode === 'qr' && q.kind !== 'paid' && provider.close) {
      const c = await provider.close(trade, signal);
      if (c.kind === 'closed' || c.kind === 'not-found') return this.#settle(a.outTradeNo, 'expired', { detail: 'the unpaid QR code was closed' });
      return pendingOr(`closing the QR code: ${c.kind === 'failed' ? c.message : c.kind === 'unknown' ? c.reason : c.kind}`);
    }
    // A barcode trade the gateway does not know (yet) is cancelled too, not just called failed: the
    // pay request may still be on its way, and the cancel makes the gateway refuse it when it
    // lands (payments.md: an unknown result is cancelled).
    const c = await provider.cancel(trade, signal);
    if (c.kind === 'cancelled') {
      const detail =
        c.action === 'refund' ? 'it had been paid with no sale: the money went back' : q.kind === 'not-found' ? 'the gateway had not received it; its number is cancelled so it can never be charged' : 'cancelled';
      return this.#settle(a.outTradeNo, 'cancelled', { detail });
    }
    if (c.kind === 'retry') return pendingOr(`cancel to retry: ${c.reason}`);
    if (q.kind === 'paid') return this.#refundUnwanted(a, q.amount, c.message, pendingOr, signal);
    return this.#settle(a.outTradeNo, 'manual', { detail: c.message });
  }

  /**
   * A trade paid with no sale that can no longer be cancelled (past the wallet's cancel period,
   * e.g. Alipay's ACQ.TRADE_CANCEL_TIME_OUT) is refunded in full. The refund number is derived
   * from the out_trade_no, so every retry (the cancel queue, the next start) asks for the same
   * refund and the wallet pays it back once.
   */
  async #refundUnwanted(a: PaymentAttempt, amount: number, cancelRefusal: string, pendingOr: (detail: string) => PaymentAttempt, signal?: AbortSignal): Promise<PaymentAttempt> {
    const provider = this.#provider(a.wallet);
    const r = await provider.refund(
      {
        wallet: a.wallet,
        outTradeNo: a.outTradeNo,
        outRequestNo: unwantedRefundNo(a.outTradeNo),
        amount,
        currency: a.currency,
        reason: 'paid without a completed sale',
        operatorId: 'kassa',
      },
      signal,
    );
    if (r.kind === 'refunded') {
      return this.#settle(a.outTradeNo, 'cancelled', { detail: `it had been paid with no sale and could no longer be cancelled (${cancelRefusal}): refunded in full` });
    }
    if (r.kind === 'unknown') return pendingOr(`refunding a trade paid with no sale: ${r.reason}`);
    return this.#settle(a.outTradeNo, 'manual', { detail: `paid with no sale; cancel refused (${cancelRefusal}) and refund refused (${r.message}): reconcile with the bill` });
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
