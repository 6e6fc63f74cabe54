import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import {
  deviceMachine,
  deviceSummary,
  provideDevice,
  reconnectDelayMs,
} from '../../../state-machines/device.machine.ts';
import type { DeviceInput, DeviceSummary, OpenDeviceInput, OpenDeviceOutput } from '../../../state-machines/device.machine.ts';

const BACKOFF = { initialMs: 250, maxMs: 2_000, factor: 2 };
const INPUT: DeviceInput = { deviceId: 'printer-1', kind: 'printer', backoff: BACKOFF };
const AT = '2025-05-01T10:00:00.000Z';
const OPENED_AT = '2025-05-01T10:00:01.000Z';

/** openDevice fake: answers with the queued outcomes in order ('ok' resolves, a string rejects), then 'ok'. */
function fakeOpen(outcomes: string[] = []) {
  const calls: OpenDeviceInput[] = [];
  const aborted: boolean[] = [];
  const machine = deviceMachine.provide({
    actors: {
      openDevice: fromPromise<OpenDeviceOutput, OpenDeviceInput>(async ({ input, signal }) => {
        const i = calls.length;
        calls.push(input);
        aborted.push(false);
        signal.addEventListener('abort', () => (aborted[i] = true));
        const outcome = outcomes.shift() ?? 'ok';
        if (outcome === 'hold') return new Promise<OpenDeviceOutput>(() => undefined);
        if (outcome !== 'ok') throw new Error(outcome);
        return { at: OPENED_AT };
      }),
    },
  });
  return { machine, calls, aborted };
}

function start(outcomes: string[] = []) {
  const f = fakeOpen(outcomes);
  const actor = createActor(f.machine, { input: INPUT });
  const summaries: DeviceSummary[] = [];
  actor.on('device.summary', (e) => summaries.push(e.summary));
  actor.start();
  return { actor, summaries, ...f };
}

const state = (a: { getSnapshot(): { value: unknown } }) => a.getSnapshot().value;
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('reconnectDelayMs', () => {
  it('grows by the factor from initialMs and is capped at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => reconnectDelayMs(n, BACKOFF))).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
  });
  it('treats attempt 0 and below like the first retry and never returns a negative or infinite delay', () => {
    expect(reconnectDelayMs(0, BACKOFF)).toBe(250);
    expect(reconnectDelayMs(-3, BACKOFF)).toBe(250);
    expect(reconnectDelayMs(10_000, { initialMs: 250, maxMs: 10_000, factor: 2 })).toBe(10_000);
  });
  it('accepts the drivers backoff options shape (extra jitter field ignored)', () => {
    const withJitter = { initialMs: 100, maxMs: 1_000, factor: 3, jitter: 0.2 };
    expect(reconnectDelayMs(3, withJitter)).toBe(900);
  });
});

