// Parses GS1 element strings, raw (FNC1 as ASCII 29) or human-readable "(01)…(17)…", for the
// few Application Identifiers a till needs. Hand-written: the subset is small, and a full AI
// table would accept labels Kassa cannot act on anyway; those are refused by name instead.
//
// Supported AIs: 01 GTIN-14 (check digit validated), 10 batch (≤20), 11/13/16 dates (checked,
// not kept), 15 best before, 17 expiry, 21 serial (≤20), 310n net weight in kg with n
// decimals (→ grams: exact for n ≤ 3, rounded half away from zero for n > 3), 392n price
// paid (≤15 digits, n decimals; more decimals than the currency has is refused).
// Dates are YYMMDD read as 20YY (the GS1 sliding century window would need today's date;
// labels past 2099 are not a concern for a till), DD = 00 means the month's last day.
// The human-readable form cannot carry "(" inside a value; such labels must be scanned raw.

import { GS } from './scan-frame.ts';
import { gtinCheckDigit, isValidGtin } from './gtin.ts';
import type { Gs1Fields } from './scan-result.ts';
import { gramsFromKg, moneyFromDecimal } from './variable-measure.ts';

export interface Gs1Element {
  readonly ai: string;
  readonly value: string;
}

type AiSpec = { readonly fixed: number } | { readonly max: number; readonly numeric: boolean };

