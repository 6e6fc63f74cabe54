// The cart of an open sale: an immutable, JSON-serializable value (it lives inside the checkout
// machine's context and is persisted with its snapshots), plus the pure operations on it and
// the totals. Hand-written: the merge, limit, discount and allocation rules are Kassa's own
// retail policy; no cart library models integer minor units with per-line tax the way
// sale-record.ts needs them.
//
// Invariants every operation keeps (and throws `CartError` rather than break):
// - quantities are positive whole items (× 1000) for `each` and positive whole grams for `kg`,
//   within `CartLimits`; amounts are safe integers ≥ 0;
// - each discount is ≤ what it discounts; percent discounts are re-evaluated after every
//   change, so "10 % off" keeps meaning 10 % when the quantity changes;
// - adding a plain `each` product merges into its plain line, so the lines (and therefore the
//   totals) depend only on WHAT was added, never on the order.
import { allocate, divRoundHalfAwayFromZero, formatMoney, MAX_MINOR_UNITS, minorDigits, money } from './money.ts';
import { couponDiscount } from './coupons/coupon.ts';
import { productName } from './product.ts';
import type { Product, Unit } from './product.ts';
import type { AppliedPromotion, CouponRedemption } from './sale-record.ts';
import type { TaxClass } from './tax-class.ts';
import { checkRateBps, lineTax } from './tax.ts';

export class CartError extends Error {
  override name = 'CartError';
}

/** A discount as stored: `amount` is always current; `percentBps` is set for percent discounts. */
export interface Discount {
  readonly amount: number;
  readonly percentBps: number | null;
  readonly reason: string;
}

export type DiscountInput = { readonly amount: number } | { readonly percentBps: number };

export interface CartLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly name: string;
  readonly unit: Unit;
  /** Items × 1000 for `each`, grams for `kg`. */
  readonly quantityMilli: number;
  /** Per item or per kg, minor units, as charged (after an override). */
  readonly unitPrice: number;
  /** Catalog price when the cashier overrode it; null otherwise. */
  readonly originalUnitPrice: number | null;
  readonly overrideReason: string | null;
  /** Line amount given by a price-embedded barcode; null when gross = unitPrice × quantity. */
  readonly fixedGross: number | null;
  readonly lineDiscount: Discount | null;
  readonly taxClass: string;
  readonly taxRateBps: number;
  readonly taxInclusive: boolean;
  readonly voided: boolean;
  readonly voidReason: string | null;
  /** The scanned data, or "search" / "manual". */
  readonly source: string;
  /** The product's department, for department promotions (absent in carts saved before them: ''). */
  readonly department?: string;
}

/**
 * Promotions as the engine applied them (issue 8), set by `priceCart` (cart-promotions.ts).
 * Every change to the lines or the member clears them (null) until the cart is priced again,
 * so stale promotion amounts can never reach the totals.
 */
export interface CartPromotions {
  readonly lines: readonly { readonly lineNo: number; readonly discounts: readonly AppliedPromotion[] }[];
  readonly basket: readonly AppliedPromotion[];
}

/** A coupon accepted for this sale (the checks and the reservation are done by the host). */
export interface CartCoupon {
  readonly code: string;
  readonly name: string;
  readonly use: 'single' | 'multi';
  readonly minSpend: number;
  /** Exactly one of offAmount / percentBps is set. */
  readonly offAmount: number | null;
  readonly percentBps: number | null;
  readonly redemption: CouponRedemption;
  /** What it takes off now (0 while the spend is below minSpend); kept current by every change. */
  readonly amount: number;
}

/** The member identified on the sale. */
export interface CartMember {
  readonly id: string;
  readonly name: string;
  /** Points the member could redeem when identified (server balance + this terminal's unsent sales). */
  readonly points: number;
  /** Minor units off per point (0: redeeming is off). */
  readonly pointValue: number;
  /** Points earned per whole currency unit paid (0 or absent: no earning). */
  readonly earnPerUnit?: number;
  readonly pointsRedeemed: number;
  /** pointsRedeemed × pointValue; kept within what the basket has left by every change. */
  readonly pointsDiscount: number;
}

