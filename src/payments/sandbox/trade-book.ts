// The trade rules both wallets share, over the ledger: pay with a customer's code, precreate
// a QR order and let a buyer scan it, confirm or decline a payment on the phone, query,
// cancel (reverse), close, refund and refund query. The Alipay gateway and the WeChat micropay
// endpoints map their protocols onto these results; the wallet API plays the buyer with them.
// Every method runs in one ledger transaction, after settling what time has decided.
//
// Decisions (payments.md §1, and Alipay's observed behaviour where the docs are silent):
// - Time is the injected clock, and what time decides (a buyer confirming after N seconds, a
//   waiting trade reaching its time limit, WeChat's revoke after 45 s, the refund window
//   ending) is applied lazily, at the moment it was due, before any call reads the books.
// - A repeated out_trade_no never makes a second trade: a different amount or subject is
//   `inconsistent`, a paid trade is `has-success` for the same buyer (another buyer's code:
//   `buyer-mismatch`), a closed one is `has-close`, a waiting one answers waiting again.
// - Pay refused for balance still records a closed trade (the code is spent), so a retry with
//   the same out_trade_no gets has-close; an unknown, used or expired code records nothing.
// - A precreated order is not a trade until a buyer scans it: query/close/refund see nothing.
//   Closing or cancelling it before the scan answers "not found" but locks it, so a later scan
//   fails (Alipay does this), and precreate again with the same out_trade_no returns the same
//   dead QR. Cancel or close of an out_trade_no never seen locks that number the same way.
// - Cancel reverses a paid trade in full (a `reversal`) only within the cancel window and only
//   if nothing was refunded; repeated on a cancelled trade it answers the same action again.
// - Close acts only on waiting trades; on an unpaid closed one it answers closed again; on a
//   paid one it refuses (`status`), which tells the caller to query and refund.
// - Refunds: only on TRADE_SUCCESS, never above what is left; the same out_request_no with the
//   same amount answers the first result with fundChange=false, with another amount
//   `inconsistent`. Refunds reaching the total close the trade (reason refunded).
import type { BuyerRow, CloseReason, Ledger, QrOrderRow, RefundRow, TradeRow, Wallet } from './ledger.ts';
import { alipayTradeNo, qrCodeUrl, wechatRefundId, wechatTransactionId } from './ids.ts';

export interface TradeBookOptions {
  readonly clock?: () => number;
  /** TRADE_SUCCESS becomes TRADE_FINISHED (no more refunds) this long after payment. Default 90 days. */
  readonly refundWindowMs?: number;
}

export interface TradeRef {
  readonly tradeNo?: string | undefined;
  readonly outTradeNo?: string | undefined;
}

export type Found = { readonly kind: 'trade'; readonly trade: TradeRow } | { readonly kind: 'unscanned'; readonly qr: QrOrderRow } | { readonly kind: 'none' };

export interface PayInput {
  readonly wallet: Wallet;
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly authCode: string;
  readonly totalFen: number;
  readonly subject: string;
  readonly storeId: string | null;
  readonly terminalId: string | null;
  readonly operatorId: string | null;
  /** How long a payment waiting for the buyer's password may wait before it closes unpaid. */
  readonly waitLimitMs: number;
}

export type PayRefusal = 'code-invalid' | 'code-expired' | 'balance' | 'has-success' | 'has-close' | 'inconsistent' | 'buyer-mismatch';
export type PayResult =
  | { readonly kind: 'paid'; readonly trade: TradeRow; readonly buyer: BuyerRow }
  | { readonly kind: 'waiting'; readonly trade: TradeRow; readonly buyer: BuyerRow }
  | { readonly kind: 'refused'; readonly reason: PayRefusal; readonly trade: TradeRow | null };

export interface PrecreateInput {
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly totalFen: number;
  readonly subject: string;
  readonly storeId: string | null;
  readonly terminalId: string | null;
  readonly operatorId: string | null;
  readonly qrLimitMs: number;
  readonly waitLimitMs: number;
}

