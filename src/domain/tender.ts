// Paying for a sale: split tenders, change, cash rounding, the committed SaleRecord and its
// verification. Hand-written: these are the shop's money rules (what cash rounding applies
// to, when change may be given), which no payment library decides for us.
//
// CASH ROUNDING RULE. Rounding applies only to what remains when it is SETTLED IN CASH:
// - `remaining` = total − Σ tender amounts so far (exact, to the minor unit);
// - paying the rest in cash, the cash due is roundCash(remaining): to a multiple of
//   `step`, either 'half-up' (half away from zero, the retail 四舍五入) or 'down' (toward zero,
//   抹零 in the customer's favour). A negative amount rounds by its magnitude the same way.
// - A cash tender with received ≥ cash due settles the sale: amount = cash due, the
//   difference cash due − remaining is the sale's `rounding`, received − amount is change.
//   In 'half-up' mode a customer may also hand over exactly the unrounded remaining (or
//   anything between it and the cash due): it settles with amount = remaining, no rounding.
// - A smaller cash tender is a part payment: amount = received, no rounding, no change.
// - Wallet tenders (alipay, wechat) settle exactly, never round, and may not exceed what is
//   still to pay (the wallet cannot give change).
// So: Σ tender amounts = total + rounding, and change = Σ received − Σ amounts.
import { allocateBasketDiscount, computeTotals } from './cart.ts';
import type { Cart, CartTotals } from './cart.ts';
import { divRoundHalfAwayFromZero, formatMoney, isSupportedCurrency } from './money.ts';
import { pointsEarned } from './members/member.ts';
import type { SaleLineRecord, SaleRecord, TenderMethod, TenderRecord } from './sale-record.ts';
import { lineTax } from './tax.ts';

export class TenderError extends Error {
  override name = 'TenderError';
}

export interface CashRounding {
  /** Minor units: 10 = 0.10 CNY; 1 = no rounding. */
  readonly step: number;
  readonly mode: 'half-up' | 'down';
}

export const NO_CASH_ROUNDING: CashRounding = { step: 1, mode: 'half-up' };

const METHODS: readonly TenderMethod[] = ['cash', 'alipay', 'wechat'];

export function checkCashRounding(r: CashRounding): CashRounding {
  if (!Number.isSafeInteger(r.step) || r.step < 1 || (r.mode !== 'half-up' && r.mode !== 'down')) {
    throw new TenderError(`cash rounding ${JSON.stringify(r)} is not valid: step must be a whole number of minor units ≥ 1, mode 'half-up' or 'down'`);
  }
  return r;
}

/** Rounds an amount to what can be paid in cash (see the rule above). */
export function roundCash(amount: number, rounding: CashRounding): number {
  const { step, mode } = checkCashRounding(rounding);
  if (step === 1) return amount;
  if (mode === 'half-up') return divRoundHalfAwayFromZero(amount, step) * step + 0; // + 0 turns -0 into 0
  const sign = amount < 0 ? -1 : 1;
  const r = Math.floor(Math.abs(amount) / step) * step;
  return r === 0 ? 0 : sign * r;
}

export interface AmountDue {
  /** Amount due before cash rounding (CartTotals.total). */
  readonly total: number;
  /** Σ tender amounts applied. */
  readonly tendered: number;
  /** Still to pay, exact; 0 once settled. */
  readonly remaining: number;
  /** What settles the rest in cash: roundCash(remaining). */
  readonly cashDue: number;
  /** Rounding adjustment applied by the settling cash tender (signed); 0 otherwise. */
  readonly rounding: number;
  /** Σ received − Σ amounts. */
  readonly change: number;
  /** Fully paid: the sale may complete. */
  readonly settled: boolean;
}

/**
 * Replays tenders against a total under the rounding rule and says what is still due. Throws
 * TenderError when the tenders could not have been produced by `applyTender`.
 */
