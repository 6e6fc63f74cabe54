// Browser mode's host over real sockets: a browser (or a script) loads the renderer from it and
// talks to the core through its WebSocket. The core here is a small PosHost written for this
// file (it validates with the real api.ts schemas and answers a few requests), so these tests
// check the host: who may connect, what files it hands out, and that garbage, floods and
// shutdowns are handled without a crash.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { describeZodError, isRequestName, posRequests, requestMessage } from '../../../../src/shared/api.ts';
import type { EventMessage, ReplyMessage, TerminalInfo } from '../../../../src/shared/api.ts';
import { cookieName, isLoopbackHost, tokenFor } from '../../../../src/server/serve/access.ts';
import { connectWsChannel } from '../../../../src/renderer/client/ws-channel.ts';
import type { ConnectionState } from '../../../../src/renderer/client/ws-channel.ts';
import { addressesFor, ServeError, startServeHost } from '../../../../src/server/serve/serve-host.ts';
import type { ServeHost, ServeHostOptions } from '../../../../src/server/serve/serve-host.ts';
import { until } from '../../../support/until.ts';

// ------------------------------------------------------------------ a small core

const INFO: TerminalInfo = {
  protocol: 1,
  terminalId: 'T09',
  storeId: 'test-store',
  currency: 'CNY',
  language: 'en',
  training: true,
  wallets: [],
  quickCash: [1000, 2000, 5000, 10000],
  quickKeys: [],
  host: 'browser',
};

const CATALOG = [
  { sku: 'APL', name: 'Apple', price: 350, unit: 'each' as const },
  { sku: 'BAN', name: 'Banana', price: 1290, unit: 'kg' as const },
];

/** Answers terminal.hello, catalog.search and checkout.send SCAN; sales.receipt waits for `release()`; devices.list throws. */
class TinyPosHost {
  private readonly listeners = new Set<(e: EventMessage) => void>();
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  scanned: string[] = [];

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  emit(name: string, payload: unknown): void {
    for (const l of this.listeners) l({ t: 'evt', name, payload });
  }

