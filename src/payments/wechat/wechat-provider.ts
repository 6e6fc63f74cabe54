// The WeChat Pay wallet provider (ARCHITECTURE.md §5): v2 micropay (the customer shows a
// payment code), orderquery, reverse, refund and refundquery, on plain node:http(s) with
// WeChat's documented v2 signing (wechat-signing.ts) and flat XML (wechat-xml.ts), mapped onto
// src/domain/payment.ts by wechat-outcomes.ts. Outside the contract it also fetches the day's
// bill (downloadBill, /pay/downloadbill) for reconciliation. No SDK: wechatpay-axios-plugin is not installed
// (see wechat-signing.ts for why it would not fit as is), and the protocol is one signed XML
// POST per call.
//
// Decisions a caller must know:
// - No precreate or close: micropay has no merchant-presented QR (that is v3 Native).
// - Nothing the gateway or the network does throws. A timeout, reset, HTTP error, an HTML or
//   malformed body, return_code=FAIL (unsigned by WeChat), a missing or wrong signature, or an
//   answer for another appid/mch_id are all `unknown` (cancel: `retry`) with a reason. Only the
//   caller's mistakes throw (RangeError/TypeError naming the field). Nothing is re-sent here.
// - An AbortSignal aborts the HTTP request itself; a signal already aborted sends nothing.
// - `timeoutMs` bounds each call from connect to the last byte of the answer.
// - refund needs the trade's total_fee, which the contract's RefundRequest does not carry, so
//   refund asks orderquery first (a read, safe to repeat). After WeChat accepts a refund it
//   lists the trade's refunds with refundquery to report `refundedTotal` (refunds that are
//   done, in progress, or bounced by the bank: money that has left the merchant). WeChat does
//   not say whether an out_refund_no was already used, so `fundChange` is always true.
// - reverse and refund go to /secapi/… with the merchant client certificate when configured
//   (required by the config for a weixin.qq.com gateway; the loopback sandbox needs none).
// - body (the subject) is cut to WeChat's 128 bytes of UTF-8; device_info is the terminal id;
//   scene_info carries the configured store id when there is one.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type {
  CancelOutcome,
  PayOutcome,
  PayRequest,
  QueryOutcome,
  RefundOutcome,
  RefundQueryOutcome,
  RefundRequest,
  TradeRef,
} from '../../domain/payment.ts';
import { TRADE_NO_PATTERN } from '../../domain/payment.ts';
import type { PaymentProvider } from '../provider.ts';
import { checkOutgoingAmount, fromFenString } from '../money-strings.ts';
import { loadWechatSecrets, parseWechatConfig, type WechatConfig, type WechatConfigFile, type WechatSecrets } from './wechat-config.ts';
import {
  describeFields,
  micropayOutcome,
  orderQueryOutcome,
  REFUND_MONEY_GONE,
  refundAcceptance,
  refundEntries,
  refundQueryOutcome,
  reverseOutcome,
  type WechatFields,
} from './wechat-outcomes.ts';
import { nonceStr, signFields, verifyFields } from './wechat-signing.ts';
import { buildXml, parseXml } from './wechat-xml.ts';

export const WECHAT_PATHS = {
  micropay: '/pay/micropay',
  orderquery: '/pay/orderquery',
  reverse: '/secapi/pay/reverse',
  refund: '/secapi/pay/refund',
  refundquery: '/pay/refundquery',
  downloadbill: '/pay/downloadbill',
} as const;

