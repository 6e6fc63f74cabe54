// Reads price- and weight-embedded EAN-13s (restricted circulation prefixes 20–29) by the
// store's layouts, including the GS1 4-digit price check digit. Hand-written: the layouts
// are set per store to match its label scales, which is the product's own logic.

import { gtinCheckDigit } from './gtin.ts';
import type { EmbeddedLayout } from './scan-rules.ts';
import { gramsFromKg, moneyFromDecimal } from './variable-measure.ts';
import type { Money } from '../money.ts';

// GS1 General Specifications 7.9.3 weighting tables: each maps a digit to its weighted
// product's contribution ("2-": units of 2d minus its tens, "5-": units of 5d minus its tens).
const TWO_MINUS: readonly number[] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
const THREE: readonly number[] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
const FIVE_MINUS: readonly number[] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];

/** GS1 check digit of a 4-digit price field (weights 2-, 2-, 3, 5-; check = units of 3 × sum). */
export function priceCheckDigit4(value: string): number {
  if (!/^\d{4}$/.test(value)) return -1;
  const tables = [TWO_MINUS, TWO_MINUS, THREE, FIVE_MINUS];
  let sum = 0;
  for (let i = 0; i < 4; i += 1) sum += tables[i]?.[value.charCodeAt(i) - 48] ?? 0;
  return (sum * 3) % 10;
}

export type EmbeddedReading =
  | { ok: true; kind: 'weight'; itemCode: string; weightGrams: number }
  | { ok: true; kind: 'price'; itemCode: string; price: Money }
  | { ok: false; reason: string };

/**
 * Decodes a 13-digit code under `layout`: `PP IIII…[V]VVVV…C`. The caller has already checked
 * the overall EAN-13 check digit and that the prefix matches.
 */
export function readEmbedded(code: string, layout: EmbeddedLayout, currency: string): EmbeddedReading {
  let pos = 2;
  const itemCode = code.slice(pos, pos + layout.itemDigits);
  pos += layout.itemDigits;
  let verifier: string | null = null;
  if (layout.priceCheckDigit === true) {
    verifier = code.slice(pos, pos + 1);
    pos += 1;
  }
  const valueText = code.slice(pos, pos + layout.valueDigits);
  pos += layout.valueDigits;
  if (pos !== 12 || itemCode.length !== layout.itemDigits || valueText.length !== layout.valueDigits) {
    return { ok: false, reason: `embedded layout ${layout.prefix} does not fit 13 digits` };
  }
  if (verifier !== null) {
    const expected = priceCheckDigit4(valueText);
    if (String(expected) !== verifier) {
      return { ok: false, reason: `bad price check digit: expected ${expected}, got ${verifier}` };
    }
  }
  const value = Number(valueText);
  if (layout.kind === 'weight') {
    return { ok: true, kind: 'weight', itemCode, weightGrams: gramsFromKg(value, layout.valueDecimals) };
  }
  const price = moneyFromDecimal(value, layout.valueDecimals, currency);
  return price.ok ? { ok: true, kind: 'price', itemCode, price: price.money } : price;
}

/** Builds a valid embedded EAN-13 for a layout (label printing, simulators and tests). */
export function encodeEmbedded(layout: EmbeddedLayout, itemCode: string, value: number): string | null {
  const valueText = String(value).padStart(layout.valueDigits, '0');
  if (!/^\d+$/.test(itemCode) || itemCode.length !== layout.itemDigits) return null;
  if (!Number.isSafeInteger(value) || value < 0 || valueText.length !== layout.valueDigits) return null;
  const verifier = layout.priceCheckDigit === true ? String(priceCheckDigit4(valueText)) : '';
  const body = `${layout.prefix}${itemCode}${verifier}${valueText}`;
  return body.length === 12 ? body + String(gtinCheckDigit(body)) : null;
}
