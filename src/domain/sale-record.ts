// The shape of a finished sale as it is committed, journalled and synced. It is plain JSON
// (integers in minor units, ISO timestamps) so the same object is the journal payload (which
// the outbox row points at, and sync sends as is) and what `kassa verify` re-adds. Every
// figure here can be recomputed from the lines and tenders; verify does exactly that.
import type { Unit } from './product.ts';

export interface SaleLineRecord {
  /** 1-based position on the receipt, voided lines included. */
  readonly lineNo: number;
  readonly sku: string;
  /** Name as printed (zh-CN or en per terminal language). */
  readonly name: string;
  readonly unit: Unit;
  /** Items × 1000 for `each`, grams for `kg`. */
  readonly quantityMilli: number;
  /** Price per item or per kg actually charged (after an override). */
  readonly unitPrice: number;
  /** Catalog price when the cashier overrode it; null otherwise. */
  readonly originalUnitPrice: number | null;
  /** Why the cashier overrode the price (journalled with the sale); null when not overridden. */
  readonly overrideReason: string | null;
  /** Line amount before any discount: round(unitPrice × quantityMilli / 1000), or the embedded price. */
  readonly gross: number;
  /**
   * true when `gross` came from a price-embedded barcode (scale label) instead of
   * unitPrice × quantity; without it `kassa verify` could not tell a label price from a
   * tampered gross.
   */
  readonly grossEmbedded: boolean;
  /** The line's own discount (positive minor units) and its reason. */
  readonly lineDiscount: number;
  readonly lineDiscountReason: string | null;
  /**
   * Line-level promotions (issue 8) in order of application, each with what it took off this
   * line. Absent on sales recorded before promotions (read as none).
   */
  readonly promotions?: readonly AppliedPromotion[];
  /** Σ promotions' amounts (absent: 0). */
  readonly promotionDiscount?: number;
  /**
   * This line's share of everything taken off the basket (positive minor units): the manual
   * basket discount, basket promotions, the coupon and redeemed points, shared out together.
   */
  readonly basketDiscountShare: number;
  /** gross − lineDiscount − promotionDiscount − basketDiscountShare. For exclusive tax, tax is added on top of this. */
  readonly amount: number;
  readonly taxClass: string;
  readonly taxRateBps: number;
  readonly taxInclusive: boolean;
  /** Tax on this line, rounded half away from zero to the minor unit (the documented rule). */
  readonly tax: number;
  readonly voided: boolean;
  readonly voidReason: string | null;
  /** Where the line came from: the scanned data or "search"/"manual". */
  readonly source: string;
}

/** A promotion as applied to a sale: shown on the cart line, the receipt and the customer display. */
export interface AppliedPromotion {
  readonly promotionId: string;
  readonly label: string;
  /** Positive minor units taken off. */
  readonly amount: number;
}

/**
 * How a coupon's single use was secured: 'reserved' through the store server; 'offline'
 * accepted without it (the terminal's offline policy), checked when the sale syncs; 'multi' a
 * multi-use coupon (nothing to reserve); 'training' a training sale (nothing reserved).
 */
export type CouponRedemption = 'reserved' | 'offline' | 'multi' | 'training';

export interface SaleCoupon {
  readonly code: string;
  readonly name: string;
  readonly use: 'single' | 'multi';
  /** Taken off the basket (part of the lines' basketDiscountShare). */
  readonly amount: number;
  readonly redemption: CouponRedemption;
}

export interface SaleMember {
  /** Member number. */
  readonly id: string;
  readonly name: string;
  readonly pointsRedeemed: number;
  /** What the redeemed points took off the basket (part of the lines' basketDiscountShare). */
  readonly pointsDiscount: number;
  readonly pointsEarned: number;
}

export type TenderMethod = 'cash' | 'alipay' | 'wechat';

export interface TenderRecord {
  readonly seq: number;
  readonly method: TenderMethod;
  /** Amount applied to the sale. */
  readonly amount: number;
  /** Amount handed over; for cash it may exceed `amount` (the excess is change). */
  readonly received: number;
  readonly reference: string | null;
}

export interface SaleRecord {
  readonly id: string;
  readonly terminalId: string;
  /** Gapless per terminal, assigned at commit. */
  readonly receiptNo: number;
  readonly currency: string;
  readonly cashier: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly training: boolean;
  readonly lines: readonly SaleLineRecord[];
  /** The cashier's basket discount (not promotions, coupon or points). */
  readonly basketDiscount: number;
  readonly basketDiscountReason: string | null;
  /** Basket-level promotions applied (absent on older sales: none). */
  readonly basketPromotions?: readonly AppliedPromotion[];
  /** The coupon used on the sale (absent or null: none). */
  readonly coupon?: SaleCoupon | null;
  /** The member identified on the sale (absent or null: none). */
  readonly member?: SaleMember | null;
  /** Sum of non-void line amounts (what is shown as the goods total). */
  readonly subtotal: number;
  /** Sum of non-void line taxes. */
  readonly taxTotal: number;
  /** Amount due: subtotal, plus taxTotal for tax-exclusive lines. */
  readonly total: number;
  /** Cash rounding adjustment, signed: totalDue = total + rounding. */
  readonly rounding: number;
  readonly tenders: readonly TenderRecord[];
  /** Sum of tender amounts; equals total + rounding. */
  readonly tendered: number;
  /** Cash handed back: sum of received − sum of amount. */
  readonly change: number;
}
