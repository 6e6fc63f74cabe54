// The terminal's copy of its store's coupons (issue 8 §2), written by catalog sync
// (../sync/catalog-apply.ts), and the holds that keep a single-use coupon to one sale on this
// terminal. Hand-written, like the rest of the store: one row per coupon code holding the checked
// definition as JSON, one row per (code, sale) that used or is using it.
//
// Decisions a caller must know:
// - Only definitions that pass `couponSchema` are stored (upsertCoupon checks, and throws
//   CouponStoreError naming the code otherwise). A row that no longer parses (written by a newer
//   Kassa) reads as no coupon rather than crashing the checkout.
// - Codes are stored in their normal form (`normalizeCouponCode`); findCoupon, holdCoupon,
//   releaseCouponHold and activeHold normalize what they are given, so a typed "save10" finds
//   "SAVE10".
// - A hold is one (code, sale) pair: holding again for the same sale replaces its redemption
//   and clears a release (the cashier scanned it again), so asking twice is harmless. A released
//   hold stays as a row (released_at set): the history of who had the coupon.
// - A hold CONSUMES the coupon on this terminal only when its redemption is 'reserved' or
//   'offline' (a single-use coupon secured through the server, or accepted offline) and it is
//   not released: activeHold reports only those. 'multi' and 'training' holds are recorded so the
//   sale's coupon can be released the same way, but never block another sale.
// - Holds are kept when a coupon is deleted (no foreign key): the sales that used it stand.
// - `version` is the catalog version that last wrote the row (0 when written outside sync).
// - Functions join the caller's transaction (catalog-apply runs them inside its page's).
import { couponSchema, normalizeCouponCode, type Coupon } from '../../domain/coupons/coupon.ts';
import type { CouponRedemption } from '../../domain/sale-record.ts';
import type { Db } from './open.ts';

export const COUPONS_SQL = `
  CREATE TABLE coupons (
    code        TEXT PRIMARY KEY NOT NULL,                         -- normalized (upper case)
    use         TEXT NOT NULL CHECK (use IN ('single', 'multi')),
    definition  TEXT NOT NULL CHECK (json_valid(definition)),      -- a Coupon (couponSchema)
    version     INTEGER NOT NULL DEFAULT 0,                         -- catalog version that wrote it
    updated_at  TEXT NOT NULL
  ) STRICT;

  -- Which sale has (or had) a coupon. A single-use coupon is used on this terminal while a
  -- 'reserved' or 'offline' hold for some sale is not released.
  CREATE TABLE coupon_holds (
    code        TEXT NOT NULL,
    sale_id     TEXT NOT NULL,
    redemption  TEXT NOT NULL CHECK (redemption IN ('reserved', 'offline', 'multi', 'training')),
    at          TEXT NOT NULL,
    released_at TEXT,
    PRIMARY KEY (code, sale_id)
  ) STRICT, WITHOUT ROWID;
`;

export class CouponStoreError extends Error {
  override name = 'CouponStoreError';
}

const REDEMPTIONS: readonly CouponRedemption[] = ['reserved', 'offline', 'multi', 'training'];

