// The Alipay wallet provider (ARCHITECTURE.md §5): face-to-face barcode pay and QR precreate,
// query, cancel, close, refund and refund query through the official alipay-sdk (v2 gateway,
// RSA2), every answer's signature verified, mapped onto src/domain/payment.ts by
// alipay-outcomes.ts. Outside the contract it also fetches the daily bill for reconciliation.
//
// Decisions a caller must know:
// - Nothing the gateway or the network does throws: a timeout, a connection reset, HTTP 5xx,
//   HTML instead of JSON, a missing or wrong signature, 20000 or SYSTEM_ERROR all come back as
//   `unknown` (cancel: `retry`) with a reason, so the payment machine asks by query. Only the
//   caller's mistakes throw (RangeError/TypeError naming the field): a malformed out_trade_no
//   or payment code, an amount that is not whole fen in [0.01, 100000000] yuan, a currency
//   other than CNY, a request for another wallet.
// - alipay-sdk has no AbortSignal: an aborted call answers `unknown` ("stopped") at once and
//   the HTTP request it started runs on until its own timeout (`timeoutMs`), its answer
//   dropped. A signal already aborted sends nothing.
// - alipay-sdk's HTTP client (urllib 4) re-sends a request ONCE by itself when the connection
//   is reset (its socketErrorRetry default, not reachable through alipay-sdk's options). That
//   is money-safe: the re-sent request is byte-identical, Alipay treats a pay with the same
//   out_trade_no and parameters as the same trade, and the answers a re-sent pay can get
//   (ACQ.TRADE_HAS_SUCCESS, CONTEXT_INCONSISTENT) map to `unknown`, which is resolved by query.
//   A write-ahead log therefore sees one call where the gateway may have seen two requests.
// - store_id is the configured Alipay store id, else the request's storeId; operator_id is the
//   configured operatorId, else the request's operatorId (the cashier), cut to Alipay's 28
//   characters (a label on the merchant's reports). terminal_id is the request's terminalId.
// - The subject is sent with "/", "=" and "&" replaced by spaces (Alipay refuses them) and
//   cut to 128 characters.
// - A precreated QR code stays payable for `qrTimeoutMinutes` (qr_code_timeout_express).
// - Requests are signed with the terminal's clock formatted in ITS time zone (alipay-sdk);
//   Alipay expects Beijing time, so a terminal must run with TZ=Asia/Shanghai (or an
//   equivalent UTC+8 zone) against the real gateway.
import { AlipaySdk } from 'alipay-sdk';
import type {
  CancelOutcome,
  CloseOutcome,
  PayOutcome,
  PayRequest,
  PrecreateOutcome,
  PrecreateRequest,
  QueryOutcome,
  RefundOutcome,
  RefundQueryOutcome,
  RefundRequest,
  TradeRef,
} from '../../domain/payment.ts';
import { TRADE_NO_PATTERN } from '../../domain/payment.ts';
import type { PaymentProvider } from '../provider.ts';
import { toYuanString } from '../money-strings.ts';
import { type AlipayConfig, type AlipayConfigFile, type AlipayKeys, loadAlipayKeys, parseAlipayConfig } from './alipay-config.ts';
import {
  type AlipayAnswer,
  cancelOutcome,
  closeOutcome,
  describeAnswer,
  isSystemError,
  payOutcome,
  precreateOutcome,
  queryOutcome,
  refundOutcome,
  refundQueryOutcome,
} from './alipay-outcomes.ts';

export const ALIPAY_METHODS = {
  pay: 'alipay.trade.pay',
  precreate: 'alipay.trade.precreate',
  query: 'alipay.trade.query',
  cancel: 'alipay.trade.cancel',
  close: 'alipay.trade.close',
  refund: 'alipay.trade.refund',
  refundQuery: 'alipay.trade.fastpay.refund.query',
  billUrl: 'alipay.data.dataservice.bill.downloadurl.query',
} as const;

/** Alipay bill types: `trade` (acquiring, face-to-face) or `signcustomer` (balance flows). */
export type AlipayBillType = 'trade' | 'signcustomer';

