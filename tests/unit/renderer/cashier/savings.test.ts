import { describe, expect, it } from 'vitest';
import type { CheckoutView, CouponView, MemberView } from '../../../../src/shared/api.ts';
import { couponState, discountsBesidePromotions, hasSavingsBlock, lineDiscountNote, otherLineDiscount, promotionsTotal } from '../../../../src/renderer/cashier/savings.ts';

const promo = (id: string, amount: number) => ({ id, label: `promo ${id}`, amount });
const coupon = (over: Partial<CouponView> = {}): CouponView => ({ code: 'SAVE10', name: '10 off 100', amount: 1000, minSpend: 10000, spend: 12000, redemption: 'reserved', ...over });
const member = (over: Partial<MemberView> = {}): MemberView => ({ id: 'M1', name: 'Li Na', points: 500, pointsRedeemed: 0, pointsDiscount: 0, redeemable: 500, ...over });

describe("a line's savings", () => {
  it('adds up its promotions', () => {
    expect(promotionsTotal([])).toBe(0);
    expect(promotionsTotal([promo('a', 350), promo('b', 100)])).toBe(450);
  });

  it('notes as "discount" only what is not already listed as a promotion, so nothing shows twice', () => {
    expect(otherLineDiscount({ discount: 450, promotions: [promo('a', 350), promo('b', 100)] })).toBe(0);
    expect(otherLineDiscount({ discount: 600, promotions: [promo('a', 350)] })).toBe(250);
    expect(otherLineDiscount({ discount: 200, promotions: [] })).toBe(200);
    // A view that does not add up never shows a negative discount.
    expect(otherLineDiscount({ discount: 100, promotions: [promo('a', 350)] })).toBe(0);
  });
});

describe('the "Discount" note under a line', () => {
  it("shows the cashier's discount (the line's or its share of the sale's), promotions left out", () => {
    expect(lineDiscountNote({ discount: 600, promotions: [promo('a', 350)], discountReason: 'damaged' })).toBe(250);
  });

  it('is not drawn for a share of the coupon or points alone (no reason): those are listed once below the lines', () => {
    expect(lineDiscountNote({ discount: 500, promotions: [], discountReason: null })).toBeNull();
    expect(lineDiscountNote({ discount: 350, promotions: [promo('a', 350)], discountReason: 'damaged' })).toBeNull();
  });
});

describe('the coupon on the sale', () => {
  it('shows what it takes off once its minimum is reached', () => {
    expect(couponState(coupon(), 12000)).toEqual({ kind: 'applied', amount: 1000 });
  });

  it('says how much more is needed when its minimum spend is not reached (amount 0)', () => {
    expect(couponState(coupon({ amount: 0 }), 8550)).toEqual({ kind: 'belowMinimum', minSpend: 10000, missing: 1450 });
    // The core says 0 though the spend looks enough (its own rules): nothing is "missing".
    expect(couponState(coupon({ amount: 0 }), 10500)).toEqual({ kind: 'belowMinimum', minSpend: 10000, missing: 0 });
  });
});

describe('the block below the lines', () => {
  const base: Pick<CheckoutView, 'basketPromotions' | 'coupon' | 'member'> = { basketPromotions: [], coupon: null, member: null };
  it('is drawn only when there is a basket promotion, a coupon or a member', () => {
    expect(hasSavingsBlock(base)).toBe(false);
    expect(hasSavingsBlock({ ...base, basketPromotions: [promo('b', 500)] })).toBe(true);
    expect(hasSavingsBlock({ ...base, coupon: coupon() })).toBe(true);
    expect(hasSavingsBlock({ ...base, member: member() })).toBe(true);
  });
});

describe('the totals', () => {
  it('show promotions and the other discounts apart, adding up to what is saved', () => {
    expect(discountsBesidePromotions({ discounts: 600, promotions: 100 })).toBe(500);
    expect(discountsBesidePromotions({ discounts: 600, promotions: 0 })).toBe(600);
    expect(discountsBesidePromotions({ discounts: 100, promotions: 100 })).toBe(0);
  });
});
