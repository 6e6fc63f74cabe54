// Table tests of the promotion engine: every kind, every window and stacking rule, with the
// amounts a customer would see on the receipt.
import { describe, expect, it } from 'vitest';
import { applyPromotions, EXACT_LIMIT, PromotionError } from '../../../../src/domain/promotions/engine.ts';
import type { LocalDateTime, PromotionLine, PromotionResult } from '../../../../src/domain/promotions/engine.ts';
import { ALWAYS } from '../../../../src/domain/promotions/promotion.ts';
import { promo } from '../fixtures.ts';
import type { Promotion } from '../../../../src/domain/promotions/promotion.ts';

// 2026-11-26 is a Thursday.
const NOON_THU: LocalDateTime = { year: 2026, month: 11, day: 26, hour: 12, minute: 0 };

const item = (...skus: string[]) => ({ kind: 'item' as const, skus });
const dept = (...departments: string[]) => ({ kind: 'department' as const, departments });

let nextLine = 1;
function each(sku: string, unitPrice: number, items = 1, department = 'food', lineNo = nextLine++): PromotionLine {
  return { lineNo, sku, department, unitPrice, quantityMilli: items * 1000, unit: 'each', gross: unitPrice * items };
}
function kg(sku: string, pricePerKg: number, grams: number, department = 'fresh', lineNo = nextLine++): PromotionLine {
  return { lineNo, sku, department, unitPrice: pricePerKg, quantityMilli: grams, unit: 'kg', gross: Math.round((pricePerKg * grams) / 1000) };
}

function run(lines: PromotionLine[], promotions: Promotion[], opts: { at?: LocalDateTime; member?: boolean } = {}): PromotionResult {
  return applyPromotions({ lines, promotions, at: opts.at ?? NOON_THU, member: opts.member ?? false });
}
const lineDiscounts = (r: PromotionResult) => r.lines.map((l) => l.discount);

describe('percent_off', () => {
  it('takes a percentage off an item, rounded half away from zero', () => {
    const r = run([each('A', 333, 1, 'food', 1), each('B', 500, 1, 'food', 2)], [promo({ id: 'p15', kind: 'percent_off', percentBps: 1500, target: item('A') })]);
    // 15 % of 3.33 = 0.4995 → 0.50
    expect(lineDiscounts(r)).toEqual([50, 0]);
    expect(r.lines[0]?.discounts).toEqual([{ promotionId: 'p15', label: 'promo p15', amount: 50 }]);
    expect(r).toMatchObject({ lineDiscount: 50, basketDiscount: 0, totalDiscount: 50, applied: ['p15'] });
  });
  it('rounds once over a department and shares the discount by what each line has left', () => {
    const r = run([each('A', 333, 1, 'drinks', 1), each('B', 333, 1, 'drinks', 2), each('C', 999, 1, 'food', 3)], [
      promo({ kind: 'percent_off', percentBps: 1000, target: dept('drinks') }),
    ]);
    // 10 % of 6.66 = 0.666 → 0.67 once (not 0.33 + 0.33), shared 34 / 33
    expect(lineDiscounts(r)).toEqual([34, 33, 0]);
    expect(r.totalDiscount).toBe(67);
  });
  it('takes a percentage off the basket as a basket-level discount', () => {
    const r = run([each('A', 1000, 2, 'food', 1), kg('K', 2580, 1500, 'fresh', 2)], [promo({ id: 'b', name: '全场9折', kind: 'percent_off', percentBps: 1000 })]);
    // (20.00 + 38.70) × 10 % = 5.87
    expect(r.basket).toEqual([{ promotionId: 'b', label: '全场9折', amount: 587 }]);
    expect(lineDiscounts(r)).toEqual([0, 0]);
    expect(r).toMatchObject({ lineDiscount: 0, basketDiscount: 587, totalDiscount: 587 });
  });
});