const CSET82 = /^[!"%-?A-Z_a-z]+$/;

function aiSpec(ai: string): AiSpec | null {
  switch (ai) {
    case '01':
      return { fixed: 14 };
    case '11':
    case '13':
    case '15':
    case '16':
    case '17':
      return { fixed: 6 };
    case '10':
    case '21':
      return { max: 20, numeric: false };
  }
  if (/^310[0-5]$/.test(ai)) return { fixed: 6 };
  if (/^392\d$/.test(ai)) return { max: 15, numeric: true };
  return null;
}

/**
 * How many digits an AI starting with these two digits has (GS1 Gen Specs table of AI
 * prefixes), so an unsupported AI can be named in full in the reason.
 */
function aiLength(firstTwo: string): number {
  const n = Number(firstTwo);
  if (n <= 22 || n === 30 || n === 37 || n >= 90) return 2;
  if ((n >= 23 && n <= 25) || (n >= 40 && n <= 43)) return 3;
  return 4;
}

type Parsed = { ok: true; elements: Gs1Element[] } | { ok: false; reason: string };

function unsupported(ai: string): Parsed {
  return { ok: false, reason: `unsupported GS1 AI (${ai})` };
}

function checkValue(ai: string, spec: AiSpec, value: string): string | null {
  if ('fixed' in spec) {
    return value.length === spec.fixed && /^\d+$/.test(value) ? null : `AI (${ai}) needs ${spec.fixed} digits, got "${value}"`;
  }
  if (value.length === 0) return `AI (${ai}) is empty`;
  if (value.length > spec.max) return `AI (${ai}) is ${value.length} characters; at most ${spec.max} allowed`;
  if (spec.numeric ? !/^\d+$/.test(value) : !CSET82.test(value)) return `AI (${ai}) has characters GS1 does not allow: "${value}"`;
  return null;
}

/** Raw element string: AIs back to back, variable-length values ended by GS or the end. */
export function parseRawElements(text: string): Parsed {
  const elements: Gs1Element[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (text[pos] === GS) {
      pos += 1;
      continue;
    }
    const two = text.slice(pos, pos + 2);
    if (!/^\d\d$/.test(two)) return { ok: false, reason: `GS1 element string: expected an AI at position ${pos + 1}` };
    const ai = text.slice(pos, pos + aiLength(two));
    const spec = aiSpec(ai);
    if (spec === null) return unsupported(ai);
    pos += ai.length;
    let value: string;
    if ('fixed' in spec) {
      value = text.slice(pos, pos + spec.fixed);
      pos += spec.fixed;
    } else {
      const end = text.indexOf(GS, pos);
      value = text.slice(pos, end < 0 ? text.length : end);
      pos += value.length;
    }
    const problem = checkValue(ai, spec, value);
    if (problem !== null) return { ok: false, reason: problem };
    elements.push({ ai, value });
  }
  return { ok: true, elements };
}

/** Human-readable form: "(01)09501101530003(17)260101(10)ABC". */
export function parseBracketedElements(text: string): Parsed {
  const elements: Gs1Element[] = [];
  const pattern = /\((\d{2,4})\)([^()]*)/y;
  let pos = 0;
  while (pos < text.length) {
    pattern.lastIndex = pos;
    const m = pattern.exec(text);
    if (m === null) return { ok: false, reason: `GS1 element string: expected "(AI)" at position ${pos + 1}` };
    const ai = m[1] ?? '';
    const value = m[2] ?? '';
    const spec = aiSpec(ai);
    if (spec === null) return unsupported(ai);
    const problem = checkValue(ai, spec, value);
    if (problem !== null) return { ok: false, reason: problem };
    elements.push({ ai, value });
    pos = pattern.lastIndex;
  }
  return { ok: true, elements };
}

export function looksBracketed(text: string): boolean {
  return /^\(\d{2,4}\)/.test(text);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function gs1Date(ai: string, value: string): { ok: true; date: string } | { ok: false; reason: string } {
  const year = 2000 + Number(value.slice(0, 2));
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  if (month < 1 || month > 12) return { ok: false, reason: `AI (${ai}) date ${value} has month ${value.slice(2, 4)}` };
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if (day > last) return { ok: false, reason: `AI (${ai}) date ${value} has day ${value.slice(4, 6)}` };
  const dd = day === 0 ? last : day;
  return { ok: true, date: `${year}-${value.slice(2, 4)}-${String(dd).padStart(2, '0')}` };
}

export type Gs1Reading = { ok: true; fields: Gs1Fields } | { ok: false; reason: string };

/** Turns parsed elements into fields, refusing duplicates, bad dates and bad check digits. */
export function interpretElements(elements: readonly Gs1Element[], currency: string): Gs1Reading {
  const fields: Gs1Fields = {};
  const seen = new Set<string>();
  for (const { ai, value } of elements) {
    const family = ai.length === 4 ? ai.slice(0, 3) : ai;
    if (seen.has(family)) return { ok: false, reason: `AI (${ai}) appears more than once` };
    seen.add(family);
    if (ai === '01') {
      if (!isValidGtin(value)) {
        return { ok: false, reason: `AI (01): bad check digit: expected ${gtinCheckDigit(value.slice(0, -1))}, got ${value.slice(-1)}` };
      }
      fields.gtin = value;
    } else if (ai === '10') {
      fields.batch = value;
    } else if (ai === '21') {
      fields.serial = value;
    } else if (family === '310') {
      fields.netWeightGrams = gramsFromKg(Number(value), Number(ai.slice(3)));
    } else if (family === '392') {
      const price = moneyFromDecimal(Number(value), Number(ai.slice(3)), currency);
      if (!price.ok) return { ok: false, reason: `AI (${ai}): ${price.reason}` };
      fields.pricePaid = price.money;
    } else {
      const date = gs1Date(ai, value);
      if (!date.ok) return date;
      if (ai === '17') fields.expiry = date.date;
      if (ai === '15') fields.bestBefore = date.date;
    }
  }
  return { ok: true, fields };
}

/** Parses either form and interprets it. `text` has its AIM id already removed. */
export function readGs1(text: string, currency: string): Gs1Reading {
  const parsed = looksBracketed(text) ? parseBracketedElements(text) : parseRawElements(text);
  if (!parsed.ok) return parsed;
  if (parsed.elements.length === 0) return { ok: false, reason: 'GS1 element string is empty' };
  return interpretElements(parsed.elements, currency);
}
