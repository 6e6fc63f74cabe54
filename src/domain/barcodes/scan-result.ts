// What a scan turned out to be. Hand-written: the result kinds are the product's own model.

import type { Money } from '../money.ts';

/** Fields read from a GS1 element string (GS1-128, GS1 DataMatrix/QR/DataBar). */
export interface Gs1Fields {
  /** AI (01), as 14 digits. */
  gtin?: string;
  /** AI (10). */
  batch?: string;
  /** AI (17) as YYYY-MM-DD; day 00 means the last day of the month. */
  expiry?: string;
  /** AI (15) as YYYY-MM-DD. */
  bestBefore?: string;
  /** AI (21). */
  serial?: string;
  /** AI (310n), in grams. */
  netWeightGrams?: number;
  /** AI (392n). */
  pricePaid?: Money;
}

export type ScanResult =
  | {
      kind: 'product';
      data: string;
      /** Catalog lookup key, as normalizeBarcode gives it for the stored barcode. */
      key: string;
      /** Set when an 8-digit code is valid both as EAN-8 and UPC-E: the other reading's key. */
      altKey?: string;
      /** GTIN-14 when the code is a GTIN, else null (PLUs, internal labels). */
      gtin: string | null;
      /** The scanner's AIM id (e.g. "]E0") when it sent one, else a name guessed from the shape. */
      symbologyHint: string;
      gs1?: Gs1Fields;
    }
  | { kind: 'weighted-product'; data: string; key: string; itemCode: string; weightGrams: number; gtin: string | null; gs1?: Gs1Fields }
  | { kind: 'priced-product'; data: string; key: string; itemCode: string | null; price: Money; gtin: string | null; gs1?: Gs1Fields }
  | { kind: 'payment-code'; data: string; wallet: 'alipay' | 'wechat'; code: string }
  | { kind: 'coupon'; data: string; code: string }
  | { kind: 'member'; data: string; code: string }
  | { kind: 'unknown'; data: string; reason: string };

export type ScanKind = ScanResult['kind'];
