// Tax classes are store configuration. Rates are integer basis points (1300 = 13%) so tax
// math stays in integers.

export interface TaxClass {
  readonly id: string;
  readonly label: string;
  /** Rate in basis points: 1300 = 13 %. */
  readonly rateBps: number;
  /** true: shelf prices include this tax (China VAT); false: tax is added on top (US sales tax). */
  readonly inclusive: boolean;
}

/** China's VAT rates, prices shown tax-inclusive. */
export const DEFAULT_TAX_CLASSES: readonly TaxClass[] = [
  { id: 'standard', label: 'VAT 13%', rateBps: 1300, inclusive: true },
  { id: 'reduced', label: 'VAT 9%', rateBps: 900, inclusive: true },
  { id: 'services', label: 'VAT 6%', rateBps: 600, inclusive: true },
  { id: 'zero', label: 'VAT 0%', rateBps: 0, inclusive: true },
];
