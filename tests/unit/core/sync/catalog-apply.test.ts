import { describe, expect, it } from 'vitest';
import { catalogRepository } from '../../../../src/core/db/catalog.ts';
import { activePromotions, listPromotions } from '../../../../src/core/db/promotions.ts';
import { ALWAYS, type Promotion } from '../../../../src/domain/promotions/promotion.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { applyCatalogChanges, CatalogSyncError } from '../../../../src/core/sync/catalog-apply.ts';
import { catalogSkipped, catalogVersion } from '../../../../src/core/sync/sync-state.ts';
import type { CatalogProduct, VersionedCatalogChange } from '../../../../src/shared/sync-protocol.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-01-01T00:00:00.000Z';
const OPTIONS = { currency: 'CNY', taxClasses: ['standard', 'zero'], journalTerminalId: 'T01', at: AT };

let db: Db;
useTempDb((opened) => (db = opened));

const product = (sku: string, price: number, extra: Partial<CatalogProduct> = {}): CatalogProduct => ({
  sku,
  nameZh: `商品${sku}`,
  nameEn: `Item ${sku}`,
  price,
  currency: 'CNY',
  taxClass: 'standard',
  unit: 'each',
  department: '',
  active: true,
  barcodes: [],
  ...extra,
});
const upsert = (version: number, p: CatalogProduct): VersionedCatalogChange => ({ kind: 'product.upsert', product: p, version, publishedAt: AT });
const journalCount = () => db.prepare("SELECT count(*) FROM journal WHERE kind = 'catalog.imported'").pluck().get() as number;

const promo = (id: string, extra: Partial<Promotion> = {}): Promotion =>
  ({
    id,
    name: `Promo ${id}`,
    kind: 'percent_off',
    percentBps: 1000,
    target: { kind: 'item', skus: ['A'] },
    memberOnly: false,
    stacking: 'stackable',
    group: null,
    priority: 0,
    window: ALWAYS,
    ...extra,
  }) as Promotion;
const promoUpsert = (version: number, p: unknown): VersionedCatalogChange =>
  ({ kind: 'promotion.upsert', promotion: p, version, publishedAt: AT }) as VersionedCatalogChange;