describe('device machine: lifecycle', () => {
  it('starts disconnected with an empty context', () => {
    const { actor } = start();
    expect(state(actor)).toBe('disconnected');
    expect(actor.getSnapshot().context).toMatchObject({ deviceId: 'printer-1', kind: 'printer', attempt: 0, lastError: null, lastStatus: null, warnings: 0, since: null });
    expect(deviceSummary(actor.getSnapshot())).toEqual({ deviceId: 'printer-1', kind: 'printer', state: 'disconnected', detail: '' });
  });

  it('CONNECT opens the device and lands in ready, stamped with the open time', async () => {
    const { actor, calls } = start();
    actor.send({ type: 'CONNECT', at: AT });
    expect(state(actor)).toBe('connecting');
    expect(actor.getSnapshot().context.since).toBe(AT);
    await flush();
    expect(state(actor)).toBe('ready');
    expect(calls).toEqual([{ deviceId: 'printer-1', kind: 'printer', attempt: 0 }]);
    expect(actor.getSnapshot().context.since).toBe(OPENED_AT);
  });

  it('ready ⇄ degraded ⇄ fault follow the status severity', async () => {
    const { actor } = start();
    actor.send({ type: 'CONNECT' });
    await flush();
    actor.send({ type: 'STATUS', severity: 'degraded', detail: 'paper near end', at: 'T1' });
    expect(state(actor)).toBe('degraded');
    expect(deviceSummary(actor.getSnapshot())).toEqual({ deviceId: 'printer-1', kind: 'printer', state: 'degraded', detail: 'paper near end' });
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'paper out', at: 'T2' });
    expect(state(actor)).toBe('fault');
    expect(actor.getSnapshot().context.since).toBe('T2');
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'cover open', at: 'T3' });
    expect(state(actor)).toBe('fault');
    expect(actor.getSnapshot().context.lastStatus).toEqual({ severity: 'fault', detail: 'cover open', at: 'T3' });
    expect(actor.getSnapshot().context.since).toBe('T2'); // same severity: still in fault since T2
    actor.send({ type: 'STATUS', severity: 'degraded', detail: 'paper near end', at: 'T4' });
    expect(state(actor)).toBe('degraded');
    actor.send({ type: 'STATUS', severity: 'ready', detail: 'ok', at: 'T5' });
    expect(state(actor)).toBe('ready');
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'offline', at: 'T6' });
    actor.send({ type: 'STATUS', severity: 'ready', detail: 'ok', at: 'T7' });
    expect(state(actor)).toBe('ready');
    expect(actor.getSnapshot().context.since).toBe('T7');
  });

  it('a status seen while connecting decides where the open lands', async () => {
    const { actor } = start(['hold']);
    actor.send({ type: 'CONNECT' });
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'cover open', at: 'T1' });
    expect(state(actor)).toBe('connecting');
    actor.send({ type: 'TRANSPORT.OPENED', at: 'T2' });
    expect(state(actor)).toBe('fault');
    expect(deviceSummary(actor.getSnapshot()).detail).toBe('cover open');
    expect(actor.getSnapshot().context.since).toBe('T2');
  });

  it('a degraded status while connecting lands the open in degraded', async () => {
    const { actor } = start();
    actor.send({ type: 'CONNECT' });
    actor.send({ type: 'STATUS', severity: 'degraded', detail: 'paper near end', at: 'T1' });
    await flush();
    expect(state(actor)).toBe('degraded');
  });

  it('STATUS while disconnected or reconnecting is ignored', async () => {
    const { actor } = start(['refused']);
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'paper out', at: 'T1' });
    expect(state(actor)).toBe('disconnected');
    expect(actor.getSnapshot().context.lastStatus).toBeNull();
    actor.send({ type: 'CONNECT' });
    await flush();
    expect(state(actor)).toBe('reconnecting');
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'paper out', at: 'T2' });
    expect(state(actor)).toBe('reconnecting');
    expect(actor.getSnapshot().context.lastStatus).toBeNull();
  });

  it('emits a summary on every state entry', async () => {
    const { actor, summaries } = start();
    actor.send({ type: 'CONNECT' });
    await flush();
    actor.send({ type: 'STATUS', severity: 'degraded', detail: 'paper near end', at: 'T1' });
    actor.send({ type: 'TRANSPORT.LOST', error: 'EIO' });
    actor.send({ type: 'STOP' });
    expect(summaries.map((s) => `${s.state}:${s.detail}`)).toEqual([
      'disconnected:',
      'connecting:',
      'ready:',
      'degraded:paper near end',
      'reconnecting:EIO',
      'disconnected:',
    ]);
    expect(summaries.every((s) => s.deviceId === 'printer-1' && s.kind === 'printer')).toBe(true);
  });

  it('provideDevice plugs in host effects and passes an abort signal', async () => {
    const seen: OpenDeviceInput[] = [];
    const m = provideDevice({
      openDevice: async (input, signal) => {
        seen.push(input);
        expect(signal).toBeInstanceOf(AbortSignal);
        return { at: OPENED_AT };
      },
    });
    const actor = createActor(m, { input: { ...INPUT, kind: 'scale', deviceId: 'scale-1' } }).start();
    actor.send({ type: 'CONNECT' });
    await flush();
    expect(state(actor)).toBe('ready');
    expect(seen).toEqual([{ deviceId: 'scale-1', kind: 'scale', attempt: 0 }]);
  });

  it('the default openDevice rejects loudly', async () => {
    const actor = createActor(deviceMachine, { input: INPUT }).start();
    actor.send({ type: 'CONNECT' });
    await flush();
    expect(state(actor)).toBe('reconnecting');
    expect(actor.getSnapshot().context.lastError).toMatch(/did not provide the "openDevice" actor/);
    actor.stop();
  });
});

