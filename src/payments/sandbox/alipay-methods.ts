// The business half of the Alipay v2 gateway: one function per method, from a verified
// request's biz_content to the `xxx_response` body, with the codes and sub_codes of
// payments.md §1. Protocol work (parameters, signatures, faults) is in alipay-gateway.ts;
// the trade rules themselves are in trade-book.ts.
//
// Decisions:
// - Amounts are yuan strings parsed exactly (parseMoney, CNY); a JSON number is read through
//   its shortest decimal text (88.8 → "88.8"), never as a float sum. Zero, negative, more than
//   two decimals → ACQ.INVALID_PARAMETER; above `maxTotalFen` → ACQ.TOTAL_FEE_EXCEED.
//   Amounts go out as "88.88" (formatMoney).
// - A missing or malformed business field is 40004 ACQ.INVALID_PARAMETER whose sub_msg names
//   the field and what was expected.
// - Refusals of alipay.trade.pay echo out_trade_no and "0.00" amounts, as Alipay does.
// - timeout_express / qr_code_timeout_express accept Nm, Nh, Nd (1m–15d) and 1c (end of the
//   GMT+8 day). A barcode payment waiting for the password, and a scanned QR trade, wait
//   15 days by default (Alipay's longest), so a terminal that forgets to cancel is visible; an
//   unscanned QR code stays payable 2 hours by default.
// - Refunds without out_request_no use the trade's out_trade_no as the request number (one
//   such refund per trade); refund query requires out_request_no.
// - Bills: bill_type "trade" and a bill_date "yyyy-MM-dd" up to today (the sandbox does not make
//   you wait for T+1); later dates are 40004 isp.bill_not_exist.
import { formatMoney, MoneyError, parseMoney } from '../../domain/money.ts';
import { beijingDate, beijingDayRange, formatBeijing } from './beijing-time.ts';
import type { BillService } from './bill.ts';
import type { BuyerRow, Ledger, TradeRow } from './ledger.ts';
import type { TradeBook, TradeRef } from './trade-book.ts';

export type ResponseBody = Record<string, unknown>;

export interface MethodContext {
  /** The app_id the request was signed for. */
  readonly merchant: string;
  readonly biz: Readonly<Record<string, unknown>>;
  readonly book: TradeBook;
  readonly ledger: Ledger;
  readonly bills: BillService;
  readonly now: number;
  readonly maxTotalFen: number;
}

export type AlipayMethod = (ctx: MethodContext) => ResponseBody;

/** A business refusal found while reading the request: answered as 40004 with this sub_code. */
export class BizError extends Error {
  constructor(
    readonly subCode: string,
    readonly subMsg: string,
  ) {
    super(`${subCode}: ${subMsg}`);
  }
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
export const DEFAULT_WAIT_LIMIT_MS = 15 * DAY;
export const DEFAULT_QR_LIMIT_MS = 2 * 60 * MINUTE;

const SUB_MSG: Readonly<Record<string, string>> = {
  'ACQ.PAYMENT_AUTH_CODE_INVALID': '支付失败，付款码无效，请顾客刷新付款码后重新收款',
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': '买家余额不足',
  'ACQ.TRADE_HAS_SUCCESS': '交易已被支付',
  'ACQ.TRADE_HAS_CLOSE': '交易已经关闭',
  'ACQ.CONTEXT_INCONSISTENT': '交易信息被篡改',
  'ACQ.TRADE_BUYER_NOT_MATCH': '交易买家不匹配',
  'ACQ.TRADE_NOT_EXIST': '交易不存在',
  'ACQ.TRADE_STATUS_ERROR': '交易状态不合法',
  'ACQ.TRADE_CANCEL_TIME_OUT': '超过撤销时间范围',
  'ACQ.TRADE_HAS_FINISHED': '交易已完结',
  'ACQ.TRADE_NOT_ALLOW_REFUND': '当前交易不允许退款',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': '退款金额超限',
  'ACQ.REASON_TRADE_REFUND_FEE_ERR': '交易已经发生过退款，不能撤销',
  'ACQ.SYSTEM_ERROR': '系统错误',
};

export function failure(subCode: string, subMsg = SUB_MSG[subCode] ?? subCode, extra: ResponseBody = {}): ResponseBody {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...extra };
}

export const yuan = (fen: number): string => formatMoney({ amount: fen, currency: 'CNY' });

