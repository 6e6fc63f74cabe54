import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeHold, couponHold, holdCoupon, upsertCoupon } from '../../../../src/core/db/coupons.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { CouponService, type CouponOfflinePolicy, type CouponReservationClient } from '../../../../src/core/loyalty/coupon-service.ts';
import { SyncRequestError } from '../../../../src/core/sync/sync-http.ts';
import type { Coupon } from '../../../../src/domain/coupons/coupon.ts';
import { formatMoney } from '../../../../src/domain/money.ts';
import type { CouponReserveResponse } from '../../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT, tempDbFile } from '../../../support/sale-fixtures.ts';

const AT = '2026-03-02T10:00:00.000Z';
const TODAY = '2026-03-02';
let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile();
  db = openDatabase(tmp.file);
  upsertCoupon(db, coupon('SAVE10'), { at: AT });
  upsertCoupon(db, coupon('MULTI5', { use: 'multi' }), { at: AT });
  upsertCoupon(db, coupon('MARCH', { from: '2026-03-01', until: '2026-03-31', minSpend: 5000 }), { at: AT });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function coupon(code: string, extra: Partial<Coupon> = {}): Coupon {
  return { code, name: `Coupon ${code}`, use: 'single', from: null, until: null, minSpend: 0, amount: 500, percentBps: null, ...extra };
}

/** A store server stand-in: answers reserve with `answer` (or throws it), records every call. */
class FakeReservations implements CouponReservationClient {
  readonly calls: string[] = [];
  constructor(public answer: (code: string, saleId: string) => CouponReserveResponse | Error) {}
  async reserveCoupon(r: { code: string; saleId: string; at: string }): Promise<CouponReserveResponse> {
    this.calls.push(`reserve ${r.code} ${r.saleId}`);
    const a = this.answer(r.code, r.saleId);
    if (a instanceof Error) throw a;
    return a;
  }
  async releaseCoupon(r: { code: string; saleId: string }) {
    this.calls.push(`release ${r.code} ${r.saleId}`);
    return { code: r.code, released: true };
  }
}

const reserved = (code: string, saleId: string): CouponReserveResponse => ({ status: 'reserved', code, saleId });
const offline = () => new SyncRequestError('cannot reach the store server at http://127.0.0.1:1/v1/sync/coupons/reserve (ECONNREFUSED)', 'offline');
const service = (reservations: CouponReservationClient | null, offlinePolicy: CouponOfflinePolicy = 'refuse') =>
  new CouponService({ db, terminalId: 'T01', reservations, offlinePolicy, formatMoney: (minor) => formatMoney({ amount: minor, currency: 'CNY' }), now: () => new Date(AT) });
const redeem = (s: CouponService, code: string, saleId: string, extra: { spend?: number; today?: string; training?: boolean } = {}) =>
  s.redeem({ code, saleId, spend: extra.spend ?? 10_000, today: extra.today ?? TODAY, training: extra.training ?? false });