/** A bill could not be fetched; `retryable` says whether asking again later may help. */
export class AlipayBillError extends Error {
  override name = 'AlipayBillError';
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The answer to one gateway call: the verified response object, or why there is none. */
type CallResult = { readonly ok: true; readonly answer: AlipayAnswer } | { readonly ok: false; readonly reason: string };

const AUTH_CODE = /^[A-Za-z0-9]{1,64}$/;
const BILL_DATE = /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/;
const MAX_BILL_BYTES = 200 * 1024 * 1024;

function checkTrade(trade: TradeRef, what: string): void {
  if (trade.wallet !== 'alipay') throw new TypeError(`${what}: trade is for wallet "${String(trade.wallet)}", not alipay`);
  if (typeof trade.outTradeNo !== 'string' || !TRADE_NO_PATTERN.test(trade.outTradeNo)) {
    throw new RangeError(`${what}: outTradeNo "${String(trade.outTradeNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`);
  }
}

function cleanSubject(subject: string, what: string): string {
  const s = String(subject).replace(/[/=&]/g, ' ').trim().slice(0, 128);
  if (s === '') throw new RangeError(`${what}: subject must not be empty`);
  return s;
}

function nonEmpty(value: string, field: string, what: string, max: number): string {
  const s = String(value ?? '').trim();
  if (s === '') throw new RangeError(`${what}: ${field} must not be empty`);
  return s.slice(0, max);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What went wrong on the way to a verified answer, for `unknown` reasons and the log. */
export function explainSdkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: unknown; message?: unknown; cause?: unknown; responseDataRaw?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cause = e?.cause as { name?: unknown; code?: unknown; message?: unknown } | undefined;
  const causeName = typeof cause?.name === 'string' ? cause.name : '';
  const causeCode = typeof cause?.code === 'string' ? cause.code : '';
  if (/Timeout/i.test(causeName) || /timeout/i.test(causeCode)) return `no answer from Alipay within ${timeoutMs} ms`;
  if (message.startsWith('HttpClient Request error')) {
    const detail = [causeCode, typeof cause?.message === 'string' ? cause.message : ''].filter(Boolean).join(' ');
    return `the connection to Alipay failed (${detail || message})`;
  }
  const status = /status: (\d{3})/.exec(message);
  if (status) return `Alipay's gateway answered HTTP ${status[1]}`;
  // alipay-sdk hands a missing "sign" straight to crypto.verify, which throws a TypeError.
  if (err instanceof TypeError && /signature/i.test(message)) return "Alipay's answer carries no usable signature and was rejected";
  if (message.includes('验签失败')) return `Alipay's answer failed signature verification and was rejected${unverifiedHint(e?.responseDataRaw)}`;
  if (message.includes('找不到')) return "Alipay's answer did not contain the expected response";
  if (message.includes('Response 格式错误')) return `Alipay's answer is not JSON${snippet(e?.responseDataRaw)}`;
  return `Alipay's answer could not be checked (${message})`;
}

function snippet(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') return ' (empty body)';
  const s = raw.replace(/\s+/g, ' ').trim().slice(0, 40);
  return ` (starts "${s}")`;
}

/** What an answer that failed verification claimed, flagged as unverified (for diagnosis). */
function unverifiedHint(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const key = Object.keys(parsed).find((k) => k.endsWith('_response'));
    const value = key === undefined ? undefined : parsed[key];
    if (value && typeof value === 'object') return ` (unverified claim: ${describeAnswer(value as AlipayAnswer)})`;
  } catch {
    // not JSON: nothing to add
  }
  return '';
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  const why = r instanceof Error ? r.message : r === undefined ? '' : String(r);
  return `stopped before Alipay answered${why ? ` (${why})` : ''}`;
}

export interface AlipayProviderOptions {
  /** Relative key paths are resolved against this (the core passes the data dir). */
  readonly baseDir?: string;
}

export class AlipayProvider implements PaymentProvider {
  readonly wallet = 'alipay' as const;
  readonly config: AlipayConfig;
  readonly #sdk: AlipaySdk;

