// RSA2 (SHA256withRSA) signing as the Alipay v2 gateway does it, from the gateway's side:
// verify what a merchant app sent, sign what the gateway answers. Hand-written on node:crypto:
// alipay-sdk only has the client half (sign a request, verify a response), and the server half
// must be an independent implementation or the interop tests would prove nothing.
//
// Decisions:
// - The request content is every parameter received (query string and form body together)
//   except `sign`, with empty values dropped (Alipay's documented rule), keys in ASCII order,
//   joined as `k=v&…` with raw, URL-decoded values. `sign_type` is part of it.
// - The response is `{"<method>_response":<value>,"sign":"<base64>"}` and the signature covers
//   the exact UTF-8 text of <value> as sent, so a client must verify the bytes it received,
//   never a re-serialization: like Alipay's gateway, every "/" in the JSON is written "\/",
//   which JSON.stringify of the parsed value would not reproduce.
// - Verification never throws: a malformed signature or key is simply "not valid".
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type PrivateKeyInput = KeyObject | string;
export type PublicKeyInput = KeyObject | string;

/** The string an app signs: `k=v&…` over sorted, non-empty parameters other than `sign`. */
export function alipaySignContent(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function privateKeyOf(key: PrivateKeyInput): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

export function publicKeyOf(key: PublicKeyInput): KeyObject {
  return typeof key === 'string' ? createPublicKey(key) : key;
}

/** SHA256withRSA over the UTF-8 bytes of `content`, base64. */
export function rsa2Sign(content: string, privateKey: PrivateKeyInput): string {
  return sign('sha256', Buffer.from(content, 'utf8'), privateKeyOf(privateKey)).toString('base64');
}

/** True only for a well-formed base64 SHA256withRSA signature of `content` by that key. */
export function rsa2Verify(content: string, signature: string, publicKey: PublicKeyInput): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify('sha256', Buffer.from(content, 'utf8'), publicKeyOf(publicKey), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** JSON text as Alipay's gateway writes it: compact, non-ASCII kept, "/" escaped as "\/". */
export function alipayJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('/', '\\/');
}

export interface EncodeOptions {
  /** Sign something else than what is sent (fault injection: a tampered response). */
  readonly tamper?: boolean;
}

/**
 * The whole response text for `method` (e.g. "alipay.trade.pay" → "alipay_trade_pay_response",
 * or "error_response" when `responseKey` is given), signed over the value's exact text.
 */
export function encodeAlipayResponse(responseKey: string, body: Readonly<Record<string, unknown>>, privateKey: PrivateKeyInput, options: EncodeOptions = {}): string {
  const value = alipayJson(body);
  const signed = options.tamper === true ? value.replace(/"code":"(\d)/, (_m, d: string) => `"code":"${d === '9' ? '8' : '9'}`) : value;
  const signature = rsa2Sign(signed, privateKey);
  return `{"${responseKey}":${value},"sign":"${signature}"}`;
}

/** "alipay.trade.pay" → "alipay_trade_pay_response" (what alipay-sdk looks for). */
export function responseKeyOf(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}
