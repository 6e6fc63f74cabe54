// Promotions, coupons and members through the PosApi, as the cashier, customer and manager
// screens see them (issue 8): a configured terminal (no devices, no sync) with promotions,
// coupons and members in its database as a catalog pull leaves them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPosHost, type PosHost } from '../../../src/core/api/pos-host.ts';
import { importCatalog } from '../../../src/core/catalog-import.ts';
import { upsertCoupon } from '../../../src/core/db/coupons.ts';
import { upsertMember } from '../../../src/core/db/members.ts';
import { upsertPromotion } from '../../../src/core/db/promotions.ts';
import { openTerminalApp, type TerminalApp } from '../../../src/core/terminal-app.ts';
import type { CheckoutView, CustomerView, MemberHistoryView } from '../../../src/shared/api.ts';

const COLA = '6901234567892';
const AT = '2026-11-26T00:00:00.000Z';
let root: string;
let app: TerminalApp;
let host: PosHost;
let nextId = 1;

async function call(name: string, params: unknown = {}) {
  return host.handle({ t: 'req', id: nextId++, name, params });
}
async function ok<T>(name: string, params: unknown = {}): Promise<T> {
  const r = await call(name, params);
  if (!r.ok) throw new Error(`${name} answered ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
async function send(command: unknown): Promise<CheckoutView> {
  await ok<CheckoutView>('checkout.send', { command });
  for (let i = 0; i < 400; i++) {
    const v = await ok<CheckoutView>('checkout.view');
    if (!v.busy) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the checkout stayed busy');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kassa-pos-loyalty-'));
  writeFileSync(join(root, 'kassa.config.json'), JSON.stringify({ terminalId: 'T01', language: 'en', loyalty: { pointsPerUnit: 2, pointValue: 1 } }));
  app = await openTerminalApp({ dataDir: root, mode: 'configured', log: 'silent' });
  const csv = join(root, 'catalog.csv');
  writeFileSync(csv, ['sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes', 'COLA,可乐,Cola,3.50,each,standard,Beverages,1,6901234567892', ''].join('\n'));
  await importCatalog(app.db, csv, { currency: 'CNY', taxClasses: app.config.taxClasses, defaultTaxClass: app.config.defaultTaxClass });
  const window = { weekdays: null, hours: [], from: null, until: null };
  upsertPromotion(app.db, { id: 'cola2', name: 'Cola 2 for 6.00', kind: 'n_for_price', quantity: 2, price: 600, target: { kind: 'item', skus: ['COLA'] }, memberOnly: false, stacking: 'stackable', group: null, priority: 0, window }, { at: AT });
  upsertCoupon(app.db, { code: 'CPN-MULTI', name: 'One off', use: 'multi', from: null, until: null, minSpend: 0, amount: 100, percentBps: null }, { at: AT });
  upsertCoupon(app.db, { code: 'CPN-ONCE', name: 'Once', use: 'single', from: null, until: null, minSpend: 0, amount: 100, percentBps: null }, { at: AT });
  upsertMember(app.db, { id: 'M7', name: 'Mei', phone: '13800000007', codes: ['MBR-7'], points: 300, active: true }, { at: AT });
  host = createPosHost(app, { host: 'browser', customerHoldMs: 300 });
}, 30_000);

afterAll(async () => {
  await host?.close();
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('promotions, coupons and members through the PosApi', () => {
  it('shows promotions on the line, the member and coupon on the sale, and what the customer saves', async () => {
    await send({ type: 'SCAN', data: COLA });
    let v = await send({ type: 'SCAN', data: COLA });
    expect(v.lines[0]?.promotions).toEqual([{ id: 'cola2', label: 'Cola 2 for 6.00', amount: 100 }]);
    expect(v.totals).toMatchObject({ total: 600, promotions: 100, discounts: 100 });

    v = await send({ type: 'MEMBER', query: '138-0000-0007' });
    expect(v.member).toEqual({ id: 'M7', name: 'Mei', points: 300, pointsRedeemed: 0, pointsDiscount: 0, redeemable: 300 });
    v = await send({ type: 'REDEEM_POINTS', points: 50 });
    expect(v.member).toMatchObject({ pointsRedeemed: 50, pointsDiscount: 50 });

    v = await send({ type: 'COUPON', code: 'CPN-ONCE' });
    expect(v.error).toBe('this terminal is not connected to a store server, so single-use coupon CPN-ONCE cannot be checked: it is refused while offline');
    expect(v.coupon).toBeNull();
    await send({ type: 'CLEAR_ERROR' });
    v = await send({ type: 'COUPON', code: 'cpn-multi' });
    // Its minimum is measured after promotions and the cashier's discounts, before coupon and points.
    expect(v.coupon).toEqual({ code: 'CPN-MULTI', name: 'One off', amount: 100, minSpend: 0, spend: 600, redemption: 'multi' });
    expect(v.totals.total).toBe(600 - 50 - 100);

    const customer = await ok<CustomerView>('customer.view');
    expect(customer.lines[0]?.promotions).toEqual([{ label: 'Cola 2 for 6.00', amount: 100 }]);
    expect(customer.savings).toBe(100 + 50 + 100);
    expect(customer.member).toEqual({ name: 'Mei', points: 300 });

    await send({ type: 'TENDER' });
    v = await send({ type: 'TENDER_CASH', received: 500 });
    expect(v.lastSale?.change).toBe(50);
  });

  it('the manager finds the member and their purchases; an unknown member is refused by name', async () => {
    const found = await ok<MemberHistoryView>('members.find', { query: 'MBR-7' });
    // 4.50 paid at 2 points per yuan: 8 points; 300 − 50 redeemed + 8 earned, not yet synced.
    expect(found).toMatchObject({ id: 'M7', name: 'Mei', phone: '13800000007', active: true, points: 258 });
    expect(found.purchases).toHaveLength(1);
    expect(found.purchases[0]).toMatchObject({ receiptNo: 1, paid: 450, pointsEarned: 8, pointsRedeemed: 50 });
    const missing = await call('members.find', { query: 'nobody' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toBe('no member with number, card or phone "nobody"');
  });
});