/** Stores (or replaces) a coupon by code; refuses a definition `couponSchema` does not pass. */
export function upsertCoupon(db: Db, definition: unknown, options: { readonly at: string; readonly version?: number }): Coupon {
  const parsed = couponSchema.safeParse(definition);
  if (!parsed.success) {
    const code = (definition as { code?: unknown } | null)?.code;
    const issue = parsed.error.issues[0];
    throw new CouponStoreError(`coupon ${typeof code === 'string' ? `"${code}"` : '(no code)'} is not valid: ${issue?.path.join('.') || 'definition'}: ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  db.prepare(
    `INSERT INTO coupons (code, use, definition, version, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (code) DO UPDATE SET use = excluded.use, definition = excluded.definition, version = excluded.version, updated_at = excluded.updated_at`,
  ).run(c.code, c.use, JSON.stringify(c), options.version ?? 0, options.at);
  return c;
}

/** Deletes a coupon (its holds stay); false when the terminal did not have it. */
export function deleteCoupon(db: Db, code: string): boolean {
  return db.prepare('DELETE FROM coupons WHERE code = ?').run(normalizeCouponCode(code)).changes > 0;
}

/** The coupon a scanned or typed code names; null when unknown (or its row no longer reads as a Coupon). */
export function findCoupon(db: Db, code: string): Coupon | null {
  const row = db.prepare('SELECT definition FROM coupons WHERE code = ?').pluck().get(normalizeCouponCode(code)) as string | undefined;
  if (row === undefined) return null;
  const parsed = couponSchema.safeParse(JSON.parse(row));
  return parsed.success ? parsed.data : null;
}

/** Every stored coupon that reads back as a Coupon, by code. */
export function listCoupons(db: Db): Coupon[] {
  const rows = db.prepare('SELECT definition FROM coupons ORDER BY code').pluck().all() as string[];
  const out: Coupon[] = [];
  for (const row of rows) {
    const parsed = couponSchema.safeParse(JSON.parse(row));
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

export interface CouponHoldInput {
  readonly code: string;
  readonly saleId: string;
  readonly redemption: CouponRedemption;
  readonly at: string;
}

/** Records that `saleId` has the coupon (again): replaces an earlier hold of the same sale and clears its release. */
export function holdCoupon(db: Db, hold: CouponHoldInput): void {
  if (!REDEMPTIONS.includes(hold.redemption)) throw new CouponStoreError(`a coupon hold's redemption must be one of ${REDEMPTIONS.join(', ')}, got "${String(hold.redemption)}"`);
  if (hold.saleId === '') throw new CouponStoreError('a coupon hold needs a sale id');
  db.prepare(
    `INSERT INTO coupon_holds (code, sale_id, redemption, at, released_at) VALUES (?, ?, ?, ?, NULL)
     ON CONFLICT (code, sale_id) DO UPDATE SET redemption = excluded.redemption, at = excluded.at, released_at = NULL`,
  ).run(normalizeCouponCode(hold.code), hold.saleId, hold.redemption, hold.at);
}

/** The hold of `saleId` on the coupon, released or not; null when that sale never had it. */
export function couponHold(db: Db, code: string, saleId: string): { readonly redemption: CouponRedemption; readonly at: string; readonly releasedAt: string | null } | null {
  const row = db.prepare('SELECT redemption, at, released_at FROM coupon_holds WHERE code = ? AND sale_id = ?').get(normalizeCouponCode(code), saleId) as
    | { redemption: CouponRedemption; at: string; released_at: string | null }
    | undefined;
  return row === undefined ? null : { redemption: row.redemption, at: row.at, releasedAt: row.released_at };
}

/**
 * Releases the hold of `saleId` (the sale was cancelled, or the cashier removed the coupon).
 * Returns the redemption it had, or null when there was no unreleased hold (nothing changed).
 */
export function releaseCouponHold(db: Db, code: string, saleId: string, at: string): CouponRedemption | null {
  const row = db
    .prepare('UPDATE coupon_holds SET released_at = ? WHERE code = ? AND sale_id = ? AND released_at IS NULL RETURNING redemption')
    .get(at, normalizeCouponCode(code), saleId) as { redemption: CouponRedemption } | undefined;
  return row?.redemption ?? null;
}

export interface ActiveHold {
  readonly saleId: string;
  /** The sale's receipt number once it is committed; null while the sale is still open. */
  readonly receiptNo: number | null;
  readonly redemption: 'reserved' | 'offline';
  readonly at: string;
}

/**
 * The sale that has used up a single-use coupon on this terminal (the oldest, if ever more than
 * one), leaving out `exceptSaleId` (the sale asking); null when none.
 */
export function activeHold(db: Db, code: string, exceptSaleId?: string): ActiveHold | null {
  const row = db
    .prepare(
      `SELECT h.sale_id, s.receipt_no, h.redemption, h.at
       FROM coupon_holds h LEFT JOIN sales s ON s.id = h.sale_id
       WHERE h.code = ? AND h.released_at IS NULL AND h.redemption IN ('reserved', 'offline') AND h.sale_id IS NOT ?
       ORDER BY h.at, h.sale_id LIMIT 1`,
    )
    .get(normalizeCouponCode(code), exceptSaleId ?? null) as { sale_id: string; receipt_no: number | null; redemption: 'reserved' | 'offline'; at: string } | undefined;
  return row === undefined ? null : { saleId: row.sale_id, receiptNo: row.receipt_no, redemption: row.redemption, at: row.at };
}
