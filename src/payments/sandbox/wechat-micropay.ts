// WeChat Pay v2 micropay (付款码支付) on the sandbox server, over the same ledger as Alipay:
//   POST /pay/micropay        pay with the customer's code (18 digits, 10–15…)
//   POST /pay/orderquery      trade_state: SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR
//   POST /secapi/pay/reverse  撤销: closes an unpaid trade, refunds a paid one (recall=N)
//   POST /secapi/pay/refund   partial refunds, idempotent by out_refund_no
//   POST /pay/refundquery     by refund_id, out_refund_no, transaction_id or out_trade_no
//   POST /pay/downloadbill    the day's bill as text (wechat-bill.ts)
// XML bodies (flat-xml.ts), MD5 or HMAC-SHA256 signatures (wechat-signing.ts). Faults as for
// Alipay, under the names wechat.micropay, wechat.orderquery, wechat.reverse, wechat.refund,
// wechat.refundquery.
//
// Decisions:
// - return_code FAIL (unsigned, with return_msg) is for requests the gateway cannot take: bad
//   XML, unknown mch_id, appid not this merchant's, bad sign_type, wrong signature. Everything
//   else is return_code SUCCESS, signed with the request's sign_type, and result_code
//   SUCCESS or FAIL with err_code / err_code_des.
// - micropay: a code that is not 18 digits 10–15… → AUTH_CODE_ERROR; unknown, used or another
//   wallet's → AUTH_CODE_INVALID; expired → AUTHCODEEXPIRE; too little balance → NOTENOUGH;
//   a password needed → USERPAYING (poll orderquery), revoked automatically after 45 s unless
//   the buyer confirms first; the same out_trade_no again: ORDERPAID (paid), ORDERREVERSED
//   (reversed/revoked), ORDERCLOSED (otherwise closed), OUT_TRADE_NO_USED (other amount or
//   body), BUYER_MISMATCH (another buyer), USERPAYING (still waiting).
// - The certificate the real /secapi/ endpoints require is not checked (plain HTTP on
//   127.0.0.1); reverse is allowed for 7 days (WeChat's advice to wait 15 s after paying is not
//   enforced); refunds complete at once (SUCCESS, never
//   PROCESSING). Injected SYSTEMERROR on reverse says recall=Y.
// - Only CNY; total_fee and refund_fee are whole fen.
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { paymentWallet } from '../../domain/barcodes/payment-code.ts';
import { formatBeijing, formatBeijingCompact } from './beijing-time.ts';
import { actOut } from './fault-actor.ts';
import type { Reply } from './fault-actor.ts';
import type { FaultInjector } from './faults.ts';
import { buildFlatXml, parseFlatXml } from './flat-xml.ts';
import type { Ledger, RefundRow, TradeRow } from './ledger.ts';
import type { TradeBook, TradeRef } from './trade-book.ts';
import { wechatBillReply } from './wechat-bill.ts';
import { wechatSign, wechatSignTypeOf, wechatVerify } from './wechat-signing.ts';
import type { WechatSignType } from './wechat-signing.ts';

export interface WechatMerchant {
  readonly appid: string;
  readonly mchId: string;
  /** The 32-character API key both sides sign with. */
  readonly apiKey: string;
  readonly name?: string;
}

export interface WechatOptions {
  readonly merchants: readonly WechatMerchant[];
  readonly book: TradeBook;
  readonly ledger: Ledger;
  readonly faults: FaultInjector;
  readonly maxTotalFen: number;
  /** Unpaid micropay trades are revoked this long after creation. Default 45 s. */
  readonly revokeAfterMs?: number;
  readonly onInternalError: (err: unknown) => void;
}

export const WECHAT_PATHS: Readonly<Record<string, string>> = {
  '/pay/micropay': 'wechat.micropay',
  '/pay/orderquery': 'wechat.orderquery',
  '/secapi/pay/reverse': 'wechat.reverse',
  '/secapi/pay/refund': 'wechat.refund',
  '/pay/refundquery': 'wechat.refundquery',
  '/pay/downloadbill': 'wechat.downloadbill',
};

