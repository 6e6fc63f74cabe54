// SyncClient.reserveCoupon / releaseCoupon against a small HTTP stub on 127.0.0.1: the request
// on the wire, answers checked with the protocol's schemas, and "no answer" told apart from an
// answer by a typed error.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { CouponRequestError, SyncClient } from '../../../../src/core/sync/sync-client.ts';
import { SyncRequestError } from '../../../../src/core/sync/sync-http.ts';
import { SYNC_PATHS, TERMINAL_HEADER } from '../../../../src/shared/sync-protocol.ts';
import { tempDbFile } from '../../../support/sale-fixtures.ts';

const AT = '2026-03-02T10:00:00.000Z';
let answer: (res: ServerResponse, body: unknown) => void = (res) => res.end();
const seen: { method: string; url: string; terminal: string | undefined; body: unknown }[] = [];
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const parsed = body === '' ? undefined : (JSON.parse(body) as unknown);
      seen.push({ method: req.method ?? '', url: req.url ?? '', terminal: req.headers[TERMINAL_HEADER] as string | undefined, body: parsed });
      answer(res, parsed);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile();
  db = openDatabase(tmp.file);
  seen.length = 0;
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const client = (serverUrl = url, timeoutMs = 2_000) =>
  new SyncClient({ db, serverUrl, terminalId: 'T01', token: 't'.repeat(40), currency: 'CNY', taxClasses: ['standard'], timeoutMs, now: () => new Date(AT) });
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);

describe('SyncClient coupon reservations', () => {
  it('posts the reservation as the terminal and returns the checked answer', async () => {
    answer = json(200, { status: 'reserved', code: 'SAVE10', saleId: 'S1' });
    expect(await client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT })).toEqual({ status: 'reserved', code: 'SAVE10', saleId: 'S1' });
    expect(seen).toEqual([{ method: 'POST', url: SYNC_PATHS.couponReserve, terminal: 'T01', body: { code: 'SAVE10', saleId: 'S1', at: AT } }]);
  });

  it('returns "used" with who has it', async () => {
    const by = { terminalId: 'T02', saleId: 'X-T02', state: 'sold', receiptNo: 9, at: AT };
    answer = json(200, { status: 'used', code: 'SAVE10', by });
    expect(await client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT })).toEqual({ status: 'used', code: 'SAVE10', by });
  });

  it('releases, and says whether the server had something to give back', async () => {
    answer = json(200, { code: 'SAVE10', released: false });
    expect(await client().releaseCoupon({ code: 'SAVE10', saleId: 'S1' })).toEqual({ code: 'SAVE10', released: false });
    expect(seen[0]).toMatchObject({ method: 'POST', url: SYNC_PATHS.couponRelease, body: { code: 'SAVE10', saleId: 'S1' } });
  });

  it('no server listening is an "offline" SyncRequestError, not an answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(client(`http://127.0.0.1:${port}`).reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }));
    expect(err).toBeInstanceOf(SyncRequestError);
    expect(err).toMatchObject({ kind: 'offline', message: expect.stringContaining('cannot reach the store server') });
  });

  it('an answer that is not the protocol’s, or is for another code or sale, is refused as transient', async () => {
    answer = json(200, { status: 'maybe', code: 'SAVE10' });
    expect(await failure(client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }))).toMatchObject({ kind: 'transient', message: expect.stringContaining("not the sync protocol's") });
    answer = json(200, { status: 'reserved', code: 'OTHER', saleId: 'S1' });
    expect(await failure(client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }))).toMatchObject({ kind: 'transient', message: expect.stringContaining('answered for OTHER') });
    answer = json(200, { status: 'reserved', code: 'SAVE10', saleId: 'S2' });
    expect(await failure(client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }))).toMatchObject({ kind: 'transient', message: expect.stringContaining('answered for sale S2') });
    answer = json(200, { code: 'OTHER', released: true });
    expect(await failure(client().releaseCoupon({ code: 'SAVE10', saleId: 'S1' }))).toMatchObject({ kind: 'transient' });
  });

  it('a server refusal keeps its code (an older server without the route is refused, not offline)', async () => {
    answer = json(401, { error: { code: 'bad-token', message: 'unknown token' } });
    expect(await failure(client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }))).toMatchObject({ kind: 'refused', code: 'bad-token', status: 401 });
    answer = (res) => {
      res.writeHead(404);
      res.end('no such route');
    };
    expect(await failure(client().reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }))).toMatchObject({ kind: 'refused', status: 404 });
  });

  it('a request the protocol would refuse is not sent', async () => {
    const err = await failure(client().reserveCoupon({ code: 'X'.repeat(65), saleId: 'S1', at: AT }));
    expect(err).toBeInstanceOf(CouponRequestError);
    expect(err?.message).toMatch(/^coupon reservation: code: /);
    expect(seen).toEqual([]);
  });

  // Last: it leaves a connection the stub never answered, closed by force.
  it('a server that does not answer in time is "offline"', async () => {
    answer = () => undefined; // never answers
    const err = await failure(client(url, 150).reserveCoupon({ code: 'SAVE10', saleId: 'S1', at: AT }));
    expect(err).toMatchObject({ kind: 'offline', message: expect.stringContaining('no answer') });
    server.closeAllConnections();
  });
});