export interface Cart {
  readonly currency: string;
  readonly lines: readonly CartLine[];
  /** The cashier's discount on the whole sale. */
  readonly basketDiscount: Discount | null;
  /** Line numbers are never reused, voided lines included, so the journal can refer to them. */
  readonly nextLineNo: number;
  /** Applied promotions; absent or null: none (or not priced since the last change). */
  readonly promotions?: CartPromotions | null;
  readonly coupon?: CartCoupon | null;
  readonly member?: CartMember | null;
}

export interface CartLimits {
  /** Largest quantity of an `each` line, × 1000. */
  readonly maxQuantityMilli: number;
  /** Largest weight of a `kg` line, in grams. */
  readonly maxWeightGrams: number;
  /** Most lines on one sale, voided lines included (they are printed too). */
  readonly maxLines: number;
  /** Largest gross amount of one line, minor units. */
  readonly maxLineAmount: number;
}

export const DEFAULT_CART_LIMITS: CartLimits = {
  maxQuantityMilli: 9_999_000,
  maxWeightGrams: 999_999,
  maxLines: 500,
  maxLineAmount: 100_000_000, // 1,000,000.00 in a 2-decimal currency
};

export interface CartItemInput {
  readonly product: Pick<Product, 'sku' | 'nameZh' | 'nameEn' | 'price' | 'unit' | 'taxClass'> & { readonly department?: string };
  /** The product's tax class, resolved by the caller from store configuration. */
  readonly taxClass: TaxClass;
  /** `each`: items × 1000 (default 1000). `kg`: grams, same as weightGrams. */
  readonly quantityMilli?: number;
  /** `kg`: the weight from the scale or a weight-embedded barcode. */
  readonly weightGrams?: number;
  /** Line amount from a price-embedded barcode. */
  readonly fixedGross?: number;
  readonly source: string;
  readonly lang: 'zh-CN' | 'en';
}

export function emptyCart(currency: string): Cart {
  minorDigits(currency); // refuses unknown currencies
  return { currency, lines: [], basketDiscount: null, nextLineNo: 1 };
}

// ---------------------------------------------------------------------------------------------
// Checks with messages a cashier can act on

function fmt(cart: Cart, amount: number): string {
  return formatMoney({ amount, currency: cart.currency });
}

function checkAmount(cart: Cart, amount: number, what: string): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
    throw new CartError(`${what} ${String(amount)} is not valid: expected a whole number of minor units ≥ 0`);
  }
  if (amount > MAX_MINOR_UNITS) {
    throw new CartError(`${what} ${fmt(cart, amount)} is beyond the largest supported amount ${fmt(cart, MAX_MINOR_UNITS)}`);
  }
  return amount;
}

function checkReason(reason: string, what: string): string {
  const r = typeof reason === 'string' ? reason.trim() : '';
  if (r === '') throw new CartError(`a reason is required to ${what}`);
  if (r.length > 200) throw new CartError(`the reason to ${what} is ${r.length} characters long; the limit is 200`);
  return r;
}

/** Validates a quantity for its unit; messages speak in items or grams, as the cashier typed. */
export function checkQuantity(unit: Unit, quantityMilli: number, limits: CartLimits = DEFAULT_CART_LIMITS): number {
  const q = quantityMilli;
  if (unit === 'kg') {
    if (typeof q !== 'number' || Number.isNaN(q)) throw new CartError(`weight ${String(q)} is not a number of grams`);
    if (q <= 0) throw new CartError(`weight ${q} g is not allowed: weigh at least 1 g`);
    if (q > limits.maxWeightGrams) throw new CartError(`weight ${q} g is above the limit of ${limits.maxWeightGrams} g`);
    if (!Number.isInteger(q)) throw new CartError(`weight ${q} g is not allowed: enter whole grams`);
    return q;
  }
  const items = q / 1000;
  if (typeof q !== 'number' || Number.isNaN(q)) throw new CartError(`quantity ${String(items)} is not a number`);
  if (q <= 0) throw new CartError(`quantity ${items} is not allowed: enter at least 1`);
  if (q > limits.maxQuantityMilli) throw new CartError(`quantity ${items} is above the limit of ${limits.maxQuantityMilli / 1000}`);
  if (!Number.isInteger(q) || q % 1000 !== 0) throw new CartError(`quantity ${items} is not allowed: enter whole items`);
  return q;
}

