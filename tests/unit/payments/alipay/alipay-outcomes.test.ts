import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  beijingIso,
  cancelOutcome,
  closeOutcome,
  PAY_REFUSALS,
  PAY_UNCLEAR_SUB_CODES,
  payOutcome,
  precreateOutcome,
  queryOutcome,
  REFUND_REFUSALS,
  refundOutcome,
  refundQueryOutcome,
} from '../../../../src/payments/alipay/alipay-outcomes.ts';

const NO = 'K1T01A0001';

/** A business refusal as Alipay sends it (40004 still echoes out_trade_no and "0.00"). */
function refusal(subCode: string, extra: Record<string, unknown> = {}) {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: `msg for ${subCode}`, out_trade_no: NO, total_amount: '0.00', ...extra };
}

const PAID_PAY = {
  code: '10000',
  msg: 'Success',
  trade_no: '2024051322001400001',
  out_trade_no: NO,
  buyer_logon_id: '159****5620',
  total_amount: '88.88',
  receipt_amount: '88.88',
  buyer_pay_amount: '80.00',
  gmt_payment: '2024-05-13 17:49:20',
  buyer_user_id: '2088102177846880',
};

describe('alipay.trade.pay answers', () => {
  it('10000 is paid, with the trade total in fen, the masked buyer and the Beijing time', () => {
    expect(payOutcome(PAID_PAY, NO)).toEqual({
      kind: 'paid',
      tradeNo: '2024051322001400001',
      amount: 8888,
      buyer: '159****5620',
      paidAt: '2024-05-13T17:49:20+08:00',
    });
  });

  it('10000 without a trade_no or with a malformed amount is unknown, never paid', () => {
    expect(payOutcome({ ...PAID_PAY, trade_no: '' }, NO).kind).toBe('unknown');
    expect(payOutcome({ ...PAID_PAY, total_amount: '88.888' }, NO).kind).toBe('unknown');
    expect(payOutcome({ ...PAID_PAY, total_amount: 88.88 }, NO).kind).toBe('unknown');
    expect(payOutcome({ ...PAID_PAY, total_amount: '0.00' }, NO).kind).toBe('unknown');
  });

  it('10003 waits for the customer, keeping the trade number', () => {
    expect(payOutcome({ code: '10003', msg: 'order success pay inprocess', trade_no: 'T9', out_trade_no: NO }, NO)).toEqual({ kind: 'waiting', tradeNo: 'T9' });
    expect(payOutcome({ code: '10003', msg: 'x' }, NO)).toEqual({ kind: 'waiting', tradeNo: null });
  });

  it('20000, SYSTEM_ERROR, isp.* and unexpected codes are unknown', () => {
    for (const a of [
      { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' },
      refusal('ACQ.SYSTEM_ERROR'),
      refusal('aop.ACQ.SYSTEM_ERROR'),
      refusal('isp.bill_not_exist'),
      { code: '50000', msg: '?' },
      { msg: 'no code' },
      { code: 10000 },
      { code: '40004', msg: 'Business Failed' },
    ]) {
      expect(payOutcome(a, NO), JSON.stringify(a)).toMatchObject({ kind: 'unknown' });
    }
  });

  it('answers saying this out_trade_no already exists are unknown, so the machine queries', () => {
    for (const sub of ['ACQ.TRADE_HAS_SUCCESS', 'ACQ.CONTEXT_INCONSISTENT', 'ACQ.TRADE_BUYER_NOT_MATCH', 'ACQ.SYSTEM_ERROR']) {
      expect(PAY_UNCLEAR_SUB_CODES.has(sub)).toBe(true);
      expect(payOutcome(refusal(sub), NO).kind).toBe('unknown');
    }
  });

  it('maps every pay sub_code of payments.md', () => {
    const expected: Record<string, { kind: string; retryWithNewCode?: boolean }> = {
      'ACQ.SYSTEM_ERROR': { kind: 'unknown' },
      'ACQ.PAYMENT_AUTH_CODE_INVALID': { kind: 'failed', retryWithNewCode: true },
      'ACQ.TRADE_HAS_SUCCESS': { kind: 'unknown' },
      'ACQ.TRADE_HAS_CLOSE': { kind: 'failed', retryWithNewCode: true },
      'ACQ.CONTEXT_INCONSISTENT': { kind: 'unknown' },
      'ACQ.TRADE_BUYER_NOT_MATCH': { kind: 'unknown' },
      'ACQ.BUYER_BALANCE_NOT_ENOUGH': { kind: 'failed', retryWithNewCode: true },
      'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': { kind: 'failed', retryWithNewCode: true },
      'ACQ.TOTAL_FEE_EXCEED': { kind: 'failed', retryWithNewCode: false },
      'ACQ.INVALID_PARAMETER': { kind: 'failed', retryWithNewCode: false },
      'ACQ.ACCESS_FORBIDDEN': { kind: 'failed', retryWithNewCode: false },
    };
    for (const [sub, want] of Object.entries(expected)) {
      const got = payOutcome(refusal(sub), NO);
      expect(got, sub).toMatchObject(want);
      if (got.kind === 'failed') expect(got.code).toBe(sub);
    }
  });

  it('gives every known refusal a short cashier message that says what to do', () => {
    for (const [sub, text] of Object.entries(PAY_REFUSALS)) {
      const got = payOutcome(refusal(sub), NO);
      expect(got).toEqual({ kind: 'failed', code: sub, message: text.message, retryWithNewCode: text.retryWithNewCode });
      expect(text.message, sub).toMatch(/^[a-zA-Z"'].*: .+/);
      expect(text.message.length, sub).toBeLessThan(160);
    }
    expect((payOutcome(refusal('ACQ.PAYMENT_AUTH_CODE_INVALID'), NO) as { message: string }).message).toMatch(/refresh it and scan again/);
  });

  it('an unlisted business refusal is failed with Alipay\'s own words, not retryable', () => {
    expect(payOutcome(refusal('ACQ.SOMETHING_NEW', { sub_msg: '新的错误' }), NO)).toEqual({
      kind: 'failed',
      code: 'ACQ.SOMETHING_NEW',
      message: 'Alipay refused the payment (新的错误): ask the customer to pay another way',
      retryWithNewCode: false,
    });
  });

  it('gateway-level refusals (20001, 40001, 40002, 40006) are failed with a setup hint', () => {
    for (const [code, sub] of [
      ['20001', 'aop.invalid-auth-token'],
      ['40001', 'isv.missing-method'],
      ['40002', 'isv.invalid-signature'],
      ['40006', 'isv.insufficient-isv-permissions'],
    ] as const) {
      const got = payOutcome({ code, msg: 'x', sub_code: sub, sub_msg: `${sub} text` }, NO);
      expect(got, code).toMatchObject({ kind: 'failed', code: sub, retryWithNewCode: false });
      expect((got as { message: string }).message).toMatch(/settings|keys|permissions/);
    }
  });

  it('an answer about another out_trade_no is unknown, even a signed 10000', () => {
    expect(payOutcome({ ...PAID_PAY, out_trade_no: 'SOMEONE_ELSE' }, NO)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/SOMEONE_ELSE/) });
  });
});

describe('alipay.trade.precreate answers', () => {
  it('10000 with a qr_code is created; without one it is unknown', () => {
    expect(precreateOutcome({ code: '10000', msg: 'Success', out_trade_no: NO, qr_code: 'https://qr.alipay.com/bax01' }, NO)).toEqual({
      kind: 'created',
      qrCode: 'https://qr.alipay.com/bax01',
    });
    expect(precreateOutcome({ code: '10000', msg: 'Success', out_trade_no: NO }, NO).kind).toBe('unknown');
  });

  it('keeps a possibly existing trade unknown, refuses the rest', () => {
    expect(precreateOutcome(refusal('ACQ.SYSTEM_ERROR'), NO).kind).toBe('unknown');
    expect(precreateOutcome(refusal('ACQ.TRADE_HAS_SUCCESS'), NO).kind).toBe('unknown');
    expect(precreateOutcome(refusal('ACQ.CONTEXT_INCONSISTENT'), NO).kind).toBe('unknown');
    expect(precreateOutcome(refusal('ACQ.TRADE_HAS_CLOSE'), NO)).toMatchObject({ kind: 'failed', retryWithNewCode: true, message: expect.stringMatching(/QR/) });
    expect(precreateOutcome(refusal('ACQ.TOTAL_FEE_EXCEED'), NO)).toMatchObject({ kind: 'failed', code: 'ACQ.TOTAL_FEE_EXCEED' });
    expect(precreateOutcome(refusal('ACQ.OTHER'), NO)).toMatchObject({ kind: 'failed', message: expect.stringMatching(/could not create the QR code/) });
    expect(precreateOutcome({ code: '20000', msg: 'x' }, NO).kind).toBe('unknown');
    expect(precreateOutcome({ code: '10003', msg: 'x' }, NO).kind).toBe('unknown');
  });
});

describe('alipay.trade.query answers', () => {
  const q = (status: string, extra: Record<string, unknown> = {}) => ({
    code: '10000',
    msg: 'Success',
    out_trade_no: NO,
    trade_no: 'T1',
    trade_status: status,
    total_amount: '12.30',
    send_pay_date: '2024-05-13 17:50:00',
    buyer_user_id: '2088',
    ...extra,
  });

  it('maps every trade_status', () => {
    expect(queryOutcome(q('WAIT_BUYER_PAY'), NO)).toEqual({ kind: 'waiting' });
    expect(queryOutcome(q('TRADE_SUCCESS'), NO)).toEqual({ kind: 'paid', tradeNo: 'T1', amount: 1230, buyer: '2088', paidAt: '2024-05-13T17:50:00+08:00' });
    expect(queryOutcome(q('TRADE_FINISHED'), NO)).toMatchObject({ kind: 'paid', amount: 1230 });
    expect(queryOutcome(q('TRADE_CLOSED'), NO)).toEqual({ kind: 'closed' });
    expect(queryOutcome(q('TRADE_PENDING'), NO).kind).toBe('unknown');
    expect(queryOutcome(q(''), NO).kind).toBe('unknown');
  });

  it('TRADE_NOT_EXIST is not-found (a QR nobody scanned); every other failure is unknown', () => {
    expect(queryOutcome(refusal('ACQ.TRADE_NOT_EXIST'), NO)).toEqual({ kind: 'not-found' });
    expect(queryOutcome(refusal('ACQ.SYSTEM_ERROR'), NO).kind).toBe('unknown');
    expect(queryOutcome(refusal('ACQ.INVALID_PARAMETER'), NO).kind).toBe('unknown');
    expect(queryOutcome({ code: '20000', msg: 'x' }, NO).kind).toBe('unknown');
    expect(queryOutcome({ code: '40002', msg: 'x', sub_code: 'isv.invalid-signature' }, NO).kind).toBe('unknown');
  });
});

describe('alipay.trade.cancel answers', () => {
  const ok = (extra: Record<string, unknown>) => ({ code: '10000', msg: 'Success', out_trade_no: NO, trade_no: 'T1', retry_flag: 'N', ...extra });

  it('10000 is cancelled with Alipay\'s action', () => {
    expect(cancelOutcome(ok({ action: 'close' }), NO)).toEqual({ kind: 'cancelled', action: 'close' });
    expect(cancelOutcome(ok({ action: 'refund' }), NO)).toEqual({ kind: 'cancelled', action: 'refund' });
    expect(cancelOutcome(ok({}), NO)).toEqual({ kind: 'cancelled', action: 'none' });
  });

  it('retry_flag=Y, 20000 and SYSTEM_ERROR ask to cancel again', () => {
    expect(cancelOutcome(refusal('ACQ.SYSTEM_ERROR', { retry_flag: 'Y' }), NO).kind).toBe('retry');
    expect(cancelOutcome(refusal('ACQ.SYSTEM_ERROR'), NO).kind).toBe('retry');
    expect(cancelOutcome(refusal('ACQ.WHATEVER', { retry_flag: 'Y' }), NO).kind).toBe('retry');
    expect(cancelOutcome({ code: '20000', msg: 'x' }, NO).kind).toBe('retry');
    expect(cancelOutcome(refusal('ACQ.SELLER_BALANCE_NOT_ENOUGH'), NO)).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/top it up/) });
  });

  it('maps the cancel sub_codes of payments.md', () => {
    expect(cancelOutcome(refusal('ACQ.TRADE_CANCEL_TIME_OUT'), NO)).toMatchObject({ kind: 'failed', code: 'ACQ.TRADE_CANCEL_TIME_OUT', message: expect.stringMatching(/refund it instead/) });
    expect(cancelOutcome(refusal('ACQ.CANCEL_NOT_ALLOWED'), NO)).toMatchObject({ kind: 'failed', code: 'ACQ.CANCEL_NOT_ALLOWED' });
    expect(cancelOutcome(refusal('ACQ.TRADE_HAS_FINISHED'), NO)).toMatchObject({ kind: 'failed', code: 'ACQ.TRADE_HAS_FINISHED' });
    expect(cancelOutcome(refusal('ACQ.TRADE_NOT_EXIST'), NO)).toEqual({ kind: 'cancelled', action: 'none' });
    expect(cancelOutcome(refusal('ACQ.NEW_THING'), NO)).toMatchObject({ kind: 'failed', code: 'ACQ.NEW_THING', retryWithNewCode: false });
    expect(cancelOutcome({ code: '40002', msg: 'x', sub_code: 'isv.invalid-signature' }, NO)).toMatchObject({ kind: 'failed', code: 'isv.invalid-signature' });
  });
});

