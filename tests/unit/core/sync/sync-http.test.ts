import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncHttp, SyncRequestError } from '../../../../src/core/sync/sync-http.ts';
import { SYNC_PATHS, TERMINAL_HEADER } from '../../../../src/shared/sync-protocol.ts';

/** What the test server answers next, and what it saw. */
let answer: (res: ServerResponse) => void = (res) => res.end();
const seen: { method: string; url: string; auth: string | undefined; terminal: string | undefined; body: string }[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, terminal: req.headers[TERMINAL_HEADER] as string | undefined, body });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const http = (timeoutMs = 2_000, base = url) => new SyncHttp({ serverUrl: `${base}/`, terminalId: 'T01', token: 'tok-123', timeoutMs });
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as SyncRequestError);
const PUSH = { batchId: 'b1', items: [{ idempotencyKey: 'k1', seq: 1, type: 'sale', schemaVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', payload: {} }] };

describe('SyncHttp', () => {
  it('sends the terminal token and id, and returns the checked answer', async () => {
    const body = { batchId: 'b1', results: [{ idempotencyKey: 'k1', status: 'applied' }], applied: 1, duplicates: 0, rejected: 0, serverTime: '2026-01-01T00:00:01.000Z' };
    answer = json(200, body);
    expect(await http().push(PUSH)).toEqual(body);
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ method: 'POST', url: SYNC_PATHS.push, auth: 'Bearer tok-123', terminal: 'T01' });
    expect(JSON.parse(last?.body ?? '')).toEqual(PUSH);
  });

  it('asks for catalog changes since a version with a page size', async () => {
    answer = json(200, { storeId: 'S1', since: 4, changes: [], latestVersion: 4, more: false });
    expect(await http().pullCatalog(4, 50)).toMatchObject({ since: 4, latestVersion: 4 });
    expect(seen[seen.length - 1]).toMatchObject({ method: 'GET', url: `${SYNC_PATHS.catalog}?since=4&limit=50` });
  });

  it.each([
    ['bad-token (401): a person must fix it', 401, 'bad-token', 'refused'],
    ['newer-schema (422): the server needs an upgrade', 422, 'newer-schema', 'refused'],
    ['malformed (400): a bug on this side', 400, 'malformed', 'refused'],
    ['unavailable (503): retry', 503, 'unavailable', 'transient'],
    ['internal (500): retry', 500, 'internal', 'transient'],
  ] as const)('a refusal %s', async (_label, status, code, kind) => {
    answer = json(status, { error: { code, message: `because ${code}` } });
    const err = await failure(http().push(PUSH));
    expect(err).toBeInstanceOf(SyncRequestError);
    expect(err).toMatchObject({ kind, code, status });
    expect(err?.message).toContain(`${code}: because ${code}`);
  });

  it('a proxy error page (502, not JSON) is transient; a 404 page is refused', async () => {
    answer = (res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    };
    expect(await failure(http().push(PUSH))).toMatchObject({ kind: 'transient', code: null, status: 502 });
    answer = (res) => {
      res.writeHead(404);
      res.end('no such page');
    };
    expect(await failure(http().push(PUSH))).toMatchObject({ kind: 'refused', status: 404 });
  });

  it('a 200 that is not the protocol (another service on that port) is transient, naming the field', async () => {
    answer = json(200, { hello: 'world' });
    const err = await failure(http().push(PUSH));
    expect(err).toMatchObject({ kind: 'transient' });
    expect(err?.message).toMatch(/not the sync protocol's at .*Kassa store server/);
  });

  it('no answer within the timeout, a cut connection, or nothing listening is offline', async () => {
    answer = () => undefined; // never answers
    const slow = await failure(http(100).push(PUSH));
    expect(slow).toMatchObject({ kind: 'offline' });
    expect(slow?.message).toContain('within 100 ms');
    answer = (res) => res.socket?.destroy();
    expect(await failure(http().push(PUSH))).toMatchObject({ kind: 'offline' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nobody = await failure(http(2_000, `http://127.0.0.1:${port}`).push(PUSH));
    expect(nobody).toMatchObject({ kind: 'offline' });
    expect(nobody?.message).toContain('ECONNREFUSED');
  });

  it('a port fetch will never use (a browser-blocked port) is refused, not retried as offline', async () => {
    const err = await failure(http(2_000, 'http://127.0.0.1:6000').push(PUSH));
    expect(err).toMatchObject({ kind: 'refused' });
    expect(err?.message).toContain('run the store server on another port');
  });
});
