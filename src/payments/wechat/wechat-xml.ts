// The flat XML of WeChat Pay v2: one <xml> root whose children are leaf elements holding text
// or CDATA, e.g. <xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>1</total_fee></xml>.
// Hand-written: no XML library is a dependency of Kassa (fast-xml-parser is not installed), and
// the dialect is this small; a general parser would also have to be locked down against
// entity expansion (the XXE hole WeChat warned merchants about). Independent of the sandbox's
// own copy, so the interop tests check one against the other.
//
// Decisions:
// - Parsing never throws; anything outside the dialect is refused with a reason (the provider
//   turns that into `unknown`): an HTML page, nested elements, attributes, DOCTYPE/ENTITY
//   declarations, unknown entities, a key given twice, stray text.
// - Field names are data: the result has no prototype, so "__proto__" cannot reach one.
// - A value may be split over several CDATA sections (how "]]>" is written); text outside
//   CDATA has the five XML entities and numeric references decoded.
// - Building wraps every value in CDATA, splitting any "]]>".

export type XmlFields = Record<string, string>;
export type XmlParse = { readonly ok: true; readonly fields: XmlFields } | { readonly ok: false; readonly reason: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string | null {
  let bad = false;
  const out = text.replace(/&([^;&<]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) {
      bad = true;
      return '';
    }
    const named = NAMED[name];
    if (named !== undefined) return named;
    const num = /^#(?:x([0-9a-fA-F]{1,6})|(\d{1,7}))$/.exec(name);
    const cp = num ? (num[1] !== undefined ? parseInt(num[1], 16) : Number(num[2])) : NaN;
    if (!Number.isInteger(cp) || cp < 1 || cp > 0x10ffff) {
      bad = true;
      return '';
    }
    return String.fromCodePoint(cp);
  });
  return bad ? null : out;
}

/** One element's content: CDATA sections and plain text, in any order. */
function decodeContent(content: string): string | null {
  let out = '';
  let rest = content;
  for (let guard = 0; rest !== '' && guard < 10_000; guard++) {
    if (rest.startsWith('<![CDATA[')) {
      const end = rest.indexOf(']]>');
      if (end < 0) return null;
      out += rest.slice(9, end);
      rest = rest.slice(end + 3);
      continue;
    }
    const next = rest.indexOf('<');
    const text = next < 0 ? rest : rest.slice(0, next);
    if (text === '') return null; // a "<" that does not open CDATA: markup inside a leaf
    const decoded = decodeEntities(text);
    if (decoded === null) return null;
    out += decoded;
    rest = next < 0 ? '' : rest.slice(next);
  }
  return rest === '' ? out : null;
}

export function parseXml(text: string): XmlParse {
  if (typeof text !== 'string') return { ok: false, reason: 'no text' };
  const src = text.replace(/^\uFEFF/, '').trim().replace(/^<\?xml[^>]*\?>\s*/, '');
  if (/<!(?:DOCTYPE|ENTITY)/i.test(src)) return { ok: false, reason: 'DOCTYPE/ENTITY declarations are refused' };
  if (!src.startsWith('<xml>') || !src.endsWith('</xml>')) {
    return { ok: false, reason: `not WeChat XML (starts "${src.slice(0, 30).replace(/\s+/g, ' ')}")` };
  }
  const body = src.slice(5, -6);
  // No prototype: a field named "__proto__" or "constructor" is just a field.
  const fields: XmlFields = Object.create(null) as XmlFields;
  // A leaf: <name>content</name>, content being CDATA sections and text without "<".
  const leaf = /\s*<([A-Za-z_][A-Za-z0-9_]*)>((?:<!\[CDATA\[[\s\S]*?\]\]>|[^<])*)<\/\1>\s*/y;
  let at = 0;
  while (at < body.length) {
    leaf.lastIndex = at;
    const m = leaf.exec(body);
    if (m === null) {
      if (body.slice(at).trim() === '') break;
      return { ok: false, reason: `unexpected content at "${body.slice(at, at + 30).trim()}"` };
    }
    const key = m[1] as string;
    if (Object.hasOwn(fields, key)) return { ok: false, reason: `<${key}> appears twice` };
    const value = decodeContent(m[2] ?? '');
    if (value === null) return { ok: false, reason: `<${key}> holds malformed content` };
    fields[key] = value;
    at = leaf.lastIndex;
  }
  return { ok: true, fields };
}

export function buildXml(fields: Readonly<Record<string, string>>): string {
  let out = '<xml>';
  for (const [key, value] of Object.entries(fields)) {
    if (!NAME.test(key)) throw new TypeError(`"${key}" is not a WeChat field name`);
    out += `<${key}><![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${key}>`;
  }
  return `${out}</xml>`;
}
