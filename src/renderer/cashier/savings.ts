// What the cart shows of promotions, the coupon and the member's points (issue 8), derived from
// the core's CheckoutView. Pure: CartPanel only draws it.
//
// Decisions a caller must know:
// - A line's `discount` (api.ts) already holds its promotions and its share of everything taken
//   off the basket; the promotions are listed under the line by name, so the line's own
//   "Discount" note shows only the rest, and only when the cashier gave a discount (the line's
//   or the sale's: it has a reason). A share of the coupon, the points or a basket promotion
//   alone is not noted on each line: those are listed once below the lines.
// - A coupon whose amount is 0 is on the sale but takes nothing: its minimum spend is not
//   reached. The core refuses to take payment until items are added or the coupon is removed,
//   so the cart says how much is missing.
// - Amounts are positive minor units (what is taken off); the screen writes them with "−".
import type { CartLineView, CheckoutView, CouponView, PromotionView, TotalsView } from '../../shared/api.ts';

/** The sum of what `promotions` take off. */
export function promotionsTotal(promotions: readonly Pick<PromotionView, 'amount'>[]): number {
  return promotions.reduce((sum, p) => sum + p.amount, 0);
}

/** The line's discount besides its promotions (its own discount and its share of the basket's). */
export function otherLineDiscount(line: Pick<CartLineView, 'discount' | 'promotions'>): number {
  return Math.max(0, line.discount - promotionsTotal(line.promotions));
}

/** The "Discount" note under a line: the amount, or null when the cashier gave no discount. */
export function lineDiscountNote(line: Pick<CartLineView, 'discount' | 'promotions' | 'discountReason'>): number | null {
  const amount = otherLineDiscount(line);
  return amount > 0 && line.discountReason !== null ? amount : null;
}

/**
 * The totals' "Discounts" next to their "Promotions": `discounts` holds everything taken off,
 * promotions included (api.ts TotalsView), so the screen shows the rest, and the two add up to
 * what the customer saves.
 */
export function discountsBesidePromotions(totals: Pick<TotalsView, 'discounts' | 'promotions'>): number {
  return Math.max(0, totals.discounts - totals.promotions);
}

export type CouponState =
  | { readonly kind: 'applied'; readonly amount: number }
  /** Below its minimum spend: `missing` more is needed (0 when the core did not say how much). */
  | { readonly kind: 'belowMinimum'; readonly minSpend: number; readonly missing: number };

/** How the coupon stands on this sale; `spend` is what its minimum is measured against (CouponView.spend). */
export function couponState(coupon: Pick<CouponView, 'amount' | 'minSpend'>, spend: number): CouponState {
  if (coupon.amount > 0) return { kind: 'applied', amount: coupon.amount };
  return { kind: 'belowMinimum', minSpend: coupon.minSpend, missing: Math.max(0, coupon.minSpend - spend) };
}

/** Whether the cart has anything of issue 8 to list below its lines. */
export function hasSavingsBlock(view: Pick<CheckoutView, 'basketPromotions' | 'coupon' | 'member'>): boolean {
  return view.basketPromotions.length > 0 || view.coupon !== null || view.member !== null;
}
