// One peripheral (printer, scanner, pole display, scale, cash drawer) as an XState v5 machine:
// disconnected → connecting → ready ⇄ degraded → fault, transport loss → reconnecting (backoff)
// → connecting, STOP → disconnected from anywhere (ARCHITECTURE.md §4).
// Pure (ARCHITECTURE.md §2): it imports only xstate. It never sees bytes: the host's drivers turn
// status bytes into `STATUS` events (e.g. `statusSeverity(printerStatus)` for ESC/POS) and
// transport callbacks into `TRANSPORT.*` events.
//
// Decisions a host must know:
// - `openDevice` is the one effect (open the transport, do the handshake); the host supplies it
//   with `deviceMachine.provide({ actors })` or `provideDevice(effects)`. It resolves with the
//   host clock time the device opened. The default rejects loudly.
// - IMPURE VALUES COME IN EVENTS: `at` (ISO time) on STATUS, and optionally on the others,
//   becomes `since`, the time the current state was entered (null when not known).
// - The reconnect delay is `reconnectDelayMs(attempt, backoff)`: initialMs·factor^(attempt−1)
//   capped at maxMs, no jitter. `backoff` comes in the input (the core passes the drivers'
//   DEFAULT_BACKOFF; its `jitter` field is ignored here). A host that wants jitter replaces the
//   named delay: `deviceMachine.provide({ delays: { reconnectDelay: ({ context }) =>
//   backoffDelay(context.attempt, DEFAULT_BACKOFF, Math.random) } })`.
// - After a snapshot restore into `reconnecting`, `after` timers are not to be trusted
//   (xstate#4860): the host sends `CONNECT`, which retries at once from `reconnecting`.
// - `attempt` counts failed opens and losses since the device was last up; it resets to 0 when
//   the device opens and on CONNECT from disconnected. `lastStatus` is cleared when the
//   transport is lost (it described a link that is gone).
// - STATUS while connecting is remembered and decides where the open lands (ready, degraded or
//   fault); STATUS while disconnected or reconnecting is ignored. WARNING (garbled bytes, a slow
//   link…) is counted in `warnings` in every state and never changes state.
// - Every state entry emits `{ type: 'device.summary', summary }`; `deviceSummary(snapshot)`
//   gives the same summary from any snapshot (for `actor.select`).
import { assign, emit, fromPromise, setup } from 'xstate';

/** Bump when a persisted snapshot of an older version can no longer be restored. */
export const deviceMachineVersion = 1;

export type DeviceKind = 'printer' | 'scanner' | 'display' | 'scale' | 'drawer';

/** How bad a device status is (for printers: `statusSeverity` in drivers/printer/escpos-status.ts). */
export type DeviceSeverity = 'ready' | 'degraded' | 'fault';

export type DeviceState = 'disconnected' | 'connecting' | 'ready' | 'degraded' | 'fault' | 'reconnecting';

export const DEVICE_STATES: readonly DeviceState[] = ['disconnected', 'connecting', 'ready', 'degraded', 'fault', 'reconnecting'];

/** Shape-compatible with drivers/transports/backoff.ts `BackoffOptions` (jitter is not used here). */
export interface ReconnectBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export interface DeviceInput {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly backoff: ReconnectBackoff;
}

export interface DeviceStatus {
  readonly severity: DeviceSeverity;
  /** Human-readable, e.g. "paper near end", "cover open". */
  readonly detail: string;
  readonly at: string;
}

export interface DeviceContext {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly backoff: ReconnectBackoff;
  /** Failed opens and transport losses since the device was last up. */
  readonly attempt: number;
  readonly lastError: string | null;
  readonly lastStatus: DeviceStatus | null;
  /** WARNING events received since the actor started. */
  readonly warnings: number;
  readonly lastWarning: string | null;
  /** When the current state was entered, from the event that caused it; null if not known. */
  readonly since: string | null;
}

