// RefundService against scripted wallets: full and partial refunds, the split over tenders
// (wallets first, cash last), pending refunds resumed with the same refund number, crashes before
// and after the call, manager authorization, training vs real, and every kind of bad input
// refused with a clear message and nothing written. The scripted wallet keeps its own ledger, so
// "refunded exactly once" is checked against what the wallet holds, not against our records.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { recordAttempt, settleAttempt } from '../../../src/core/db/payment-attempts.ts';
import { pendingRefundParts, refundCallsFor, refundsForSale } from '../../../src/core/db/refunds.ts';
import { commitSale } from '../../../src/core/db/sales.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { ManagerAuthError, setManagerToken } from '../../../src/core/manager-auth.ts';
import { parseReceipt, RefundError, RefundService, splitRefund, type RefundCommand } from '../../../src/core/refund-service.ts';
import { verifyStore } from '../../../src/core/verify.ts';
import type { RefundOutcome, RefundQueryOutcome, RefundRequest, TradeRef, WalletId } from '../../../src/domain/payment.ts';
import type { TenderMethod } from '../../../src/domain/sale-record.ts';
import type { PaymentProvider } from '../../../src/payments/provider.ts';
import { makeSale, SNAPSHOT, tempDbFile, TERMINAL } from '../../support/sale-fixtures.ts';
import { until } from '../../support/until.ts';

const TOKEN = 'mgr-2468';
const T0 = new Date('2025-03-02T09:00:00.000Z');
/** Short machine timing: 2 refund calls, then 2 refund queries, one round. */
const FAST = { retryDelayMs: 1, retries: 1, queryDelayMs: 1, queryRetries: 1, rounds: 1 };

type RefundStep = 'ok' | 'unknown' | 'lost' | 'refuse' | 'hang';
type QueryStep = 'ok' | 'unknown' | { readonly amount: number };

/** A wallet with its own ledger: refunds are idempotent by out_request_no and never exceed the trade. */
class ScriptedWallet implements PaymentProvider {
  readonly trades = new Map<string, number>();
  readonly refunds = new Map<string, { outTradeNo: string; amount: number }>();
  readonly calls: string[] = [];
  refundScript: RefundStep[] = [];
  queryScript: QueryStep[] = [];

  constructor(readonly wallet: WalletId) {}

  refundedOn(outTradeNo: string): number {
    return [...this.refunds.values()].filter((r) => r.outTradeNo === outTradeNo).reduce((s, r) => s + r.amount, 0);
  }

  #apply(r: RefundRequest): RefundOutcome {
    const paid = this.trades.get(r.outTradeNo);
    if (paid === undefined) return { kind: 'failed', code: 'ACQ.TRADE_NOT_EXIST', message: 'no such trade', retryWithNewCode: false };
    const earlier = this.refunds.get(r.outRequestNo);
    if (earlier) {
      if (earlier.amount !== r.amount) return { kind: 'failed', code: 'ACQ.CONTEXT_INCONSISTENT', message: 'same refund number, other amount', retryWithNewCode: false };
      return { kind: 'refunded', refundedTotal: this.refundedOn(r.outTradeNo), fundChange: false };
    }
    if (this.refundedOn(r.outTradeNo) + r.amount > paid) return { kind: 'failed', code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', message: 'refund exceeds the trade', retryWithNewCode: false };
    this.refunds.set(r.outRequestNo, { outTradeNo: r.outTradeNo, amount: r.amount });
    return { kind: 'refunded', refundedTotal: this.refundedOn(r.outTradeNo), fundChange: true };
  }

  async refund(r: RefundRequest): Promise<RefundOutcome> {
    this.calls.push(`refund ${r.outRequestNo} ${r.amount}`);
    const step = this.refundScript.shift() ?? 'ok';
    if (step === 'unknown') return { kind: 'unknown', reason: 'gateway busy (20000)' };
    if (step === 'refuse') return { kind: 'failed', code: 'ACQ.TRADE_NOT_ALLOW_REFUND', message: 'the trade can no longer be refunded', retryWithNewCode: false };
    const outcome = this.#apply(r);
    if (step === 'lost') return { kind: 'unknown', reason: 'the answer was lost' };
    // The terminal dies while waiting: the wallet did the refund, nobody hears of it.
    if (step === 'hang') return new Promise<RefundOutcome>(() => {});
    return outcome;
  }

