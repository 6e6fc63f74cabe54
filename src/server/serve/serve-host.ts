// Browser mode's host (`kassa serve`): one node:http server that serves the built renderer and
// upgrades /api to the WebSocket carrying the api.ts messages to a PosHost. It is what a tablet,
// a kiosk browser, remote support and the Playwright tests talk to instead of Electron.
//
// Decisions (a caller can rely on them):
// - Binds 127.0.0.1 unless told otherwise. Any non-loopback address needs the bearer token:
//   given by the caller, or generated (24 random bytes, base64url) and handed back in `token`
//   for the caller to print once. Who may connect, and how the token travels (header, ?token=,
//   or a cookie set by opening a page with ?token=), is in ./access.ts.
// - HTTP: GET and HEAD only (405 otherwise). `/api` without an upgrade answers 426. Every other
//   path is the renderer (./static-files.ts: surfaces, traversal refusal, caching). Every
//   answer carries a CSP that lets the page load only its own files and connect only to this
//   server's HTTP and WebSocket origins, plus nosniff, no-referrer and no framing.
// - WebSocket at `/api` only (404 elsewhere): Host, Origin and token are checked before the
//   upgrade, answering 400/421 (Host), 403 (Origin) or 401 (token) and closing the socket.
//   The connection itself is ./pos-socket.ts.
// - The renderer dir must hold index.html when the host starts (else ServeError naming the
//   dir and `npm run build:renderer`); files are read per request, so a rebuild shows without
//   a restart.
// - close() refuses new connections, closes the WebSockets (1001), drops idle keep-alive
//   connections and resolves when the port is free. It does not close the PosHost: its owner
//   does.
import { existsSync, realpathSync } from 'node:fs';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { checkHost, checkOrigin, checkToken, isLoopbackHost, TOKEN_PATTERN, tokenCookie, tokenFor } from './access.ts';
import type { AccessPolicy, Verdict } from './access.ts';
import { DEFAULT_LIMITS, PosSocketBridge } from './pos-socket.ts';
import type { PosHostPort, PosSocketStats } from './pos-socket.ts';
import { resolveStatic, sendFile } from './static-files.ts';

/** A problem starting browser mode that the person running it can fix. */
export class ServeError extends Error {
  override name = 'ServeError';
}

export interface ServeHostOptions {
  readonly posHost: PosHostPort;
  /** The built renderer (index.html + assets), normally dist/renderer. */
  readonly rendererDir: string;
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Required from every client when given; generated when omitted and `host` is not loopback. */
  readonly token?: string;
  /** Origins besides this server's own whose pages may use the WebSocket (a dev server). */
  readonly allowOrigins?: readonly string[];
  readonly maxMessageBytes?: number;
  readonly maxInFlight?: number;
  readonly heartbeatMs?: number;
  /** Bugs seen while serving (a PosHost that threw); default: ignored. */
  readonly onError?: (message: string, error: unknown) => void;
}

export interface ServeStats extends PosSocketStats {
  readonly httpRequests: number;
  /** WebSocket upgrades refused (path, Host, Origin or token). */
  readonly refusedUpgrades: number;
}

export interface ServeHost {
  /** `http://<address>:<port>`, reachable from this machine (127.0.0.1 for a wildcard bind). */
  readonly url: string;
  /** Every base URL a browser may use: for 0.0.0.0 / :: each interface's address. */
  readonly urls: readonly string[];
  readonly port: number;
  /** The token clients must present, or null when none is needed. */
  readonly token: string | null;
  stats(): ServeStats;
  close(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function hostInUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The base URLs of a server bound to `host` (see ServeHost.url and .urls). */
export function addressesFor(host: string, port: number): { url: string; urls: string[] } {
  if (!WILDCARDS.has(host)) {
    const url = `http://${hostInUrl(host)}:${port}`;
    return { url, urls: [url] };
  }
  const url = `http://127.0.0.1:${port}`;
  const lan = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal && i.family === 'IPv4')
    .map((i) => `http://${i.address}:${port}`);
  return { url, urls: [url, ...lan] };
}

export function contentSecurityPolicy(hostHeader: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://${hostHeader} wss://${hostHeader}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(hostHeader: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(hostHeader),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function sendText(res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The path and query of a request target, split without URL() (which would read `//x` as a host). */
function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  const t = target ?? '/';
  const q = t.indexOf('?');
  return q < 0 ? { path: t, query: new URLSearchParams() } : { path: t.slice(0, q), query: new URLSearchParams(t.slice(q + 1)) };
}

export async function startServeHost(options: ServeHostOptions): Promise<ServeHost> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ServeError(`port must be a whole number 0–65535, got ${port}`);
  if (options.token !== undefined && !TOKEN_PATTERN.test(options.token)) {
    throw new ServeError('the access token must be 24–256 characters of A–Z, a–z, 0–9, "_" or "-"');
  }
  if (!existsSync(join(options.rendererDir, 'index.html'))) {
    throw new ServeError(`no index.html in ${options.rendererDir}: build the renderer with \`npm run build:renderer\``);
  }
  const root = realpathSync(options.rendererDir);
  const loopback = isLoopbackHost(host);
  const token = tokenFor(host, options.token);
  const onError = options.onError ?? (() => undefined);

