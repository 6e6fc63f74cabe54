// WeChat Pay v2 answers (flat XML fields, already signature-checked by the provider) mapped
// onto the wallet contract's outcomes (src/domain/payment.ts), with the cashier's message for
// every refusal. Apart from the HTTP code so the tables can be read against
// ../shared/reference/payments.md §5 and tested without a network.
//
// Decisions:
// - WeChat answers in two layers: return_code (did the call get through) then result_code /
//   err_code (the business answer). Only a verified return_code=SUCCESS answer reaches these
//   functions; return_code=FAIL is unsigned and becomes `unknown` in the provider.
// - micropay: SYSTEMERROR and BANKERROR are `unknown` (WeChat: query after 5 s); ORDERPAID,
//   OUT_TRADE_NO_USED and BUYER_MISMATCH are `unknown` too, because each says a trade with this
//   out_trade_no exists already and only a query can say whether it is paid. USERPAYING is
//   `waiting`. Every other err_code is a refusal (WeChat: all other codes mean not paid).
// - orderquery: SUCCESS and REFUND (paid, then partly or wholly refunded) are `paid`;
//   USERPAYING and ACCEPT are `waiting`; CLOSED, REVOKED and PAYERROR are `closed`. NOTPAY is
//   `waiting`, not `closed`: a micropay trade can read NOTPAY while WeChat is still working on
//   the pay request, and `closed` would end the attempt without the reverse that the deadline
//   brings (a trade that is really unpaid is closed by that reverse all the same).
// - reverse: success is `cancelled` with action 'none' (WeChat does not say whether money went
//   back); recall=Y or SYSTEMERROR is `retry`; ORDERNOTEXIST is `cancelled` 'none' (nothing to
//   reverse); any other refusal is `failed` (a person must reconcile).
// - refundquery: SUCCESS and PROCESSING (accepted, money on its way) are `refunded`;
//   REFUNDCLOSE and REFUNDNOTEXIST are `not-refunded` (the refund machine refunds again with
//   the same out_refund_no); CHANGE (the bank bounced it) is `unknown`, since a manager must
//   finish it on the merchant platform.
// - A paid trade's amount is total_fee (what the sale settles for; cash_fee can be lower
//   with a WeChat-funded coupon); `buyer` is the openid; `paidAt` is time_end as ISO 8601
//   with Beijing's +08:00 offset.
// Pure: no I/O.
import type { CancelOutcome, PayOutcome, QueryOutcome, RefundQueryOutcome } from '../../domain/payment.ts';
import { fromFenString } from '../money-strings.ts';

export type WechatFields = Readonly<Record<string, string>>;

export interface RefusalText {
  readonly message: string;
  readonly retryWithNewCode: boolean;
}

const ASK_ANOTHER_WAY = 'ask the customer to pay another way';
const SETUP = "take another payment method and have the terminal's WeChat Pay settings checked";

/** micropay err_codes that refuse the payment: nothing was charged. */
export const MICROPAY_REFUSALS: Readonly<Record<string, RefusalText>> = {
  AUTHCODEEXPIRE: { message: 'the payment code has expired: ask the customer to refresh it and scan again', retryWithNewCode: true },
  AUTH_CODE_ERROR: { message: 'the payment code is not valid: ask the customer to refresh it and scan again', retryWithNewCode: true },
  AUTH_CODE_INVALID: { message: 'the payment code could not be verified: ask the customer to refresh it and scan again', retryWithNewCode: true },
  NOTENOUGH: { message: "the customer's balance is too low: ask them to choose another card in WeChat and show a new code", retryWithNewCode: true },
  NOTSUPORTCARD: { message: "the customer's card cannot be used here: ask them to choose another card in WeChat and show a new code", retryWithNewCode: true },
  ORDERCLOSED: { message: 'this payment attempt was already closed: start again with a new payment code', retryWithNewCode: true },
  ORDERREVERSED: { message: 'this payment attempt was already cancelled: start again with a new payment code', retryWithNewCode: true },
  TRADE_ERROR: { message: `WeChat Pay declined the payment (account or risk rules): ${ASK_ANOTHER_WAY}`, retryWithNewCode: false },
  PARAM_ERROR: { message: `WeChat Pay refused the request as invalid: ${SETUP}`, retryWithNewCode: false },
  NOAUTH: { message: `this merchant account may not take WeChat Pay micropay: ${SETUP}`, retryWithNewCode: false },
  APPID_NOT_EXIST: { message: `WeChat Pay does not know the app id: ${SETUP}`, retryWithNewCode: false },
  MCHID_NOT_EXIST: { message: `WeChat Pay does not know the merchant id: ${SETUP}`, retryWithNewCode: false },
  APPID_MCHID_NOT_MATCH: { message: `the app id and merchant id do not belong together: ${SETUP}`, retryWithNewCode: false },
  LACK_PARAMS: { message: `WeChat Pay says a parameter is missing: ${SETUP}`, retryWithNewCode: false },
  INVALID_REQUEST: { message: `WeChat Pay refused the request: ${SETUP}`, retryWithNewCode: false },
  XML_FORMAT_ERROR: { message: `WeChat Pay could not read the request: ${SETUP}`, retryWithNewCode: false },
  REQUIRE_POST_METHOD: { message: `WeChat Pay refused the request method: ${SETUP}`, retryWithNewCode: false },
  SIGNERROR: { message: `WeChat Pay refused the request signature (wrong API key?): ${SETUP}`, retryWithNewCode: false },
  NOT_UTF8: { message: `WeChat Pay refused the request encoding: ${SETUP}`, retryWithNewCode: false },
};

