// The WebSocket end of browser mode: carries exactly the api.ts messages between the connected
// pages and the PosHost. A page sends `req` messages; it gets `res` replies and every `evt`
// the core pushes. The PosHost validates params; this module keeps the transport safe: a page
// that sends garbage, floods or stops reading cannot crash the terminal or starve the others.
//
// Decisions (a caller can rely on them):
// - Text frames of JSON only, at most `maxMessageBytes` each (default 64 KiB: a request is
//   small; the biggest, a scan, is 512 characters). A larger frame closes the connection with
//   1009 (ws does that before the bytes are buffered).
// - A message that is not a request envelope (binary, not JSON, wrong shape) is answered with
//   `{t:'res', ok:false, error:{code:'bad-request', …}}` naming what was wrong; its id is the
//   message's own when it has a usable one, else -1 (never a real request's: ids are >= 0).
//   After `maxGarbage` (default 20) such messages a connection is closed with 1008.
// - Requests go to PosHost.handle in arrival order without waiting for earlier replies (as
//   Electron's IPC does). More than `maxInFlight` (default 32) unanswered requests on one
//   connection: the extra ones are answered `unavailable` at once.
// - PosHost.handle never throws by contract; if it does anyway, or its reply cannot be
//   serialised, the page gets `internal` for that id and `onError` hears of it.
// - Events are serialised once and sent to every open connection. A connection whose unsent
//   backlog passes `maxBufferedBytes` (default 8 MiB: it has stopped reading) is cut
//   (terminate) rather than letting the terminal's memory grow; its page reconnects.
// - Every `heartbeatMs` (default 30 s) each connection is pinged; one that did not answer the
//   previous ping (a tablet that dropped off the Wi-Fi) is cut.
// - close(): every connection gets 1001 "Kassa is shutting down" and is cut if it has not
//   closed within 1.5 s; replies that finish later are dropped.
import { Buffer } from 'node:buffer';
import type { RawData, WebSocket } from 'ws';
import { describeZodError, requestMessage } from '../../shared/api.ts';
import type { ApiErrorCode, EventMessage, ReplyMessage } from '../../shared/api.ts';

/** What the bridge needs of a PosHost (src/core/api/pos-host.ts): structural, so any host fits. */
export interface PosHostPort {
  handle(message: unknown): Promise<ReplyMessage>;
  subscribe(listener: (event: EventMessage) => void): () => void;
}

export interface PosSocketLimits {
  readonly maxMessageBytes: number;
  readonly maxInFlight: number;
  readonly maxGarbage: number;
  readonly maxBufferedBytes: number;
  readonly heartbeatMs: number;
}

export const DEFAULT_LIMITS: PosSocketLimits = {
  maxMessageBytes: 64 * 1024,
  maxInFlight: 32,
  maxGarbage: 20,
  maxBufferedBytes: 8 * 1024 * 1024,
  heartbeatMs: 30_000,
};

export interface PosSocketStats {
  /** Open now. */
  readonly connections: number;
  /** Since start. */
  readonly accepted: number;
  readonly requests: number;
  readonly events: number;
  /** Messages that were not request envelopes. */
  readonly garbage: number;
  /** Requests answered `unavailable` because too many were waiting. */
  readonly overloaded: number;
  /** Connections cut for not reading or not answering pings. */
  readonly cut: number;
}

interface Connection {
  readonly ws: WebSocket;
  inFlight: number;
  garbage: number;
  alive: boolean;
}

const SHUTDOWN_GRACE_MS = 1500;

function errorReply(id: number, code: ApiErrorCode, message: string): ReplyMessage {
  return { t: 'res', id, ok: false, error: { code, message } };
}

/** The message's id if it carries one a reply can use. */
function idOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return -1;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : -1;
}

function textOf(data: RawData): string {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return bytes.toString('utf8');
}

export class PosSocketBridge {
  private readonly connections = new Set<Connection>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;
  private counts = { accepted: 0, requests: 0, events: 0, garbage: 0, overloaded: 0, cut: 0 };

