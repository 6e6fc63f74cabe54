// The durable cancel/close queue on a real SQLite file, with fake timers and a scripted gateway:
// a pending cancel is retried on the 5 s / 30 s / 2 min / every 10 min schedule until the gateway
// settles it, becomes `manual` exactly when the 24 h window ends, never touches the attempt the
// running checkout owns, and carries on after a restart because the database is the queue.
import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelQueue } from '../../../src/core/cancel-queue.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { callsFor, getAttempt, recordAttempt, settleAttempt } from '../../../src/core/db/payment-attempts.ts';
import { PaymentService } from '../../../src/core/payment-service.ts';
import type { CancelOutcome, CloseOutcome, QueryOutcome, TradeRef, WalletId } from '../../../src/domain/payment.ts';
import type { PaymentProvider } from '../../../src/payments/provider.ts';
import { tempDbFile } from '../../support/sale-fixtures.ts';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

interface Call {
  readonly call: 'query' | 'cancel' | 'close';
  readonly outTradeNo: string;
  /** ms after T0 */
  readonly at: number;
}

interface Script {
  query?: (trade: TradeRef) => QueryOutcome;
  cancel?: (trade: TradeRef) => CancelOutcome;
  close?: (trade: TradeRef) => CloseOutcome;
}

/** A gateway that answers as the test says and notes every call with its (fake) time. */
function scripted(script: Script, wallet: WalletId = 'alipay'): PaymentProvider & { calls: Call[] } {
  const calls: Call[] = [];
  const note = (call: Call['call'], trade: TradeRef) => calls.push({ call, outTradeNo: trade.outTradeNo, at: Date.now() - T0 });
  const refuse = () => Promise.reject(new Error('not scripted'));
  return {
    wallet,
    calls,
    pay: refuse,
    refund: refuse,
    refundQuery: refuse,
    query: async (t) => (note('query', t), script.query?.(t) ?? { kind: 'waiting' }),
    cancel: async (t) => (note('cancel', t), script.cancel?.(t) ?? { kind: 'retry', reason: 'retry_flag=Y' }),
    close: async (t) => (note('close', t), script.close?.(t) ?? { kind: 'unknown', reason: 'no answer' }),
  };
}

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
let logs: Array<{ level: number; msg: string; outTradeNo?: string; state?: string }>;
let logger: Logger;
const running: Array<CancelQueue> = [];

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  tmp = tempDbFile('kassa-cancel-queue-');
  db = openDatabase(tmp.file);
  logs = [];
  logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as (typeof logs)[number]) });
});

afterEach(async () => {
  for (const q of running.splice(0)) await q.stop();
  vi.useRealTimers();
  db.close();
  tmp.cleanup();
});

function pendingAttempt(outTradeNo: string, options: { mode?: 'barcode' | 'qr'; wallet?: WalletId; createdAt?: number } = {}): void {
  const at = new Date(options.createdAt ?? Date.now()).toISOString();
  recordAttempt(db, { outTradeNo, saleId: `S-${outTradeNo}`, terminalId: 'T01', wallet: options.wallet ?? 'alipay', mode: options.mode ?? 'barcode', amount: 8888, currency: 'CNY', at });
  settleAttempt(db, outTradeNo, 'cancel-pending', { detail: 'cancel to retry: no answer', at });
}

function queueFor(provider: PaymentProvider, own: () => string | null = () => null, on: Db = db): { service: PaymentService; queue: CancelQueue } {
  const service = new PaymentService({ db: on, logger, providers: new Map([[provider.wallet, provider]]), terminalId: 'T01' });
  const queue = new CancelQueue({ service, db: on, logger });
  running.push(queue);
  queue.start(own);
  return { service, queue };
}

const cancelTimes = (p: { calls: Call[] }, outTradeNo = 'T01_A') => p.calls.filter((c) => c.call === 'cancel' && c.outTradeNo === outTradeNo).map((c) => c.at);