function findLine(cart: Cart, lineNo: number): CartLine {
  const line = cart.lines.find((l) => l.lineNo === lineNo);
  if (!line) throw new CartError(`there is no line ${lineNo} on this sale`);
  if (line.voided) throw new CartError(`line ${lineNo} (${line.name}) is void`);
  return line;
}

function replaceLine(cart: Cart, line: CartLine): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.lineNo === line.lineNo ? line : l)) };
}

/** Gross amount of a line: the embedded price, or unitPrice × quantity rounded half away from zero. */
export function lineGross(line: Pick<CartLine, 'fixedGross' | 'unitPrice' | 'quantityMilli'>): number {
  if (line.fixedGross !== null) return line.fixedGross;
  return grossOf(line.unitPrice, line.quantityMilli);
}

/** unitPrice × quantityMilli / 1000 rounded half away from zero (the rule for every line). */
export function grossOf(unitPrice: number, quantityMilli: number): number {
  const product = unitPrice * quantityMilli;
  if (!Number.isSafeInteger(product)) {
    throw new CartError(`price ${unitPrice} × quantity ${quantityMilli / 1000} is too large to compute exactly`);
  }
  return divRoundHalfAwayFromZero(product, 1000);
}

function checkLineAmount(cart: Cart, line: CartLine, limits: CartLimits): void {
  const gross = lineGross(line);
  if (gross > limits.maxLineAmount) {
    throw new CartError(`line amount ${fmt(cart, gross)} for ${line.name} is above the limit of ${fmt(cart, limits.maxLineAmount)}`);
  }
}

function percentOf(base: number, percentBps: number): number {
  const product = base * percentBps;
  if (!Number.isSafeInteger(product)) throw new CartError(`${percentBps} bps of ${base} is too large to compute exactly`);
  return divRoundHalfAwayFromZero(product, 10_000);
}

function checkPercent(percentBps: number): number {
  if (typeof percentBps !== 'number' || !Number.isInteger(percentBps) || percentBps < 0 || percentBps > 10_000) {
    throw new CartError(`discount of ${String(percentBps)} bps is not valid: expected 0 to 10000 (100 %)`);
  }
  return percentBps;
}

/** Σ of what promotions take off line `lineNo` (0 when the cart is not priced). */
export function linePromotionDiscount(cart: Pick<Cart, 'promotions'>, lineNo: number): number {
  const entry = cart.promotions?.lines.find((l) => l.lineNo === lineNo);
  let sum = 0;
  if (entry) for (const d of entry.discounts) sum += d.amount;
  return sum;
}

/** Σ of the basket promotions. */
export function basketPromotionDiscount(cart: Pick<Cart, 'promotions'>): number {
  let sum = 0;
  for (const d of cart.promotions?.basket ?? []) sum += d.amount;
  return sum;
}

/** Goods total after line discounts and line promotions, over non-void lines. */
function linesBase(cart: Pick<Cart, 'promotions'>, lines: readonly CartLine[]): number {
  let base = 0;
  for (const l of lines) if (!l.voided) base += lineGross(l) - (l.lineDiscount?.amount ?? 0) - linePromotionDiscount(cart, l.lineNo);
  return base;
}

/**
 * What the cashier's basket discount may take: the goods after line discounts and every
 * promotion. Order on the basket: promotions, the cashier's discount, the coupon, points.
 */
function basketBase(cart: Pick<Cart, 'promotions'>, lines: readonly CartLine[]): number {
  return Math.max(0, linesBase(cart, lines) - basketPromotionDiscount(cart));
}

/**
 * Re-evaluates percent discounts and checks fixed ones still fit after a change. Runs at the
 * end of every operation, so a Cart value always satisfies the invariants.
 */
