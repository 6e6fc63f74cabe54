// Promotions, coupons and members on the cart (issue 8): what the cashier and the customer see
// in the totals, what is recorded, and that `kassa verify` re-adds it.
import { describe, expect, it } from 'vitest';
import { priceCart, promotionLines } from '../../../src/domain/cart-promotions.ts';
import {
  addItem,
  CartError,
  computeTotals,
  emptyCart,
  overridePrice,
  redeemPoints,
  removeCoupon,
  removeMember,
  setBasketDiscount,
  setCoupon,
  setLineDiscount,
  setMember,
  setQuantity,
  voidLine,
} from '../../../src/domain/cart.ts';
import type { Cart, CouponInput, MemberInput } from '../../../src/domain/cart.ts';
import type { LocalDateTime } from '../../../src/domain/promotions/engine.ts';
import { ALWAYS } from '../../../src/domain/promotions/promotion.ts';
import type { Promotion } from '../../../src/domain/promotions/promotion.ts';
import { buildReceiptModel, renderReceiptText } from '../../../src/domain/receipt.ts';
import { buildSaleRecord, verifySaleRecord } from '../../../src/domain/tender.ts';
import { item, promo } from './fixtures.ts';

const NOON: LocalDateTime = { year: 2026, month: 11, day: 26, hour: 12, minute: 0 };

const COLA_10 = promo({ id: 'cola10', name: 'Cola 10% off', kind: 'percent_off', percentBps: 1000, target: { kind: 'item', skus: ['COLA'] } });
const B2G1 = promo({ id: 'b2g1', name: 'Snacks 3 for 2', kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000, target: { kind: 'department', departments: ['snacks'] } });
const MEMBER_RICE = promo({ id: 'mrice', name: 'Member price rice', kind: 'fixed_price', price: 7000, memberOnly: true, target: { kind: 'item', skus: ['RICE'] } });
const SPEND_100 = promo({ id: 'spend', name: 'Spend 100 get 10 off', kind: 'spend_get', minSpend: 10_000, amount: 1000, percentBps: null });

const price = (cart: Cart, promotions: readonly Promotion[]) => priceCart(cart, { promotions, at: NOON });

function cola(cart: Cart, items = 1): Cart {
  return addItem(cart, { ...item('COLA', 350, { quantityMilli: items * 1000 }), product: { ...item('COLA', 350).product, department: 'drinks' } });
}
function chips(cart: Cart, items = 1): Cart {
  return addItem(cart, { ...item('CHIPS', 600, { quantityMilli: items * 1000 }), product: { ...item('CHIPS', 600).product, department: 'snacks' } });
}
function rice(cart: Cart): Cart {
  return addItem(cart, { ...item('RICE', 8888), product: { ...item('RICE', 8888).product, department: 'grocery' } });
}

const COUPON_5: CouponInput = { code: 'CPN-FIVE', name: '5 off', use: 'single', minSpend: 3000, offAmount: 500, percentBps: null, redemption: 'reserved' };
const ALICE: MemberInput = { id: 'M001', name: 'Alice', points: 800, pointValue: 1, earnPerUnit: 1 };

function record(cart: Cart, training = false) {
  const t = computeTotals(cart);
  return buildSaleRecord({
    cart,
    tenders: [{ seq: 1, method: 'cash', amount: t.total, received: t.total, reference: null }],
    rounding: { step: 1, mode: 'half-up' },
    id: 'S1',
    terminalId: 'T1',
    receiptNo: 7,
    cashier: 'alice',
    startedAt: '2026-11-26T04:00:00.000Z',
    completedAt: '2026-11-26T04:01:00.000Z',
    training,
  });
}

