// Small builders shared by the domain tests (not a test file itself).
import type { CartItemInput } from '../../../src/domain/cart.ts';
import { ALWAYS, promotionSchema } from '../../../src/domain/promotions/promotion.ts';
import type { Promotion } from '../../../src/domain/promotions/promotion.ts';
import type { Unit } from '../../../src/domain/product.ts';
import type { TaxClass } from '../../../src/domain/tax-class.ts';

export const VAT13: TaxClass = { id: 'standard', label: 'VAT 13%', rateBps: 1300, inclusive: true };
export const VAT9: TaxClass = { id: 'reduced', label: 'VAT 9%', rateBps: 900, inclusive: true };
export const SALES_TAX: TaxClass = { id: 'us', label: 'Sales tax 8.25%', rateBps: 825, inclusive: false };

export function item(
  sku: string,
  price: number,
  opts: {
    unit?: Unit;
    tax?: TaxClass;
    quantityMilli?: number;
    weightGrams?: number;
    fixedGross?: number;
    nameZh?: string;
    nameEn?: string;
    source?: string;
    lang?: 'zh-CN' | 'en';
    currency?: string;
  } = {},
): CartItemInput {
  const tax = opts.tax ?? VAT13;
  return {
    product: {
      sku,
      nameZh: opts.nameZh ?? `商品${sku}`,
      nameEn: opts.nameEn ?? `Item ${sku}`,
      price: { amount: price, currency: opts.currency ?? 'CNY' },
      unit: opts.unit ?? 'each',
      taxClass: tax.id,
    },
    taxClass: tax,
    ...(opts.quantityMilli !== undefined ? { quantityMilli: opts.quantityMilli } : {}),
    ...(opts.weightGrams !== undefined ? { weightGrams: opts.weightGrams } : {}),
    ...(opts.fixedGross !== undefined ? { fixedGross: opts.fixedGross } : {}),
    source: opts.source ?? 'scan:' + sku,
    lang: opts.lang ?? 'en',
  };
}

type PromotionSpec = Partial<Omit<Promotion, 'kind'>> & { kind: Promotion['kind']; [k: string]: unknown };

/** A checked promotion: a stackable basket promotion, always on, unless the spec says otherwise. */
export function promo(spec: PromotionSpec): Promotion {
  return promotionSchema.parse({
    id: spec.id ?? 'P',
    name: spec.name ?? `promo ${spec.id ?? 'P'}`,
    target: { kind: 'basket' },
    memberOnly: false,
    stacking: 'stackable',
    group: null,
    priority: 0,
    window: ALWAYS,
    ...spec,
  });
}
