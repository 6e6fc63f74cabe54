// The renderer's PosChannel in browser mode: the api.ts messages over the WebSocket of
// `kassa serve` (src/server/serve). A tablet's Wi-Fi drops, the terminal restarts: the channel
// reconnects by itself, holds requests made while it is down, and says what state it is in so
// the page can show "reconnecting…" and refresh its views when it is back.
//
// Decisions a caller must know:
// - The WebSocket constructor is `globalThis.WebSocket` (every browser; Node 20 has none) or
//   the one passed in `options.WebSocket` (tests pass the `ws` package's).
// - Authentication is not the channel's business: when `kassa serve` needs a token, opening its
//   printed `?token=` address left an HttpOnly cookie that the browser sends with the upgrade
//   (src/server/serve/access.ts). A script may put `?token=` in `url` instead.
// - States: 'connecting' (first attempt) → 'open' ⇄ 'reconnecting' → 'closed' (only by
//   close()). Reconnect delays grow 250 ms, 500 ms, 1 s … up to 5 s, each with ±25 % jitter so
//   a room of tablets does not reconnect in step; an open connection resets them.
// - Requests posted while not open wait in a queue (at most 100) and are sent in order on the
//   next open. One that waited `queueTimeoutMs` (default 10 s, below the client's 15 s request
//   timeout so a request the page gave up on is never sent later) or did not fit is answered
//   here with an `unavailable` reply.
// - Requests that were sent but not answered when the connection drops are answered here with
//   `unavailable` and NOT sent again: the core may have applied them (a scan, a cash tender),
//   and repeating one blindly could ring an item up twice. The page refreshes its views on
//   'open' and sees what happened.
// - Messages from the host are checked against the api.ts envelope; anything else is counted in
//   `stats.malformed` and dropped. A listener that throws does not stop the others.
// Hand-written: reconnecting-websocket style libraries resend or drop requests by rules of
// their own, and the at-most-once rule above is the one that matters for a till.
import { hostMessage } from '../../shared/api.ts';
import type { HostMessage, PosChannel, ReplyMessage, RequestMessage } from '../../shared/api.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What the channel uses of a WebSocket: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ChannelTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface WsChannelOptions {
  /** Default globalThis.WebSocket. */
  readonly WebSocket?: WebSocketConstructor;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly queueLimit?: number;
  readonly queueTimeoutMs?: number;
  /** For tests: jitter source (default Math.random), clock and timers. */
  readonly random?: () => number;
  readonly now?: () => number;
  readonly timers?: ChannelTimers;
}

export interface WsChannelStats {
  /** Messages from the host that were not a reply or an event. */
  malformed: number;
  /** Connections opened after the first. */
  reconnects: number;
  /** Requests answered `unavailable` by the channel itself. */
  unanswered: number;
  /** Subscribers that threw. */
  listenerErrors: number;
}

export interface WsPosChannel extends PosChannel {
  readonly host: 'browser';
  readonly state: ConnectionState;
  readonly stats: Readonly<WsChannelStats>;
  /** Called with every state change; returns the unsubscribe function. */
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Stops for good: no reconnects; waiting requests are answered `unavailable`. */
  close(): void;
}

export const WS_OPEN = 1;
const DEFAULTS = { initialDelayMs: 250, maxDelayMs: 5000, queueLimit: 100, queueTimeoutMs: 10_000 };

