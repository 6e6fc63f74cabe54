import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MICROPAY_REFUSALS,
  MICROPAY_UNCLEAR,
  micropayOutcome,
  orderQueryOutcome,
  REFUND_REFUSALS,
  refundAcceptance,
  refundEntries,
  refundQueryOutcome,
  reverseOutcome,
  timeEndIso,
} from '../../../../src/payments/wechat/wechat-outcomes.ts';

const NO = 'K1T01W0001';
const base = { return_code: 'SUCCESS', return_msg: 'OK', appid: 'wx2421b1c4370ec43b', mch_id: '10000100', nonce_str: 'n', sign: 'S' };
const fail = (err_code: string, extra: Record<string, string> = {}) => ({ ...base, result_code: 'FAIL', err_code, err_code_des: `des ${err_code}`, ...extra });
const paid = {
  ...base,
  result_code: 'SUCCESS',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  trade_type: 'MICROPAY',
  total_fee: '8888',
  cash_fee: '8000',
  transaction_id: '4200000123202405131234567890',
  out_trade_no: NO,
  time_end: '20240513174920',
};

describe('pay/micropay answers', () => {
  it('result_code SUCCESS is paid with total_fee, openid and the Beijing time', () => {
    expect(micropayOutcome(paid, NO)).toEqual({
      kind: 'paid',
      tradeNo: '4200000123202405131234567890',
      amount: 8888,
      buyer: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      paidAt: '2024-05-13T17:49:20+08:00',
    });
    expect(micropayOutcome({ ...paid, transaction_id: '' }, NO).kind).toBe('unknown');
    expect(micropayOutcome({ ...paid, total_fee: '88.88' }, NO).kind).toBe('unknown');
    expect(micropayOutcome({ ...paid, out_trade_no: 'OTHER' }, NO)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/OTHER/) });
  });

  it('USERPAYING waits for the customer\'s password', () => {
    expect(micropayOutcome(fail('USERPAYING'), NO)).toEqual({ kind: 'waiting', tradeNo: null });
  });

  it('SYSTEMERROR, BANKERROR and "this out_trade_no exists" answers are unknown', () => {
    for (const code of ['SYSTEMERROR', 'BANKERROR', 'ORDERPAID', 'OUT_TRADE_NO_USED', 'BUYER_MISMATCH']) {
      expect(MICROPAY_UNCLEAR.has(code)).toBe(true);
      expect(micropayOutcome(fail(code), NO).kind, code).toBe('unknown');
    }
    expect(micropayOutcome(fail(''), NO).kind).toBe('unknown');
    expect(micropayOutcome({ ...base, result_code: 'MAYBE' }, NO).kind).toBe('unknown');
  });

  it('maps every refusal with a cashier message', () => {
    const newCode = ['AUTHCODEEXPIRE', 'AUTH_CODE_ERROR', 'AUTH_CODE_INVALID', 'NOTENOUGH', 'NOTSUPORTCARD', 'ORDERCLOSED', 'ORDERREVERSED'];
    for (const [code, text] of Object.entries(MICROPAY_REFUSALS)) {
      expect(micropayOutcome(fail(code), NO), code).toEqual({ kind: 'failed', code, message: text.message, retryWithNewCode: newCode.includes(code) });
      expect(text.message, code).toMatch(/: /);
    }
    expect((micropayOutcome(fail('AUTHCODEEXPIRE'), NO) as { message: string }).message).toBe('the payment code has expired: ask the customer to refresh it and scan again');
    expect(micropayOutcome(fail('SOMETHING_NEW', { err_code_des: '新错误' }), NO)).toEqual({
      kind: 'failed',
      code: 'SOMETHING_NEW',
      message: 'WeChat Pay refused the payment (新错误): ask the customer to pay another way',
      retryWithNewCode: false,
    });
  });
});

