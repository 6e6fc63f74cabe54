// The promotion schema: what a definition must satisfy before the engine ever sees it (the
// same check runs on promotions arriving with the catalog, not only on CSV import).
import { describe, expect, it } from 'vitest';
import { ALWAYS, promotionLevel, promotionSchema, targetsOverlap } from '../../../../src/domain/promotions/promotion.ts';

const base = { id: 'p', name: 'P', memberOnly: false, stacking: 'stackable', group: null, priority: 0, window: ALWAYS, target: { kind: 'item', skus: ['A'] } };
const messages = (v: unknown) => {
  const r = promotionSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('promotionSchema', () => {
  it('accepts a plain JSON promotion and keeps it as is', () => {
    const p = { ...base, kind: 'percent_off', percentBps: 1000 };
    expect(promotionSchema.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });
  it.each([
    ['percent above 100 %', { kind: 'percent_off', percentBps: 10_001 }, /percentBps: percentage must be at most 100 %/],
    ['a unit kind on the basket', { kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000, target: { kind: 'basket' } }, /target: a buy_get promotion counts units/],
    ['an exclusive promotion in a group', { kind: 'amount_off', amount: 1, stacking: 'exclusive', group: 'g' }, /group: an exclusive promotion/],
    ['spend_get with both rewards', { kind: 'spend_get', minSpend: 100, amount: 10, percentBps: 100 }, /exactly one/],
    ['spend_get with no reward', { kind: 'spend_get', minSpend: 100, amount: null, percentBps: null }, /exactly one/],
    ['an item target without SKUs', { kind: 'amount_off', amount: 1, target: { kind: 'item', skus: [] } }, /at least one SKU/],
    ['hours over midnight', { kind: 'amount_off', amount: 1, window: { ...ALWAYS, hours: [{ start: '22:00', end: '02:00' }] } }, /split a range over midnight/],
    ['until before from', { kind: 'amount_off', amount: 1, window: { ...ALWAYS, from: '2026-12-01', until: '2026-11-30' } }, /window.until: the "until" date is before/],
    ['a weekday 8', { kind: 'amount_off', amount: 1, window: { ...ALWAYS, weekdays: [8] } }, /window.weekdays/],
    ['an unknown field', { kind: 'amount_off', amount: 1, discount: 5 }, /Unrecognized key/],
    ['a fractional amount', { kind: 'amount_off', amount: 1.5 }, /amount/],
  ])('refuses %s', (_what, fields, expected) => {
    expect(messages({ ...base, ...fields }).join('\n')).toMatch(expected);
  });
  it('allows an hours range up to midnight', () => {
    expect(messages({ ...base, kind: 'amount_off', amount: 1, window: { ...ALWAYS, hours: [{ start: '22:00', end: '24:00' }] } })).toEqual([]);
  });
});

describe('promotionLevel and targetsOverlap', () => {
  it('makes basket targets basket-level and every other target line-level', () => {
    expect(promotionLevel({ target: { kind: 'basket' } })).toBe('basket');
    expect(promotionLevel({ target: { kind: 'department', departments: ['d'] } })).toBe('line');
  });
  it('overlaps on a shared SKU, a shared department or two baskets', () => {
    expect(targetsOverlap({ kind: 'item', skus: ['A', 'B'] }, { kind: 'item', skus: ['B'] })).toBe(true);
    expect(targetsOverlap({ kind: 'item', skus: ['A'] }, { kind: 'item', skus: ['B'] })).toBe(false);
    expect(targetsOverlap({ kind: 'department', departments: ['d'] }, { kind: 'department', departments: ['d'] })).toBe(true);
    expect(targetsOverlap({ kind: 'basket' }, { kind: 'basket' })).toBe(true);
    expect(targetsOverlap({ kind: 'basket' }, { kind: 'item', skus: ['A'] })).toBe(false);
  });
});