  async refundQuery(q: TradeRef & { outRequestNo: string }): Promise<RefundQueryOutcome> {
    this.calls.push(`query ${q.outRequestNo}`);
    const step = this.queryScript.shift() ?? 'ok';
    if (step === 'unknown') return { kind: 'unknown', reason: 'gateway busy (20000)' };
    const r = this.refunds.get(q.outRequestNo);
    if (typeof step === 'object') return { kind: 'refunded', amount: step.amount };
    return r ? { kind: 'refunded', amount: r.amount } : { kind: 'not-refunded' };
  }

  async pay(): Promise<never> {
    throw new Error('not used');
  }
  async query(): Promise<never> {
    throw new Error('not used');
  }
  async cancel(): Promise<never> {
    throw new Error('not used');
  }
}

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
let alipay: ScriptedWallet;
let wechat: ScriptedWallet;
let clock: Date;
let tradeSeq = 0;

beforeEach(() => {
  tmp = tempDbFile('kassa-refund-service-');
  db = openDatabase(tmp.file);
  setManagerToken(db, TOKEN);
  alipay = new ScriptedWallet('alipay');
  wechat = new ScriptedWallet('wechat');
  clock = T0;
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function service(options: { training?: boolean; wallets?: ScriptedWallet[]; db?: Db } = {}): RefundService {
  const wallets = options.wallets ?? [alipay, wechat];
  return new RefundService({
    db: options.db ?? db,
    logger: silentLogger(),
    providers: new Map(wallets.map((w) => [w.wallet, w])),
    terminalId: TERMINAL,
    training: options.training ?? false,
    now: () => clock,
    timing: FAST,
  });
}

interface Sold {
  readonly saleId: string;
  readonly receipt: string;
  /** out_trade_no per tender seq (wallet tenders). */
  readonly trades: Map<number, string>;
}

/**
 * Commits a sale of 31.96 (the fixture's default lines) paid by these tenders, each wallet tender
 * with its paid payment attempt (as the checkout leaves it) and its trade in the scripted wallet.
 */
function sell(tenders: { method: TenderMethod; amount?: number }[], options: { training?: boolean; attempts?: boolean } = {}): Sold {
  const trades = new Map<number, string>();
  const specs = tenders.map((t, i) => {
    if (t.method === 'cash') return t;
    tradeSeq += 1;
    trades.set(i + 1, `T01_PAY${tradeSeq}`);
    return { ...t, reference: `20250302220014${String(tradeSeq).padStart(4, '0')}` };
  });
  const record = makeSale({ tenders: specs, ...(options.training ? { training: true } : {}) });
  for (const t of record.tenders) {
    const outTradeNo = trades.get(t.seq);
    if (outTradeNo === undefined || t.method === 'cash') continue;
    (t.method === 'alipay' ? alipay : wechat).trades.set(outTradeNo, t.amount);
    if (options.attempts === false) continue;
    recordAttempt(db, { outTradeNo, saleId: record.id, terminalId: TERMINAL, wallet: t.method, mode: 'barcode', amount: t.amount, currency: 'CNY', at: T0.toISOString() });
    settleAttempt(db, outTradeNo, 'paid', { tradeNo: t.reference, at: T0.toISOString() });
  }
  const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: T0.toISOString() });
  return { saleId: record.id, receipt: `${TERMINAL}-${String(receiptNo).padStart(6, '0')}`, trades };
}

const cmd = (receipt: string, patch: Partial<RefundCommand> = {}): RefundCommand => ({ receipt, reason: 'damaged item', authorization: TOKEN, operator: 'alice', ...patch });

/** Everything a refund could write, as one comparable string. */
function dump(d: Db = db): string {
  return JSON.stringify([
    d.prepare('SELECT * FROM refunds ORDER BY refund_id, part_no').all(),
    d.prepare('SELECT * FROM refund_calls ORDER BY out_request_no, seq').all(),
    d.prepare('SELECT seq, hash FROM journal ORDER BY seq').all(),
    d.prepare('SELECT seq, idempotency_key FROM outbox ORDER BY seq').all(),
    d.prepare('SELECT * FROM settings ORDER BY key').all(),
  ]);
}

const kinds = () => db.prepare("SELECT kind FROM journal WHERE kind <> 'sale.completed' ORDER BY seq").pluck().all() as string[];
const refundMessages = () => db.prepare("SELECT idempotency_key FROM outbox WHERE type = 'refund' ORDER BY seq").pluck().all() as string[];

