// WeChat Pay v2 signatures (pay.weixin.qq.com "安全规范"): sort the non-empty parameters other
// than `sign` by key (ASCII), join as `k=v&…`, append `&key=<API key>`, then MD5 or
// HMAC-SHA256 (keyed with the API key) as uppercase hex. Hand-written on node:crypto: the rule
// is four lines, and the SDK that has it (wechatpay-axios-plugin) is not installed.
//
// Decisions:
// - `sign_type` absent means MD5 (WeChat's default); "HMAC-SHA256" selects HMAC; anything else
//   is refused by the caller before any signature is checked.
// - Comparison is constant-time and case-sensitive on the uppercase hex WeChat defines.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type WechatSignType = 'MD5' | 'HMAC-SHA256';

export function wechatSignContent(params: Readonly<Record<string, string>>, apiKey: string): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`);
  return `${pairs.join('&')}&key=${apiKey}`;
}

export function wechatSign(params: Readonly<Record<string, string>>, apiKey: string, signType: WechatSignType): string {
  const content = wechatSignContent(params, apiKey);
  const hex = signType === 'MD5' ? createHash('md5').update(content, 'utf8').digest('hex') : createHmac('sha256', apiKey).update(content, 'utf8').digest('hex');
  return hex.toUpperCase();
}

export function wechatVerify(params: Readonly<Record<string, string>>, apiKey: string, signType: WechatSignType): boolean {
  const given = params.sign;
  if (given === undefined) return false;
  const expected = wechatSign(params, apiKey, signType);
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The sign_type named in a request, or null when it names one WeChat does not have. */
export function wechatSignTypeOf(value: string | undefined): WechatSignType | null {
  if (value === undefined || value === '' || value === 'MD5') return 'MD5';
  if (value === 'HMAC-SHA256') return 'HMAC-SHA256';
  return null;
}