  constructor(
    private readonly posHost: PosHostPort,
    private readonly limits: PosSocketLimits = DEFAULT_LIMITS,
    private readonly onError: (message: string, error: unknown) => void = () => undefined,
  ) {
    this.unsubscribe = posHost.subscribe((event) => this.broadcast(event));
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  stats(): PosSocketStats {
    return { connections: this.connections.size, ...this.counts };
  }

  /** Takes over an upgraded connection. */
  attach(ws: WebSocket): void {
    if (this.closing) {
      ws.close(1001, 'Kassa is shutting down');
      return;
    }
    const conn: Connection = { ws, inFlight: 0, garbage: 0, alive: true };
    this.connections.add(conn);
    this.counts.accepted += 1;
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => this.receive(conn, data, isBinary));
    // A socket error (reset, oversized frame) is followed by 'close'; nothing more to do here.
    ws.on('error', () => undefined);
    ws.on('close', () => this.connections.delete(conn));
  }

  private receive(conn: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.garbage(conn, -1, 'binary frames are not accepted: send a JSON request as text');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(textOf(data));
    } catch (error) {
      this.garbage(conn, -1, `the message is not JSON (${(error as Error).message})`);
      return;
    }
    const envelope = requestMessage.safeParse(parsed);
    if (!envelope.success) {
      this.garbage(conn, idOf(parsed), `not a request message: ${describeZodError(envelope.error)}`);
      return;
    }
    const request = envelope.data;
    if (conn.inFlight >= this.limits.maxInFlight) {
      this.counts.overloaded += 1;
      this.send(conn, errorReply(request.id, 'unavailable', `too many requests at once (${this.limits.maxInFlight} are waiting for an answer): try again`));
      return;
    }
    this.counts.requests += 1;
    conn.inFlight += 1;
    let answer: Promise<ReplyMessage>;
    try {
      answer = this.posHost.handle(request);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .catch((error: unknown) => {
        this.onError(`the core failed on ${request.name} (request ${request.id})`, error);
        return errorReply(request.id, 'internal', `the terminal failed on ${request.name}; see its log`);
      })
      .then((reply) => {
        conn.inFlight -= 1;
        this.send(conn, reply, request.name);
      })
      .catch((error: unknown) => this.onError('sending a reply failed', error));
  }

  private garbage(conn: Connection, id: number, message: string): void {
    this.counts.garbage += 1;
    conn.garbage += 1;
    if (conn.garbage > this.limits.maxGarbage) {
      conn.ws.close(1008, 'too many malformed messages');
      return;
    }
    this.send(conn, errorReply(id, 'bad-request', message));
  }

  private send(conn: Connection, reply: ReplyMessage, name?: string): void {
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      this.onError(`the reply to ${name ?? 'a request'} (request ${reply.id}) cannot be sent as JSON`, error);
      text = JSON.stringify(errorReply(reply.id, 'internal', `the terminal could not send its answer to ${name ?? 'the request'}; see its log`));
    }
    this.write(conn, text);
  }

  private write(conn: Connection, text: string): void {
    if (this.closing || conn.ws.readyState !== conn.ws.OPEN) return;
    if (conn.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.cut(conn);
      return;
    }
    conn.ws.send(text);
  }

  private broadcast(event: EventMessage): void {
    if (this.closing) return;
    let text: string;
    try {
      text = JSON.stringify(event);
    } catch (error) {
      this.onError(`the ${event.name} event cannot be sent as JSON`, error);
      return;
    }
    this.counts.events += 1;
    for (const conn of this.connections) this.write(conn, text);
  }

  private cut(conn: Connection): void {
    this.counts.cut += 1;
    this.connections.delete(conn);
    conn.ws.terminate();
  }

  private beat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        this.cut(conn);
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    const open = [...this.connections];
    await Promise.all(
      open.map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (conn.ws.readyState === conn.ws.CLOSED) {
              resolve();
              return;
            }
            const timer = setTimeout(() => {
              conn.ws.terminate();
              resolve();
            }, SHUTDOWN_GRACE_MS);
            conn.ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            conn.ws.close(1001, 'Kassa is shutting down');
          }),
      ),
    );
    this.connections.clear();
  }
}
