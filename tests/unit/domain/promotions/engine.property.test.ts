// Properties of the promotion engine (fast-check) over random carts and random promotion sets
// of every kind and stacking rule: never worse than any single promotion, independent of scan
// order and of how a quantity was split over lines, and never below zero.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPromotions } from '../../../../src/domain/promotions/engine.ts';
import type { LocalDateTime, PromotionLine, PromotionResult } from '../../../../src/domain/promotions/engine.ts';
import { ALWAYS, promotionSchema } from '../../../../src/domain/promotions/promotion.ts';
import type { Promotion } from '../../../../src/domain/promotions/promotion.ts';

const RUNS = 200;
const AT: LocalDateTime = { year: 2026, month: 11, day: 26, hour: 18, minute: 30 }; // Thursday
const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
const DEPT: Readonly<Record<string, string>> = { A: 'd1', B: 'd1', C: 'd2', D: 'd2', E: 'd3', F: 'd3', K: 'fresh', L: 'fresh' };

interface Goods {
  sku: string;
  unitPrice: number;
  unit: 'each' | 'kg';
  qty: number;
}

const goodsArb: fc.Arbitrary<Goods> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ sku: fc.constantFrom(...SKUS), unitPrice: fc.constantFrom(99, 100, 250, 333, 1000, 1999), unit: fc.constant('each' as const), qty: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ sku: fc.constantFrom('K', 'L'), unitPrice: fc.integer({ min: 1, max: 5000 }), unit: fc.constant('kg' as const), qty: fc.integer({ min: 1, max: 3000 }) }) },
);

function toLines(goods: readonly Goods[]): PromotionLine[] {
  return goods.map((g, i) => ({
    lineNo: i + 1,
    sku: g.sku,
    department: DEPT[g.sku] ?? 'other',
    unitPrice: g.unitPrice,
    quantityMilli: g.unit === 'each' ? g.qty * 1000 : g.qty,
    unit: g.unit,
    gross: g.unit === 'each' ? g.unitPrice * g.qty : Math.round((g.unitPrice * g.qty) / 1000),
  }));
}

const targetArb = fc.oneof(
  fc.subarray([...SKUS, 'K'], { minLength: 1, maxLength: 3 }).map((skus) => ({ kind: 'item' as const, skus })),
  fc.subarray(['d1', 'd2', 'd3', 'fresh'], { minLength: 1, maxLength: 2 }).map((departments) => ({ kind: 'department' as const, departments })),
  fc.constant({ kind: 'basket' as const }),
);

