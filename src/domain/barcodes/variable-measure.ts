// Turns the digits of an embedded weight or price into grams or Money, exactly. Hand-written:
// the rounding rule is the product's own (half away from zero, as everywhere in Kassa).

import { divRoundHalfAwayFromZero, isSupportedCurrency, MAX_MINOR_UNITS, minorDigits, money } from '../money.ts';
import type { Money } from '../money.ts';

/**
 * Grams from a kg value with `decimals` decimals. Up to 3 decimals is exact (value × 10^(3−n));
 * more than 3 (sub-gram precision, e.g. AI 3104/3105) is rounded half away from zero to a gram.
 */
export function gramsFromKg(value: number, decimals: number): number {
  if (decimals <= 3) return value * 10 ** (3 - decimals);
  return divRoundHalfAwayFromZero(value, 10 ** (decimals - 3));
}

/**
 * Money from an integer value with `decimals` decimals. More decimals than the currency has is
 * refused, never rounded: a label that says 1.234 cannot be charged in fen.
 */
export function moneyFromDecimal(value: number, decimals: number, currency: string): { ok: true; money: Money } | { ok: false; reason: string } {
  if (!isSupportedCurrency(currency)) return { ok: false, reason: `unknown currency "${currency}"` };
  const digits = minorDigits(currency);
  if (decimals > digits) {
    return { ok: false, reason: `price has ${decimals} decimals; ${currency} allows at most ${digits}` };
  }
  const amount = value * 10 ** (digits - decimals);
  if (!Number.isSafeInteger(amount) || amount > MAX_MINOR_UNITS) {
    return { ok: false, reason: 'price is beyond the largest supported amount' };
  }
  return { ok: true, money: money(amount, currency) };
}