describe('applyCatalogChanges', () => {
  it('stores promotion upserts and deletes in the page, skipping a definition that does not parse', () => {
    const r = applyCatalogChanges(
      db,
      [
        promoUpsert(1, promo('P1')),
        promoUpsert(2, promo('P2', { window: { ...ALWAYS, until: '2026-01-31' } })),
        promoUpsert(3, promo('P3', { name: 'wrong', percentBps: 0 })),
        promoUpsert(4, promo('P1', { name: 'Promo P1 v2', percentBps: 2000 })),
        upsert(5, product('A', 100)),
      ],
      OPTIONS,
    );
    expect(r).toEqual({ applied: 4, skipped: 1, alreadyApplied: 0, version: 5 });
    expect(listPromotions(db).map((p) => [p.id, p.name, p.kind === 'percent_off' ? p.percentBps : null])).toEqual([
      ['P1', 'Promo P1 v2', 2000],
      ['P2', 'Promo P2', 1000],
    ]);
    expect(catalogSkipped(db).newest.map((s) => s.reason)).toEqual(['promotion "P3" is not a promotion this terminal can read: percentBps: percentage must be above 0']);
    expect(activePromotions(db, '2026-02-01').map((p) => p.id)).toEqual(['P1']);
    expect(activePromotions(db, '2026-01-31').map((p) => p.id)).toEqual(['P1', 'P2']);

    const later = applyCatalogChanges(db, [{ kind: 'promotion.delete', id: 'P1', version: 6, publishedAt: AT }, { kind: 'promotion.delete', id: 'GONE', version: 7, publishedAt: AT }], OPTIONS);
    expect(later).toEqual({ applied: 2, skipped: 0, alreadyApplied: 0, version: 7 });
    expect(listPromotions(db).map((p) => p.id)).toEqual(['P2']);
  });

  it('keeps promotions at the old version when a page is refused', () => {
    expect(() => applyCatalogChanges(db, [promoUpsert(1, promo('P1')), upsert(3, product('A', 100))], OPTIONS)).toThrow(CatalogSyncError);
    expect(listPromotions(db)).toEqual([]);
  });

  it('applies a page and moves the version, journalling the page once', () => {
    const r = applyCatalogChanges(db, [upsert(1, product('A', 100, { barcodes: ['6901234567892'] })), upsert(2, product('B', 200))], OPTIONS);
    expect(r).toEqual({ applied: 2, skipped: 0, alreadyApplied: 0, version: 2 });
    expect(catalogVersion(db)).toBe(2);
    expect(catalogRepository(db).findByBarcode('06901234567892')?.sku).toBe('A');
    expect(catalogRepository(db).searchProducts('商品B').map((p) => p.sku)).toEqual(['B']);
    expect(journalCount()).toBe(1);
  });

  it('refuses a page that skips a version and writes nothing of it', () => {
    applyCatalogChanges(db, [upsert(1, product('A', 100))], OPTIONS);
    expect(() => applyCatalogChanges(db, [upsert(2, product('B', 200)), upsert(4, product('C', 300))], OPTIONS)).toThrow(CatalogSyncError);
    expect(() => applyCatalogChanges(db, [upsert(3, product('C', 300))], OPTIONS)).toThrow(/does not follow version 1/);
    expect(catalogVersion(db)).toBe(1);
    expect(catalogRepository(db).findBySku('B')).toBeNull();
    expect(journalCount()).toBe(1);
  });

  it('skips changes it already has (another process applied them) and applies the rest', () => {
    applyCatalogChanges(db, [upsert(1, product('A', 100)), upsert(2, product('B', 200))], OPTIONS);
    const r = applyCatalogChanges(db, [upsert(2, product('B', 999)), upsert(3, product('C', 300))], OPTIONS);
    expect(r).toEqual({ applied: 1, skipped: 0, alreadyApplied: 1, version: 3 });
    expect(catalogRepository(db).findBySku('B')?.price.amount).toBe(200);
    // A page of nothing new writes nothing, not even a journal row.
    expect(applyCatalogChanges(db, [upsert(3, product('C', 1))], OPTIONS)).toEqual({ applied: 0, skipped: 0, alreadyApplied: 1, version: 3 });
    expect(journalCount()).toBe(2);
  });

  it('skips what the terminal cannot sell, says why, and still moves past it', () => {
    const changes: VersionedCatalogChange[] = [
      upsert(1, product('USD1', 100, { currency: 'USD' })),
      upsert(2, product('TAX1', 100, { taxClass: 'luxury' })),
      upsert(3, product('BAD1', 100, { barcodes: ['6901234567891'] })),
      { kind: 'price.set', sku: 'NOPE', price: 5, currency: 'CNY', version: 4, publishedAt: AT },
      { kind: 'promotion.upsert', promotion: { id: 'P1', name: 'from a newer Kassa', kind: 'teleport' }, version: 5, publishedAt: AT },
      upsert(6, product('OK1', 100)),
    ];
    const r = applyCatalogChanges(db, changes, OPTIONS);
    expect(r).toEqual({ applied: 1, skipped: 5, alreadyApplied: 0, version: 6 });
    const skipped = catalogSkipped(db);
    expect(skipped.count).toBe(5);
    expect(skipped.newest.map((s) => s.reason)).toEqual([
      'sku USD1 is priced in USD, the terminal sells in CNY',
      'sku TAX1 has tax class "luxury", which the terminal\'s config does not define',
      'sku BAD1: barcode "6901234567891" is not valid (bad check digit: expected 2, got 1)',
      "sku NOPE is not in the terminal's catalog",
      `promotion "P1" is not a promotion this terminal can read: kind: Invalid discriminator value. Expected 'percent_off' | 'amount_off' | 'fixed_price' | 'buy_get' | 'n_for_price' | 'spend_get'`,
    ]);
    expect(listPromotions(db)).toEqual([]);
    expect(catalogRepository(db).countProducts()).toBe(1);
  });

  it('applies upserts, price changes and deletes of the same SKU in version order', () => {
    const r = applyCatalogChanges(
      db,
      [
        upsert(1, product('A', 100)),
        { kind: 'price.set', sku: 'A', price: 150, currency: 'CNY', version: 2, publishedAt: AT },
        { kind: 'product.delete', sku: 'A', version: 3, publishedAt: AT },
        upsert(4, product('A', 400, { nameEn: 'Again' })),
        { kind: 'price.set', sku: 'A', price: 450, currency: 'CNY', version: 5, publishedAt: AT },
      ],
      OPTIONS,
    );
    expect(r.version).toBe(5);
    expect(catalogRepository(db).findBySku('A')).toMatchObject({ nameEn: 'Again', price: { amount: 450 } });
  });
});
