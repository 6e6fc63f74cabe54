// What a coupon IS (issue 8 §2): the zod schema every coupon passes before a terminal takes it
// (at CSV import on the store server, and again when a terminal receives one with the
// catalog), and the pure rules of using one at the counter. Hand-written: single-use across
// terminals, validity and minimum spend are Kassa's own retail policy; zod only checks.
//
// Decisions a caller must know:
// - A code is what is printed on the coupon and scanned: 3–64 letters, digits, "-" or "_".
//   Codes are compared case-insensitively: `normalizeCouponCode` upper-cases them, and the
//   schema only accepts the normal form (the CSV reader normalizes before checking).
// - `use`: 'single' coupons are redeemed once across every terminal of the store (the terminal
//   reserves the code through the store server when it can; offline, its `coupons.offline`
//   policy refuses or accepts and the server flags a double redemption at sync). 'multi'
//   coupons may be used on any number of sales, once per sale.
// - Validity `from`/`until` are inclusive local dates (YYYY-MM-DD; null = open).
// - `minSpend`: the goods total after promotions (what the coupon discounts) must reach it.
// - A coupon takes `amount` (minor units) or `percentBps` off the basket, exactly one; it is
//   applied after promotions and never takes the basket below zero (an amount larger than what
//   is left takes what is left).
// - One coupon per sale: the checkout refuses a second one (the cashier removes the first).
import { z } from 'zod';
import { divRoundHalfAwayFromZero } from '../money.ts';

export const MAX_COUPON_NAME = 200;
const MAX_AMOUNT = 10_000_000_000_000;

export const COUPON_CODE = /^[A-Z0-9_-]{3,64}$/;

/** The form codes are stored and compared in; a scan or typed code goes through this first. */
export function normalizeCouponCode(raw: string): string {
  return raw.trim().toUpperCase();
}

const ymd = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'date does not exist in the calendar');

export const couponSchema = z
  .strictObject({
    code: z.string().regex(COUPON_CODE, 'code must be 3–64 capital letters, digits, "-" or "_"'),
    name: z
      .string()
      .min(1, 'name must not be empty')
      .max(MAX_COUPON_NAME)
      .refine((s) => !/[\p{Cc}\p{Cf}]/u.test(s), 'name must not have control characters'),
    use: z.enum(['single', 'multi']),
    from: ymd.nullable(),
    until: ymd.nullable(),
    /** Minor units; 0 = no minimum. */
    minSpend: z.number().int().safe().min(0, 'minimum spend must not be negative').max(MAX_AMOUNT),
    amount: z.number().int().safe().min(1, 'amount must be at least one minor unit').max(MAX_AMOUNT).nullable(),
    percentBps: z.number().int().min(1, 'percentage must be above 0').max(10_000, 'percentage must be at most 100 %').nullable(),
  })
  .superRefine((c, ctx) => {
    if ((c.amount === null) === (c.percentBps === null)) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a coupon gives either an amount or a percentage off, exactly one' });
    }
    if (c.from !== null && c.until !== null && c.until < c.from) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'the "until" date is before the "from" date' });
    }
  });
export type Coupon = z.infer<typeof couponSchema>;

/**
 * Why this coupon cannot be used on a sale on `today` (local YYYY-MM-DD) whose goods total after
 * promotions is `spend`, in words for the cashier; null when it can. `fmt` formats money.
 */
export function couponProblem(coupon: Coupon, today: string, spend: number, fmt: (minor: number) => string): string | null {
  if (coupon.from !== null && today < coupon.from) return `coupon ${coupon.code} is not valid before ${coupon.from}`;
  if (coupon.until !== null && today > coupon.until) return `coupon ${coupon.code} expired on ${coupon.until}`;
  if (spend < coupon.minSpend) {
    return `coupon ${coupon.code} needs a spend of at least ${fmt(coupon.minSpend)}; this sale is ${fmt(spend)}`;
  }
  return null;
}

/** What the coupon takes off a basket worth `base` (after promotions): never more than `base`. */
export function couponDiscount(coupon: Pick<Coupon, 'amount' | 'percentBps'>, base: number): number {
  if (base <= 0) return 0;
  const off = coupon.amount !== null ? coupon.amount : divRoundHalfAwayFromZero(base * (coupon.percentBps ?? 0), 10_000);
  return Math.min(off, base);
}
