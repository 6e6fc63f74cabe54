// The catalog's product as the domain sees it. Prices are per unit: per item for `each`,
// per kilogram for `kg` (weighed goods).
import type { Money } from './money.ts';

export type Unit = 'each' | 'kg';

export interface Product {
  readonly sku: string;
  readonly nameZh: string;
  readonly nameEn: string;
  /** Price per item (`each`) or per kilogram (`kg`), tax as the tax class says (inclusive or not). */
  readonly price: Money;
  /** Id of a tax class from the store's configuration, e.g. "standard". */
  readonly taxClass: string;
  readonly unit: Unit;
  readonly department: string;
  readonly active: boolean;
  /** Normalized barcode keys (see `normalizeBarcode` in barcodes/): GTIN-14 or a store PLU. */
  readonly barcodes: readonly string[];
}

/** A product's display name for the terminal's language, falling back to the other one. */
export function productName(p: Pick<Product, 'nameZh' | 'nameEn'>, lang: 'zh-CN' | 'en'): string {
  return lang === 'zh-CN' ? p.nameZh || p.nameEn : p.nameEn || p.nameZh;
}
