import { describe, expect, it } from 'vitest';
import { nonceStr, signContent, signFields, verifyFields } from '../../../../src/payments/wechat/wechat-signing.ts';

// The worked example of WeChat Pay's v2 signing guide (安全规范).
const DOC_FIELDS = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
const DOC_KEY = '192006250b4c09247ec02edce69f6a2d';

describe('WeChat Pay v2 signatures', () => {
  it("reproduces the signing guide's example for MD5 and HMAC-SHA256", () => {
    expect(signContent(DOC_FIELDS, DOC_KEY)).toBe(
      'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d',
    );
    expect(signFields(DOC_FIELDS, DOC_KEY, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(signFields(DOC_FIELDS, DOC_KEY, 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });

  it('leaves out empty values and the sign itself; keeps sign_type', () => {
    const withExtras = { ...DOC_FIELDS, attach: '', sign: 'WHATEVER' };
    expect(signFields(withExtras, DOC_KEY, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(signContent({ b: '2', a: '1', sign_type: 'MD5' }, 'k')).toBe('a=1&b=2&sign_type=MD5&key=k');
  });

  it('verifies only the right signature of the right type', () => {
    const md5 = { ...DOC_FIELDS, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' };
    expect(verifyFields(md5, DOC_KEY, 'MD5')).toBe(true);
    expect(verifyFields(md5, DOC_KEY, 'HMAC-SHA256')).toBe(false);
    expect(verifyFields({ ...md5, body: 'test2' }, DOC_KEY, 'MD5')).toBe(false);
    expect(verifyFields({ ...md5, sign: md5.sign.toLowerCase() }, DOC_KEY, 'MD5')).toBe(false);
    expect(verifyFields(DOC_FIELDS, DOC_KEY, 'MD5')).toBe(false);
    expect(verifyFields(md5, 'another-key', 'MD5')).toBe(false);
  });

  it('makes a fresh 32-character nonce every time', () => {
    const a = nonceStr();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(nonceStr()).not.toBe(a);
  });
});