export type PrecreateResult =
  | { readonly kind: 'created'; readonly qr: QrOrderRow }
  | { readonly kind: 'refused'; readonly reason: 'has-success' | 'has-close' | 'inconsistent'; readonly trade: TradeRow | null };

export type ConfirmResult = { readonly kind: 'paid' | 'waiting' | 'balance-not-enough'; readonly trade: TradeRow };

export type CancelResult =
  | { readonly kind: 'cancelled'; readonly action: 'close' | 'refund' | null; readonly trade: TradeRow | null }
  | { readonly kind: 'refused'; readonly reason: 'not-exist' | 'time-out' | 'refunded-before' | 'finished'; readonly trade: TradeRow | null };

export type CloseResult = { readonly kind: 'closed'; readonly trade: TradeRow } | { readonly kind: 'refused'; readonly reason: 'not-exist' | 'status'; readonly trade: TradeRow | null };

export interface RefundInput {
  readonly wallet: Wallet;
  readonly merchant: string;
  readonly ref: TradeRef;
  readonly outRequestNo: string;
  readonly amountFen: number;
  readonly reason: string;
}

export type RefundResult =
  | { readonly kind: 'refunded'; readonly trade: TradeRow; readonly refund: RefundRow; readonly fundChange: boolean }
  | { readonly kind: 'refused'; readonly reason: 'not-exist' | 'not-allowed' | 'exceeds' | 'inconsistent'; readonly trade: TradeRow | null; readonly refund?: RefundRow };