function text(biz: Readonly<Record<string, unknown>>, key: string, max: number, required: true): string;
function text(biz: Readonly<Record<string, unknown>>, key: string, max: number, required?: false): string | null;
function text(biz: Readonly<Record<string, unknown>>, key: string, max: number, required = false): string | null {
  const v = biz[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} is required`);
    return null;
  }
  if (typeof v !== 'string') throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} must be a string, got ${JSON.stringify(v)}`);
  if (v.length > max) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} is longer than ${max} characters`);
  return v;
}

const ORDER_NO = /^[A-Za-z0-9_]{1,64}$/;

function orderNo(biz: Readonly<Record<string, unknown>>, key: string, required: true): string;
function orderNo(biz: Readonly<Record<string, unknown>>, key: string, required?: false): string | null;
function orderNo(biz: Readonly<Record<string, unknown>>, key: string, required = false): string | null {
  const v = required ? text(biz, key, 64, true) : text(biz, key, 64);
  if (v !== null && !ORDER_NO.test(v)) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} must be 1–64 characters of letters, digits and _, got ${JSON.stringify(v)}`);
  return v;
}

/** An amount in fen from "88.88" (or a JSON number), 1 fen up to `max`. */
export function amountFen(biz: Readonly<Record<string, unknown>>, key: string, max: number, overSubCode = 'ACQ.INVALID_PARAMETER'): number {
  const v = biz[key];
  if (v === undefined || v === null || v === '') throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} is required`);
  const raw = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
  if (typeof raw !== 'string') throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} must be an amount in yuan such as "88.88", got ${JSON.stringify(v)}`);
  let fen: number;
  try {
    fen = parseMoney(raw, 'CNY').amount;
  } catch (err) {
    if (err instanceof MoneyError) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key}: ${err.message}`);
    throw err;
  }
  if (fen <= 0) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} must be at least 0.01, got "${raw}"`);
  if (fen > max) throw new BizError(overSubCode, overSubCode === 'ACQ.TOTAL_FEE_EXCEED' ? `订单金额超过限额 (${yuan(max)})` : `参数无效: ${key} must be at most ${yuan(max)}`);
  return fen;
}

