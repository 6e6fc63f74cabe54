// The protocol half of the Alipay v2 gateway (POST /gateway.do): read the common parameters
// from the query string and the form body together (as alipay-sdk sends them), check them and
// the app's RSA2 signature, run the method (alipay-methods.ts) and answer
// `{"<method>_response":{…},"sign":"…"}` signed over the exact bytes sent, with the faults of
// faults.ts acted out around it (fault-actor.ts).
//
// Decisions:
// - Checks, in Alipay's order, each with its public error code: method missing (40001
//   isv.missing-method) or unknown (40002 isv.invalid-method) → `error_response`, unsigned,
//   since there is no method key to answer under; then, under the method's key and signed:
//   app_id missing/unknown (isv.missing-app-id / isv.invalid-app-id), sign missing
//   (isv.missing-signature), sign_type missing or not RSA2 (isv.missing-signature-type /
//   isv.invalid-signature-type: the sandbox only speaks RSA2), charset other than utf-8
//   (isv.invalid-charset), format other than JSON (isv.invalid-format), timestamp missing or not
//   "yyyy-MM-dd HH:mm:ss" (isv.missing-timestamp / isv.invalid-timestamp; its clock skew is not
//   checked), then the signature: 40002 isv.invalid-signature, whose sub_msg quotes the string
//   the gateway verified (as Alipay's does), so a developer can diff it with theirs.
// - A parameter given twice (query and body, or repeated) is refused as 40002
//   isv.invalid-parameter: which copy was signed would be ambiguous.
// - biz_content missing or not a JSON object: 40004 ACQ.INVALID_PARAMETER.
// - An exception inside the sandbox is its own bug: HTTP 500 with the message (never a
//   plausible Alipay answer that could hide it), and `onInternalError` hears about it.
import type { ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { alipaySignContent, encodeAlipayResponse, privateKeyOf, publicKeyOf, responseKeyOf, rsa2Verify } from './alipay-signing.ts';
import type { PrivateKeyInput, PublicKeyInput } from './alipay-signing.ts';
import { ALIPAY_METHODS, BizError, failure, refusalEcho } from './alipay-methods.ts';
import type { ResponseBody } from './alipay-methods.ts';
import type { BillService } from './bill.ts';
import { actOut } from './fault-actor.ts';
import type { Reply } from './fault-actor.ts';
import type { FaultInjector } from './faults.ts';
import type { Ledger } from './ledger.ts';
import type { TradeBook } from './trade-book.ts';

export interface AlipayApp {
  readonly appId: string;
  /** The app's public key (SPKI PEM): what its requests are verified with. */
  readonly publicKey: PublicKeyInput;
  readonly name?: string;
}

export interface AlipayGatewayOptions {
  readonly apps: readonly AlipayApp[];
  /** The gateway's own private key: every response is signed with it. */
  readonly privateKey: PrivateKeyInput;
  readonly book: TradeBook;
  readonly ledger: Ledger;
  readonly bills: BillService;
  readonly faults: FaultInjector;
  readonly maxTotalFen: number;
  readonly onInternalError: (err: unknown) => void;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

type Params = Record<string, string>;

function mergeParams(query: URLSearchParams, body: URLSearchParams): { params: Params } | { duplicate: string } {
  const params: Params = {};
  for (const source of [query, body]) {
    for (const [k, v] of source) {
      if (Object.hasOwn(params, k)) return { duplicate: k };
      params[k] = v;
    }
  }
  return { params };
}

const gatewayError = (code: '40001' | '40002', subCode: string, subMsg: string): ResponseBody => ({
  code,
  msg: code === '40001' ? 'Missing Required Arguments' : 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});

export class AlipayGateway {
  private readonly apps: ReadonlyMap<string, KeyObject>;
  private readonly key: KeyObject;

  constructor(private readonly options: AlipayGatewayOptions) {
    this.apps = new Map(options.apps.map((a) => [a.appId, publicKeyOf(a.publicKey)]));
    this.key = privateKeyOf(options.privateKey);
  }

  async handle(res: ServerResponse, url: URL, body: Buffer, signal: AbortSignal): Promise<void> {
    const merged = mergeParams(url.searchParams, new URLSearchParams(body.toString('utf8')));
    const method = 'params' in merged ? merged.params.method : url.searchParams.get('method') ?? undefined;
    if (method === undefined || method === '') {
      this.sendUnsigned(res, gatewayError('40001', 'isv.missing-method', '缺少方法名参数'));
      return;
    }
    if (!Object.hasOwn(ALIPAY_METHODS, method)) {
      this.sendUnsigned(res, gatewayError('40002', 'isv.invalid-method', `不存在的方法名: ${method}`));
      return;
    }
    const responseKey = responseKeyOf(method);
    const signed = (b: ResponseBody, tamper = false): Reply => ({
      status: 200,
      contentType: JSON_TYPE,
      body: encodeAlipayResponse(responseKey, b, this.key, { tamper }),
    });
    const fault = this.options.faults.next(method);
    await actOut(
      fault,
      {
        work: (tamper) => {
          try {
            return signed('params' in merged ? this.run(method, merged.params) : gatewayError('40002', 'isv.invalid-parameter', `参数 ${merged.duplicate} 重复`), tamper);
          } catch (err) {
            this.options.onInternalError(err);
            return { status: 500, contentType: 'text/plain;charset=utf-8', body: `sandbox gateway bug: ${(err as Error)?.stack ?? String(err)}` };
          }
        },
        failure: (kind) => signed(this.failureBody(kind, method, 'params' in merged ? merged.params : {})),
      },
      res,
      signal,
    );
  }

  private sendUnsigned(res: ServerResponse, b: ResponseBody): void {
    const text = JSON.stringify({ error_response: b });
    if (!res.destroyed && !res.headersSent) {
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    }
  }

  private failureBody(kind: 'unavailable' | 'system-error', method: string, params: Params): ResponseBody {
    let biz: unknown;
    try {
      biz = JSON.parse(params.biz_content ?? '{}');
    } catch {
      biz = {};
    }
    const echo = refusalEcho(method, biz !== null && typeof biz === 'object' ? (biz as Record<string, unknown>) : {});
    if (method === 'alipay.trade.cancel') echo.retry_flag = 'Y';
    if (kind === 'unavailable') return { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙', ...echo };
    return failure('ACQ.SYSTEM_ERROR', undefined, echo);
  }

  /** Common parameters, signature, then the method: the response body. */
  private run(method: string, p: Params): ResponseBody {
    if (!p.app_id) return gatewayError('40001', 'isv.missing-app-id', '缺少AppID参数');
    const appKey = this.apps.get(p.app_id);
    if (appKey === undefined) return gatewayError('40002', 'isv.invalid-app-id', `无效的AppID参数: ${p.app_id}`);
    if (!p.sign) return gatewayError('40001', 'isv.missing-signature', '缺少签名参数');
    if (!p.sign_type) return gatewayError('40001', 'isv.missing-signature-type', '缺少签名类型参数');
    if (p.sign_type !== 'RSA2') return gatewayError('40002', 'isv.invalid-signature-type', `无效签名类型: ${p.sign_type} (the sandbox accepts RSA2 only)`);
    if (p.charset !== undefined && p.charset.toLowerCase() !== 'utf-8') return gatewayError('40002', 'isv.invalid-charset', `无效的字符集: ${p.charset} (the sandbox accepts utf-8 only)`);
    if (p.format !== undefined && p.format.toUpperCase() !== 'JSON') return gatewayError('40002', 'isv.invalid-format', `无效数据格式: ${p.format}`);
    if (!p.timestamp) return gatewayError('40001', 'isv.missing-timestamp', '缺少时间戳参数');
    if (!TIMESTAMP.test(p.timestamp)) return gatewayError('40002', 'isv.invalid-timestamp', `非法的时间戳参数: ${p.timestamp}`);
    const content = alipaySignContent(p);
    if (!rsa2Verify(content, p.sign, appKey)) {
      return gatewayError('40002', 'isv.invalid-signature', `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`);
    }
    let biz: unknown;
    try {
      biz = JSON.parse(p.biz_content ?? '');
    } catch {
      return failure('ACQ.INVALID_PARAMETER', p.biz_content === undefined ? '参数无效: biz_content is required' : '参数无效: biz_content is not valid JSON');
    }
    if (biz === null || typeof biz !== 'object' || Array.isArray(biz)) return failure('ACQ.INVALID_PARAMETER', '参数无效: biz_content must be a JSON object');
    const handler = ALIPAY_METHODS[method];
    if (handler === undefined) return gatewayError('40002', 'isv.invalid-method', `不存在的方法名: ${method}`);
    const o = this.options;
    const record = biz as Record<string, unknown>;
    try {
      return handler({ merchant: p.app_id, biz: record, book: o.book, ledger: o.ledger, bills: o.bills, now: o.book.clock(), maxTotalFen: o.maxTotalFen });
    } catch (err) {
      if (!(err instanceof BizError)) throw err;
      return failure(err.subCode, err.subMsg, refusalEcho(method, record));
    }
  }
}