describe('splitting a refund over tenders', () => {
  it('takes wallet tenders first in tender order, cash last, each up to what it has left', () => {
    const tenders = [
      { seq: 1, method: 'cash' as const, left: 500 },
      { seq: 2, method: 'alipay' as const, left: 300 },
      { seq: 3, method: 'wechat' as const, left: 0 },
      { seq: 4, method: 'wechat' as const, left: 200 },
    ];
    expect(splitRefund(100, tenders)).toEqual([{ seq: 2, amount: 100 }]);
    expect(splitRefund(450, tenders)).toEqual([{ seq: 2, amount: 300 }, { seq: 4, amount: 150 }]);
    expect(splitRefund(1000, tenders)).toEqual([{ seq: 2, amount: 300 }, { seq: 4, amount: 200 }, { seq: 1, amount: 500 }]);
    expect(() => splitRefund(1001, tenders)).toThrow(RefundError);
  });

  it('reads receipt numbers with or without the terminal id', () => {
    expect(parseReceipt('T01-000123', 'T01')).toEqual({ terminalId: 'T01', receiptNo: 123 });
    expect(parseReceipt(' 42 ', 'T01')).toEqual({ terminalId: 'T01', receiptNo: 42 });
    expect(parseReceipt('POS-2-7', 'T01')).toEqual({ terminalId: 'POS-2', receiptNo: 7 });
    expect(() => parseReceipt('T01-', 'T01')).toThrow('"T01-" is not a receipt number (expected e.g. T01-000123, or 123 for this terminal)');
    expect(() => parseReceipt('0', 'T01')).toThrow(RefundError);
  });
});

