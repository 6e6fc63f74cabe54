import { describe, expect, it } from 'vitest';
import { activeHold, couponHold, CouponStoreError, deleteCoupon, findCoupon, holdCoupon, listCoupons, releaseCouponHold, upsertCoupon } from '../../../../src/core/db/coupons.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import type { Coupon } from '../../../../src/domain/coupons/coupon.ts';
import { makeSale, SNAPSHOT } from '../../../support/sale-fixtures.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-03-02T10:00:00.000Z';
let db: Db;
useTempDb((opened) => (db = opened));

const coupon = (code: string, extra: Partial<Coupon> = {}): Coupon => ({
  code,
  name: `Coupon ${code}`,
  use: 'single',
  from: null,
  until: null,
  minSpend: 0,
  amount: 500,
  percentBps: null,
  ...extra,
});

describe('coupons table', () => {
  it('stores, replaces and deletes coupons; a typed code in any case finds the stored one', () => {
    upsertCoupon(db, coupon('SAVE10'), { at: AT, version: 2 });
    upsertCoupon(db, coupon('SAVE10', { amount: 1000 }), { at: AT, version: 3 });
    upsertCoupon(db, coupon('MULTI5', { use: 'multi' }), { at: AT });
    expect(findCoupon(db, '  save10 ')?.amount).toBe(1000);
    expect(db.prepare("SELECT version FROM coupons WHERE code = 'SAVE10'").pluck().get()).toBe(3);
    expect(listCoupons(db).map((c) => c.code)).toEqual(['MULTI5', 'SAVE10']);
    expect(deleteCoupon(db, 'save10')).toBe(true);
    expect(deleteCoupon(db, 'SAVE10')).toBe(false);
    expect(findCoupon(db, 'SAVE10')).toBeNull();
  });

  it('refuses a definition couponSchema rejects, naming the code and the field', () => {
    expect(() => upsertCoupon(db, coupon('BOTH', { percentBps: 1000 }), { at: AT })).toThrow(CouponStoreError);
    expect(() => upsertCoupon(db, coupon('BOTH', { percentBps: 1000 }), { at: AT })).toThrow(/coupon "BOTH" is not valid: amount: a coupon gives either an amount or a percentage off/);
    expect(() => upsertCoupon(db, coupon('lower'), { at: AT })).toThrow(/coupon "lower" is not valid: code/);
    expect(listCoupons(db)).toEqual([]);
  });

  it('a row that no longer reads as a coupon is no coupon, not a crash', () => {
    db.prepare("INSERT INTO coupons (code, use, definition, updated_at) VALUES ('NEWER', 'single', '{\"code\":\"NEWER\",\"kind\":\"teleport\"}', ?)").run(AT);
    expect(findCoupon(db, 'NEWER')).toBeNull();
    expect(listCoupons(db)).toEqual([]);
  });
});

describe('coupon holds', () => {
  it('a reserved or offline hold uses the coupon up for other sales, with the receipt once the sale is committed', () => {
    const sale = makeSale({});
    holdCoupon(db, { code: 'save10', saleId: sale.id, redemption: 'reserved', at: AT });
    expect(activeHold(db, 'SAVE10')).toEqual({ saleId: sale.id, receiptNo: null, redemption: 'reserved', at: AT });
    // The sale itself is not blocked by its own hold.
    expect(activeHold(db, 'SAVE10', sale.id)).toBeNull();
    const { receiptNo } = commitSale(db, { record: sale, snapshot: SNAPSHOT, at: AT });
    expect(activeHold(db, 'SAVE10', 'another-sale')).toMatchObject({ saleId: sale.id, receiptNo });
  });

  it('multi and training holds never use a coupon up', () => {
    holdCoupon(db, { code: 'X1', saleId: 's1', redemption: 'multi', at: AT });
    holdCoupon(db, { code: 'X1', saleId: 's2', redemption: 'training', at: AT });
    expect(activeHold(db, 'X1')).toBeNull();
    expect(couponHold(db, 'x1', 's2')).toEqual({ redemption: 'training', at: AT, releasedAt: null });
  });

  it('release frees the coupon once; holding again for the same sale clears the release', () => {
    holdCoupon(db, { code: 'X1', saleId: 's1', redemption: 'offline', at: AT });
    expect(releaseCouponHold(db, 'x1', 's1', '2026-03-02T10:05:00.000Z')).toBe('offline');
    expect(releaseCouponHold(db, 'X1', 's1', '2026-03-02T10:06:00.000Z')).toBeNull();
    expect(couponHold(db, 'X1', 's1')?.releasedAt).toBe('2026-03-02T10:05:00.000Z');
    expect(activeHold(db, 'X1')).toBeNull();
    holdCoupon(db, { code: 'X1', saleId: 's1', redemption: 'reserved', at: AT });
    expect(activeHold(db, 'X1')).toMatchObject({ saleId: 's1', redemption: 'reserved' });
    expect(db.prepare('SELECT count(*) FROM coupon_holds').pluck().get()).toBe(1);
  });

  it('a hold with an unknown redemption is refused, and the table checks it too', () => {
    expect(() => holdCoupon(db, { code: 'X1', saleId: 's1', redemption: 'borrowed' as 'offline', at: AT })).toThrow(/redemption must be one of reserved, offline, multi, training, got "borrowed"/);
    expect(() => db.prepare("INSERT INTO coupon_holds (code, sale_id, redemption, at) VALUES ('X1', 's1', 'borrowed', ?)").run(AT)).toThrow(/CHECK constraint/);
  });

  it('a deleted coupon keeps its holds: the sale that used it stands', () => {
    upsertCoupon(db, coupon('GONE'), { at: AT });
    holdCoupon(db, { code: 'GONE', saleId: 's1', redemption: 'reserved', at: AT });
    deleteCoupon(db, 'GONE');
    expect(activeHold(db, 'GONE')).toMatchObject({ saleId: 's1' });
  });
});
