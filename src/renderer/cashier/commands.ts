// Turns what the cashier typed in a dialog or the tender panel into a checkout command, or the
// message key of what is wrong with it. Pure: the screen only shows the result. The core checks
// everything again (zod, then the cart's own rules); these checks exist so a typo is named in
// the cashier's language before anything is sent.
import type { CartLineView, CheckoutCommand } from '../../shared/api.ts';
import { paymentWallet } from '../../domain/barcodes/payment-code.ts';
import { parseAmount, parsePercent, parsePrice, parseQuantity, type Parsed } from '../format.ts';

export type DiscountMode = 'amount' | 'percent';

function reasonOf(text: string): Parsed<string> {
  const r = text.trim();
  return r === '' ? { ok: false, error: 'input.reasonMissing' } : { ok: true, value: r.slice(0, 200) };
}

function command(c: CheckoutCommand): Parsed<CheckoutCommand> {
  return { ok: true, value: c };
}

export function quantityCommand(line: Pick<CartLineView, 'lineNo' | 'unit'>, text: string): Parsed<CheckoutCommand> {
  const q = parseQuantity(text, line.unit);
  return q.ok ? command({ type: 'SET_QUANTITY', lineNo: line.lineNo, quantityMilli: q.value }) : q;
}

/** A by-weight item picked from search or a quick key: added with the weight typed (grams). */
export function weighCommand(sku: string, text: string): Parsed<CheckoutCommand> {
  const q = parseQuantity(text, 'kg');
  return q.ok ? command({ type: 'ADD', sku, quantityMilli: q.value }) : q;
}

export function voidCommand(lineNo: number, reasonText: string): Parsed<CheckoutCommand> {
  const r = reasonOf(reasonText);
  return r.ok ? command({ type: 'VOID_LINE', lineNo, reason: r.value }) : r;
}

/** A line discount (lineNo given) or a basket discount (lineNo null). */
export function discountCommand(lineNo: number | null, mode: DiscountMode, valueText: string, reasonText: string, currency: string): Parsed<CheckoutCommand> {
  const v = mode === 'amount' ? parseAmount(valueText, currency) : parsePercent(valueText);
  if (!v.ok) return v;
  const r = reasonOf(reasonText);
  if (!r.ok) return r;
  const discount = mode === 'amount' ? { amount: v.value } : { percentBps: v.value };
  return command(lineNo === null ? { type: 'BASKET_DISCOUNT', discount, reason: r.value } : { type: 'LINE_DISCOUNT', lineNo, discount, reason: r.value });
}

export function removeDiscountCommand(lineNo: number | null, reasonText: string): Parsed<CheckoutCommand> {
  const r = reasonOf(reasonText);
  if (!r.ok) return r;
  return command(lineNo === null ? { type: 'BASKET_DISCOUNT', discount: null, reason: r.value } : { type: 'LINE_DISCOUNT', lineNo, discount: null, reason: r.value });
}

export function priceCommand(lineNo: number, priceText: string, reasonText: string, currency: string): Parsed<CheckoutCommand> {
  const p = parsePrice(priceText, currency);
  if (!p.ok) return p;
  const r = reasonOf(reasonText);
  return r.ok ? command({ type: 'OVERRIDE_PRICE', lineNo, unitPrice: p.value, reason: r.value }) : r;
}

export function cancelCommand(reasonText: string): Parsed<CheckoutCommand> {
  const r = reasonOf(reasonText);
  return r.ok ? command({ type: 'CANCEL', reason: r.value }) : r;
}

export function cashCommand(text: string, currency: string): Parsed<CheckoutCommand> {
  const a = parseAmount(text, currency);
  return a.ok ? command({ type: 'TENDER_CASH', received: a.value }) : a;
}

/** A customer's payment code typed by hand: the wallet is read from the code's own format. */
export function customerCodeCommand(text: string): Parsed<CheckoutCommand> {
  const code = text.replace(/\s+/g, '');
  const wallet = code === '' ? null : paymentWallet(code);
  if (wallet === null) return { ok: false, error: 'tender.codeUnknown', params: { code: text.trim() } };
  return command({ type: 'PAY_WALLET', wallet, mode: 'barcode', authCode: code });
}

/** A coupon code typed in (spaces inside are kept: the core matches the code as printed, trimmed). */
export function couponCommand(text: string): Parsed<CheckoutCommand> {
  const code = text.trim();
  if (code === '') return { ok: false, error: 'input.couponMissing' };
  if (code.length > 64) return { ok: false, error: 'input.couponTooLong' };
  return command({ type: 'COUPON', code });
}

/** A member number, card or phone typed in. */
export function memberCommand(text: string): Parsed<CheckoutCommand> {
  const query = text.trim();
  if (query === '') return { ok: false, error: 'input.memberMissing' };
  if (query.length > 128) return { ok: false, error: 'input.memberTooLong' };
  return command({ type: 'MEMBER', query });
}

const WHOLE_POINTS = /^\d{1,13}$/;

/**
 * Points to redeem, as a whole number from 0 (takes the redemption back) to what the core says
 * can go on this sale now (`redeemable`).
 */
export function redeemCommand(text: string, redeemable: number): Parsed<CheckoutCommand> {
  const t = text.trim().replace(/[\s,]/g, '');
  if (t === '') return { ok: false, error: 'input.pointsMissing' };
  const points = WHOLE_POINTS.test(t) ? Number(t) : null;
  if (points === null) return { ok: false, error: 'input.pointsInvalid', params: { text: text.trim() } };
  if (points > redeemable) return { ok: false, error: 'input.pointsTooMany', params: { most: String(redeemable) } };
  return command({ type: 'REDEEM_POINTS', points });
}
