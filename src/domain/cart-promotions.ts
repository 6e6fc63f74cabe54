// Prices an open cart with the store's promotions (issue 8): which lines take part, the engine
// call, and the result put on the cart. Pure, so the checkout machine runs it on every change in
// any host; the host supplies the promotions in force and the sale's local time.
//
// Decisions a caller must know:
// - A line the cashier priced by hand (price override or a line discount) takes no promotion:
//   the cashier's decision stands, and two discounts never stack on one line unseen.
//   Such a line does not count towards spend thresholds either.
// - Void lines take no part. Department promotions use the department the product had when it
//   was scanned.
// - Member-only promotions apply while a member is on the sale.
// - The sale is priced at the LOCAL time it was opened (the host converts): a happy hour that
//   ends while a customer is at the counter does not change their total under the cashier.
import { withPromotions, lineGross } from './cart.ts';
import type { Cart, CartPromotions } from './cart.ts';
import { applyPromotions } from './promotions/engine.ts';
import type { LocalDateTime, PromotionLine, PromotionResult } from './promotions/engine.ts';
import type { Promotion } from './promotions/promotion.ts';

export interface PricingInput {
  readonly promotions: readonly Promotion[];
  readonly at: LocalDateTime;
}

/** The lines promotions may discount. */
export function promotionLines(cart: Cart): PromotionLine[] {
  const out: PromotionLine[] = [];
  for (const l of cart.lines) {
    if (l.voided || l.originalUnitPrice !== null || l.lineDiscount !== null) continue;
    out.push({
      lineNo: l.lineNo,
      sku: l.sku,
      department: l.department ?? '',
      unitPrice: l.unitPrice,
      quantityMilli: l.quantityMilli,
      unit: l.unit,
      gross: lineGross(l),
    });
  }
  return out;
}

/** What the engine applied, in the cart's shape (lines without a discount left out); null: nothing. */
export function toCartPromotions(result: PromotionResult): CartPromotions | null {
  if (result.totalDiscount === 0) return null;
  return {
    lines: result.lines.filter((l) => l.discount > 0).map((l) => ({ lineNo: l.lineNo, discounts: l.discounts.map((d) => ({ ...d })) })),
    basket: result.basket.filter((d) => d.amount > 0).map((d) => ({ ...d })),
  };
}

/** The cart priced with `input.promotions` at `input.at`. */
export function priceCart(cart: Cart, input: PricingInput): Cart {
  const lines = promotionLines(cart);
  if (input.promotions.length === 0 || lines.length === 0) {
    return cart.promotions ? withPromotions(cart, null) : cart;
  }
  const result = applyPromotions({ lines, at: input.at, member: Boolean(cart.member), promotions: input.promotions });
  return withPromotions(cart, toCartPromotions(result));
}