/** The API address of the page's own server: ws(s)://<host>/api. */
export function apiUrlFor(location: { readonly protocol: string; readonly host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api`;
}

interface Queued {
  readonly message: RequestMessage;
  readonly at: number;
}

const realTimers: ChannelTimers = {
  set: (fn, ms) => globalThis.setTimeout(fn, ms),
  clear: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

export function connectWsChannel(url: string, options: WsChannelOptions = {}): WsPosChannel {
  const found = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (found === undefined) throw new Error('no WebSocket in this environment: pass options.WebSocket');
  const Socket: WebSocketConstructor = found;
  const initialDelayMs = options.initialDelayMs ?? DEFAULTS.initialDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const queueLimit = options.queueLimit ?? DEFAULTS.queueLimit;
  const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULTS.queueTimeoutMs;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => Date.now());
  const timers = options.timers ?? realTimers;

  const stats: WsChannelStats = { malformed: 0, reconnects: 0, unanswered: 0, listenerErrors: 0 };
  const listeners = new Set<(message: HostMessage) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const inFlight = new Set<number>();
  const queue: Queued[] = [];
  let state: ConnectionState = 'connecting';
  let socket: WebSocketLike | null = null;
  let failures = 0;
  let opened = 0;
  let retryTimer: unknown = null;
  let expiryTimer: unknown = null;

  const deliver = (message: HostMessage): void => {
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch {
        stats.listenerErrors += 1;
      }
    }
  };

  /** Answers a request here, after the current call stack (a caller may still be setting up). */
  const answerUnavailable = (id: number, message: string): void => {
    stats.unanswered += 1;
    const reply: ReplyMessage = { t: 'res', id, ok: false, error: { code: 'unavailable', message } };
    void Promise.resolve().then(() => deliver(reply));
  };

  const setState = (next: ConnectionState): void => {
    if (state === next) return;
    state = next;
    for (const listener of [...stateListeners]) {
      try {
        listener(next);
      } catch {
        stats.listenerErrors += 1;
      }
    }
  };

  const expireQueue = (): void => {
    if (expiryTimer !== null) timers.clear(expiryTimer);
    expiryTimer = null;
    const t = now();
    while (queue.length > 0 && t - (queue[0]?.at ?? t) >= queueTimeoutMs) {
      const old = queue.shift();
      if (old) answerUnavailable(old.message.id, `not connected to the terminal for ${Math.round(queueTimeoutMs / 1000)} s: ${old.message.name} was not sent`);
    }
    const oldest = queue[0];
    if (oldest) expiryTimer = timers.set(expireQueue, Math.max(0, oldest.at + queueTimeoutMs - t));
  };

  const send = (message: RequestMessage): boolean => {
    if (socket === null || socket.readyState !== WS_OPEN) return false;
    try {
      socket.send(JSON.stringify(message));
    } catch {
      return false;
    }
    inFlight.add(message.id);
    return true;
  };

  const receive = (data: unknown): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      stats.malformed += 1;
      return;
    }
    const checked = hostMessage.safeParse(parsed);
    if (!checked.success) {
      stats.malformed += 1;
      return;
    }
    if (checked.data.t === 'res') inFlight.delete(checked.data.id);
    deliver(checked.data);
  };

  const scheduleRetry = (): void => {
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(failures, 20));
    failures += 1;
    const delay = Math.round(base * (0.75 + random() * 0.5));
    retryTimer = timers.set(() => {
      retryTimer = null;
      open();
    }, delay);
  };

  const down = (): void => {
    socket = null;
    for (const id of inFlight) answerUnavailable(id, 'the connection to the terminal was lost before it answered: check the sale before repeating this');
    inFlight.clear();
    if (state === 'closed') return;
    setState('reconnecting');
    scheduleRetry();
  };

  function open(): void {
    if (state === 'closed') return;
    let ws: WebSocketLike;
    try {
      ws = new Socket(url);
    } catch {
      down();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      if (opened > 0) stats.reconnects += 1;
      opened += 1;
      failures = 0;
      expireQueue();
      // Marked open before the queue is flushed, so listeners refreshing their views on 'open'
      // send after the requests that waited.
      const waiting = queue.splice(0);
      if (expiryTimer !== null) timers.clear(expiryTimer);
      expiryTimer = null;
      for (const q of waiting) if (!send(q.message)) queue.push(q);
      if (queue.length > 0) expireQueue();
      setState('open');
    });
    ws.addEventListener('message', (event: { readonly data: unknown }) => {
      if (socket === ws) receive(event.data);
    });
    ws.addEventListener('close', () => {
      if (socket === ws) down();
    });
    // A failed connection reports 'error' then 'close'; the close is what counts. (The `ws`
    // package throws an 'error' nobody listens to, so the listener must exist.)
    ws.addEventListener('error', () => undefined);
  }

  open();

  return {
    host: 'browser',
    get state() {
      return state;
    },
    stats,
    post(message: RequestMessage): void {
      if (state === 'closed') {
        answerUnavailable(message.id, 'the connection to the terminal is closed');
        return;
      }
      if (send(message)) return;
      if (queue.length >= queueLimit) {
        answerUnavailable(message.id, `not connected to the terminal, and ${queueLimit} requests are already waiting: ${message.name} was not sent`);
        return;
      }
      queue.push({ message, at: now() });
      if (expiryTimer === null) expireQueue();
    },
    subscribe(listener: (message: HostMessage) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onState(listener: (state: ConnectionState) => void): () => void {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close(): void {
      if (state === 'closed') return;
      setState('closed');
      if (retryTimer !== null) timers.clear(retryTimer);
      if (expiryTimer !== null) timers.clear(expiryTimer);
      retryTimer = null;
      expiryTimer = null;
      for (const q of queue.splice(0)) answerUnavailable(q.message.id, 'the connection to the terminal is closed');
      const ws = socket;
      socket = null;
      for (const id of inFlight) answerUnavailable(id, 'the connection to the terminal was closed before it answered');
      inFlight.clear();
      try {
        ws?.close(1000, 'page closed');
      } catch {
        // Closing a socket that never opened may throw in some browsers; it is gone either way.
      }
    },
  };
}