describe('amount_off', () => {
  it('takes the amount off each item of the target', () => {
    const r = run([each('A', 1000, 3, 'food', 1)], [promo({ kind: 'amount_off', amount: 100, target: item('A') })]);
    expect(r.totalDiscount).toBe(300);
  });
  it('takes the amount per kg of a weighed line, rounded', () => {
    // 2.00 off per kg × 1.237 kg = 2.474 → 2.47
    const r = run([kg('K', 2580, 1237, 'fresh', 1)], [promo({ kind: 'amount_off', amount: 200, target: dept('fresh') })]);
    expect(r.totalDiscount).toBe(247);
  });
  it('never takes a line below zero', () => {
    const r = run([each('A', 300, 2, 'food', 1)], [promo({ kind: 'amount_off', amount: 500, target: item('A') })]);
    expect(r.lines[0]?.discount).toBe(600);
  });
  it('takes a basket amount once, never more than the basket', () => {
    expect(run([each('A', 1000, 3)], [promo({ kind: 'amount_off', amount: 500 })]).basketDiscount).toBe(500);
    expect(run([each('A', 300, 1)], [promo({ kind: 'amount_off', amount: 500 })]).basketDiscount).toBe(300);
  });
});

describe('fixed_price (member prices)', () => {
  it('brings the unit price down to the promotion price', () => {
    const p = promo({ kind: 'fixed_price', price: 800, target: item('A'), memberOnly: true });
    expect(run([each('A', 1000, 2)], [p], { member: true }).totalDiscount).toBe(400);
    expect(run([kg('A', 1000, 500)], [p], { member: true }).totalDiscount).toBe(100);
  });
  it('never raises a price that is already lower', () => {
    expect(run([each('A', 700, 2)], [promo({ kind: 'fixed_price', price: 800, target: item('A') })]).totalDiscount).toBe(0);
  });
});

describe('buy_get (mix and match)', () => {
  const b2g1 = promo({ kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000, target: dept('food') });
  it('gives one free in each complete run of buy + get', () => {
    expect(run([each('A', 100, 2)], [b2g1]).totalDiscount).toBe(0);
    expect(run([each('A', 100, 3)], [b2g1]).totalDiscount).toBe(100);
    expect(run([each('A', 100, 5)], [b2g1]).totalDiscount).toBe(100);
    expect(run([each('A', 100, 6)], [b2g1]).totalDiscount).toBe(200);
  });
  it('mixes items: the cheapest of each run of three (most expensive first) is free', () => {
    const lines = [600, 500, 400, 300, 200, 100].map((p, i) => each(`S${i}`, p, 1, 'food', i + 1));
    const r = run(lines, [b2g1]);
    // runs [6.00 5.00 4.00] and [3.00 2.00 1.00]: 4.00 and 1.00 free
    expect(lineDiscounts(r)).toEqual([0, 0, 400, 0, 0, 100]);
  });
  it('gives a percentage off instead of free', () => {
    const half = promo({ kind: 'buy_get', buy: 1, get: 1, percentBps: 5000, target: item('A') });
    expect(run([each('A', 199, 2)], [half]).totalDiscount).toBe(100); // 1.99 × 50 % = 0.995 → 1.00
  });
  it('does not count weighed goods (no whole units)', () => {
    expect(run([kg('A', 100, 3000, 'food')], [b2g1]).totalDiscount).toBe(0);
  });
});

