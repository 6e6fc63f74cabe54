// WeChat Pay v2 signatures against the worked example in WeChat's 安全规范 page (the same
// parameters and key give the published MD5 and HMAC-SHA256 signatures), and the flat XML
// dialect the v2 API speaks.
import { describe, expect, it } from 'vitest';
import { buildFlatXml, parseFlatXml } from '../../../../src/payments/sandbox/flat-xml.ts';
import { wechatSign, wechatSignContent, wechatSignTypeOf, wechatVerify } from '../../../../src/payments/sandbox/wechat-signing.ts';

const DOC_PARAMS = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
const DOC_KEY = '192006250b4c09247ec02edce69f6a2d';

describe('wechatSign', () => {
  it("reproduces WeChat's published example for MD5 and HMAC-SHA256", () => {
    expect(wechatSignContent(DOC_PARAMS, DOC_KEY)).toBe('appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d');
    expect(wechatSign(DOC_PARAMS, DOC_KEY, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(wechatSign(DOC_PARAMS, DOC_KEY, 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });

  it('leaves out sign and empty values', () => {
    expect(wechatSign({ ...DOC_PARAMS, sign: 'X', attach: '' }, DOC_KEY, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
  });

  it('verifies the right signature only: another key, a changed field or lowercase hex fail', () => {
    const sign = '9A0A8659F005D6984697E2CA0A9CF3B7';
    expect(wechatVerify({ ...DOC_PARAMS, sign }, DOC_KEY, 'MD5')).toBe(true);
    expect(wechatVerify({ ...DOC_PARAMS, sign }, 'x'.repeat(32), 'MD5')).toBe(false);
    expect(wechatVerify({ ...DOC_PARAMS, body: 'test2', sign }, DOC_KEY, 'MD5')).toBe(false);
    expect(wechatVerify({ ...DOC_PARAMS, sign: sign.toLowerCase() }, DOC_KEY, 'MD5')).toBe(false);
    expect(wechatVerify(DOC_PARAMS, DOC_KEY, 'MD5')).toBe(false);
  });

  it('reads sign_type: absent or MD5 is MD5, HMAC-SHA256 is HMAC, anything else is refused', () => {
    expect(wechatSignTypeOf(undefined)).toBe('MD5');
    expect(wechatSignTypeOf('MD5')).toBe('MD5');
    expect(wechatSignTypeOf('HMAC-SHA256')).toBe('HMAC-SHA256');
    expect(wechatSignTypeOf('RSA')).toBeNull();
  });
});

describe('flat XML', () => {
  it('reads CDATA and plain text leaves, entities included', () => {
    const r = parseFlatXml('<?xml version="1.0"?>\n<xml>\n <appid><![CDATA[wx1]]></appid>\n <total_fee>1</total_fee>\n <body>A &amp; B &lt;3 &#20013;</body><attach></attach></xml>');
    expect(r).toEqual({ ok: true, fields: { appid: 'wx1', total_fee: '1', body: 'A & B <3 中', attach: '' } });
  });

  it('refuses what is not the flat dialect, saying why', () => {
    const reason = (text: string) => {
      const r = parseFlatXml(text);
      return r.ok ? 'accepted' : r.reason;
    };
    expect(reason('<xml><a><b>1</b></a></xml>')).toMatch(/only leaf elements/);
    expect(reason('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>')).toMatch(/DOCTYPE/);
    expect(reason('<xml><a>1</a><a>2</a></xml>')).toBe('<a> appears twice');
    expect(reason('<xml><a>&nbsp;</a></xml>')).toMatch(/entity/);
    expect(reason('<xml><a>A & B</a></xml>')).toMatch(/entity/);
    expect(reason('{"a":1}')).toMatch(/<xml>/);
    expect(reason('<xml><a x="1">1</a></xml>')).toMatch(/only leaf elements/);
  });

  it('writes CDATA values (a "]]>" inside survives) that read back the same', () => {
    const fields = { return_code: 'SUCCESS', err_code_des: 'a]]>b <c> & d', total_fee: 100 };
    const xml = buildFlatXml(fields);
    expect(xml).toBe('<xml><return_code><![CDATA[SUCCESS]]></return_code><err_code_des><![CDATA[a]]]]><![CDATA[>b <c> & d]]></err_code_des><total_fee>100</total_fee></xml>');
    expect(parseFlatXml(xml)).toEqual({ ok: true, fields: { return_code: 'SUCCESS', err_code_des: 'a]]>b <c> & d', total_fee: '100' } });
    expect(parseFlatXml(buildFlatXml({ a: 'x<y>&z', n: 7 }))).toEqual({ ok: true, fields: { a: 'x<y>&z', n: '7' } });
  });
});
