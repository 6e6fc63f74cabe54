// PaymentService recovery of a trade paid with no completed sale that the wallet will no longer
// cancel (past its cancel period): the money goes back by a full refund whose refund number is
// fixed per trade, so retries never refund twice; a refund the wallet refuses is left to a person.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { getAttempt, recordAttempt } from '../../../src/core/db/payment-attempts.ts';
import { PaymentService, unwantedRefundNo } from '../../../src/core/payment-service.ts';
import type { RefundOutcome, RefundRequest } from '../../../src/domain/payment.ts';
import type { PaymentProvider } from '../../../src/payments/provider.ts';
import { tempDbFile } from '../../support/sale-fixtures.ts';

const OUT_TRADE_NO = 'T01_01JDQ3V8Z0000000000000000A';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;

beforeEach(() => {
  tmp = tempDbFile('kassa-payment-service-');
  db = openDatabase(tmp.file);
  recordAttempt(db, { outTradeNo: OUT_TRADE_NO, saleId: 'S-NEVER-COMPLETED', terminalId: 'T01', wallet: 'alipay', mode: 'barcode', amount: 8888, currency: 'CNY', at: new Date().toISOString() });
});

afterEach(() => {
  db.close();
  tmp.cleanup();
});

/** Paid at the gateway (8 888 fen), cancel refused as too late, refunds answered by `refund`. */
function lateWallet(refund: (r: RefundRequest) => RefundOutcome): PaymentProvider & { refunds: RefundRequest[] } {
  const refunds: RefundRequest[] = [];
  return {
    wallet: 'alipay',
    refunds,
    pay: () => Promise.reject(new Error('not expected')),
    refundQuery: () => Promise.reject(new Error('not expected')),
    query: async () => ({ kind: 'paid', tradeNo: '2025030122001400001', amount: 8888, buyer: 'b***@example.com', paidAt: null }),
    cancel: async () => ({ kind: 'failed', code: 'ACQ.TRADE_CANCEL_TIME_OUT', message: 'the trade can no longer be cancelled', retryWithNewCode: false }),
    refund: async (r) => (refunds.push(r), refund(r)),
  };
}

function serviceWith(provider: PaymentProvider): PaymentService {
  return new PaymentService({ db, logger: pino({ level: 'silent' }), providers: new Map([['alipay', provider]]), terminalId: 'T01' });
}

describe('PaymentService: a paid trade with no sale that can no longer be cancelled', () => {
  it('is refunded in full, by a refund number fixed for the trade', async () => {
    const wallet = lateWallet(() => ({ kind: 'refunded', refundedTotal: 8888, fundChange: true }));
    const a = await serviceWith(wallet).resolve(OUT_TRADE_NO);
    expect(a.state).toBe('cancelled');
    expect(a.detail).toContain('refunded in full');
    expect(wallet.refunds).toEqual([expect.objectContaining({ outTradeNo: OUT_TRADE_NO, outRequestNo: unwantedRefundNo(OUT_TRADE_NO), amount: 8888, currency: 'CNY' })]);
    expect(unwantedRefundNo(OUT_TRADE_NO)).toMatch(/^[A-Za-z0-9_]{1,32}$/);
  });

  it('an unclear refund stays pending and is asked again with the same refund number', async () => {
    let answer: RefundOutcome = { kind: 'unknown', reason: 'timed out' };
    const wallet = lateWallet(() => answer);
    const service = serviceWith(wallet);
    expect((await service.resolve(OUT_TRADE_NO)).state).toBe('cancel-pending');
    answer = { kind: 'refunded', refundedTotal: 8888, fundChange: false };
    expect((await service.resolve(OUT_TRADE_NO)).state).toBe('cancelled');
    expect(wallet.refunds.map((r) => r.outRequestNo)).toEqual([unwantedRefundNo(OUT_TRADE_NO), unwantedRefundNo(OUT_TRADE_NO)]);
  });

  it('a refused refund is listed for a person, with both refusals named', async () => {
    const wallet = lateWallet(() => ({ kind: 'failed', code: 'ACQ.TRADE_HAS_FINISHED', message: 'the trade is finished', retryWithNewCode: false }));
    const a = await serviceWith(wallet).resolve(OUT_TRADE_NO);
    expect(a.state).toBe('manual');
    expect(a.detail).toContain('the trade can no longer be cancelled');
    expect(a.detail).toContain('the trade is finished');
    expect(getAttempt(db, OUT_TRADE_NO)?.state).toBe('manual');
  });
});