export class WalletError extends Error {
  override name = 'WalletError';
  constructor(
    readonly code: 'not-found' | 'conflict' | 'bad-input',
    message: string,
  ) {
    super(message);
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

function fingerprintOf(totalFen: number, subject: string): string {
  return JSON.stringify({ totalFen, subject });
}

export class TradeBook {
  readonly clock: () => number;
  private readonly refundWindowMs: number;

  constructor(
    readonly ledger: Ledger,
    options: TradeBookOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.refundWindowMs = options.refundWindowMs ?? 90 * DAY_MS;
  }

  /** Runs `fn` in one transaction after applying everything that came due by now. */
  run<T>(fn: (now: number) => T): T {
    return this.ledger.transaction(() => {
      const now = this.clock();
      this.settle(now);
      return fn(now);
    });
  }

  private settle(now: number): void {
    const l = this.ledger;
    for (const t of l.waitingDue(now)) {
      const confirmAt = t.confirmDueAt;
      const expireAt = t.expiresAt;
      if (confirmAt !== null && confirmAt <= now && (expireAt === null || confirmAt < expireAt)) {
        const buyer = t.buyerId === null ? undefined : l.buyer(t.buyerId);
        if (buyer !== undefined && buyer.balanceFen >= t.totalFen) {
          l.moveBalance(buyer.id, -t.totalFen);
          l.markPaid(t.tradeNo, confirmAt);
        } else {
          l.markClosed(t.tradeNo, 'balance', confirmAt);
        }
      } else if (expireAt !== null) {
        l.markClosed(t.tradeNo, t.wallet === 'wechat' && t.kind === 'barcode' ? 'revoked' : 'timeout', expireAt);
      }
    }
    l.finishPaidBefore(now - this.refundWindowMs);
  }

  private newTradeNo(wallet: Wallet, now: number): string {
    const seq = this.ledger.nextSeq(`${wallet}-trade`);
    return wallet === 'alipay' ? alipayTradeNo(now, seq) : wechatTransactionId(now, seq);
  }

  private reload(tradeNo: string): TradeRow {
    const t = this.ledger.trade(tradeNo);
    if (t === undefined) throw new Error(`trade ${tradeNo} vanished inside its own transaction`);
    return t;
  }

  private buyerOf(id: string): BuyerRow {
    const b = this.ledger.buyer(id);
    if (b === undefined) throw new Error(`buyer ${id} is missing from the ledger`);
    return b;
  }

  /** trade_no wins over out_trade_no; a trade of another merchant or wallet is not found. */
  private lookup(wallet: Wallet, merchant: string, ref: TradeRef): Found {
    const l = this.ledger;
    if (ref.tradeNo !== undefined && ref.tradeNo !== '') {
      const t = l.trade(ref.tradeNo);
      return t !== undefined && t.wallet === wallet && t.merchant === merchant ? { kind: 'trade', trade: t } : { kind: 'none' };
    }
    if (ref.outTradeNo === undefined || ref.outTradeNo === '') return { kind: 'none' };
    const t = l.tradeByOut(wallet, merchant, ref.outTradeNo);
    if (t !== undefined) return { kind: 'trade', trade: t };
    if (wallet === 'alipay') {
      const qr = l.qrOrderByOut(merchant, ref.outTradeNo);
      if (qr !== undefined) return { kind: 'unscanned', qr };
    }
    return { kind: 'none' };
  }

  find(wallet: Wallet, merchant: string, ref: TradeRef): Found {
    return this.run(() => this.lookup(wallet, merchant, ref));
  }

  pay(input: PayInput): PayResult {
    return this.run((now) => {
      const l = this.ledger;
      const code = l.code(input.authCode);
      const existing = l.tradeByOut(input.wallet, input.merchant, input.outTradeNo);
      if (existing !== undefined) {
        if (existing.kind !== 'barcode' || existing.fingerprint !== fingerprintOf(input.totalFen, input.subject)) {
          return { kind: 'refused', reason: 'inconsistent', trade: existing };
        }
        if (input.authCode !== existing.authCode) {
          if (code === undefined || code.wallet !== input.wallet) return { kind: 'refused', reason: 'code-invalid', trade: null };
          if (code.buyerId !== existing.buyerId) return { kind: 'refused', reason: 'buyer-mismatch', trade: existing };
        }
        if (existing.status === 'TRADE_CLOSED') return { kind: 'refused', reason: 'has-close', trade: existing };
        if (existing.status === 'WAIT_BUYER_PAY') return { kind: 'waiting', trade: existing, buyer: this.buyerOf(existing.buyerId ?? '') };
        return { kind: 'refused', reason: 'has-success', trade: existing };
      }
      if (input.wallet === 'alipay' && l.qrOrderByOut(input.merchant, input.outTradeNo) !== undefined) {
        return { kind: 'refused', reason: 'inconsistent', trade: null };
      }
      if (l.voidRef(input.wallet, input.merchant, input.outTradeNo) !== undefined) return { kind: 'refused', reason: 'has-close', trade: null };
      if (code === undefined || code.wallet !== input.wallet || code.usedAt !== null) return { kind: 'refused', reason: 'code-invalid', trade: null };
      if (code.expiresAt <= now) return { kind: 'refused', reason: 'code-expired', trade: null };
      const buyer = this.buyerOf(code.buyerId);
      const tradeNo = this.newTradeNo(input.wallet, now);
      const enough = buyer.balanceFen >= input.totalFen;
      const waits = enough && code.passwordRequired === 1;
      l.insertTrade({
        tradeNo,
        wallet: input.wallet,
        merchant: input.merchant,
        outTradeNo: input.outTradeNo,
        kind: 'barcode',
        status: enough && !waits ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY',
        closeReason: null,
        totalFen: input.totalFen,
        subject: input.subject,
        storeId: input.storeId,
        terminalId: input.terminalId,
        operatorId: input.operatorId,
        buyerId: buyer.id,
        authCode: input.authCode,
        fingerprint: fingerprintOf(input.totalFen, input.subject),
        createdAt: now,
        paidAt: enough && !waits ? now : null,
        confirmDueAt: waits && code.passwordAutoMs !== null ? now + code.passwordAutoMs : null,
        expiresAt: waits ? now + input.waitLimitMs : null,
      });
      l.useCode(input.authCode, tradeNo, now);
      if (!enough) {
        l.markClosed(tradeNo, 'balance', now);
        return { kind: 'refused', reason: 'balance', trade: this.reload(tradeNo) };
      }
      if (waits) return { kind: 'waiting', trade: this.reload(tradeNo), buyer };
      l.moveBalance(buyer.id, -input.totalFen);
      return { kind: 'paid', trade: this.reload(tradeNo), buyer: this.buyerOf(buyer.id) };
    });
  }

  precreate(input: PrecreateInput): PrecreateResult {
    return this.run((now) => {
      const l = this.ledger;
      const fingerprint = fingerprintOf(input.totalFen, input.subject);
      const trade = l.tradeByOut('alipay', input.merchant, input.outTradeNo);
      if (trade !== undefined && trade.kind === 'barcode') return { kind: 'refused', reason: 'inconsistent', trade };
      if (trade !== undefined && trade.status === 'TRADE_CLOSED') return { kind: 'refused', reason: 'has-close', trade };
      if (trade !== undefined && trade.status !== 'WAIT_BUYER_PAY') return { kind: 'refused', reason: 'has-success', trade };
      const qr = l.qrOrderByOut(input.merchant, input.outTradeNo);
      if (qr !== undefined) return qr.fingerprint === fingerprint ? { kind: 'created', qr } : { kind: 'refused', reason: 'inconsistent', trade: trade ?? null };
      if (l.voidRef('alipay', input.merchant, input.outTradeNo) !== undefined) return { kind: 'refused', reason: 'has-close', trade: null };
      const row = {
        qrCode: qrCodeUrl(),
        merchant: input.merchant,
        outTradeNo: input.outTradeNo,
        totalFen: input.totalFen,
        subject: input.subject,
        storeId: input.storeId,
        terminalId: input.terminalId,
        operatorId: input.operatorId,
        fingerprint,
        createdAt: now,
        qrExpiresAt: now + input.qrLimitMs,
        tradeTimeoutMs: input.waitLimitMs,
      };
      l.insertQrOrder(row);
      return { kind: 'created', qr: { ...row, closedAt: null, tradeNo: null } };
    });
  }

  /** The buyer scans a precreated QR code (the Alipay trade is created now), and pays if `confirm`. */
  scan(qrCode: string, buyerId: string, confirm: boolean): ConfirmResult {
    return this.run((now) => {
      const l = this.ledger;
      const qr = l.qrOrder(qrCode);
      if (qr === undefined) throw new WalletError('not-found', `no QR order has the code "${qrCode}"`);
      const buyer = l.buyer(buyerId);
      if (buyer === undefined) throw new WalletError('not-found', `no buyer "${buyerId}"`);
      if (qr.tradeNo !== null) {
        const trade = this.reload(qr.tradeNo);
        if (trade.buyerId !== buyerId) throw new WalletError('conflict', `this QR code was already scanned by another buyer (trade ${trade.tradeNo})`);
        if (trade.status !== 'WAIT_BUYER_PAY' || !confirm) return { kind: trade.status === 'WAIT_BUYER_PAY' ? 'waiting' : 'paid', trade };
        return this.confirmWaiting(trade, now);
      }
      if (qr.closedAt !== null) throw new WalletError('conflict', 'the merchant closed this order before it was scanned: the cashier must charge again');
      if (qr.qrExpiresAt <= now) throw new WalletError('conflict', 'this QR code has expired: the cashier must charge again');
      const tradeNo = this.newTradeNo('alipay', now);
      l.insertTrade({
        tradeNo,
        wallet: 'alipay',
        merchant: qr.merchant,
        outTradeNo: qr.outTradeNo,
        kind: 'qr',
        status: 'WAIT_BUYER_PAY',
        closeReason: null,
        totalFen: qr.totalFen,
        subject: qr.subject,
        storeId: qr.storeId,
        terminalId: qr.terminalId,
        operatorId: qr.operatorId,
        buyerId,
        authCode: null,
        fingerprint: qr.fingerprint,
        createdAt: now,
        paidAt: null,
        confirmDueAt: null,
        expiresAt: now + qr.tradeTimeoutMs,
      });
      l.linkQrOrder(qr.qrCode, tradeNo);
      const trade = this.reload(tradeNo);
      return confirm ? this.confirmWaiting(trade, now) : { kind: 'waiting', trade };
    });
  }

  private confirmWaiting(trade: TradeRow, now: number): ConfirmResult {
    const l = this.ledger;
    const buyer = this.buyerOf(trade.buyerId ?? '');
    if (buyer.balanceFen < trade.totalFen) return { kind: 'balance-not-enough', trade };
    l.moveBalance(buyer.id, -trade.totalFen);
    l.markPaid(trade.tradeNo, now);
    return { kind: 'paid', trade: this.reload(trade.tradeNo) };
  }

  private waitingTrade(tradeNo: string): TradeRow {
    const trade = this.ledger.trade(tradeNo);
    if (trade === undefined) throw new WalletError('not-found', `no trade "${tradeNo}"`);
    if (trade.status !== 'WAIT_BUYER_PAY') throw new WalletError('conflict', `trade ${tradeNo} is not waiting for the buyer: it is ${trade.status}`);
    return trade;
  }

  /** The buyer enters the password: a waiting trade is paid (if the balance allows). */
  confirm(tradeNo: string): ConfirmResult {
    return this.run((now) => this.confirmWaiting(this.waitingTrade(tradeNo), now));
  }

  /** The buyer refuses on the phone: a waiting trade closes unpaid. */
  decline(tradeNo: string): TradeRow {
    return this.run((now) => {
      this.waitingTrade(tradeNo);
      this.ledger.markClosed(tradeNo, 'declined', now);
      return this.reload(tradeNo);
    });
  }

  /** Alipay cancel / WeChat reverse, allowed `windowMs` after the trade was created. */
  cancel(wallet: Wallet, merchant: string, ref: TradeRef, windowMs: number): CancelResult {
    return this.run((now) => {
      const l = this.ledger;
      const found = this.lookup(wallet, merchant, ref);
      if (found.kind === 'none') {
        if (ref.tradeNo !== undefined && ref.tradeNo !== '') return { kind: 'refused', reason: 'not-exist', trade: null };
        if (ref.outTradeNo !== undefined) l.insertVoidRef(wallet, merchant, ref.outTradeNo, now);
        return { kind: 'cancelled', action: null, trade: null };
      }
      if (found.kind === 'unscanned') {
        l.closeQrOrder(found.qr.qrCode, now);
        return { kind: 'cancelled', action: null, trade: null };
      }
      const trade = found.trade;
      if (trade.status === 'TRADE_CLOSED') {
        if (trade.closeReason === 'refunded') return { kind: 'refused', reason: 'refunded-before', trade };
        return { kind: 'cancelled', action: trade.closeReason === 'cancelled' && trade.paidAt !== null ? 'refund' : 'close', trade };
      }
      if (trade.status === 'TRADE_FINISHED') return { kind: 'refused', reason: 'finished', trade };
      if (now - trade.createdAt > windowMs) return { kind: 'refused', reason: 'time-out', trade };
      if (trade.status === 'WAIT_BUYER_PAY') {
        l.markClosed(trade.tradeNo, 'cancelled', now);
        return { kind: 'cancelled', action: 'close', trade: this.reload(trade.tradeNo) };
      }
      if (trade.refundedFen > 0) return { kind: 'refused', reason: 'refunded-before', trade };
      l.insertRefund({ tradeNo: trade.tradeNo, kind: 'reversal', outRequestNo: null, refundId: null, amountFen: trade.totalFen, reason: 'cancel', createdAt: now });
      l.addRefunded(trade.tradeNo, trade.totalFen);
      if (trade.buyerId !== null) l.moveBalance(trade.buyerId, trade.totalFen);
      l.markClosed(trade.tradeNo, 'cancelled', now);
      return { kind: 'cancelled', action: 'refund', trade: this.reload(trade.tradeNo) };
    });
  }

  close(wallet: Wallet, merchant: string, ref: TradeRef): CloseResult {
    return this.run((now) => {
      const l = this.ledger;
      const found = this.lookup(wallet, merchant, ref);
      if (found.kind === 'none') {
        if ((ref.tradeNo === undefined || ref.tradeNo === '') && ref.outTradeNo !== undefined) l.insertVoidRef(wallet, merchant, ref.outTradeNo, now);
        return { kind: 'refused', reason: 'not-exist', trade: null };
      }
      if (found.kind === 'unscanned') {
        l.closeQrOrder(found.qr.qrCode, now);
        return { kind: 'refused', reason: 'not-exist', trade: null };
      }
      const trade = found.trade;
      if (trade.status === 'WAIT_BUYER_PAY') {
        l.markClosed(trade.tradeNo, 'closed', now);
        return { kind: 'closed', trade: this.reload(trade.tradeNo) };
      }
      if (trade.status === 'TRADE_CLOSED' && trade.paidAt === null) return { kind: 'closed', trade };
      return { kind: 'refused', reason: 'status', trade };
    });
  }

  refund(input: RefundInput): RefundResult {
    return this.run((now) => {
      const l = this.ledger;
      const found = this.lookup(input.wallet, input.merchant, input.ref);
      if (found.kind !== 'trade') return { kind: 'refused', reason: 'not-exist', trade: null };
      const trade = found.trade;
      const earlier = l.refundByRequest(trade.tradeNo, input.outRequestNo);
      if (earlier !== undefined) {
        return earlier.amountFen === input.amountFen
          ? { kind: 'refunded', trade, refund: earlier, fundChange: false }
          : { kind: 'refused', reason: 'inconsistent', trade, refund: earlier };
      }
      if (trade.status !== 'TRADE_SUCCESS') return { kind: 'refused', reason: 'not-allowed', trade };
      if (input.amountFen > trade.totalFen - trade.refundedFen) return { kind: 'refused', reason: 'exceeds', trade };
      const refundId = input.wallet === 'wechat' ? wechatRefundId(now, l.nextSeq('wechat-refund')) : null;
      const refund = l.insertRefund({
        tradeNo: trade.tradeNo,
        kind: 'refund',
        outRequestNo: input.outRequestNo,
        refundId,
        amountFen: input.amountFen,
        reason: input.reason,
        createdAt: now,
      });
      l.addRefunded(trade.tradeNo, input.amountFen);
      if (trade.buyerId !== null) l.moveBalance(trade.buyerId, input.amountFen);
      if (trade.refundedFen + input.amountFen === trade.totalFen) l.markClosed(trade.tradeNo, 'refunded' satisfies CloseReason, now);
      return { kind: 'refunded', trade: this.reload(trade.tradeNo), refund, fundChange: true };
    });
  }

  /** The trade and its refund with that out_request_no (null when there is none). */
  refundQuery(wallet: Wallet, merchant: string, ref: TradeRef, outRequestNo: string): { trade: TradeRow; refund: RefundRow | null } | null {
    return this.run(() => {
      const found = this.lookup(wallet, merchant, ref);
      if (found.kind !== 'trade') return null;
      return { trade: found.trade, refund: this.ledger.refundByRequest(found.trade.tradeNo, outRequestNo) ?? null };
    });
  }

  /** Waiting trades a buyer can confirm or decline, oldest first. */
  pendingFor(buyerId: string): TradeRow[] {
    return this.run(() => this.ledger.trades().filter((t) => t.buyerId === buyerId && t.status === 'WAIT_BUYER_PAY'));
  }

  /** Applies what came due (for readers such as tests and the ledger route). */
  settleNow(): void {
    this.run(() => undefined);
  }
}
