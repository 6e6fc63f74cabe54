// The sandbox's trade rules (payments.md §1) on an in-memory ledger with a hand-moved clock:
// paying with a code, the repeated out_trade_no answers, waiting for the password, QR orders
// that exist only once scanned, cancel/close/refund and their windows, and the books staying
// consistent under thousands of random operations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../../../src/payments/sandbox/ledger.ts';
import { TradeBook, WalletError } from '../../../../src/payments/sandbox/trade-book.ts';
import type { PayInput } from '../../../../src/payments/sandbox/trade-book.ts';
import { SandboxWallet } from '../../../../src/payments/sandbox/wallet.ts';

const T0 = Date.UTC(2025, 2, 1, 1, 30); // 2025-03-01 09:30 GMT+8
const DAY = 24 * 60 * 60 * 1000;
const M = 'app-1';

function setup(options: { codeTtlMs?: number } = {}) {
  let now = T0;
  const ledger = new Ledger(':memory:');
  const book = new TradeBook(ledger, { clock: () => now });
  const wallet = new SandboxWallet(book, options);
  return {
    ledger,
    book,
    wallet,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

const payInput = (authCode: string, outTradeNo: string, totalFen: number, extra: Partial<PayInput> = {}): PayInput => ({
  wallet: 'alipay',
  merchant: M,
  outTradeNo,
  authCode,
  totalFen,
  subject: 'groceries',
  storeId: 'S1',
  terminalId: 'T1',
  operatorId: 'op',
  waitLimitMs: 15 * DAY,
  ...extra,
});

describe('pay', () => {
  it('takes the money at once, spends the code, and records who paid when', () => {
    const { book, wallet, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 10_000 });
    const { code } = wallet.issueCode(b.id, 'alipay');
    const r = book.pay(payInput(code, 'A1', 2_550));
    expect(r.kind).toBe('paid');
    if (r.kind !== 'paid') return;
    expect(r.trade).toMatchObject({ status: 'TRADE_SUCCESS', totalFen: 2_550, buyerId: b.id, paidAt: T0, authCode: code });
    expect(r.trade.tradeNo).toMatch(/^2025030122001\d{15}$/);
    expect(wallet.buyer(b.id).balanceFen).toBe(7_450);
    expect(ledger.code(code)).toMatchObject({ usedAt: T0, tradeNo: r.trade.tradeNo });
    expect(ledger.check()).toEqual([]);
  });

  it('refuses an unknown, used, expired or other-wallet code, and too little balance (which still spends the code)', () => {
    const { book, wallet, advance, ledger } = setup({ codeTtlMs: 60_000 });
    const b = wallet.createBuyer({ balanceFen: 1_000 });
    const used = wallet.issueCode(b.id, 'alipay').code;
    expect(book.pay(payInput(used, 'A1', 100)).kind).toBe('paid');
    expect(book.pay(payInput(used, 'A2', 100))).toMatchObject({ kind: 'refused', reason: 'code-invalid' });
    expect(book.pay(payInput('289999999999999999', 'A3', 100))).toMatchObject({ kind: 'refused', reason: 'code-invalid' });
    const wechat = wallet.issueCode(b.id, 'wechat').code;
    expect(book.pay(payInput(wechat, 'A4', 100))).toMatchObject({ kind: 'refused', reason: 'code-invalid' });
    const old = wallet.issueCode(b.id, 'alipay').code;
    advance(60_000);
    expect(book.pay(payInput(old, 'A5', 100))).toMatchObject({ kind: 'refused', reason: 'code-expired' });
    const poor = wallet.issueCode(b.id, 'alipay').code;
    const r = book.pay(payInput(poor, 'A6', 901));
    expect(r).toMatchObject({ kind: 'refused', reason: 'balance', trade: { status: 'TRADE_CLOSED', closeReason: 'balance', paidAt: null } });
    expect(ledger.code(poor)?.usedAt).not.toBeNull();
    expect(wallet.buyer(b.id).balanceFen).toBe(900);
    // The refused out_trade_no is closed for good.
    expect(book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'A6', 901))).toMatchObject({ kind: 'refused', reason: 'has-close' });
    expect(ledger.check()).toEqual([]);
  });

  it('answers a repeated out_trade_no without a second charge: has-success, inconsistent, buyer-mismatch, waiting again', () => {
    const { book, wallet } = setup();
    const b = wallet.createBuyer({ balanceFen: 10_000 });
    const other = wallet.createBuyer({ balanceFen: 10_000 });
    const code = wallet.issueCode(b.id, 'alipay').code;
    expect(book.pay(payInput(code, 'A1', 500)).kind).toBe('paid');
    expect(book.pay(payInput(code, 'A1', 500))).toMatchObject({ kind: 'refused', reason: 'has-success' });
    expect(book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'A1', 500))).toMatchObject({ kind: 'refused', reason: 'has-success' });
    expect(book.pay(payInput(code, 'A1', 501))).toMatchObject({ kind: 'refused', reason: 'inconsistent' });
    expect(book.pay(payInput(code, 'A1', 500, { subject: 'other' }))).toMatchObject({ kind: 'refused', reason: 'inconsistent' });
    expect(book.pay(payInput(wallet.issueCode(other.id, 'alipay').code, 'A1', 500))).toMatchObject({ kind: 'refused', reason: 'buyer-mismatch' });
    expect(wallet.buyer(b.id).balanceFen).toBe(9_500);
    expect(wallet.buyer(other.id).balanceFen).toBe(10_000);

    const waiting = wallet.issueCode(b.id, 'alipay', { password: { afterSeconds: null } }).code;
    expect(book.pay(payInput(waiting, 'A2', 100)).kind).toBe('waiting');
    expect(book.pay(payInput(waiting, 'A2', 100)).kind).toBe('waiting');
  });

  it('waits for the password: paid when the buyer confirms, or by itself after N seconds, at that moment', () => {
    const { book, wallet, advance, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 10_000, password: { afterSeconds: 8 } });
    const r = book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'A1', 1_000));
    expect(r).toMatchObject({ kind: 'waiting', trade: { status: 'WAIT_BUYER_PAY', confirmDueAt: T0 + 8_000 } });
    advance(7_999);
    expect(book.find('alipay', M, { outTradeNo: 'A1' })).toMatchObject({ kind: 'trade', trade: { status: 'WAIT_BUYER_PAY' } });
    expect(wallet.buyer(b.id).balanceFen).toBe(10_000);
    expect(wallet.pending(b.id).map((t) => t.outTradeNo)).toEqual(['A1']);
    advance(30_000);
    expect(book.find('alipay', M, { outTradeNo: 'A1' })).toMatchObject({ kind: 'trade', trade: { status: 'TRADE_SUCCESS', paidAt: T0 + 8_000 } });
    expect(wallet.buyer(b.id).balanceFen).toBe(9_000);

    const manual = book.pay(payInput(wallet.issueCode(b.id, 'alipay', { password: { afterSeconds: null } }).code, 'A2', 1_000));
    if (manual.kind !== 'waiting') throw new Error('expected waiting');
    advance(DAY);
    expect(ledger.trade(manual.trade.tradeNo)?.status).toBe('WAIT_BUYER_PAY');
    expect(wallet.confirm(manual.trade.tradeNo)).toMatchObject({ kind: 'paid', trade: { status: 'TRADE_SUCCESS' } });
    expect(() => wallet.confirm(manual.trade.tradeNo)).toThrow(WalletError);

    const declined = book.pay(payInput(wallet.issueCode(b.id, 'alipay', { password: { afterSeconds: null } }).code, 'A3', 1_000));
    if (declined.kind !== 'waiting') throw new Error('expected waiting');
    expect(wallet.decline(declined.trade.tradeNo)).toMatchObject({ status: 'TRADE_CLOSED', closeReason: 'declined' });
    expect(ledger.check()).toEqual([]);
  });

  it('closes a waiting payment at its time limit (timeout, or revoked for WeChat) and never takes money for it', () => {
    const { book, wallet, advance, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 10_000, password: { afterSeconds: 60 } });
    const a = book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'A1', 100, { waitLimitMs: 30_000 }));
    const w = book.pay(payInput(wallet.issueCode(b.id, 'wechat').code, 'W1', 100, { wallet: 'wechat', waitLimitMs: 45_000 }));
    if (a.kind !== 'waiting' || w.kind !== 'waiting') throw new Error('expected waiting');
    advance(46_000);
    book.settleNow();
    expect(ledger.trade(a.trade.tradeNo)).toMatchObject({ status: 'TRADE_CLOSED', closeReason: 'timeout', closedAt: T0 + 30_000 });
    expect(ledger.trade(w.trade.tradeNo)).toMatchObject({ status: 'TRADE_CLOSED', closeReason: 'revoked', closedAt: T0 + 45_000 });
    expect(wallet.buyer(b.id).balanceFen).toBe(10_000);
  });

  it('closes an auto-confirmed payment for balance if the money went elsewhere meanwhile', () => {
    const { book, wallet, advance, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 1_000 });
    const waiting = book.pay(payInput(wallet.issueCode(b.id, 'alipay', { password: { afterSeconds: 5 } }).code, 'A1', 800));
    expect(book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'A2', 500)).kind).toBe('paid');
    advance(5_000);
    book.settleNow();
    if (waiting.kind !== 'waiting') throw new Error('expected waiting');
    expect(ledger.trade(waiting.trade.tradeNo)).toMatchObject({ status: 'TRADE_CLOSED', closeReason: 'balance' });
    expect(wallet.buyer(b.id).balanceFen).toBe(500);
    expect(ledger.check()).toEqual([]);
  });
});

