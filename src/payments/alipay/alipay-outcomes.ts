// Alipay v2 answers (the verified `<method>_response` object, snake_case keys as sent) mapped
// onto the wallet contract's outcomes (src/domain/payment.ts), one function per method, with
// the cashier's message for every refusal. Kept apart from the SDK calls so the tables can be
// read against ../shared/reference/payments.md §1 and tested without a network.
//
// Decisions:
// - `failed` only where Alipay's answer proves nothing was charged (a 40004 business refusal
//   of pay/precreate, or a request refused at the gateway: 20001, 40001, 40002, 40006). Every
//   answer that leaves the trade's state open is `unknown`: 20000, any `*SYSTEM_ERROR`, any
//   `isp.*` sub_code, an unexpected code, missing fields, an amount that does not parse, or an
//   answer echoing another out_trade_no than the one asked about.
// - pay: ACQ.TRADE_HAS_SUCCESS, ACQ.CONTEXT_INCONSISTENT and ACQ.TRADE_BUYER_NOT_MATCH are
//   `unknown`, not `failed` or `paid`: each says a trade with this out_trade_no already exists
//   (a re-sent pay), and only a query can say whether it is paid (payment.machine.ts header).
// - A paid trade's `amount` is Alipay's total_amount (what the trade settles for the sale);
//   buyer_pay_amount can be lower when Alipay funds a discount. `buyer` is the masked
//   buyer_logon_id (else buyer_user_id); `paidAt` is gmt_payment / send_pay_date turned into
//   ISO 8601 with Beijing's +08:00 offset.
// - cancel: 10000 is done (action close/refund as Alipay says; anything else 'none');
//   retry_flag=Y, 20000 and SYSTEM_ERROR are `retry` (same out_trade_no again), as is
//   ACQ.SELLER_BALANCE_NOT_ENOUGH (it can succeed once the merchant's balance is topped up);
//   ACQ.TRADE_NOT_EXIST is `cancelled` with action 'none' (Alipay holds no trade to reverse);
//   any other refusal with retry_flag=N is `failed` (a person must reconcile).
// - close: ACQ.TRADE_STATUS_ERROR / ACQ.REASON_ILLEGAL_STATUS / TRADE_HAS_SUCCESS /
//   TRADE_HAS_FINISHED are `already-paid` (the trade is no longer waiting; the machine queries).
// - refund query: only refund_status=REFUND_SUCCESS is refunded; an answer without it is
//   `not-refunded` (payments.md: the refund did not happen), which is safe because the refund
//   that follows reuses the same out_request_no and cannot refund twice.
// Pure: no I/O.
import type { CancelOutcome, CloseOutcome, PayOutcome, PrecreateOutcome, QueryOutcome, RefundOutcome, RefundQueryOutcome } from '../../domain/payment.ts';
import { fromYuanString } from '../money-strings.ts';

/** The `<method>_response` (or `error_response`) object of a verified answer. */
export type AlipayAnswer = Readonly<Record<string, unknown>>;

export interface RefusalText {
  readonly message: string;
  /** A new attempt with a fresh payment code (or a new QR) may succeed. */
  readonly retryWithNewCode: boolean;
}

const ASK_ANOTHER_WAY = 'ask the customer to pay another way';

/**
 * Business refusals of pay and precreate (code 40004): nothing was charged. Messages are for
 * the cashier: what happened, then what to do.
 */
