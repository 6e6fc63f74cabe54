// The catalog's barcode key, computed the same way when a catalog is imported and when a scan
// is looked up, so the two always meet. Hand-written: which codes count as GTINs, PLUs or
// internal labels is the product's own rule, and it is small.
//
// Rules, in order (input is trimmed first):
//   - empty, non-printable-ASCII (control chars, unicode) or longer than 48 chars → refused;
//   - 1–7 digits → a store PLU, kept as given (leading zeros matter: "00123" ≠ "123");
//   - 8 digits → EAN-8 if its EAN-8 check digit is right, else UPC-E if it expands to a valid
//     UPC-A (→ that UPC-A), else refused naming the EAN-8 check digit. Some codes are valid as
//     both (e.g. 01234565); EAN-8 wins unless the caller knows better (`eightDigit: 'upce'`,
//     e.g. from the scanner's AIM id ]E0 vs ]E4);
//   - 12/13/14 digits → valid GTIN, else refused naming the expected check digit;
//   - every valid GTIN becomes its GTIN-14 (zero-padded to 14 digits);
//   - any other printable ASCII (internal Code 128 labels, 9–11 or 15+ digits) → uppercased.

import { expandUpcE, gtinCheckDigit, isDigits, isValidGtin, toGtin14 } from './gtin.ts';

export type NormalizeResult = { ok: true; key: string } | { ok: false; reason: string };

export interface NormalizeOptions {
  /** How to read an 8-digit code valid both ways. Default 'ean8'. */
  readonly eightDigit?: 'ean8' | 'upce';
}

/** Longest internal label Kassa stores as a barcode key. */
export const MAX_LABEL_LENGTH = 48;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function badCheckDigitReason(code: string): string {
  const expected = gtinCheckDigit(code.slice(0, -1));
  return `bad check digit: expected ${expected}, got ${code.slice(-1)}`;
}

function normalizeEightDigits(code: string, prefer: 'ean8' | 'upce'): NormalizeResult {
  const ean8 = isValidGtin(code);
  const upcA = expandUpcE(code);
  if (prefer === 'upce' && upcA !== null) return { ok: true, key: toGtin14(upcA) };
  if (ean8) return { ok: true, key: toGtin14(code) };
  if (upcA !== null) return { ok: true, key: toGtin14(upcA) };
  return { ok: false, reason: badCheckDigitReason(code) };
}

export function normalizeBarcode(raw: string, options: NormalizeOptions = {}): NormalizeResult {
  const code = raw.trim();
  if (code.length === 0) return { ok: false, reason: 'empty barcode' };
  if (!PRINTABLE_ASCII.test(code)) {
    return { ok: false, reason: 'barcode contains control or non-ASCII characters' };
  }
  if (code.length > MAX_LABEL_LENGTH) {
    return { ok: false, reason: `barcode is ${code.length} characters; at most ${MAX_LABEL_LENGTH} allowed` };
  }
  if (isDigits(code)) {
    if (code.length <= 7) return { ok: true, key: code };
    if (code.length === 8) return normalizeEightDigits(code, options.eightDigit ?? 'ean8');
    if (code.length >= 12 && code.length <= 14) {
      return isValidGtin(code) ? { ok: true, key: toGtin14(code) } : { ok: false, reason: badCheckDigitReason(code) };
    }
  }
  return { ok: true, key: code.toUpperCase() };
}