describe('precreate and scan', () => {
  const qrInput = (outTradeNo: string, totalFen = 1_999) => ({
    merchant: M,
    outTradeNo,
    totalFen,
    subject: 'coffee',
    storeId: null,
    terminalId: null,
    operatorId: null,
    qrLimitMs: 120_000,
    waitLimitMs: 15 * DAY,
  });

  it('is no trade until scanned; scanning creates it and pays; precreate again gives the same QR', () => {
    const { book, wallet } = setup();
    const b = wallet.createBuyer({ balanceFen: 5_000 });
    const r = book.precreate(qrInput('Q1'));
    if (r.kind !== 'created') throw new Error('expected created');
    expect(r.qr.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\/bax[0-9a-z]{21}$/);
    expect(book.find('alipay', M, { outTradeNo: 'Q1' }).kind).toBe('unscanned');
    expect(book.precreate(qrInput('Q1'))).toMatchObject({ kind: 'created', qr: { qrCode: r.qr.qrCode } });
    expect(book.precreate(qrInput('Q1', 2_000))).toMatchObject({ kind: 'refused', reason: 'inconsistent' });
    const paid = wallet.scan(r.qr.qrCode, b.id);
    expect(paid).toMatchObject({ kind: 'paid', trade: { kind: 'qr', status: 'TRADE_SUCCESS', totalFen: 1_999, buyerId: b.id } });
    expect(book.precreate(qrInput('Q1'))).toMatchObject({ kind: 'refused', reason: 'has-success' });
    expect(() => wallet.scan(r.qr.qrCode, wallet.createBuyer({ balanceFen: 1 }).id)).toThrow(/another buyer/);
    expect(wallet.buyer(b.id).balanceFen).toBe(3_001);
  });

  it('scanned without paying waits; too little balance leaves it waiting', () => {
    const { book, wallet } = setup();
    const poor = wallet.createBuyer({ balanceFen: 100 });
    const r = book.precreate(qrInput('Q1'));
    if (r.kind !== 'created') throw new Error('expected created');
    expect(wallet.scan(r.qr.qrCode, poor.id, { confirm: false })).toMatchObject({ kind: 'waiting', trade: { status: 'WAIT_BUYER_PAY' } });
    expect(book.find('alipay', M, { outTradeNo: 'Q1' })).toMatchObject({ kind: 'trade', trade: { status: 'WAIT_BUYER_PAY' } });
    expect(wallet.scan(r.qr.qrCode, poor.id)).toMatchObject({ kind: 'balance-not-enough', trade: { status: 'WAIT_BUYER_PAY' } });
    wallet.setBalance(poor.id, 2_000);
    expect(wallet.scan(r.qr.qrCode, poor.id)).toMatchObject({ kind: 'paid' });
  });

  it('a QR closed or cancelled before the scan answers "not found" but can no longer be paid; an expired one neither', () => {
    const { book, wallet, advance } = setup();
    const b = wallet.createBuyer({ balanceFen: 50_000 });
    const closed = book.precreate(qrInput('Q1'));
    const cancelled = book.precreate(qrInput('Q2'));
    const expired = book.precreate(qrInput('Q3'));
    if (closed.kind !== 'created' || cancelled.kind !== 'created' || expired.kind !== 'created') throw new Error('expected created');
    expect(book.close('alipay', M, { outTradeNo: 'Q1' })).toMatchObject({ kind: 'refused', reason: 'not-exist' });
    expect(book.cancel('alipay', M, { outTradeNo: 'Q2' }, DAY)).toMatchObject({ kind: 'cancelled', action: null });
    expect(() => wallet.scan(closed.qr.qrCode, b.id)).toThrow(/closed this order/);
    expect(() => wallet.scan(cancelled.qr.qrCode, b.id)).toThrow(/closed this order/);
    expect(book.precreate(qrInput('Q1'))).toMatchObject({ kind: 'created', qr: { qrCode: closed.qr.qrCode, closedAt: T0 } });
    advance(120_000);
    expect(() => wallet.scan(expired.qr.qrCode, b.id)).toThrow(/expired/);
    expect(() => wallet.scan('https://qr.alipay.com/baxnope', b.id)).toThrow(/no QR order/);
    expect(wallet.buyer(b.id).balanceFen).toBe(50_000);
  });
});