/** A bill could not be fetched; `retryable` says whether asking again later may help. */
export class WechatBillError extends Error {
  override name = 'WechatBillError';
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A day's bill text can be far larger than an answer to a call. */
const MAX_BILL_BYTES = 64 * 1024 * 1024;

/** total_fee is a 32-bit integer of fen in WeChat's v2 API. */
export const WECHAT_MAX_FEN = 2_147_483_647;

const MAX_ANSWER_BYTES = 1024 * 1024;
const AUTH_CODE = /^[A-Za-z0-9]{1,128}$/;
/** Pages of refundquery read when a trade has more refunds than one answer lists. */
const MAX_REFUND_PAGES = 10;

type CallResult = { readonly ok: true; readonly fields: WechatFields } | { readonly ok: false; readonly reason: string };

function checkTrade(trade: TradeRef, what: string): void {
  if (trade.wallet !== 'wechat') throw new TypeError(`${what}: trade is for wallet "${String(trade.wallet)}", not wechat`);
  if (typeof trade.outTradeNo !== 'string' || !TRADE_NO_PATTERN.test(trade.outTradeNo)) {
    throw new RangeError(`${what}: outTradeNo "${String(trade.outTradeNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`);
  }
}

function checkRequestNo(no: string, what: string): void {
  if (typeof no !== 'string' || !TRADE_NO_PATTERN.test(no)) {
    throw new RangeError(`${what}: outRequestNo "${String(no)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`);
  }
}

/** Cuts text to at most `max` bytes of UTF-8 without splitting a character. */
export function cutUtf8(text: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

function nonEmpty(value: string, field: string, what: string): string {
  const s = String(value ?? '').trim();
  if (s === '') throw new RangeError(`${what}: ${field} must not be empty`);
  return s;
}

function abortText(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  const why = r instanceof Error ? r.message : r === undefined ? '' : String(r);
  return `stopped before WeChat Pay answered${why ? ` (${why})` : ''}`;
}

export interface WechatProviderOptions {
  /** Relative secret paths are resolved against this (the core passes the data dir). */
  readonly baseDir?: string;
}

export class WechatProvider implements PaymentProvider {
  readonly wallet = 'wechat' as const;
  readonly config: WechatConfig;
  readonly #apiKey: string;
  readonly #agent: HttpsAgent | undefined;
  readonly #base: string;

  constructor(config: WechatConfig, secrets: WechatSecrets) {
    this.config = config;
    this.#apiKey = secrets.apiKey;
    this.#base = config.gateway.replace(/\/+$/, '');
    this.#agent = this.#base.startsWith('https:') && secrets.clientCert !== null ? new HttpsAgent({ ...secrets.clientCert }) : undefined;
  }

  /** Signs and POSTs one call; answers only with a verified return_code=SUCCESS answer. */
  async #post(path: string, params: Record<string, string>, signal: AbortSignal | undefined): Promise<CallResult> {
    if (signal?.aborted) return { ok: false, reason: `${abortText(signal)}; nothing was sent` };
    const fields: Record<string, string> = {
      appid: this.config.appId,
      mch_id: this.config.mchId,
      nonce_str: nonceStr(),
      sign_type: this.config.signType,
      ...params,
    };
    fields.sign = signFields(fields, this.#apiKey, this.config.signType);
    const answer = await this.#send(`${this.#base}${path}`, buildXml(fields), signal);
    if (!answer.ok) return answer;
    const parsed = parseXml(answer.text);
    if (!parsed.ok) return { ok: false, reason: `WeChat Pay's answer is not readable: ${parsed.reason}` };
    const f = parsed.fields;
    if (f.return_code !== 'SUCCESS') {
      return { ok: false, reason: `WeChat Pay did not take the request: ${f.return_code ?? '(no return_code)'} ${f.return_msg ?? ''}`.trim() };
    }
    if (!verifyFields(f, this.#apiKey, this.config.signType)) {
      return { ok: false, reason: `WeChat Pay's answer failed signature verification and was rejected (unverified claim: ${describeFields(f)})` };
    }
    if ((f.appid !== undefined && f.appid !== this.config.appId) || (f.mch_id !== undefined && f.mch_id !== this.config.mchId)) {
      return { ok: false, reason: `WeChat Pay's answer is for another merchant (appid ${f.appid ?? '?'}, mch_id ${f.mch_id ?? '?'})` };
    }
    return { ok: true, fields: f };
  }

  /** One HTTP POST bounded by timeoutMs and the signal; never rejects. */
  #send(url: string, body: string, signal: AbortSignal | undefined, maxBytes = MAX_ANSWER_BYTES): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
    const timeoutMs = this.config.timeoutMs;
    return new Promise((resolve) => {
      const payload = Buffer.from(body, 'utf8');
      const options = {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(payload.length), accept: 'text/xml' },
      };
      let req: ReturnType<typeof httpRequest>;
      try {
        req = url.startsWith('https:') ? httpsRequest(url, { ...options, agent: this.#agent }) : httpRequest(url, options);
      } catch (err) {
        resolve({ ok: false, reason: `the request to WeChat Pay could not start (${err instanceof Error ? err.message : String(err)})` });
        return;
      }
      // Called only from the callbacks below, after `timer` and `onAbort` exist.
      let settled = false;
      const finish = (r: { ok: true; text: string } | { ok: false; reason: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const timer = setTimeout(() => {
        finish({ ok: false, reason: `no answer from WeChat Pay within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      const onAbort = () => {
        if (signal) finish({ ok: false, reason: abortText(signal) });
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish({ ok: false, reason: `the connection to WeChat Pay failed (${[err.code, err.message].filter(Boolean).join(' ')})` });
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish({ ok: false, reason: `WeChat Pay's answer is over ${maxBytes} bytes` });
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) {
            finish({ ok: false, reason: `WeChat Pay answered HTTP ${res.statusCode ?? '?'}` });
            return;
          }
          finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err: Error) => finish({ ok: false, reason: `the answer from WeChat Pay broke off (${err.message})` }));
        res.on('aborted', () => finish({ ok: false, reason: 'the answer from WeChat Pay broke off' }));
      });
      req.end(payload);
    });
  }

  async pay(request: PayRequest, signal?: AbortSignal): Promise<PayOutcome> {
    const what = 'wechat pay';
    checkTrade(request, what);
    if (typeof request.authCode !== 'string' || !AUTH_CODE.test(request.authCode)) {
      throw new RangeError(`${what}: authCode must be the scanned payment code (1–128 letters or digits)`);
    }
    const body = cutUtf8(nonEmpty(request.subject, 'subject', what), 128);
    const params: Record<string, string> = {
      body,
      out_trade_no: request.outTradeNo,
      total_fee: String(checkOutgoingAmount(request.amount, request.currency, WECHAT_MAX_FEN, `${what} amount`)),
      fee_type: 'CNY',
      spbill_create_ip: this.config.clientIp,
      auth_code: request.authCode,
      device_info: cutUtf8(nonEmpty(request.terminalId, 'terminalId', what), 32),
    };
    if (this.config.storeId !== undefined) params.scene_info = JSON.stringify({ store_info: { id: this.config.storeId } });
    const r = await this.#post(WECHAT_PATHS.micropay, params, signal);
    return r.ok ? micropayOutcome(r.fields, request.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async query(trade: TradeRef, signal?: AbortSignal): Promise<QueryOutcome> {
    checkTrade(trade, 'wechat query');
    const r = await this.#post(WECHAT_PATHS.orderquery, { out_trade_no: trade.outTradeNo }, signal);
    return r.ok ? orderQueryOutcome(r.fields, trade.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async cancel(trade: TradeRef, signal?: AbortSignal): Promise<CancelOutcome> {
    checkTrade(trade, 'wechat cancel');
    const r = await this.#post(WECHAT_PATHS.reverse, { out_trade_no: trade.outTradeNo }, signal);
    return r.ok ? reverseOutcome(r.fields, trade.outTradeNo) : { kind: 'retry', reason: r.reason };
  }

  async refund(request: RefundRequest, signal?: AbortSignal): Promise<RefundOutcome> {
    const what = 'wechat refund';
    checkTrade(request, what);
    checkRequestNo(request.outRequestNo, what);
    const refundFee = checkOutgoingAmount(request.amount, request.currency, WECHAT_MAX_FEN, `${what} amount`);

    const order = await this.#post(WECHAT_PATHS.orderquery, { out_trade_no: request.outTradeNo }, signal);
    if (!order.ok) return { kind: 'unknown', reason: `the payment to refund could not be looked up: ${order.reason}` };
    const state = orderQueryOutcome(order.fields, request.outTradeNo);
    if (state.kind === 'not-found') {
      return { kind: 'failed', code: 'ORDERNOTEXIST', message: 'WeChat Pay has no such payment: check the receipt', retryWithNewCode: false };
    }
    if (state.kind === 'closed') {
      return { kind: 'failed', code: 'ORDERNOTPAID', message: 'the payment was never completed: there is nothing to refund', retryWithNewCode: false };
    }
    if (state.kind !== 'paid') return { kind: 'unknown', reason: `the payment to refund is not settled yet (${state.kind === 'unknown' ? state.reason : state.kind})` };

    const params: Record<string, string> = {
      out_trade_no: request.outTradeNo,
      out_refund_no: request.outRequestNo,
      total_fee: String(state.amount),
      refund_fee: String(refundFee),
      refund_fee_type: 'CNY',
    };
    const desc = cutUtf8(String(request.reason ?? '').trim(), 80);
    if (desc !== '') params.refund_desc = desc;
    const r = await this.#post(WECHAT_PATHS.refund, params, signal);
    if (!r.ok) return { kind: 'unknown', reason: r.reason };
    const accepted = refundAcceptance(r.fields, request.outTradeNo, request.outRequestNo);
    if (accepted.kind !== 'accepted') return accepted;
    return this.#refundedTotal(request.outTradeNo, request.outRequestNo, signal);
  }

  /** Sums the trade's refunds whose money has left, after WeChat accepted `outRefundNo`. */
  async #refundedTotal(outTradeNo: string, outRefundNo: string, signal: AbortSignal | undefined): Promise<RefundOutcome> {
    let total = 0;
    let seen = 0;
    let listed = false;
    for (let page = 0; page < MAX_REFUND_PAGES; page++) {
      const params: Record<string, string> = { out_trade_no: outTradeNo };
      if (seen > 0) params.offset = String(seen);
      const r = await this.#post(WECHAT_PATHS.refundquery, params, signal);
      if (!r.ok) return { kind: 'unknown', reason: `the refund was accepted but the refunded total could not be read: ${r.reason}` };
      if (r.fields.result_code !== 'SUCCESS') return { kind: 'unknown', reason: `the refund was accepted but not listed yet: ${describeFields(r.fields)}` };
      const entries = refundEntries(r.fields);
      if (entries === null) return { kind: 'unknown', reason: 'the refund was accepted but WeChat Pay sent a malformed refund list' };
      for (const e of entries) {
        if (REFUND_MONEY_GONE.has(e.status)) total += e.amount;
        if (e.outRefundNo === outRefundNo) listed = true;
      }
      seen += entries.length;
      const all = fromFenString(r.fields.total_refund_count) ?? seen;
      if (entries.length === 0 || seen >= all) break;
    }
    if (!listed) return { kind: 'unknown', reason: `the refund ${outRefundNo} was accepted but is not listed yet` };
    return { kind: 'refunded', refundedTotal: total, fundChange: true };
  }

  async refundQuery(trade: TradeRef & { readonly outRequestNo: string }, signal?: AbortSignal): Promise<RefundQueryOutcome> {
    const what = 'wechat refund query';
    checkTrade(trade, what);
    checkRequestNo(trade.outRequestNo, what);
    const r = await this.#post(WECHAT_PATHS.refundquery, { out_refund_no: trade.outRequestNo }, signal);
    return r.ok ? refundQueryOutcome(r.fields, trade.outTradeNo, trade.outRequestNo) : { kind: 'unknown', reason: r.reason };
  }
  /**
   * The 对账单 of `date` ("yyyy-MM-dd", a Beijing day; WeChat has it from about 10:00 the next
   * day) as WeChat serves it: CSV text with "`"-prefixed fields (bill_type ALL: payments,
   * refunds). null when WeChat says "No Bill Exist" (no trade that day). Any other refusal or
   * no clear answer throws WechatBillError. The text is not signed by WeChat (TLS is what
   * vouches for it): the caller checks its appid and mch_id columns.
   */
  async downloadBill(date: string, signal?: AbortSignal): Promise<string | null> {
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`wechat bill: date "${String(date)}" must be yyyy-MM-dd`);
    if (signal?.aborted) throw new WechatBillError(`no bill for ${date}: ${abortText(signal)}; nothing was sent`, 'kassa.STOPPED', true);
    const fields: Record<string, string> = {
      appid: this.config.appId,
      mch_id: this.config.mchId,
      nonce_str: nonceStr(),
      sign_type: this.config.signType,
      bill_date: date.replaceAll('-', ''),
      bill_type: 'ALL',
    };
    fields.sign = signFields(fields, this.#apiKey, this.config.signType);
    const answer = await this.#send(`${this.#base}${WECHAT_PATHS.downloadbill}`, buildXml(fields), signal, MAX_BILL_BYTES);
    if (!answer.ok) throw new WechatBillError(`no bill for ${date}: ${answer.reason}`, 'kassa.NO_ANSWER', true);
    const text = answer.text.replace(/^\uFEFF/, '');
    if (!text.trimStart().startsWith('<xml')) return text;
    const parsed = parseXml(text);
    if (!parsed.ok) throw new WechatBillError(`WeChat Pay's answer for the bill of ${date} is not readable: ${parsed.reason}`, 'kassa.BAD_ANSWER', true);
    const f = parsed.fields;
    // return_code FAIL carries return_msg (+ error_code); a signed SUCCESS answer here is a
    // business refusal (result_code FAIL, err_code), e.g. SYSTEMERROR.
    const msg = f.return_code === 'FAIL' ? (f.return_msg ?? '') : (f.err_code_des ?? f.err_code ?? f.return_msg ?? '');
    if (/no bill exist/i.test(msg)) return null;
    const code = (f.return_code === 'FAIL' ? f.error_code : f.err_code) ?? f.return_code ?? 'FAIL';
    throw new WechatBillError(`WeChat Pay has no bill for ${date}: ${msg || code}`, code, /SYSTEMERROR|creating/i.test(`${code} ${msg}`));
  }
}

/**
 * Checks the `payments.wechat` config block and reads the API key (and client certificate).
 * Throws WechatConfigError naming the field (and the file) for any problem.
 */
export function createWechatProvider(config: WechatConfigFile | WechatConfig, options: WechatProviderOptions = {}): WechatProvider {
  const parsed = parseWechatConfig(config);
  return new WechatProvider(parsed, loadWechatSecrets(parsed, options.baseDir ?? process.cwd()));
}