export type DeviceEvent =
  | { readonly type: 'CONNECT'; readonly at?: string }
  | { readonly type: 'STATUS'; readonly severity: DeviceSeverity; readonly detail: string; readonly at: string }
  | { readonly type: 'TRANSPORT.LOST'; readonly error: string; readonly at?: string }
  /** The transport (re)opened by itself, e.g. a USB printer plugged back in. */
  | { readonly type: 'TRANSPORT.OPENED'; readonly at?: string }
  | { readonly type: 'STOP'; readonly at?: string }
  | { readonly type: 'WARNING'; readonly reason: string };

export interface DeviceSummary {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly state: DeviceState;
  readonly detail: string;
}

export type DeviceEmitted = { readonly type: 'device.summary'; readonly summary: DeviceSummary };

export interface OpenDeviceInput {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly attempt: number;
}

export interface OpenDeviceOutput {
  /** Host clock time the device opened. */
  readonly at: string;
}

/** Delay before reconnect attempt `attempt` (1 = first): initialMs·factor^(attempt−1), capped at maxMs. */
export function reconnectDelayMs(attempt: number, backoff: ReconnectBackoff): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const delay = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** exponent);
  return Math.max(0, Math.round(Number.isFinite(delay) ? delay : backoff.maxMs));
}

function stateOf(value: unknown): DeviceState {
  return DEVICE_STATES.find((s) => s === value) ?? 'disconnected';
}

function detailOf(state: DeviceState, context: DeviceContext): string {
  switch (state) {
    case 'ready':
    case 'degraded':
    case 'fault':
      return context.lastStatus?.detail ?? '';
    case 'connecting':
    case 'reconnecting':
      return context.lastError ?? '';
    case 'disconnected':
      return '';
  }
}

function summaryOf(state: DeviceState, context: DeviceContext): DeviceSummary {
  return { deviceId: context.deviceId, kind: context.kind, state, detail: detailOf(state, context) };
}

/** What the checkout needs to know about a device, from any snapshot of its machine. */
export function deviceSummary(snapshot: { readonly value: unknown; readonly context: DeviceContext }): DeviceSummary {
  return summaryOf(stateOf(snapshot.value), snapshot.context);
}

function missing(name: string): never {
  throw new Error(`device: the host did not provide the "${name}" actor; pass it with deviceMachine.provide({ actors: { ${name} } }) or provideDevice()`);
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : String(e);
}

const atOf = (event: DeviceEvent, fallback: string | null): string | null => ('at' in event && typeof event.at === 'string' ? event.at : fallback);

/** STATUS goes to the state its severity names; recorded whatever the state. */
const byStatus = [
  { guard: 'isFault', target: 'fault', actions: 'recordStatus' },
  { guard: 'isDegraded', target: 'degraded', actions: 'recordStatus' },
  { target: 'ready', actions: 'recordStatus' },
] as const;

/** Where an opened device lands: the last status seen while connecting, else ready. */
const byLastStatus = [
  { guard: 'lastFault', target: 'fault', actions: 'opened' },
  { guard: 'lastDegraded', target: 'degraded', actions: 'opened' },
  { target: 'ready', actions: 'opened' },
] as const;

const connected = {
  STATUS: byStatus,
  'TRANSPORT.LOST': { target: 'reconnecting', actions: 'lost' },
} as const;

