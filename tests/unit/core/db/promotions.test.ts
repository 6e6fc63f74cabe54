import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../src/core/db/open.ts';
import { activePromotions, deletePromotion, listPromotions, PromotionStoreError, unreadablePromotions, upsertPromotion } from '../../../../src/core/db/promotions.ts';
import { ALWAYS, type Promotion } from '../../../../src/domain/promotions/promotion.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-03-02T10:00:00.000Z';
let db: Db;
useTempDb((opened) => (db = opened));

const promo = (id: string, window = ALWAYS): Promotion => ({
  id,
  name: `Promo ${id}`,
  kind: 'n_for_price',
  quantity: 3,
  price: 1000,
  target: { kind: 'item', skus: ['NOODLE'] },
  memberOnly: false,
  stacking: 'stackable',
  group: null,
  priority: 0,
  window,
});

describe('promotions table', () => {
  it('stores, replaces and deletes promotions by id', () => {
    upsertPromotion(db, promo('B'), { at: AT, version: 3 });
    upsertPromotion(db, promo('A'), { at: AT });
    upsertPromotion(db, { ...promo('B'), price: 900 }, { at: AT, version: 4 });
    expect(listPromotions(db).map((p) => [p.id, p.kind === 'n_for_price' ? p.price : null])).toEqual([
      ['A', 1000],
      ['B', 900],
    ]);
    expect(deletePromotion(db, 'A')).toBe(true);
    expect(deletePromotion(db, 'A')).toBe(false);
    expect(listPromotions(db).map((p) => p.id)).toEqual(['B']);
  });

  it('refuses a definition the engine could not trust, naming it', () => {
    expect(() => upsertPromotion(db, { ...promo('X'), quantity: 1 }, { at: AT })).toThrow(PromotionStoreError);
    expect(() => upsertPromotion(db, { ...promo('X'), quantity: 1 }, { at: AT })).toThrow(/promotion "X" is not valid: quantity/);
    expect(listPromotions(db)).toEqual([]);
  });

  it('activePromotions keeps those whose dates hold the day; a row that no longer parses is left out and counted', () => {
    upsertPromotion(db, promo('MARCH', { ...ALWAYS, from: '2026-03-01', until: '2026-03-31' }), { at: AT });
    upsertPromotion(db, promo('ALWAYS'), { at: AT });
    db.prepare("INSERT INTO promotions (id, kind, definition, updated_at) VALUES ('NEWER', 'teleport', '{\"id\":\"NEWER\"}', ?)").run(AT);
    expect(activePromotions(db, '2026-03-31').map((p) => p.id)).toEqual(['ALWAYS', 'MARCH']);
    expect(activePromotions(db, '2026-04-01').map((p) => p.id)).toEqual(['ALWAYS']);
    expect(activePromotions(db).map((p) => p.id)).toEqual(['ALWAYS', 'MARCH']);
    expect(unreadablePromotions(db)).toBe(1);
  });
});