describe('promotions on the cart', () => {
  it('a line promotion takes its amount off the line it names, and the total follows', () => {
    const cart = price(cola(rice(emptyCart('CNY')), 2), [COLA_10]);
    const t = computeTotals(cart);
    expect(cart.promotions?.lines).toEqual([{ lineNo: 2, discounts: [{ promotionId: 'cola10', label: 'Cola 10% off', amount: 70 }] }]);
    expect(t.linePromotions).toBe(70);
    expect(t.lines.map((l) => l.due)).toEqual([8888, 700 - 70]);
    expect(t.total).toBe(8888 + 630);
  });

  it('buy 2 get 1 gives the third unit free, however the units were scanned', () => {
    const oneByOne = price(chips(chips(chips(emptyCart('CNY')))), [B2G1]);
    const atOnce = price(chips(emptyCart('CNY'), 3), [B2G1]);
    expect(computeTotals(oneByOne).total).toBe(1200);
    expect(computeTotals(atOnce).total).toBe(1200);
  });

  it('any change to the lines drops the promotions until the cart is priced again', () => {
    const priced = price(chips(emptyCart('CNY'), 3), [B2G1]);
    const changed = setQuantity(priced, 1, 2000);
    expect(changed.promotions).toBeNull();
    expect(computeTotals(changed).total).toBe(1200);
    expect(computeTotals(price(changed, [B2G1])).total).toBe(1200); // two units: no free one
    expect(computeTotals(price(setQuantity(priced, 1, 6000), [B2G1])).total).toBe(2400);
  });

  it('a line the cashier re-priced or discounted takes no promotion', () => {
    const cart = cola(emptyCart('CNY'), 2);
    expect(promotionLines(overridePrice(cart, 1, 300, 'dented'))).toEqual([]);
    const discounted = price(setLineDiscount(cart, 1, { amount: 50 }, 'loyal customer'), [COLA_10]);
    expect(discounted.promotions ?? null).toBeNull();
    expect(computeTotals(discounted).total).toBe(650);
  });

  it('member prices apply once the member is on the sale and go when they are removed', () => {
    const cart = price(rice(emptyCart('CNY')), [MEMBER_RICE]);
    expect(computeTotals(cart).total).toBe(8888);
    const member = price(setMember(cart, ALICE), [MEMBER_RICE]);
    expect(computeTotals(member).total).toBe(7000);
    expect(member.promotions?.lines[0]?.discounts[0]?.label).toBe('Member price rice');
    expect(computeTotals(price(removeMember(member), [MEMBER_RICE])).total).toBe(8888);
  });

  it('the cashier\'s sale discount is taken on what the promotions left', () => {
    const cart = price(rice(cola(emptyCart('CNY'), 10)), [SPEND_100]);
    const t0 = computeTotals(cart);
    expect(t0.basketPromotions).toBe(1000);
    const discounted = price(setBasketDiscount(cart, { percentBps: 1000 }, 'opening day'), [SPEND_100]);
    const t = computeTotals(discounted);
    // (3500 + 8888 − 1000) × 10 % = 1138.8 → 1139
    expect(t.basketDiscount).toBe(1139);
    expect(t.total).toBe(3500 + 8888 - 1000 - 1139);
    expect(t.lines.reduce((s, l) => s + l.basketDiscountShare, 0)).toBe(1000 + 1139);
  });
});

describe('pricing edge cases', () => {
  it('a happy hour applies by the time given (the sale\'s opening time), not after it', () => {
    const happy = promo({ ...COLA_10, id: 'hh', name: 'Happy hour cola', window: { ...ALWAYS, hours: [{ start: '17:00', end: '19:00' }] } } as never);
    const cart = cola(emptyCart('CNY'), 10);
    expect(computeTotals(priceCart(cart, { promotions: [happy], at: { ...NOON, hour: 18 } })).linePromotions).toBe(350);
    expect(computeTotals(priceCart(cart, { promotions: [happy], at: { ...NOON, hour: 19 } })).linePromotions).toBe(0);
  });

  it('a fixed sale discount the promotions leave too little room for is brought down to what is left', () => {
    const free = promo({ id: 'free', name: 'Cola free', kind: 'percent_off', percentBps: 10_000, target: { kind: 'item', skus: ['COLA'] } });
    const cart = setBasketDiscount(rice(cola(emptyCart('CNY'))), { amount: 9000 }, 'manager special');
    const priced = price(cart, [free]);
    expect(computeTotals(priced).basketDiscount).toBe(8888);
    expect(computeTotals(priced).total).toBe(0);
  });
});

describe('coupons on the cart', () => {
  it('takes its amount off after promotions, and nothing while the spend is below its minimum', () => {
    const cart = setCoupon(cola(emptyCart('CNY'), 10), COUPON_5);
    expect(cart.coupon?.amount).toBe(500);
    expect(computeTotals(cart).total).toBe(3000);
    const less = voidLine(cart, 1, 'customer changed mind');
    expect(less.coupon?.amount).toBe(0);
  });

  it('one coupon per sale: a second one, or the same one again, is refused with the cart unchanged', () => {
    const cart = setCoupon(cola(emptyCart('CNY'), 10), COUPON_5);
    expect(() => setCoupon(cart, { ...COUPON_5, code: 'CPN-OTHER' })).toThrow(/coupon CPN-FIVE is already on this sale: remove it first/);
    expect(() => setCoupon(cart, COUPON_5)).toThrow(CartError);
    expect(removeCoupon(cart).coupon).toBeNull();
    expect(() => removeCoupon(removeCoupon(cart))).toThrow(/no coupon/);
  });

  it('a percentage coupon takes its share of what is left, never more than the basket', () => {
    const cart = setCoupon(cola(emptyCart('CNY'), 3), { ...COUPON_5, minSpend: 0, offAmount: null, percentBps: 2000 });
    expect(cart.coupon?.amount).toBe(210);
    const big = setCoupon(cola(emptyCart('CNY')), { ...COUPON_5, minSpend: 0, offAmount: 10_000 });
    expect(big.coupon?.amount).toBe(350);
    expect(computeTotals(big).total).toBe(0);
  });
});