describe('n_for_price (mix and match)', () => {
  it('prices each complete group, the rest at full price', () => {
    const r = run([each('A', 400, 7)], [promo({ kind: 'n_for_price', quantity: 3, price: 1000, target: item('A') })]);
    expect(r.totalDiscount).toBe(400); // 2 × (12.00 − 10.00)
  });
  it('groups the most expensive units and shares a mixed group by value', () => {
    const r = run([each('A', 500, 1, 'food', 1), each('B', 400, 1, 'food', 2), each('C', 300, 1, 'food', 3), each('D', 100, 1, 'food', 4)], [
      promo({ kind: 'n_for_price', quantity: 3, price: 1000, target: dept('food') }),
    ]);
    // 5.00 + 4.00 + 3.00 = 12.00 for 10.00: 2.00 shared 5:4:3 → 83, 67, 50
    expect(lineDiscounts(r)).toEqual([83, 67, 50, 0]);
  });
  it('gives nothing when the group is already cheaper than the price', () => {
    expect(run([each('A', 300, 3)], [promo({ kind: 'n_for_price', quantity: 3, price: 1000, target: item('A') })]).totalDiscount).toBe(0);
  });
  it('does not use a unit twice across two deals', () => {
    const bogo = promo({ id: 'bogo', kind: 'buy_get', buy: 1, get: 1, percentBps: 10_000, target: item('A'), group: 'x' });
    const three = promo({ id: 'three', kind: 'n_for_price', quantity: 3, price: 200, target: item('A'), group: 'y' });
    // 4 × 1.00: BOGO alone 2.00; 3-for-2.00 alone 1.00; together: BOGO uses all 4 units → 2.00.
    // With 5 units: BOGO uses 4 (2.00) and 3-for leaves 1 unit: no group. Best stays 2.00.
    const r = run([each('A', 100, 5)], [bogo, three]);
    expect(r.totalDiscount).toBe(200);
    expect(r.applied).toEqual(['bogo']);
  });
});

describe('spend_get (thresholds)', () => {
  const amount = promo({ id: 's', kind: 'spend_get', minSpend: 5000, amount: 500, percentBps: null });
  it('gives the amount off once the basket reaches the threshold', () => {
    expect(run([each('A', 4999)], [amount]).totalDiscount).toBe(0);
    expect(run([each('A', 5000)], [amount]).basket).toEqual([{ promotionId: 's', label: 'promo s', amount: 500 }]);
  });
  it('gives a percentage off instead', () => {
    const pct = promo({ kind: 'spend_get', minSpend: 5000, amount: null, percentBps: 1000 });
    expect(run([each('A', 6000)], [pct]).totalDiscount).toBe(600);
  });
  it('measures a department threshold on that department only and discounts its lines', () => {
    const p = promo({ kind: 'spend_get', minSpend: 1000, amount: 100, percentBps: null, target: dept('drinks') });
    expect(run([each('W', 900, 1, 'drinks', 1), each('F', 5000, 1, 'food', 2)], [p]).totalDiscount).toBe(0);
    const r = run([each('W', 600, 1, 'drinks', 1), each('V', 400, 1, 'drinks', 2), each('F', 5000, 1, 'food', 3)], [p]);
    expect(lineDiscounts(r)).toEqual([60, 40, 0]);
  });
  it('is measured on what line promotions left', () => {
    const line = promo({ id: 'line', kind: 'percent_off', percentBps: 1000, target: item('A') });
    const basket = promo({ id: 'basket', kind: 'spend_get', minSpend: 1000, amount: 50, percentBps: null });
    // 20.00 − 2.00 = 18.00 ≥ 10.00: both
    expect(run([each('A', 2000)], [line, basket])).toMatchObject({ lineDiscount: 200, basketDiscount: 50, applied: ['basket', 'line'] });
  });
});