const XML_TYPE = 'text/xml;charset=utf-8';
const REVERSE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

type Fields = Record<string, string>;
type Result = Record<string, string | number>;

class Refusal extends Error {
  constructor(
    readonly errCode: string,
    readonly errDes: string,
    readonly extra: Result = {},
  ) {
    super(`${errCode}: ${errDes}`);
  }
}

const ERR_DES: Readonly<Record<string, string>> = {
  AUTH_CODE_ERROR: '授权码参数错误',
  AUTH_CODE_INVALID: '授权码检验错误',
  AUTHCODEEXPIRE: '二维码已过期，请用户在微信上刷新后再试',
  NOTENOUGH: '余额不足',
  USERPAYING: '需要用户输入支付密码',
  ORDERPAID: '订单已支付',
  ORDERCLOSED: '订单已关闭',
  ORDERREVERSED: '订单已撤销',
  OUT_TRADE_NO_USED: '商户订单号重复',
  BUYER_MISMATCH: '支付帐号错误',
  ORDERNOTEXIST: '此交易订单号不存在',
  REFUNDNOTEXIST: '退款订单查询失败',
  REVERSE_EXPIRE: '订单已经超过可撤销的最大时间',
  TRADE_ERROR: '订单已退款，不能撤销',
  TRADE_STATE_ERROR: '订单状态错误',
  SYSTEMERROR: '系统超时',
};

const refuse = (code: string, des = ERR_DES[code] ?? code, extra: Result = {}) => new Refusal(code, des, extra);

function required(f: Fields, key: string, max: number): string {
  const v = f[key];
  if (v === undefined || v === '') throw refuse('LACK_PARAMS', `缺少参数 ${key}`);
  if (v.length > max) throw refuse('PARAM_ERROR', `${key} is longer than ${max} characters`);
  return v;
}

function fen(f: Fields, key: string, max: number): number {
  const v = required(f, key, 16);
  if (!/^[1-9]\d*$/.test(v) || Number(v) > max) throw refuse('PARAM_ERROR', `${key} must be a whole number of fen from 1 to ${max}, got "${v}"`);
  return Number(v);
}

const OUT_NO = /^[A-Za-z0-9_\-|*@]{1,32}$/;

function refOf(f: Fields): TradeRef {
  const tradeNo = f.transaction_id || undefined;
  const outTradeNo = f.out_trade_no || undefined;
  if (tradeNo === undefined && outTradeNo === undefined) throw refuse('LACK_PARAMS', '缺少参数 transaction_id 或 out_trade_no');
  return { tradeNo, outTradeNo };
}

/** WeChat's trade_state for a ledger trade. */
export function wechatTradeState(t: TradeRow): string {
  switch (t.status) {
    case 'WAIT_BUYER_PAY':
      return 'USERPAYING';
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return t.refundedFen > 0 ? 'REFUND' : 'SUCCESS';
    case 'TRADE_CLOSED':
      if (t.closeReason === 'refunded') return 'REFUND';
      if (t.closeReason === 'cancelled' || t.closeReason === 'revoked') return 'REVOKED';
      if (t.closeReason === 'declined' || t.closeReason === 'balance') return 'PAYERROR';
      return 'CLOSED';
  }
}

const STATE_DESC: Readonly<Record<string, string>> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销（付款码支付）',
  USERPAYING: '用户支付中（付款码支付）',
  PAYERROR: '支付失败',
};

export class WechatMicropay {
  private readonly byMch: ReadonlyMap<string, WechatMerchant>;
  private readonly revokeAfterMs: number;

  constructor(private readonly options: WechatOptions) {
    this.byMch = new Map(options.merchants.map((m) => [m.mchId, m]));
    this.revokeAfterMs = options.revokeAfterMs ?? 45_000;
  }

