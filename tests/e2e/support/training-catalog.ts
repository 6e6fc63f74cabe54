// Which barcodes a test can scan: read straight from the training terminal's own database
// (read-only; WAL lets a reader in while `kassa serve` writes), so the specs scan products that
// exist, are active and are sold by the item, whatever the demo catalog generator makes.
import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface ScannableProduct {
  readonly sku: string;
  /** The EAN-13 a scanner reads. */
  readonly barcode: string;
  readonly nameEn: string;
  readonly nameZh: string;
  /** Minor units. */
  readonly price: number;
}

/**
 * `count` distinct active products sold by the item, priced within [minPrice, maxPrice] minor
 * units, in SKU order after `offset` of them.
 */
export function scannableProducts(trainingDir: string, count: number, options: { offset?: number; minPrice?: number; maxPrice?: number } = {}): ScannableProduct[] {
  const db = new Database(join(trainingDir, 'kassa.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT p.sku, p.name_en AS nameEn, p.name_zh AS nameZh, p.price, min(b.code) AS code
           FROM products p JOIN barcodes b ON b.sku = p.sku
          WHERE p.active = 1 AND p.unit = 'each' AND length(b.code) = 14 AND b.code LIKE '0%' AND p.price BETWEEN ? AND ?
          GROUP BY p.sku ORDER BY p.sku LIMIT ? OFFSET ?`,
      )
      .all(options.minPrice ?? 100, options.maxPrice ?? 5000, count, options.offset ?? 0) as { sku: string; nameEn: string; nameZh: string; price: number; code: string }[];
    if (rows.length < count) throw new Error(`the training catalog has only ${rows.length} matching products, ${count} wanted`);
    return rows.map((r) => ({ sku: r.sku, barcode: r.code.slice(1), nameEn: r.nameEn, nameZh: r.nameZh, price: r.price }));
  } finally {
    db.close();
  }
}