const rewardArb = fc.oneof(
  fc.record({ kind: fc.constant('percent_off' as const), percentBps: fc.integer({ min: 1, max: 10_000 }) }),
  fc.record({ kind: fc.constant('amount_off' as const), amount: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ kind: fc.constant('fixed_price' as const), price: fc.integer({ min: 0, max: 2000 }) }),
  fc.record({ kind: fc.constant('buy_get' as const), buy: fc.integer({ min: 1, max: 3 }), get: fc.integer({ min: 1, max: 2 }), percentBps: fc.constantFrom(10_000, 5000, 3333) }),
  fc.record({ kind: fc.constant('n_for_price' as const), quantity: fc.integer({ min: 2, max: 4 }), price: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({
    kind: fc.constant('spend_get' as const),
    minSpend: fc.integer({ min: 1, max: 8000 }),
    off: fc.oneof(fc.record({ amount: fc.integer({ min: 1, max: 1500 }), percentBps: fc.constant(null) }), fc.record({ amount: fc.constant(null), percentBps: fc.integer({ min: 1, max: 5000 }) })),
  }).map(({ off, ...r }) => ({ ...r, ...off })),
);

const promoArb = fc.record({
  target: targetArb,
  reward: rewardArb,
  excl: fc.integer({ min: 0, max: 4 }), // 0: exclusive (one in five)
  group: fc.constantFrom(null, 'g1', 'g2', 'g3'),
  priority: fc.integer({ min: 0, max: 3 }),
  memberOnly: fc.integer({ min: 0, max: 4 }),
  happyHour: fc.integer({ min: 0, max: 5 }),
});

const promotionsArb = fc.array(promoArb, { minLength: 1, maxLength: 10 }).map((raw) =>
  raw.map((r, i): Promotion => {
    const unitKind = r.reward.kind === 'buy_get' || r.reward.kind === 'n_for_price' || r.reward.kind === 'fixed_price';
    const exclusive = r.excl === 0;
    return promotionSchema.parse({
      id: `p${i}`,
      name: `promo ${i}`,
      target: unitKind && r.target.kind === 'basket' ? { kind: 'department', departments: ['d1', 'd2'] } : r.target,
      memberOnly: r.memberOnly === 0,
      stacking: exclusive ? 'exclusive' : 'stackable',
      group: exclusive ? null : r.group,
      priority: r.priority,
      // one in six is a happy hour that is over at AT (18:30)
      window: r.happyHour === 0 ? { ...ALWAYS, hours: [{ start: '11:00', end: '14:00' }] } : ALWAYS,
      ...r.reward,
    });
  }),
);

const scenario = fc.record({
  goods: fc.array(goodsArb, { minLength: 1, maxLength: 12 }),
  promotions: promotionsArb,
  member: fc.boolean(),
  keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
});

const run = (lines: readonly PromotionLine[], promotions: readonly Promotion[], member: boolean) => applyPromotions({ lines, promotions, member, at: AT });
const totals = (r: PromotionResult) => ({ total: r.totalDiscount, line: r.lineDiscount, basket: r.basketDiscount, applied: r.applied, basketRows: r.basket });

describe('promotion engine properties', () => {
  it('the chosen combination is never worse for the customer than any single promotion', () => {
    fc.assert(
      fc.property(scenario, ({ goods, promotions, member }) => {
        const lines = toLines(goods);
        const best = run(lines, promotions, member).totalDiscount;
        for (const p of promotions) {
          // Alone, stacking rules do not matter; as a plain stackable it goes through the search.
          const single = run(lines, [{ ...p, stacking: 'stackable', group: null }], member).totalDiscount;
          expect(best, `best ${best} < ${p.id} alone ${single}`).toBeGreaterThanOrEqual(single);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('stays never worse than any single promotion when the search falls back to greedy', () => {
    let greedy = 0;
    const dense = fc.record({
      goods: fc.array(goodsArb, { minLength: 3, maxLength: 12 }),
      promotions: fc.array(promoArb, { minLength: 12, maxLength: 30 }).map((raw) =>
        raw.map((r, i) =>
          promotionSchema.parse({
            id: `d${i}`,
            name: `dense ${i}`,
            target: r.reward.kind === 'buy_get' || r.reward.kind === 'n_for_price' || r.reward.kind === 'fixed_price' || r.target.kind === 'basket' ? { kind: 'department', departments: ['d1', 'd2', 'd3'] } : r.target,
            memberOnly: false,
            stacking: 'stackable',
            group: r.excl === 0 ? 'g' : null,
            priority: r.priority,
            window: ALWAYS,
            ...r.reward,
          }),
        ),
      ),
    });
    fc.assert(
      fc.property(dense, ({ goods, promotions }) => {
        const lines = toLines(goods);
        const r = run(lines, promotions, false);
        if (!r.search.exact) greedy++;
        expect(r.lines.reduce((s, l) => s + l.discount, 0)).toBe(r.lineDiscount);
        for (const p of promotions) expect(r.totalDiscount).toBeGreaterThanOrEqual(run(lines, [p], false).totalDiscount);
      }),
      { numRuns: 100 },
    );
    expect(greedy).toBeGreaterThan(10);
  });

  it('totals are independent of scan order', () => {
    fc.assert(
      fc.property(scenario, ({ goods, promotions, member, keys }) => {
        const lines = toLines(goods);
        // Scan in another order: the same lines, numbered in the order they were scanned.
        const order = goods.map((g, i) => ({ g, k: keys[i] ?? 0, i })).sort((x, y) => x.k - y.k || x.i - y.i);
        const shuffled = toLines(order.map((o) => o.g));
        expect(totals(run(shuffled, promotions, member))).toEqual(totals(run(lines, promotions, member)));
      }),
      { numRuns: RUNS },
    );
  });

  it('totals are independent of how a quantity is split over lines', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ({ goods, promotions, member }, pick) => {
        const splittable = goods.map((g, i) => ({ g, i })).filter(({ g }) => g.unit === 'each' && g.qty >= 2);
        fc.pre(splittable.length > 0);
        const chosen = splittable[pick % splittable.length];
        if (!chosen) return;
        const first = 1 + (pick % (chosen.g.qty - 1));
        // The same goods scanned as two lines (first items, then the rest) at the end of the sale.
        const split = [...goods.filter((_, i) => i !== chosen.i), { ...chosen.g, qty: first }, { ...chosen.g, qty: chosen.g.qty - first }];
        expect(totals(run(toLines(split), promotions, member))).toEqual(totals(run(toLines(goods), promotions, member)));
      }),
      { numRuns: RUNS },
    );
  });

  it('no line and no basket goes below zero, and the parts add up', () => {
    fc.assert(
      fc.property(scenario, ({ goods, promotions, member }) => {
        const lines = toLines(goods);
        const r = run(lines, promotions, member);
        let sum = 0;
        r.lines.forEach((l) => {
          const gross = lines.find((x) => x.lineNo === l.lineNo)?.gross ?? -1;
          expect(l.discount).toBeGreaterThanOrEqual(0);
          expect(l.discount).toBeLessThanOrEqual(gross);
          expect(l.discounts.reduce((s, d) => s + d.amount, 0)).toBe(l.discount);
          for (const d of l.discounts) expect(d.amount).toBeGreaterThan(0);
          sum += l.discount;
        });
        const gross = lines.reduce((s, l) => s + l.gross, 0);
        expect(sum).toBe(r.lineDiscount);
        expect(r.basket.reduce((s, b) => s + b.amount, 0)).toBe(r.basketDiscount);
        expect(r.basketDiscount).toBeLessThanOrEqual(gross - r.lineDiscount);
        expect(r.totalDiscount).toBe(r.lineDiscount + r.basketDiscount);
        // the stacking rules hold for what was applied
        const applied = promotions.filter((p) => r.applied.includes(p.id));
        if (applied.some((p) => p.stacking === 'exclusive')) expect(applied).toHaveLength(1);
        const groups = applied.flatMap((p) => (p.group === null ? [] : [p.group]));
        expect(new Set(groups).size).toBe(groups.length);
        if (!member) expect(applied.some((p) => p.memberOnly)).toBe(false);
        expect(applied.some((p) => p.window.hours.length > 0)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