describe('CouponService.redeem', () => {
  it('reserves a single-use coupon through the store server and holds it for the sale', async () => {
    const fake = new FakeReservations(reserved);
    const r = await redeem(service(fake), ' save10', 'S1');
    expect(r).toMatchObject({ ok: true, coupon: { code: 'SAVE10', amount: 500 }, redemption: 'reserved' });
    expect(fake.calls).toEqual(['reserve SAVE10 S1']);
    expect(activeHold(db, 'SAVE10')).toMatchObject({ saleId: 'S1', redemption: 'reserved' });
  });

  it('the same sale asking twice gets the same answer without asking the server again', async () => {
    const fake = new FakeReservations(reserved);
    const s = service(fake);
    await redeem(s, 'SAVE10', 'S1');
    expect(await redeem(s, 'SAVE10', 'S1')).toMatchObject({ ok: true, redemption: 'reserved' });
    expect(fake.calls).toEqual(['reserve SAVE10 S1']);
  });

  it('refuses an unknown code, an expired or not yet valid coupon, and a spend below the minimum, in the cashier’s words', async () => {
    const s = service(new FakeReservations(reserved));
    expect(await redeem(s, 'nope1', 'S1')).toEqual({ ok: false, error: 'no coupon with code "NOPE1" on this terminal' });
    expect(await redeem(s, 'MARCH', 'S1', { today: '2026-04-01' })).toEqual({ ok: false, error: 'coupon MARCH expired on 2026-03-31' });
    expect(await redeem(s, 'MARCH', 'S1', { today: '2026-02-28' })).toEqual({ ok: false, error: 'coupon MARCH is not valid before 2026-03-01' });
    const low = await redeem(s, 'MARCH', 'S1', { spend: 4999 });
    expect(low.ok).toBe(false);
    expect(!low.ok && low.error).toMatch(/^coupon MARCH needs a spend of at least .*50\.00; this sale is .*49\.99$/);
    expect(couponHold(db, 'MARCH', 'S1')).toBeNull();
  });

  it('refuses a coupon the server says is used, naming the terminal and receipt (or the open sale)', async () => {
    const fake = new FakeReservations((code) => ({ status: 'used', code, by: { terminalId: 'T02', saleId: 'X-T02', state: 'sold', receiptNo: 17, at: AT } }));
    expect(await redeem(service(fake), 'SAVE10', 'S1')).toEqual({ ok: false, error: 'single-use coupon SAVE10 was already used on terminal T02, receipt 17' });
    fake.answer = (code) => ({ status: 'used', code, by: { terminalId: 'T03', saleId: 'Y-T03', state: 'reserved', receiptNo: null, at: AT } });
    expect(await redeem(service(fake), 'SAVE10', 'S1')).toEqual({ ok: false, error: 'single-use coupon SAVE10 is already on a sale in progress on terminal T03 (sale Y-T03)' });
    expect(couponHold(db, 'SAVE10', 'S1')).toBeNull();
  });

  it('refuses a code the store server no longer has; takes one it says is multi-use as multi', async () => {
    const fake = new FakeReservations((code) => ({ status: 'unknown', code }));
    expect(await redeem(service(fake), 'SAVE10', 'S1')).toEqual({ ok: false, error: 'coupon SAVE10 is not known to the store server (it was withdrawn): it cannot be used' });
    fake.answer = (code) => ({ status: 'not-single-use', code });
    expect(await redeem(service(fake), 'SAVE10', 'S1')).toMatchObject({ ok: true, coupon: { use: 'multi' }, redemption: 'multi' });
    expect(activeHold(db, 'SAVE10')).toBeNull();
  });

  it('offline with policy "refuse": refused with the reason, and a possible reservation is given back', async () => {
    const fake = new FakeReservations(offline);
    const s = service(fake, 'refuse');
    const r = await redeem(s, 'SAVE10', 'S1');
    expect(r).toEqual({
      ok: false,
      error: 'the store server cannot be reached to check single-use coupon SAVE10: it is refused while offline',
      detail: 'cannot reach the store server at http://127.0.0.1:1/v1/sync/coupons/reserve (ECONNREFUSED)',
    });
    await s.settled();
    expect(fake.calls).toEqual(['reserve SAVE10 S1', 'release SAVE10 S1']);
    expect(couponHold(db, 'SAVE10', 'S1')).toBeNull();
  });

  it('offline with policy "accept": taken as an offline redemption that uses the coupon up on this terminal', async () => {
    const fake = new FakeReservations(offline);
    const s = service(fake, 'accept');
    expect(await redeem(s, 'SAVE10', 'S1')).toMatchObject({ ok: true, redemption: 'offline' });
    await s.settled();
    expect(fake.calls).toEqual(['reserve SAVE10 S1']);
    expect(await redeem(s, 'SAVE10', 'S2')).toEqual({ ok: false, error: 'single-use coupon SAVE10 is already on another open sale on this terminal (sale S1): take it off that sale first' });
  });

  it('a server that does not answer in time counts as offline', async () => {
    const slow: CouponReservationClient = {
      reserveCoupon: (_r, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new SyncRequestError('POST … was stopped', 'offline')), { once: true })),
      releaseCoupon: async (r) => ({ code: r.code, released: false }),
    };
    const s = new CouponService({ db, terminalId: 'T01', reservations: slow, offlinePolicy: 'accept', reserveTimeoutMs: 50, formatMoney: String });
    const started = Date.now();
    expect(await redeem(s, 'SAVE10', 'S1')).toMatchObject({ ok: true, redemption: 'offline' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a terminal without a store server goes by its policy', async () => {
    expect(await redeem(service(null, 'refuse'), 'SAVE10', 'S1')).toEqual({
      ok: false,
      error: 'this terminal is not connected to a store server, so single-use coupon SAVE10 cannot be checked: it is refused while offline',
    });
    expect(await redeem(service(null, 'accept'), 'SAVE10', 'S1')).toMatchObject({ ok: true, redemption: 'offline' });
  });

  it('a single-use coupon already used on this terminal is refused naming the receipt, without asking the server', async () => {
    const fake = new FakeReservations(reserved);
    const s = service(fake);
    const sale = makeSale({});
    await redeem(s, 'SAVE10', sale.id);
    const { receiptNo } = commitSale(db, { record: sale, snapshot: SNAPSHOT, at: AT });
    expect(await redeem(s, 'SAVE10', 'S2')).toEqual({ ok: false, error: `single-use coupon SAVE10 was already used on this terminal, receipt ${receiptNo}` });
    expect(fake.calls).toEqual([`reserve SAVE10 ${sale.id}`]);
  });

  it('a training sale never reserves and never uses a coupon up; it is still refused one a real sale used', async () => {
    const fake = new FakeReservations(reserved);
    const s = service(fake);
    expect(await redeem(s, 'SAVE10', 'TRAIN1', { training: true })).toMatchObject({ ok: true, redemption: 'training' });
    expect(await redeem(s, 'MULTI5', 'TRAIN1', { training: true })).toMatchObject({ ok: true, redemption: 'training' });
    expect(fake.calls).toEqual([]);
    expect(await redeem(s, 'SAVE10', 'S1')).toMatchObject({ ok: true, redemption: 'reserved' });
    expect(await redeem(s, 'SAVE10', 'TRAIN2', { training: true })).toMatchObject({ ok: false, error: expect.stringContaining('is already on another open sale on this terminal (sale S1)') });
  });

  it('a multi-use coupon needs no reservation and may be on many sales', async () => {
    const fake = new FakeReservations(reserved);
    const s = service(fake);
    expect(await redeem(s, 'MULTI5', 'S1')).toMatchObject({ ok: true, redemption: 'multi' });
    expect(await redeem(s, 'MULTI5', 'S2')).toMatchObject({ ok: true, redemption: 'multi' });
    expect(fake.calls).toEqual([]);
  });

  it('when another sale took the coupon while the server answered, the reservation is refused and given back', async () => {
    const s = service(
      new FakeReservations((code, saleId) => {
        // Another process on this terminal holds it meanwhile.
        holdCoupon(db, { code, saleId: 'OTHER', redemption: 'offline', at: AT });
        return reserved(code, saleId);
      }),
    );
    const r = await redeem(s, 'SAVE10', 'S1');
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('(sale OTHER)') });
    await s.settled();
    expect(couponHold(db, 'SAVE10', 'S1')).toBeNull();
  });
});