function settle(cart: Cart): Cart {
  const lines = cart.lines.map((l) => {
    if (l.voided || !l.lineDiscount) return l;
    const gross = lineGross(l);
    if (l.lineDiscount.percentBps !== null) {
      const amount = percentOf(gross, l.lineDiscount.percentBps);
      return amount === l.lineDiscount.amount ? l : { ...l, lineDiscount: { ...l.lineDiscount, amount } };
    }
    if (l.lineDiscount.amount > gross) {
      throw new CartError(
        `line ${l.lineNo} (${l.name}) has a discount of ${fmt(cart, l.lineDiscount.amount)}, larger than its amount ${fmt(cart, gross)}: change the discount first`,
      );
    }
    return l;
  });
  let basketDiscount = cart.basketDiscount;
  const base = basketBase(cart, lines);
  if (basketDiscount) {
    if (basketDiscount.percentBps !== null) {
      const amount = percentOf(base, basketDiscount.percentBps);
      if (amount !== basketDiscount.amount) basketDiscount = { ...basketDiscount, amount };
    } else if (basketDiscount.amount > base) {
      throw new CartError(
        `the basket discount ${fmt(cart, basketDiscount.amount)} would be larger than the goods total ${fmt(cart, base)}: change the basket discount first`,
      );
    }
  }
  // The coupon and points follow what is left: they shrink rather than refuse a change.
  let left = base - (basketDiscount?.amount ?? 0);
  let coupon = cart.coupon ?? null;
  if (coupon) {
    const amount = couponAmount(coupon, left);
    if (amount !== coupon.amount) coupon = { ...coupon, amount };
    left -= amount;
  }
  let member = cart.member ?? null;
  if (member && member.pointsRedeemed > 0) {
    const most = member.pointValue > 0 ? Math.floor(Math.max(0, left) / member.pointValue) : 0;
    const pointsRedeemed = Math.min(member.pointsRedeemed, most);
    if (pointsRedeemed !== member.pointsRedeemed) member = { ...member, pointsRedeemed, pointsDiscount: pointsRedeemed * member.pointValue };
  }
  const next: Cart = { ...cart, lines, basketDiscount };
  if (cart.coupon !== undefined) return { ...next, coupon, ...(cart.member !== undefined ? { member } : {}) };
  return cart.member !== undefined ? { ...next, member } : next;
}

/** What a coupon takes off a basket that has `left` after promotions and the cashier's discount. */
export function couponAmount(coupon: Pick<CartCoupon, 'minSpend' | 'offAmount' | 'percentBps'>, left: number): number {
  if (left < coupon.minSpend) return 0;
  return couponDiscount({ amount: coupon.offAmount, percentBps: coupon.percentBps }, left);
}

/** The lines changed: the promotions applied before no longer hold until the cart is priced again. */
function unpriced(cart: Cart): Cart {
  return cart.promotions ? { ...cart, promotions: null } : cart;
}

// ---------------------------------------------------------------------------------------------
// Operations

function isMergeable(l: CartLine, sku: string, unitPrice: number, tax: TaxClass): boolean {
  return (
    !l.voided &&
    l.unit === 'each' &&
    l.sku === sku &&
    l.unitPrice === unitPrice &&
    l.originalUnitPrice === null &&
    l.fixedGross === null &&
    l.lineDiscount === null &&
    l.taxClass === tax.id &&
    l.taxRateBps === tax.rateBps &&
    l.taxInclusive === tax.inclusive
  );
}

