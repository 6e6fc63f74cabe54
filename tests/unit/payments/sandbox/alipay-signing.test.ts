// The gateway's half of Alipay's RSA2 signing, checked against alipay-sdk's own client half:
// what the SDK signs verifies here, what is signed here the SDK accepts (and a tampered answer
// it rejects), plus fixed vectors for the sign content and the signature.
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import {
  alipayJson,
  alipaySignContent,
  encodeAlipayResponse,
  responseKeyOf,
  rsa2Sign,
  rsa2Verify,
} from '../../../../src/payments/sandbox/alipay-signing.ts';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, GATEWAY_PRIVATE_KEY, GATEWAY_PUBLIC_KEY, SIGNED_CONTENT, SIGNED_CONTENT_SIGNATURE } from './test-keys.ts';

const sdk = new AlipaySdk({ appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: GATEWAY_PUBLIC_KEY });

describe('alipaySignContent', () => {
  it('sorts keys in ASCII order, leaves out sign and empty values, and keeps raw values', () => {
    const content = alipaySignContent({
      timestamp: '2025-03-01 09:30:00',
      sign: 'ignored',
      method: 'alipay.trade.query',
      app_id: APP_ID,
      notify_url: '',
      biz_content: '{"out_trade_no":"T20250301093000001"}',
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
    });
    expect(content).toBe(SIGNED_CONTENT);
  });
});

describe('rsa2Sign / rsa2Verify', () => {
  it('signs the fixed vector to the fixed signature (SHA256withRSA is deterministic)', () => {
    expect(rsa2Sign(SIGNED_CONTENT, APP_PRIVATE_KEY)).toBe(SIGNED_CONTENT_SIGNATURE);
    expect(rsa2Verify(SIGNED_CONTENT, SIGNED_CONTENT_SIGNATURE, APP_PUBLIC_KEY)).toBe(true);
  });

  it('refuses a changed content, another key, and signatures that are not base64, without throwing', () => {
    expect(rsa2Verify(`${SIGNED_CONTENT} `, SIGNED_CONTENT_SIGNATURE, APP_PUBLIC_KEY)).toBe(false);
    expect(rsa2Verify(SIGNED_CONTENT, SIGNED_CONTENT_SIGNATURE, GATEWAY_PUBLIC_KEY)).toBe(false);
    expect(rsa2Verify(SIGNED_CONTENT, 'not base64!', APP_PUBLIC_KEY)).toBe(false);
    expect(rsa2Verify(SIGNED_CONTENT, '', APP_PUBLIC_KEY)).toBe(false);
    expect(rsa2Verify(SIGNED_CONTENT, 'AAAA', APP_PUBLIC_KEY)).toBe(false);
  });

  it("verifies a request signed by alipay-sdk's own sign util (sdkExecute), Chinese and '/' included", () => {
    const signed = new URLSearchParams(
      sdk.sdkExecute('alipay.trade.pay', {
        bizContent: { outTradeNo: 'T1', scene: 'bar_code', authCode: '281234567890123456', subject: '可乐/矿泉水 500ml', totalAmount: '88.88' },
        notifyUrl: 'http://127.0.0.1/notify',
      }),
    );
    const params = Object.fromEntries(signed);
    expect(params.sign_type).toBe('RSA2');
    expect(JSON.parse(params.biz_content ?? '{}')).toMatchObject({ out_trade_no: 'T1', subject: '可乐/矿泉水 500ml' });
    expect(rsa2Verify(alipaySignContent(params), params.sign ?? '', APP_PUBLIC_KEY)).toBe(true);
    // One changed character in any parameter breaks it.
    expect(rsa2Verify(alipaySignContent({ ...params, biz_content: (params.biz_content ?? '').replace('88.88', '88.89') }), params.sign ?? '', APP_PUBLIC_KEY)).toBe(false);
  });

  it('signs what alipay-sdk verifies with the gateway public key (rsaCheck)', () => {
    const content = '{"code":"10000","msg":"Success","qr_code":"https:\\/\\/qr.alipay.com\\/bax1"}';
    expect(sdk.rsaCheck(content, rsa2Sign(content, GATEWAY_PRIVATE_KEY), 'RSA2')).toBe(true);
    expect(sdk.rsaCheck(content, rsa2Sign(content, APP_PRIVATE_KEY), 'RSA2')).toBe(false);
  });
});

describe('encodeAlipayResponse', () => {
  const body = { code: '10000', msg: 'Success', out_trade_no: 'Q1', qr_code: 'https://qr.alipay.com/bax0123', subject: '测试' };

  it('writes the value as Alipay does ("/" escaped, non-ASCII kept) and signs exactly those bytes', () => {
    const text = encodeAlipayResponse('alipay_trade_precreate_response', body, GATEWAY_PRIVATE_KEY);
    const value = alipayJson(body);
    expect(value).toBe('{"code":"10000","msg":"Success","out_trade_no":"Q1","qr_code":"https:\\/\\/qr.alipay.com\\/bax0123","subject":"测试"}');
    expect(text.startsWith(`{"alipay_trade_precreate_response":${value},"sign":"`)).toBe(true);
    const parsed = JSON.parse(text) as { alipay_trade_precreate_response: typeof body; sign: string };
    expect(parsed.alipay_trade_precreate_response).toEqual(body);
    // What alipay-sdk cuts out of the raw text is exactly the signed value, and it verifies.
    expect(sdk.getSignStr(text, 'alipay_trade_precreate_response')).toBe(value);
    expect(() => sdk.checkResponseSign(text, 'alipay_trade_precreate_response', parsed.sign, 'trace')).not.toThrow();
    // A re-serialization (no "\/") is not what was signed.
    expect(rsa2Verify(JSON.stringify(body), parsed.sign, GATEWAY_PUBLIC_KEY)).toBe(false);
  });

  it('with tamper: the same text under a signature that does not match it, which alipay-sdk rejects', () => {
    const good = encodeAlipayResponse('alipay_trade_precreate_response', body, GATEWAY_PRIVATE_KEY);
    const bad = encodeAlipayResponse('alipay_trade_precreate_response', body, GATEWAY_PRIVATE_KEY, { tamper: true });
    const sig = (t: string) => (JSON.parse(t) as { sign: string }).sign;
    expect(bad.replace(sig(bad), '')).toBe(good.replace(sig(good), ''));
    expect(() => sdk.checkResponseSign(bad, 'alipay_trade_precreate_response', sig(bad), 'trace')).toThrow(/验签失败/);
  });

  it('names the response key after the method', () => {
    expect(responseKeyOf('alipay.trade.fastpay.refund.query')).toBe('alipay_trade_fastpay_refund_query_response');
  });
});