describe('alipay.trade.close answers', () => {
  it('maps closed, not-found, not-waiting, unclear and refused', () => {
    expect(closeOutcome({ code: '10000', msg: 'Success', out_trade_no: NO }, NO)).toEqual({ kind: 'closed' });
    expect(closeOutcome(refusal('ACQ.TRADE_NOT_EXIST'), NO)).toEqual({ kind: 'not-found' });
    for (const sub of ['ACQ.TRADE_STATUS_ERROR', 'ACQ.REASON_ILLEGAL_STATUS', 'ACQ.TRADE_HAS_SUCCESS', 'ACQ.TRADE_HAS_FINISHED']) {
      expect(closeOutcome(refusal(sub), NO), sub).toEqual({ kind: 'already-paid' });
    }
    expect(closeOutcome(refusal('ACQ.SYSTEM_ERROR'), NO).kind).toBe('unknown');
    expect(closeOutcome({ code: '20000', msg: 'x' }, NO).kind).toBe('unknown');
    expect(closeOutcome(refusal('ACQ.INVALID_PARAMETER'), NO)).toMatchObject({ kind: 'failed', code: 'ACQ.INVALID_PARAMETER' });
  });
});

describe('alipay.trade.refund answers', () => {
  const ok = (extra: Record<string, unknown>) => ({ code: '10000', msg: 'Success', out_trade_no: NO, trade_no: 'T1', refund_fee: '30.00', fund_change: 'Y', ...extra });

  it('10000 reports the cumulative refund and whether money moved now', () => {
    expect(refundOutcome(ok({}), NO)).toEqual({ kind: 'refunded', refundedTotal: 3000, fundChange: true });
    expect(refundOutcome(ok({ fund_change: 'N' }), NO)).toEqual({ kind: 'refunded', refundedTotal: 3000, fundChange: false });
    expect(refundOutcome(ok({ refund_fee: 'abc' }), NO).kind).toBe('unknown');
    expect(refundOutcome(ok({ fund_change: undefined }), NO).kind).toBe('unknown');
  });

  it('maps every refund sub_code of payments.md', () => {
    expect(refundOutcome(refusal('ACQ.SYSTEM_ERROR'), NO).kind).toBe('unknown');
    expect(refundOutcome({ code: '20000', msg: 'x' }, NO).kind).toBe('unknown');
    for (const sub of ['ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'ACQ.REASON_TRADE_REFUND_FEE_ERR', 'ACQ.TRADE_NOT_ALLOW_REFUND', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', 'ACQ.TRADE_NOT_EXIST']) {
      expect(refundOutcome(refusal(sub), NO), sub).toEqual({ kind: 'failed', code: sub, message: REFUND_REFUSALS[sub], retryWithNewCode: false });
    }
    expect((refundOutcome(refusal('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL'), NO) as { message: string }).message).toMatch(/more than what is left/);
    expect((refundOutcome(refusal('ACQ.REASON_TRADE_REFUND_FEE_ERR'), NO) as { message: string }).message).toMatch(/more than what is left/);
  });
});

