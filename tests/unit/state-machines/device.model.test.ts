// Model-based test: xstate/graph walks the real device machine (with the `xstate.done/error.actor.
// openDevice` answers and the `xstate.after.reconnectDelay…` timer event among the events, and
// `filterEvents` keeping only events the state accepts), then every shortest path is replayed on
// a real actor whose openDevice calls are held and answered as the path says, and whose backoff
// timer is driven by vitest fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { DEVICE_STATES, deviceMachine, deviceSummary, reconnectDelayMs } from '../../../state-machines/device.machine.ts';
import type { DeviceContext, DeviceEvent, DeviceInput, OpenDeviceInput, OpenDeviceOutput } from '../../../state-machines/device.machine.ts';

const INPUT: DeviceInput = { deviceId: 'printer-1', kind: 'printer', backoff: { initialMs: 100, maxMs: 400, factor: 2 } };
const AFTER = 'xstate.after.reconnectDelay.device.reconnecting';

type AnyEvent =
  | DeviceEvent
  | { type: `xstate.${'done' | 'error'}.actor.openDevice`; output?: unknown; error?: unknown }
  | { type: typeof AFTER }
  | { type: 'xstate.init' };

const ALL_EVENTS: AnyEvent[] = [
  { type: 'CONNECT', at: 'T0' },
  { type: 'xstate.done.actor.openDevice', output: { at: 'T1' } },
  { type: 'xstate.error.actor.openDevice', error: 'EBUSY' },
  { type: 'STATUS', severity: 'ready', detail: 'ok', at: 'T2' },
  { type: 'STATUS', severity: 'degraded', detail: 'paper near end', at: 'T3' },
  { type: 'STATUS', severity: 'fault', detail: 'paper out', at: 'T4' },
  { type: 'TRANSPORT.LOST', error: 'EIO', at: 'T5' },
  { type: AFTER },
  { type: 'TRANSPORT.OPENED', at: 'T6' },
  { type: 'WARNING', reason: 'garbled' },
  { type: 'STOP', at: 'T7' },
];

type Snap = { value: unknown; context: DeviceContext };

/** The state plus the context facts that change what happens next; attempt and warnings bounded. */
function key(s: Snap): string {
  const c = s.context;
  return JSON.stringify({
    value: s.value,
    attempt: Math.min(c.attempt, 3),
    status: c.lastStatus?.severity ?? null,
    error: c.lastError !== null,
    warnings: Math.min(c.warnings, 1),
  });
}

type Path = { steps: { event: AnyEvent; state: Snap }[]; state: Snap };

function heldOpen() {
  const held: { resolve: (v: OpenDeviceOutput) => void; reject: (e: unknown) => void }[] = [];
  const machine = deviceMachine.provide({
    actors: {
      openDevice: fromPromise<OpenDeviceOutput, OpenDeviceInput>(
        () =>
          new Promise<OpenDeviceOutput>((resolve, reject) => {
            held.push({ resolve, reject });
          }),
      ),
    },
  });
  return { machine, held };
}

async function replay(path: Path): Promise<void> {
  const { machine, held } = heldOpen();
  const actor = createActor(machine, { input: INPUT }).start();
  for (const [i, step] of path.steps.entries()) {
    const e = step.event;
    const where = `step ${i} (${e.type}) of ${path.steps.map((s) => s.event.type).join(' → ')}`;
    if (e.type === 'xstate.init') {
      // the initial state
    } else if (e.type === 'xstate.done.actor.openDevice' || e.type === 'xstate.error.actor.openDevice') {
      const open = held.at(-1);
      expect(open, where).toBeDefined();
      if (e.type === 'xstate.done.actor.openDevice') open?.resolve(e.output as OpenDeviceOutput);
      else open?.reject(new Error(String(e.error)));
      await vi.advanceTimersByTimeAsync(0);
    } else if (e.type === AFTER) {
      const delay = reconnectDelayMs(actor.getSnapshot().context.attempt, INPUT.backoff);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(actor.getSnapshot().value, `${where}: not before ${delay} ms`).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(1);
    } else {
      actor.send(e as DeviceEvent);
    }
    expect(key(actor.getSnapshot()), where).toBe(key(step.state));
    expect(deviceSummary(actor.getSnapshot()).state, where).toBe(step.state.value);
  }
  actor.stop();
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('device model', () => {
  type Filter = (s: { can: (e: DeviceEvent) => boolean; value: unknown }, e: DeviceEvent) => boolean;
  const walk = (events: AnyEvent[], filterEvents: Filter = (s, e) => s.can(e)) =>
    getShortestPaths(deviceMachine, {
      input: INPUT,
      events: events as DeviceEvent[],
      filterEvents,
      serializeState: (s: Snap) => key(s),
      limit: 10_000,
    }) as unknown as Path[];
  // In reconnecting only the backoff timer moves on, so the walk exercises the delays.
  const shortest = walk(ALL_EVENTS, (s, e) => s.can(e) && !(s.value === 'reconnecting' && (e.type === 'CONNECT' || e.type === 'TRANSPORT.OPENED')));
  // Without open answers and timers: the transport reopening by itself drives every reconnect.
  const selfOpening = walk(ALL_EVENTS.filter((e) => e.type !== AFTER && e.type !== 'xstate.done.actor.openDevice'));

  it('reaches every state of the machine', () => {
    const reached = new Set(shortest.map((p) => p.state.value));
    for (const v of DEVICE_STATES) expect(reached, v).toContain(v);
    expect(reached.size).toBe(DEVICE_STATES.length);
  });

  it('reaches the attempt cap and every status in the connected states', () => {
    const keys = new Set(shortest.map((p) => key(p.state)));
    expect([...keys].some((k) => k.includes('"value":"reconnecting","attempt":3'))).toBe(true);
    for (const v of ['ready', 'degraded', 'fault']) expect([...keys].some((k) => k.includes(`"value":"${v}"`))).toBe(true);
  });

  it('replays every shortest path on a real actor with held opens and fake timers', async () => {
    expect(shortest.length).toBeGreaterThan(50);
    expect(shortest.some((p) => p.steps.some((s) => s.event.type === AFTER))).toBe(true);
    for (const path of shortest) await replay(path);
  });

  it('replays every shortest path where the transport reopens by itself (TRANSPORT.OPENED)', async () => {
    const reached = new Set(selfOpening.map((p) => p.state.value));
    for (const v of DEVICE_STATES) expect(reached, v).toContain(v);
    expect(selfOpening.some((p) => p.steps.some((s) => s.event.type === 'TRANSPORT.OPENED'))).toBe(true);
    for (const path of selfOpening) await replay(path);
  });
});
