// The renderer's typed client over a PosChannel (Electron preload or WebSocket): requests are
// correlated with their replies by id, events are dispatched by name. Every surface goes
// through this one object, so the contract in src/shared/api.ts types every call site.
//
// Decisions a caller must know:
// - `request()` rejects with an ApiError carrying the core's code and message unchanged, so
//   the UI can show the core's words as they are (the cashier reads them, not a code).
// - A request with no reply within `timeoutMs` (default 15 s) rejects with code 'unavailable':
//   a channel that dropped the connection after sending must not leave a button spinning
//   forever. A late reply to it is then ignored (counted in `stats.unmatched`).
// - Messages from the host are checked against the envelope schema; anything else is counted
//   in `stats.malformed` and dropped, never thrown: garbage on the channel cannot crash a page.
// - An event listener that throws does not stop the others; the error is counted and logged.
// - Payloads are trusted to match the contract (the core builds them from typed views); the
//   envelope is what a broken or foreign sender gets wrong.
// Hand-written: the correlation is a map and a counter; an RPC library would bring its own
// envelope, and the envelope is fixed by api.ts.
import { hostMessage } from '../../shared/api.ts';
import type { ApiErrorCode, EventName, HostMessage, ParamsOf, PosChannel, PosEvents, RequestName, ResultOf } from '../../shared/api.ts';

/** A request the core (or the channel) refused: `message` is shown to the cashier verbatim. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly request: RequestName,
    /** With 'approval-required': the permission an approver must hold. */
    readonly permission: string | null = null,
  ) {
    super(message);
  }
}

export interface PosClientStats {
  /** Messages that were not a reply or an event. */
  malformed: number;
  /** Replies whose id matched no waiting request (late, after a timeout, or foreign). */
  unmatched: number;
  /** Event listeners that threw. */
  listenerErrors: number;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface PosClientOptions {
  /** How long a request waits for its reply. */
  readonly timeoutMs?: number;
  /** For tests: a fake clock. */
  readonly timers?: Timers;
  /** Where listener errors are reported (default console.error). */
  readonly report?: (what: string, error: unknown) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

interface Pending {
  readonly name: RequestName;
  resolve(result: unknown): void;
  reject(error: ApiError): void;
  readonly timer: unknown;
}

type AnyListener = (payload: never) => void;

const realTimers: Timers = {
  set: (fn, ms) => globalThis.setTimeout(fn, ms),
  clear: (handle) => globalThis.clearTimeout(handle as number),
};

export class PosClient {
  readonly stats: PosClientStats = { malformed: 0, unmatched: 0, listenerErrors: 0 };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<AnyListener>>();
  private readonly timeoutMs: number;
  private readonly timers: Timers;
  private readonly report: (what: string, error: unknown) => void;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly channel: PosChannel,
    options: PosClientOptions = {},
  ) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
    this.timeoutMs = timeoutMs;
    this.timers = options.timers ?? realTimers;
    this.report = options.report ?? ((what, error) => console.error(what, error));
    this.unsubscribe = channel.subscribe((message) => this.receive(message));
  }

  get host(): 'electron' | 'browser' {
    return this.channel.host;
  }

  /** Requests still waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  request<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<ResultOf<N>> {
    if (this.closed) return Promise.reject(new ApiError('unavailable', 'the connection to the terminal core is closed', name));
    const id = this.nextId++;
    return new Promise<ResultOf<N>>((resolve, reject) => {
      const timer = this.timers.set(() => {
        if (!this.pending.delete(id)) return;
        reject(new ApiError('unavailable', `no answer from the terminal core to ${name} within ${Math.round(this.timeoutMs / 1000)} s`, name));
      }, this.timeoutMs);
      this.pending.set(id, { name, resolve: (r) => resolve(r as ResultOf<N>), reject, timer });
      try {
        this.channel.post({ t: 'req', id, name, params });
      } catch (e) {
        this.settle(id);
        reject(new ApiError('unavailable', `could not reach the terminal core: ${e instanceof Error ? e.message : String(e)}`, name));
      }
    });
  }

  /** Calls `listener` with every `name` event's payload; returns the unsubscribe function. */
  on<E extends EventName>(name: E, listener: (payload: PosEvents[E]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const entry = listener as AnyListener;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Stops listening to the channel; waiting requests reject with 'unavailable'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(new ApiError('unavailable', 'the connection to the terminal core is closed', p.name));
    }
    this.listeners.clear();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    this.timers.clear(p.timer);
    return p;
  }

  private receive(raw: HostMessage | unknown): void {
    const parsed = hostMessage.safeParse(raw);
    if (!parsed.success) {
      this.stats.malformed += 1;
      return;
    }
    const message = parsed.data;
    if (message.t === 'res') {
      const p = this.settle(message.id);
      if (!p) {
        this.stats.unmatched += 1;
        return;
      }
      if (message.ok) p.resolve(message.result);
      else p.reject(new ApiError(message.error.code, message.error.message, p.name, message.error.permission ?? null));
      return;
    }
    const set = this.listeners.get(message.name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: unknown) => void)(message.payload);
      } catch (e) {
        this.stats.listenerErrors += 1;
        this.report(`kassa: a "${message.name}" event listener failed`, e);
      }
    }
  }
}

/** The message to show for anything a request rejected with. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