/** micropay err_codes after which only a query can tell whether the trade is paid. */
export const MICROPAY_UNCLEAR: ReadonlySet<string> = new Set(['SYSTEMERROR', 'BANKERROR', 'ORDERPAID', 'OUT_TRADE_NO_USED', 'BUYER_MISMATCH']);

/** reverse err_codes that refuse for good (recall=N): a person must reconcile. */
export const REVERSE_REFUSALS: Readonly<Record<string, string>> = {
  REVERSE_EXPIRE: 'the payment is past the 7-day cancel window: refund it instead',
  TRADE_ERROR: 'WeChat Pay does not allow cancelling this payment: refund it instead',
  INVALID_TRANSACTIONID: 'WeChat Pay does not recognise the transaction: check it on the merchant platform',
  PARAM_ERROR: "WeChat Pay refused the cancel request as invalid: have the terminal's WeChat Pay settings checked",
  SIGNERROR: "WeChat Pay refused the cancel request's signature (wrong API key?)",
  INVALID_REQUEST: 'WeChat Pay refused the cancel request',
};

/** refund err_codes that leave the refund's outcome open: ask again with the same key. */
export const REFUND_UNCLEAR: ReadonlySet<string> = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED', 'INVALID_REQ_TOO_MUCH']);

/** refund err_codes that refuse: nothing was refunded by this request. */
export const REFUND_REFUSALS: Readonly<Record<string, string>> = {
  TRADE_OVERDUE: 'the payment is past the one-year refund window: refund the customer another way',
  USER_ACCOUNT_ABNORMAL: "the customer's WeChat account cannot receive refunds: refund the customer another way",
  NOTENOUGH: "the merchant's WeChat Pay balance is too low for this refund: top it up, then refund again",
  INVALID_TRANSACTIONID: 'WeChat Pay does not recognise the payment: check the receipt',
  PARAM_ERROR: 'WeChat Pay refused the refund as invalid (is the amount more than what is left?): check the amount',
  ERROR: 'WeChat Pay refused the refund',
  INVALID_REQUEST: 'WeChat Pay refused the refund (is it more than what is left to refund?)',
  TRADE_STATE_ERROR: 'the payment is not in a state that can be refunded: check the receipt',
  APPID_NOT_EXIST: "WeChat Pay does not know the app id: have the terminal's WeChat Pay settings checked",
  MCHID_NOT_EXIST: "WeChat Pay does not know the merchant id: have the terminal's WeChat Pay settings checked",
  REQUIRE_POST_METHOD: 'WeChat Pay refused the refund request method',
  SIGNERROR: "WeChat Pay refused the refund's signature (wrong API key?)",
  XML_FORMAT_ERROR: 'WeChat Pay could not read the refund request',
};

/** A table entry by a code from the gateway: own keys only ("constructor" is not a code we know). */
function lookup<T>(table: Readonly<Record<string, T>>, code: string): T | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined;
}

function unknown(reason: string): { kind: 'unknown'; reason: string } {
  return { kind: 'unknown', reason };
}