describe('pay/orderquery answers', () => {
  const q = (trade_state: string) => ({ ...paid, trade_state });
  it('maps every trade_state', () => {
    expect(orderQueryOutcome(q('SUCCESS'), NO)).toMatchObject({ kind: 'paid', amount: 8888 });
    expect(orderQueryOutcome(q('REFUND'), NO)).toMatchObject({ kind: 'paid', amount: 8888 });
    expect(orderQueryOutcome(q('USERPAYING'), NO)).toEqual({ kind: 'waiting' });
    expect(orderQueryOutcome(q('ACCEPT'), NO)).toEqual({ kind: 'waiting' });
    expect(orderQueryOutcome(q('NOTPAY'), NO)).toEqual({ kind: 'waiting' });
    expect(orderQueryOutcome(q('CLOSED'), NO)).toEqual({ kind: 'closed' });
    expect(orderQueryOutcome(q('REVOKED'), NO)).toEqual({ kind: 'closed' });
    expect(orderQueryOutcome(q('PAYERROR'), NO)).toEqual({ kind: 'closed' });
    expect(orderQueryOutcome(q('LOST'), NO).kind).toBe('unknown');
  });

  it('ORDERNOTEXIST is not-found; anything else that fails is unknown', () => {
    expect(orderQueryOutcome(fail('ORDERNOTEXIST'), NO)).toEqual({ kind: 'not-found' });
    expect(orderQueryOutcome(fail('SYSTEMERROR'), NO).kind).toBe('unknown');
    expect(orderQueryOutcome(fail('PARAM_ERROR'), NO).kind).toBe('unknown');
  });
});

describe('secapi/pay/reverse answers', () => {
  it('maps success, recall, SYSTEMERROR, no such order and refusals', () => {
    expect(reverseOutcome({ ...base, result_code: 'SUCCESS', recall: 'N' }, NO)).toEqual({ kind: 'cancelled', action: 'none' });
    expect(reverseOutcome(fail('SYSTEMERROR', { recall: 'Y' }), NO).kind).toBe('retry');
    expect(reverseOutcome(fail('ANY', { recall: 'Y' }), NO).kind).toBe('retry');
    expect(reverseOutcome(fail('SYSTEMERROR', { recall: 'N' }), NO).kind).toBe('retry');
    expect(reverseOutcome(fail('USERPAYING'), NO).kind).toBe('retry');
    expect(reverseOutcome(fail('ORDERNOTEXIST'), NO)).toEqual({ kind: 'cancelled', action: 'none' });
    expect(reverseOutcome(fail('REVERSE_EXPIRE', { recall: 'N' }), NO)).toMatchObject({ kind: 'failed', code: 'REVERSE_EXPIRE', message: expect.stringMatching(/refund it instead/) });
    expect(reverseOutcome(fail('TRADE_ERROR', { recall: 'N' }), NO)).toMatchObject({ kind: 'failed', code: 'TRADE_ERROR' });
    expect(reverseOutcome({ ...base, result_code: 'SUCCESS', out_trade_no: 'OTHER' }, NO).kind).toBe('retry');
  });
});

describe('secapi/pay/refund answers', () => {
  it('accepts, refuses or leaves open', () => {
    expect(refundAcceptance({ ...base, result_code: 'SUCCESS', out_trade_no: NO, out_refund_no: 'R1', refund_fee: '100' }, NO, 'R1')).toEqual({ kind: 'accepted' });
    expect(refundAcceptance({ ...base, result_code: 'SUCCESS', out_refund_no: 'R2' }, NO, 'R1').kind).toBe('unknown');
    for (const code of ['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED', 'INVALID_REQ_TOO_MUCH']) {
      expect(refundAcceptance(fail(code), NO, 'R1').kind, code).toBe('unknown');
    }
    for (const code of Object.keys(REFUND_REFUSALS)) {
      expect(refundAcceptance(fail(code), NO, 'R1'), code).toMatchObject({ kind: 'failed', code, retryWithNewCode: false });
    }
    expect(refundAcceptance(fail('ERROR', { err_code_des: '累计退款金额大于支付金额' }), NO, 'R1')).toMatchObject({ message: 'WeChat Pay refused the refund: 累计退款金额大于支付金额' });
  });
});