  const bridge = new PosSocketBridge(
    options.posHost,
    {
      ...DEFAULT_LIMITS,
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
      ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    },
    onError,
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes });
  let policy: AccessPolicy = { port, token, loopbackOnly: loopback, allowOrigins: options.allowOrigins ?? [] };
  let httpRequests = 0;
  let refusedUpgrades = 0;
  let closing = false;

  const server = createServer((req, res) => {
    httpRequests += 1;
    try {
      serveHttp(req, res);
    } catch (error) {
      onError(`serving ${req.method ?? '?'} ${req.url ?? '?'} failed`, error);
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    }
  });

  function serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const hostOk = checkHost(policy, req.headers.host);
    if (!hostOk.ok) return sendText(res, hostOk.status, hostOk.message);
    const headers = securityHeaders(req.headers.host ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, `${req.method ?? '?'} is not served here: GET or HEAD`, { ...headers, Allow: 'GET, HEAD' });
    const { path, query } = splitTarget(req.url);
    const presented = query.get('token');
    const access = checkToken(policy, { authorization: req.headers.authorization, cookie: req.headers.cookie, query: presented });
    if (!access.ok) return sendText(res, access.status, access.message, { ...headers, 'WWW-Authenticate': 'Bearer realm="kassa"' });
    if (path === '/api') return sendText(res, 426, '/api is the WebSocket of the Kassa API: connect with a WebSocket client', { ...headers, Upgrade: 'websocket' });
    if (access.via === 'query' && token !== null) {
      // Sign the browser in with the cookie and take the token out of the address (access.ts).
      query.delete('token');
      const rest = query.toString();
      const location = `/${path.replace(/^\/+/, '')}${rest === '' ? '' : `?${rest}`}`;
      res.writeHead(303, { ...headers, Location: location, 'Set-Cookie': tokenCookie(policy.port, token), 'Cache-Control': 'no-store', 'Content-Length': '0' });
      res.end();
      return;
    }
    const found = resolveStatic(root, path);
    if (found.kind === 'bad') return sendText(res, 400, found.message, headers);
    if (found.kind === 'missing') return sendText(res, 404, `not found: ${path.slice(0, 200)}`, headers);
    sendFile(req, res, found, headers);
  }

  function refusal(req: IncomingMessage): Verdict {
    if (closing) return { ok: false, status: 403, message: 'Kassa is shutting down' };
    const hostOk = checkHost(policy, req.headers.host);
    if (!hostOk.ok) return hostOk;
    const originOk = checkOrigin(policy, req.headers.origin, req.headers.host ?? '');
    if (!originOk.ok) return originOk;
    const access = checkToken(policy, { authorization: req.headers.authorization, cookie: req.headers.cookie, query: splitTarget(req.url).query.get('token') });
    if (!access.ok) return access;
    return { ok: true };
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (splitTarget(req.url).path !== '/api') {
      refusedUpgrades += 1;
      refuseUpgrade(socket, 404, 'the Kassa API WebSocket is at /api');
      return;
    }
    const verdict = refusal(req);
    if (!verdict.ok) {
      refusedUpgrades += 1;
      refuseUpgrade(socket, verdict.status, verdict.message);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bridge.attach(ws));
  });
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => onError('the browser-mode server failed', error));
  const bound = (server.address() as AddressInfo).port;
  policy = { ...policy, port: bound };
  const { url, urls } = addressesFor(host, bound);

  let closed: Promise<void> | null = null;
  return {
    url,
    urls,
    port: bound,
    token,
    stats: () => ({ ...bridge.stats(), httpRequests, refusedUpgrades }),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await bridge.close();
        wss.close();
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