describe('CouponService.release', () => {
  it('releases the hold and the server’s reservation; the coupon is free for the next sale', async () => {
    const fake = new FakeReservations(reserved);
    const s = service(fake);
    await redeem(s, 'SAVE10', 'S1');
    expect(await s.release('save10', 'S1')).toEqual({ local: true, server: 'released' });
    expect(fake.calls).toEqual(['reserve SAVE10 S1', 'release SAVE10 S1']);
    expect(await redeem(s, 'SAVE10', 'S2')).toMatchObject({ ok: true, redemption: 'reserved' });
  });

  it('never throws: an unreachable server is reported, the local hold is released anyway', async () => {
    const s = service({
      reserveCoupon: async (r) => reserved(r.code, r.saleId),
      releaseCoupon: () => Promise.reject(offline()),
    });
    await redeem(s, 'SAVE10', 'S1');
    expect(await s.release('SAVE10', 'S1')).toMatchObject({ local: true, server: 'unreachable', error: expect.stringContaining('ECONNREFUSED') });
    expect(activeHold(db, 'SAVE10')).toBeNull();
  });

  it('a multi-use or training hold is released locally only; releasing nothing says so', async () => {
    const fake = new FakeReservations(reserved);
    const s = service(fake);
    await redeem(s, 'MULTI5', 'S1');
    expect(await s.release('MULTI5', 'S1')).toEqual({ local: true, server: 'not-asked' });
    expect(await s.release('MULTI5', 'S1')).toEqual({ local: false, server: 'not-asked' });
    expect(fake.calls).toEqual([]);
  });

  it('refuses an unknown offline policy at construction', () => {
    expect(() => service(null, 'maybe' as CouponOfflinePolicy)).toThrow(/must be "refuse" or "accept", got "maybe"/);
  });
});