export const PAY_REFUSALS: Readonly<Record<string, RefusalText>> = {
  'ACQ.PAYMENT_AUTH_CODE_INVALID': { message: 'the payment code is invalid or has expired: ask the customer to refresh it and scan again', retryWithNewCode: true },
  'ACQ.TRADE_HAS_CLOSE': { message: 'this payment attempt was already closed: start again with a new payment code', retryWithNewCode: true },
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': { message: "the customer's Alipay balance is too low: ask them to choose another funding source in Alipay and show a new code", retryWithNewCode: true },
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': { message: "the customer's bank card balance is too low: ask them to choose another card in Alipay and show a new code", retryWithNewCode: true },
  'ACQ.ERROR_BALANCE_PAYMENT_DISABLE': { message: 'paying from the Alipay balance is disabled for this customer: ask them to choose a card in Alipay and show a new code', retryWithNewCode: true },
  'ACQ.MOBILE_PAYMENT_SWITCH_OFF': { message: 'the customer has switched off Alipay payments on their phone: ask them to switch it on and show a new code', retryWithNewCode: true },
  'ACQ.PULL_MOBILE_CASHIER_FAIL': { message: 'Alipay could not ask the customer to confirm on the phone: ask them to show a new code', retryWithNewCode: true },
  'ACQ.PAYMENT_FAIL': { message: 'Alipay declined the payment: ask the customer to show a new code, or to pay another way', retryWithNewCode: true },
  'ACQ.TOTAL_FEE_EXCEED': { message: 'the amount is over what Alipay allows for one payment: take part of it another way', retryWithNewCode: false },
  'ACQ.BEYOND_PAY_RESTRICTION': { message: `the customer has reached an Alipay payment limit: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.BEYOND_PER_RECEIPT_RESTRICTION': { message: `the amount is over the customer's per-payment Alipay limit: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR': { message: `the customer has reached their daily Alipay limit: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR': { message: `the customer has reached their monthly Alipay limit: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.ERROR_BUYER_CERTIFY_LEVEL_LIMIT': { message: `the customer's Alipay account is not verified for this amount: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.BUYER_ENABLE_STATUS_FORBID': { message: `the customer's Alipay account may not pay at the moment: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.PAYMENT_REQUEST_HAS_RISK': { message: `Alipay stopped this payment as risky: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.BUYER_SELLER_EQUAL': { message: `the customer's Alipay account is the merchant's own: ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  'ACQ.INVALID_PARAMETER': { message: "Alipay refused the request as invalid: take another payment method and have the terminal's Alipay settings checked", retryWithNewCode: false },
  'ACQ.ACCESS_FORBIDDEN': { message: 'this merchant account may not take this kind of Alipay payment: take another payment method and have the Alipay contract checked', retryWithNewCode: false },
  'ACQ.SELLER_BEEN_BLOCKED': { message: "the merchant's Alipay account is blocked: take another payment method and contact Alipay", retryWithNewCode: false },
  'ACQ.EXIST_FORBIDDEN_WORD': { message: 'Alipay refused the wording of the payment description: take another payment method and have the description changed', retryWithNewCode: false },
};

/** pay answers that say a trade with this out_trade_no exists already: only a query can tell. */
export const PAY_UNCLEAR_SUB_CODES: ReadonlySet<string> = new Set(['ACQ.SYSTEM_ERROR', 'ACQ.TRADE_HAS_SUCCESS', 'ACQ.CONTEXT_INCONSISTENT', 'ACQ.TRADE_BUYER_NOT_MATCH']);

/** precreate answers that leave a trade with this out_trade_no possibly alive. */
export const PRECREATE_UNCLEAR_SUB_CODES: ReadonlySet<string> = new Set(['ACQ.SYSTEM_ERROR', 'ACQ.TRADE_HAS_SUCCESS', 'ACQ.CONTEXT_INCONSISTENT']);

/** Refusals of cancel (retry_flag=N): the trade needs a person. */
export const CANCEL_REFUSALS: Readonly<Record<string, string>> = {
  'ACQ.TRADE_CANCEL_TIME_OUT': 'the payment is past the 24-hour cancel window: refund it instead',
  'ACQ.CANCEL_NOT_ALLOWED': 'Alipay does not allow cancelling this payment: refund it instead',
  'ACQ.TRADE_HAS_FINISHED': 'the payment is finished and can no longer be cancelled: refund it if it is not wanted',
  'ACQ.INVALID_PARAMETER': "Alipay refused the cancel request as invalid: have the terminal's Alipay settings checked",
  'ACQ.ACCESS_FORBIDDEN': 'this merchant account may not cancel Alipay payments: have the Alipay contract checked',
};

/** close answers meaning the trade is no longer waiting (most likely paid): query it. */
export const CLOSE_NOT_WAITING_SUB_CODES: ReadonlySet<string> = new Set(['ACQ.TRADE_STATUS_ERROR', 'ACQ.REASON_ILLEGAL_STATUS', 'ACQ.TRADE_HAS_SUCCESS', 'ACQ.TRADE_HAS_FINISHED']);

/** Refusals of refund (40004): nothing was refunded by this request. */
export const REFUND_REFUSALS: Readonly<Record<string, string>> = {
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': 'the refund is more than what is left to refund on this payment: check the amount',
  'ACQ.REASON_TRADE_REFUND_FEE_ERR': 'the refund amount is not valid for this payment (it may be more than what is left to refund): check the amount',
  'ACQ.TRADE_NOT_ALLOW_REFUND': 'Alipay does not allow refunding this payment (it may be past the refund window): refund the customer another way',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': "the merchant's Alipay balance is too low for this refund: top it up, then refund again",
  'ACQ.TRADE_NOT_EXIST': 'Alipay has no such payment: check the receipt',
  'ACQ.TRADE_STATUS_ERROR': 'the payment is not in a state that can be refunded (it may be unpaid or fully refunded): check the receipt',
  'ACQ.DISCORDANT_REPEAT_REQUEST': 'a refund with this number was already made with other details: check the refund',
  'ACQ.REASON_TRADE_BEEN_FREEZEN': 'the payment is frozen by Alipay and cannot be refunded now: contact Alipay',
  'ACQ.INVALID_PARAMETER': "Alipay refused the refund request as invalid: have the terminal's Alipay settings checked",
  'ACQ.ACCESS_FORBIDDEN': 'this merchant account may not refund Alipay payments: have the Alipay contract checked',
};

/** Gateway-level refusals: the request never reached the trade (a setup problem). */
export const GATEWAY_REFUSALS: Readonly<Record<string, string>> = {
  '20001': "Alipay refused the terminal's authorization token",
  '40001': 'Alipay says a required parameter is missing',
  '40002': 'Alipay refused a parameter (or the signature)',
  '40006': 'this Alipay app has no permission for this call',
};

const CONFIG_HINT = "have the terminal's Alipay app id, keys and permissions checked";

/** A table entry by a code from the gateway: own keys only ("constructor" is not a code we know). */
function lookup<T>(table: Readonly<Record<string, T>>, code: string): T | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined;
}

function str(a: AlipayAnswer, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' ? v : undefined;
}

/** "40004 ACQ.X (sub_msg)" for logs and `unknown` reasons. */
export function describeAnswer(a: AlipayAnswer): string {
  const parts = [str(a, 'code') ?? '(no code)'];
  const sub = str(a, 'sub_code');
  if (sub) parts.push(sub);
  const msg = str(a, 'sub_msg') ?? str(a, 'msg');
  if (msg) parts.push(`(${msg})`);
  return parts.join(' ');
}

function unknown(reason: string): { kind: 'unknown'; reason: string } {
  return { kind: 'unknown', reason };
}

/** A sub_code that says "the service had a problem": never a business answer. */
export function isSystemError(subCode: string | undefined): boolean {
  return subCode !== undefined && (subCode.endsWith('SYSTEM_ERROR') || subCode.startsWith('isp.'));
}

/** The common preamble of every mapping: `unknown` for anything that is not a clear answer. */
type Classified =
  | { readonly kind: 'success' }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'business'; readonly subCode: string }
  | { readonly kind: 'gateway'; readonly code: string; readonly message: string }
  | { readonly kind: 'unknown'; readonly reason: string };

function classify(a: AlipayAnswer, outTradeNo: string | null): Classified {
  const code = str(a, 'code');
  const echoed = str(a, 'out_trade_no');
  if (outTradeNo !== null && echoed !== undefined && echoed !== outTradeNo) {
    return unknown(`Alipay answered about trade ${echoed}, not ${outTradeNo}`);
  }
  const sub = str(a, 'sub_code');
  if (code === '10000') return { kind: 'success' };
  if (code === '10003') return { kind: 'waiting' };
  if (code === '20000' || isSystemError(sub)) return unknown(`Alipay had a system problem: ${describeAnswer(a)}`);
  if (code === '40004') {
    if (sub === undefined || sub === '') return unknown(`Alipay refused without saying why: ${describeAnswer(a)}`);
    return { kind: 'business', subCode: sub };
  }
  const gateway = code === undefined ? undefined : lookup(GATEWAY_REFUSALS, code);
  if (gateway !== undefined && code !== undefined) {
    const detail = str(a, 'sub_msg') ?? str(a, 'sub_code') ?? str(a, 'msg');
    return { kind: 'gateway', code: sub ?? code, message: `${gateway}${detail ? ` (${detail})` : ''}` };
  }
  return unknown(`unexpected answer from Alipay: ${describeAnswer(a)}`);
}

/** "2024-05-13 17:49:20" (Beijing time) → "2024-05-13T17:49:20+08:00"; other text as sent. */
export function beijingIso(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text);
  return m ? `${m[1]}T${m[2]}+08:00` : text;
}

type Paid = { kind: 'paid'; tradeNo: string; amount: number; buyer: string | null; paidAt: string | null };

function paidTrade(a: AlipayAnswer, paidAtKey: string): Paid | { kind: 'unknown'; reason: string } {
  const tradeNo = str(a, 'trade_no');
  if (!tradeNo) return unknown('Alipay said paid but sent no trade_no');
  const amount = fromYuanString(a.total_amount);
  if (amount === null || amount <= 0) return unknown(`Alipay said paid but the total_amount ${JSON.stringify(a.total_amount)} is not an amount`);
  const buyer = str(a, 'buyer_logon_id') || str(a, 'buyer_user_id') || null;
  return { kind: 'paid', tradeNo, amount, buyer, paidAt: beijingIso(str(a, paidAtKey)) };
}

function payRefusal(subCode: string, a: AlipayAnswer, fallback: string): { kind: 'failed'; code: string; message: string; retryWithNewCode: boolean } {
  const known = lookup(PAY_REFUSALS, subCode);
  if (known) return { kind: 'failed', code: subCode, ...known };
  const why = str(a, 'sub_msg') ?? subCode;
  return { kind: 'failed', code: subCode, message: `${fallback} (${why}): ${ASK_ANOTHER_WAY}`, retryWithNewCode: false };
}

function gatewayRefusal(c: { code: string; message: string }): { kind: 'failed'; code: string; message: string; retryWithNewCode: false } {
  return { kind: 'failed', code: c.code, message: `${c.message}: take another payment method and ${CONFIG_HINT}`, retryWithNewCode: false };
}

/** alipay.trade.pay (barcode). */
export function payOutcome(a: AlipayAnswer, outTradeNo: string): PayOutcome {
  const c = classify(a, outTradeNo);
  switch (c.kind) {
    case 'success':
      return paidTrade(a, 'gmt_payment');
    case 'waiting':
      return { kind: 'waiting', tradeNo: str(a, 'trade_no') || null };
    case 'business':
      if (PAY_UNCLEAR_SUB_CODES.has(c.subCode)) return unknown(`a trade with this number may exist already: ${describeAnswer(a)}`);
      return payRefusal(c.subCode, a, 'Alipay refused the payment');
    case 'gateway':
      return gatewayRefusal(c);
    case 'unknown':
      return c;
  }
}

/** alipay.trade.precreate (merchant QR). */
export function precreateOutcome(a: AlipayAnswer, outTradeNo: string): PrecreateOutcome {
  const c = classify(a, outTradeNo);
  switch (c.kind) {
    case 'success': {
      const qrCode = str(a, 'qr_code');
      return qrCode ? { kind: 'created', qrCode } : unknown('Alipay created the QR trade but sent no qr_code');
    }
    case 'waiting':
      return unknown(`unexpected answer to precreate: ${describeAnswer(a)}`);
    case 'business':
      if (PRECREATE_UNCLEAR_SUB_CODES.has(c.subCode)) return unknown(`a trade with this number may exist already: ${describeAnswer(a)}`);
      if (c.subCode === 'ACQ.TRADE_HAS_CLOSE') {
        return { kind: 'failed', code: c.subCode, message: 'this QR payment attempt was already closed: start the QR payment again', retryWithNewCode: true };
      }
      return payRefusal(c.subCode, a, 'Alipay could not create the QR code');
    case 'gateway':
      return gatewayRefusal(c);
    case 'unknown':
      return c;
  }
}

/** alipay.trade.query. */
export function queryOutcome(a: AlipayAnswer, outTradeNo: string): QueryOutcome {
  const c = classify(a, outTradeNo);
  if (c.kind === 'unknown') return c;
  if (c.kind === 'business' && c.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not-found' };
  if (c.kind !== 'success') return unknown(`Alipay could not say how the trade stands: ${describeAnswer(a)}`);
  const status = str(a, 'trade_status');
  switch (status) {
    case 'WAIT_BUYER_PAY':
      return { kind: 'waiting' };
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return paidTrade(a, 'send_pay_date');
    case 'TRADE_CLOSED':
      return { kind: 'closed' };
    default:
      return unknown(`Alipay sent an unknown trade_status ${JSON.stringify(a.trade_status)}`);
  }
}

/** alipay.trade.cancel (reverse a barcode payment whatever its state). */
export function cancelOutcome(a: AlipayAnswer, outTradeNo: string): CancelOutcome {
  const c = classify(a, outTradeNo);
  if (c.kind === 'success') {
    const action = str(a, 'action');
    return { kind: 'cancelled', action: action === 'close' || action === 'refund' ? action : 'none' };
  }
  if (str(a, 'retry_flag') === 'Y') return { kind: 'retry', reason: `Alipay asks to cancel again: ${describeAnswer(a)}` };
  if (c.kind === 'unknown') return { kind: 'retry', reason: c.reason };
  if (c.kind === 'gateway') return { kind: 'failed', code: c.code, message: `${c.message}: ${CONFIG_HINT}`, retryWithNewCode: false };
  if (c.kind === 'waiting') return { kind: 'retry', reason: `unexpected answer to cancel: ${describeAnswer(a)}` };
  if (c.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'cancelled', action: 'none' };
  if (c.subCode === 'ACQ.SELLER_BALANCE_NOT_ENOUGH') {
    return { kind: 'retry', reason: "the merchant's Alipay balance is too low to give the money back: top it up" };
  }
  const message = lookup(CANCEL_REFUSALS, c.subCode) ?? `Alipay refused to cancel the payment (${str(a, 'sub_msg') ?? c.subCode})`;
  return { kind: 'failed', code: c.subCode, message, retryWithNewCode: false };
}

/** alipay.trade.close (an unpaid QR trade; never refunds). */
export function closeOutcome(a: AlipayAnswer, outTradeNo: string): CloseOutcome {
  const c = classify(a, outTradeNo);
  switch (c.kind) {
    case 'success':
      return { kind: 'closed' };
    case 'unknown':
      return c;
    case 'gateway':
      return { kind: 'failed', code: c.code, message: `${c.message}: ${CONFIG_HINT}`, retryWithNewCode: false };
    case 'waiting':
      return unknown(`unexpected answer to close: ${describeAnswer(a)}`);
    case 'business':
      if (c.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not-found' };
      if (CLOSE_NOT_WAITING_SUB_CODES.has(c.subCode)) return { kind: 'already-paid' };
      return { kind: 'failed', code: c.subCode, message: `Alipay refused to close the QR trade (${str(a, 'sub_msg') ?? c.subCode})`, retryWithNewCode: false };
  }
}

/** alipay.trade.refund (partial or full, idempotent by out_request_no). */
export function refundOutcome(a: AlipayAnswer, outTradeNo: string): RefundOutcome {
  const c = classify(a, outTradeNo);
  switch (c.kind) {
    case 'success': {
      const refundedTotal = fromYuanString(a.refund_fee);
      if (refundedTotal === null) return unknown(`Alipay accepted the refund but its refund_fee ${JSON.stringify(a.refund_fee)} is not an amount`);
      const fundChange = str(a, 'fund_change');
      if (fundChange !== 'Y' && fundChange !== 'N') return unknown(`Alipay accepted the refund but fund_change is ${JSON.stringify(a.fund_change)}`);
      return { kind: 'refunded', refundedTotal, fundChange: fundChange === 'Y' };
    }
    case 'unknown':
      return c;
    case 'waiting':
      return unknown(`unexpected answer to refund: ${describeAnswer(a)}`);
    case 'gateway':
      return { kind: 'failed', code: c.code, message: `${c.message}: ${CONFIG_HINT}`, retryWithNewCode: false };
    case 'business': {
      const message = lookup(REFUND_REFUSALS, c.subCode) ?? `Alipay refused the refund (${str(a, 'sub_msg') ?? c.subCode})`;
      return { kind: 'failed', code: c.subCode, message, retryWithNewCode: false };
    }
  }
}

/** alipay.trade.fastpay.refund.query. */
export function refundQueryOutcome(a: AlipayAnswer, outTradeNo: string, outRequestNo: string): RefundQueryOutcome {
  const c = classify(a, outTradeNo);
  if (c.kind === 'unknown') return c;
  if (c.kind === 'business' && c.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not-refunded' };
  if (c.kind !== 'success') return unknown(`Alipay could not say whether the refund was made: ${describeAnswer(a)}`);
  const status = a.refund_status;
  if (status === undefined || status === null || status === '') return { kind: 'not-refunded' };
  if (status !== 'REFUND_SUCCESS') return unknown(`Alipay sent an unknown refund_status ${JSON.stringify(status)}`);
  const echoed = str(a, 'out_request_no');
  if (echoed !== undefined && echoed !== outRequestNo) return unknown(`Alipay answered about refund ${echoed}, not ${outRequestNo}`);
  const amount = fromYuanString(a.refund_amount);
  if (amount === null) return unknown(`Alipay said refunded but refund_amount ${JSON.stringify(a.refund_amount)} is not an amount`);
  return { kind: 'refunded', amount };
}
