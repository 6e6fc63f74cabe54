// The flat XML WeChat Pay v2 uses for requests and responses: one <xml> root whose children are
// leaf elements holding text or CDATA, e.g. <xml><appid><![CDATA[wx…]]></appid><total_fee>1</total_fee></xml>.
// Hand-written: fast-xml-parser is not installed (only @xmldom/xmldom, a transitive dependency
// of the Electron packager, which the project must not rely on), and the dialect is this small.
//
// Decisions:
// - Anything else is refused with a reason, never half-read: nested elements, attributes on
//   children, a DOCTYPE or entity declaration (the XXE hole WeChat itself warned merchants
//   about), unknown entities, duplicate keys, text outside elements.
// - Output wraps every value in CDATA (splitting any "]]>"), as WeChat's own responses do.

export type FlatXmlResult = { readonly ok: true; readonly fields: Record<string, string> } | { readonly ok: false; readonly reason: string };

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeText(text: string): string | null {
  if (/&(?!(?:#x[0-9a-fA-F]+|#\d+|[a-z]+);)/.test(text)) return null; // a bare "&"
  let bad = false;
  const out = text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (_m, name: string) => {
    if (name.startsWith('#')) {
      const cp = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (cp > 0x10ffff) {
        bad = true;
        return '';
      }
      return String.fromCodePoint(cp);
    }
    const v = ENTITIES[name];
    if (v === undefined) bad = true;
    return v ?? '';
  });
  return bad ? null : out;
}

export function parseFlatXml(text: string): FlatXmlResult {
  const src = text.replace(/^\uFEFF/, '').trim().replace(/^<\?xml[^?]*\?>\s*/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(src)) return { ok: false, reason: 'DOCTYPE and entity declarations are not accepted' };
  const root = /^<xml>([\s\S]*)<\/xml>$/.exec(src);
  if (root === null) return { ok: false, reason: 'expected one <xml>…</xml> element' };
  const body = root[1] ?? '';
  const fields: Record<string, string> = {};
  // A leaf's content is any run of CDATA sections and text without markup.
  const element = /\s*<([A-Za-z_][A-Za-z0-9_]*)>((?:<!\[CDATA\[(?:(?!\]\]>)[\s\S])*\]\]>|[^<])*)<\/\1>\s*/y;
  let at = 0;
  while (at < body.length) {
    element.lastIndex = at;
    const m = element.exec(body);
    if (m === null) {
      const rest = body.slice(at).trim();
      if (rest === '') break;
      return { ok: false, reason: `unexpected content at "${rest.slice(0, 30)}": only leaf elements with text or CDATA are accepted` };
    }
    const key = m[1] as string;
    if (Object.hasOwn(fields, key)) return { ok: false, reason: `<${key}> appears twice` };
    let value = '';
    for (const part of (m[2] ?? '').split(/(<!\[CDATA\[(?:(?!\]\]>)[\s\S])*\]\]>)/)) {
      if (part.startsWith('<![CDATA[')) value += part.slice(9, -3);
      else {
        const decoded = decodeText(part);
        if (decoded === null) return { ok: false, reason: `<${key}> holds an unknown or malformed entity` };
        value += decoded;
      }
    }
    fields[key] = value;
    at = element.lastIndex;
  }
  return { ok: true, fields };
}

export function buildFlatXml(fields: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(fields).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`"${k}" is not a valid XML element name`);
    const text = typeof v === 'number' ? String(v) : `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
    return `<${k}>${text}</${k}>`;
  });
  return `<xml>${parts.join('')}</xml>`;
}
