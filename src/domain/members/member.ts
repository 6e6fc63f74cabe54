// What a member IS (issue 8 §3): the zod schema every member record passes before a terminal
// takes it (CSV import on the store server, and again when a terminal receives one with the
// catalog), how a cashier's input finds one, and the points rules. Hand-written: the points
// policy is Kassa's own; zod only checks.
//
// Decisions a caller must know:
// - `id` is the member number (printed on the card). `codes` are the exact contents of the
//   member's QR codes or card barcodes (a scan is matched against them, then against the id);
//   `phone` is digits only (a typed "+86 138-0000-0000" is reduced to its digits before
//   matching, see `normalizePhone`). A phone or code belongs to one member of a store: the
//   store server refuses an import that would give one to two members.
// - `points` is the balance as the store server last computed it (imported balance + points
//   earned − points redeemed on every terminal's synced sales). A terminal adds its own sales
//   not yet synced (core/db/members.ts); that sum is what can be redeemed.
// - Points policy (terminal config `members.points`): a member earns `earnPerUnit` points per
//   whole currency unit PAID (after every discount, before cash rounding), rounded down; a
//   point redeemed is worth `pointValue` minor units off the basket. Training sales earn and
//   redeem nothing. `earnPerUnit` 0 turns earning off; `pointValue` 0 turns redeeming off.
// - Member prices are promotions with `memberOnly` (promotion.ts): they apply once a member is
//   on the sale.
import { z } from 'zod';
import { minorDigits } from '../money.ts';

export const MEMBER_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const MAX_MEMBER_CODES = 8;
const MAX_POINTS = 1_000_000_000_000;

/** Digits only; null when fewer than 5 remain (not a phone number). */
export function normalizePhone(raw: string): string | null {
  const digits = raw.replace(/[\s()+.-]/g, '');
  return /^\d{5,20}$/.test(digits) ? digits : null;
}

const noControl = (s: string) => !/[\p{Cc}\p{Cf}]/u.test(s);

export const memberSchema = z.strictObject({
  id: z.string().regex(MEMBER_ID, 'member number must be 1–32 letters, digits, "-" or "_"'),
  name: z.string().min(1, 'name must not be empty').max(200).refine(noControl, 'name must not have control characters'),
  /** Digits only, 5–20 of them; null: no phone on file. */
  phone: z.string().regex(/^\d{5,20}$/, 'phone must be 5–20 digits').nullable(),
  codes: z
    .array(z.string().min(1).max(128).refine((s) => s.trim() === s && noControl(s), 'a member code must not have control characters or surrounding spaces'))
    .max(MAX_MEMBER_CODES, `at most ${MAX_MEMBER_CODES} codes per member`),
  points: z.number().int().safe().min(0, 'points must not be negative').max(MAX_POINTS),
  active: z.boolean(),
});
export type Member = z.infer<typeof memberSchema>;

export interface PointsPolicy {
  /** Points per whole currency unit paid (0: no earning). */
  readonly earnPerUnit: number;
  /** Minor units off per point redeemed (0: no redeeming). */
  readonly pointValue: number;
}

export const DEFAULT_POINTS_POLICY: PointsPolicy = { earnPerUnit: 1, pointValue: 1 };

/** Points earned on a payment of `paid` minor units in `currency`. */
export function pointsEarned(paid: number, currency: string, policy: PointsPolicy): number {
  if (paid <= 0 || policy.earnPerUnit <= 0) return 0;
  const unit = 10 ** minorDigits(currency);
  return Math.floor(paid / unit) * policy.earnPerUnit;
}

/**
 * The most points that can be redeemed on a basket worth `base` with `available` points: never
 * more than the member has, nor worth more than the basket.
 */
export function maxRedeemablePoints(available: number, base: number, policy: PointsPolicy): number {
  if (policy.pointValue <= 0 || available <= 0 || base <= 0) return 0;
  return Math.min(available, Math.floor(base / policy.pointValue));
}

/**
 * Who the cashier's input names: a scanned code or member number matches exactly; anything that
 * reads as a phone number matches a phone. Returns the lookup to run.
 */
export function memberQuery(raw: string): { readonly code: string; readonly phone: string | null } | null {
  const code = raw.trim();
  if (code === '') return null;
  return { code, phone: normalizePhone(code) };
}