/** timeout_express: Nm / Nh / Nd within 1m–15d, or 1c (until the end of today, GMT+8). */
export function timeLimitMs(biz: Readonly<Record<string, unknown>>, key: string, now: number, fallback: number): number {
  const v = text(biz, key, 8);
  if (v === null) return fallback;
  if (v === '1c') {
    const range = beijingDayRange(beijingDate(now));
    return (range?.end ?? now) - now;
  }
  const m = /^(\d{1,5})([mhd])$/.exec(v);
  const ms = m === null ? NaN : Number(m[1]) * { m: MINUTE, h: 60 * MINUTE, d: DAY }[m[2] as 'm' | 'h' | 'd'];
  if (!(ms >= MINUTE && ms <= 15 * DAY)) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: ${key} must be 1m–15d (e.g. "90m", "2h", "1d") or "1c", got ${JSON.stringify(v)}`);
  return ms;
}

function refOf(biz: Readonly<Record<string, unknown>>): TradeRef {
  const tradeNo = text(biz, 'trade_no', 64);
  const outTradeNo = orderNo(biz, 'out_trade_no');
  if (tradeNo === null && outTradeNo === null) throw new BizError('ACQ.INVALID_PARAMETER', '参数无效: give trade_no or out_trade_no');
  return { tradeNo: tradeNo ?? undefined, outTradeNo: outTradeNo ?? undefined };
}

function buyerOf(ledger: Ledger, trade: TradeRow): BuyerRow | undefined {
  return trade.buyerId === null ? undefined : ledger.buyer(trade.buyerId);
}

function paidAmounts(trade: TradeRow): ResponseBody {
  const paid = trade.paidAt !== null;
  const amount = paid ? yuan(trade.totalFen) : '0.00';
  return { receipt_amount: amount, buyer_pay_amount: amount, point_amount: '0.00', invoice_amount: amount };
}

function fundBills(trade: TradeRow): ResponseBody {
  return trade.paidAt === null ? {} : { fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: yuan(trade.totalFen) }] };
}

function optional(fields: Record<string, string | null>): ResponseBody {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
}

const ZERO_AMOUNTS = { buyer_pay_amount: '0.00', invoice_amount: '0.00', point_amount: '0.00', receipt_amount: '0.00' };

/** What a refusal of `method` echoes from the request: out_trade_no, and "0.00" amounts for pay. */
export function refusalEcho(method: string, biz: Readonly<Record<string, unknown>>): ResponseBody {
  const echo: ResponseBody = typeof biz.out_trade_no === 'string' ? { out_trade_no: biz.out_trade_no } : {};
  return method === 'alipay.trade.pay' ? { ...echo, ...ZERO_AMOUNTS } : echo;
}

const pay: AlipayMethod = ({ merchant, biz, book, now, maxTotalFen }) => {
  const outTradeNo = orderNo(biz, 'out_trade_no', true);
  const scene = text(biz, 'scene', 32, true);
  if (scene !== 'bar_code') throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: scene must be "bar_code" (the sandbox has no face pay), got ${JSON.stringify(scene)}`);
  const authCode = text(biz, 'auth_code', 64, true);
  const subject = text(biz, 'subject', 256, true);
  const productCode = text(biz, 'product_code', 64);
  if (productCode !== null && productCode !== 'FACE_TO_FACE_PAYMENT') throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: product_code must be FACE_TO_FACE_PAYMENT, got ${JSON.stringify(productCode)}`);
  const totalFen = amountFen(biz, 'total_amount', maxTotalFen, 'ACQ.TOTAL_FEE_EXCEED');
  const r = book.pay({
    wallet: 'alipay',
    merchant,
    outTradeNo,
    authCode,
    totalFen,
    subject,
    storeId: text(biz, 'store_id', 32),
    terminalId: text(biz, 'terminal_id', 32),
    operatorId: text(biz, 'operator_id', 28),
    waitLimitMs: timeLimitMs(biz, 'timeout_express', now, DEFAULT_WAIT_LIMIT_MS),
  });
  if (r.kind === 'refused') {
    const subCode = {
      'code-invalid': 'ACQ.PAYMENT_AUTH_CODE_INVALID',
      'code-expired': 'ACQ.PAYMENT_AUTH_CODE_INVALID',
      balance: 'ACQ.BUYER_BALANCE_NOT_ENOUGH',
      'has-success': 'ACQ.TRADE_HAS_SUCCESS',
      'has-close': 'ACQ.TRADE_HAS_CLOSE',
      inconsistent: 'ACQ.CONTEXT_INCONSISTENT',
      'buyer-mismatch': 'ACQ.TRADE_BUYER_NOT_MATCH',
    }[r.reason];
    const subMsg = r.reason === 'code-expired' ? '支付失败，付款码已过期，请顾客刷新付款码后重新收款' : SUB_MSG[subCode];
    const known = r.trade !== null && r.reason !== 'inconsistent' ? { trade_no: r.trade.tradeNo } : {};
    return failure(subCode, subMsg, { out_trade_no: outTradeNo, ...known, ...ZERO_AMOUNTS });
  }
  const t = r.trade;
  const common = {
    trade_no: t.tradeNo,
    out_trade_no: t.outTradeNo,
    buyer_logon_id: r.buyer.alipayLogonId,
    total_amount: yuan(t.totalFen),
    ...paidAmounts(t),
  };
  // The leading space is in Alipay's own 10003 msg.
  if (r.kind === 'waiting') return { code: '10003', msg: ' order success pay inprocess', ...common, buyer_user_id: r.buyer.alipayUserId };
  return { code: '10000', msg: 'Success', ...common, gmt_payment: formatBeijing(t.paidAt ?? now), ...fundBills(t), buyer_user_id: r.buyer.alipayUserId };
};

const precreate: AlipayMethod = ({ merchant, biz, book, now, maxTotalFen }) => {
  const outTradeNo = orderNo(biz, 'out_trade_no', true);
  const totalFen = amountFen(biz, 'total_amount', maxTotalFen, 'ACQ.TOTAL_FEE_EXCEED');
  const subject = text(biz, 'subject', 256, true);
  const qrLimit = biz.qr_code_timeout_express !== undefined ? timeLimitMs(biz, 'qr_code_timeout_express', now, DEFAULT_QR_LIMIT_MS) : timeLimitMs(biz, 'timeout_express', now, DEFAULT_QR_LIMIT_MS);
  const r = book.precreate({
    merchant,
    outTradeNo,
    totalFen,
    subject,
    storeId: text(biz, 'store_id', 32),
    terminalId: text(biz, 'terminal_id', 32),
    operatorId: text(biz, 'operator_id', 28),
    qrLimitMs: qrLimit,
    waitLimitMs: timeLimitMs(biz, 'timeout_express', now, DEFAULT_WAIT_LIMIT_MS),
  });
  if (r.kind === 'refused') {
    const subCode = { 'has-success': 'ACQ.TRADE_HAS_SUCCESS', 'has-close': 'ACQ.TRADE_HAS_CLOSE', inconsistent: 'ACQ.CONTEXT_INCONSISTENT' }[r.reason];
    return failure(subCode, undefined, { out_trade_no: outTradeNo });
  }
  return { code: '10000', msg: 'Success', out_trade_no: outTradeNo, qr_code: r.qr.qrCode };
};

/** The fields of a trade as alipay.trade.query reports them. */
export function tradeQueryBody(trade: TradeRow, buyer: BuyerRow | undefined): ResponseBody {
  return {
    code: '10000',
    msg: 'Success',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    ...optional({ buyer_logon_id: buyer?.alipayLogonId ?? null }),
    trade_status: trade.status,
    total_amount: yuan(trade.totalFen),
    ...paidAmounts(trade),
    ...optional({
      send_pay_date: trade.paidAt === null ? null : formatBeijing(trade.paidAt),
      store_id: trade.storeId,
      terminal_id: trade.terminalId,
    }),
    ...fundBills(trade),
    ...optional({ buyer_user_id: buyer?.alipayUserId ?? null }),
  };
}

const query: AlipayMethod = ({ merchant, biz, book, ledger }) => {
  const ref = refOf(biz);
  const found = book.find('alipay', merchant, ref);
  if (found.kind !== 'trade') return failure('ACQ.TRADE_NOT_EXIST', undefined, optional({ out_trade_no: ref.outTradeNo ?? null, trade_no: ref.tradeNo ?? null }));
  return tradeQueryBody(found.trade, buyerOf(ledger, found.trade));
};

const CANCEL_WINDOW_MS = DAY;

const cancel: AlipayMethod = ({ merchant, biz, book }) => {
  const ref = refOf(biz);
  const r = book.cancel('alipay', merchant, ref, CANCEL_WINDOW_MS);
  const ids = optional({ trade_no: r.trade?.tradeNo ?? null, out_trade_no: r.trade?.outTradeNo ?? ref.outTradeNo ?? null });
  if (r.kind === 'refused') {
    const subCode = {
      'not-exist': 'ACQ.TRADE_NOT_EXIST',
      'time-out': 'ACQ.TRADE_CANCEL_TIME_OUT',
      'refunded-before': 'ACQ.REASON_TRADE_REFUND_FEE_ERR',
      finished: 'ACQ.TRADE_HAS_FINISHED',
    }[r.reason];
    return failure(subCode, undefined, { ...ids, retry_flag: 'N' });
  }
  return { code: '10000', msg: 'Success', ...ids, retry_flag: 'N', ...optional({ action: r.action }) };
};

const close: AlipayMethod = ({ merchant, biz, book }) => {
  const ref = refOf(biz);
  text(biz, 'operator_id', 28);
  const r = book.close('alipay', merchant, ref);
  if (r.kind === 'refused') {
    const ids = optional({ trade_no: r.trade?.tradeNo ?? null, out_trade_no: r.trade?.outTradeNo ?? ref.outTradeNo ?? null });
    return failure(r.reason === 'not-exist' ? 'ACQ.TRADE_NOT_EXIST' : 'ACQ.TRADE_STATUS_ERROR', undefined, ids);
  }
  return { code: '10000', msg: 'Success', trade_no: r.trade.tradeNo, out_trade_no: r.trade.outTradeNo };
};

const refund: AlipayMethod = ({ merchant, biz, book, ledger, maxTotalFen }) => {
  const ref = refOf(biz);
  const amount = (() => {
    try {
      return amountFen(biz, 'refund_amount', maxTotalFen);
    } catch (err) {
      if (err instanceof BizError) throw new BizError('ACQ.REASON_TRADE_REFUND_FEE_ERR', `退款金额无效: ${err.subMsg.replace(/^参数无效: /, '')}`);
      throw err;
    }
  })();
  let outRequestNo = orderNo(biz, 'out_request_no');
  const reason = text(biz, 'refund_reason', 256) ?? '';
  text(biz, 'operator_id', 28);
  text(biz, 'store_id', 32);
  if (outRequestNo === null) {
    const found = book.find('alipay', merchant, ref);
    if (found.kind !== 'trade') return failure('ACQ.TRADE_NOT_EXIST', undefined, optional({ out_trade_no: ref.outTradeNo ?? null }));
    outRequestNo = found.trade.outTradeNo;
  }
  const r = book.refund({ wallet: 'alipay', merchant, ref, outRequestNo, amountFen: amount, reason });
  if (r.kind === 'refused') {
    const subCode = {
      'not-exist': 'ACQ.TRADE_NOT_EXIST',
      'not-allowed': 'ACQ.TRADE_NOT_ALLOW_REFUND',
      exceeds: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
      inconsistent: 'ACQ.CONTEXT_INCONSISTENT',
    }[r.reason];
    const detail =
      r.reason === 'exceeds' && r.trade !== null
        ? `退款金额超限: ${yuan(amount)} asked, ${yuan(r.trade.totalFen - r.trade.refundedFen)} left to refund`
        : r.reason === 'inconsistent' && r.refund !== undefined
          ? `out_request_no ${outRequestNo} already refunded ${yuan(r.refund.amountFen)}, not ${yuan(amount)}`
          : undefined;
    return failure(subCode, detail, optional({ trade_no: r.trade?.tradeNo ?? null, out_trade_no: r.trade?.outTradeNo ?? ref.outTradeNo ?? null }));
  }
  const buyer = buyerOf(ledger, r.trade);
  return {
    code: '10000',
    msg: 'Success',
    trade_no: r.trade.tradeNo,
    out_trade_no: r.trade.outTradeNo,
    ...optional({ buyer_logon_id: buyer?.alipayLogonId ?? null }),
    fund_change: r.fundChange ? 'Y' : 'N',
    refund_fee: yuan(r.trade.refundedFen),
    gmt_refund_pay: formatBeijing(r.refund.createdAt),
    send_back_fee: yuan(r.refund.amountFen),
    ...optional({ buyer_user_id: buyer?.alipayUserId ?? null }),
  };
};

const refundQuery: AlipayMethod = ({ merchant, biz, book }) => {
  const ref = refOf(biz);
  const outRequestNo = orderNo(biz, 'out_request_no', true);
  const r = book.refundQuery('alipay', merchant, ref, outRequestNo);
  if (r === null) return failure('ACQ.TRADE_NOT_EXIST', undefined, optional({ out_trade_no: ref.outTradeNo ?? null }));
  const base = { code: '10000', msg: 'Success', trade_no: r.trade.tradeNo, out_trade_no: r.trade.outTradeNo };
  if (r.refund === null) return base;
  return {
    ...base,
    out_request_no: outRequestNo,
    total_amount: yuan(r.trade.totalFen),
    refund_amount: yuan(r.refund.amountFen),
    refund_status: 'REFUND_SUCCESS',
    gmt_refund_pay: formatBeijing(r.refund.createdAt),
  };
};

const billUrl: AlipayMethod = ({ merchant, biz, bills, now }) => {
  const billType = text(biz, 'bill_type', 16, true);
  if (billType !== 'trade') throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: bill_type must be "trade" (the sandbox keeps no signcustomer bills), got ${JSON.stringify(billType)}`);
  const billDate = text(biz, 'bill_date', 10, true);
  if (beijingDayRange(billDate) === null) throw new BizError('ACQ.INVALID_PARAMETER', `参数无效: bill_date must be a date "yyyy-MM-dd", got ${JSON.stringify(billDate)}`);
  if (billDate > beijingDate(now)) return failure('isp.bill_not_exist', '账单不存在');
  return { code: '10000', msg: 'Success', bill_download_url: bills.issueUrl('alipay', merchant, billDate) };
};

export const ALIPAY_METHODS: Readonly<Record<string, AlipayMethod>> = {
  'alipay.trade.pay': pay,
  'alipay.trade.precreate': precreate,
  'alipay.trade.query': query,
  'alipay.trade.cancel': cancel,
  'alipay.trade.close': close,
  'alipay.trade.refund': refund,
  'alipay.trade.fastpay.refund.query': refundQuery,
  'alipay.data.dataservice.bill.downloadurl.query': billUrl,
};
