// The relay in main between the windows and the core's utilityProcess (the Actual Budget shape:
// main only passes messages along). Pure: it sees windows and the core as functions, so the
// routing is tested without Electron.
//
// Decisions a caller must know:
// - Request ids are chosen by each window (api.ts: "unique per connection"), so two windows may
//   both send id 1. The relay gives every request its own id towards the core and maps the
//   reply back to the window that asked, with the window's id restored.
// - The envelope is checked here (so garbage never crosses to the core) and the params by the
//   core's PosHost; a bad message with a usable id gets a `bad-request` reply, one without an id
//   is counted and dropped.
// - The customer display only reads: it may send `terminal.hello`, `customer.view` and
//   `checkout.view`; anything else is refused, so a compromised customer page cannot sell.
// - While the core starts, requests wait in a bounded queue; when the core is down every waiting
//   request is answered `unavailable` with the reason, and so is every new one until it is back.
// - Events go to every window. A reply for a window that closed, or that loaded a new page since
//   it asked, is dropped.
import { describeZodError, hostMessage, requestMessage, type EventMessage, type HostMessage, type ReplyMessage, type RequestMessage, type RequestName } from '../src/shared/api.ts';

export type WindowRole = 'cashier' | 'customer';

export interface RelayWindow {
  readonly id: number;
  readonly role: WindowRole;
  send(message: HostMessage): void;
}

export const CUSTOMER_REQUESTS: ReadonlySet<RequestName> = new Set<RequestName>(['terminal.hello', 'customer.view', 'checkout.view']);

export interface RelayLimits {
  /** Requests of one window waiting for the core. */
  readonly maxPendingPerWindow: number;
  /** Requests held while the core starts (all windows). */
  readonly maxQueued: number;
  /** JSON length of one request's params. */
  readonly maxParamsChars: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = { maxPendingPerWindow: 256, maxQueued: 512, maxParamsChars: 256 * 1024 };

export interface RelayCounters {
  forwarded: number;
  replied: number;
  events: number;
  /** Messages from windows refused (bad envelope, unknown window, not allowed, too big). */
  refused: number;
  /** Replies from the core nobody waits for (the window closed, or a core bug). */
  strayReplies: number;
  /** Messages from the core that are not api.ts messages. */
  garbageFromCore: number;
}

export interface RelayOptions {
  readonly toCore: (message: RequestMessage) => void;
  /** Told about every refused or dropped message, for the log. */
  readonly onProblem?: (problem: string) => void;
  readonly limits?: Partial<RelayLimits>;
}

type CoreState = { readonly kind: 'starting' } | { readonly kind: 'ready' } | { readonly kind: 'down'; readonly reason: string };

interface Pending {
  readonly windowId: number;
  readonly id: number;
}

function errorReply(id: number, code: 'bad-request' | 'refused' | 'unavailable', message: string): ReplyMessage {
  return { t: 'res', id, ok: false, error: { code, message } };
}

export class PosRelay {
  readonly counters: RelayCounters = { forwarded: 0, replied: 0, events: 0, refused: 0, strayReplies: 0, garbageFromCore: 0 };
  readonly #options: RelayOptions;
  readonly #limits: RelayLimits;
  readonly #windows = new Map<number, RelayWindow>();
  readonly #pending = new Map<number, Pending>();
  readonly #pendingPerWindow = new Map<number, number>();
  #queue: RequestMessage[] = [];
  #nextId = 1;
  #core: CoreState = { kind: 'starting' };

  constructor(options: RelayOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  }

  get coreState(): 'starting' | 'ready' | 'down' {
    return this.#core.kind;
  }

  attach(window: RelayWindow): void {
    this.#windows.set(window.id, window);
  }

  /** The window closed: its waiting requests are forgotten (their replies will be dropped). */
  detach(windowId: number): void {
    this.#windows.delete(windowId);
    this.forgetPending(windowId);
  }