export function amountDue(
  totals: Pick<CartTotals, 'total' | 'currency'>,
  tenders: readonly TenderRecord[],
  rounding: CashRounding,
): AmountDue {
  checkCashRounding(rounding);
  return replayTenders(totals, tenders, (remaining) => roundCash(remaining, rounding));
}

/** The replay behind amountDue; `cashDueOf` says what settles a remaining amount in cash. */
function replayTenders(
  totals: Pick<CartTotals, 'total' | 'currency'>,
  tenders: readonly TenderRecord[],
  cashDueOf: (remaining: number) => number,
): AmountDue {
  const fmt = (a: number) => formatMoney({ amount: a, currency: totals.currency });
  let remaining = totals.total;
  let settled = remaining === 0;
  let roundingAdj = 0;
  let tendered = 0;
  let received = 0;
  for (const t of tenders) {
    if (settled) throw new TenderError(`tender ${t.seq} (${t.method} ${fmt(t.amount)}) comes after the sale was fully paid`);
    if (!Number.isSafeInteger(t.amount) || t.amount < 0 || !Number.isSafeInteger(t.received) || t.received < t.amount) {
      throw new TenderError(`tender ${t.seq} has amount ${t.amount} and received ${t.received}: expected whole minor units with received ≥ amount ≥ 0`);
    }
    if (t.method === 'cash') {
      const cashDue = cashDueOf(remaining);
      if (t.amount === cashDue || t.amount === remaining) {
        roundingAdj = t.amount - remaining;
        remaining = 0;
        settled = true;
      } else if (t.amount < Math.min(cashDue, remaining) && t.amount > 0 && t.received === t.amount) {
        remaining -= t.amount;
      } else {
        throw new TenderError(
          `cash tender ${t.seq} of ${fmt(t.amount)} (received ${fmt(t.received)}) does not fit ${fmt(remaining)} still to pay (${fmt(cashDue)} in cash)`,
        );
      }
    } else {
      if (t.amount <= 0 || t.amount > remaining || t.received !== t.amount) {
        throw new TenderError(`${t.method} tender ${t.seq} of ${fmt(t.amount)} does not fit ${fmt(remaining)} still to pay`);
      }
      remaining -= t.amount;
      settled = remaining === 0;
    }
    tendered += t.amount;
    received += t.received;
  }
  return {
    total: totals.total,
    tendered,
    remaining,
    cashDue: cashDueOf(remaining),
    rounding: roundingAdj,
    change: received - tendered,
    settled,
  };
}

export interface TenderState {
  readonly currency: string;
  /** CartTotals.total of the sale being paid. */
  readonly total: number;
  readonly rounding: CashRounding;
  readonly tenders: readonly TenderRecord[];
}

export interface TenderInput {
  readonly method: TenderMethod;
  /** What the customer hands over (cash) or what the wallet charged. */
  readonly amount: number;
  readonly reference?: string | null;
}

/**
 * Applies one tender. Cash may exceed what is due (the excess is change); wallets may not.
 * A tender that leaves something to pay is a part payment (split tender).
 */
export function applyTender(state: TenderState, input: TenderInput): TenderState {
  const fmt = (a: number) => formatMoney({ amount: a, currency: state.currency });
  const due = amountDue(state, state.tenders, state.rounding);
  if (due.settled) throw new TenderError(`the sale is already paid (${fmt(due.tendered)} of ${fmt(due.total)})`);
  if (!METHODS.includes(input.method)) throw new TenderError(`tender method "${String(input.method)}" is not one of ${METHODS.join(', ')}`);
  const received = input.amount;
  if (typeof received !== 'number' || !Number.isSafeInteger(received) || received < 0) {
    throw new TenderError(`${input.method} amount ${String(received)} is not valid: expected a whole number of minor units ≥ 0`);
  }
  let amount: number;
  if (input.method === 'cash') {
    if (received >= due.cashDue) amount = due.cashDue;
    else if (received >= due.remaining) amount = due.remaining;
    else if (received > 0) amount = received;
    else throw new TenderError(`cash received ${fmt(received)} is not allowed: ${fmt(due.cashDue)} is due in cash`);
  } else {
    if (received === 0) throw new TenderError(`${input.method} amount ${fmt(received)} is not allowed`);
    if (received > due.remaining) {
      throw new TenderError(`${input.method} ${fmt(received)} is more than the ${fmt(due.remaining)} still to pay`);
    }
    amount = received;
  }
  const tender: TenderRecord = {
    seq: state.tenders.length + 1,
    method: input.method,
    amount,
    received,
    reference: input.reference ?? null,
  };
  return { ...state, tenders: [...state.tenders, tender] };
}

