import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { PayOutcome, PayRequest } from '../../../src/domain/payment.ts';
import {
  maxPolls,
  paymentInputProblem,
  paymentMachine,
  paymentMachineVersion,
  paymentTiming,
  providePayment,
} from '../../../state-machines/payment.machine.ts';
import type { PaymentCall, PaymentEvent, PaymentInput, PaymentResult } from '../../../state-machines/payment.machine.ts';
import {
  alreadyPaid,
  BARCODE,
  cancelled,
  closed,
  created,
  gatewayFakes,
  notFound,
  PAID,
  paid,
  payWaiting,
  QR,
  refused,
  retry,
  unknown,
  waiting,
} from './payment-fakes.ts';
import type { Answer, CallName, Script } from './payment-fakes.ts';

const AT = '2025-05-01T10:00:30.000Z';

function start(input: PaymentInput, script: Script = {}) {
  const f = gatewayFakes(script);
  const actor = createActor(f.machine, { input }).start();
  return { actor, ...f };
}

type Actor = ReturnType<typeof start>['actor'];
const value = (a: Actor) => a.getSnapshot().value;
const output = (a: Actor): PaymentResult | undefined => a.getSnapshot().output;
const flush = () => vi.advanceTimersByTimeAsync(0);
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('payment timing and input', () => {
  it('defaults follow payments.md: 4 s polls, 60 s (WeChat micropay 45 s), cancel 2 s × 3 retries', () => {
    expect(paymentTiming('alipay', 'barcode')).toEqual({
      pollIntervalMs: 4_000,
      deadlineMs: 60_000,
      queryDelayMs: 2_000,
      cancelRetryMs: 2_000,
      cancelRetries: 3,
      closeRetryMs: 2_000,
      closeRetries: 3,
    });
    expect(paymentTiming('wechat', 'barcode')).toMatchObject({ deadlineMs: 45_000, queryDelayMs: 5_000 });
    expect(paymentTiming('wechat', 'qr').deadlineMs).toBe(60_000);
    expect(paymentTiming('alipay', 'qr', { pollIntervalMs: 3_000 }).pollIntervalMs).toBe(3_000);
    expect(maxPolls(paymentTiming('alipay', 'barcode'))).toBe(15);
    expect(maxPolls({ ...paymentTiming('alipay', 'barcode'), deadlineMs: 10_000, pollIntervalMs: 3_000 })).toBe(4);
    expect(paymentMachineVersion).toBe(1);
  });

  it('names what is wrong with a bad input', () => {
    const cases: [Partial<PaymentInput>, RegExp][] = [
      [{ amount: 0 }, /^amount 0 must be a whole number of minor units above 0$/],
      [{ amount: -5 }, /amount -5 must be/],
      [{ amount: 88.8 }, /amount 88.8 must be a whole number/],
      [{ amount: 10_000_000_000_001 }, /over the largest supported amount/],
      [{ outTradeNo: 'has space' }, /outTradeNo "has space" must be 1–32 characters/],
      [{ outTradeNo: 'x'.repeat(33) }, /outTradeNo .* must be 1–32/],
      [{ currency: 'XXX' }, /currency "XXX" is not supported/],
      [{ authCode: '  ' }, /barcode pay needs the customer's payment code/],
      [{ subject: '' }, /subject must not be empty/],
      [{ operatorId: '' }, /operatorId must not be empty/],
      [{ timing: { pollIntervalMs: 0 } }, /timing.pollIntervalMs 0 must be/],
      [{ timing: { deadlineMs: 1_000 } }, /deadlineMs 1000 is shorter than one poll interval \(4000 ms\)/],
      [{ timing: { cancelRetries: -1 } }, /timing.cancelRetries -1 must be a whole number from 0 to 20/],
      [{ qrTimeoutMinutes: 0 }, /qrTimeoutMinutes 0 must be/],
    ];
    for (const [patch, msg] of cases) expect(paymentInputProblem({ ...BARCODE, ...patch })).toMatch(msg);
    expect(paymentInputProblem(BARCODE)).toBeNull();
    expect(paymentInputProblem(QR)).toBeNull();
  });

  it('a bad input ends failed at once, with the problem for the cashier and no gateway call', () => {
    const { actor, calls } = start({ ...BARCODE, amount: 0 });
    expect(value(actor)).toBe('failed');
    expect(output(actor)).toEqual({
      kind: 'failed',
      code: 'kassa.INVALID_INPUT',
      message: 'payment not started: amount 0 must be a whole number of minor units above 0',
      retryWithNewCode: false,
      outTradeNo: BARCODE.outTradeNo,
      wallet: 'alipay',
    });
    expect(calls).toEqual([]);
  });
});

describe('payment machine: barcode pay', () => {
  it('10000 at once: paid, with the gateway trade, after one pay call carrying the whole request', async () => {
    const { actor, calls, names } = start(BARCODE, { pay: [paid()] });
    expect(value(actor)).toEqual({ barcode: 'paying' });
    await flush();
    expect(value(actor)).toBe('paid');
    expect(output(actor)).toEqual({ kind: 'paid', trade: PAID, unwanted: false, message: 'paid with Alipay', outTradeNo: BARCODE.outTradeNo, wallet: 'alipay' });
    expect(names()).toEqual(['pay']);
    expect(calls[0]?.input).toEqual({
      wallet: 'alipay',
      outTradeNo: BARCODE.outTradeNo,
      authCode: BARCODE.authCode,
      amount: 8888,
      currency: 'CNY',
      subject: 'Kassa sale S1',
      storeId: 'STORE1',
      terminalId: 'T1',
      operatorId: 'alice',
    });
    const c = actor.getSnapshot().context;
    expect(c.log).toEqual([{ call: 'pay', outcome: paid() }]);
    expect(c.tradeNo).toBe(PAID.tradeNo);
    expect(c.startedAt).toBe(BARCODE.startedAt);
  });

  it('a refusal ends failed with the gateway message and whether a fresh code may be tried; nothing else is called', async () => {
    const { actor, names } = start(BARCODE, {
      pay: [refused('ACQ.PAYMENT_AUTH_CODE_INVALID', 'the payment code has expired: ask the customer to refresh it', true)],
    });
    await flush();
    expect(output(actor)).toMatchObject({
      kind: 'failed',
      code: 'ACQ.PAYMENT_AUTH_CODE_INVALID',
      message: 'the payment code has expired: ask the customer to refresh it',
      retryWithNewCode: true,
    });
    expect(actor.getSnapshot().context.message).toBe('the payment code has expired: ask the customer to refresh it');
    expect(names()).toEqual(['pay']);
  });

  it('while polling, a query that cannot reach the wallet says so to the cashier; the next clear answer says "waiting" again', async () => {
    const { actor } = start(BARCODE, { pay: [payWaiting], query: [{ reject: 'ECONNRESET' }, unknown(), waiting, paid()] });
    await flush();
    const message = () => actor.getSnapshot().context.message;
    expect(message()).toBe('waiting for the customer to confirm the payment on their phone');
    await advance(4_000);
    expect(message()).toMatch(/^Alipay cannot be reached right now \(.*ECONNRESET.*\): still checking the payment$/);
    await advance(4_000);
    expect(message()).toMatch(/^Alipay cannot be reached right now/);
    await advance(4_000);
    expect(message()).toBe('waiting for the customer to confirm the payment on their phone');
    await advance(4_000);
    expect(value(actor)).toBe('paid');
  });

  it('10003: polls query every 4 s (not before) until paid', async () => {
    const { actor, names, count } = start(BARCODE, { pay: [payWaiting], query: [waiting, notFound, unknown(), paid()] });
    await flush();
    expect(value(actor)).toEqual({ barcode: { polling: 'waiting' } });
    expect(actor.getSnapshot().context.message).toBe('waiting for the customer to confirm the payment on their phone');
    expect(actor.getSnapshot().context.tradeNo).toBe(PAID.tradeNo);
    await advance(3_999);
    expect(count('query')).toBe(0);
    await advance(1);
    expect(count('query')).toBe(1);
    await advance(4_000 * 3);
    expect(value(actor)).toBe('paid');
    expect(names()).toEqual(['pay', 'query', 'query', 'query', 'query']);
    expect(actor.getSnapshot().context.polls).toBe(3);
    expect(output(actor)).toMatchObject({ kind: 'paid', unwanted: false, trade: PAID });
  });

  it('10003 with no confirmation: at the 60 s deadline it cancels, and ends cancelled when cancel closes it', async () => {
    const { actor, names, count } = start(BARCODE, { pay: [payWaiting], query: Array(20).fill(waiting), cancel: [cancelled('close')] });
    await flush();
    await advance(59_999);
    expect(count('query')).toBe(14);
    expect(count('cancel')).toBe(0);
    await advance(1);
    expect(value(actor)).toBe('cancelled');
    expect(names().at(-1)).toBe('cancel');
    expect(output(actor)).toMatchObject({ kind: 'cancelled', action: 'close', message: 'payment cancelled: the customer was not charged' });
    expect(actor.getSnapshot().context.stoppedBy).toBe('deadline');
  });

  it('WeChat micropay gives up after 45 s', async () => {
    const { actor, count } = start({ ...BARCODE, wallet: 'wechat' }, { pay: [payWaiting], query: Array(20).fill(waiting), cancel: [cancelled()] });
    await flush();
    await advance(44_999);
    expect(count('cancel')).toBe(0);
    await advance(1);
    expect(count('query')).toBe(11);
    expect(value(actor)).toBe('cancelled');
  });

  it('a cancel that finds the trade paid reverses it (action refund) and says so', async () => {
    const { actor } = start(BARCODE, { pay: [payWaiting], query: Array(20).fill(waiting), cancel: [cancelled('refund')] });
    await advance(60_000);
    expect(output(actor)).toMatchObject({
      kind: 'cancelled',
      action: 'refund',
      message: 'the payment went through and was reversed: the money goes back to the customer',
    });
  });

  it('a query that says closed ends failed: the customer\'s payment was closed', async () => {
    const { actor, names } = start(BARCODE, { pay: [payWaiting], query: [waiting, closed] });
    await advance(8_000);
    expect(output(actor)).toMatchObject({ kind: 'failed', code: 'TRADE_CLOSED', retryWithNewCode: true });
    expect(output(actor)?.message).toMatch(/^the customer's payment was closed/);
    expect(names()).toEqual(['pay', 'query', 'query']);
  });

  it('polling is capped at ceil(deadline / interval) queries even when the deadline timer never fires', async () => {
    const f = gatewayFakes({ pay: [payWaiting], query: Array(30).fill(waiting), cancel: [cancelled()] });
    const machine = f.machine.provide({ delays: { deadline: 10 * 60_000 } });
    const actor = createActor(machine, { input: BARCODE }).start();
    await advance(15 * 4_000);
    expect(f.count('query')).toBe(15);
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(actor.getSnapshot().context.stoppedBy).toBe('deadline');
  });

  it('a host may replace the named delays (e.g. a 3 s poll)', async () => {
    const f = gatewayFakes({ pay: [payWaiting], query: [waiting, paid()] });
    const actor = createActor(f.machine.provide({ delays: { pollInterval: 3_000 } }), { input: BARCODE }).start();
    await advance(6_000);
    expect(actor.getSnapshot().value).toBe('paid');
  });

  it('an unclear pay answer (timeout, 20000, SYSTEM_ERROR) is queried once after 2 s: paid means paid', async () => {
    const { actor, names, count } = start(BARCODE, { pay: [unknown('ACQ.SYSTEM_ERROR')], query: [paid()] });
    await flush();
    expect(value(actor)).toEqual({ barcode: 'unclear' });
    expect(actor.getSnapshot().context.message).toBe('no clear answer from Alipay (ACQ.SYSTEM_ERROR): checking the payment');
    await advance(1_999);
    expect(count('query')).toBe(0);
    await advance(1);
    expect(value(actor)).toBe('paid');
    expect(names()).toEqual(['pay', 'query']);
  });

  for (const [label, answer] of [
    ['waiting', waiting],
    ['not found', notFound],
    ['closed', closed],
    ['unclear', unknown()],
    ['a rejection', { reject: 'socket hang up' }],
  ] as const) {
    it(`an unclear pay answer whose one query says ${label} is cancelled`, async () => {
      const { actor, names } = start(BARCODE, { pay: [unknown()], query: [answer], cancel: [cancelled()] });
      await advance(2_000);
      expect(value(actor)).toBe('cancelled');
      expect(names()).toEqual(['pay', 'query', 'cancel']);
      expect(actor.getSnapshot().context.stoppedBy).toBe('unclear');
    });
  }

  it('a pay effect that rejects is logged as an error and handled like an unclear answer', async () => {
    const { actor, names } = start(BARCODE, { pay: [{ reject: 'TypeError in provider' }], query: [notFound], cancel: [cancelled()] });
    await advance(2_000);
    expect(names()).toEqual(['pay', 'query', 'cancel']);
    expect(actor.getSnapshot().context.log[0]).toEqual({ call: 'pay', outcome: { kind: 'error', message: 'TypeError in provider' } });
    expect(value(actor)).toBe('cancelled');
  });

  it('query errors while polling keep polling', async () => {
    const { actor, names } = start(BARCODE, { pay: [payWaiting], query: [{ reject: 'ECONNRESET' }, unknown(), paid()] });
    await advance(12_000);
    expect(value(actor)).toBe('paid');
    expect(names()).toEqual(['pay', 'query', 'query', 'query']);
  });
});

describe('payment machine: cashier STOP (barcode)', () => {
  it('while polling: cancels at once and stops polling', async () => {
    const { actor, names } = start(BARCODE, { pay: [payWaiting], query: [waiting, waiting], cancel: [cancelled()] });
    await advance(5_000);
    actor.send({ type: 'STOP', at: AT });
    await flush();
    expect(value(actor)).toBe('cancelled');
    await advance(60_000);
    expect(names()).toEqual(['pay', 'query', 'cancel']);
    const c = actor.getSnapshot().context;
    expect(c).toMatchObject({ stoppedBy: 'cashier', cashierStopped: true, stoppedAt: AT });
  });

  it('while a poll query is in flight: the query is abandoned (its signal fires) and cancel is called', async () => {
    const { actor, calls, names, count } = start(BARCODE, { pay: [payWaiting], query: ['hold'], cancel: [cancelled()] });
    await advance(4_000);
    expect(count('query')).toBe(1);
    actor.send({ type: 'STOP' });
    await flush();
    expect(calls[1]?.aborted).toBe(true);
    expect(names()).toEqual(['pay', 'query', 'cancel']);
    expect(value(actor)).toBe('cancelled');
  });

  it('while pay is in flight: waits for its answer, then cancels (a pay that answered paid is reversed)', async () => {
    const f = start(BARCODE, { pay: ['hold'], cancel: [cancelled('refund')] });
    f.actor.send({ type: 'STOP', at: AT });
    await advance(10_000);
    expect(f.names()).toEqual(['pay']);
    expect(f.calls[0]?.aborted).toBe(false);
    expect(value(f.actor)).toEqual({ barcode: 'paying' });
    expect(f.actor.getSnapshot().context.message).toBe('stopping: waiting for the wallet to answer, then cancelling');
    f.settle('pay', paid());
    await flush();
    expect(f.names()).toEqual(['pay', 'cancel']);
    expect(output(f.actor)).toMatchObject({ kind: 'cancelled', action: 'refund' });
    expect(f.actor.getSnapshot().context).toMatchObject({ stoppedBy: 'cashier', stoppedAt: AT, tradeNo: PAID.tradeNo });
  });

  for (const [label, answer] of [
    ['waiting', payWaiting],
    ['unclear', unknown()],
  ] as const) {
    it(`while pay is in flight: a ${label} answer is cancelled at once, without polling`, async () => {
      const f = start(BARCODE, { pay: ['hold'], cancel: [cancelled()] });
      f.actor.send({ type: 'STOP' });
      f.settle('pay', answer as PayOutcome);
      await flush();
      expect(f.names()).toEqual(['pay', 'cancel']);
      expect(value(f.actor)).toBe('cancelled');
    });
  }

  it('while pay is in flight: a refusal still ends failed (nothing was charged, nothing to cancel)', async () => {
    const f = start(BARCODE, { pay: ['hold'] });
    f.actor.send({ type: 'STOP' });
    f.settle('pay', refused('ACQ.BUYER_BALANCE_NOT_ENOUGH', 'the customer does not have enough balance'));
    await flush();
    expect(f.names()).toEqual(['pay']);
    expect(output(f.actor)).toMatchObject({ kind: 'failed', code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' });
  });

  it('while pay is in flight: a pay effect that rejects is followed by cancel', async () => {
    const f = start(BARCODE, { pay: ['hold'], cancel: [cancelled()] });
    f.actor.send({ type: 'STOP' });
    f.failHeld('pay', 'boom');
    await flush();
    expect(f.names()).toEqual(['pay', 'cancel']);
  });

  it('while waiting to query an unclear answer, or while that query runs: cancels at once', async () => {
    const a = start(BARCODE, { pay: [unknown()], cancel: [cancelled()] });
    await advance(1_000);
    a.actor.send({ type: 'STOP' });
    await flush();
    expect(a.names()).toEqual(['pay', 'cancel']);

    const b = start(BARCODE, { pay: [unknown()], query: ['hold'], cancel: [cancelled()] });
    await advance(2_000);
    b.actor.send({ type: 'STOP' });
    await flush();
    expect(b.names()).toEqual(['pay', 'query', 'cancel']);
    expect(b.calls[1]?.aborted).toBe(true);
  });
});

describe('payment machine: cancelling', () => {
  it('retries a cancel that says retry (or rejects) every 2 s', async () => {
    const { actor, count } = start(BARCODE, { pay: [unknown()], query: [notFound], cancel: [retry(), { reject: 'ETIMEDOUT' }, cancelled()] });
    await advance(2_000);
    expect(count('cancel')).toBe(1);
    expect(actor.getSnapshot().context.message).toBe('the cancellation is not confirmed yet (retry_flag=Y): trying again');
    await advance(1_999);
    expect(count('cancel')).toBe(1);
    await advance(1);
    expect(count('cancel')).toBe(2);
    await advance(2_000);
    expect(count('cancel')).toBe(3);
    expect(value(actor)).toBe('cancelled');
  });

  it('after the first cancel and 3 retries it hands the cancel to the host: cancelPending', async () => {
    const { actor, count } = start(BARCODE, { pay: [unknown()], query: [notFound], cancel: Array(4).fill(retry()) });
    await advance(2_000 + 3 * 2_000);
    expect(count('cancel')).toBe(4);
    expect(value(actor)).toBe('cancelPending');
    expect(output(actor)).toMatchObject({ kind: 'cancelPending' });
    expect(output(actor)?.message).toMatch(/not confirmed after 4 tries: it is retried in the background/);
    await advance(60_000);
    expect(count('cancel')).toBe(4);
  });

  it('cancelRetries 0 hands over after the first cancel', async () => {
    const { actor, count } = start({ ...BARCODE, timing: { cancelRetries: 0 } }, { pay: [unknown()], query: [notFound], cancel: [retry()] });
    await advance(2_000);
    expect(count('cancel')).toBe(1);
    expect(value(actor)).toBe('cancelPending');
  });

  it('a refused cancel (e.g. past the 24 h window) goes to manual reconciliation', async () => {
    const { actor } = start(BARCODE, {
      pay: [unknown()],
      query: [waiting],
      cancel: [refused('ACQ.TRADE_CANCEL_TIME_OUT', 'the cancel window has passed')],
    });
    await advance(2_000);
    expect(output(actor)).toMatchObject({ kind: 'manualReconcile', code: 'ACQ.TRADE_CANCEL_TIME_OUT' });
    expect(output(actor)?.message).toBe(`Alipay refused to cancel the payment (the cancel window has passed): a manager must reconcile trade ${BARCODE.outTradeNo}`);
  });

  it('every cancel carries the same trade ref', async () => {
    const { calls } = start(BARCODE, { pay: [unknown()], query: [notFound], cancel: [retry(), cancelled()] });
    await advance(4_000);
    const cancels = calls.filter((c) => c.name === 'cancel').map((c) => c.input);
    expect(cancels).toEqual([
      { wallet: 'alipay', outTradeNo: BARCODE.outTradeNo },
      { wallet: 'alipay', outTradeNo: BARCODE.outTradeNo },
    ]);
  });
});

describe('payment machine: QR pay', () => {
  it('precreate shows the QR code, polls while nobody has scanned (not found) or paid (waiting), ends paid', async () => {
    const { actor, calls, names } = start(QR, { precreate: [created()], query: [notFound, notFound, waiting, paid()] });
    expect(value(actor)).toEqual({ qr: 'creating' });
    await flush();
    expect(value(actor)).toEqual({ qr: { showing: 'waiting' } });
    expect(actor.getSnapshot().context.qrCode).toBe('https://qr.alipay.com/bax00000000000000000');
    expect(actor.getSnapshot().context.message).toBe('showing the QR code: waiting for the customer to scan and pay');
    expect(calls[0]?.input).toEqual({
      wallet: 'alipay',
      outTradeNo: QR.outTradeNo,
      amount: 8888,
      currency: 'CNY',
      subject: 'Kassa sale S1',
      storeId: 'STORE1',
      terminalId: 'T1',
      operatorId: 'alice',
      qrTimeoutMinutes: 2,
    });
    await advance(16_000);
    expect(names()).toEqual(['precreate', 'query', 'query', 'query', 'query']);
    expect(output(actor)).toMatchObject({ kind: 'paid', unwanted: false, trade: PAID });
  });

  it('a query that says closed (the gateway expired it) ends expired', async () => {
    const { actor } = start(QR, { precreate: [created()], query: [notFound, closed] });
    await advance(8_000);
    expect(output(actor)).toMatchObject({ kind: 'expired', message: 'the QR code expired unpaid: nothing was charged' });
  });

  for (const answer of [closed, notFound]) {
    it(`at the deadline it closes; close says ${answer.kind}: aborted, nothing charged`, async () => {
      const { actor, names, count } = start(QR, { precreate: [created()], query: Array(20).fill(notFound), close: [answer] });
      await advance(59_999);
      expect(count('close')).toBe(0);
      await advance(1);
      expect(names().at(-1)).toBe('close');
      expect(output(actor)).toMatchObject({ kind: 'aborted', message: 'the QR code was not paid in time and is closed: nothing was charged' });
    });
  }

  it('at the deadline, close says already paid: query, and the payment is kept (paid, wanted)', async () => {
    const { actor, names } = start(QR, { precreate: [created()], query: [...Array(14).fill(waiting), paid()], close: [alreadyPaid] });
    await advance(60_000);
    expect(names().slice(-2)).toEqual(['close', 'query']);
    expect(output(actor)).toMatchObject({ kind: 'paid', unwanted: false });
  });

  it('cashier STOP closes; if close says already paid, the paid trade is flagged unwanted for the host to refund', async () => {
    const { actor, names } = start(QR, { precreate: [created()], query: [notFound, paid()], close: [alreadyPaid] });
    await advance(5_000);
    actor.send({ type: 'STOP', at: AT });
    await flush();
    expect(names()).toEqual(['precreate', 'query', 'close', 'query']);
    expect(output(actor)).toMatchObject({
      kind: 'paid',
      unwanted: true,
      message: 'the customer paid with Alipay after the cashier stopped: the payment will be refunded',
    });
  });

  it('cashier STOP with close confirming: aborted', async () => {
    const { actor } = start(QR, { precreate: [created()], close: [closed] });
    await flush();
    actor.send({ type: 'STOP' });
    await flush();
    expect(output(actor)).toMatchObject({ kind: 'aborted', message: 'QR payment stopped and closed: nothing was charged' });
  });

  it('STOP while close runs after the deadline still flags a late payment unwanted', async () => {
    const f = start(QR, { precreate: [created()], query: [...Array(14).fill(notFound), paid()], close: ['hold'] });
    await advance(60_000);
    expect(f.names().at(-1)).toBe('close');
    f.actor.send({ type: 'STOP' });
    f.settle('close', alreadyPaid);
    await flush();
    expect(f.names().slice(-2)).toEqual(['close', 'query']);
    expect(output(f.actor)).toMatchObject({ kind: 'paid', unwanted: true });
    expect(f.actor.getSnapshot().context.stoppedBy).toBe('deadline');
  });

  it('close that stays unclear is retried 3 times, then handed to the host: closePending', async () => {
    const { actor, count } = start(QR, { precreate: [created()], close: [unknown(), { reject: 'ECONNRESET' }, unknown(), unknown()] });
    await flush();
    actor.send({ type: 'STOP' });
    await flush();
    await advance(3 * 2_000);
    expect(count('close')).toBe(4);
    expect(output(actor)).toMatchObject({ kind: 'closePending' });
  });

  it('a refused close goes to manual reconciliation', async () => {
    const { actor } = start(QR, { precreate: [created()], close: [refused('ACQ.ACCESS_FORBIDDEN', 'not allowed')] });
    await flush();
    actor.send({ type: 'STOP' });
    await flush();
    expect(output(actor)).toMatchObject({ kind: 'manualReconcile', code: 'ACQ.ACCESS_FORBIDDEN' });
  });

  it('close says paid but query does not confirm: close again (bounded), then closePending', async () => {
    const { actor, names } = start(QR, {
      precreate: [created()],
      close: [alreadyPaid, closed],
      query: [waiting],
    });
    await flush();
    actor.send({ type: 'STOP' });
    await flush();
    await advance(2_000);
    expect(names()).toEqual(['precreate', 'close', 'query', 'close']);
    expect(output(actor)?.kind).toBe('aborted');

    const b = start(QR, { precreate: [created()], close: Array(4).fill(alreadyPaid), query: Array(4).fill(unknown()) });
    await flush();
    b.actor.send({ type: 'STOP' });
    await advance(20_000);
    expect(b.count('close')).toBe(4);
    expect(output(b.actor)?.kind).toBe('closePending');
  });

  it('precreate refused: failed with its message; precreate unclear or rejected: the attempt is closed', async () => {
    const a = start(QR, { precreate: [refused('ACQ.TOTAL_FEE_EXCEED', 'the amount is over the limit')] });
    await flush();
    expect(output(a.actor)).toMatchObject({ kind: 'failed', code: 'ACQ.TOTAL_FEE_EXCEED', message: 'the amount is over the limit' });
    expect(a.names()).toEqual(['precreate']);

    for (const answer of [unknown(), { reject: 'bad gateway' }]) {
      const b = start(QR, { precreate: [answer], close: [notFound] });
      await flush();
      expect(b.names()).toEqual(['precreate', 'close']);
      expect(output(b.actor)).toMatchObject({ kind: 'aborted' });
      expect(output(b.actor)?.message).toMatch(/could not be created/);
      expect(b.actor.getSnapshot().context.qrCode).toBeNull();
    }
  });

  it('STOP while precreate is in flight: waits for the code, then closes it without showing it', async () => {
    const f = start(QR, { precreate: ['hold'], close: [notFound] });
    f.actor.send({ type: 'STOP' });
    expect(value(f.actor)).toEqual({ qr: 'creating' });
    f.settle('precreate', created());
    await flush();
    expect(f.names()).toEqual(['precreate', 'close']);
    expect(f.actor.getSnapshot().context.qrCode).toBeNull();
    expect(output(f.actor)?.kind).toBe('aborted');
  });

  it('QR timeout in the request defaults to the deadline plus a minute, and can be given', async () => {
    const a = start({ ...QR, timing: { deadlineMs: 180_000 } }, { precreate: ['hold'] });
    expect(a.calls[0]?.input).toMatchObject({ qrTimeoutMinutes: 4 });
    const b = start({ ...QR, qrTimeoutMinutes: 15 }, { precreate: ['hold'] });
    expect(b.calls[0]?.input).toMatchObject({ qrTimeoutMinutes: 15 });
  });
});

describe('payment machine: restoring a snapshot', () => {
  const persist = (a: Actor) => JSON.parse(JSON.stringify(a.getPersistedSnapshot())) as ReturnType<Actor['getPersistedSnapshot']>;

  it('restored while polling, the lost timers are not re-armed; RESUME queries now and cancels unless paid', async () => {
    const first = start(BARCODE, { pay: [payWaiting], query: [waiting] });
    await advance(5_000);
    const snapshot = persist(first.actor);
    first.actor.stop();

    const second = gatewayFakes({ query: [waiting], cancel: [cancelled()] });
    const restored = createActor(second.machine, { input: BARCODE, snapshot }).start();
    expect(restored.getSnapshot().value).toEqual({ barcode: { polling: 'waiting' } });
    await advance(120_000);
    expect(second.calls).toEqual([]); // xstate#4860: nothing fires by itself
    restored.send({ type: 'RESUME', at: AT });
    await flush();
    expect(second.names()).toEqual(['query', 'cancel']);
    expect(restored.getSnapshot().value).toBe('cancelled');
    expect(restored.getSnapshot().context).toMatchObject({ resumedAt: AT, stoppedBy: 'restart' });
    expect(restored.getSnapshot().context.log.map((l) => l.call)).toEqual(['pay', 'query', 'query', 'cancel']);
  });

  it('restored while polling, RESUME ends paid when the query says paid', async () => {
    const first = start(BARCODE, { pay: [payWaiting] });
    await flush();
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ query: [paid()] });
    const restored = createActor(second.machine, { input: BARCODE, snapshot }).start();
    restored.send({ type: 'RESUME' });
    await flush();
    expect(restored.getSnapshot().output).toMatchObject({ kind: 'paid', unwanted: false });
  });

  it('restored while paying, pay re-runs with exactly the same request (same out_trade_no and code)', async () => {
    const first = start(BARCODE, { pay: ['hold'] });
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ pay: [unknown('already sent before the restart')], query: [paid()] });
    const restored = createActor(second.machine, { input: BARCODE, snapshot }).start();
    await advance(2_000);
    expect(second.calls[0]?.input).toEqual(first.calls[0]?.input);
    expect(restored.getSnapshot().output).toMatchObject({ kind: 'paid' });
  });

  it('restored while a cancel retry waits, RESUME cancels now', async () => {
    const first = start(BARCODE, { pay: [unknown()], query: [notFound], cancel: [retry()] });
    await advance(2_000);
    expect(first.actor.getSnapshot().value).toEqual({ barcode: 'cancelRetry' });
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ cancel: [cancelled()] });
    const restored = createActor(second.machine, { input: BARCODE, snapshot }).start();
    await advance(10_000);
    expect(second.calls).toEqual([]);
    restored.send({ type: 'RESUME' });
    await flush();
    expect(restored.getSnapshot().value).toBe('cancelled');
    expect(restored.getSnapshot().context.cancelAttempts).toBe(2);
  });

  it('restored while cancelling, cancel re-runs by itself (idempotent)', async () => {
    const first = start(BARCODE, { pay: [unknown()], query: [notFound], cancel: ['hold'] });
    await advance(2_000);
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ cancel: [cancelled()] });
    const restored = createActor(second.machine, { input: BARCODE, snapshot }).start();
    await flush();
    expect(second.names()).toEqual(['cancel']);
    expect(restored.getSnapshot().value).toBe('cancelled');
  });

  it('restored while waiting to query an unclear pay answer, RESUME queries now', async () => {
    const first = start(BARCODE, { pay: [unknown()] });
    await flush();
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ query: [paid()] });
    const restored = createActor(second.machine, { input: BARCODE, snapshot }).start();
    restored.send({ type: 'RESUME' });
    await flush();
    expect(restored.getSnapshot().value).toBe('paid');
  });

  it('restored while showing a QR code, RESUME closes it (and keeps a payment made meanwhile)', async () => {
    const first = start(QR, { precreate: [created()] });
    await flush();
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ close: [alreadyPaid], query: [paid()] });
    const restored = createActor(second.machine, { input: QR, snapshot }).start();
    restored.send({ type: 'RESUME' });
    await flush();
    expect(second.names()).toEqual(['close', 'query']);
    expect(restored.getSnapshot().output).toMatchObject({ kind: 'paid', unwanted: false });
    expect(restored.getSnapshot().context.qrCode).toBe(created().qrCode);
  });

  it('restored while a close retry waits, RESUME closes now', async () => {
    const first = start(QR, { precreate: [created()], close: [unknown()] });
    await flush();
    first.actor.send({ type: 'STOP' });
    await flush();
    const snapshot = persist(first.actor);
    first.actor.stop();
    const second = gatewayFakes({ close: [closed] });
    const restored = createActor(second.machine, { input: QR, snapshot }).start();
    restored.send({ type: 'RESUME' });
    await flush();
    expect(restored.getSnapshot().output).toMatchObject({ kind: 'aborted' });
  });
});

