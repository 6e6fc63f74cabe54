// Write-ahead payment attempts: recorded before the first call, every call's request and
// outcome kept (never the payment code), final states final, open ones listed for recovery.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import {
  attemptsForSale,
  callsFor,
  getAttempt,
  listOpenAttempts,
  PaymentRecordError,
  recordAttempt,
  settleAttempt,
} from '../../../../src/core/db/payment-attempts.ts';
import { recordingProvider } from '../../../../src/core/recording-provider.ts';
import type { PaymentProvider } from '../../../../src/payments/provider.ts';
import { tempDbFile } from '../../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-payments-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const AT = '2025-03-01T10:00:00.000Z';
const CODE = '283456789012345678';
const attempt = (outTradeNo = 'T01_0001') =>
  recordAttempt(db, { outTradeNo, saleId: 'S1-T01', terminalId: 'T01', wallet: 'alipay', mode: 'barcode', amount: 8888, currency: 'CNY', authCode: CODE, at: AT });

describe('payment attempts', () => {
  it('stores an attempt as open, with only the last four digits of the code', () => {
    const a = attempt();
    expect(a).toMatchObject({ outTradeNo: 'T01_0001', state: 'open', amount: 8888, codeHint: '…5678', tradeNo: null });
    expect(JSON.stringify(db.prepare('SELECT * FROM payment_attempts').all())).not.toContain(CODE);
    expect(listOpenAttempts(db).map((x) => x.outTradeNo)).toEqual(['T01_0001']);
    expect(attemptsForSale(db, 'S1-T01')).toHaveLength(1);
  });

  it('never reuses an out_trade_no and refuses a bad amount', () => {
    attempt();
    expect(() => attempt()).toThrow(PaymentRecordError);
    expect(() => attempt()).toThrow('out_trade_no T01_0001 is already used by an attempt for sale S1-T01: every attempt needs a new one');
    expect(() => recordAttempt(db, { outTradeNo: 'X', saleId: 'S', terminalId: 'T01', wallet: 'alipay', mode: 'qr', amount: 0, currency: 'CNY', at: AT })).toThrow(/positive whole number/);
  });

  it('a final state is final, except that a paid one may still be reversed', () => {
    attempt();
    settleAttempt(db, 'T01_0001', 'paid', { tradeNo: '2025030122001', at: AT });
    expect(getAttempt(db, 'T01_0001')).toMatchObject({ state: 'paid', tradeNo: '2025030122001' });
    expect(() => settleAttempt(db, 'T01_0001', 'failed', { at: AT })).toThrow('payment attempt T01_0001 is already paid; it cannot become failed');
    expect(() => settleAttempt(db, 'T01_0001', 'expired', { at: AT })).toThrow('payment attempt T01_0001 is already paid; it cannot become expired');
    expect(listOpenAttempts(db)).toEqual([]);
    // Paid for a sale that was never completed: given back.
    expect(settleAttempt(db, 'T01_0001', 'cancelled', { detail: 'given back', at: AT })).toMatchObject({ state: 'cancelled', tradeNo: '2025030122001' });
    expect(() => settleAttempt(db, 'T01_0001', 'paid', { at: AT })).toThrow('payment attempt T01_0001 is already cancelled; it cannot become paid');
    expect(() => settleAttempt(db, 'NOPE', 'paid', { at: AT })).toThrow('there is no payment attempt NOPE');
  });

  it('a pending cancel stays listed for recovery', () => {
    attempt();
    settleAttempt(db, 'T01_0001', 'cancel-pending', { detail: 'cancel asked to retry', at: AT });
    expect(listOpenAttempts(db).map((a) => [a.outTradeNo, a.state])).toEqual([['T01_0001', 'cancel-pending']]);
  });

  it('the recording provider writes each call before it is made and its outcome after, without the code', async () => {
    attempt();
    let seenDuringCall: unknown[] = [];
    const provider: PaymentProvider = {
      wallet: 'alipay',
      async pay() {
        seenDuringCall = callsFor(db, 'T01_0001');
        return { kind: 'waiting', tradeNo: null };
      },
      async query() {
        return { kind: 'paid', tradeNo: '2025030122001', amount: 8888, buyer: 'b***@example.com', paidAt: null };
      },
      async cancel() {
        throw new Error('not used');
      },
      async refund() {
        throw new Error('not used');
      },
      async refundQuery() {
        throw new Error('not used');
      },
    };
    const recorded = recordingProvider(db, provider, () => new Date(AT));
    const req = { wallet: 'alipay' as const, outTradeNo: 'T01_0001', authCode: CODE, amount: 8888, currency: 'CNY', subject: 'Kassa', storeId: 'S', terminalId: 'T01', operatorId: 'amy' };
    expect(await recorded.pay(req)).toEqual({ kind: 'waiting', tradeNo: null });
    expect(seenDuringCall).toMatchObject([{ call: 'pay', response: null }]);
    await recorded.query({ wallet: 'alipay', outTradeNo: 'T01_0001' });
    const calls = callsFor(db, 'T01_0001');
    expect(calls.map((c) => [c.seq, c.call, JSON.parse(c.response ?? 'null').kind])).toEqual([
      [1, 'pay', 'waiting'],
      [2, 'query', 'paid'],
    ]);
    expect(JSON.stringify(calls)).not.toContain(CODE);
    expect(JSON.parse(calls[0]?.request ?? '{}').authCode).toBe('…5678');
    await expect(recorded.cancel({ wallet: 'alipay', outTradeNo: 'T01_0001' })).rejects.toThrow('not used');
    expect(JSON.parse(callsFor(db, 'T01_0001')[2]?.response ?? '{}')).toEqual({ kind: 'error', message: 'not used' });
  });
});