export function addItem(cart: Cart, item: CartItemInput, limits: CartLimits = DEFAULT_CART_LIMITS): Cart {
  const { product, taxClass } = item;
  if (product.price.currency !== cart.currency) {
    throw new CartError(`${product.sku} is priced in ${product.price.currency} but this sale is in ${cart.currency}`);
  }
  if (taxClass.id !== product.taxClass) {
    throw new CartError(`${product.sku} has tax class "${product.taxClass}" but tax class "${taxClass.id}" was given`);
  }
  try {
    checkRateBps(taxClass.rateBps);
  } catch (e) {
    throw new CartError(`${product.sku}: ${(e as Error).message}`);
  }
  const unitPrice = checkAmount(cart, product.price.amount, `the price of ${product.sku}`);
  const source = typeof item.source === 'string' && item.source !== '' ? item.source : 'manual';
  const name = productName(product, item.lang);

  let unit: Unit = product.unit;
  let quantityMilli: number;
  let fixedGross: number | null = null;
  if (item.fixedGross !== undefined) {
    fixedGross = checkAmount(cart, item.fixedGross, 'the price in the barcode');
  }
  if (product.unit === 'kg') {
    const grams = item.weightGrams ?? item.quantityMilli;
    if (grams === undefined) {
      if (fixedGross === null) throw new CartError(`${name} is sold by weight: weigh it or scan its scale label`);
      // A pre-packed, price-labelled package whose weight the label does not carry: one item.
      unit = 'each';
      quantityMilli = 1000;
    } else {
      quantityMilli = checkQuantity('kg', grams, limits);
    }
  } else {
    quantityMilli = checkQuantity('each', item.quantityMilli ?? 1000, limits);
  }

  if (fixedGross === null && unit === 'each') {
    const existing = cart.lines.find((l) => isMergeable(l, product.sku, unitPrice, taxClass));
    if (existing) {
      const merged = existing.quantityMilli + quantityMilli;
      if (merged > limits.maxQuantityMilli) {
        throw new CartError(
          `quantity ${merged / 1000} of ${existing.name} on line ${existing.lineNo} would be above the limit of ${limits.maxQuantityMilli / 1000}`,
        );
      }
      const line = { ...existing, quantityMilli: merged };
      checkLineAmount(cart, line, limits);
      return settle(unpriced(replaceLine(cart, line)));
    }
  }

  if (cart.lines.length >= limits.maxLines) {
    throw new CartError(`this sale already has ${cart.lines.length} lines, the limit of ${limits.maxLines}: complete it and start another`);
  }
  const line: CartLine = {
    lineNo: cart.nextLineNo,
    sku: product.sku,
    name,
    unit,
    quantityMilli,
    unitPrice,
    originalUnitPrice: null,
    overrideReason: null,
    fixedGross,
    lineDiscount: null,
    taxClass: taxClass.id,
    taxRateBps: taxClass.rateBps,
    taxInclusive: taxClass.inclusive,
    voided: false,
    voidReason: null,
    source,
    ...(product.department !== undefined && product.department !== '' ? { department: product.department } : {}),
  };
  checkLineAmount(cart, line, limits);
  return settle(unpriced({ ...cart, lines: [...cart.lines, line], nextLineNo: cart.nextLineNo + 1 }));
}

export function setQuantity(cart: Cart, lineNo: number, quantityMilli: number, limits: CartLimits = DEFAULT_CART_LIMITS): Cart {
  const line = findLine(cart, lineNo);
  if (line.fixedGross !== null) {
    throw new CartError(`line ${lineNo} (${line.name}) is priced by its label: void it and scan each package`);
  }
  const q = checkQuantity(line.unit, quantityMilli, limits);
  const next = { ...line, quantityMilli: q };
  checkLineAmount(cart, next, limits);
  return settle(unpriced(replaceLine(cart, next)));
}

export function voidLine(cart: Cart, lineNo: number, reason: string): Cart {
  const line = findLine(cart, lineNo);
  const r = checkReason(reason, `void line ${lineNo}`);
  return settle(unpriced(replaceLine(cart, { ...line, voided: true, voidReason: r })));
}

function toDiscount(cart: Cart, input: DiscountInput, base: number, reason: string, what: string): Discount | null {
  if ('percentBps' in input) {
    const bps = checkPercent(input.percentBps);
    if (bps === 0) return null;
    return { amount: percentOf(base, bps), percentBps: bps, reason: checkReason(reason, what) };
  }
  const amount = checkAmount(cart, input.amount, 'discount');
  if (amount === 0) return null;
  return { amount, percentBps: null, reason: checkReason(reason, what) };
}

/** Sets a line's own discount; an amount or percent of 0 removes it. */
export function setLineDiscount(cart: Cart, lineNo: number, input: DiscountInput, reason: string): Cart {
  const line = findLine(cart, lineNo);
  const gross = lineGross(line);
  const discount = toDiscount(cart, input, gross, reason, `discount line ${lineNo}`);
  if (discount && discount.amount > gross) {
    throw new CartError(`discount ${fmt(cart, discount.amount)} is larger than line ${lineNo}'s amount ${fmt(cart, gross)}`);
  }
  return settle(unpriced(replaceLine(cart, { ...line, lineDiscount: discount })));
}