describe('the cancel queue', () => {
  it('retries a pending cancel after 5 s, 30 s and 2 min, then every 10 min, asking by query first', async () => {
    pendingAttempt('T01_A');
    const gateway = scripted({});
    queueFor(gateway);
    await vi.advanceTimersByTimeAsync(4 * S);
    expect(gateway.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(26 * MIN);
    expect(cancelTimes(gateway)).toEqual([5 * S, 35 * S, 155 * S, 755 * S, 1355 * S]);
    expect(gateway.calls.slice(0, 2).map((c) => c.call)).toEqual(['query', 'cancel']);
    expect(getAttempt(db, 'T01_A')).toMatchObject({ state: 'cancel-pending', detail: 'cancel to retry: retry_flag=Y' });
    // Every call is in the write-ahead log with its outcome.
    expect(callsFor(db, 'T01_A').filter((c) => c.call === 'cancel').every((c) => c.response?.includes('retry_flag=Y'))).toBe(true);
    expect(logs.some((l) => l.msg === 'cancel queue: still pending' && l.outTradeNo === 'T01_A')).toBe(true);
  });

  it('stops once the gateway settles it, and logs the outcome', async () => {
    pendingAttempt('T01_A');
    let answers = 0;
    const gateway = scripted({ cancel: () => (++answers < 3 ? { kind: 'retry', reason: 'SYSTEM_ERROR' } : { kind: 'cancelled', action: 'close' }) });
    const { queue } = queueFor(gateway);
    await vi.advanceTimersByTimeAsync(3 * MIN);
    expect(getAttempt(db, 'T01_A')).toMatchObject({ state: 'cancelled', detail: 'cancelled' });
    expect(cancelTimes(gateway)).toEqual([5 * S, 35 * S, 155 * S]);
    expect(queue.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(gateway.calls.filter((c) => c.call === 'cancel')).toHaveLength(3);
    expect(logs.find((l) => l.msg === 'cancel queue: the wallet trade is settled')).toMatchObject({ outTradeNo: 'T01_A', state: 'cancelled' });
  });

  it('settles without a cancel when the query finds the trade already closed', async () => {
    pendingAttempt('T01_A');
    const gateway = scripted({ query: () => ({ kind: 'closed' }) });
    queueFor(gateway);
    await vi.advanceTimersByTimeAsync(5 * S);
    expect(getAttempt(db, 'T01_A')?.state).toBe('cancelled');
    expect(gateway.calls.map((c) => c.call)).toEqual(['query']);
  });

  it('reverses a trade found paid with no sale, and closes an unpaid QR code', async () => {
    pendingAttempt('T01_A');
    pendingAttempt('T01_Q', { mode: 'qr' });
    const gateway = scripted({
      query: (t) => (t.outTradeNo === 'T01_A' ? { kind: 'paid', tradeNo: '2025030122001', amount: 8888, buyer: null, paidAt: null } : { kind: 'not-found' }),
      cancel: () => ({ kind: 'cancelled', action: 'refund' }),
      close: () => ({ kind: 'closed' }),
    });
    queueFor(gateway);
    await vi.advanceTimersByTimeAsync(5 * S);
    expect(getAttempt(db, 'T01_A')).toMatchObject({ state: 'cancelled', detail: 'it had been paid with no sale: the money went back' });
    expect(getAttempt(db, 'T01_Q')).toMatchObject({ state: 'expired', detail: 'the unpaid QR code was closed' });
    expect(gateway.calls.map((c) => `${c.call} ${c.outTradeNo}`).sort()).toEqual(['cancel T01_A', 'close T01_Q', 'query T01_A', 'query T01_Q']);
  });

  it('lists the trade as manual exactly when the 24 h window ends, and then leaves it alone', async () => {
    pendingAttempt('T01_A', { createdAt: T0 - 30 * S });
    const gateway = scripted({ query: () => ({ kind: 'unknown', reason: 'connection reset' }) });
    queueFor(gateway);
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    const a = getAttempt(db, 'T01_A');
    expect(a?.state).toBe('manual');
    expect(a?.detail).toBe('the gateway could not say: connection reset; the cancel window has passed: reconcile with the bill');
    expect(Date.parse(a?.updatedAt ?? '')).toBe(T0 - 30 * S + 24 * HOUR);
    const queries = gateway.calls.length;
    // 3 backoff tries, then one every 10 min, then one at the window's end: bounded, not a storm.
    expect(queries).toBeGreaterThan(140);
    expect(queries).toBeLessThan(150);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(gateway.calls.length).toBe(queries);
    expect(logs.find((l) => l.msg.startsWith('cancel queue: gave up'))).toMatchObject({ outTradeNo: 'T01_A', state: 'manual', level: 50 });
  });

  it('never touches the attempt the running checkout owns', async () => {
    pendingAttempt('T01_A');
    pendingAttempt('T01_B');
    let owned: string | null = 'T01_A';
    const gateway = scripted({ cancel: () => ({ kind: 'cancelled', action: 'close' }) });
    queueFor(gateway, () => owned);
    await vi.advanceTimersByTimeAsync(10 * MIN);
    expect(getAttempt(db, 'T01_B')?.state).toBe('cancelled');
    expect(getAttempt(db, 'T01_A')?.state).toBe('cancel-pending');
    expect(gateway.calls.filter((c) => c.outTradeNo === 'T01_A')).toEqual([]);
    // Handed over by the checkout: now it is the queue's.
    owned = null;
    await vi.advanceTimersByTimeAsync(10 * MIN);
    expect(getAttempt(db, 'T01_A')?.state).toBe('cancelled');
  });

  it('hears of a cancel the payment machine hands over, and tries it 5 s later', async () => {
    recordAttempt(db, { outTradeNo: 'T01_M', saleId: 'S1', terminalId: 'T01', wallet: 'alipay', mode: 'barcode', amount: 500, currency: 'CNY', at: new Date().toISOString() });
    const gateway = scripted({ cancel: () => ({ kind: 'cancelled', action: 'close' }) });
    const { service, queue } = queueFor(gateway);
    await vi.advanceTimersByTimeAsync(MIN);
    expect(gateway.calls).toEqual([]);
    service.settle({ kind: 'cancelPending', outTradeNo: 'T01_M', wallet: 'alipay', message: 'the cancel is retried: no answer' });
    expect(queue.pending().map((p) => p.outTradeNo)).toEqual(['T01_M']);
    await vi.advanceTimersByTimeAsync(5 * S);
    expect(gateway.calls.map((c) => c.at)).toEqual([65 * S, 65 * S]);
    expect(getAttempt(db, 'T01_M')?.state).toBe('cancelled');
  });

  it('carries on after a restart: the pending cancel is read back from the database, the window still counts from the start', async () => {
    pendingAttempt('T01_A');
    const first = queueFor(scripted({}));
    await vi.advanceTimersByTimeAsync(40 * S);
    await first.queue.stop();
    db.close();
    // The process ends; hours later another one opens the same file.
    await vi.advanceTimersByTimeAsync(23 * HOUR);
    db = openDatabase(tmp.file);
    expect(getAttempt(db, 'T01_A')?.state).toBe('cancel-pending');
    const gateway = scripted({});
    const second = queueFor(gateway, () => null, db);
    expect(second.queue.pending()).toEqual([
      { outTradeNo: 'T01_A', tries: 0, dueAt: new Date(Date.now() + 5 * S), windowEndsAt: new Date(T0 + 24 * HOUR) },
    ]);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(getAttempt(db, 'T01_A')?.state).toBe('manual');
    expect(Date.parse(getAttempt(db, 'T01_A')?.updatedAt ?? '')).toBe(T0 + 24 * HOUR);
    expect(cancelTimes(gateway)[0]).toBe(23 * HOUR + 40 * S + 5 * S);
  });

  it('keeps an attempt whose wallet is no longer configured, logging why, until the window ends', async () => {
    pendingAttempt('T01_W', { wallet: 'wechat' });
    queueFor(scripted({}, 'alipay'));
    await vi.advanceTimersByTimeAsync(MIN);
    expect(getAttempt(db, 'T01_W')?.state).toBe('cancel-pending');
    expect(logs.find((l) => l.msg === 'cancel queue: the try failed; it is retried')).toMatchObject({ outTradeNo: 'T01_W' });
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(getAttempt(db, 'T01_W')).toMatchObject({ state: 'manual', detail: expect.stringMatching(/^WeChat Pay is no longer set up on this terminal/) });
  });

  it('a try that throws keeps the schedule (no tight loop), and the window still ends it', async () => {
    pendingAttempt('T01_A');
    const gateway = scripted({
      query: () => {
        throw new TypeError('outTradeNo is malformed');
      },
    });
    queueFor(gateway);
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(getAttempt(db, 'T01_A')).toMatchObject({ state: 'manual', detail: expect.stringMatching(/could not be resolved \(outTradeNo is malformed\)/) });
    expect(gateway.calls.length).toBeLessThan(150);
  });

  it('stop() ends the schedule', async () => {
    pendingAttempt('T01_A');
    const gateway = scripted({});
    const { queue } = queueFor(gateway);
    await vi.advanceTimersByTimeAsync(5 * S);
    await queue.stop();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(gateway.calls.filter((c) => c.call === 'cancel')).toHaveLength(1);
  });
});