  subscribe(listener: (e: EventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async handle(message: unknown): Promise<ReplyMessage> {
    const env = requestMessage.safeParse(message);
    if (!env.success) return { t: 'res', id: -1, ok: false, error: { code: 'bad-request', message: describeZodError(env.error) } };
    const { id, name, params } = env.data;
    const fail = (code: 'bad-request' | 'unknown-request' | 'refused', text: string): ReplyMessage => ({ t: 'res', id, ok: false, error: { code, message: text } });
    if (!isRequestName(name)) return fail('unknown-request', `no request named ${name}`);
    const checked = posRequests[name].params.safeParse(params);
    if (!checked.success) return fail('bad-request', describeZodError(checked.error));
    const ok = (result: unknown): ReplyMessage => ({ t: 'res', id, ok: true, result });
    switch (name) {
      case 'terminal.hello':
        return ok(INFO);
      case 'catalog.search': {
        const q = (checked.data as { query: string }).query.toLowerCase();
        return ok(CATALOG.filter((p) => p.name.toLowerCase().includes(q)));
      }
      case 'checkout.send': {
        const command = (checked.data as { command: { type: string; data?: string } }).command;
        if (command.type !== 'SCAN') return fail('refused', `${command.type} is not in this test core`);
        this.scanned.push(command.data ?? '');
        this.emit('customer', { lines: this.scanned.length });
        return ok({ scanned: this.scanned.length });
      }
      case 'sales.receipt':
        await this.gate;
        return ok({ saleId: (checked.data as { saleId: string }).saleId });
      case 'devices.list':
        throw new Error('the test core broke');
      default:
        return fail('refused', `${name} is not in this test core`);
    }
  }
}

// ------------------------------------------------------------------ fixtures

const dir = mkdtempSync(join(tmpdir(), 'kassa-serve-'));
const rendererDir = join(dir, 'renderer');
const SECRET = 'top secret: not part of the renderer';
const INDEX = '<!doctype html><title>Kassa</title><div id="root"></div><script type="module" src="/assets/app-3f2a.js"></script>';

beforeAll(() => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX);
  writeFileSync(join(rendererDir, 'assets', 'app-3f2a.js'), 'console.log("kassa")');
  writeFileSync(join(rendererDir, 'assets', 'app-3f2a.css'), 'body{margin:0}');
  writeFileSync(join(rendererDir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(rendererDir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(rendererDir, 'app.webmanifest'), '{}');
  writeFileSync(join(rendererDir, '.env'), SECRET);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(rendererDir, 'escape.txt'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const running: ServeHost[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.close()));
});

async function serve(core: TinyPosHost, options: Partial<ServeHostOptions> = {}): Promise<ServeHost> {
  const host = await startServeHost({ posHost: core, rendererDir, ...options });
  running.push(host);
  return host;
}

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An HTTP request with the path sent exactly as written (fetch would normalise `..`). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Bytes written straight to the socket, for requests no HTTP client would send. */
function rawSocket(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (c) => (got += c.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

interface Client {
  readonly ws: WebSocket;
  readonly inbox: unknown[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Sends a request and waits for the reply with its id. */
  ask(id: number, name: string, params: unknown): Promise<ReplyMessage>;
  /** The next message that matches. */
  next(match: (m: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
}

/** Opens a WebSocket; rejects with the HTTP status when the upgrade is refused. */
function openWs(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000, ...options });
    const inbox: unknown[] = [];
    ws.on('message', (data) => inbox.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.on('close', (code, reason) => done({ code, reason: String(reason) })));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => reject(Object.assign(new Error(`refused: ${res.statusCode}: ${body.trim()}`), { status: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('open', () => {
      const next = async (match: (m: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> => {
        let found: Record<string, unknown> | undefined;
        await until(() => (found = inbox.find((m) => match(m as Record<string, unknown>)) as Record<string, unknown> | undefined) !== undefined, what);
        inbox.splice(inbox.indexOf(found), 1);
        return found as Record<string, unknown>;
      };
      const ask = async (id: number, name: string, params: unknown): Promise<ReplyMessage> => {
        ws.send(JSON.stringify({ t: 'req', id, name, params }));
        return (await next((m) => m.t === 'res' && m.id === id, `the reply to ${name} #${id}`)) as unknown as ReplyMessage;
      };
      resolve({ ws, inbox, closed, ask, next });
    });
  });
}

const wsUrl = (host: ServeHost, query = ''): string => `${host.url.replace('http:', 'ws:')}/api${query}`;

async function refusedStatus(promise: Promise<unknown>): Promise<{ status: number; body: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; body?: string };
    if (e.status !== undefined) return { status: e.status, body: e.body ?? '' };
    throw error;
  }
  throw new Error('the WebSocket was accepted');
}

// ------------------------------------------------------------------ tests

describe('binding and start-up', () => {
  it('binds 127.0.0.1 by default, on a free port, and needs no token there', async () => {
    const host = await serve(new TinyPosHost());
    expect(host.url).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.urls).toEqual([host.url]);
    expect(host.port).toBeGreaterThan(0);
    expect(host.token).toBeNull();
    const client = await openWs(wsUrl(host));
    expect(await client.ask(1, 'terminal.hello', { surface: 'cashier' })).toEqual({ t: 'res', id: 1, ok: true, result: INFO });
    client.ws.close();
  });

  it('any address but loopback gets a generated token; loopback gets none unless one is given', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h)).toBe(true);
      expect(tokenFor(h, undefined)).toBeNull();
    }
    const seen = new Set<string>();
    for (const h of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', 'pos-1.local', '::ffff:192.168.1.20']) {
      expect(isLoopbackHost(h)).toBe(false);
      const token = tokenFor(h, undefined);
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      seen.add(token ?? '');
    }
    expect(seen.size).toBe(6);
    expect(tokenFor('127.0.0.1', 'given-token-given-token-given')).toBe('given-token-given-token-given');
  });

  it('prints the addresses a browser can use: the bound one, or for a wildcard 127.0.0.1 and each LAN address', () => {
    expect(addressesFor('127.0.0.1', 8770)).toEqual({ url: 'http://127.0.0.1:8770', urls: ['http://127.0.0.1:8770'] });
    expect(addressesFor('::1', 8770)).toEqual({ url: 'http://[::1]:8770', urls: ['http://[::1]:8770'] });
    expect(addressesFor('192.168.1.20', 80)).toEqual({ url: 'http://192.168.1.20:80', urls: ['http://192.168.1.20:80'] });
    for (const wildcard of ['0.0.0.0', '::']) {
      const { url, urls } = addressesFor(wildcard, 8770);
      expect(url).toBe('http://127.0.0.1:8770');
      expect(urls[0]).toBe(url);
      for (const u of urls.slice(1)) {
        expect(u).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:8770$/);
        expect(u).not.toContain('127.0.0.1');
      }
    }
  });

  it('refuses to start without a built renderer, naming the folder and the build command', async () => {
    const empty = join(dir, 'not-built');
    mkdirSync(empty, { recursive: true });
    const start = startServeHost({ posHost: new TinyPosHost(), rendererDir: empty });
    await expect(start).rejects.toThrow(ServeError);
    await expect(start).rejects.toThrow(`no index.html in ${empty}: build the renderer with \`npm run build:renderer\``);
  });

  it('refuses a weak token and a bad port', async () => {
    await expect(startServeHost({ posHost: new TinyPosHost(), rendererDir, token: 'short' })).rejects.toThrow(/24–256 characters/);
    await expect(startServeHost({ posHost: new TinyPosHost(), rendererDir, port: 70_000 })).rejects.toThrow('port must be a whole number 0–65535, got 70000');
  });

  it('a port in use is reported as EADDRINUSE', async () => {
    const first = await serve(new TinyPosHost());
    await expect(startServeHost({ posHost: new TinyPosHost(), rendererDir, port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('the renderer over HTTP', () => {
  let host: ServeHost;
  beforeAll(async () => {
    host = await startServeHost({ posHost: new TinyPosHost(), rendererDir });
  });
  afterAll(async () => {
    await host.close();
  });

  it('/, /customer and /manager (and their sub-routes) answer index.html', async () => {
    for (const path of ['/', '/index.html', '/customer', '/customer/', '/manager', '/manager/', '/manager/devices', '/?lang=en']) {
      const r = await raw(host.port, path);
      expect(r.status, path).toBe(200);
      expect(r.body, path).toBe(INDEX);
      expect(r.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control'], path).toBe('no-cache');
    }
  });

  it('files get their content types; hashed assets are cached as immutable', async () => {
    const expected: Record<string, string> = {
      '/assets/app-3f2a.js': 'text/javascript; charset=utf-8',
      '/assets/app-3f2a.css': 'text/css; charset=utf-8',
      '/icon.svg': 'image/svg+xml',
      '/logo.png': 'image/png',
      '/app.webmanifest': 'application/manifest+json; charset=utf-8',
    };
    for (const [path, type] of Object.entries(expected)) {
      const r = await raw(host.port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toBe(type);
    }
    expect((await raw(host.port, '/assets/app-3f2a.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await raw(host.port, '/icon.svg')).headers['cache-control']).toBe('no-cache');
  });

  it('a missing file is 404, never index.html; a missing asset under a surface too', async () => {
    for (const path of ['/nope.js', '/assets/gone-1234.js', '/customer/app.js', '/settings', '/.env']) {
      const r = await raw(host.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('<!doctype html>');
      expect(r.body, path).not.toContain(SECRET);
    }
  });

  it('refuses path traversal, plain and encoded, and a symlink out of the folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/customer/%2e%2e/%2e%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/secret.txt%00.js',
      '/%E0%A4%A',
      '/escape.txt',
      '//etc/passwd',
    ];
    for (const path of attempts) {
      const r = await raw(host.port, path);
      expect([400, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(SECRET);
      expect(r.body, path).not.toContain('root:');
    }
    expect((await raw(host.port, '/../secret.txt')).body).toContain('".."');
  });

  it('every answer carries the CSP (connect only to itself, HTTP and WebSocket) and nosniff', async () => {
    for (const path of ['/', '/assets/app-3f2a.js', '/nope']) {
      const r = await raw(host.port, path);
      const csp = String(r.headers['content-security-policy']);
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain(`connect-src 'self' ws://127.0.0.1:${host.port} wss://127.0.0.1:${host.port}`);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
      expect(r.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });

  it('HEAD gives the headers only; an unchanged file answers 304 to its ETag', async () => {
    const head = await raw(host.port, '/assets/app-3f2a.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('console.log("kassa")'.length));
    const etag = String(head.headers.etag);
    const again = await raw(host.port, '/assets/app-3f2a.js', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('other methods are 405 with Allow; /api over plain HTTP is 426', async () => {
    const post = await raw(host.port, '/', { 'Content-Length': '0' }, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const api = await raw(host.port, '/api');
    expect(api.status).toBe(426);
    expect(api.body).toContain('WebSocket');
  });

  it('a Host that is not loopback is refused (DNS rebinding); a missing Host is 400', async () => {
    const rebound = await raw(host.port, '/', { Host: `evil.example:${host.port}` });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('<!doctype html>');
    for (const ok of [`localhost:${host.port}`, `[::1]:${host.port}`, `127.0.0.1:${host.port}`]) {
      expect((await raw(host.port, '/', { Host: ok })).status, ok).toBe(200);
    }
    const missing = await rawSocket(host.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(missing).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('the WebSocket at /api', () => {
  it('carries requests and replies; the core validates the params and names the field', async () => {
    const core = new TinyPosHost();
    const host = await serve(core);
    const c = await openWs(wsUrl(host));
    expect(await c.ask(1, 'catalog.search', { query: 'app' })).toEqual({ t: 'res', id: 1, ok: true, result: [CATALOG[0]] });
    expect(await c.ask(2, 'catalog.search', { query: 7 })).toMatchObject({ id: 2, ok: false, error: { code: 'bad-request', message: expect.stringContaining('query') } });
    expect(await c.ask(3, 'no.such', {})).toMatchObject({ id: 3, ok: false, error: { code: 'unknown-request' } });
    c.ws.close();
  });

  it('pushes every event to every connected page', async () => {
    const core = new TinyPosHost();
    const host = await serve(core);
    const [a, b] = await Promise.all([openWs(wsUrl(host)), openWs(wsUrl(host))]);
    expect(await a.ask(1, 'checkout.send', { command: { type: 'SCAN', data: '6901234567892' } })).toMatchObject({ ok: true });
    for (const c of [a, b]) expect(await c.next((m) => m.t === 'evt', 'the customer event')).toEqual({ t: 'evt', name: 'customer', payload: { lines: 1 } });
    expect(host.stats()).toMatchObject({ connections: 2, accepted: 2, requests: 1, events: 1 });
    a.ws.close();
    b.ws.close();
  });

  it('refuses another Origin with 403; accepts its own and the allowed ones', async () => {
    const host = await serve(new TinyPosHost(), { allowOrigins: ['http://localhost:5173'] });
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${host.port + 1}`, `http://localhost.evil.example:${host.port}`, 'file://']) {
      const r = await refusedStatus(openWs(wsUrl(host), { origin }));
      expect(r.status, origin).toBe(403);
      expect(r.body, origin).toContain('may not use');
    }
    for (const origin of [`http://127.0.0.1:${host.port}`, 'http://localhost:5173']) {
      const c = await openWs(wsUrl(host), { origin });
      expect((await c.ask(1, 'terminal.hello', { surface: 'customer' })).ok, origin).toBe(true);
      c.ws.close();
    }
    // The Host must be loopback too, or a rebound name could send a matching Origin.
    const rebound = await refusedStatus(openWs(wsUrl(host), { origin: `http://evil.example:${host.port}`, headers: { Host: `evil.example:${host.port}` } }));
    expect(rebound.status).toBe(421);
    expect(host.stats().refusedUpgrades).toBe(6);
  });

  it('upgrades only /api', async () => {
    const host = await serve(new TinyPosHost());
    expect((await refusedStatus(openWs(`${host.url.replace('http:', 'ws:')}/`))).status).toBe(404);
    expect((await refusedStatus(openWs(`${host.url.replace('http:', 'ws:')}/api/x`))).status).toBe(404);
  });

  it('answers garbage with bad-request naming the problem, and keeps serving', async () => {
    const core = new TinyPosHost();
    const host = await serve(core);
    const c = await openWs(wsUrl(host));
    const cases: Array<[string | Buffer, number, string]> = [
      ['not json', -1, 'not JSON'],
      ['[1,2,3]', -1, 'not a request message'],
      ['null', -1, 'not a request message'],
      ['{"t":"req","name":"terminal.hello","params":{}}', -1, 'id'],
      ['{"t":"req","id":5,"params":{}}', 5, 'name'],
      ['{"t":"evt","id":6,"name":"x","params":{}}', 6, 't'],
      ['{"t":"req","id":-3,"name":"terminal.hello"}', -1, 'id'],
      [Buffer.from([0xde, 0xad, 0xbe, 0xef]), -1, 'binary frames'],
    ];
    for (const [data, id, mention] of cases) {
      c.ws.send(data);
      const reply = await c.next((m) => m.t === 'res', `the reply to ${String(data)}`);
      expect(reply, String(data)).toMatchObject({ id, ok: false, error: { code: 'bad-request', message: expect.stringContaining(mention) } });
    }
    expect(await c.ask(9, 'terminal.hello', { surface: 'cashier' })).toMatchObject({ ok: true });
    expect(host.stats().garbage).toBe(cases.length);
    c.ws.close();
  });

  it('random frames never crash it: each gets an answer or a close, and the next page is served', async () => {
    const core = new TinyPosHost();
    const host = await serve(core, { maxMessageBytes: 2048 });
    let c = await openWs(wsUrl(host));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.json(),
          fc.uint8Array({ maxLength: 300 }),
          fc.record({ t: fc.constant('req'), id: fc.integer(), name: fc.string(), params: fc.anything() }).map((o) => JSON.stringify(o)),
        ),
        async (frame) => {
          if (c.ws.readyState !== WebSocket.OPEN) c = await openWs(wsUrl(host));
          const before = c.inbox.length;
          c.ws.send(typeof frame === 'string' ? frame : Buffer.from(frame));
          await until(() => c.inbox.length > before || c.ws.readyState === WebSocket.CLOSED, 'an answer or a close', 3000);
        },
      ),
      { numRuns: 150 },
    );
    const fresh = await openWs(wsUrl(host));
    expect(await fresh.ask(1, 'terminal.hello', { surface: 'manager' })).toMatchObject({ ok: true, result: INFO });
    c.ws.close();
    fresh.ws.close();
  });

  it('closes a page that keeps sending garbage (1008)', async () => {
    const host = await serve(new TinyPosHost());
    const c = await openWs(wsUrl(host));
    for (let i = 0; i < 25; i += 1) c.ws.send('garbage');
    expect(await c.closed).toEqual({ code: 1008, reason: 'too many malformed messages' });
  });

  it('a message over the size limit closes the connection with 1009; the host carries on', async () => {
    const host = await serve(new TinyPosHost(), { maxMessageBytes: 1024 });
    const c = await openWs(wsUrl(host));
    c.ws.send(JSON.stringify({ t: 'req', id: 1, name: 'catalog.search', params: { query: 'x'.repeat(2000) } }));
    expect((await c.closed).code).toBe(1009);
    const d = await openWs(wsUrl(host));
    expect(await d.ask(1, 'catalog.search', { query: 'ban' })).toMatchObject({ ok: true, result: [CATALOG[1]] });
    d.ws.close();
  });

  it('too many unanswered requests: the extra ones are answered unavailable at once', async () => {
    const core = new TinyPosHost();
    core.hold();
    const host = await serve(core, { maxInFlight: 2 });
    const c = await openWs(wsUrl(host));
    for (const id of [1, 2, 3]) c.ws.send(JSON.stringify({ t: 'req', id, name: 'sales.receipt', params: { saleId: `S${id}` } }));
    expect(await c.next((m) => m.id === 3, 'the third reply')).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('too many requests') } });
    core.release();
    expect(await c.next((m) => m.id === 1, 'the first reply')).toMatchObject({ ok: true, result: { saleId: 'S1' } });
    expect(await c.next((m) => m.id === 2, 'the second reply')).toMatchObject({ ok: true, result: { saleId: 'S2' } });
    expect(host.stats().overloaded).toBe(1);
    c.ws.close();
  });

  it('a core that throws answers internal for that request and reports it', async () => {
    const problems: string[] = [];
    const host = await serve(new TinyPosHost(), { onError: (m) => problems.push(m) });
    const c = await openWs(wsUrl(host));
    expect(await c.ask(4, 'devices.list', {})).toMatchObject({ id: 4, ok: false, error: { code: 'internal' } });
    expect(problems).toEqual(['the core failed on devices.list (request 4)']);
    expect(await c.ask(5, 'terminal.hello', { surface: 'cashier' })).toMatchObject({ ok: true });
    c.ws.close();
  });

  it('a page that stops answering pings is cut', async () => {
    const host = await serve(new TinyPosHost(), { heartbeatMs: 50 });
    const c = await openWs(wsUrl(host), { autoPong: false });
    expect((await c.closed).code).toBe(1006);
    expect(host.stats().cut).toBe(1);
  });
});

describe('with a token', () => {
  const TOKEN = 'test-token-0123456789abcdefABCDEF';
  let host: ServeHost;
  beforeAll(async () => {
    host = await startServeHost({ posHost: new TinyPosHost(), rendererDir, token: TOKEN });
  });
  afterAll(async () => {
    await host.close();
  });

  it('refuses a WebSocket with no token or a wrong one (401)', async () => {
    const none = await refusedStatus(openWs(wsUrl(host)));
    expect(none.status).toBe(401);
    expect(none.body).toContain('needs its access token');
    const wrong: Array<Record<string, string>> = [
      { Authorization: 'Bearer wrong-token-wrong-token-wrong' },
      { Authorization: `Basic ${TOKEN}` },
      { Cookie: `${cookieName(host.port + 1)}=${TOKEN}` },
    ];
    for (const headers of wrong) {
      const options = { headers };
      expect((await refusedStatus(openWs(wsUrl(host), options))).status, JSON.stringify(options)).toBe(401);
    }
    expect((await refusedStatus(openWs(wsUrl(host, '?token=wrong')))).status).toBe(401);
    expect((await refusedStatus(openWs(wsUrl(host, `?token=${TOKEN}`), { origin: 'http://evil.example' }))).status).toBe(403);
  });

  it('accepts the token as a Bearer header, as ?token= and as its cookie', async () => {
    const ways: Array<[string, WebSocket.ClientOptions]> = [
      [wsUrl(host), { headers: { Authorization: `Bearer ${TOKEN}` } }],
      [wsUrl(host, `?token=${TOKEN}`), {}],
      [wsUrl(host), { headers: { Cookie: `other=1; ${cookieName(host.port)}=${TOKEN}` }, origin: host.url }],
    ];
    for (const [url, options] of ways) {
      const c = await openWs(url, options);
      expect((await c.ask(1, 'terminal.hello', { surface: 'cashier' })).ok).toBe(true);
      c.ws.close();
    }
  });

  it('pages need it too; opening the printed ?token= address sets the cookie and drops the token from the address', async () => {
    const bare = await raw(host.port, '/customer');
    expect(bare.status).toBe(401);
    expect(bare.body).not.toContain('<!doctype html>');
    expect(bare.body).toContain('?token=');
    expect((await raw(host.port, '/customer?token=nope')).status).toBe(401);

    const signIn = await raw(host.port, `/customer?token=${TOKEN}&lang=en`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/customer?lang=en');
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toContain(`${cookieName(host.port)}=${TOKEN}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect((await raw(host.port, `//evil.example/?token=${TOKEN}`)).headers.location).toBe('/evil.example/');

    const page = await raw(host.port, '/customer?lang=en', { Cookie: `${cookieName(host.port)}=${TOKEN}` });
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX);
    expect((await raw(host.port, '/assets/app-3f2a.js', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});

describe('with the renderer\'s WebSocket channel', () => {
  it('connects with the token in its URL, rides out a restart of the host, and carries requests again', async () => {
    const TOKEN = 'channel-token-0123456789abcdefABCD';
    const first = await startServeHost({ posHost: new TinyPosHost(), rendererDir, token: TOKEN });
    const port = first.port;
    const channel = connectWsChannel(`ws://127.0.0.1:${port}/api?token=${TOKEN}`, { WebSocket, initialDelayMs: 20, maxDelayMs: 100 });
    const states: ConnectionState[] = [];
    channel.onState((s) => states.push(s));
    const inbox: Array<Record<string, unknown>> = [];
    channel.subscribe((m) => inbox.push(m as unknown as Record<string, unknown>));
    try {
      await until(() => channel.state === 'open', 'the channel to open');
      channel.post({ t: 'req', id: 1, name: 'terminal.hello', params: { surface: 'customer' } });
      await until(() => inbox.some((m) => m.id === 1), 'the hello reply');
      await first.close();
      await until(() => channel.state === 'reconnecting', 'the channel to notice');
      channel.post({ t: 'req', id: 2, name: 'catalog.search', params: { query: 'apple' } });
      const second = await serve(new TinyPosHost(), { port, token: TOKEN });
      await until(() => inbox.some((m) => m.id === 2), 'the queued request to be answered by the new host', 5000);
      expect(inbox.find((m) => m.id === 2)).toMatchObject({ ok: true, result: [CATALOG[0]] });
      expect(states).toEqual(['open', 'reconnecting', 'open']);
      expect(second.stats().accepted).toBe(1);
    } finally {
      channel.close();
      await first.close();
    }
  });

  it('round trips over the WebSocket are fast: 300 sequential requests', async () => {
    const host = await serve(new TinyPosHost());
    const ws = new WebSocket(wsUrl(host));
    await new Promise((resolve) => ws.once('open', resolve));
    const times: number[] = [];
    for (let id = 1; id <= 300; id += 1) {
      const t0 = performance.now();
      const reply = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
      ws.send(JSON.stringify({ t: 'req', id, name: 'catalog.search', params: { query: 'a' } }));
      expect(await reply).toMatchObject({ id, ok: true });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p95 = times[284] ?? 0;
    console.log(`WebSocket request → reply (test core): p50 ${(times[150] ?? 0).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`);
    expect(p95).toBeLessThan(50);
    ws.close();
  });
});

describe('shutdown', () => {
  it('closes every WebSocket with 1001, drops late replies, frees the port, and stops listening to the core', async () => {
    const core = new TinyPosHost();
    core.hold();
    const host = await startServeHost({ posHost: core, rendererDir });
    const [a, b] = await Promise.all([openWs(wsUrl(host)), openWs(wsUrl(host))]);
    a.ws.send(JSON.stringify({ t: 'req', id: 1, name: 'sales.receipt', params: { saleId: 'S1' } }));
    await until(() => host.stats().requests === 1, 'the request to reach the core');
    expect(core.subscribers).toBe(1);
    const t0 = Date.now();
    await host.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await a.closed).toEqual({ code: 1001, reason: 'Kassa is shutting down' });
    expect((await b.closed).code).toBe(1001);
    expect(core.subscribers).toBe(0);
    core.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.inbox).toEqual([]);
    await expect(raw(host.port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await host.close(); // twice is fine
  });
});
