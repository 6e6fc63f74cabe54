import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../../drivers/transports/backoff.ts';
import type { ByteTransport } from '../../../../drivers/transports/byte-transport.ts';
import { TransportError } from '../../../../drivers/transports/byte-transport.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import type { MemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import { ReconnectingTransport } from '../../../../drivers/transports/reconnecting-transport.ts';
import type { ReconnectStatus, ReconnectTimers } from '../../../../drivers/transports/reconnecting-transport.ts';

const noJitter = (): number => 0.5; // 2·0.5 − 1 = 0: delays are exactly the exponential base

describe('backoffDelay', () => {
  it('doubles from 250 ms and stops at 10 s', () => {
    const delays = Array.from({ length: 9 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, noJitter));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('spreads by ±20 % and never exceeds maxMs', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(200);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999_999)).toBe(300);
    expect(backoffDelay(8, DEFAULT_BACKOFF, () => 0)).toBe(8000);
    expect(backoffDelay(8, DEFAULT_BACKOFF, () => 0.999_999)).toBe(10_000);
  });

  it('stays within [base·(1−jitter), min(max, base·(1+jitter))] for any retry and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, r) => {
        const base = Math.min(10_000, 250 * 2 ** (retry - 1));
        const d = backoffDelay(retry, DEFAULT_BACKOFF, () => r);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.min(10_000, Math.ceil(base * 1.2)));
      }),
    );
  });
});