  async handle(res: ServerResponse, path: string, body: Buffer, signal: AbortSignal): Promise<void> {
    const method = WECHAT_PATHS[path];
    if (method === undefined) throw new Error(`not a WeChat path: ${path}`);
    const parsed = parseFlatXml(body.toString('utf8'));
    const fault = this.options.faults.next(method);
    const fields = parsed.ok ? parsed.fields : null;
    await actOut(
      fault,
      {
        work: (tamper) => {
          if (fields === null) return this.fail(`XML格式错误: ${parsed.ok ? '' : parsed.reason}`);
          try {
            return this.run(method, fields, tamper);
          } catch (err) {
            this.options.onInternalError(err);
            return { status: 500, contentType: 'text/plain;charset=utf-8', body: `sandbox gateway bug: ${(err as Error)?.stack ?? String(err)}` };
          }
        },
        failure: () => {
          const m = fields === null ? undefined : this.byMch.get(fields.mch_id ?? '');
          if (fields === null || m === undefined) return this.fail('系统繁忙，请稍后再试');
          const type = wechatSignTypeOf(fields.sign_type) ?? 'MD5';
          return this.signed(m, type, { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: ERR_DES.SYSTEMERROR ?? '', ...(method === 'wechat.reverse' ? { recall: 'Y' } : {}) }, false);
        },
      },
      res,
      signal,
    );
  }

  private fail(message: string): Reply {
    return { status: 200, contentType: XML_TYPE, body: buildFlatXml({ return_code: 'FAIL', return_msg: message }) };
  }