describe('members and points', () => {
  it('redeems points off what is left, within the member\'s balance and the basket', () => {
    const cart = setMember(cola(emptyCart('CNY'), 2), ALICE);
    expect(() => redeemPoints(cart, 900)).toThrow(/has 800 points, fewer than 900/);
    expect(() => redeemPoints(cart, 701)).toThrow(/701 points are worth 7.01, more than the 7.00 left to pay: redeem at most 700/);
    const redeemed = redeemPoints(cart, 200);
    expect(computeTotals(redeemed).pointsDiscount).toBe(200);
    expect(computeTotals(redeemed).total).toBe(500);
    // Void a can: the basket is 3.50 now, the redemption stays within it.
    const voided = voidLine(setQuantity(redeemed, 1, 1000), 1, 'x');
    expect(voided.member?.pointsRedeemed).toBe(0);
  });

  it('points need a member, and a second member is refused while one is on the sale', () => {
    expect(() => redeemPoints(cola(emptyCart('CNY')), 10)).toThrow(/identify the member first/);
    const cart = setMember(cola(emptyCart('CNY')), ALICE);
    expect(() => setMember(cart, { ...ALICE, id: 'M002', name: 'Bob' })).toThrow(/member M001 \(Alice\) is on this sale: remove them first/);
    expect(setMember(cart, { ...ALICE, points: 900 }).member?.points).toBe(900);
  });
});

describe('the sale record', () => {
  it('a sale without promotions is recorded exactly as before (no new keys)', () => {
    const r = record(cola(emptyCart('CNY'), 2));
    expect(Object.keys(r)).not.toEqual(expect.arrayContaining(['basketPromotions']));
    expect('coupon' in r || 'member' in r).toBe(false);
    expect(r.lines.every((l) => !('promotions' in l) && !('promotionDiscount' in l))).toBe(true);
    expect(verifySaleRecord(r)).toEqual([]);
  });

  it('records each promotion, the coupon and the member, and verify re-adds them', () => {
    let cart = price(rice(chips(cola(emptyCart('CNY'), 10), 3)), [COLA_10, B2G1, SPEND_100]);
    cart = setCoupon(cart, COUPON_5);
    cart = redeemPoints(setMember(cart, ALICE), 300);
    cart = price(cart, [COLA_10, B2G1, SPEND_100]);
    const r = record(cart);
    expect(r.lines[0]?.promotions).toEqual([{ promotionId: 'cola10', label: 'Cola 10% off', amount: 350 }]);
    expect(r.lines[1]?.promotionDiscount).toBe(600);
    expect(r.basketPromotions).toEqual([{ promotionId: 'spend', label: 'Spend 100 get 10 off', amount: 1000 }]);
    expect(r.coupon).toEqual({ code: 'CPN-FIVE', name: '5 off', use: 'single', amount: 500, redemption: 'reserved' });
    // 3500 − 350 + 1800 − 600 + 8888 − 1000 − 500 − 300 = 11438 → 114 points at 1 per yuan.
    expect(r.total).toBe(11_438);
    expect(r.member).toEqual({ id: 'M001', name: 'Alice', pointsRedeemed: 300, pointsDiscount: 300, pointsEarned: 114 });
    expect(verifySaleRecord(r)).toEqual([]);
  });

  it('verify names a promotion amount that was changed afterwards', () => {
    const r = record(price(cola(emptyCart('CNY'), 10), [COLA_10]));
    const line = r.lines[0];
    if (!line) throw new Error('no line');
    const tampered = { ...r, lines: [{ ...line, promotions: [{ promotionId: 'cola10', label: 'Cola 10% off', amount: 1 }] }] };
    expect(verifySaleRecord(tampered)).toContainEqual(expect.stringMatching(/line 1: promotion discount 3.50 but its promotions add up to 0.01/));
    const shares = { ...r, coupon: { code: 'X', name: 'x', use: 'multi' as const, amount: 100, redemption: 'multi' as const } };
    expect(verifySaleRecord(shares)).toContainEqual(expect.stringMatching(/basket discount, promotions, coupon and points 1.00 but the line shares add up to 0.00/));
  });

  it('a training sale earns no points', () => {
    expect(record(setMember(cola(emptyCart('CNY'), 10), ALICE), true).member?.pointsEarned).toBe(0);
  });

  it('a coupon that takes nothing (minimum spend not reached) cannot be paid with', () => {
    expect(() => record(setCoupon(cola(emptyCart('CNY')), COUPON_5))).toThrow(/coupon CPN-FIVE takes nothing off this sale \(minimum spend 30.00\): add items or remove it/);
  });
});

describe('the receipt', () => {
  it('prints each promotion under its line, the basket ones, the coupon, points, member and what was saved', () => {
    let cart = price(rice(cola(emptyCart('CNY'), 10)), [COLA_10, SPEND_100]);
    cart = price(redeemPoints(setMember(setCoupon(cart, COUPON_5), ALICE), 100), [COLA_10, SPEND_100]);
    const text = renderReceiptText(buildReceiptModel(record(cart), { lang: 'en' }), 42).join('\n');
    expect(text).toMatch(/Cola 10% off\s+-3.50/);
    expect(text).toMatch(/Spend 100 get 10 off\s+-10.00/);
    expect(text).toMatch(/Coupon CPN-FIVE\s+-5.00/);
    expect(text).toMatch(/Points redeemed \(100\)\s+-1.00/);
    expect(text).toMatch(/You saved\s+19.50/);
    expect(text).toMatch(/Member\s+Alice \(M001\)/);
    expect(text).toMatch(/Points earned\s+104/);
  });
});