describe('cancel, close and refund', () => {
  function paidTrade(totalFen = 1_000) {
    const s = setup();
    const b = s.wallet.createBuyer({ balanceFen: 10_000 });
    const r = s.book.pay(payInput(s.wallet.issueCode(b.id, 'alipay').code, 'A1', totalFen));
    if (r.kind !== 'paid') throw new Error('expected paid');
    return { ...s, buyer: b, trade: r.trade };
  }

  it('cancel refunds a paid trade in full within 24 h, and says so again when repeated', () => {
    const { book, wallet, buyer, trade, ledger, advance } = paidTrade();
    advance(DAY - 1);
    expect(book.cancel('alipay', M, { tradeNo: trade.tradeNo }, DAY)).toMatchObject({ kind: 'cancelled', action: 'refund', trade: { status: 'TRADE_CLOSED', closeReason: 'cancelled', refundedFen: 1_000 } });
    expect(wallet.buyer(buyer.id).balanceFen).toBe(10_000);
    expect(book.cancel('alipay', M, { outTradeNo: 'A1' }, DAY)).toMatchObject({ kind: 'cancelled', action: 'refund' });
    expect(ledger.refunds()).toMatchObject([{ kind: 'reversal', amountFen: 1_000, outRequestNo: null }]);
    expect(ledger.check()).toEqual([]);
  });

  it('cancel refuses after 24 h, after a refund, and for a trade_no it does not know', () => {
    const late = paidTrade();
    late.advance(DAY + 1);
    expect(late.book.cancel('alipay', M, { outTradeNo: 'A1' }, DAY)).toMatchObject({ kind: 'refused', reason: 'time-out' });
    const refunded = paidTrade();
    refunded.book.refund({ wallet: 'alipay', merchant: M, ref: { outTradeNo: 'A1' }, outRequestNo: 'R1', amountFen: 100, reason: '' });
    expect(refunded.book.cancel('alipay', M, { outTradeNo: 'A1' }, DAY)).toMatchObject({ kind: 'refused', reason: 'refunded-before' });
    expect(refunded.book.cancel('alipay', M, { tradeNo: '2025030122001999999999999999' }, DAY)).toMatchObject({ kind: 'refused', reason: 'not-exist' });
  });

  it('cancel of an out_trade_no never seen succeeds with no action, and a late payment with it is refused', () => {
    const { book, wallet } = setup();
    const b = wallet.createBuyer({ balanceFen: 10_000 });
    expect(book.cancel('alipay', M, { outTradeNo: 'LOST1' }, DAY)).toEqual({ kind: 'cancelled', action: null, trade: null });
    expect(book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'LOST1', 100))).toMatchObject({ kind: 'refused', reason: 'has-close' });
    expect(wallet.buyer(b.id).balanceFen).toBe(10_000);
  });

  it('close acts on a waiting trade only, repeats fine, and refuses a paid one', () => {
    const { book, wallet, trade } = paidTrade();
    expect(book.close('alipay', M, { outTradeNo: 'A1' })).toMatchObject({ kind: 'refused', reason: 'status', trade: { tradeNo: trade.tradeNo } });
    const b = wallet.createBuyer({ balanceFen: 1_000, password: { afterSeconds: null } });
    const w = book.pay(payInput(wallet.issueCode(b.id, 'alipay').code, 'A2', 100));
    if (w.kind !== 'waiting') throw new Error('expected waiting');
    expect(book.close('alipay', M, { outTradeNo: 'A2' })).toMatchObject({ kind: 'closed', trade: { status: 'TRADE_CLOSED', closeReason: 'closed' } });
    expect(book.close('alipay', M, { tradeNo: w.trade.tradeNo })).toMatchObject({ kind: 'closed' });
    expect(() => wallet.confirm(w.trade.tradeNo)).toThrow(/not waiting/);
  });

  it('refunds partially, idempotently by out_request_no, never above what is left, and closes the trade at the total', () => {
    const { book, wallet, buyer, ledger } = paidTrade(1_000);
    const refund = (outRequestNo: string, amountFen: number) => book.refund({ wallet: 'alipay', merchant: M, ref: { outTradeNo: 'A1' }, outRequestNo, amountFen, reason: 'returned' });
    expect(refund('R1', 300)).toMatchObject({ kind: 'refunded', fundChange: true, trade: { refundedFen: 300, status: 'TRADE_SUCCESS' } });
    expect(refund('R1', 300)).toMatchObject({ kind: 'refunded', fundChange: false, trade: { refundedFen: 300 } });
    expect(refund('R1', 200)).toMatchObject({ kind: 'refused', reason: 'inconsistent' });
    expect(refund('R2', 701)).toMatchObject({ kind: 'refused', reason: 'exceeds' });
    expect(refund('R2', 700)).toMatchObject({ kind: 'refunded', fundChange: true, trade: { refundedFen: 1_000, status: 'TRADE_CLOSED', closeReason: 'refunded' } });
    expect(refund('R3', 1)).toMatchObject({ kind: 'refused', reason: 'not-allowed' });
    expect(refund('R2', 700)).toMatchObject({ kind: 'refunded', fundChange: false });
    expect(wallet.buyer(buyer.id).balanceFen).toBe(10_000);
    expect(book.refundQuery('alipay', M, { outTradeNo: 'A1' }, 'R2')).toMatchObject({ refund: { amountFen: 700 } });
    expect(book.refundQuery('alipay', M, { outTradeNo: 'A1' }, 'R9')).toMatchObject({ refund: null });
    expect(book.refundQuery('alipay', M, { outTradeNo: 'NOPE' }, 'R1')).toBeNull();
    expect(ledger.check()).toEqual([]);
  });

  it('after the refund window a paid trade is TRADE_FINISHED: no refund, no cancel', () => {
    const { book, advance, ledger, trade } = paidTrade();
    advance(91 * DAY);
    book.settleNow();
    expect(ledger.trade(trade.tradeNo)?.status).toBe('TRADE_FINISHED');
    expect(book.refund({ wallet: 'alipay', merchant: M, ref: { outTradeNo: 'A1' }, outRequestNo: 'R1', amountFen: 1, reason: '' })).toMatchObject({ kind: 'refused', reason: 'not-allowed' });
    expect(book.cancel('alipay', M, { outTradeNo: 'A1' }, DAY)).toMatchObject({ kind: 'refused', reason: 'finished' });
  });

  it("never shows one merchant's or wallet's trade to another", () => {
    const { book, trade } = paidTrade();
    expect(book.find('alipay', 'app-2', { tradeNo: trade.tradeNo }).kind).toBe('none');
    expect(book.find('wechat', M, { outTradeNo: 'A1' }).kind).toBe('none');
    expect(book.refund({ wallet: 'alipay', merchant: 'app-2', ref: { outTradeNo: 'A1' }, outRequestNo: 'R1', amountFen: 1, reason: '' })).toMatchObject({ kind: 'refused', reason: 'not-exist' });
  });
});

