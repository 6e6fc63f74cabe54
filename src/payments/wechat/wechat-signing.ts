// WeChat Pay v2 signatures, the merchant's side: sign a request, verify an answer. The rule
// (pay.weixin.qq.com v2 安全规范): take every non-empty parameter except `sign`, sort the keys
// in ASCII order, join as `k=v&…`, append `&key=<API key>`, then MD5, or HMAC-SHA256 keyed
// with the API key, as uppercase hex.
// Hand-written on node:crypto: the rule is a few lines; wechatpay-axios-plugin (the maintained
// SDK that has it) is not installed, drags in axios, and its v2 verifier passes an answer that
// carries no `sign` at all, which Kassa must reject. Kept independent of the sandbox's own
// gateway-side copy on purpose, so the interop tests check one against the other.
//
// Decisions:
// - An answer is verified with the sign type the request used (WeChat signs the answer the
//   same way); the type is not guessed from the signature's length, so an MD5 answer to an
//   HMAC-SHA256 request is rejected.
// - Comparison is constant-time; a missing or malformed signature is simply "not valid".
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type WechatSignType = 'MD5' | 'HMAC-SHA256';

/** The string that is hashed: `k=v&…&key=<API key>` over sorted non-empty fields except sign. */
export function signContent(fields: Readonly<Record<string, string>>, apiKey: string): string {
  const keys = Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '' && fields[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `${keys.map((k) => `${k}=${fields[k]}`).join('&')}&key=${apiKey}`;
}

export function signFields(fields: Readonly<Record<string, string>>, apiKey: string, signType: WechatSignType): string {
  const content = Buffer.from(signContent(fields, apiKey), 'utf8');
  const digest = signType === 'HMAC-SHA256' ? createHmac('sha256', apiKey).update(content).digest('hex') : createHash('md5').update(content).digest('hex');
  return digest.toUpperCase();
}

export function verifyFields(fields: Readonly<Record<string, string>>, apiKey: string, signType: WechatSignType): boolean {
  const given = fields.sign;
  if (typeof given !== 'string' || !/^[0-9A-F]+$/.test(given)) return false;
  const expected = Buffer.from(signFields(fields, apiKey, signType), 'ascii');
  const actual = Buffer.from(given, 'ascii');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** 32 random hex characters: WeChat's nonce_str (at most 32). */
export function nonceStr(): string {
  return randomBytes(16).toString('hex');
}
