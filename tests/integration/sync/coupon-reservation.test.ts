// Single-use coupons across two terminals against the real store server (src/server/store) on
// embedded PGlite, over HTTP on 127.0.0.1: coupons and members imported on the server reach
// each terminal with the catalog; a coupon reserved by one terminal is refused on the other
// naming it, released and taken there, and once that sale syncs refused everywhere naming its
// receipt. A server that is down goes by the terminal's offline policy.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { commitSale } from '../../../src/core/db/sales.ts';
import { CouponService, type CouponOfflinePolicy } from '../../../src/core/loyalty/coupon-service.ts';
import { MemberService } from '../../../src/core/loyalty/member-service.ts';
import { SyncClient } from '../../../src/core/sync/sync-client.ts';
import { startStoreServer, type StoreServer } from '../../../src/server/store/http-api.ts';
import { openStoreStorage, type StoreStorage } from '../../../src/server/store/storage.ts';
import { SYNC_PATHS, type ImportResponse } from '../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT } from '../../support/sale-fixtures.ts';
import { ADMIN_TOKEN, adminHeaders, call, freshId, register } from '../server/store/store-fixtures.ts';

const TODAY = '2026-03-02';
let dir: string;
let storage: StoreStorage;
let server: StoreServer;
const open: Db[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-coupons-'));
  storage = await openStoreStorage({ dataDir: join(dir, 'store') });
  server = await startStoreServer({ storage, adminToken: ADMIN_TOKEN });
}, 60_000);
afterAll(async () => {
  await server.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

const coupon = (code: string, use: 'single' | 'multi') => ({ code, name: `Coupon ${code}`, use, from: null, until: null, minSpend: 0, amount: 500, percentBps: null });

async function terminal(storeId: string, policy: CouponOfflinePolicy = 'refuse', serverUrl = server.url) {
  const id = freshId('T');
  const till = await register(server, storeId, id);
  const db = openDatabase(join(dir, `${id}.db`));
  open.push(db);
  const client = new SyncClient({ db, serverUrl, terminalId: id, token: till.token, currency: 'CNY', taxClasses: ['standard'], timeoutMs: 5_000 });
  const coupons = new CouponService({ db, terminalId: id, reservations: client, offlinePolicy: policy, formatMoney: String });
  return { id, db, client, coupons, redeem: (code: string, saleId: string) => coupons.redeem({ code, saleId, spend: 10_000, today: TODAY, training: false }) };
}

async function importCoupons(storeId: string) {
  const r = await call<ImportResponse>(server, 'POST', SYNC_PATHS.adminCoupons(storeId), { headers: adminHeaders, body: { coupons: [coupon('ONCE1', 'single'), coupon('MANY1', 'multi')], replace: false } });
  expect(r.status).toBe(200);
}

describe('coupon reservation across terminals', () => {
  it('one terminal’s reservation refuses the coupon on the other until released; a synced sale refuses it for good', async () => {
    const storeId = freshId('S');
    await importCoupons(storeId);
    const a = await terminal(storeId);
    const b = await terminal(storeId);
    for (const t of [a, b]) expect((await t.client.syncOnce(50)).catalogVersion).toBeGreaterThanOrEqual(2);

    const saleA = makeSale({ terminalId: a.id });
    expect(await a.redeem('once1', saleA.id)).toMatchObject({ ok: true, redemption: 'reserved' });
    expect(await a.redeem('ONCE1', saleA.id)).toMatchObject({ ok: true, redemption: 'reserved' });
    expect(await b.redeem('ONCE1', 'B-SALE-1')).toEqual({ ok: false, error: `single-use coupon ONCE1 is already on a sale in progress on terminal ${a.id} (sale ${saleA.id})` });
    expect(await b.redeem('MANY1', 'B-SALE-1')).toMatchObject({ ok: true, redemption: 'multi' });

    expect(await a.coupons.release('ONCE1', saleA.id)).toEqual({ local: true, server: 'released' });
    const saleB = makeSale({ terminalId: b.id });
    expect(await b.redeem('ONCE1', saleB.id)).toMatchObject({ ok: true, redemption: 'reserved' });
    const { receiptNo } = commitSale(b.db, { record: { ...saleB, coupon: { code: 'ONCE1', name: 'Coupon ONCE1', use: 'single', amount: 0, redemption: 'reserved' } }, snapshot: SNAPSHOT, at: saleB.completedAt });
    expect((await b.client.syncOnce(50)).applied).toBe(1);

    expect(await a.redeem('ONCE1', saleA.id)).toEqual({ ok: false, error: `single-use coupon ONCE1 was already used on terminal ${b.id}, receipt ${receiptNo}` });
    // Releasing a sold coupon gives nothing back on the server.
    expect(await b.coupons.release('ONCE1', saleB.id)).toEqual({ local: true, server: 'not-held' });
  });

  it('a store server that is down: refused under "refuse", taken offline under "accept"', async () => {
    const storeId = freshId('S');
    await importCoupons(storeId);
    const a = await terminal(storeId, 'refuse');
    await a.client.syncOnce(50);
    // A port nothing listens on: taken, then given back.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refuse = new CouponService({ db: a.db, terminalId: a.id, reservations: new SyncClient({ db: a.db, serverUrl: downUrl, terminalId: a.id, token: 'x'.repeat(40), currency: 'CNY', taxClasses: ['standard'] }), offlinePolicy: 'refuse', formatMoney: String });
    const refused = await refuse.redeem({ code: 'ONCE1', saleId: 'S1', spend: 1000, today: TODAY, training: false });
    expect(refused).toEqual({ ok: false, error: 'the store server cannot be reached to check single-use coupon ONCE1: it is refused while offline', detail: expect.stringContaining('ECONNREFUSED') });
    await refuse.settled();
    const accept = new CouponService({ db: a.db, terminalId: a.id, reservations: new SyncClient({ db: a.db, serverUrl: downUrl, terminalId: a.id, token: 'x'.repeat(40), currency: 'CNY', taxClasses: ['standard'] }), offlinePolicy: 'accept', formatMoney: String });
    expect(await accept.redeem({ code: 'ONCE1', saleId: 'S1', spend: 1000, today: TODAY, training: false })).toMatchObject({ ok: true, redemption: 'offline' });
  });

  it('members imported on the server are identified on the terminal after a sync', async () => {
    const storeId = freshId('S');
    const r = await call<ImportResponse>(server, 'POST', SYNC_PATHS.adminMembers(storeId), {
      headers: adminHeaders,
      body: { members: [{ id: 'M001', name: '王芳', phone: '13800000000', codes: ['QR-M001'], points: 120, active: true }], replace: false },
    });
    expect(r.status).toBe(200);
    const a = await terminal(storeId);
    await a.client.syncOnce(50);
    const members = new MemberService({ db: a.db });
    expect(members.identify('QR-M001')).toEqual({ ok: true, member: { id: 'M001', name: '王芳', points: 120 } });
    expect(members.identify('138-0000-0000')).toMatchObject({ ok: true, member: { id: 'M001' } });
  });
});
