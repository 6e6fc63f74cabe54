import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildXml, parseXml } from '../../../../src/payments/wechat/wechat-xml.ts';

describe('WeChat flat XML', () => {
  it('reads an answer the way WeChat writes it (CDATA, bare numbers, a declaration, whitespace)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<xml>
  <return_code><![CDATA[SUCCESS]]></return_code>
  <return_msg><![CDATA[OK]]></return_msg>
  <total_fee>8888</total_fee>
  <body>Tom &amp; Jerry &#x4E2D;</body>
  <empty></empty>
</xml>`;
    expect(parseXml(xml)).toEqual({ ok: true, fields: { return_code: 'SUCCESS', return_msg: 'OK', total_fee: '8888', body: 'Tom & Jerry 中', empty: '' } });
  });

  it('joins a value split over CDATA sections (how "]]>" is written)', () => {
    expect(parseXml('<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a></xml>')).toEqual({ ok: true, fields: { a: 'x]]>y' } });
  });

  it('refuses HTML, nesting, entities it does not know, DOCTYPE and duplicates, with a reason', () => {
    const bad = [
      '<html><body>502 Bad Gateway</body></html>',
      '',
      '<xml><a><b>1</b></a></xml>',
      '<xml><a x="1">1</a></xml>',
      '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>',
      '<xml><a>&nbsp;</a></xml>',
      '<xml><a>AT&T</a></xml>',
      '<xml><a>1</a><a>2</a></xml>',
      '<xml>stray<a>1</a></xml>',
      '<xml><a><![CDATA[unterminated</a></xml>',
      '<xml><a>1</b></xml>',
    ];
    for (const text of bad) {
      const r = parseXml(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(3);
    }
  });

  it('round-trips any field values (any code points), including "]]>", "<", "&" and Chinese', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/), fc.string({ unit: 'binary', maxLength: 40 }), { maxKeys: 8 }), (fields) => {
        expect(parseXml(buildXml(fields))).toEqual({ ok: true, fields });
      }),
      { numRuns: 500 },
    );
    expect(parseXml(buildXml({ body: '咖啡 ]]> <b>&amp;' }))).toEqual({ ok: true, fields: { body: '咖啡 ]]> <b>&amp;' } });
  });

  it('keeps "__proto__" and "constructor" as plain fields', () => {
    const r = parseXml('<xml><__proto__>x</__proto__><constructor>y</constructor></xml>');
    expect(r.ok && r.fields.__proto__).toBe('x');
    expect(r.ok && Object.keys(r.fields)).toEqual(['__proto__', 'constructor']);
    expect(parseXml('<xml><__proto__>x</__proto__><__proto__>y</__proto__></xml>').ok).toBe(false);
  });

  it('refuses to build a field name that is not XML', () => {
    expect(() => buildXml({ 'bad name': '1' })).toThrow(/"bad name" is not a WeChat field name/);
  });
});