/** Checks the sale is fully paid and returns the final figures; throws TenderError if not. */
export function completeSale(
  totals: Pick<CartTotals, 'total' | 'currency'>,
  tenders: readonly TenderRecord[],
  rounding: CashRounding,
): AmountDue {
  const due = amountDue(totals, tenders, rounding);
  if (!due.settled) {
    const fmt = (a: number) => formatMoney({ amount: a, currency: totals.currency });
    const inCash = due.cashDue !== due.remaining ? ` (${fmt(due.cashDue)} in cash)` : '';
    throw new TenderError(`tendered ${fmt(due.tendered)} is below the amount due ${fmt(due.total)}: ${fmt(due.remaining)} still to pay${inCash}`);
  }
  return due;
}

export interface BuildSaleInput {
  readonly cart: Cart;
  readonly tenders: readonly TenderRecord[];
  readonly rounding: CashRounding;
  readonly id: string;
  readonly terminalId: string;
  readonly receiptNo: number;
  readonly cashier: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly training: boolean;
}

/** The committed shape of a paid sale. Throws TenderError when unpaid or empty. */
export function buildSaleRecord(input: BuildSaleInput): SaleRecord {
  const { cart } = input;
  const totals = computeTotals(cart);
  if (totals.lineCount === 0) throw new TenderError('a sale with no items cannot be completed');
  if (cart.coupon && cart.coupon.amount === 0) {
    throw new TenderError(`coupon ${cart.coupon.code} takes nothing off this sale (minimum spend ${formatMoney({ amount: cart.coupon.minSpend, currency: cart.currency })}): add items or remove it`);
  }
  const due = completeSale(totals, input.tenders, input.rounding);
  const lines = cart.lines.map((l, i): SaleLineRecord => {
    const t = totals.lines[i];
    if (!t || t.lineNo !== l.lineNo) throw new TenderError(`internal: totals do not match line ${l.lineNo}`);
    const promotions = l.voided ? undefined : cart.promotions?.lines.find((x) => x.lineNo === l.lineNo)?.discounts;
    // Only a line a promotion touched carries the two keys: a sale without promotions is recorded as before.
    const promoted = promotions && promotions.length > 0 ? { promotions: promotions.map((d) => ({ ...d })), promotionDiscount: t.promotionDiscount } : {};
    return {
      lineNo: l.lineNo,
      sku: l.sku,
      name: l.name,
      unit: l.unit,
      quantityMilli: l.quantityMilli,
      unitPrice: l.unitPrice,
      originalUnitPrice: l.originalUnitPrice,
      overrideReason: l.originalUnitPrice === null ? null : l.overrideReason,
      gross: t.gross,
      grossEmbedded: l.fixedGross !== null,
      lineDiscount: t.lineDiscount,
      lineDiscountReason: l.lineDiscount?.reason ?? null,
      basketDiscountShare: t.basketDiscountShare,
      amount: t.amount,
      taxClass: l.taxClass,
      taxRateBps: l.taxRateBps,
      taxInclusive: l.taxInclusive,
      tax: t.tax,
      voided: l.voided,
      voidReason: l.voidReason,
      source: l.source,
      ...promoted,
    };
  });
  const basketPromotions = cart.promotions?.basket.filter((d) => d.amount > 0) ?? [];
  const member = cart.member ?? null;
  return {
    id: input.id,
    terminalId: input.terminalId,
    receiptNo: input.receiptNo,
    currency: cart.currency,
    cashier: input.cashier,
    startedAt: input.startedAt,
    completedAt: input.completedAt,
    training: input.training,
    lines,
    basketDiscount: totals.basketDiscount,
    basketDiscountReason: cart.basketDiscount?.reason ?? null,
    ...(basketPromotions.length > 0 ? { basketPromotions: basketPromotions.map((d) => ({ ...d })) } : {}),
    ...(cart.coupon
      ? { coupon: { code: cart.coupon.code, name: cart.coupon.name, use: cart.coupon.use, amount: cart.coupon.amount, redemption: cart.coupon.redemption } }
      : {}),
    ...(member
      ? {
          member: {
            id: member.id,
            name: member.name,
            pointsRedeemed: member.pointsRedeemed,
            pointsDiscount: member.pointsDiscount,
            pointsEarned: input.training ? 0 : pointsEarned(totals.total, cart.currency, { earnPerUnit: member.earnPerUnit ?? 0, pointValue: member.pointValue }),
          },
        }
      : {}),
    subtotal: totals.subtotal,
    taxTotal: totals.taxTotal,
    total: totals.total,
    rounding: due.rounding,
    tenders: input.tenders.map((t) => ({ ...t })),
    tendered: due.tendered,
    change: due.change,
  };
}

