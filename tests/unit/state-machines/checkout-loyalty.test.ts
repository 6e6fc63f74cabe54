// The checkout machine with promotions, coupons and members (issue 8): the cart is priced after
// every change, a coupon or member comes from the host's lookup (scanned or typed), points are
// redeemed, a coupon leaving the sale is released, and bad input leaves the cart as it was.
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { priceCart } from '../../../src/domain/cart-promotions.ts';
import { computeTotals } from '../../../src/domain/cart.ts';
import { ALWAYS, promotionSchema } from '../../../src/domain/promotions/promotion.ts';
import { provideCheckout } from '../../../state-machines/checkout.machine.ts';
import type { CheckoutEffects, CouponReleaseInput, LookupInput, LookupResult } from '../../../state-machines/checkout.machine.ts';
import { INPUT, lookup as catalogLookup } from './checkout-fakes.ts';

const COLA = '6901234567892';
const PROMOS = [
  promotionSchema.parse({
    id: 'cola2',
    name: 'Cola 2 for 6.00',
    kind: 'n_for_price',
    quantity: 2,
    price: 600,
    target: { kind: 'item', skus: ['COLA'] },
    memberOnly: false,
    stacking: 'stackable',
    group: null,
    priority: 0,
    window: ALWAYS,
  }),
  promotionSchema.parse({
    id: 'm10',
    name: 'Members 10% off',
    kind: 'percent_off',
    percentBps: 1000,
    target: { kind: 'basket' },
    memberOnly: true,
    stacking: 'stackable',
    group: null,
    priority: 0,
    window: ALWAYS,
  }),
];

function setup() {
  const lookups: LookupInput[] = [];
  const released: CouponReleaseInput[] = [];
  const effects: CheckoutEffects = {
    async lookupItem(input): Promise<LookupResult> {
      lookups.push(input);
      if (input.coupon !== undefined) {
        if (input.coupon !== 'SAVE1') return { ok: false, error: `no coupon with code "${input.coupon}" on this terminal` };
        return { ok: true, coupon: { code: 'SAVE1', name: '1 off', use: 'single', minSpend: 500, offAmount: 100, percentBps: null, redemption: 'reserved' } };
      }
      if (input.member !== undefined || input.data === 'MBR-1') {
        if ((input.member ?? input.data) !== 'MBR-1' && input.member !== '13800000000') return { ok: false, error: `no member with number, card or phone "${input.member ?? ''}"` };
        return { ok: true, member: { id: 'M1', name: 'Ann', points: 50, pointValue: 1, earnPerUnit: 1 } };
      }
      return catalogLookup(input);
    },
    async searchCatalog() {
      return [];
    },
    async commitSale() {
      return { receiptNo: 1 };
    },
    async printReceipt() {
      return { status: 'none' };
    },
    async journalCancel() {},
    async releaseCoupon(input) {
      released.push(input);
    },
  };
  const machine = provideCheckout(effects, undefined, (cart) => priceCart(cart, { promotions: PROMOS, at: { year: 2026, month: 11, day: 26, hour: 12, minute: 0 } }));
  const actor = createActor(machine, { input: INPUT });
  actor.start();
  // The host stamps every event; the machine uses the id and time only when one opens the sale.
  const send = async (event: Record<string, unknown> & { type: string }) => {
    actor.send({ saleId: 'S1', at: '2026-11-26T04:00:00.000Z', ...event } as never);
    return waitFor(actor, (s) => !s.matches({ inSale: 'lookingUp' }) && !s.matches({ inSale: 'releasingCoupon' }));
  };
  return { actor, send, lookups, released };
}

describe('checkout machine: promotions, coupons, members', () => {
  it('prices the cart after every change: two colas for 6.00, one again at 3.50', async () => {
    const { send } = setup();
    await send({ type: 'SCAN', data: COLA });
    let s = await send({ type: 'SCAN', data: COLA });
    expect(computeTotals(s.context.cart).total).toBe(600);
    expect(s.context.cart.promotions?.lines[0]?.discounts[0]?.label).toBe('Cola 2 for 6.00');
    s = await send({ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 1000 });
    expect(computeTotals(s.context.cart).total).toBe(350);
  });

  it('a member opens the sale from idle, brings member-only promotions, and redeems points', async () => {
    const { send } = setup();
    let s = await send({ type: 'MEMBER', query: '13800000000' });
    expect(s.matches({ inSale: 'ready' })).toBe(true);
    expect(s.context.cart.member).toMatchObject({ id: 'M1', name: 'Ann' });
    await send({ type: 'SCAN', data: COLA });
    s = await send({ type: 'SCAN', data: COLA });
    // 6.00 for two, then 10 % off for members.
    expect(computeTotals(s.context.cart).total).toBe(540);
    s = await send({ type: 'REDEEM_POINTS', points: 40 });
    expect(computeTotals(s.context.cart).total).toBe(500);
    s = await send({ type: 'REDEEM_POINTS', points: 60 });
    expect(s.context.lastError).toBe('member M1 has 50 points, fewer than 60');
    expect(computeTotals(s.context.cart).total).toBe(500);
    s = await send({ type: 'REMOVE_MEMBER' });
    expect(computeTotals(s.context.cart).total).toBe(600);
  });

  it('a scanned member card is the member, not an unknown item', async () => {
    const { send } = setup();
    await send({ type: 'SCAN', data: COLA });
    const s = await send({ type: 'SCAN', data: 'MBR-1' });
    expect(s.context.lastError).toBeNull();
    expect(s.context.cart.member?.id).toBe('M1');
    expect(s.context.cart.lines).toHaveLength(1);
  });

  it('a coupon is looked up with the sale and what it would be measured on; a bad one leaves the cart unchanged', async () => {
    const { send, lookups, released } = setup();
    let s = await send({ type: 'COUPON', code: 'SAVE1' });
    expect(s.context.lastError).toBe('add the items first: a coupon is checked against what the customer buys');
    await send({ type: 'SCAN', data: COLA });
    s = await send({ type: 'SCAN', data: COLA });
    const before = s.context.cart;
    s = await send({ type: 'COUPON', code: 'BOGUS' });
    expect(s.context.lastError).toBe('no coupon with code "BOGUS" on this terminal');
    expect(s.context.cart).toEqual(before);
    s = await send({ type: 'COUPON', code: 'SAVE1' });
    expect(lookups.at(-1)).toMatchObject({ coupon: 'SAVE1', saleId: 'S1', spend: 600 });
    expect(s.context.cart.coupon).toMatchObject({ code: 'SAVE1', amount: 100 });
    expect(computeTotals(s.context.cart).total).toBe(500);
    s = await send({ type: 'COUPON', code: 'SAVE1' });
    expect(s.context.lastError).toMatch(/coupon SAVE1 is already on this sale/);

    // Below the minimum spend the coupon takes nothing, and paying is refused until it is fixed.
    s = await send({ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 1000 });
    expect(s.context.cart.coupon?.amount).toBe(0);
    s = await send({ type: 'TENDER' });
    expect(s.matches({ inSale: 'ready' })).toBe(true);
    expect(s.context.lastError).toBe('coupon SAVE1 needs a spend of at least 5.00: add items or remove the coupon');

    s = await send({ type: 'REMOVE_COUPON' });
    expect(s.context.cart.coupon).toBeNull();
    expect(released).toEqual([{ code: 'SAVE1', saleId: 'S1' }]);
    s = await send({ type: 'TENDER' });
    expect(s.matches('tendering')).toBe(true);
  });
});