describe('time windows (local time of the terminal)', () => {
  const happy = promo({ kind: 'percent_off', percentBps: 5000, target: item('A'), window: { ...ALWAYS, hours: [{ start: '17:00', end: '19:00' }] } });
  const at = (day: number, hour: number, minute = 0): LocalDateTime => ({ year: 2026, month: 11, day, hour, minute });
  it('applies a happy hour from its start up to (not including) its end', () => {
    expect(run([each('A', 100)], [happy], { at: at(26, 16, 59) }).totalDiscount).toBe(0);
    expect(run([each('A', 100)], [happy], { at: at(26, 17, 0) }).totalDiscount).toBe(50);
    expect(run([each('A', 100)], [happy], { at: at(26, 18, 59) }).totalDiscount).toBe(50);
    expect(run([each('A', 100)], [happy], { at: at(26, 19, 0) }).totalDiscount).toBe(0);
  });
  it('applies on the listed weekdays only (Monday = 1)', () => {
    const weekdays = promo({ kind: 'percent_off', percentBps: 5000, target: item('A'), window: { ...ALWAYS, weekdays: [1, 2, 3, 4, 5] } });
    expect(run([each('A', 100)], [weekdays], { at: at(26, 12) }).totalDiscount).toBe(50); // Thursday
    expect(run([each('A', 100)], [weekdays], { at: at(28, 12) }).totalDiscount).toBe(0); // Saturday
    expect(run([each('A', 100)], [weekdays], { at: at(30, 12) }).totalDiscount).toBe(50); // Monday
  });
  it('applies within its dates, both ends included', () => {
    const dates = promo({ kind: 'percent_off', percentBps: 5000, target: item('A'), window: { ...ALWAYS, from: '2026-11-26', until: '2026-11-30' } });
    expect(run([each('A', 100)], [dates], { at: at(25, 23, 59) }).totalDiscount).toBe(0);
    expect(run([each('A', 100)], [dates], { at: at(26, 0, 0) }).totalDiscount).toBe(50);
    expect(run([each('A', 100)], [dates], { at: at(30, 23, 59) }).totalDiscount).toBe(50);
    expect(run([each('A', 100)], [dates], { at: { year: 2026, month: 12, day: 1, hour: 0, minute: 0 } }).totalDiscount).toBe(0);
  });
  it('refuses a local time that does not exist', () => {
    expect(() => run([each('A', 100)], [happy], { at: { year: 2026, month: 2, day: 30, hour: 12, minute: 0 } })).toThrow(PromotionError);
    expect(() => run([each('A', 100)], [happy], { at: { year: 2026, month: 2, day: 3, hour: 24, minute: 0 } })).toThrow(/not a real date and time/);
  });
});

describe('member-only', () => {
  const p = promo({ kind: 'percent_off', percentBps: 1000, target: item('A'), memberOnly: true });
  it('applies only when a member is identified', () => {
    expect(run([each('A', 1000)], [p], { member: false }).totalDiscount).toBe(0);
    expect(run([each('A', 1000)], [p], { member: true }).totalDiscount).toBe(100);
  });
});

describe('stacking: exclusive', () => {
  const excl = promo({ id: 'excl', kind: 'percent_off', percentBps: 3000, target: item('A'), stacking: 'exclusive' });
  const line10 = promo({ id: 'line10', kind: 'percent_off', percentBps: 1000, target: item('A') });
  it('applies alone when it beats every combination', () => {
    const basket20 = promo({ id: 'basket20', kind: 'percent_off', percentBps: 2000 });
    // exclusive 30.00; stackables 10.00 + 20 % of 90.00 = 28.00
    const r = run([each('A', 10_000)], [excl, line10, basket20]);
    expect(r).toMatchObject({ totalDiscount: 3000, applied: ['excl'], basket: [] });
  });
  it('is left out when the stackable promotions together give more', () => {
    const basket25 = promo({ id: 'basket25', kind: 'percent_off', percentBps: 2500 });
    // 10.00 + 25 % of 90.00 = 32.50 > 30.00
    const r = run([each('A', 10_000)], [excl, line10, basket25]);
    expect(r).toMatchObject({ totalDiscount: 3250, applied: ['basket25', 'line10'] });
  });
  it('between two equal exclusives, the higher priority wins, then the lower id', () => {
    const a = promo({ id: 'a', kind: 'amount_off', amount: 100, target: item('A'), stacking: 'exclusive' });
    const b = promo({ id: 'b', kind: 'amount_off', amount: 100, target: item('A'), stacking: 'exclusive', priority: 1 });
    expect(run([each('A', 1000)], [a, b]).applied).toEqual(['b']);
    expect(run([each('A', 1000)], [a, { ...b, priority: 0 }]).applied).toEqual(['a']);
  });
});