  constructor(config: AlipayConfig, keys: AlipayKeys) {
    this.config = config;
    this.#sdk = new AlipaySdk({
      appId: config.appId,
      privateKey: keys.privateKeyPem,
      alipayPublicKey: keys.alipayPublicKeyPem,
      keyType: 'PKCS1',
      signType: 'RSA2',
      gateway: config.gateway,
      timeout: config.timeoutMs,
      camelcase: false,
    });
  }

  /** One v2 call: signed by alipay-sdk, its answer's signature verified, never throwing. */
  async #call(method: string, bizContent: Record<string, unknown>, signal: AbortSignal | undefined): Promise<CallResult> {
    if (signal?.aborted) return { ok: false, reason: `${abortReason(signal)}; nothing was sent` };
    const request = this.#sdk.exec(method, { bizContent }, { validateSign: true }).then(
      (answer): CallResult =>
        answer !== null && typeof answer === 'object' ? { ok: true, answer: answer as AlipayAnswer } : { ok: false, reason: "Alipay's answer is not an object" },
      (err: unknown): CallResult => ({ ok: false, reason: explainSdkError(err, this.config.timeoutMs) }),
    );
    if (!signal) return request;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<CallResult>((resolve) => {
      onAbort = () => resolve({ ok: false, reason: abortReason(signal) });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([request, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  #storeId(requested: string): string {
    return this.config.storeId ?? requested;
  }

  #operatorId(requested: string, what: string): string {
    return (this.config.operatorId ?? nonEmpty(requested, 'operatorId', what, 28)).slice(0, 28);
  }

  async pay(request: PayRequest, signal?: AbortSignal): Promise<PayOutcome> {
    const what = 'alipay pay';
    checkTrade(request, what);
    if (typeof request.authCode !== 'string' || !AUTH_CODE.test(request.authCode)) {
      throw new RangeError(`${what}: authCode must be the scanned payment code (1–64 letters or digits)`);
    }
    const biz = {
      out_trade_no: request.outTradeNo,
      scene: 'bar_code',
      auth_code: request.authCode,
      product_code: 'FACE_TO_FACE_PAYMENT',
      subject: cleanSubject(request.subject, what),
      total_amount: toYuanString(request.amount, request.currency, `${what} amount`),
      store_id: this.#storeId(nonEmpty(request.storeId, 'storeId', what, 32)),
      terminal_id: nonEmpty(request.terminalId, 'terminalId', what, 32),
      operator_id: this.#operatorId(request.operatorId, what),
    };
    const r = await this.#call(ALIPAY_METHODS.pay, biz, signal);
    return r.ok ? payOutcome(r.answer, request.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async precreate(request: PrecreateRequest, signal?: AbortSignal): Promise<PrecreateOutcome> {
    const what = 'alipay precreate';
    checkTrade(request, what);
    if (!Number.isSafeInteger(request.qrTimeoutMinutes) || request.qrTimeoutMinutes < 1 || request.qrTimeoutMinutes > 21_600) {
      throw new RangeError(`${what}: qrTimeoutMinutes ${String(request.qrTimeoutMinutes)} must be a whole number of minutes from 1 to 21600 (15 days)`);
    }
    const biz = {
      out_trade_no: request.outTradeNo,
      product_code: 'FACE_TO_FACE_PAYMENT',
      subject: cleanSubject(request.subject, what),
      total_amount: toYuanString(request.amount, request.currency, `${what} amount`),
      store_id: this.#storeId(nonEmpty(request.storeId, 'storeId', what, 32)),
      terminal_id: nonEmpty(request.terminalId, 'terminalId', what, 32),
      operator_id: this.#operatorId(request.operatorId, what),
      qr_code_timeout_express: `${request.qrTimeoutMinutes}m`,
    };
    const r = await this.#call(ALIPAY_METHODS.precreate, biz, signal);
    return r.ok ? precreateOutcome(r.answer, request.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async query(trade: TradeRef, signal?: AbortSignal): Promise<QueryOutcome> {
    checkTrade(trade, 'alipay query');
    const r = await this.#call(ALIPAY_METHODS.query, { out_trade_no: trade.outTradeNo }, signal);
    return r.ok ? queryOutcome(r.answer, trade.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async cancel(trade: TradeRef, signal?: AbortSignal): Promise<CancelOutcome> {
    checkTrade(trade, 'alipay cancel');
    const r = await this.#call(ALIPAY_METHODS.cancel, { out_trade_no: trade.outTradeNo }, signal);
    return r.ok ? cancelOutcome(r.answer, trade.outTradeNo) : { kind: 'retry', reason: r.reason };
  }

  async close(trade: TradeRef, signal?: AbortSignal): Promise<CloseOutcome> {
    checkTrade(trade, 'alipay close');
    const biz: Record<string, unknown> = { out_trade_no: trade.outTradeNo };
    if (this.config.operatorId !== undefined) biz.operator_id = this.config.operatorId;
    const r = await this.#call(ALIPAY_METHODS.close, biz, signal);
    return r.ok ? closeOutcome(r.answer, trade.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async refund(request: RefundRequest, signal?: AbortSignal): Promise<RefundOutcome> {
    const what = 'alipay refund';
    checkTrade(request, what);
    if (typeof request.outRequestNo !== 'string' || !TRADE_NO_PATTERN.test(request.outRequestNo)) {
      throw new RangeError(`${what}: outRequestNo "${String(request.outRequestNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`);
    }
    const biz: Record<string, unknown> = {
      out_trade_no: request.outTradeNo,
      out_request_no: request.outRequestNo,
      refund_amount: toYuanString(request.amount, request.currency, `${what} amount`),
      operator_id: this.#operatorId(request.operatorId, what),
    };
    const reason = String(request.reason ?? '').trim().slice(0, 256);
    if (reason !== '') biz.refund_reason = reason;
    if (this.config.storeId !== undefined) biz.store_id = this.config.storeId;
    const r = await this.#call(ALIPAY_METHODS.refund, biz, signal);
    return r.ok ? refundOutcome(r.answer, request.outTradeNo) : { kind: 'unknown', reason: r.reason };
  }

  async refundQuery(trade: TradeRef & { readonly outRequestNo: string }, signal?: AbortSignal): Promise<RefundQueryOutcome> {
    const what = 'alipay refund query';
    checkTrade(trade, what);
    if (typeof trade.outRequestNo !== 'string' || !TRADE_NO_PATTERN.test(trade.outRequestNo)) {
      throw new RangeError(`${what}: outRequestNo "${String(trade.outRequestNo)}" must be 1–32 characters of A-Z, a-z, 0-9 and _`);
    }
    const r = await this.#call(ALIPAY_METHODS.refundQuery, { out_trade_no: trade.outTradeNo, out_request_no: trade.outRequestNo }, signal);
    return r.ok ? refundQueryOutcome(r.answer, trade.outTradeNo, trade.outRequestNo) : { kind: 'unknown', reason: r.reason };
  }

  /**
   * The download URL of the bill for `date` ("yyyy-MM-dd" for a day, available T+1 after about
   * 10:00 Beijing time; "yyyy-MM" for a month). Alipay keeps the URL valid for 30 seconds.
   * Throws AlipayBillError when there is none (e.g. isp.bill_not_exist) or no clear answer.
   */
  async billDownloadUrl(date: string, billType: AlipayBillType = 'trade', signal?: AbortSignal): Promise<string> {
    if (typeof date !== 'string' || !BILL_DATE.test(date)) throw new RangeError(`alipay bill: date "${String(date)}" must be yyyy-MM-dd or yyyy-MM`);
    if (billType !== 'trade' && billType !== 'signcustomer') throw new RangeError(`alipay bill: billType "${String(billType)}" must be trade or signcustomer`);
    const r = await this.#call(ALIPAY_METHODS.billUrl, { bill_type: billType, bill_date: date }, signal);
    if (!r.ok) throw new AlipayBillError(`no bill URL for ${date}: ${r.reason}`, 'kassa.NO_ANSWER', true);
    const a = r.answer;
    const code = typeof a.code === 'string' ? a.code : '';
    const sub = typeof a.sub_code === 'string' ? a.sub_code : undefined;
    if (code !== '10000') {
      const retryable = code === '20000' || isSystemError(sub);
      throw new AlipayBillError(`Alipay has no bill for ${date}: ${describeAnswer(a)}`, sub ?? code, retryable);
    }
    const url = a.bill_download_url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      throw new AlipayBillError(`Alipay's bill answer for ${date} has no usable bill_download_url`, 'kassa.NO_URL', true);
    }
    return url;
  }

  /** The bill for `date` as Alipay serves it: a zip of GBK CSV files (not unpacked here). */
  async downloadBill(date: string, billType: AlipayBillType = 'trade', signal?: AbortSignal): Promise<Uint8Array> {
    const url = await this.billDownloadUrl(date, billType, signal);
    const timeout = AbortSignal.timeout(this.config.timeoutMs * 3);
    let response: Response;
    try {
      response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'follow' });
    } catch (err) {
      throw new AlipayBillError(`downloading the bill for ${date} failed: ${errorText(err)}`, 'kassa.DOWNLOAD_FAILED', true);
    }
    if (!response.ok) {
      throw new AlipayBillError(`downloading the bill for ${date} failed: HTTP ${response.status}`, 'kassa.DOWNLOAD_FAILED', response.status >= 500 || response.status === 404);
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_BILL_BYTES) throw new AlipayBillError(`the bill for ${date} is ${declared} bytes, over the ${MAX_BILL_BYTES}-byte limit`, 'kassa.TOO_LARGE', false);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      throw new AlipayBillError(`downloading the bill for ${date} failed: ${errorText(err)}`, 'kassa.DOWNLOAD_FAILED', true);
    }
    if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b || bytes[2] !== 0x03 || bytes[3] !== 0x04) {
      throw new AlipayBillError(`the bill for ${date} is not a zip file (${bytes.length} bytes)`, 'kassa.NOT_ZIP', true);
    }
    return bytes;
  }
}

/**
 * Checks the `payments.alipay` config block and reads both key files. Throws AlipayConfigError
 * naming the field (and the file) for any problem, before anything is sent.
 */
export function createAlipayProvider(config: AlipayConfigFile | AlipayConfig, options: AlipayProviderOptions = {}): AlipayProvider {
  const parsed = parseAlipayConfig(config);
  const keys = loadAlipayKeys(parsed, options.baseDir ?? process.cwd());
  return new AlipayProvider(parsed, keys);
}
