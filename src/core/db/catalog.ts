// The catalog repository: products, their barcodes and the search index, over one
// better-sqlite3 connection with every statement prepared once.
//
// products_fts is contentless (schema v1; prefix indexes for 1-3 characters since v2), so this
// module alone decides what is indexed: "SKU English-name Chinese-name" after NFKC (full-width
// letters and digits typed on Chinese keyboards become ASCII), with every CJK character set
// apart by spaces so unicode61 indexes it as a one-character token. A Chinese query is then a
// phrase of single characters ("苹 果") and a Latin query a prefix token ("app"*). Queries are
// built from extracted tokens only, each one double-quoted, so no user text reaches FTS5 as syntax.
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';
import type { Product, Unit } from '../../domain/product.ts';

export class CatalogConflictError extends Error {
  override name = 'CatalogConflictError';
}

export interface UpsertOptions {
  /**
   * What to do when a barcode already belongs to another SKU. 'error' (default) throws before
   * anything of that product is written; 'move' reassigns the barcode (the catalog import uses
   * it after checking the whole file).
   */
  readonly onBarcodeConflict?: 'error' | 'move';
}

export interface UpsertResult {
  /** New SKUs. */
  inserted: number;
  /** Existing SKUs whose fields or barcodes changed. */
  updated: number;
  /** Existing SKUs given exactly as stored (nothing written). */
  unchanged: number;
  /** Existing SKUs whose search entry was replaced (renamed). */
  reindexed: number;
}

export interface SearchOptions {
  readonly limit?: number;
  readonly includeInactive?: boolean;
}

/**
 * How many full-text matches are ranked by bm25 per query. Ranking every match of a one-letter
 * prefix over a million products costs far beyond the 20 ms budget, so the first
 * `FTS_RANK_WINDOW` matches (in rowid order) are ranked; below that count the ranking is exact.
 */
export const FTS_RANK_WINDOW = 500;
/** FTS5's own default for 'deletemerge' (percent of deleted rows that makes a segment merge). */
const FTS5_DEFAULT_DELETEMERGE = 10;
/** Longest query token passed to FTS5, and most tokens per query: bounds the work per keypress. */
const MAX_TOKEN_CHARS = 32;
const MAX_QUERY_TERMS = 8;

// Scripts written without spaces between words (or, for Hangul, searched by syllable).
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/gu;
const QUERY_TOKEN =
  /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]+)|((?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}])[\p{L}\p{N}])+)/gu;

/** The text indexed for a product (exported for tests and for a full index rebuild). */
export function searchTextFor(p: Pick<Product, 'sku' | 'nameEn' | 'nameZh'>): string {
  return `${p.sku} ${p.nameEn} ${p.nameZh}`.normalize('NFKC').replace(CJK_CHAR, ' $& ');
}

/**
 * Turns what a cashier typed into a safe FTS5 MATCH expression, or null when it has nothing
 * searchable. Latin/digit words become prefix tokens, CJK runs become phrases of single
 * characters; all terms must match (implicit AND). Operators, quotes, `*`, `-`, `NEAR`, column
 * filters and parentheses are either dropped (punctuation) or quoted into plain tokens.
 */
export function buildFtsQuery(query: string): string | null {
  const terms: string[] = [];
  for (const m of query.normalize('NFKC').matchAll(QUERY_TOKEN)) {
    if (terms.length >= MAX_QUERY_TERMS) break;
    const cjk = m[1];
    const word = m[2];
    if (cjk !== undefined) {
      terms.push(`"${[...cjk].slice(0, MAX_TOKEN_CHARS).join(' ')}"`);
    } else if (word !== undefined) {
      terms.push(`"${[...word].slice(0, MAX_TOKEN_CHARS).join('')}"*`);
    }
  }
  return terms.length > 0 ? terms.join(' ') : null;
}

interface ProductRow {
  rowid: number;
  sku: string;
  name_zh: string;
  name_en: string;
  price: number;
  currency: string;
  tax_class: string;
  unit: string;
  department: string;
  active: number;
  codes: string;
}

type ExistingRow = Omit<ProductRow, 'codes'>;

interface SearchWrite {
  readonly rowid: number;
  readonly text: string;
  /** The rowid already has an index entry to remove first. */
  readonly replace: boolean;
}

const PRODUCT_COLUMNS = `p.rowid AS rowid, p.sku, p.name_zh, p.name_en, p.price, p.currency, p.tax_class, p.unit,
  p.department, p.active, (SELECT json_group_array(b.code) FROM barcodes b WHERE b.sku = p.sku) AS codes`;

