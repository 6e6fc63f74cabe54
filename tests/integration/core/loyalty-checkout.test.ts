// Promotions, coupons and members at the counter, end to end (issue 8): two terminals with real
// checkout services, their catalogs, promotions, coupons and members pulled from the real store
// server (embedded PGlite, HTTP on 127.0.0.1). Both sell while the store server cannot be
// reached and both accept the same single-use coupon under the "accept" policy; when they sync,
// the settlement lists the double redemption. Bad input at the counter leaves the cart as it was.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalog } from '../../../src/core/catalog-import.ts';
import { startCheckout, type CheckoutService, type CheckoutSnapshot } from '../../../src/core/checkout-service.ts';
import { getSale } from '../../../src/core/db/sales.ts';
import { checkoutLoyalty } from '../../../src/core/loyalty/checkout-loyalty.ts';
import { dataPaths } from '../../../src/core/paths.ts';
import { openTerminal, type Terminal } from '../../../src/core/runtime.ts';
import { SyncClient } from '../../../src/core/sync/sync-client.ts';
import { verifyStore } from '../../../src/core/verify.ts';
import { computeTotals } from '../../../src/domain/cart.ts';
import { startStoreServer, type StoreServer } from '../../../src/server/store/http-api.ts';
import { openStoreStorage, type StoreStorage } from '../../../src/server/store/storage.ts';
import { SYNC_PATHS, type MembersListResponse, type SettlementResponse } from '../../../src/shared/sync-protocol.ts';
import { ADMIN_TOKEN, adminHeaders, call, freshId, register } from '../server/store/store-fixtures.ts';

const CATALOG_CSV = [
  'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes',
  'COLA,可口可乐 330ml,Coca-Cola 330ml,3.50,each,standard,Beverages,1,6901234567892',
  'RICE,东北大米 5kg,Northeast Rice 5kg,49.90,each,reduced,Grain,1,6900000000021',
  '',
].join('\n');
const COLA = '6901234567892';
const RICE = '6900000000021';

const ALWAYS = { weekdays: null, hours: [], from: null, until: null };
const PROMOTIONS = [
  { id: 'cola-3for9', name: 'Cola 3 for 9.00', kind: 'n_for_price', quantity: 3, price: 900, target: { kind: 'item', skus: ['COLA'] }, memberOnly: false, stacking: 'stackable', group: null, priority: 0, window: ALWAYS },
  { id: 'rice-member', name: 'Member price rice', kind: 'fixed_price', price: 4500, target: { kind: 'item', skus: ['RICE'] }, memberOnly: true, stacking: 'stackable', group: null, priority: 0, window: ALWAYS },
];
const COUPONS = [
  { code: 'CPN-ONCE1', name: 'Welcome 5 off', use: 'single', from: null, until: null, minSpend: 2000, amount: 500, percentBps: null },
  { code: 'CPN-OLD', name: 'Last year', use: 'multi', from: '2025-01-01', until: '2025-12-31', minSpend: 0, amount: 100, percentBps: null },
];
const MEMBERS = [{ id: 'M001', name: '王芳', phone: '13800000000', codes: ['MBR-0001'], points: 120, active: true }];

