// GS1 check digits, UPC-E expansion and GTIN-14 padding. Hand-written rather than taken from a
// library: the arithmetic is a dozen lines, and the rules around it (never throw on scanner
// garbage, EAN-8 before UPC-E, GTIN-14 as the one catalog key) are the product's own logic.

const DIGITS = /^\d+$/;

/** Lengths GS1 defines for a GTIN including its check digit. */
export const GTIN_LENGTHS: readonly number[] = [8, 12, 13, 14];

export function isDigits(s: string): boolean {
  return DIGITS.test(s);
}

/**
 * GS1 mod-10 check digit of `body` (the digits without the check digit): from the right,
 * weights 3,1,3,1…; check = (10 − sum mod 10) mod 10. Returns -1 for a non-digit or empty body
 * rather than throwing, so the classifier can call it on anything.
 */
export function gtinCheckDigit(body: string): number {
  if (!isDigits(body)) return -1;
  let sum = 0;
  for (let i = body.length - 1, w = 3; i >= 0; i -= 1, w = 4 - w) {
    sum += (body.charCodeAt(i) - 48) * w;
  }
  return (10 - (sum % 10)) % 10;
}

/** The digit a code of GTIN length should end with, or null when it is not such a code. */
export function expectedCheckDigit(code: string): number | null {
  if (!isDigits(code) || !GTIN_LENGTHS.includes(code.length)) return null;
  return gtinCheckDigit(code.slice(0, -1));
}

/** True for an all-digit GTIN-8/12/13/14 whose last digit is its GS1 check digit. */
export function isValidGtin(code: string): boolean {
  const expected = expectedCheckDigit(code);
  return expected !== null && expected === code.charCodeAt(code.length - 1) - 48;
}

/**
 * Expands an 8-digit UPC-E (number system 0 or 1, six data digits, check digit) to its
 * 12-digit UPC-A. The check digit of a UPC-E is the UPC-A's, so it is validated on the
 * expansion. Returns null when the code is not a valid UPC-E.
 */
export function expandUpcE(code: string): string | null {
  if (code.length !== 8 || !isDigits(code)) return null;
  const ns = code[0];
  if (ns !== '0' && ns !== '1') return null;
  const d = code.slice(1, 7);
  const last = d[5] ?? '';
  let body: string;
  switch (last) {
    case '0':
    case '1':
    case '2':
      body = `${ns}${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
      break;
    case '3':
      body = `${ns}${d.slice(0, 3)}00000${d.slice(3, 5)}`;
      break;
    case '4':
      body = `${ns}${d.slice(0, 4)}00000${d.slice(4, 5)}`;
      break;
    default:
      body = `${ns}${d.slice(0, 5)}0000${last}`;
  }
  const check = code[7] ?? '';
  return String(gtinCheckDigit(body)) === check ? body + check : null;
}

/**
 * Left-pads a valid GTIN-8/12/13/14 with zeros to 14 digits, the one form Kassa stores and
 * looks up. A string that is not a valid GTIN is returned unchanged (callers validate first).
 */
export function toGtin14(code: string): string {
  return isValidGtin(code) ? code.padStart(14, '0') : code;
}
