// What a promotion IS: the zod schema every promotion passes before the engine sees it (at CSV
// import on the store server, and again when a terminal receives one with the catalog), and
// its TypeScript type. Hand-written: the kinds and stacking rules are Kassa's own retail policy
// (issue 8 §1); zod only does the checking. The engine (engine.ts) trusts values that passed
// `promotionSchema`, so every rule a definition must satisfy is checked here, once.
//
// Decisions a caller must know:
// - Money is integer minor units of the store currency; percentages are basis points
//   (1000 = 10 %, 1..10000).
// - Kinds (`kind`):
//     percent_off  percentBps off the target (items, a department, or the basket);
//     amount_off   `amount` off EACH unit of the target (each item; per kg for weighed goods),
//                  or once off the basket when the target is the basket;
//     fixed_price  the target's unit price becomes `price` (per item / per kg) unless already
//                  lower: member prices;
//     buy_get      buy `buy`, get `get` more at percentBps off (10000 = free): among the
//                  target's units sorted by price, most expensive first, each run of buy+get
//                  units gets its `get` cheapest discounted;
//     n_for_price  `quantity` units of the target for `price` together (most expensive first);
//     spend_get    spend at least `minSpend` on the target, get `amount` or percentBps off it.
//   buy_get, n_for_price and fixed_price need an item or department target (they count units).
// - `window`: all of its parts must hold, in the terminal's LOCAL time given to the engine:
//   weekdays (1 = Monday … 7 = Sunday; null = every day), hours (start inclusive, end
//   exclusive, "HH:MM", same day: a range over midnight is two ranges; empty = all day) and
//   dates from/until (inclusive "YYYY-MM-DD"; null = open).
// - `memberOnly`: applies only when a member is identified on the sale.
// - Stacking: `exclusive` promotions apply alone (nothing else on the sale); `stackable` ones
//   combine, at most one per `group` (null group: combines with any stackable).
//   `priority` (higher first) orders application within a phase and breaks ties.
// - Level: a promotion whose target is the basket is basket-level; all others are line-level.
//   Line-level promotions apply first, basket-level ones on what is left (engine.ts).
import { z } from 'zod';

export const PROMOTION_KINDS = ['percent_off', 'amount_off', 'fixed_price', 'buy_get', 'n_for_price', 'spend_get'] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

/** Kinds that count units, so they need items or a department to count. */
export const UNIT_KINDS: ReadonlySet<PromotionKind> = new Set(['fixed_price', 'buy_get', 'n_for_price']);

export const MAX_PROMOTION_ID = 64;
export const MAX_PROMOTION_NAME = 200;
export const MAX_TARGET_ENTRIES = 1000;
export const MAX_PRIORITY = 1_000_000;
/** Largest buy / get / quantity of a mix-and-match promotion. */
export const MAX_MIX_UNITS = 999;
/** 10^13 minor units, the largest amount Kassa accepts anywhere (money.ts MAX_MINOR_UNITS). */
const MAX_AMOUNT = 10_000_000_000_000;

const noControl = (s: string) => !/[\p{Cc}\p{Cf}]/u.test(s);
const key = (what: string, max: number) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .refine((s) => s.trim() === s && noControl(s), `${what} must not have control characters or surrounding spaces`);

export const promotionTarget = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('item'), skus: z.array(key('sku', 64)).min(1, 'an item promotion must name at least one SKU').max(MAX_TARGET_ENTRIES) }),
  z.strictObject({
    kind: z.literal('department'),
    departments: z.array(key('department', 64)).min(1, 'a department promotion must name at least one department').max(MAX_TARGET_ENTRIES),
  }),
  z.strictObject({ kind: z.literal('basket') }),
]);
export type PromotionTarget = z.infer<typeof promotionTarget>;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const hhmm = z.string().regex(HHMM, 'time must be HH:MM from 00:00 to 23:59');
/** "24:00" is allowed as an end so a range can run to midnight. */
const hhmmEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'end time must be HH:MM from 00:01 to 24:00');
const ymd = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
  .refine(isRealDate, 'date does not exist in the calendar');