describe('stacking: groups', () => {
  it('applies at most one promotion of a group: the best one', () => {
    const r = run([each('A', 1000)], [
      promo({ id: 'ten', kind: 'percent_off', percentBps: 1000, target: item('A'), group: 'weekly' }),
      promo({ id: 'fifteen', kind: 'percent_off', percentBps: 1500, target: item('A'), group: 'weekly' }),
    ]);
    expect(r).toMatchObject({ totalDiscount: 150, applied: ['fifteen'] });
  });
  it('stacks promotions of different groups (or none), in priority order', () => {
    const pct = promo({ id: 'pct', kind: 'percent_off', percentBps: 1000, target: item('A'), group: 'g1', priority: 2 });
    const amt = promo({ id: 'amt', kind: 'amount_off', amount: 100, target: item('A'), priority: 1 });
    // 10 % of 10.00, then 1.00 off: 2.00
    const first = run([each('A', 1000)], [pct, amt]);
    expect(first.totalDiscount).toBe(200);
    expect(first.lines[0]?.discounts.map((d) => d.promotionId)).toEqual(['pct', 'amt']);
    // 1.00 off first, then 10 % of 9.00: 1.90
    const second = run([each('A', 1000)], [{ ...pct, priority: 0 }, amt]);
    expect(second.totalDiscount).toBe(190);
    expect(second.lines[0]?.discounts.map((d) => d.promotionId)).toEqual(['amt', 'pct']);
  });
  it('keeps one per group across line and basket level', () => {
    const line = promo({ id: 'line', kind: 'percent_off', percentBps: 1000, target: item('A'), group: 'g' });
    const basket = promo({ id: 'basket', kind: 'amount_off', amount: 150, group: 'g' });
    const r = run([each('A', 1000)], [line, basket]);
    expect(r).toMatchObject({ totalDiscount: 150, applied: ['basket'] });
  });
  it('between equal members of a group, priority then id decides', () => {
    const x = promo({ id: 'x', kind: 'amount_off', amount: 100, target: item('A'), group: 'g' });
    const y = promo({ id: 'y', kind: 'amount_off', amount: 100, target: item('A'), group: 'g' });
    expect(run([each('A', 1000)], [y, x]).applied).toEqual(['x']);
    expect(run([each('A', 1000)], [x, { ...y, priority: 5 }]).applied).toEqual(['y']);
  });
});

describe('stacking: line level before basket level', () => {
  it('applies basket promotions on what the lines left', () => {
    const r = run([each('A', 1000, 1, 'food', 1)], [
      promo({ id: 'basket', kind: 'percent_off', percentBps: 1000, priority: 99 }),
      promo({ id: 'line', kind: 'percent_off', percentBps: 1000, target: item('A') }),
    ]);
    expect(r).toMatchObject({ lineDiscount: 100, basketDiscount: 90, totalDiscount: 190 });
  });
  it('drops a line promotion that would push the basket below a threshold worth more', () => {
    const line = promo({ id: 'line', kind: 'percent_off', percentBps: 1000, target: item('A') });
    const spend = promo({ id: 'spend', kind: 'spend_get', minSpend: 1000, amount: 300, percentBps: null });
    // together: 1.00 and the basket is 9.00 < 10.00; the threshold alone gives 3.00
    const r = run([each('A', 1000)], [line, spend]);
    expect(r).toMatchObject({ totalDiscount: 300, applied: ['spend'] });
  });
});

