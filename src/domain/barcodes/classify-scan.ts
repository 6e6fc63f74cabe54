// Classifies one scan: product (GTIN, PLU, internal label), weighed or priced item (embedded
// EAN-13 or GS1 element string), wallet payment code, coupon, member card, or unknown with a
// reason a cashier can act on. Hand-written: which code means what at this till is the
// product's own logic; GS1 and payment formats are small subsets (see the modules imported).
//
// Order, after trimming and removing the AIM id (see scan-frame.ts):
//   1. GS1 element string: AIM ]C1/]e0/]d2/]Q3/]J1, a GS (FNC1) in the data, "(AI)…" form, or
//      "01" + a valid GTIN-14 followed by more data (no AIM id, or ]C0 from a scanner that
//      does not report FNC1);
//   2. wallet payment codes (never under an EAN/UPC AIM id);
//   3. coupon prefixes, then member prefixes (all-digit prefixes only match 13-digit codes,
//      whose check digit must be right);
//   4. 13 digits starting 20–29: the store's embedded layout for that prefix, or, when the
//      prefix has none, a plain restricted-circulation product looked up by its GTIN;
//   5. GTIN-8/12/13/14 and UPC-E (8 digits: EAN-8 first, UPC-E first under AIM ]E0);
//   6. anything else printable: PLU (1–7 digits) or internal label, keyed by normalizeBarcode.
// It never throws: any failure, including a bug, comes back as `unknown` with a reason.

import { readEmbedded } from './embedded-barcode.ts';
import { expandUpcE, isDigits, isValidGtin, toGtin14 } from './gtin.ts';
import { looksBracketed, readGs1 } from './gs1-element-string.ts';
import { badCheckDigitReason, normalizeBarcode } from './normalize.ts';
import { paymentWallet } from './payment-code.ts';
import { EAN_AIM_IDS, frameScan, GS, GS1_AIM_IDS } from './scan-frame.ts';
import type { ScanRules } from './scan-rules.ts';
import type { ScanResult } from './scan-result.ts';

export { DEFAULT_SCAN_RULES, scanRulesSchema } from './scan-rules.ts';
export type { EmbeddedLayout, ScanRules, ScanRulesInput } from './scan-rules.ts';
export type { Gs1Fields, ScanKind, ScanResult } from './scan-result.ts';

function unknown(data: string, reason: string): ScanResult {
  return { kind: 'unknown', data, reason };
}

function isGs1(text: string, aim: string | null): boolean {
  if (aim !== null && GS1_AIM_IDS.has(aim)) return true;
  if (text.includes(GS) || looksBracketed(text)) return true;
  return (aim === null || aim === ']C0') && text.length > 16 && text.startsWith('01') && isValidGtin(text.slice(2, 16));
}

function classifyGs1(data: string, text: string, aim: string | null, currency: string): ScanResult {
  let start = 0;
  while (text[start] === GS) start += 1; // a leading FNC1 some scanners send as GS
  const reading = readGs1(text.slice(start), currency);
  if (!reading.ok) return unknown(data, reading.reason);
  const gs1 = reading.fields;
  const gtin = gs1.gtin;
  if (gtin === undefined) return unknown(data, 'GS1 element string has no GTIN (01): nothing to sell');
  // A price paid wins over a weight: it is what the label says to charge.
  if (gs1.pricePaid !== undefined) {
    return { kind: 'priced-product', data, key: gtin, itemCode: null, price: gs1.pricePaid, gtin, gs1 };
  }
  if (gs1.netWeightGrams !== undefined) {
    return { kind: 'weighted-product', data, key: gtin, itemCode: gtin, weightGrams: gs1.netWeightGrams, gtin, gs1 };
  }
  const symbologyHint = aim ?? (looksBracketed(text) ? 'GS1 (human-readable)' : 'GS1-128');
  return { kind: 'product', data, key: gtin, gtin, symbologyHint, gs1 };
}

function matchPrefix(text: string, prefixes: readonly string[]): { code: string } | { reason: string } | null {
  const upper = text.toUpperCase();
  for (const prefix of prefixes) {
    if (isDigits(prefix)) {
      if (text.length !== 13 || !isDigits(text) || !text.startsWith(prefix)) continue;
      return isValidGtin(text) ? { code: text } : { reason: badCheckDigitReason(text) };
    }
    if (upper.startsWith(prefix.toUpperCase())) return { code: upper };
  }
  return null;
}