export function clearLineDiscount(cart: Cart, lineNo: number): Cart {
  const line = findLine(cart, lineNo);
  return settle(unpriced(replaceLine(cart, { ...line, lineDiscount: null })));
}

/** Sets the discount on the whole basket; an amount or percent of 0 removes it. */
export function setBasketDiscount(cart: Cart, input: DiscountInput, reason: string): Cart {
  const base = basketBase(cart, cart.lines);
  const discount = toDiscount(cart, input, base, reason, 'discount the basket');
  if (discount && discount.amount > base) {
    throw new CartError(`basket discount ${fmt(cart, discount.amount)} is larger than the goods total ${fmt(cart, base)}`);
  }
  return settle({ ...cart, basketDiscount: discount });
}

export function clearBasketDiscount(cart: Cart): Cart {
  return settle({ ...cart, basketDiscount: null });
}

/** Charges `unitPrice` instead of the catalog price; setting it back to the catalog price clears the flag. */
export function overridePrice(
  cart: Cart,
  lineNo: number,
  unitPrice: number,
  reason: string,
  limits: CartLimits = DEFAULT_CART_LIMITS,
): Cart {
  const line = findLine(cart, lineNo);
  if (line.fixedGross !== null) {
    throw new CartError(`line ${lineNo} (${line.name}) is priced by its label: void it and enter the item by hand`);
  }
  const price = checkAmount(cart, unitPrice, 'price');
  const r = checkReason(reason, `change the price of line ${lineNo}`);
  const original = line.originalUnitPrice ?? line.unitPrice;
  const next: CartLine =
    price === original
      ? { ...line, unitPrice: price, originalUnitPrice: null, overrideReason: null }
      : { ...line, unitPrice: price, originalUnitPrice: original, overrideReason: r };
  checkLineAmount(cart, next, limits);
  return settle(unpriced(replaceLine(cart, next)));
}

// ---------------------------------------------------------------------------------------------
// Coupon and member (issue 8). Whether a coupon is valid, used elsewhere or reserved, and who a
// member is, are the host's to find out (they need storage and the store server); the cart
// only holds what was accepted and keeps its amounts within the basket.

export type CouponInput = Omit<CartCoupon, 'amount'>;

/** Puts an accepted coupon on the sale; one coupon per sale. */
export function setCoupon(cart: Cart, coupon: CouponInput): Cart {
  const current = cart.coupon ?? null;
  if (current) {
    throw new CartError(
      current.code === coupon.code ? `coupon ${coupon.code} is already on this sale` : `coupon ${current.code} is already on this sale: remove it first (one coupon per sale)`,
    );
  }
  return settle({ ...cart, coupon: { ...coupon, amount: 0 } });
}

export function removeCoupon(cart: Cart): Cart {
  if (!cart.coupon) throw new CartError('there is no coupon on this sale');
  return settle({ ...cart, coupon: null });
}

export type MemberInput = Pick<CartMember, 'id' | 'name' | 'points' | 'pointValue' | 'earnPerUnit'>;

/** Puts the identified member on the sale (member-only promotions then apply when it is priced). */
export function setMember(cart: Cart, member: MemberInput): Cart {
  const current = cart.member ?? null;
  if (current && current.id !== member.id) {
    throw new CartError(`member ${current.id} (${current.name}) is on this sale: remove them first`);
  }
  const pointsRedeemed = Math.min(current?.pointsRedeemed ?? 0, member.points);
  return settle(unpriced({ ...cart, member: { ...member, pointsRedeemed, pointsDiscount: pointsRedeemed * member.pointValue } }));
}

export function removeMember(cart: Cart): Cart {
  if (!cart.member) throw new CartError('there is no member on this sale');
  return settle(unpriced({ ...cart, member: null }));
}