function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    nameZh: row.name_zh,
    nameEn: row.name_en,
    price: { amount: row.price, currency: row.currency },
    taxClass: row.tax_class,
    unit: row.unit as Unit,
    department: row.department,
    active: row.active === 1,
    barcodes: JSON.parse(row.codes) as string[],
  };
}

function sameFields(row: ExistingRow, p: Product): boolean {
  return (
    row.name_zh === p.nameZh &&
    row.name_en === p.nameEn &&
    row.price === p.price.amount &&
    row.currency === p.price.currency &&
    row.tax_class === p.taxClass &&
    row.unit === p.unit &&
    row.department === p.department &&
    row.active === (p.active ? 1 : 0)
  );
}

/** The smallest string greater than every string starting with `prefix` (binary collation). */
function prefixUpperBound(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

export class CatalogRepository {
  readonly #db: Db;
  readonly #selExisting;
  readonly #insertProduct;
  readonly #updateProduct;
  readonly #deleteProduct;
  readonly #ftsInsert;
  readonly #ftsDelete;
  readonly #selCodes;
  readonly #selOwner;
  readonly #insertCode;
  readonly #moveCode;
  readonly #deleteCode;
  readonly #touch;
  readonly #deleteCodesOf;
  readonly #byBarcode;
  readonly #bySku;
  readonly #skuRange;
  readonly #ftsSearch;
  readonly #count;

  constructor(db: Db) {
    this.#db = db;
    this.#selExisting = db.prepare<[string], ExistingRow>(
      `SELECT rowid, sku, name_zh, name_en, price, currency, tax_class, unit, department, active
         FROM products WHERE sku = ?`,
    );
    this.#insertProduct = db.prepare<[string, string, string, number, string, string, string, string, number, string]>(
      `INSERT INTO products (sku, name_zh, name_en, price, currency, tax_class, unit, department, active, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#updateProduct = db.prepare<[string, string, number, string, string, string, string, number, string, number]>(
      `UPDATE products SET name_zh = ?, name_en = ?, price = ?, currency = ?, tax_class = ?, unit = ?,
         department = ?, active = ?, updated_at = ? WHERE rowid = ?`,
    );
    this.#deleteProduct = db.prepare<[number]>('DELETE FROM products WHERE rowid = ?');
    this.#ftsInsert = db.prepare<[number, string]>('INSERT INTO products_fts (rowid, text) VALUES (?, ?)');
    this.#ftsDelete = db.prepare<[number]>('DELETE FROM products_fts WHERE rowid = ?');
    this.#selCodes = db.prepare<[string], string>('SELECT code FROM barcodes WHERE sku = ?').pluck();
    this.#selOwner = db.prepare<[string], string>('SELECT sku FROM barcodes WHERE code = ?').pluck();
    this.#insertCode = db.prepare<[string, string]>('INSERT INTO barcodes (code, sku) VALUES (?, ?)');
    this.#moveCode = db.prepare<[string, string]>('UPDATE barcodes SET sku = ? WHERE code = ?');
    this.#deleteCode = db.prepare<[string]>('DELETE FROM barcodes WHERE code = ?');
    this.#touch = db.prepare<[string, string]>('UPDATE products SET updated_at = ? WHERE sku = ?');
    this.#deleteCodesOf = db.prepare<[string]>('DELETE FROM barcodes WHERE sku = ?');
    this.#byBarcode = db.prepare<[string], ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM barcodes k JOIN products p ON p.sku = k.sku WHERE k.code = ?`,
    );
    this.#bySku = db.prepare<[string], ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.sku = ?`);
    this.#skuRange = db.prepare<[string, string, number, number], ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products p
        WHERE p.sku >= ? AND p.sku < ? AND (p.active = 1 OR ?)
        ORDER BY p.sku LIMIT ?`,
    );
    this.#ftsSearch = db.prepare<[string, number, number, number], ProductRow>(
      `SELECT ${PRODUCT_COLUMNS}
         FROM (SELECT rowid AS id, rank AS score FROM products_fts WHERE products_fts MATCH ? LIMIT ?) f
         JOIN products p ON p.rowid = f.id
        WHERE p.active = 1 OR ?
        ORDER BY f.score, p.sku LIMIT ?`,
    );
    this.#count = db.prepare<[], number>('SELECT count(*) FROM products').pluck();
  }

  /**
   * Inserts or replaces products by SKU, their barcode sets and their search text. Runs in
   * the caller's transaction when there is one (so a failure rolls back with the caller's
   * work), otherwise in its own. Barcodes must already be normalized keys.
   */
  upsertProducts(products: readonly Product[], options: UpsertOptions = {}): UpsertResult {
    const run = (): UpsertResult => {
      const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, reindexed: 0 };
      const now = new Date().toISOString();
      const move = options.onBarcodeConflict === 'move';
      const search: SearchWrite[] = [];
      for (const p of products) this.#upsertOne(p, now, move, result, search);
      // The index is written after the rows, deletes before inserts. FTS5 flushes its pending
      // terms to a new segment whenever another statement opens a statement savepoint (an
      // upsert, an UPDATE) and before every contentless delete; interleaved, that would be one
      // tiny segment per product and several times the time.
      for (const w of search) if (w.replace) this.#ftsDelete.run(w.rowid);
      for (const w of search) this.#ftsInsert.run(w.rowid, w.text);
      result.reindexed += search.filter((w) => w.replace).length;
      return result;
    };
    return this.#db.inTransaction ? run() : this.#db.transaction(run).immediate();
  }

  #upsertOne(p: Product, now: string, move: boolean, result: UpsertResult, search: SearchWrite[]): void {
    const codes = [...new Set(p.barcodes)];
    if (!move) {
      for (const code of codes) {
        const owner = this.#selOwner.get(code);
        if (owner !== undefined && owner !== p.sku) {
          throw new CatalogConflictError(`barcode "${code}" of sku "${p.sku}" already belongs to sku "${owner}"`);
        }
      }
    }
    const active = p.active ? 1 : 0;
    const existing = this.#selExisting.get(p.sku);
    if (existing === undefined) {
      const info = this.#insertProduct.run(
        p.sku, p.nameZh, p.nameEn, p.price.amount, p.price.currency, p.taxClass, p.unit, p.department, active, now,
      );
      search.push({ rowid: Number(info.lastInsertRowid), text: searchTextFor(p), replace: false });
      for (const code of codes) this.#addCode(code, p.sku, now);
      result.inserted += 1;
      return;
    }
    const oldCodes = this.#selCodes.all(p.sku);
    const keep = new Set(codes);
    const removed = oldCodes.filter((c) => !keep.has(c));
    const old = new Set(oldCodes);
    const added = codes.filter((c) => !old.has(c));
    if (removed.length === 0 && added.length === 0 && sameFields(existing, p)) {
      result.unchanged += 1;
      return;
    }
    this.#updateProduct.run(
      p.nameZh, p.nameEn, p.price.amount, p.price.currency, p.taxClass, p.unit, p.department, active, now, existing.rowid,
    );
    if (existing.name_zh !== p.nameZh || existing.name_en !== p.nameEn) {
      search.push({ rowid: existing.rowid, text: searchTextFor(p), replace: true });
    }
    for (const code of removed) this.#deleteCode.run(code);
    for (const code of added) this.#addCode(code, p.sku, now);
    result.updated += 1;
  }

  /**
   * Adds a barcode; if another SKU holds it (only possible in 'move' mode, which skipped the
   * owner check), takes it over. A plain INSERT first: an upsert statement would open a
   * statement savepoint on every row (see upsertProducts).
   */
  #addCode(code: string, sku: string, now: string): void {
    try {
      this.#insertCode.run(code, sku);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err;
      const owner = this.#selOwner.get(code);
      this.#moveCode.run(sku, code);
      // The old owner changed too (one barcode fewer): bump it so catalog sync sees it.
      if (owner !== undefined) this.#touch.run(now, owner);
    }
  }

  /** Removes a product, its barcodes and its search entry. Returns false when there was none. */
  deleteProduct(sku: string): boolean {
    const run = (): boolean => {
      const existing = this.#selExisting.get(sku);
      if (existing === undefined) return false;
      this.#ftsDelete.run(existing.rowid);
      this.#deleteCodesOf.run(sku);
      this.#deleteProduct.run(existing.rowid);
      return true;
    };
    return this.#db.inTransaction ? run() : this.#db.transaction(run).immediate();
  }

  /** The SKU holding a normalized barcode key, or null. */
  barcodeOwner(key: string): string | null {
    return this.#selOwner.get(key) ?? null;
  }

  /** The product a normalized barcode key belongs to, active or not (the caller decides). */
  findByBarcode(key: string): Product | null {
    const row = this.#byBarcode.get(key);
    return row === undefined ? null : toProduct(row);
  }

  findBySku(sku: string): Product | null {
    const row = this.#bySku.get(sku);
    return row === undefined ? null : toProduct(row);
  }

  countProducts(): number {
    return this.#count.get() ?? 0;
  }

  /**
   * Products matching what the cashier typed, best first: the exact SKU, then SKUs starting
   * with the text (as typed, then upper-cased), then full-text matches on names and SKU by
   * bm25. Never throws for any input string.
   */
  searchProducts(query: string, options: SearchOptions = {}): Product[] {
    const limit = Math.max(0, Math.min(options.limit ?? 20, 1000));
    const inactive = options.includeInactive === true ? 1 : 0;
    const q = query.trim();
    if (q.length === 0 || limit === 0) return [];
    const out: Product[] = [];
    const seen = new Set<string>();
    const add = (row: ProductRow | undefined): void => {
      if (row === undefined || seen.has(row.sku) || out.length >= limit) return;
      if (!inactive && row.active !== 1) return;
      seen.add(row.sku);
      out.push(toProduct(row));
    };
    // As typed, then NFKC (full-width input) and upper-cased: SKUs are compared exactly.
    const folded = q.normalize('NFKC');
    const variants = [...new Set([q, folded, folded.toUpperCase()])];
    for (const v of variants) add(this.#bySku.get(v));
    for (const v of variants) {
      if (out.length >= limit) break;
      for (const row of this.#skuRange.all(v, prefixUpperBound(v), inactive, limit)) add(row);
    }
    const match = buildFtsQuery(q);
    if (match !== null && out.length < limit) {
      for (const row of this.#ftsSearch.all(match, FTS_RANK_WINDOW, inactive, limit + seen.size)) add(row);
    }
    return out;
  }

  /**
   * Prepares the search index for (true) or returns it from (false) a bulk rewrite, inside the
   * caller's transaction. FTS5 rewrites a segment as soon as 10 % of its rows are deleted
   * ('deletemerge'); renaming a large part of a big catalog then rewrites the same million-row
   * segment over and over (measured: 80 s instead of 20 s for 1M renamed products). During a bulk
   * write that is switched off; afterwards, run optimizeSearchIndex() if many rows were replaced.
   */
  bulkSearchWrites(on: boolean): void {
    // A literal: FTS5 wants an INTEGER here, and better-sqlite3 binds JS numbers as REAL.
    const percent = on ? 0 : FTS5_DEFAULT_DELETEMERGE;
    this.#db.prepare(`INSERT INTO products_fts (products_fts, rank) VALUES ('deletemerge', ${percent})`).run();
  }

  /**
   * Merges the full-text index into one segment: worth running after a bulk import, which
   * leaves many small segments that every query would otherwise visit.
   */
  optimizeSearchIndex(): void {
    this.#db.prepare("INSERT INTO products_fts (products_fts) VALUES ('optimize')").run();
  }

  /** Rewrites the whole search index from the products table (after a tokenizer change). */
  rebuildSearchIndex(): void {
    const run = (): void => {
      this.#db.prepare("INSERT INTO products_fts (products_fts) VALUES ('delete-all')").run();
      // In pages by rowid: a statement iterating the table cannot be open while we write.
      const page = this.#db.prepare<[number], { rowid: number; sku: string; name_en: string; name_zh: string }>(
        'SELECT rowid, sku, name_en, name_zh FROM products WHERE rowid > ? ORDER BY rowid LIMIT 5000',
      );
      let after = Number.MIN_SAFE_INTEGER;
      for (let rows = page.all(after); rows.length > 0; rows = page.all(after)) {
        for (const r of rows) {
          this.#ftsInsert.run(r.rowid, searchTextFor({ sku: r.sku, nameEn: r.name_en, nameZh: r.name_zh }));
          after = r.rowid;
        }
      }
    };
    if (this.#db.inTransaction) run();
    else this.#db.transaction(run).immediate();
  }
}

/** The repository of a connection, created (and its statements prepared) on first use. */
export const catalogRepository = perConnection((db): CatalogRepository => new CatalogRepository(db));

/** Shorthand for `catalogRepository(db).upsertProducts(products, options)`. */
export function upsertProducts(db: Db, products: readonly Product[], options?: UpsertOptions): UpsertResult {
  return catalogRepository(db).upsertProducts(products, options);
}