  private signed(m: WechatMerchant, type: WechatSignType, result: Result, tamper: boolean): Reply {
    const fields: Fields = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: m.appid,
      mch_id: m.mchId,
      nonce_str: randomBytes(16).toString('hex'),
      ...Object.fromEntries(Object.entries(result).map(([k, v]) => [k, String(v)])),
    };
    const sign = wechatSign(tamper ? { ...fields, return_msg: 'OK!' } : fields, m.apiKey, type);
    return { status: 200, contentType: XML_TYPE, body: buildFlatXml({ ...fields, sign }) };
  }

  private run(method: string, f: Fields, tamper: boolean): Reply {
    const m = this.byMch.get(f.mch_id ?? '');
    if (m === undefined) return this.fail(f.mch_id ? `mch_id不存在: ${f.mch_id}` : '缺少参数 mch_id');
    if (f.appid !== m.appid) return this.fail('appid和mch_id不匹配');
    const type = wechatSignTypeOf(f.sign_type);
    if (type === null) return this.fail(`sign_type参数错误: ${f.sign_type ?? ''}`);
    if (!f.nonce_str) return this.fail('缺少参数 nonce_str');
    if (!wechatVerify(f, m.apiKey, type)) return this.fail('签名错误');
    if (method === 'wechat.downloadbill') return wechatBillReply(this.options.book, this.options.ledger, m, f);
    let result: Result;
    try {
      result = this.dispatch(method, m, f);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      result = { result_code: 'FAIL', err_code: err.errCode, err_code_des: err.errDes, ...err.extra };
    }
    return this.signed(m, type, result, tamper);
  }

  private dispatch(method: string, m: WechatMerchant, f: Fields): Result {
    switch (method) {
      case 'wechat.micropay':
        return this.micropay(m, f);
      case 'wechat.orderquery':
        return this.orderquery(m, f);
      case 'wechat.reverse':
        return this.reverse(m, f);
      case 'wechat.refund':
        return this.refund(m, f);
      default:
        return this.refundquery(m, f);
    }
  }

  private tradeFields(t: TradeRow): Result {
    const buyer = t.buyerId === null ? undefined : this.options.ledger.buyer(t.buyerId);
    const paid = t.paidAt !== null;
    return {
      ...(buyer === undefined ? {} : { openid: buyer.wechatOpenid, is_subscribe: 'N' }),
      trade_type: 'MICROPAY',
      bank_type: 'OTHERS',
      total_fee: t.totalFen,
      fee_type: 'CNY',
      ...(paid ? { cash_fee: t.totalFen, cash_fee_type: 'CNY', time_end: formatBeijingCompact(t.paidAt ?? 0) } : {}),
      transaction_id: t.tradeNo,
      out_trade_no: t.outTradeNo,
    };
  }

  private micropay(m: WechatMerchant, f: Fields): Result {
    const body = required(f, 'body', 128);
    const outTradeNo = required(f, 'out_trade_no', 32);
    if (!OUT_NO.test(outTradeNo)) throw refuse('PARAM_ERROR', `out_trade_no must be 1–32 of [A-Za-z0-9_-|*@], got "${outTradeNo}"`);
    const totalFee = fen(f, 'total_fee', this.options.maxTotalFen);
    required(f, 'spbill_create_ip', 64);
    const authCode = required(f, 'auth_code', 128);
    if (f.fee_type !== undefined && f.fee_type !== '' && f.fee_type !== 'CNY') throw refuse('PARAM_ERROR', `fee_type must be CNY, got "${f.fee_type}"`);
    if (paymentWallet(authCode) !== 'wechat' || authCode.length !== 18) throw refuse('AUTH_CODE_ERROR');
    const r = this.options.book.pay({
      wallet: 'wechat',
      merchant: m.mchId,
      outTradeNo,
      authCode,
      totalFen: totalFee,
      subject: body,
      storeId: null,
      terminalId: f.device_info || null,
      operatorId: null,
      waitLimitMs: this.revokeAfterMs,
    });
    if (r.kind === 'paid') return { result_code: 'SUCCESS', ...this.tradeFields(r.trade), ...(f.attach ? { attach: f.attach } : {}) };
    if (r.kind === 'waiting') throw refuse('USERPAYING');
    const t = r.trade;
    switch (r.reason) {
      case 'code-invalid':
        throw refuse('AUTH_CODE_INVALID');
      case 'code-expired':
        throw refuse('AUTHCODEEXPIRE');
      case 'balance':
        throw refuse('NOTENOUGH');
      case 'has-success':
        throw refuse('ORDERPAID');
      case 'has-close':
        // No trade: the out_trade_no was reversed before the payment arrived.
        throw refuse(t === null || wechatTradeState(t) === 'REVOKED' ? 'ORDERREVERSED' : 'ORDERCLOSED');
      case 'inconsistent':
        throw refuse('OUT_TRADE_NO_USED');
      case 'buyer-mismatch':
        throw refuse('BUYER_MISMATCH');
    }
  }

  private orderquery(m: WechatMerchant, f: Fields): Result {
    const found = this.options.book.find('wechat', m.mchId, refOf(f));
    if (found.kind !== 'trade') throw refuse('ORDERNOTEXIST');
    const state = wechatTradeState(found.trade);
    return { result_code: 'SUCCESS', ...this.tradeFields(found.trade), trade_state: state, trade_state_desc: STATE_DESC[state] ?? state };
  }

  private reverse(m: WechatMerchant, f: Fields): Result {
    const r = this.options.book.cancel('wechat', m.mchId, refOf(f), REVERSE_WINDOW_MS);
    if (r.kind === 'cancelled') return { result_code: 'SUCCESS', recall: 'N' };
    const code = { 'not-exist': 'ORDERNOTEXIST', 'time-out': 'REVERSE_EXPIRE', 'refunded-before': 'TRADE_ERROR', finished: 'TRADE_ERROR' }[r.reason];
    throw refuse(code, undefined, { recall: 'N' });
  }

  private refund(m: WechatMerchant, f: Fields): Result {
    const ref = refOf(f);
    const outRefundNo = required(f, 'out_refund_no', 64);
    if (!/^[A-Za-z0-9_\-|*@]{1,64}$/.test(outRefundNo)) throw refuse('PARAM_ERROR', `out_refund_no must be letters, digits and _-|*@, got "${outRefundNo}"`);
    const totalFee = fen(f, 'total_fee', this.options.maxTotalFen);
    const refundFee = fen(f, 'refund_fee', this.options.maxTotalFen);
    if (f.refund_fee_type !== undefined && f.refund_fee_type !== '' && f.refund_fee_type !== 'CNY') throw refuse('PARAM_ERROR', `refund_fee_type must be CNY`);
    if (refundFee > totalFee) throw refuse('PARAM_ERROR', '退款金额大于订单金额');
    const book = this.options.book;
    const found = book.find('wechat', m.mchId, ref);
    if (found.kind !== 'trade') throw refuse('ORDERNOTEXIST');
    if (found.trade.totalFen !== totalFee) throw refuse('PARAM_ERROR', `订单金额不一致: total_fee ${totalFee} but the order is ${found.trade.totalFen}`);
    const r = book.refund({ wallet: 'wechat', merchant: m.mchId, ref, outRequestNo: outRefundNo, amountFen: refundFee, reason: f.refund_desc ?? '' });
    if (r.kind === 'refused') {
      if (r.reason === 'not-exist') throw refuse('ORDERNOTEXIST');
      if (r.reason === 'not-allowed') throw refuse('TRADE_STATE_ERROR');
      if (r.reason === 'exceeds') throw refuse('INVALID_REQUEST', '累计退款金额大于支付金额');
      throw refuse('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
    }
    return {
      result_code: 'SUCCESS',
      transaction_id: r.trade.tradeNo,
      out_trade_no: r.trade.outTradeNo,
      out_refund_no: outRefundNo,
      refund_id: r.refund.refundId ?? '',
      refund_fee: r.refund.amountFen,
      total_fee: r.trade.totalFen,
      cash_fee: r.trade.totalFen,
      cash_refund_fee: r.refund.amountFen,
    };
  }

  private refundquery(m: WechatMerchant, f: Fields): Result {
    const { book, ledger } = this.options;
    return book.run(() => {
      let trade: TradeRow | undefined;
      let refunds: RefundRow[];
      const mine = (r: RefundRow | undefined) => {
        const t = r === undefined ? undefined : ledger.trade(r.tradeNo);
        return t !== undefined && t.wallet === 'wechat' && t.merchant === m.mchId ? t : undefined;
      };
      if (f.refund_id) {
        const r = ledger.refundByRefundId(f.refund_id);
        trade = mine(r);
        refunds = trade === undefined || r === undefined ? [] : [r];
      } else if (f.out_refund_no) {
        const r = ledger.refundByMerchantRequest('wechat', m.mchId, f.out_refund_no);
        trade = mine(r);
        refunds = trade === undefined || r === undefined ? [] : [r];
      } else {
        const ref = refOf(f);
        trade = ref.tradeNo !== undefined ? ledger.trade(ref.tradeNo) : ledger.tradeByOut('wechat', m.mchId, ref.outTradeNo ?? '');
        if (trade !== undefined && (trade.wallet !== 'wechat' || trade.merchant !== m.mchId)) trade = undefined;
        refunds = trade === undefined ? [] : ledger.refundsOf(trade.tradeNo).filter((r) => r.kind === 'refund');
      }
      if (trade === undefined || refunds.length === 0) throw refuse('REFUNDNOTEXIST');
      const out: Result = {
        result_code: 'SUCCESS',
        transaction_id: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        total_fee: trade.totalFen,
        cash_fee: trade.totalFen,
        refund_fee: refunds.reduce((s, r) => s + r.amountFen, 0),
        refund_count: refunds.length,
      };
      refunds.forEach((r, n) => {
        Object.assign(out, {
          [`out_refund_no_${n}`]: r.outRequestNo ?? '',
          [`refund_id_${n}`]: r.refundId ?? '',
          [`refund_fee_${n}`]: r.amountFen,
          [`refund_status_${n}`]: 'SUCCESS',
          [`refund_success_time_${n}`]: formatBeijing(r.createdAt),
          [`refund_recv_accout_${n}`]: '支付用户零钱',
        });
      });
      return out;
    });
  }
}