describe('payment machine: host wiring', () => {
  it('default actors reject loudly; the trade is still asked about and handed over, never forgotten', async () => {
    const actor = createActor(paymentMachine, { input: BARCODE }).start();
    await advance(2_000 + 4 * 2_000);
    const s = actor.getSnapshot();
    expect(s.value).toBe('cancelPending');
    expect(s.context.log[0]).toEqual({
      call: 'pay',
      outcome: {
        kind: 'error',
        message: 'payment: the host did not provide the "pay" actor; pass it with paymentMachine.provide({ actors: { pay } }) or providePayment()',
      },
    });
    expect(s.context.log.map((l) => l.call)).toEqual(['pay', 'query', 'cancel', 'cancel', 'cancel', 'cancel']);
  });

  it('providePayment passes the request and an AbortSignal to each effect', async () => {
    const seen: string[] = [];
    const signals: AbortSignal[] = [];
    const machine = providePayment({
      pay: async (r, signal) => {
        seen.push(`pay ${r.outTradeNo} ${r.authCode}`);
        signals.push(signal);
        return payWaiting;
      },
      precreate: async () => created(),
      query: async (t, signal) => {
        seen.push(`query ${t.outTradeNo}`);
        signals.push(signal);
        return new Promise(() => undefined);
      },
      cancel: async (t) => {
        seen.push(`cancel ${t.outTradeNo}`);
        return cancelled();
      },
      close: async () => closed,
    });
    const actor = createActor(machine, { input: BARCODE }).start();
    await advance(4_000);
    actor.send({ type: 'STOP' });
    await flush();
    expect(seen).toEqual([`pay ${BARCODE.outTradeNo} ${BARCODE.authCode}`, `query ${BARCODE.outTradeNo}`, `cancel ${BARCODE.outTradeNo}`]);
    expect(signals.map((s) => s.aborted)).toEqual([false, true]);
    expect(actor.getSnapshot().value).toBe('cancelled');
  });

  it('a replaced actor through provide() works like providePayment', async () => {
    const machine = paymentMachine.provide({
      actors: {
        pay: fromPromise<PayOutcome, PayRequest>(async () => paid()),
      },
    });
    const actor = createActor(machine, { input: BARCODE }).start();
    await flush();
    expect(actor.getSnapshot().output?.kind).toBe('paid');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: whatever the gateway answers, however slowly, and whenever the cashier presses STOP
// (or the host sends RESUME), the attempt ends in a final state within a bounded time and number
// of calls, ends paid only if a call said paid, and leaves no trade that may still be waiting
// without a cancel/close after it.

const LATENCY = 6_000;
const answerOf = <N extends CallName>(outcome: fc.Arbitrary<Answer<N>>): fc.Arbitrary<Answer<N>> =>
  fc.tuple(outcome, fc.integer({ min: 0, max: LATENCY })).map(([o, after]) => {
    if (typeof o === 'object' && 'reject' in o) return { reject: o.reject, after };
    return { outcome: o, after } as Answer<N>;
  });
const rejected = fc.constant({ reject: 'ECONNRESET' });
const w = <T>(arbitrary: fc.Arbitrary<T>, weight: number) => ({ arbitrary, weight });

const scriptArb: fc.Arbitrary<Script> = fc.record({
  pay: fc.array(
    answerOf<'pay'>(fc.oneof(w(fc.constant(paid()), 2), w(fc.constant(payWaiting), 4), w(fc.constant(refused('ACQ.X', 'refused', true)), 1), w(fc.constant(unknown()), 2), w(rejected, 1))),
    { minLength: 1, maxLength: 1 },
  ),
  precreate: fc.array(
    answerOf<'precreate'>(fc.oneof(w(fc.constant(created()), 6), w(fc.constant(refused('ACQ.X', 'refused')), 1), w(fc.constant(unknown()), 1), w(rejected, 1))),
    { minLength: 1, maxLength: 1 },
  ),
  query: fc.array(
    answerOf<'query'>(
      fc.oneof(w(fc.constant(waiting), 8), w(fc.constant(notFound), 3), w(fc.constant(paid()), 1), w(fc.constant(closed), 1), w(fc.constant(unknown()), 2), w(rejected, 1)),
    ),
    { maxLength: 24 },
  ),
  cancel: fc.array(
    answerOf<'cancel'>(
      fc.oneof(
        w(fc.constantFrom(cancelled('close'), cancelled('refund'), cancelled('none')), 3),
        w(fc.constant(retry()), 3),
        w(fc.constant(refused('ACQ.CANCEL_NOT_ALLOWED', 'not allowed')), 1),
        w(rejected, 1),
      ),
    ),
    { maxLength: 6 },
  ),
  close: fc.array(
    answerOf<'close'>(
      fc.oneof(w(fc.constantFrom(closed, notFound), 3), w(fc.constant(alreadyPaid), 2), w(fc.constant(refused('ACQ.X', 'refused')), 1), w(fc.constant(unknown()), 3), w(rejected, 1)),
    ),
    { maxLength: 8 },
  ),
});

/**
 * Answers after which the trade may exist and still be payable: a waiting trade, a QR code out
 * there, or an unclear pay/precreate. (A query that is unclear or finds nothing says nothing
 * new: the pay/precreate before it decides.)
 */
function leavesOpen(entry: PaymentCall): boolean {
  const k = entry.outcome.kind;
  if (entry.call === 'pay') return k === 'waiting' || k === 'unknown' || k === 'error';
  if (entry.call === 'precreate') return k === 'created' || k === 'unknown' || k === 'error';
  if (entry.call === 'query') return k === 'waiting';
  return false;
}
/** Entries after which the loop is closed (or handed over with its own closing call). */
const closesLoop = (entry: PaymentCall) =>
  entry.call === 'cancel' || entry.call === 'close' || entry.outcome.kind === 'paid' || (entry.call === 'query' && entry.outcome.kind === 'closed');

describe('payment machine: property', () => {
  it('any gateway answers, latencies and STOP/RESUME timings end in a final state that closes the loop', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('barcode' as const, 'qr' as const),
        fc.constantFrom('alipay' as const, 'wechat' as const),
        scriptArb,
        fc.option(fc.integer({ min: 0, max: 80_000 })),
        fc.option(fc.integer({ min: 0, max: 80_000 }), { freq: 4 }),
        async (mode, wallet, script, stopAt, resumeAt) => {
          const input: PaymentInput = { ...(mode === 'barcode' ? BARCODE : QR), wallet };
          const timing = paymentTiming(wallet, mode);
          const f = gatewayFakes(script);
          const actor = createActor(f.machine, { input }).start();
          const t0 = Date.now();
          // Sent only while running: a finished actor ignores events anyway (xstate warns about it).
          const send = (e: PaymentEvent) => actor.getSnapshot().status === 'active' && actor.send(e);
          if (stopAt !== null) setTimeout(() => send({ type: 'STOP' }), stopAt);
          if (resumeAt !== null) setTimeout(() => send({ type: 'RESUME' }), resumeAt);
          await vi.runAllTimersAsync();

          const s = actor.getSnapshot();
          expect(s.status).toBe('done');
          const result = s.output;
          if (!result) throw new Error('no output');
          expect(result).toEqual(s.context.result);
          const log = s.context.log;

          // Bounded: one pay/precreate, one unclear-answer query, the polls, then at most
          // (retries + 1) cancels, or (retries + 1) close + confirming-query pairs.
          const retries = mode === 'barcode' ? timing.cancelRetries : 2 * timing.closeRetries + 1;
          const maxCalls = 2 + maxPolls(timing) + retries + 1;
          expect(f.calls.length).toBeLessThanOrEqual(maxCalls);
          expect(log.length).toBeLessThanOrEqual(f.calls.length);
          const retryMs = mode === 'barcode' ? timing.cancelRetryMs : timing.closeRetryMs;
          expect(Date.now() - t0).toBeLessThanOrEqual(timing.deadlineMs + timing.queryDelayMs + maxCalls * (LATENCY + retryMs));

          // Paid only if a call said paid; money a call reported paid is kept, reversed or handed over.
          const saidPaid = log.some((l) => l.outcome.kind === 'paid');
          if (result.kind === 'paid') {
            expect(saidPaid).toBe(true);
            expect(result.unwanted).toBe(s.context.cashierStopped);
            if (mode === 'barcode') expect(result.unwanted).toBe(false);
          }
          if (saidPaid) expect(['paid', 'cancelled', 'cancelPending', 'manualReconcile']).toContain(result.kind);

          // No trade is left possibly waiting without a cancel/close (or a final answer) after it.
          const lastOpen = log.findLastIndex(leavesOpen);
          if (lastOpen >= 0) expect(log.slice(lastOpen + 1).some(closesLoop), JSON.stringify(log)).toBe(true);

          // The final state matches the last call.
          const last = log.at(-1);
          if (!last) throw new Error('no call was made');
          switch (result.kind) {
            case 'paid':
              expect(last.outcome.kind).toBe('paid');
              break;
            case 'cancelled':
              expect(last).toMatchObject({ call: 'cancel', outcome: { kind: 'cancelled' } });
              break;
            case 'cancelPending':
              expect(last.call).toBe('cancel');
              expect(log.filter((l) => l.call === 'cancel')).toHaveLength(timing.cancelRetries + 1);
              break;
            case 'closePending':
              expect(last.call).toBe('close');
              expect(log.filter((l) => l.call === 'close')).toHaveLength(timing.closeRetries + 1);
              break;
            case 'manualReconcile':
              expect(['cancel', 'close']).toContain(last.call);
              expect(last.outcome.kind).toBe('failed');
              break;
            case 'aborted':
              expect(['close', 'query']).toContain(last.call);
              expect(['closed', 'not-found']).toContain(last.outcome.kind);
              break;
            case 'expired':
              expect(last).toMatchObject({ call: 'query', outcome: { kind: 'closed' } });
              break;
            case 'failed':
              if (log.length === 1) expect(last.outcome.kind).toBe('failed');
              else expect(last).toMatchObject({ call: 'query', outcome: { kind: 'closed' } });
              break;
          }
          actor.stop();
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);
});