  /**
   * The window loaded a new page (reload, navigation): replies to the old page must not reach
   * the new one, whose ids start again from the beginning and would be answered wrongly.
   */
  forgetPending(windowId: number): void {
    for (const [coreId, p] of this.#pending) if (p.windowId === windowId) this.#pending.delete(coreId);
    this.#queue = this.#queue.filter((m) => this.#pending.has(m.id));
    this.#pendingPerWindow.delete(windowId);
  }

  fromWindow(windowId: number, raw: unknown): void {
    const window = this.#windows.get(windowId);
    if (!window) return this.#refuse(`a message from window ${windowId}, which is not one of ours`);
    const parsed = requestMessage.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      const problem = `bad request envelope: ${describeZodError(parsed.error)}`;
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return this.#answer(window, errorReply(id, 'bad-request', problem), problem);
      return this.#refuse(`${problem} (from the ${window.role} window, no id to answer)`);
    }
    const request = parsed.data;
    const size = paramsSize(request.params);
    if (size === null || size > this.#limits.maxParamsChars) {
      const what = size === null ? 'params that are not plain JSON' : `params of ${size} characters (limit ${this.#limits.maxParamsChars})`;
      return this.#answer(window, errorReply(request.id, 'bad-request', `${request.name}: ${what}`), what);
    }
    if (window.role === 'customer' && !CUSTOMER_REQUESTS.has(request.name as RequestName)) {
      const message = `the customer display may only read (${[...CUSTOMER_REQUESTS].join(', ')}), not ${request.name}`;
      return this.#answer(window, errorReply(request.id, 'refused', message), message);
    }
    if (this.#core.kind === 'down') return this.#answer(window, errorReply(request.id, 'unavailable', `the core is not running: ${this.#core.reason}`));
    const waiting = this.#pendingPerWindow.get(windowId) ?? 0;
    if (waiting >= this.#limits.maxPendingPerWindow) {
      const message = `${waiting} requests from this window are already waiting for the core`;
      return this.#answer(window, errorReply(request.id, 'unavailable', message), message);
    }
    if (this.#core.kind === 'starting' && this.#queue.length >= this.#limits.maxQueued) {
      return this.#answer(window, errorReply(request.id, 'unavailable', 'the core is starting and too many requests are waiting'));
    }
    const coreId = this.#nextId++;
    this.#pending.set(coreId, { windowId, id: request.id });
    this.#pendingPerWindow.set(windowId, waiting + 1);
    const outgoing: RequestMessage = { t: 'req', id: coreId, name: request.name, params: request.params };
    if (this.#core.kind === 'starting') this.#queue.push(outgoing);
    else this.#send(outgoing);
  }

  fromCore(raw: unknown): void {
    const parsed = hostMessage.safeParse(raw);
    if (!parsed.success) {
      this.counters.garbageFromCore++;
      this.#options.onProblem?.(`the core sent a message that is not an api.ts reply or event: ${describeZodError(parsed.error)}`);
      return;
    }
    const message = parsed.data;
    if (message.t === 'evt') return this.broadcast(message);
    const pending = this.#pending.get(message.id);
    if (!pending) {
      this.counters.strayReplies++;
      return;
    }
    this.#settle(message.id, pending);
    const window = this.#windows.get(pending.windowId);
    if (!window) {
      this.counters.strayReplies++;
      return;
    }
    this.counters.replied++;
    this.#deliver(window, { ...message, id: pending.id });
  }

  broadcast(event: EventMessage): void {
    this.counters.events++;
    for (const window of [...this.#windows.values()]) this.#deliver(window, event);
  }

  /** The core process was (re)started: hold requests until it is ready. */
  coreStarting(): void {
    this.#core = { kind: 'starting' };
  }

  coreReady(): void {
    this.#core = { kind: 'ready' };
    const queued = this.#queue;
    this.#queue = [];
    for (const message of queued) this.#send(message);
  }

  /** The core stopped or failed: every waiting request is answered `unavailable`, and so are new ones. */
  coreDown(reason: string): void {
    this.#core = { kind: 'down', reason };
    const pending = [...this.#pending.entries()];
    this.#pending.clear();
    this.#pendingPerWindow.clear();
    this.#queue = [];
    for (const [, p] of pending) {
      const window = this.#windows.get(p.windowId);
      if (window) this.#deliver(window, errorReply(p.id, 'unavailable', `the core is not running: ${reason}`));
    }
  }

  /** Requests waiting for the core (queued or sent), for diagnostics. */
  get waiting(): number {
    return this.#pending.size;
  }

  #send(message: RequestMessage): void {
    this.counters.forwarded++;
    try {
      this.#options.toCore(message);
    } catch (err) {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#settle(message.id, pending);
      const window = this.#windows.get(pending.windowId);
      if (window) this.#deliver(window, errorReply(pending.id, 'unavailable', `the core cannot be reached: ${(err as Error).message}`));
    }
  }

  #settle(coreId: number, pending: Pending): void {
    this.#pending.delete(coreId);
    const left = (this.#pendingPerWindow.get(pending.windowId) ?? 1) - 1;
    if (left > 0) this.#pendingPerWindow.set(pending.windowId, left);
    else this.#pendingPerWindow.delete(pending.windowId);
  }

  #answer(window: RelayWindow, reply: ReplyMessage, problem?: string): void {
    if (problem !== undefined) this.#refuse(`${problem} (${window.role} window)`);
    this.#deliver(window, reply);
  }

  #refuse(problem: string): void {
    this.counters.refused++;
    this.#options.onProblem?.(problem);
  }

  #deliver(window: RelayWindow, message: HostMessage): void {
    try {
      window.send(message);
    } catch (err) {
      this.#options.onProblem?.(`cannot reach the ${window.role} window (${(err as Error).message}); forgetting it`);
      this.detach(window.id);
    }
  }
}

function paramsSize(params: unknown): number | null {
  try {
    return (JSON.stringify(params) ?? '').length;
  } catch {
    return null;
  }
}