/** Redeems `points` of the member's points off the basket (0 takes the redemption back). */
export function redeemPoints(cart: Cart, points: number): Cart {
  const member = cart.member ?? null;
  if (!member) throw new CartError('identify the member first: points belong to a member');
  if (typeof points !== 'number' || !Number.isSafeInteger(points) || points < 0) {
    throw new CartError(`points ${String(points)} is not valid: enter a whole number of points`);
  }
  if (points > 0 && member.pointValue <= 0) throw new CartError('points cannot be redeemed here: redeeming is off at this store, or this is a training sale');
  if (points > member.points) throw new CartError(`member ${member.id} has ${member.points} points, fewer than ${points}`);
  const withoutPoints = settle({ ...cart, member: { ...member, pointsRedeemed: 0, pointsDiscount: 0 } });
  const left = basketLeft(withoutPoints);
  const value = points * member.pointValue;
  if (value > left) {
    const most = Math.floor(left / member.pointValue);
    throw new CartError(`${points} points are worth ${fmt(cart, value)}, more than the ${fmt(cart, left)} left to pay: redeem at most ${most}`);
  }
  return settle({ ...cart, member: { ...member, pointsRedeemed: points, pointsDiscount: value } });
}

/** What is left of the basket after promotions, the cashier's discount and the coupon: what points may take. */
function basketLeft(cart: Cart): number {
  return basketBase(cart, cart.lines) - (cart.basketDiscount?.amount ?? 0) - (cart.coupon?.amount ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Totals

/** The fields that decide a line's share of the basket discount and its tax; no lineNo. */
export interface AllocationLine {
  readonly sku: string;
  readonly unit: Unit;
  readonly unitPrice: number;
  readonly quantityMilli: number;
  readonly gross: number;
  readonly lineDiscount: number;
  readonly taxClass: string;
  readonly taxRateBps: number;
  readonly taxInclusive: boolean;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical order used before allocating a basket discount: by sku, then price, quantity
 * and the other figures. Lines that compare equal have identical weights and tax, so which of
 * them gets a remainder fen cannot change any total; thus totals never depend on insertion order.
 */
export function compareCanonical(a: AllocationLine, b: AllocationLine): number {
  return (
    cmpStr(a.sku, b.sku) ||
    a.unitPrice - b.unitPrice ||
    a.quantityMilli - b.quantityMilli ||
    a.gross - b.gross ||
    a.lineDiscount - b.lineDiscount ||
    a.taxRateBps - b.taxRateBps ||
    Number(a.taxInclusive) - Number(b.taxInclusive) ||
    cmpStr(a.taxClass, b.taxClass) ||
    cmpStr(a.unit, b.unit)
  );
}

/**
 * Splits `basketDiscount` over `lines` (non-void ones only, caller's order) in proportion to
 * gross − lineDiscount, by largest remainder in canonical order. Returns shares in the caller's
 * order; they add up to exactly `basketDiscount`.
 */
export function allocateBasketDiscount(basketDiscount: number, lines: readonly AllocationLine[], currency: string): number[] {
  if (basketDiscount === 0 || lines.length === 0) return lines.map(() => 0);
  const order = lines.map((l, i) => ({ l, i })).sort((x, y) => compareCanonical(x.l, y.l));
  const parts = allocate(
    money(basketDiscount, currency),
    order.map(({ l }) => l.gross - l.lineDiscount),
  );
  const shares = lines.map(() => 0);
  order.forEach(({ i }, k) => {
    shares[i] = parts[k]?.amount ?? 0;
  });
  return shares;
}

export interface LineTotals {
  readonly lineNo: number;
  readonly gross: number;
  readonly lineDiscount: number;
  /** What promotions take off the line. */
  readonly promotionDiscount: number;
  /** The line's share of everything taken off the basket. */
  readonly basketDiscountShare: number;
  /** gross − lineDiscount − promotionDiscount − basketDiscountShare. */
  readonly amount: number;
  readonly tax: number;
  /** What the customer pays for the line: amount, plus tax when exclusive. 0 for void lines. */
  readonly due: number;
  readonly voided: boolean;
}

export interface CartTotals {
  readonly currency: string;
  /** One entry per cart line, same order. Void lines keep their figures but count nowhere. */
  readonly lines: readonly LineTotals[];
  /** Σ gross of non-void lines. */
  readonly gross: number;
  /** Σ line discounts of non-void lines. */
  readonly lineDiscounts: number;
  /** Σ line promotions of non-void lines. */
  readonly linePromotions: number;
  /** The cashier's basket discount. */
  readonly basketDiscount: number;
  /** Σ basket promotions. */
  readonly basketPromotions: number;
  readonly couponDiscount: number;
  readonly pointsDiscount: number;
  /** Everything taken off the basket (shared out over the lines): the four above. */
  readonly basketDeductions: number;
  /** Σ non-void line amounts. */
  readonly subtotal: number;
  /** Σ non-void line taxes, inclusive and exclusive. */
  readonly taxTotal: number;
  /** Σ non-void taxes of exclusive lines (the part added on top). */
  readonly exclusiveTax: number;
  /** subtotal + exclusiveTax: the amount due before cash rounding. */
  readonly total: number;
  /** Number of non-void lines. */
  readonly lineCount: number;
}

/** `promotion`: what promotions take off the line (they weigh like a line discount in the allocation). */
export function toAllocationLine(l: CartLine, promotion = 0): AllocationLine {
  return {
    sku: l.sku,
    unit: l.unit,
    unitPrice: l.unitPrice,
    quantityMilli: l.quantityMilli,
    gross: lineGross(l),
    lineDiscount: (l.lineDiscount?.amount ?? 0) + promotion,
    taxClass: l.taxClass,
    taxRateBps: l.taxRateBps,
    taxInclusive: l.taxInclusive,
  };
}

export function computeTotals(cart: Cart): CartTotals {
  const active = cart.lines.filter((l) => !l.voided);
  const basket = cart.basketDiscount?.amount ?? 0;
  const basketPromotions = basketPromotionDiscount(cart);
  const couponDiscount = cart.coupon?.amount ?? 0;
  const pointsDiscount = cart.member?.pointsDiscount ?? 0;
  const basketDeductions = basket + basketPromotions + couponDiscount + pointsDiscount;
  const promo = (l: CartLine) => (l.voided ? 0 : linePromotionDiscount(cart, l.lineNo));
  const shares = allocateBasketDiscount(
    basketDeductions,
    active.map((l) => toAllocationLine(l, promo(l))),
    cart.currency,
  );
  const shareByLine = new Map(active.map((l, i) => [l.lineNo, shares[i] ?? 0]));

  let gross = 0;
  let lineDiscounts = 0;
  let linePromotions = 0;
  let subtotal = 0;
  let taxTotal = 0;
  let exclusiveTax = 0;
  const lines = cart.lines.map((l): LineTotals => {
    const g = lineGross(l);
    const d = l.lineDiscount?.amount ?? 0;
    const pd = promo(l);
    const share = l.voided ? 0 : (shareByLine.get(l.lineNo) ?? 0);
    const amount = g - d - pd - share;
    const tax = lineTax(amount, l.taxRateBps, l.taxInclusive);
    if (!l.voided) {
      gross += g;
      lineDiscounts += d;
      linePromotions += pd;
      subtotal += amount;
      taxTotal += tax;
      if (!l.taxInclusive) exclusiveTax += tax;
    }
    return {
      lineNo: l.lineNo,
      gross: g,
      lineDiscount: d,
      promotionDiscount: pd,
      basketDiscountShare: share,
      amount,
      tax,
      due: l.voided ? 0 : l.taxInclusive ? amount : amount + tax,
      voided: l.voided,
    };
  });
  return {
    currency: cart.currency,
    lines,
    gross,
    lineDiscounts,
    linePromotions,
    basketDiscount: basket,
    basketPromotions,
    couponDiscount,
    pointsDiscount,
    basketDeductions,
    subtotal,
    taxTotal,
    exclusiveTax,
    total: subtotal + exclusiveTax,
    lineCount: active.length,
  };
}

/**
 * The cart with `promotions` applied (null: none), every amount that follows them brought up to
 * date. Pricing never refuses: a fixed sale discount the promotions have made larger than what
 * is left is brought down to what is left (the customer cannot be owed money).
 */
export function withPromotions(cart: Cart, promotions: CartPromotions | null): Cart {
  const next: Cart = { ...cart, promotions };
  try {
    return settle(next);
  } catch (e) {
    if (!(e instanceof CartError) || !cart.basketDiscount || cart.basketDiscount.percentBps !== null) throw e;
    const base = basketBase(next, next.lines);
    return settle({ ...next, basketDiscount: { ...cart.basketDiscount, amount: Math.min(cart.basketDiscount.amount, base) } });
  }
}