describe('pay/refundquery answers', () => {
  const list = (...entries: [string, string, string][]) => {
    const f: Record<string, string> = { ...base, result_code: 'SUCCESS', out_trade_no: NO, refund_count: String(entries.length) };
    entries.forEach(([no, fee, status], n) => Object.assign(f, { [`out_refund_no_${n}`]: no, [`refund_fee_${n}`]: fee, [`refund_status_${n}`]: status }));
    return f;
  };

  it('reads the numbered refund list strictly', () => {
    expect(refundEntries(list(['R1', '100', 'SUCCESS'], ['R2', '50', 'PROCESSING']))).toEqual([
      { outRefundNo: 'R1', amount: 100, status: 'SUCCESS' },
      { outRefundNo: 'R2', amount: 50, status: 'PROCESSING' },
    ]);
    expect(refundEntries({ ...list(['R1', '100', 'SUCCESS']), refund_count: '2' })).toBeNull();
    expect(refundEntries({ ...list(['R1', '1.5', 'SUCCESS']) })).toBeNull();
  });

  it('maps every refund_status', () => {
    expect(refundQueryOutcome(list(['R1', '3000', 'SUCCESS']), NO, 'R1')).toEqual({ kind: 'refunded', amount: 3000 });
    expect(refundQueryOutcome(list(['R1', '3000', 'PROCESSING']), NO, 'R1')).toEqual({ kind: 'refunded', amount: 3000 });
    expect(refundQueryOutcome(list(['R1', '3000', 'REFUNDCLOSE']), NO, 'R1')).toEqual({ kind: 'not-refunded' });
    expect(refundQueryOutcome(list(['R1', '3000', 'CHANGE']), NO, 'R1')).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/merchant platform/) });
    expect(refundQueryOutcome(list(['R1', '3000', 'ODD']), NO, 'R1').kind).toBe('unknown');
    expect(refundQueryOutcome(list(['R9', '3000', 'SUCCESS']), NO, 'R1')).toEqual({ kind: 'not-refunded' });
    expect(refundQueryOutcome(fail('REFUNDNOTEXIST'), NO, 'R1')).toEqual({ kind: 'not-refunded' });
    expect(refundQueryOutcome(fail('SYSTEMERROR'), NO, 'R1').kind).toBe('unknown');
    expect(refundQueryOutcome({ ...list(['R1', '3000', 'SUCCESS']), refund_count: 'x' }, NO, 'R1').kind).toBe('unknown');
  });
});

describe('time_end', () => {
  it('becomes ISO 8601 at +08:00', () => {
    expect(timeEndIso('20240513174920')).toBe('2024-05-13T17:49:20+08:00');
    expect(timeEndIso('2024')).toBe('2024');
    expect(timeEndIso(undefined)).toBeNull();
  });
});

describe('garbage from the gateway', () => {
  it('takes codes named like Object.prototype members for unknown codes', () => {
    expect(micropayOutcome(fail('constructor'), NO)).toMatchObject({ kind: 'failed', message: expect.stringMatching(/^WeChat Pay refused the payment/) });
    expect(reverseOutcome(fail('valueOf'), NO)).toMatchObject({ kind: 'failed', message: expect.stringMatching(/^WeChat Pay refused to cancel/) });
    expect(refundAcceptance(fail('toString'), NO, 'R1')).toMatchObject({ kind: 'failed', message: expect.stringMatching(/^WeChat Pay refused the refund/) });
  });

  it('never throws and never invents a payment, whatever the (verified) answer holds', () => {
    const value = fc.oneof(fc.constantFrom('SUCCESS', 'FAIL', 'USERPAYING', 'SYSTEMERROR', 'ORDERNOTEXIST', 'REFUND', 'NOTPAY', 'Y', '8888', '1', NO, 'R1', 'constructor', 'valueOf'), fc.string());
    const keys = fc.constantFrom('result_code', 'err_code', 'err_code_des', 'out_trade_no', 'transaction_id', 'total_fee', 'trade_state', 'recall', 'refund_count', 'out_refund_no_0', 'refund_fee_0', 'refund_status_0', 'out_refund_no');
    fc.assert(
      fc.property(fc.dictionary(keys, value), (f) => {
        const pay = micropayOutcome(f, NO);
        expect(['paid', 'waiting', 'failed', 'unknown']).toContain(pay.kind);
        if (pay.kind === 'paid') expect(f.result_code).toBe('SUCCESS');
        if (pay.kind === 'failed') expect(f.result_code).toBe('FAIL');
        expect(['waiting', 'paid', 'not-found', 'closed', 'unknown']).toContain(orderQueryOutcome(f, NO).kind);
        expect(['cancelled', 'retry', 'failed']).toContain(reverseOutcome(f, NO).kind);
        expect(['accepted', 'failed', 'unknown']).toContain(refundAcceptance(f, NO, 'R1').kind);
        expect(['refunded', 'not-refunded', 'unknown']).toContain(refundQueryOutcome(f, NO, 'R1').kind);
      }),
      { numRuns: 3000 },
    );
  });
});