describe('alipay.trade.fastpay.refund.query answers', () => {
  const ok = (extra: Record<string, unknown>) => ({ code: '10000', msg: 'Success', out_trade_no: NO, out_request_no: 'R1', total_amount: '88.88', refund_amount: '30.00', ...extra });

  it('only REFUND_SUCCESS is refunded; an answer without refund_status did not refund', () => {
    expect(refundQueryOutcome(ok({ refund_status: 'REFUND_SUCCESS' }), NO, 'R1')).toEqual({ kind: 'refunded', amount: 3000 });
    expect(refundQueryOutcome(ok({}), NO, 'R1')).toEqual({ kind: 'not-refunded' });
    expect(refundQueryOutcome({ code: '10000', msg: 'Success' }, NO, 'R1')).toEqual({ kind: 'not-refunded' });
    expect(refundQueryOutcome(ok({ refund_status: 'REFUND_PROCESSING' }), NO, 'R1').kind).toBe('unknown');
    expect(refundQueryOutcome(ok({ refund_status: 'REFUND_SUCCESS', out_request_no: 'R2' }), NO, 'R1').kind).toBe('unknown');
    expect(refundQueryOutcome(ok({ refund_status: 'REFUND_SUCCESS', refund_amount: '' }), NO, 'R1').kind).toBe('unknown');
  });

  it('no such trade means not refunded; system trouble stays unknown', () => {
    expect(refundQueryOutcome(refusal('ACQ.TRADE_NOT_EXIST'), NO, 'R1')).toEqual({ kind: 'not-refunded' });
    expect(refundQueryOutcome(refusal('ACQ.SYSTEM_ERROR'), NO, 'R1').kind).toBe('unknown');
    expect(refundQueryOutcome(refusal('ACQ.INVALID_PARAMETER'), NO, 'R1').kind).toBe('unknown');
  });
});