/**
 * Recomputes every figure of a stored sale from its lines and tenders and lists what does not
 * add up, in words (empty when the record is consistent). `rounding`, when known, also checks
 * the cash rounding exactly; without it the rounding is checked for shape only.
 */
export function verifySaleRecord(r: SaleRecord, rounding?: CashRounding): string[] {
  const problems: string[] = [];
  const p = (msg: string) => problems.push(msg);
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  const currencyOk = isSupportedCurrency(r.currency);
  if (!currencyOk) p(`currency "${r.currency}" is not supported`);
  const fmt = (a: number) => (currencyOk && isInt(a) ? formatMoney({ amount: a, currency: r.currency }) : String(a));

  if (typeof r.id !== 'string' || r.id === '') p('sale id is missing');
  if (typeof r.terminalId !== 'string' || r.terminalId === '') p('terminal id is missing');
  if (!isInt(r.receiptNo) || r.receiptNo < 1) p(`receipt number ${r.receiptNo} is not a positive whole number`);
  if (!Array.isArray(r.lines) || !Array.isArray(r.tenders)) {
    p('lines or tenders are missing');
    return problems;
  }
  if (r.lines.filter((l) => !l.voided).length === 0) p('the sale has no items');

  // Lines, each on its own. `linesOk` says the figures are integers the sums can work on.
  let linesOk = true;
  r.lines.forEach((l, i) => {
    const at = `line ${l.lineNo}`;
    const bad = (msg: string) => p(`${at}: ${msg}`);
    if (l.lineNo !== i + 1) bad(`is at position ${i + 1}; line numbers must run 1, 2, 3… without gaps`);
    let shapeOk = true;
    for (const k of ['quantityMilli', 'unitPrice', 'gross', 'lineDiscount', 'basketDiscountShare', 'amount', 'tax', 'taxRateBps'] as const) {
      if (!isInt(l[k])) {
        bad(`${k} ${String(l[k])} is not a whole number`);
        shapeOk = false;
      }
    }
    if (!shapeOk) {
      linesOk = false;
      return;
    }
    if (l.quantityMilli <= 0) bad(`quantity ${l.quantityMilli} is not positive`);
    if (l.unit === 'each' && l.quantityMilli % 1000 !== 0) bad(`quantity ${l.quantityMilli / 1000} is not a whole number of items`);
    if (l.unitPrice < 0) bad(`unit price ${fmt(l.unitPrice)} is negative`);
    if (l.originalUnitPrice !== null && l.originalUnitPrice === l.unitPrice) bad('is flagged as overridden but has the catalog price');
    if (l.originalUnitPrice !== null && !l.overrideReason) bad('has a price override without a reason');
    if (l.originalUnitPrice === null && l.overrideReason !== null) bad('has an override reason but no override');
    if (!l.grossEmbedded) {
      const expected = l.unitPrice * l.quantityMilli;
      const gross = Number.isSafeInteger(expected) ? divRoundHalfAwayFromZero(expected, 1000) : NaN;
      if (gross !== l.gross) bad(`gross ${fmt(l.gross)} is not unit price ${fmt(l.unitPrice)} × quantity ${l.quantityMilli / 1000} = ${fmt(gross)}`);
    } else if (l.gross < 0) bad(`gross ${fmt(l.gross)} is negative`);
    if (l.lineDiscount < 0 || l.lineDiscount > l.gross) bad(`line discount ${fmt(l.lineDiscount)} is not between 0 and the gross ${fmt(l.gross)}`);
    if (l.lineDiscount > 0 && !l.lineDiscountReason) bad('has a discount without a reason');
    if (l.basketDiscountShare < 0) bad(`basket discount share ${fmt(l.basketDiscountShare)} is negative`);
    if (l.voided && l.basketDiscountShare !== 0) bad('is void but carries a share of the basket discount');
    if (l.voided && !l.voidReason) bad('is void without a reason');
    const promotion = l.promotionDiscount ?? 0;
    if (l.promotions !== undefined || l.promotionDiscount !== undefined) {
      const listed = (l.promotions ?? []).reduce((sum: number, d: { readonly amount: number }) => sum + (isInt(d.amount) && d.amount > 0 ? d.amount : NaN), 0);
      if (!isInt(promotion) || promotion < 0) bad(`promotion discount ${String(l.promotionDiscount)} is not a whole number ≥ 0`);
      else if (listed !== promotion) bad(`promotion discount ${fmt(promotion)} but its promotions add up to ${Number.isNaN(listed) ? 'amounts that are not positive whole numbers' : fmt(listed)}`);
      if (l.voided && promotion !== 0) bad('is void but carries a promotion');
      if (l.lineDiscount + promotion > l.gross) bad(`discounts ${fmt(l.lineDiscount + promotion)} are more than the gross ${fmt(l.gross)}`);
    }
    const amount = l.gross - l.lineDiscount - promotion - l.basketDiscountShare;
    if (l.amount !== amount) bad(`amount ${fmt(l.amount)} is not gross − discounts = ${fmt(amount)}`);
    if (l.amount < 0) bad(`amount ${fmt(l.amount)} is negative`);
    try {
      const tax = lineTax(l.amount, l.taxRateBps, l.taxInclusive);
      if (tax !== l.tax) bad(`tax ${fmt(l.tax)} should be ${fmt(tax)} (${l.taxRateBps} bps, ${l.taxInclusive ? 'inclusive' : 'exclusive'})`);
    } catch (e) {
      bad((e as Error).message);
    }
  });

  // Sale figures.
  const active = r.lines.filter((l) => !l.voided);
  const shares = active.reduce((s, l) => s + l.basketDiscountShare, 0);
  if (!isInt(r.basketDiscount) || r.basketDiscount < 0) p(`basket discount ${r.basketDiscount} is not a whole number ≥ 0`);
  // Everything taken off the basket is shared out together (issue 8): the cashier's discount,
  // basket promotions, the coupon and redeemed points.
  const basketPromotions = (r.basketPromotions ?? []).reduce((sum, d) => sum + d.amount, 0);
  const couponOff = r.coupon?.amount ?? 0;
  const pointsOff = r.member?.pointsDiscount ?? 0;
  for (const [what, v] of [['basket promotions', basketPromotions], ['coupon', couponOff], ['points discount', pointsOff]] as const) {
    if (!isInt(v) || v < 0) p(`${what} ${String(v)} is not a whole number ≥ 0`);
  }
  const deductions = r.basketDiscount + basketPromotions + couponOff + pointsOff;
  const parts = deductions === r.basketDiscount ? `basket discount ${fmt(r.basketDiscount)}` : `basket discount, promotions, coupon and points ${fmt(deductions)}`;
  if (shares !== deductions) p(`${parts} but the line shares add up to ${fmt(shares)}`);
  if (r.basketDiscount > 0 && !r.basketDiscountReason) p('basket discount has no reason');
  if (r.member && (!isInt(r.member.pointsEarned) || r.member.pointsEarned < 0)) p(`points earned ${String(r.member.pointsEarned)} is not a whole number ≥ 0`);
  if (linesOk && currencyOk && isInt(deductions) && deductions >= 0) {
    try {
      const weighed = active.map((l) => ({ ...l, lineDiscount: l.lineDiscount + (l.promotionDiscount ?? 0) }));
      const fair = allocateBasketDiscount(deductions, weighed, r.currency);
      active.forEach((l, i) => {
        if (fair[i] !== l.basketDiscountShare) {
          p(`line ${l.lineNo}: basket discount share ${fmt(l.basketDiscountShare)} should be ${fmt(fair[i] ?? 0)}`);
        }
      });
    } catch (e) {
      p(`basket discount cannot be allocated: ${(e as Error).message}`);
    }
  }
  const subtotal = active.reduce((s, l) => s + l.amount, 0);
  const taxTotal = active.reduce((s, l) => s + l.tax, 0);
  const exclusive = active.reduce((s, l) => s + (l.taxInclusive ? 0 : l.tax), 0);
  if (r.subtotal !== subtotal) p(`subtotal ${fmt(r.subtotal)} but the line amounts add up to ${fmt(subtotal)}`);
  if (r.taxTotal !== taxTotal) p(`tax total ${fmt(r.taxTotal)} but the line taxes add up to ${fmt(taxTotal)}`);
  if (r.total !== subtotal + exclusive) {
    p(`total ${fmt(r.total)} should be ${exclusive === 0 ? 'the subtotal' : 'subtotal + exclusive tax'} = ${fmt(subtotal + exclusive)}`);
  }

  // Tenders.
  r.tenders.forEach((t, i) => {
    if (t.seq !== i + 1) p(`tender at position ${i + 1} has seq ${t.seq}`);
    if (!METHODS.includes(t.method)) p(`tender ${t.seq}: method "${t.method}" is unknown`);
  });
  const tendered = r.tenders.reduce((s, t) => s + t.amount, 0);
  const received = r.tenders.reduce((s, t) => s + t.received, 0);
  if (r.tendered !== tendered) p(`tendered ${fmt(r.tendered)} but the tenders add up to ${fmt(tendered)}`);
  if (r.change !== received - tendered) p(`change ${fmt(r.change)} should be received − applied = ${fmt(received - tendered)}`);
  if (tendered !== r.total + r.rounding) p(`tenders add up to ${fmt(tendered)}, not total + rounding = ${fmt(r.total + r.rounding)}`);
  if (r.rounding !== 0 && r.tenders.at(-1)?.method !== 'cash') p(`rounding ${fmt(r.rounding)} without a settling cash tender`);
  try {
    // Without the terminal's rounding setting, the recorded rounding is taken as what the
    // settling cash tender was allowed to add; the replay still checks everything else.
    const totals = { total: r.total, currency: r.currency };
    const due = rounding
      ? amountDue(totals, r.tenders, rounding)
      : replayTenders(totals, r.tenders, (remaining) => remaining + r.rounding);
    if (!due.settled) p(`the sale is not fully paid: ${fmt(due.remaining)} still to pay`);
    if (rounding && due.rounding !== r.rounding) p(`rounding ${fmt(r.rounding)} should be ${fmt(due.rounding)}`);
  } catch (e) {
    p((e as Error).message);
  }
  return problems;
}