export const timeRange = z.strictObject({ start: hhmm, end: hhmmEnd }).refine((r) => minutesOf(r.end) > minutesOf(r.start), {
  message: 'the end of an hours range must be after its start (split a range over midnight in two)',
  path: ['end'],
});

export const promotionWindow = z
  .strictObject({
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).nullable(),
    hours: z.array(timeRange).max(24),
    from: ymd.nullable(),
    until: ymd.nullable(),
  })
  .refine((w) => w.from === null || w.until === null || w.until >= w.from, { message: 'the "until" date is before the "from" date', path: ['until'] });
export type PromotionWindow = z.infer<typeof promotionWindow>;

export const ALWAYS: PromotionWindow = { weekdays: null, hours: [], from: null, until: null };

const bps = z.number().int().min(1, 'percentage must be above 0').max(10_000, 'percentage must be at most 100 %');
const amount = z.number().int().safe().min(1, 'amount must be at least one minor unit').max(MAX_AMOUNT);
const price = z.number().int().safe().min(0, 'price must not be negative').max(MAX_AMOUNT);
const units = (min: number) => z.number().int().min(min).max(MAX_MIX_UNITS);

const base = {
  id: key('id', MAX_PROMOTION_ID),
  name: z.string().min(1, 'name must not be empty').max(MAX_PROMOTION_NAME).refine(noControl, 'name must not have control characters'),
  target: promotionTarget,
  memberOnly: z.boolean(),
  stacking: z.enum(['exclusive', 'stackable']),
  group: key('group', 64).nullable(),
  priority: z.number().int().min(-MAX_PRIORITY).max(MAX_PRIORITY),
  window: promotionWindow,
};

const variants = [
  z.strictObject({ ...base, kind: z.literal('percent_off'), percentBps: bps }),
  z.strictObject({ ...base, kind: z.literal('amount_off'), amount }),
  z.strictObject({ ...base, kind: z.literal('fixed_price'), price }),
  z.strictObject({ ...base, kind: z.literal('buy_get'), buy: units(1), get: units(1), percentBps: bps }),
  z.strictObject({ ...base, kind: z.literal('n_for_price'), quantity: units(2), price }),
  z.strictObject({ ...base, kind: z.literal('spend_get'), minSpend: amount, amount: amount.nullable(), percentBps: bps.nullable() }),
] as const;

export const promotionSchema = z.discriminatedUnion('kind', variants).superRefine((p, ctx) => {
  if (UNIT_KINDS.has(p.kind) && p.target.kind === 'basket') {
    ctx.addIssue({ code: 'custom', path: ['target'], message: `a ${p.kind} promotion counts units, so its target must be items or a department, not the basket` });
  }
  if (p.stacking === 'exclusive' && p.group !== null) {
    ctx.addIssue({ code: 'custom', path: ['group'], message: 'an exclusive promotion applies alone, so it cannot belong to a stacking group' });
  }
  if (p.kind === 'spend_get' && (p.amount === null) === (p.percentBps === null)) {
    ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a spend_get promotion gives either an amount or a percentage off, exactly one' });
  }
});
export type Promotion = z.infer<typeof promotionSchema>;

/** Line-level (applied first, per line) or basket-level (applied after, on what is left). */
export function promotionLevel(p: Pick<Promotion, 'target'>): 'line' | 'basket' {
  return p.target.kind === 'basket' ? 'basket' : 'line';
}

/** Minutes since midnight of "HH:MM" (or "24:00"); callers pass checked strings. */
export function minutesOf(hhmmText: string): number {
  return Number(hhmmText.slice(0, 2)) * 60 + Number(hhmmText.slice(3, 5));
}

function isRealDate(s: string): boolean {
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= daysInMonth(y, m);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Whether two targets can discount the same goods (same basket, a shared SKU or a shared
 * department). SKU versus department is not decidable without the catalog, so it is not an
 * overlap here.
 */
export function targetsOverlap(a: PromotionTarget, b: PromotionTarget): boolean {
  if (a.kind === 'basket' || b.kind === 'basket') return a.kind === b.kind;
  if (a.kind === 'item' && b.kind === 'item') return a.skus.some((s) => b.skus.includes(s));
  if (a.kind === 'department' && b.kind === 'department') return a.departments.some((d) => b.departments.includes(d));
  return false;
}