describe('choosing and reporting', () => {
  it('picks the better of two rival deals on the same units', () => {
    const r = run([each('A', 500, 2)], [
      promo({ id: 'bogo', kind: 'buy_get', buy: 1, get: 1, percentBps: 10_000, target: item('A'), group: 'a' }),
      promo({ id: 'pct', kind: 'percent_off', percentBps: 6000, target: item('A'), group: 'a' }),
    ]);
    expect(r).toMatchObject({ totalDiscount: 600, applied: ['pct'] });
  });
  it('lists a promotion only where it took something off', () => {
    const r = run([each('A', 1000, 1, 'food', 1), each('B', 1000, 1, 'food', 2)], [promo({ id: 'a', kind: 'amount_off', amount: 100, target: item('A') }), promo({ id: 'z', kind: 'amount_off', amount: 100, target: item('Z') })]);
    expect(r.lines).toEqual([
      { lineNo: 1, discounts: [{ promotionId: 'a', label: 'promo a', amount: 100 }], discount: 100 },
      { lineNo: 2, discounts: [], discount: 0 },
    ]);
    expect(r.applied).toEqual(['a']);
    expect(r.search.candidates).toBe(1);
  });
  it('reports lines in lineNo order and shares a split quantity between its lines', () => {
    const r = run([each('A', 100, 2, 'food', 7), each('A', 100, 1, 'food', 3)], [promo({ kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000, target: item('A') })]);
    expect(r.lines.map((l) => l.lineNo)).toEqual([3, 7]);
    expect(r.totalDiscount).toBe(100);
    expect(lineDiscounts(r)).toEqual([33, 67]);
  });
  it('never takes the sale below zero, whatever stacks', () => {
    const r = run([each('A', 300, 1, 'food', 1), kg('K', 990, 333, 'fresh', 2)], [
      promo({ id: 'a', kind: 'amount_off', amount: 1000, target: item('A') }),
      promo({ id: 'b', kind: 'percent_off', percentBps: 10_000, target: dept('fresh') }),
      promo({ id: 'c', kind: 'amount_off', amount: 500 }),
    ]);
    // 9.90/kg × 0.333 kg = 3.30: both lines free, nothing left for the basket
    expect(lineDiscounts(r)).toEqual([300, 330]);
    expect(r).toMatchObject({ basketDiscount: 0, totalDiscount: 630, applied: ['a', 'b'] });
    const big = run([each('A', 300, 1, 'food', 1)], [promo({ id: 'c', kind: 'amount_off', amount: 100_000 })]);
    expect(big).toMatchObject({ basketDiscount: 300, totalDiscount: 300 });
  });
  it('falls back to a greedy search above the exact bound and still beats every single promotion', () => {
    const many = Array.from({ length: 9 }, (_, i) =>
      i % 2 === 0
        ? promo({ id: `p${i}`, kind: 'percent_off', percentBps: 500 + i * 100, target: item('A') })
        : promo({ id: `p${i}`, kind: 'amount_off', amount: 50 + i * 10, target: item('A') }),
    );
    expect(2 ** many.length).toBeGreaterThan(EXACT_LIMIT);
    const r = run([each('A', 10_000)], many);
    expect(r.search.exact).toBe(false);
    for (const p of many) expect(r.totalDiscount).toBeGreaterThanOrEqual(run([each('A', 10_000)], [p]).totalDiscount);
    // every one of them adds something, so greedy keeps them all
    expect(r.applied).toHaveLength(9);
  });
  it('refuses malformed lines with a message naming the line', () => {
    expect(() => run([each('A', 100, 1, 'food', 1), each('B', 100, 1, 'food', 1)], [])).toThrow(/line 1 appears twice/);
    expect(() => run([{ ...each('A', 100, 1, 'food', 4), gross: -1 }], [])).toThrow(/line 4: gross -1/);
    expect(() => run([{ ...each('A', 100, 1, 'food', 5), quantityMilli: 0 }], [])).toThrow(/line 5: quantity 0/);
    const p = promo({ id: 'same', kind: 'percent_off', percentBps: 1000 });
    expect(() => run([each('A', 100)], [p, { ...p, priority: 1 }])).toThrow(/promotion id "same" appears twice/);
  });
});