let dir: string;
let storage: StoreStorage;
let server: StoreServer;
let downUrl: string;
const storeId = freshId('S');
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-loyalty-'));
  storage = await openStoreStorage({ dataDir: join(dir, 'store') });
  server = await startStoreServer({ storage, adminToken: ADMIN_TOKEN });
  for (const [path, body] of [
    [SYNC_PATHS.adminPromotions(storeId), { promotions: PROMOTIONS, replace: false }],
    [SYNC_PATHS.adminCoupons(storeId), { coupons: COUPONS, replace: false }],
    [SYNC_PATHS.adminMembers(storeId), { members: MEMBERS, replace: false }],
  ] as const) {
    const r = await call(server, 'POST', path, { headers: adminHeaders, body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  // A port nothing listens on: the store server "down" for coupon reservations.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
}, 60_000);

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await server.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Till {
  readonly id: string;
  readonly terminal: Terminal;
  readonly client: SyncClient;
  readonly checkout: CheckoutService;
}

/** A terminal with the catalog, synced once (promotions, coupons, members), whose coupon reservations go to a server that is down. */
async function till(): Promise<Till> {
  const id = freshId('T');
  const tdir = join(dir, id);
  const reg = await register(server, storeId, id);
  const paths = dataPaths(tdir);
  mkdirSync(tdir, { recursive: true });
  writeFileSync(join(tdir, 'kassa.config.json'), JSON.stringify({ terminalId: id, currency: 'CNY', loyalty: { couponsOffline: 'accept', pointsPerUnit: 1, pointValue: 1 } }));
  const terminal = await openTerminal(paths, { log: 'silent' });
  closers.push(() => terminal.close());
  const csv = join(tdir, 'catalog.csv');
  writeFileSync(csv, CATALOG_CSV);
  const imported = await importCatalog(terminal.db, csv, { currency: 'CNY', taxClasses: terminal.config.taxClasses, defaultTaxClass: terminal.config.defaultTaxClass });
  expect(imported.errors).toEqual([]);
  const client = new SyncClient({ db: terminal.db, serverUrl: server.url, terminalId: id, token: reg.token, currency: 'CNY', taxClasses: terminal.config.taxClasses.map((t) => t.id), timeoutMs: 5_000 });
  await client.syncOnce(50);
  const offline = new SyncClient({ db: terminal.db, serverUrl: downUrl, terminalId: id, token: reg.token, currency: 'CNY', taxClasses: terminal.config.taxClasses.map((t) => t.id), timeoutMs: 2_000 });
  const loyalty = checkoutLoyalty({ db: terminal.db, config: terminal.config, logger: terminal.logger, reservations: offline });
  const checkout = startCheckout({ db: terminal.db, config: terminal.config, logger: terminal.logger, printer: null, loyalty });
  closers.push(() => checkout.stop());
  return { id, terminal, client, checkout };
}


async function step(t: Till, event: Parameters<CheckoutService['send']>[0]): Promise<CheckoutSnapshot> {
  t.checkout.send(event);
  return t.checkout.settle();
}

describe('promotions, coupons and members at two terminals', () => {
  let a: Till;
  let b: Till;
  beforeAll(async () => {
    a = await till();
    b = await till();
  }, 60_000);

  it('prices the cart with the pulled promotions, puts the member and an offline coupon on it, and records them all', async () => {
    for (let i = 0; i < 3; i++) await step(a, { type: 'SCAN', data: COLA });
    let snap = await step(a, { type: 'SCAN', data: RICE });
    expect(snap.context.cart.promotions?.lines).toEqual([{ lineNo: 1, discounts: [{ promotionId: 'cola-3for9', label: 'Cola 3 for 9.00', amount: 150 }] }]);
    expect(computeTotals(snap.context.cart).total).toBe(900 + 4990);

    snap = await step(a, { type: 'SCAN', data: 'MBR-0001' });
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.cart.member).toMatchObject({ id: 'M001', name: '王芳', points: 120 });
    expect(computeTotals(snap.context.cart).total).toBe(900 + 4500); // the member price on the rice

    snap = await step(a, { type: 'COUPON', code: 'cpn-once1' });
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.cart.coupon).toMatchObject({ code: 'CPN-ONCE1', amount: 500, redemption: 'offline' });
    snap = await step(a, { type: 'REDEEM_POINTS', points: 100 });
    const total = computeTotals(snap.context.cart).total;
    expect(total).toBe(900 + 4500 - 500 - 100);

    await step(a, { type: 'TENDER' });
    snap = await step(a, { type: 'TENDER_CASH', received: 10_000 });
    const saleId = snap.context.lastSale?.id ?? '';
    const sale = getSale(a.terminal.db, saleId);
    expect(sale?.lines[0]?.promotions).toEqual([{ promotionId: 'cola-3for9', label: 'Cola 3 for 9.00', amount: 150 }]);
    expect(sale?.lines[1]?.promotions?.[0]).toMatchObject({ promotionId: 'rice-member', amount: 490 });
    expect(sale?.coupon).toEqual({ code: 'CPN-ONCE1', name: 'Welcome 5 off', use: 'single', amount: 500, redemption: 'offline' });
    expect(sale?.member).toEqual({ id: 'M001', name: '王芳', pointsRedeemed: 100, pointsDiscount: 100, pointsEarned: 48 });
    const verified = verifyStore(a.terminal.db);
    expect(verified.problems).toEqual([]);
  });

  it('refuses an unknown, expired or second coupon and an unknown member with a clear message, the cart unchanged', async () => {
    await step(b, { type: 'SCAN', data: RICE });
    const before = b.checkout.actor.getSnapshot().context.cart;
    for (const [event, message] of [
      [{ type: 'COUPON', code: 'NOPE-123' }, /no coupon with code "NOPE-123" on this terminal/],
      [{ type: 'COUPON', code: 'CPN-OLD' }, /coupon CPN-OLD expired on 2025-12-31/],
      [{ type: 'MEMBER', query: '13999999999' }, /no member with number, card or phone "13999999999"/],
    ] as const) {
      const snap = await step(b, event);
      expect(snap.context.lastError).toMatch(message);
      expect(snap.context.cart).toEqual(before);
      await step(b, { type: 'CLEAR_ERROR' });
    }
  });

  it('the same single-use coupon accepted offline on both terminals is flagged when they sync', async () => {
    // b has the rice from the last test; the coupon needs 20.00 of goods.
    let snap = await step(b, { type: 'MEMBER', query: '138 0000 0000' });
    expect(snap.context.cart.member?.id).toBe('M001');
    snap = await step(b, { type: 'COUPON', code: 'CPN-ONCE1' });
    expect(snap.context.cart.coupon).toMatchObject({ code: 'CPN-ONCE1', redemption: 'offline' });
    await step(b, { type: 'TENDER' });
    snap = await step(b, { type: 'TENDER_CASH', received: 5000 });
    expect(snap.context.lastSale?.receiptNo).toBe(1);

    // Back online: both push their sales.
    expect((await a.client.syncOnce(50)).applied).toBe(1);
    expect((await b.client.syncOnce(50)).applied).toBe(1);
    const settlement = await call<SettlementResponse>(server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders });
    expect(settlement.status).toBe(200);
    expect(settlement.body.doubleRedemptions).toHaveLength(1);
    expect(settlement.body.doubleRedemptions[0]?.code).toBe('CPN-ONCE1');
    expect(settlement.body.doubleRedemptions[0]?.sales.map((s) => s.terminalId).sort()).toEqual([a.id, b.id].sort());

    // The member's points: 120 imported − 100 redeemed + 48 earned at a + 40 earned at b.
    const members = await call<MembersListResponse>(server, 'GET', SYNC_PATHS.adminMembers(storeId), { headers: adminHeaders });
    expect(members.body.members.find((m) => m.id === 'M001')?.points).toBe(120 - 100 + 48 + 40);
  });
});
