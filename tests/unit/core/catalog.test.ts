// The catalog repository on an in-memory database: upsert semantics, barcode ownership,
// the hand-maintained contentless search index, ranking, and FTS query sanitization.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CatalogConflictError,
  CatalogRepository,
  buildFtsQuery,
  catalogRepository,
  searchTextFor,
  upsertProducts,
} from '../../../src/core/db/catalog.ts';
import { migrate } from '../../../src/core/db/migrations.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import type { Product } from '../../../src/domain/product.ts';

let db: Db;
let repo: CatalogRepository;

beforeEach(() => {
  db = openDatabase(':memory:');
  repo = new CatalogRepository(db);
});
afterEach(() => db.close());

function product(sku: string, over: Partial<Product> = {}): Product {
  return {
    sku,
    nameZh: '有机苹果 500g',
    nameEn: 'Organic Apple 500g',
    price: { amount: 1299, currency: 'CNY' },
    taxClass: 'reduced',
    unit: 'each',
    department: 'Fruit',
    active: true,
    barcodes: [],
    ...over,
  };
}

const skus = (ps: readonly Product[]): string[] => ps.map((p) => p.sku);
const ftsRows = (): number => db.prepare('SELECT count(*) FROM products_fts').pluck().get() as number;

describe('searchTextFor', () => {
  it('sets CJK characters apart and normalizes full-width forms', () => {
    expect(searchTextFor({ sku: 'A-1', nameEn: 'Ｃｏｌａ ３３０ml', nameZh: '可口可乐330ml' })).toBe(
      'A-1 Cola 330ml  可  口  可  乐 330ml',
    );
  });
});

describe('buildFtsQuery', () => {
  it('makes Latin words prefix tokens and CJK runs single-character phrases', () => {
    expect(buildFtsQuery('org app')).toBe('"org"* "app"*');
    expect(buildFtsQuery('苹果')).toBe('"苹 果"');
    expect(buildFtsQuery('有机apple 5')).toBe('"有 机" "apple"* "5"*');
  });

  it('quotes or drops every FTS5 operator', () => {
    expect(buildFtsQuery('"a" OR b* -c NEAR(d e) text:f ^g')).toBe('"a"* "OR"* "b"* "c"* "NEAR"* "d"* "e"* "text"*');
    expect(buildFtsQuery('*-"()^:+')).toBeNull();
    expect(buildFtsQuery('   ')).toBeNull();
  });
});

describe('upsertProducts', () => {
  it('inserts, updates and recognizes unchanged products', () => {
    expect(repo.upsertProducts([product('A'), product('B')])).toEqual({ inserted: 2, updated: 0, unchanged: 0, reindexed: 0 });
    expect(repo.upsertProducts([product('A'), product('B', { price: { amount: 1, currency: 'CNY' } })])).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 1,
      reindexed: 0,
    });
    expect(repo.findBySku('B')?.price.amount).toBe(1);
    expect(repo.countProducts()).toBe(2);
  });

  it('returns products with their barcodes, active or not', () => {
    const p = product('A', { active: false, unit: 'kg', barcodes: ['06901234567892', '12345'] });
    upsertProducts(db, [p]);
    expect(repo.findBySku('A')).toEqual({ ...p, barcodes: ['06901234567892', '12345'] });
    expect(repo.findByBarcode('12345')?.sku).toBe('A');
    expect(repo.findByBarcode('06901234567892')?.active).toBe(false);
    expect(repo.findByBarcode('99999')).toBeNull();
    expect(repo.findBySku('nope')).toBeNull();
  });

  it('replaces the barcode set of an existing product', () => {
    repo.upsertProducts([product('A', { barcodes: ['111', '222'] })]);
    repo.upsertProducts([product('A', { barcodes: ['222', '333'] })]);
    expect(repo.findByBarcode('111')).toBeNull();
    expect(repo.findByBarcode('333')?.sku).toBe('A');
    expect(repo.findBySku('A')?.barcodes).toEqual(['222', '333']);
  });

  it('refuses a barcode of another SKU before writing anything of the product', () => {
    repo.upsertProducts([product('A', { barcodes: ['111'] })]);
    expect(() => repo.upsertProducts([product('B', { barcodes: ['222', '111'] })])).toThrow(CatalogConflictError);
    expect(repo.findBySku('B')).toBeNull();
    expect(repo.findByBarcode('222')).toBeNull();
    expect(() => repo.upsertProducts([product('C', { barcodes: ['9'] }), product('D', { barcodes: ['9'] })])).toThrow(
      /barcode "9" of sku "D" already belongs to sku "C"/,
    );
    expect(repo.findBySku('C')).toBeNull(); // its own transaction rolled back
  });

  it('moves a barcode in "move" mode', () => {
    repo.upsertProducts([product('A', { barcodes: ['111', '222'] })]);
    repo.upsertProducts([product('B', { barcodes: ['111'] })], { onBarcodeConflict: 'move' });
    expect(repo.findByBarcode('111')?.sku).toBe('B');
    expect(repo.findBySku('A')?.barcodes).toEqual(['222']);
  });

  it('joins the caller’s transaction', () => {
    expect(() =>
      db.transaction(() => {
        repo.upsertProducts([product('A')]);
        throw new Error('caller fails');
      })(),
    ).toThrow('caller fails');
    expect(repo.countProducts()).toBe(0);
    expect(ftsRows()).toBe(0);
  });

  it('keeps the search index in step with renames and deletes', () => {
    repo.upsertProducts([product('A', { nameEn: 'Green Tea', nameZh: '绿茶' })]);
    expect(skus(repo.searchProducts('绿茶'))).toEqual(['A']);
    repo.upsertProducts([product('A', { nameEn: 'Black Tea', nameZh: '红茶' })]);
    expect(repo.searchProducts('绿')).toEqual([]);
    expect(repo.searchProducts('green')).toEqual([]);
    expect(skus(repo.searchProducts('红茶'))).toEqual(['A']);
    expect(skus(repo.searchProducts('bla'))).toEqual(['A']);
    expect(ftsRows()).toBe(1);
    expect(repo.deleteProduct('A')).toBe(true);
    expect(repo.deleteProduct('A')).toBe(false);
    expect(repo.searchProducts('tea')).toEqual([]);
    expect(ftsRows()).toBe(0);
    expect(repo.findByBarcode('111')).toBeNull();
  });
});