describe('the books', () => {
  it('stay consistent and conserve money under thousands of random payments, confirmations, cancels, closes and refunds', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('pay' as const), buyer: fc.nat(2), fen: fc.integer({ min: 1, max: 4_000 }), order: fc.nat(7), password: fc.boolean(), wallet: fc.constantFrom('alipay' as const, 'wechat' as const) }),
      fc.record({ t: fc.constant('qr' as const), buyer: fc.nat(2), fen: fc.integer({ min: 1, max: 4_000 }), order: fc.nat(7) }),
      fc.record({ t: fc.constant('cancel' as const), order: fc.nat(7) }),
      fc.record({ t: fc.constant('close' as const), order: fc.nat(7) }),
      fc.record({ t: fc.constant('refund' as const), order: fc.nat(7), request: fc.nat(3), fen: fc.integer({ min: 1, max: 4_000 }) }),
      fc.record({ t: fc.constant('confirm' as const), order: fc.nat(7) }),
      fc.record({ t: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 80 }), (ops) => {
        const { book, wallet, ledger, advance } = setup();
        const buyers = [0, 1, 2].map((i) => wallet.createBuyer({ balanceFen: 5_000 + i * 1_000 }).id);
        const funded = 5_000 + 6_000 + 7_000;
        const walletOf = new Map<string, 'alipay' | 'wechat'>();
        for (const o of ops) {
          const out = `O${'order' in o ? o.order : 0}`;
          const w = walletOf.get(out) ?? 'alipay';
          switch (o.t) {
            case 'pay': {
              const code = wallet.issueCode(buyers[o.buyer] ?? '', o.wallet, { password: o.password ? { afterSeconds: 10 } : null }).code;
              const r = book.pay(payInput(code, out, o.fen, { wallet: o.wallet, waitLimitMs: 15_000 }));
              if (!walletOf.has(out) && r.trade !== null) walletOf.set(out, o.wallet);
              break;
            }
            case 'qr': {
              const r = book.precreate({ merchant: M, outTradeNo: out, totalFen: o.fen, subject: 'groceries', storeId: null, terminalId: null, operatorId: null, qrLimitMs: 60_000, waitLimitMs: 30_000 });
              if (r.kind === 'created') {
                try {
                  wallet.scan(r.qr.qrCode, buyers[o.buyer] ?? '');
                } catch (err) {
                  if (!(err instanceof WalletError)) throw err;
                }
              }
              break;
            }
            case 'cancel':
              book.cancel(w, M, { outTradeNo: out }, DAY);
              break;
            case 'close':
              book.close(w, M, { outTradeNo: out });
              break;
            case 'refund':
              book.refund({ wallet: w, merchant: M, ref: { outTradeNo: out }, outRequestNo: `R${o.request}`, amountFen: o.fen, reason: '' });
              break;
            case 'confirm': {
              const t = ledger.tradeByOut(w, M, out);
              if (t !== undefined && t.status === 'WAIT_BUYER_PAY') {
                try {
                  wallet.confirm(t.tradeNo);
                } catch (err) {
                  if (!(err instanceof WalletError)) throw err;
                }
              }
              break;
            }
            case 'time':
              advance(o.ms);
              break;
          }
        }
        book.settleNow();
        expect(ledger.check()).toEqual([]);
        const balances = ledger.buyers().reduce((s, b) => s + b.balanceFen, 0);
        const kept = ledger.totals().reduce((s, t) => s + t.netFen, 0);
        expect(balances + kept).toBe(funded);
        // Every waiting trade has a time limit, so none waits forever unnoticed.
        for (const t of ledger.trades()) if (t.status === 'WAIT_BUYER_PAY') expect(t.expiresAt).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