export const deviceMachine = setup({
  types: {
    context: {} as DeviceContext,
    events: {} as DeviceEvent,
    input: {} as DeviceInput,
    emitted: {} as DeviceEmitted,
  },
  actors: {
    openDevice: fromPromise<OpenDeviceOutput, OpenDeviceInput>(async () => missing('openDevice')),
  },
  guards: {
    isFault: ({ event }) => event.type === 'STATUS' && event.severity === 'fault',
    isDegraded: ({ event }) => event.type === 'STATUS' && event.severity === 'degraded',
    lastFault: ({ context }) => context.lastStatus?.severity === 'fault',
    lastDegraded: ({ context }) => context.lastStatus?.severity === 'degraded',
  },
  delays: {
    reconnectDelay: ({ context }) => reconnectDelayMs(context.attempt, context.backoff),
  },
  actions: {
    summarize: emit(({ context }, params: { state: DeviceState }) => ({ type: 'device.summary' as const, summary: summaryOf(params.state, context) })),
    recordStatus: assign(({ context, event }) => {
      if (event.type !== 'STATUS') return {};
      const changed = context.lastStatus?.severity !== event.severity;
      return {
        lastStatus: { severity: event.severity, detail: event.detail, at: event.at },
        since: changed ? event.at : context.since,
      };
    }),
    /** STATUS seen while connecting: remembered, the state does not change. */
    rememberStatus: assign(({ event }) => (event.type === 'STATUS' ? { lastStatus: { severity: event.severity, detail: event.detail, at: event.at } } : {})),
    connect: assign(({ context, event }) => ({ attempt: 0, lastError: null, lastStatus: null, since: atOf(event, null) ?? context.since })),
    retryNow: assign(({ context, event }) => ({ since: atOf(event, context.since) })),
    opened: assign(({ context, event }) => {
      const output = (event as { output?: Partial<OpenDeviceOutput> }).output;
      const at = typeof output?.at === 'string' ? output.at : atOf(event, context.since);
      return { attempt: 0, lastError: null, since: at };
    }),
    lost: assign(({ context, event }) => ({
      attempt: context.attempt + 1,
      lastError: event.type === 'TRANSPORT.LOST' ? event.error : context.lastError,
      lastStatus: null,
      since: atOf(event, context.since),
    })),
    openFailed: assign(({ context, event }) => ({
      attempt: context.attempt + 1,
      lastError: message((event as { error?: unknown }).error),
      lastStatus: null,
    })),
    stop: assign(({ context, event }) => ({ attempt: 0, since: atOf(event, context.since) })),
    warn: assign(({ context, event }) => (event.type === 'WARNING' ? { warnings: context.warnings + 1, lastWarning: event.reason } : {})),
  },
}).createMachine({
  id: 'device',
  context: ({ input }) => ({
    deviceId: input.deviceId,
    kind: input.kind,
    backoff: input.backoff,
    attempt: 0,
    lastError: null,
    lastStatus: null,
    warnings: 0,
    lastWarning: null,
    since: null,
  }),
  initial: 'disconnected',
  on: {
    STOP: { target: '.disconnected', actions: 'stop' },
    WARNING: { actions: 'warn' },
  },
  states: {
    disconnected: {
      entry: { type: 'summarize', params: { state: 'disconnected' } },
      on: {
        CONNECT: { target: 'connecting', actions: 'connect' },
      },
    },
    connecting: {
      entry: { type: 'summarize', params: { state: 'connecting' } },
      invoke: {
        id: 'openDevice',
        src: 'openDevice',
        input: ({ context }) => ({ deviceId: context.deviceId, kind: context.kind, attempt: context.attempt }),
        onDone: byLastStatus,
        onError: { target: 'reconnecting', actions: 'openFailed' },
      },
      on: {
        STATUS: { actions: 'rememberStatus' },
        'TRANSPORT.OPENED': byLastStatus,
        'TRANSPORT.LOST': { target: 'reconnecting', actions: 'lost' },
      },
    },
    ready: {
      entry: { type: 'summarize', params: { state: 'ready' } },
      on: connected,
    },
    degraded: {
      entry: { type: 'summarize', params: { state: 'degraded' } },
      on: connected,
    },
    fault: {
      entry: { type: 'summarize', params: { state: 'fault' } },
      on: connected,
    },
    reconnecting: {
      entry: { type: 'summarize', params: { state: 'reconnecting' } },
      after: {
        reconnectDelay: { target: 'connecting' },
      },
      on: {
        CONNECT: { target: 'connecting', actions: 'retryNow' },
        'TRANSPORT.OPENED': { target: 'connecting', actions: 'retryNow' },
      },
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Host wiring

/** The effect a host implements; the signal fires when `connecting` is left (STOP, loss). */
export interface DeviceEffects {
  openDevice(input: OpenDeviceInput, signal: AbortSignal): Promise<OpenDeviceOutput>;
}

/** The machine with the host's effects plugged in. */
export function provideDevice(effects: DeviceEffects) {
  return deviceMachine.provide({
    actors: {
      openDevice: fromPromise<OpenDeviceOutput, OpenDeviceInput>(({ input, signal }) => effects.openDevice(input, signal)),
    },
  });
}

export type DeviceMachine = typeof deviceMachine;