describe('searchProducts', () => {
  beforeEach(() => {
    repo.upsertProducts([
      product('A-100', { nameZh: '有机苹果', nameEn: 'Organic Apple' }),
      product('A-1000', { nameZh: '苹果汁', nameEn: 'Apple Juice 1L' }),
      product('A-101', { nameZh: '香蕉', nameEn: 'Banana' }),
      product('B-7', { nameZh: '菠萝', nameEn: 'Pineapple', active: false }),
      product('C-1', { nameZh: '牛奶', nameEn: 'Milk', department: 'Dairy' }),
      product('X-A-100', { nameZh: '苹果派', nameEn: 'Apple Pie a-100' }),
    ]);
  });

  it('finds Chinese by one or two characters and English by prefix', () => {
    expect(skus(repo.searchProducts('苹')).sort()).toEqual(['A-100', 'A-1000', 'X-A-100']);
    expect(skus(repo.searchProducts('苹果')).sort()).toEqual(['A-100', 'A-1000', 'X-A-100']);
    expect(skus(repo.searchProducts('机苹'))).toEqual(['A-100']);
    expect(skus(repo.searchProducts('果苹'))).toEqual([]); // a phrase: order matters
    expect(skus(repo.searchProducts('mil'))).toEqual(['C-1']);
    expect(skus(repo.searchProducts('org ap'))).toEqual(['A-100']);
    expect(skus(repo.searchProducts('ＭＩＬＫ'))).toEqual(['C-1']); // full-width input
  });

  it('ranks the exact SKU, then SKU prefixes, then full-text matches', () => {
    expect(skus(repo.searchProducts('A-100'))).toEqual(['A-100', 'A-1000', 'X-A-100']);
    expect(skus(repo.searchProducts('a-10'))).toEqual(['A-100', 'A-1000', 'A-101', 'X-A-100']);
    expect(skus(repo.searchProducts('Ａ－１０１'))).toEqual(['A-101']); // full-width SKU typed
  });

  it('leaves inactive products out unless asked, and honours the limit', () => {
    expect(repo.searchProducts('pine')).toEqual([]);
    expect(skus(repo.searchProducts('pine', { includeInactive: true }))).toEqual(['B-7']);
    expect(skus(repo.searchProducts('B-7', { includeInactive: true }))).toEqual(['B-7']);
    expect(repo.searchProducts('B-7')).toEqual([]);
    expect(repo.searchProducts('a', { limit: 2 })).toHaveLength(2);
    expect(repo.searchProducts('a', { limit: 0 })).toEqual([]);
  });

  it('never throws, whatever is typed', () => {
    const nasty = fc.array(
      fc.constantFrom('"', "'", '*', '-', '+', '^', ':', '(', ')', '{', '}', 'NEAR', 'AND', 'OR', 'NOT', 'text', 'rank', ' ', '苹', '果', 'a', '\0', '\uD800', '\u0301', 'Ⅻ', '🍎', '%', '_', '\\'),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), nasty.map((a) => a.join(''))), (q) => {
        const result = repo.searchProducts(q, { includeInactive: true });
        expect(Array.isArray(result)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('repository cache and index maintenance', () => {
  it('gives one repository per connection', () => {
    expect(catalogRepository(db)).toBe(catalogRepository(db));
  });

  it('rebuilds and optimizes the search index', () => {
    repo.upsertProducts([product('A', { nameZh: '绿茶', nameEn: 'Green Tea' })]);
    db.exec("INSERT INTO products_fts (products_fts) VALUES ('delete-all')");
    expect(repo.searchProducts('green')).toEqual([]);
    repo.rebuildSearchIndex();
    repo.optimizeSearchIndex();
    expect(skus(repo.searchProducts('绿'))).toEqual(['A']);
    expect(skus(repo.searchProducts('gr'))).toEqual(['A']);
  });

  it('rebuildSearchIndex re-derives the search text of products written behind its back', () => {
    const raw = new Database(':memory:');
    migrate(raw);
    raw
      .prepare(
        `INSERT INTO products (sku, name_zh, name_en, price, currency, tax_class, unit, department, active, updated_at)
         VALUES ('A-1', '有机苹果 500g', 'Organic Apple', 100, 'CNY', 'standard', 'each', '', 1, 'x')`,
      )
      .run();
    const repo = new CatalogRepository(raw);
    expect(skus(repo.searchProducts('苹果'))).toEqual([]);
    repo.rebuildSearchIndex();
    expect(skus(repo.searchProducts('苹果'))).toEqual(['A-1']);
    expect(skus(repo.searchProducts('o'))).toEqual(['A-1']);
    expect(skus(repo.searchProducts('500'))).toEqual(['A-1']);
    raw.close();
  });
});