function shapeName(digits: string, eightAs: 'EAN-8' | 'UPC-E'): string {
  switch (digits.length) {
    case 8:
      return eightAs;
    case 12:
      return 'UPC-A';
    case 13:
      return 'EAN-13';
    default:
      return 'GTIN-14';
  }
}

function classifyDigits(data: string, text: string, aim: string | null, rules: ScanRules, currency: string): ScanResult | null {
  if (text.length === 13 && text.startsWith('2')) {
    if (!isValidGtin(text)) return unknown(data, badCheckDigitReason(text));
    const layout = rules.embedded.find((l) => l.prefix === text.slice(0, 2));
    if (layout === undefined) {
      const key = toGtin14(text);
      return { kind: 'product', data, key, gtin: key, symbologyHint: aim ?? 'EAN-13 (restricted circulation)' };
    }
    const r = readEmbedded(text, layout, currency);
    if (!r.ok) return unknown(data, r.reason);
    return r.kind === 'weight'
      ? { kind: 'weighted-product', data, key: r.itemCode, itemCode: r.itemCode, weightGrams: r.weightGrams, gtin: null }
      : { kind: 'priced-product', data, key: r.itemCode, itemCode: r.itemCode, price: r.price, gtin: null };
  }
  if (text.length === 8) {
    const ean8 = isValidGtin(text);
    const upcA = expandUpcE(text);
    const preferUpcE = aim === ']E0';
    if (!ean8 && upcA === null) return unknown(data, badCheckDigitReason(text));
    const ean8Key = ean8 ? toGtin14(text) : null;
    const upcKey = upcA === null ? null : toGtin14(upcA);
    const useUpc = upcKey !== null && (preferUpcE || ean8Key === null);
    const key = useUpc ? upcKey : (ean8Key ?? '');
    const other = useUpc ? ean8Key : upcKey;
    const product: ScanResult = { kind: 'product', data, key, gtin: key, symbologyHint: aim ?? shapeName(text, useUpc ? 'UPC-E' : 'EAN-8') };
    return other === null ? product : { ...product, altKey: other };
  }
  if (text.length >= 12 && text.length <= 14) {
    if (!isValidGtin(text)) return unknown(data, badCheckDigitReason(text));
    const key = toGtin14(text);
    return { kind: 'product', data, key, gtin: key, symbologyHint: aim ?? shapeName(text, 'EAN-8') };
  }
  return null;
}

function classify(data: string, rules: ScanRules, currency: string): ScanResult {
  const framed = frameScan(data);
  if (!framed.ok) return unknown(data, framed.reason);
  const { aim } = framed;
  let text = framed.text;

  if (isGs1(text, aim)) return classifyGs1(data, text, aim, currency);

  const digits = isDigits(text);
  if (digits && (aim === null || !EAN_AIM_IDS.has(aim))) {
    const wallet = paymentWallet(text);
    if (wallet !== null) return { kind: 'payment-code', data, wallet, code: text };
  }
  // EAN/UPC with a 2- or 5-digit add-on (periodicals, books): the add-on is not part of the key.
  if (digits && aim === ']E3') {
    if (text.length === 15 || text.length === 18) text = text.slice(0, 13);
    else if (text.length === 14 || text.length === 17) text = text.slice(0, 12);
  }

  const coupon = matchPrefix(text, rules.couponPrefixes);
  if (coupon !== null) return 'code' in coupon ? { kind: 'coupon', data, code: coupon.code } : unknown(data, coupon.reason);
  const member = matchPrefix(text, rules.memberPrefixes);
  if (member !== null) return 'code' in member ? { kind: 'member', data, code: member.code } : unknown(data, member.reason);

  if (digits) {
    const result = classifyDigits(data, text, aim, rules, currency);
    if (result !== null) return result;
  }
  const normalized = normalizeBarcode(text);
  if (!normalized.ok) return unknown(data, normalized.reason);
  const plu = digits && text.length <= 7;
  return { kind: 'product', data, key: normalized.key, gtin: null, symbologyHint: aim ?? (plu ? 'PLU' : 'Code 128') };
}

/**
 * Classifies scanner data under the store's rules; prices come out in `currency`.
 * Never throws, whatever the string.
 */
export function classifyScan(data: string, rules: ScanRules, currency: string): ScanResult {
  try {
    return classify(data, rules, currency);
  } catch (e) {
    return unknown(String(data), `internal error while classifying: ${e instanceof Error ? e.message : String(e)}`);
  }
}