describe('Beijing time stamps', () => {
  it('turns Alipay\'s "yyyy-MM-dd HH:mm:ss" into ISO 8601 at +08:00 and keeps anything else', () => {
    expect(beijingIso('2024-01-02 03:04:05')).toBe('2024-01-02T03:04:05+08:00');
    expect(new Date(beijingIso('2024-01-02 03:04:05') ?? '').toISOString()).toBe('2024-01-01T19:04:05.000Z');
    expect(beijingIso('yesterday')).toBe('yesterday');
    expect(beijingIso('')).toBeNull();
    expect(beijingIso(undefined)).toBeNull();
  });
});

describe('garbage from the gateway', () => {
  it('takes codes named like Object.prototype members for unknown codes', () => {
    expect(payOutcome({ code: 'valueOf' }, NO).kind).toBe('unknown');
    expect(payOutcome(refusal('constructor'), NO)).toMatchObject({ kind: 'failed', code: 'constructor', message: expect.stringMatching(/^Alipay refused the payment/) });
    expect(cancelOutcome(refusal('toString'), NO)).toMatchObject({ kind: 'failed', message: expect.stringMatching(/^Alipay refused to cancel/) });
    expect(refundOutcome(refusal('hasOwnProperty'), NO)).toMatchObject({ kind: 'failed', message: expect.stringMatching(/^Alipay refused the refund/) });
  });

  it('never throws and never invents a payment, whatever the (verified) answer holds', () => {
    const field = fc.oneof(fc.constantFrom('10000', '10003', '20000', '40004', '40002', 'ACQ.SYSTEM_ERROR', 'TRADE_SUCCESS', 'Y', '88.88', NO, 'constructor', 'valueOf', 'toString', '__proto__'), fc.string(), fc.integer(), fc.constant(null), fc.object());
    const keys = fc.constantFrom('code', 'sub_code', 'sub_msg', 'out_trade_no', 'trade_no', 'total_amount', 'trade_status', 'retry_flag', 'action', 'refund_fee', 'fund_change', 'refund_status', 'refund_amount', 'qr_code', '__proto__');
    fc.assert(
      fc.property(fc.dictionary(keys, field), (a) => {
        const pay = payOutcome(a, NO);
        expect(['paid', 'waiting', 'failed', 'unknown']).toContain(pay.kind);
        if (pay.kind === 'paid') {
          expect(a.code).toBe('10000');
          expect(Number.isSafeInteger(pay.amount) && pay.amount > 0).toBe(true);
        }
        if (pay.kind === 'failed') expect(['40004', '20001', '40001', '40002', '40006']).toContain(a.code);
        expect(['waiting', 'paid', 'not-found', 'closed', 'unknown']).toContain(queryOutcome(a, NO).kind);
        expect(['cancelled', 'retry', 'failed']).toContain(cancelOutcome(a, NO).kind);
        expect(['closed', 'not-found', 'already-paid', 'failed', 'unknown']).toContain(closeOutcome(a, NO).kind);
        expect(['refunded', 'failed', 'unknown']).toContain(refundOutcome(a, NO).kind);
        expect(['refunded', 'not-refunded', 'unknown']).toContain(refundQueryOutcome(a, NO, 'R1').kind);
        expect(['created', 'failed', 'unknown']).toContain(precreateOutcome(a, NO).kind);
      }),
      { numRuns: 3000 },
    );
  });
});
