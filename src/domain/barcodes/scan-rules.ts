// The store's scan rules (price/weight-embedded layouts, coupon and member prefixes), their
// defaults and the zod schema the config loader checks them with. Hand-written: these are the
// product's own settings; zod only does the checking.
//
// DEFAULT_SCAN_RULES follows the most common label-scale practice for EAN-13 restricted
// circulation numbers (`2F IIIII VVVVV C`):
//   - 20–24: price-embedded, 5 item digits (PLU), 5 price digits with 2 decimals (000.00–999.99);
//   - 25–29: weight-embedded, 5 item digits, 5 weight digits in kg with 3 decimals (= grams,
//     up to 99.999 kg);
//   - coupons: EAN-13 starting 99 (GS1 coupons) or 981–984 (GS1 common-currency coupons), and
//     store coupons starting "CPN";
//   - members: store cards starting "MBR". No numeric member prefix by default: any two-digit
//     prefix outside 20–29 is a GS1 country prefix (88 is 880 South Korea), so it would turn
//     real products into member cards. Stores with numeric cards should use an unused 2x
//     prefix and drop it from `embedded`.

import { z } from 'zod';

export interface EmbeddedLayout {
  /** Two digits, '20'..'29'. */
  readonly prefix: string;
  readonly kind: 'weight' | 'price';
  /** Digits after the prefix that name the item (its PLU), e.g. 5. */
  readonly itemDigits: number;
  /** Digits of the embedded value; itemDigits + valueDigits is 10, or 9 with a price check digit. */
  readonly valueDigits: number;
  /** Weight: decimals of the kg value (3 → the value is grams). Price: decimals of the amount. */
  readonly valueDecimals: number;
  /** A GS1 4-digit price check digit sits between the item and the value. */
  readonly priceCheckDigit?: boolean;
}

export interface ScanRules {
  readonly embedded: readonly EmbeddedLayout[];
  /** Matched before members. All-digit prefixes match 13-digit (EAN-13 shaped) codes only. */
  readonly couponPrefixes: readonly string[];
  /** All-digit prefixes match 13-digit (EAN-13 shaped) codes only; others any code starting so. */
  readonly memberPrefixes: readonly string[];
}

const layout = (prefix: string, kind: 'weight' | 'price'): EmbeddedLayout => ({
  prefix,
  kind,
  itemDigits: 5,
  valueDigits: 5,
  valueDecimals: kind === 'price' ? 2 : 3,
});

export const DEFAULT_SCAN_RULES: ScanRules = {
  embedded: [
    ...['20', '21', '22', '23', '24'].map((p) => layout(p, 'price')),
    ...['25', '26', '27', '28', '29'].map((p) => layout(p, 'weight')),
  ],
  couponPrefixes: ['99', '981', '982', '983', '984', 'CPN'],
  memberPrefixes: ['MBR'],
};

/** A 13-digit code carries 12 digits before its check digit, so a longer prefix never matches. */
const MAX_NUMERIC_PREFIX = 12;

const layoutSchema = z
  .strictObject({
    prefix: z.string().regex(/^2\d$/, 'prefix must be two digits from 20 to 29'),
    kind: z.enum(['weight', 'price']),
    itemDigits: z.number().int().min(1).max(9),
    valueDigits: z.number().int().min(1).max(9),
    valueDecimals: z.number().int().min(0).max(6),
    priceCheckDigit: z.boolean().optional(),
  })
  .superRefine((l, ctx) => {
    const room = l.priceCheckDigit === true ? 9 : 10;
    if (l.itemDigits + l.valueDigits !== room) {
      ctx.addIssue({
        code: 'custom',
        path: ['valueDigits'],
        message: `itemDigits + valueDigits must be ${room}${l.priceCheckDigit === true ? ' with priceCheckDigit' : ''} (13 digits = 2 prefix + item + value + check), got ${l.itemDigits} + ${l.valueDigits}`,
      });
    }
    if (l.priceCheckDigit === true && l.valueDigits !== 4) {
      ctx.addIssue({
        code: 'custom',
        path: ['priceCheckDigit'],
        message: `priceCheckDigit is the GS1 4-digit price check: valueDigits must be 4, got ${l.valueDigits}`,
      });
    }
    if (l.kind === 'price' && l.valueDecimals > 4) {
      ctx.addIssue({ code: 'custom', path: ['valueDecimals'], message: `a price has at most 4 decimals, got ${l.valueDecimals}` });
    }
  });

const prefixSchema = z
  .string()
  .min(1, 'prefix must not be empty')
  .max(16, 'prefix is at most 16 characters')
  .regex(/^[\x21-\x7e]+$/, 'prefix must be printable ASCII without spaces');

export const scanRulesSchema = z
  .strictObject({
    embedded: z.array(layoutSchema).default(() => DEFAULT_SCAN_RULES.embedded.map((l) => ({ ...l }))),
    couponPrefixes: z.array(prefixSchema).default(() => [...DEFAULT_SCAN_RULES.couponPrefixes]),
    memberPrefixes: z.array(prefixSchema).default(() => [...DEFAULT_SCAN_RULES.memberPrefixes]),
  })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.embedded.forEach((l, i) => {
      const first = seen.get(l.prefix);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['embedded', i, 'prefix'], message: `prefix ${l.prefix} is already used by embedded[${first}]` });
      } else {
        seen.set(l.prefix, i);
      }
    });
    // Coupons and members are matched before embedded layouts, so an overlapping numeric
    // prefix would silently turn every weighed item into a coupon or a card.
    for (const field of ['couponPrefixes', 'memberPrefixes'] as const) {
      rules[field].forEach((p, i) => {
        if (!/^\d+$/.test(p)) return;
        if (p.length > MAX_NUMERIC_PREFIX) {
          ctx.addIssue({ code: 'custom', path: [field, i], message: `numeric prefix "${p}" is longer than ${MAX_NUMERIC_PREFIX} digits and can never match a 13-digit code` });
        }
        const clash = rules.embedded.find((l) => p.startsWith(l.prefix) || l.prefix.startsWith(p));
        if (clash) {
          ctx.addIssue({ code: 'custom', path: [field, i], message: `prefix "${p}" overlaps the embedded layout prefix ${clash.prefix}` });
        }
      });
    }
    rules.memberPrefixes.forEach((p, i) => {
      if (rules.couponPrefixes.some((c) => c.toUpperCase() === p.toUpperCase())) {
        ctx.addIssue({ code: 'custom', path: ['memberPrefixes', i], message: `prefix "${p}" is also a coupon prefix (coupons win)` });
      }
    });
  });

export type ScanRulesInput = z.input<typeof scanRulesSchema>;