describe('ReconnectingTransport (memory pair, fake timers)', () => {
  let pair: MemoryPair;
  let statuses: ReconnectStatus[];
  let made: number;
  let rt: ReconnectingTransport;

  function make(options: ConstructorParameters<typeof ReconnectingTransport>[1] = { random: noJitter }): ReconnectingTransport {
    made = 0;
    statuses = [];
    // Memory transports can be reopened, so the factory hands back the same side each time.
    const t = new ReconnectingTransport(() => {
      made++;
      return pair.a;
    }, options);
    t.onStatus((s) => statuses.push(s));
    return t;
  }

  const states = (): string[] => statuses.map((s) => (s.state === 'reconnecting' ? `reconnecting#${s.attempt}@${s.nextDelayMs}` : s.state === 'connected' ? `connected#${s.attempt}` : s.state));

  beforeEach(() => {
    vi.useFakeTimers();
    pair = createMemoryPair();
  });

  afterEach(async () => {
    await rt?.stop();
    vi.useRealTimers();
  });

  it('connects, forwards data both ways and closes with onClose(null)', async () => {
    rt = make();
    expect(rt.id).toBe('memory:a');
    await rt.open();
    await pair.b.open();
    expect(rt.isOpen).toBe(true);
    expect(states()).toEqual(['connected#1']);
    const got: number[] = [];
    rt.onData((b) => got.push(...b));
    const atB: number[] = [];
    pair.b.onData((b) => atB.push(...b));
    await rt.write(Uint8Array.of(1, 2));
    await pair.b.write(Uint8Array.of(3));
    await vi.advanceTimersByTimeAsync(0);
    expect(atB).toEqual([1, 2]);
    expect(got).toEqual([3]);
    const reasons: Array<Error | null> = [];
    rt.onClose((r) => reasons.push(r));
    await rt.close();
    expect(reasons).toEqual([null]);
    expect(pair.a.isOpen).toBe(false);
  });

  it('after an unplug: reports disconnected, retries with growing delays, reconnects after replug', async () => {
    rt = make();
    await rt.open();
    pair.unplug();
    expect(rt.isOpen).toBe(false);
    const lost = statuses[1];
    expect(lost?.state).toBe('disconnected');
    expect(lost?.state === 'disconnected' && lost.error?.message).toBe('memory:a: unplugged');
    expect(states()).toEqual(['connected#1', 'disconnected', 'reconnecting#1@250']);

    await vi.advanceTimersByTimeAsync(249);
    expect(states()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1); // attempt 1 fails: still unplugged
    await vi.advanceTimersByTimeAsync(500); // attempt 2 fails
    await vi.advanceTimersByTimeAsync(1000); // attempt 3 fails
    expect(states().slice(3)).toEqual(['reconnecting#2@500', 'reconnecting#3@1000', 'reconnecting#4@2000']);
    const last = statuses.at(-1);
    expect(last?.state === 'reconnecting' && last.error).toMatchObject({ code: 'not-found' });

    pair.replug();
    await vi.advanceTimersByTimeAsync(1999);
    expect(rt.isOpen).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(rt.isOpen).toBe(true);
    expect(states().at(-1)).toBe('connected#4');
    expect(made).toBeGreaterThanOrEqual(4);

    await pair.b.open();
    const atB: number[] = [];
    pair.b.onData((b) => atB.push(...b));
    await rt.write(Uint8Array.of(9));
    await vi.advanceTimersByTimeAsync(0);
    expect(atB).toEqual([9]);
  });

  it('rejects writes at once while disconnected: nothing is queued', async () => {
    rt = make();
    await rt.open();
    await pair.b.open();
    const atB: number[] = [];
    pair.b.onData((b) => atB.push(...b));
    pair.unplug();
    const failed = rt.write(Uint8Array.of(1));
    await expect(failed).rejects.toBeInstanceOf(TransportError);
    await expect(failed).rejects.toMatchObject({ code: 'closed', message: 'memory:a: disconnected, reconnecting' });
    pair.replug();
    await pair.b.open();
    await vi.advanceTimersByTimeAsync(250);
    expect(rt.isOpen).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    expect(atB).toEqual([]);
  });

  it('caps the delay at maxMs however long the device stays away', async () => {
    rt = make();
    await rt.open();
    pair.unplug();
    await vi.advanceTimersByTimeAsync(120_000);
    const delays = statuses.flatMap((s) => (s.state === 'reconnecting' ? [s.nextDelayMs] : []));
    expect(delays.slice(0, 8)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(Math.max(...delays)).toBe(10_000);
    expect(delays.length).toBeLessThan(25);
  });

  it('open() keeps trying when the device is absent at start and resolves once it appears', async () => {
    pair.unplug();
    rt = make();
    let opened = false;
    const opening = rt.open().then(() => {
      opened = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(states()).toEqual(['reconnecting#2@250']);
    await vi.advanceTimersByTimeAsync(250);
    expect(opened).toBe(false);
    pair.replug();
    await vi.advanceTimersByTimeAsync(500);
    await opening;
    expect(opened).toBe(true);
    expect(states().at(-1)).toBe('connected#3');
    await expect(rt.open()).resolves.toBeUndefined();
  });

  it('stop() ends the retries: a pending open rejects, no timer is left, the factory is not called again', async () => {
    pair.unplug();
    rt = make();
    const opening = rt.open();
    const rejected = expect(opening).rejects.toMatchObject({ code: 'closed', message: 'memory:a: stopped' });
    await vi.advanceTimersByTimeAsync(300);
    const calls = made;
    await rt.stop();
    await rejected;
    expect(vi.getTimerCount()).toBe(0);
    pair.replug();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made).toBe(calls);
    expect(rt.isOpen).toBe(false);
    expect(states().at(-1)).toBe('disconnected');
  });

  it('stop() after a loss ends the background retries too, and open() starts again afterwards', async () => {
    rt = make();
    await rt.open();
    pair.unplug();
    await rt.stop();
    expect(vi.getTimerCount()).toBe(0);
    pair.replug();
    await rt.open();
    expect(rt.isOpen).toBe(true);
  });

  it('an aborted open stops the retries', async () => {
    pair.unplug();
    rt = make();
    const controller = new AbortController();
    const opening = rt.open(controller.signal);
    const rejected = expect(opening).rejects.toMatchObject({ code: 'closed', message: 'memory:a: open aborted' });
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await rejected;
    expect(vi.getTimerCount()).toBe(0);
    await expect(rt.open(AbortSignal.abort())).rejects.toMatchObject({ code: 'closed' });
  });

  it('uses injected timers and randomness', async () => {
    const scheduled: Array<{ ms: number; run: () => void }> = [];
    const timers: ReconnectTimers = {
      setTimeout: (run, ms) => scheduled.push({ ms, run }),
      clearTimeout: () => undefined,
    };
    rt = make({ timers, random: () => 0, backoff: { initialMs: 1000, factor: 3, maxMs: 5000 } });
    await rt.open();
    pair.unplug();
    expect(scheduled.map((s) => s.ms)).toEqual([800]);
    scheduled[0]?.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduled.map((s) => s.ms)).toEqual([800, 2400]);
    pair.replug();
    scheduled[1]?.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(rt.isOpen).toBe(true);
  });

  it('treats a transport closing itself cleanly as a loss, and uses a fresh transport from the factory', async () => {
    const pairs: MemoryPair[] = [];
    statuses = [];
    rt = new ReconnectingTransport(
      (): ByteTransport => {
        const p = createMemoryPair({ name: String(pairs.length) });
        pairs.push(p);
        return p.a;
      },
      { random: noJitter },
    );
    rt.onStatus((s) => statuses.push(s));
    expect(rt.id).toBe('memory:0:a');
    await rt.open();
    await pairs[0]?.a.close();
    expect(statuses.at(-2)).toMatchObject({ state: 'disconnected', error: { code: 'closed' } });
    await vi.advanceTimersByTimeAsync(250);
    expect(rt.isOpen).toBe(true);
    expect(pairs).toHaveLength(2);
    expect(pairs[1]?.a.isOpen).toBe(true);
  });
});