describe('cash refunds', () => {
  it('refunds a cash sale in full: cash to hand back, drawer to open, journalled and queued, verify ok', async () => {
    const sold = sell([{ method: 'cash' }]);
    const out = await service().refund(cmd(sold.receipt));
    expect(out).toMatchObject({ receipt: 'T01-000001', amount: 3196, cash: 3196, openDrawer: true, refunded: 3196, pending: 0, leftToRefund: 0 });
    expect(out.message).toBe('¥31.96 refunded in cash; hand back ¥31.96 in cash');
    expect(out.parts).toEqual([expect.objectContaining({ method: 'cash', tenderSeq: 1, state: 'refunded', reason: 'damaged item', operator: 'alice', authorizedBy: expect.stringMatching(/^manager token [a-f0-9]{8}$/) })]);
    expect(kinds()).toEqual(['refund.requested', 'sale.refunded']);
    expect(refundMessages()).toEqual([`refund:${out.refundId}:requested`, `refund:${out.refundId}:1:refunded`]);
    expect(JSON.stringify(db.prepare('SELECT payload FROM journal').pluck().all())).not.toContain(TOKEN);
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('two partial refunds, then one larger than what is left is refused saying how much is left, and nothing changes', async () => {
    const sold = sell([{ method: 'cash' }]);
    const s = service();
    expect((await s.refund(cmd(sold.receipt, { amount: '10.00' }))).leftToRefund).toBe(2196);
    expect((await s.refund(cmd('1', { amount: '20' }))).leftToRefund).toBe(196);
    const before = dump();
    await expect(s.refund(cmd(sold.receipt, { amount: '1.97' }))).rejects.toThrow(
      'a refund of ¥1.97 is more than the ¥1.96 left to refund on receipt T01-000001 (¥31.96 paid; ¥30.00 already refunded or pending)',
    );
    expect(dump()).toBe(before);
    const last = await s.refund(cmd(sold.receipt));
    expect(last).toMatchObject({ amount: 196, leftToRefund: 0 });
    await expect(s.refund(cmd(sold.receipt, { amount: '0.01' }))).rejects.toThrow('receipt T01-000001 has nothing left to refund (¥31.96 paid; ¥31.96 already refunded or pending)');
    expect(verifyStore(db).ok).toBe(true);
  });

  it('finds the sale by its id as well, and two refunds at once cannot both take the same money', async () => {
    const sold = sell([{ method: 'cash' }]);
    const s = service();
    const both = await Promise.allSettled([s.refund({ ...cmd(''), receipt: undefined, saleId: sold.saleId }), s.refund(cmd(sold.receipt))]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toContain('has nothing left to refund');
    expect(refundsForSale(db, sold.saleId).reduce((s2, p) => s2 + p.amount, 0)).toBe(3196);
  });
});

describe('wallet refunds', () => {
  it('a sale paid part by Alipay and part in cash: the wallet first, then cash', async () => {
    const sold = sell([{ method: 'alipay', amount: 2000 }, { method: 'cash' }]);
    const s = service();
    const out = await s.refund(cmd(sold.receipt, { amount: '25.00' }));
    expect(out.parts.map((p) => [p.method, p.tenderSeq, p.amount, p.state])).toEqual([
      ['alipay', 1, 2000, 'refunded'],
      ['cash', 2, 500, 'refunded'],
    ]);
    expect(out).toMatchObject({ cash: 500, openDrawer: true, refunded: 2500, leftToRefund: 696 });
    expect(out.message).toBe('¥20.00 refunded to Alipay; ¥5.00 refunded in cash; hand back ¥5.00 in cash');
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(2000);
    // The wallet part's refund number was recorded, then used for its one call.
    const key = out.parts[0]?.outRequestNo ?? '';
    expect(key).toMatch(/^T01_[0-9A-Z]{26}$/);
    expect(refundCallsFor(db, key).map((c) => [c.call, c.response])).toEqual([['refund', '{"fundChange":true,"kind":"refunded","refundedTotal":2000}']]);

    await expect(s.refund(cmd(sold.receipt, { amount: '7.00' }))).rejects.toThrow('more than the ¥6.96 left');
    const rest = await s.refund(cmd(sold.receipt));
    expect(rest.parts.map((p) => [p.method, p.amount])).toEqual([['cash', 696]]);
    expect(alipay.calls).toHaveLength(1);
    expect(kinds()).toEqual(['refund.requested', 'sale.refunded', 'sale.refunded', 'refund.requested', 'sale.refunded']);
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('a partial refund within the wallet share opens no drawer; two wallets go in tender order', async () => {
    const sold = sell([{ method: 'wechat', amount: 1000 }, { method: 'alipay', amount: 1000 }, { method: 'cash' }]);
    const out = await service().refund(cmd(sold.receipt, { amount: '15.00' }));
    expect(out.parts.map((p) => [p.method, p.amount, p.state])).toEqual([
      ['wechat', 1000, 'refunded'],
      ['alipay', 500, 'refunded'],
    ]);
    expect(out).toMatchObject({ cash: 0, openDrawer: false });
    expect(wechat.refundedOn(sold.trades.get(1) ?? '')).toBe(1000);
    expect(alipay.refundedOn(sold.trades.get(2) ?? '')).toBe(500);
  });

  it('a lost answer: the retry with the same refund number finds it done, refunded once', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['lost'];
    const out = await service().refund(cmd(sold.receipt, { amount: '3.00' }));
    expect(out.parts[0]).toMatchObject({ state: 'refunded', detail: 'refunded (the money had already gone back with this refund number)' });
    const key = out.parts[0]?.outRequestNo ?? '';
    expect(alipay.calls).toEqual([`refund ${key} 300`, `refund ${key} 300`]);
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(300);
  });

  it('a lost answer and no clear retry: settled by refund query, refunded once', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['lost', 'unknown'];
    const out = await service().refund(cmd(sold.receipt, { amount: '3.00' }));
    expect(out.parts[0]).toMatchObject({ state: 'refunded', detail: 'refunded (confirmed by refund query)' });
    expect(alipay.calls.map((c) => c.split(' ')[0])).toEqual(['refund', 'refund', 'query']);
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(300);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('stays pending while the wallet cannot say, is listed, and resumePending finishes it once', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['unknown', 'unknown'];
    alipay.queryScript = ['unknown', 'unknown'];
    const s = service();
    const out = await s.refund(cmd(sold.receipt, { amount: '10.00' }));
    expect(out).toMatchObject({ pending: 1000, refunded: 0, openDrawer: false, leftToRefund: 2196 });
    expect(out.message).toMatch(/^¥10.00 to Alipay is not confirmed yet: it is retried with refund number T01_\w+; do not refund it another way$/);
    expect(pendingRefundParts(db).map((p) => p.amount)).toEqual([1000]);
    expect(kinds()).toEqual(['refund.requested']);
    // Pending counts against what is left: it may still go through.
    await expect(s.refund(cmd(sold.receipt, { amount: '22.00' }))).rejects.toThrow('more than the ¥21.96 left');

    const resumed = await s.resumePending();
    expect(resumed.map((p) => p.state)).toEqual(['refunded']);
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(1000);
    expect(pendingRefundParts(db)).toEqual([]);
    expect(kinds()).toEqual(['refund.requested', 'sale.refunded']);
    alipay.calls.length = 0;
    expect(await s.resumePending()).toEqual([]);
    expect(alipay.calls).toEqual([]);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('a crash between recording the refund and the first call: resumed later, refunded once', async () => {
    const sold = sell([{ method: 'alipay' }]);
    const prepared = await service().prepare(cmd(sold.receipt, { amount: '5.00' }));
    expect(prepared.parts[0]).toMatchObject({ state: 'pending', detail: 'recorded; the wallet has not been asked yet' });
    const key = prepared.parts[0]?.outRequestNo ?? '';
    expect(refundCallsFor(db, key)).toEqual([]);
    expect(alipay.calls).toEqual([]);

    // "Restart": a new connection and a new service.
    db.close();
    db = openDatabase(tmp.file);
    const after = await service().resumePending();
    expect(after).toMatchObject([{ outRequestNo: key, state: 'refunded' }]);
    expect(alipay.calls).toEqual([`refund ${key} 500`]);
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(500);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('a crash after the call reached the wallet: retried with the same refund number, never refunded twice', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['hang'];
    const dying = new AbortController();
    const running = service().refund(cmd(sold.receipt, { amount: '12.34' }), dying.signal);
    await until(() => alipay.calls.length === 1, 'the refund call');
    dying.abort();
    const out = await running;
    const key = out.parts[0]?.outRequestNo ?? '';
    expect(out.parts[0]).toMatchObject({ state: 'pending' });
    expect(refundCallsFor(db, key)).toMatchObject([{ call: 'refund', response: null, finishedAt: null }]);
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(1234);

    db.close();
    db = openDatabase(tmp.file);
    const after = await service().resumePending();
    expect(after).toMatchObject([{ outRequestNo: key, state: 'refunded', detail: 'refunded (the money had already gone back with this refund number)' }]);
    expect(alipay.calls).toEqual([`refund ${key} 1234`, `refund ${key} 1234`]);
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(1234);
    expect(kinds()).toEqual(['refund.requested', 'sale.refunded']);
  });

  it('a refusal by the wallet is failed, journalled, and its amount can be refunded again', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['refuse'];
    const s = service();
    const out = await s.refund(cmd(sold.receipt, { amount: '8.00' }));
    expect(out).toMatchObject({ failed: 800, refunded: 0, leftToRefund: 3196 });
    expect(out.message).toBe('¥8.00 to Alipay was refused: the trade can no longer be refunded (ACQ.TRADE_NOT_ALLOW_REFUND)');
    expect(kinds()).toEqual(['refund.requested', 'refund.failed']);
    const again = await s.refund(cmd(sold.receipt));
    expect(again).toMatchObject({ amount: 3196, refunded: 3196, leftToRefund: 0 });
    expect(alipay.refundedOn(sold.trades.get(1) ?? '')).toBe(3196);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('unconfirmed for longer than the window, it is handed to a person (manual), and no longer retried', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['unknown', 'unknown', 'unknown', 'unknown'];
    alipay.queryScript = ['unknown', 'unknown', 'unknown', 'unknown'];
    const s = service();
    await s.refund(cmd(sold.receipt, { amount: '1.00' }));
    clock = new Date(T0.getTime() + 8 * 24 * 3600 * 1000);
    const [part] = await s.resumePending();
    expect(part).toMatchObject({ state: 'manual', detail: expect.stringMatching(/^not confirmed since 2025-03-02T09:00:00.000Z: reconcile refund T01_\w+ of trade T01_PAY\d+ with the wallet's bill/) });
    expect(kinds()).toEqual(['refund.requested', 'refund.manual']);
    expect(await s.resumePending()).toEqual([]);
    // A manual part still counts against what is left: it may have gone through.
    expect(s.refundable({ receipt: sold.receipt }).left).toBe(3096);
  });

  it('confirmed by refund query for another amount than asked: manual, for a person to check', async () => {
    const sold = sell([{ method: 'alipay' }]);
    alipay.refundScript = ['unknown', 'unknown'];
    alipay.queryScript = [{ amount: 999 }];
    const out = await service().refund(cmd(sold.receipt, { amount: '10.00' }));
    expect(out.parts[0]).toMatchObject({ state: 'manual', detail: expect.stringMatching(/returned 999, not the 1000 asked: check this refund/) });
    expect(out.manual).toBe(1000);
  });

  it('a wallet tender with no payment of this terminal behind it cannot be refunded through the wallet, and says why', async () => {
    const sold = sell([{ method: 'alipay', amount: 2000 }, { method: 'cash' }], { attempts: false });
    const s = service();
    expect(s.refundable({ receipt: sold.receipt })).toMatchObject({ paid: 3196, left: 1196, tenders: [{ seq: 1, left: 0, note: expect.stringContaining('no paid Alipay payment of this terminal matches its trade') }, { seq: 2, left: 1196 }] });
    await expect(s.refund(cmd(sold.receipt, { amount: '20.00' }))).rejects.toThrow(/more than the ¥11.96 left .*tender 1: no paid Alipay payment/);
  });

  it('a wallet that is not set up on this terminal is named, and nothing is written', async () => {
    const sold = sell([{ method: 'wechat', amount: 2000 }, { method: 'cash' }]);
    const before = dump();
    await expect(service({ wallets: [alipay] }).refund(cmd(sold.receipt))).rejects.toThrow(
      'WeChat Pay is not set up on this terminal, so tender 1 (¥20.00 by WeChat Pay) cannot be refunded: add it to the "payments" block of kassa.config.json',
    );
    expect(dump()).toBe(before);
  });
});

describe('authorization and bad input', () => {
  it('a refund needs the manager token: missing, wrong or none set is refused and nothing is written', async () => {
    const sold = sell([{ method: 'cash' }]);
    const before = dump();
    await expect(service().refund(cmd(sold.receipt, { authorization: undefined }))).rejects.toThrow(ManagerAuthError);
    await expect(service().refund(cmd(sold.receipt, { authorization: 'cashier-guess' }))).rejects.toThrow('the manager token is not correct: nothing was done');
    expect(dump()).toBe(before);
    db.prepare("DELETE FROM settings WHERE key = 'manager.token'").run();
    await expect(service().refund(cmd(sold.receipt))).rejects.toThrow('no manager token is set on this terminal');
    expect(refundsForSale(db, sold.saleId)).toEqual([]);
  });

  it('training sales are refunded only in training mode, real sales only in real mode', async () => {
    const training = sell([{ method: 'cash' }], { training: true });
    const real = sell([{ method: 'cash' }]);
    const before = dump();
    await expect(service().refund(cmd(training.receipt))).rejects.toThrow('receipt T01-000001 is a training sale: it can be refunded only in training mode, never with real money');
    await expect(service({ training: true }).refund(cmd(real.receipt))).rejects.toThrow('receipt T01-000002 is a real sale: a terminal in training mode cannot refund it');
    expect(dump()).toBe(before);
    const ok = await service({ training: true }).refund(cmd(training.receipt));
    expect(ok.parts[0]).toMatchObject({ training: true, state: 'refunded' });
  });

  it('names each bad input and writes nothing', async () => {
    const sold = sell([{ method: 'cash' }]);
    const s = service();
    const before = dump();
    const cases: [Partial<RefundCommand>, string | RegExp][] = [
      [{ receipt: 'T01-000099' }, 'there is no receipt T01-000099 on this terminal'],
      [{ receipt: '7' }, 'there is no receipt T01-000007 on this terminal'],
      [{ receipt: 'T02-000001' }, 'there is no receipt T02-000001 on this terminal'],
      [{ receipt: 'last' }, '"last" is not a receipt number'],
      [{ receipt: undefined, saleId: 'NOPE' }, 'there is no sale NOPE on this terminal'],
      [{ receipt: undefined }, 'name the sale to refund by its receipt number or by its sale id (one of the two)'],
      [{ amount: '0' }, 'the refund amount must be above 0 (got "0")'],
      [{ amount: '-1.00' }, 'the refund amount must be above 0 (got "-1.00")'],
      [{ amount: '1.005' }, 'refund amount: "1.005" has 3 decimals; CNY allows at most 2'],
      [{ amount: 'ten' }, /refund amount: "ten" is not a decimal amount/],
      [{ amount: '31.97' }, 'a refund of ¥31.97 is more than the ¥31.96 left to refund on receipt T01-000001'],
      [{ reason: '  ' }, 'a refund needs a reason'],
      [{ operator: '' }, 'a refund needs the operator (who is at the till)'],
    ];
    for (const [patch, message] of cases) {
      const err = await s.refund(cmd(sold.receipt, patch)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(patch)).toBeInstanceOf(RefundError);
      if (typeof message === 'string') expect((err as Error).message, JSON.stringify(patch)).toContain(message);
      else expect((err as Error).message).toMatch(message);
    }
    expect(dump()).toBe(before);
  });
});