describe('device machine: transport loss and backoff', () => {
  it.each(['ready', 'degraded', 'fault'] as const)('TRANSPORT.LOST from %s goes to reconnecting and clears the stale status', async (severity) => {
    const { actor } = start();
    actor.send({ type: 'CONNECT' });
    await flush();
    actor.send({ type: 'STATUS', severity, detail: severity, at: 'T1' });
    expect(state(actor)).toBe(severity);
    actor.send({ type: 'TRANSPORT.LOST', error: 'USB unplugged', at: 'T2' });
    expect(state(actor)).toBe('reconnecting');
    expect(actor.getSnapshot().context).toMatchObject({ attempt: 1, lastError: 'USB unplugged', lastStatus: null, since: 'T2' });
    expect(deviceSummary(actor.getSnapshot())).toEqual({ deviceId: 'printer-1', kind: 'printer', state: 'reconnecting', detail: 'USB unplugged' });
  });

  it('TRANSPORT.LOST while connecting goes to reconnecting and aborts the open', async () => {
    const { actor, aborted } = start(['hold']);
    actor.send({ type: 'CONNECT' });
    await flush();
    actor.send({ type: 'TRANSPORT.LOST', error: 'ENOENT' });
    expect(state(actor)).toBe('reconnecting');
    expect(aborted).toEqual([true]);
  });

  it('waits the backoff delay, then connects again; attempts grow and the delay is capped', async () => {
    const { actor, calls } = start(['EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY']);
    actor.send({ type: 'CONNECT' });
    await flush();
    // delays for attempts 1..6 with 250·2^(n−1) capped at 2000
    const expected = [250, 500, 1000, 2000, 2000, 2000];
    for (const [i, delay] of expected.entries()) {
      expect(state(actor)).toBe('reconnecting');
      expect(actor.getSnapshot().context.attempt).toBe(i + 1);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(state(actor), `attempt ${i + 1} waits ${delay} ms`).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(1);
    }
    // the 7th open succeeds
    expect(state(actor)).toBe('ready');
    expect(actor.getSnapshot().context).toMatchObject({ attempt: 0, lastError: null });
    expect(calls.map((c) => c.attempt)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a successful open resets the attempt count, so the next loss starts from the initial delay', async () => {
    const { actor } = start(['EBUSY', 'EBUSY']);
    actor.send({ type: 'CONNECT' });
    await flush();
    await vi.advanceTimersByTimeAsync(250);
    await vi.advanceTimersByTimeAsync(500);
    expect(state(actor)).toBe('ready');
    actor.send({ type: 'TRANSPORT.LOST', error: 'EIO' });
    expect(actor.getSnapshot().context.attempt).toBe(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(state(actor)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(state(actor)).toBe('ready');
  });

  it('CONNECT or TRANSPORT.OPENED in reconnecting retries at once (e.g. after a snapshot restore)', async () => {
    const { actor, calls } = start(['EBUSY']);
    actor.send({ type: 'CONNECT' });
    await flush();
    expect(state(actor)).toBe('reconnecting');
    actor.send({ type: 'CONNECT', at: 'T9' });
    expect(state(actor)).toBe('connecting');
    await flush();
    expect(state(actor)).toBe('ready');
    expect(calls).toHaveLength(2);

    actor.send({ type: 'TRANSPORT.LOST', error: 'EIO' });
    actor.send({ type: 'TRANSPORT.OPENED' });
    expect(state(actor)).toBe('connecting');
    await flush();
    expect(state(actor)).toBe('ready');
  });

  it('STOP during reconnect goes to disconnected and cancels the pending retry', async () => {
    const { actor, calls } = start(['EBUSY']);
    actor.send({ type: 'CONNECT' });
    await flush();
    expect(state(actor)).toBe('reconnecting');
    actor.send({ type: 'STOP', at: 'T5' });
    expect(state(actor)).toBe('disconnected');
    expect(actor.getSnapshot().context).toMatchObject({ attempt: 0, since: 'T5' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state(actor)).toBe('disconnected');
    expect(calls).toHaveLength(1);
  });

  it.each(['connecting', 'ready', 'degraded', 'fault'] as const)('STOP from %s goes to disconnected', async (where) => {
    const { actor, aborted } = start(where === 'connecting' ? ['hold'] : []);
    actor.send({ type: 'CONNECT' });
    await flush();
    if (where === 'degraded' || where === 'fault') actor.send({ type: 'STATUS', severity: where, detail: where, at: 'T1' });
    expect(state(actor)).toBe(where);
    actor.send({ type: 'STOP' });
    expect(state(actor)).toBe('disconnected');
    if (where === 'connecting') expect(aborted).toEqual([true]);
    actor.send({ type: 'CONNECT' });
    await flush();
    expect(state(actor)).toBe('ready');
  });

  it('CONNECT after STOP starts afresh (attempt 0, no old error or status)', async () => {
    const { actor, calls } = start(['EBUSY', 'EBUSY']);
    actor.send({ type: 'CONNECT' });
    await flush();
    await vi.advanceTimersByTimeAsync(250);
    expect(actor.getSnapshot().context.attempt).toBe(2);
    actor.send({ type: 'STOP' });
    actor.send({ type: 'CONNECT' });
    expect(actor.getSnapshot().context).toMatchObject({ attempt: 0, lastError: null, lastStatus: null });
    await flush();
    expect(state(actor)).toBe('ready');
    expect(calls.map((c) => c.attempt)).toEqual([0, 1, 0]);
  });

  it('a host can swap in a jittered delay through provide({ delays })', async () => {
    const f = fakeOpen(['EBUSY']);
    const m = f.machine.provide({ delays: { reconnectDelay: ({ context }) => 7 * context.attempt } });
    const actor = createActor(m, { input: INPUT }).start();
    actor.send({ type: 'CONNECT' });
    await flush();
    await vi.advanceTimersByTimeAsync(6);
    expect(state(actor)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(state(actor)).toBe('ready');
  });
});

describe('device machine: warnings', () => {
  it('WARNING is counted in every state and never changes state', async () => {
    const { actor, summaries } = start(['EBUSY']);
    const warn = (reason: string) => actor.send({ type: 'WARNING', reason });
    warn('garbled byte 0xff');
    expect(state(actor)).toBe('disconnected');
    actor.send({ type: 'CONNECT' });
    await flush();
    warn('slow link');
    expect(state(actor)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(250);
    expect(state(actor)).toBe('ready');
    warn('unexpected status byte');
    actor.send({ type: 'STATUS', severity: 'fault', detail: 'paper out', at: 'T1' });
    warn('truncated asb');
    expect(state(actor)).toBe('fault');
    expect(actor.getSnapshot().context).toMatchObject({ warnings: 4, lastWarning: 'truncated asb' });
    const before = summaries.length;
    warn('again');
    expect(summaries).toHaveLength(before);
  });

  it('warnings survive STOP and reconnects', async () => {
    const { actor } = start();
    actor.send({ type: 'WARNING', reason: 'x' });
    actor.send({ type: 'CONNECT' });
    await flush();
    actor.send({ type: 'TRANSPORT.LOST', error: 'EIO' });
    actor.send({ type: 'STOP' });
    expect(actor.getSnapshot().context.warnings).toBe(1);
  });
});

describe('device machine: persistence', () => {
  it('a persisted snapshot restores with its context and summary', async () => {
    const { actor, machine } = start();
    actor.send({ type: 'CONNECT' });
    await flush();
    actor.send({ type: 'STATUS', severity: 'degraded', detail: 'paper near end', at: 'T1' });
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    const restored = createActor(machine, { input: INPUT, snapshot: JSON.parse(JSON.stringify(persisted)) }).start();
    expect(state(restored)).toBe('degraded');
    expect(deviceSummary(restored.getSnapshot())).toEqual({ deviceId: 'printer-1', kind: 'printer', state: 'degraded', detail: 'paper near end' });
    restored.stop();
  });
});