export function describeFields(f: WechatFields): string {
  const parts = [f.result_code ?? '(no result_code)'];
  if (f.err_code) parts.push(f.err_code);
  if (f.err_code_des) parts.push(`(${f.err_code_des})`);
  return parts.join(' ');
}

/** "20240513174920" (Beijing time) → "2024-05-13T17:49:20+08:00"; other text as sent. */
export function timeEndIso(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00` : text;
}

/** Answers naming another trade than the one asked about are never taken. */
function otherTrade(f: WechatFields, outTradeNo: string): string | null {
  const echoed = f.out_trade_no;
  return echoed !== undefined && echoed !== '' && echoed !== outTradeNo ? `WeChat Pay answered about trade ${echoed}, not ${outTradeNo}` : null;
}

type Paid = { kind: 'paid'; tradeNo: string; amount: number; buyer: string | null; paidAt: string | null };

function paidTrade(f: WechatFields): Paid | { kind: 'unknown'; reason: string } {
  const tradeNo = f.transaction_id;
  if (!tradeNo) return unknown('WeChat Pay said paid but sent no transaction_id');
  const amount = fromFenString(f.total_fee);
  if (amount === null || amount <= 0) return unknown(`WeChat Pay said paid but total_fee ${JSON.stringify(f.total_fee)} is not an amount`);
  return { kind: 'paid', tradeNo, amount, buyer: f.openid || null, paidAt: timeEndIso(f.time_end) };
}

/** pay/micropay. */
export function micropayOutcome(f: WechatFields, outTradeNo: string): PayOutcome {
  const other = otherTrade(f, outTradeNo);
  if (other) return unknown(other);
  if (f.result_code === 'SUCCESS') return paidTrade(f);
  if (f.result_code !== 'FAIL') return unknown(`unexpected result_code from WeChat Pay: ${describeFields(f)}`);
  const code = f.err_code ?? '';
  if (code === 'USERPAYING') return { kind: 'waiting', tradeNo: f.transaction_id || null };
  if (code === '' || MICROPAY_UNCLEAR.has(code)) return unknown(`WeChat Pay could not say whether the customer paid: ${describeFields(f)}`);
  const known = lookup(MICROPAY_REFUSALS, code);
  if (known) return { kind: 'failed', code, ...known };
  return { kind: 'failed', code, message: `WeChat Pay refused the payment (${f.err_code_des || code}): ${ASK_ANOTHER_WAY}`, retryWithNewCode: false };
}

/** pay/orderquery. */
export function orderQueryOutcome(f: WechatFields, outTradeNo: string): QueryOutcome {
  const other = otherTrade(f, outTradeNo);
  if (other) return unknown(other);
  if (f.result_code === 'FAIL') {
    return f.err_code === 'ORDERNOTEXIST' ? { kind: 'not-found' } : unknown(`WeChat Pay could not say how the trade stands: ${describeFields(f)}`);
  }
  if (f.result_code !== 'SUCCESS') return unknown(`unexpected result_code from WeChat Pay: ${describeFields(f)}`);
  switch (f.trade_state) {
    case 'SUCCESS':
    case 'REFUND':
      return paidTrade(f);
    case 'USERPAYING':
    case 'ACCEPT':
    case 'NOTPAY':
      return { kind: 'waiting' };
    case 'CLOSED':
    case 'REVOKED':
    case 'PAYERROR':
      return { kind: 'closed' };
    default:
      return unknown(`WeChat Pay sent an unknown trade_state ${JSON.stringify(f.trade_state)}`);
  }
}

/** secapi/pay/reverse. */
export function reverseOutcome(f: WechatFields, outTradeNo: string): CancelOutcome {
  const other = otherTrade(f, outTradeNo);
  if (other) return { kind: 'retry', reason: other };
  if (f.result_code === 'SUCCESS') return { kind: 'cancelled', action: 'none' };
  if (f.recall === 'Y') return { kind: 'retry', reason: `WeChat Pay asks to cancel again: ${describeFields(f)}` };
  if (f.result_code !== 'FAIL') return { kind: 'retry', reason: `unexpected result_code from WeChat Pay: ${describeFields(f)}` };
  const code = f.err_code ?? '';
  if (code === '' || code === 'SYSTEMERROR' || code === 'BANKERROR' || code === 'USERPAYING') {
    return { kind: 'retry', reason: `WeChat Pay could not cancel yet: ${describeFields(f)}` };
  }
  if (code === 'ORDERNOTEXIST') return { kind: 'cancelled', action: 'none' };
  const message = lookup(REVERSE_REFUSALS, code) ?? `WeChat Pay refused to cancel the payment (${f.err_code_des || code})`;
  return { kind: 'failed', code, message, retryWithNewCode: false };
}

/** secapi/pay/refund: accepted (then confirmed by the refund list), refused or unclear. */
export function refundAcceptance(
  f: WechatFields,
  outTradeNo: string,
  outRefundNo: string,
): { kind: 'accepted' } | { kind: 'failed'; code: string; message: string; retryWithNewCode: false } | { kind: 'unknown'; reason: string } {
  const other = otherTrade(f, outTradeNo);
  if (other) return unknown(other);
  if (f.result_code === 'SUCCESS') {
    if (f.out_refund_no !== undefined && f.out_refund_no !== outRefundNo) return unknown(`WeChat Pay answered about refund ${f.out_refund_no}, not ${outRefundNo}`);
    return { kind: 'accepted' };
  }
  if (f.result_code !== 'FAIL') return unknown(`unexpected result_code from WeChat Pay: ${describeFields(f)}`);
  const code = f.err_code ?? '';
  if (code === '' || REFUND_UNCLEAR.has(code)) return unknown(`WeChat Pay could not say whether it refunded: ${describeFields(f)}`);
  const known = lookup(REFUND_REFUSALS, code);
  // ERROR and INVALID_REQUEST are catch-alls: WeChat's own words say which case it was.
  const withWords = (code === 'ERROR' || code === 'INVALID_REQUEST') && f.err_code_des;
  const message = known === undefined ? `WeChat Pay refused the refund (${f.err_code_des || code})` : withWords ? `${known}: ${f.err_code_des}` : known;
  return { kind: 'failed', code, message, retryWithNewCode: false };
}

export interface RefundEntry {
  readonly outRefundNo: string;
  readonly amount: number;
  /** SUCCESS, PROCESSING, REFUNDCLOSE or CHANGE. */
  readonly status: string;
}

/** The numbered refund list of a pay/refundquery answer; null when it is malformed. */
export function refundEntries(f: WechatFields): RefundEntry[] | null {
  const count = fromFenString(f.refund_count);
  if (count === null || count > 100) return null;
  const entries: RefundEntry[] = [];
  for (let n = 0; n < count; n++) {
    const outRefundNo = f[`out_refund_no_${n}`];
    const amount = fromFenString(f[`refund_fee_${n}`]);
    const status = f[`refund_status_${n}`];
    if (!outRefundNo || amount === null || !status) return null;
    entries.push({ outRefundNo, amount, status });
  }
  return entries;
}

/** Statuses under which the money has left (or is leaving) the merchant. */
export const REFUND_MONEY_GONE: ReadonlySet<string> = new Set(['SUCCESS', 'PROCESSING', 'CHANGE']);

/** pay/refundquery asked by out_refund_no. */
export function refundQueryOutcome(f: WechatFields, outTradeNo: string, outRefundNo: string): RefundQueryOutcome {
  const other = otherTrade(f, outTradeNo);
  if (other) return unknown(other);
  if (f.result_code === 'FAIL') {
    return f.err_code === 'REFUNDNOTEXIST' ? { kind: 'not-refunded' } : unknown(`WeChat Pay could not say whether it refunded: ${describeFields(f)}`);
  }
  if (f.result_code !== 'SUCCESS') return unknown(`unexpected result_code from WeChat Pay: ${describeFields(f)}`);
  const entries = refundEntries(f);
  if (entries === null) return unknown('WeChat Pay sent a malformed refund list');
  const entry = entries.find((e) => e.outRefundNo === outRefundNo);
  if (entry === undefined || entry.status === 'REFUNDCLOSE') return { kind: 'not-refunded' };
  if (entry.status === 'SUCCESS' || entry.status === 'PROCESSING') return { kind: 'refunded', amount: entry.amount };
  if (entry.status === 'CHANGE') {
    return unknown("the customer's bank refused the refund (CHANGE): a manager must finish it on the WeChat Pay merchant platform");
  }
  return unknown(`WeChat Pay sent an unknown refund_status ${JSON.stringify(entry.status)}`);
}
