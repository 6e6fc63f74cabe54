// Money as integer minor units (fen, cents) plus an ISO 4217 code. No floats ever touch an
// amount: parsing and formatting are done on the decimal string, and division rounds with an
// explicit, documented rule. Written by hand because the rules (exact "88.88" strings,
// largest-remainder allocation, safe-integer guards) are the product's own and small;
// dinero.js and friends would add a float-free but heavier model we would still wrap.

export interface Money {
  /** Integer number of minor units (fen for CNY). May be negative for refunds and discounts. */
  readonly amount: number;
  readonly currency: string;
}

/** Minor-unit digits per currency. Unknown codes are refused rather than guessed. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  CNY: 2,
  HKD: 2,
  MOP: 2,
  TWD: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  JPY: 0,
  KRW: 0,
};

/** Largest amount we accept: 10^13 minor units (100 billion yuan) stays far inside 2^53. */
export const MAX_MINOR_UNITS = 10_000_000_000_000;

export class MoneyError extends Error {
  override name = 'MoneyError';
}

export function minorDigits(currency: string): number {
  const digits = MINOR_DIGITS[currency];
  if (digits === undefined) {
    throw new MoneyError(`unknown currency "${currency}": expected one of ${Object.keys(MINOR_DIGITS).join(', ')}`);
  }
  return digits;
}

export function isSupportedCurrency(currency: string): boolean {
  return MINOR_DIGITS[currency] !== undefined;
}

function checkAmount(amount: number, what: string): number {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError(`${what} must be a whole number of minor units, got ${amount}`);
  }
  if (Math.abs(amount) > MAX_MINOR_UNITS) {
    throw new MoneyError(`${what} ${amount} is beyond the largest supported amount (${MAX_MINOR_UNITS} minor units)`);
  }
  return amount;
}

export function money(amount: number, currency: string): Money {
  minorDigits(currency);
  return { amount: checkAmount(amount, 'amount'), currency };
}

export function zero(currency: string): Money {
  return money(0, currency);
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string such as "88.88", "-3.5" or "12" exactly. More decimals than the
 * currency allows is an error (never silently rounded): "1.005" CNY is refused.
 */
export function parseMoney(text: string, currency: string): Money {
  const digits = minorDigits(currency);
  const trimmed = text.trim();
  const m = DECIMAL.exec(trimmed);
  if (!m) {
    throw new MoneyError(`"${text}" is not a decimal amount (expected digits with an optional "." and up to ${digits} decimals, e.g. "88.88")`);
  }
  const [, sign, whole = '0', frac = ''] = m;
  if (frac.length > digits) {
    throw new MoneyError(`"${text}" has ${frac.length} decimals; ${currency} allows at most ${digits}`);
  }
  if (whole.length > 14) {
    throw new MoneyError(`"${text}" is beyond the largest supported amount`);
  }
  const minor = Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
  return money(sign === '-' ? -minor : minor, currency);
}

/** Formats exactly as a gateway expects: "88.88", "-0.05", "12.00". No grouping, no symbol. */
export function formatMoney(m: Money): string {
  const digits = minorDigits(m.currency);
  const negative = m.amount < 0;
  const abs = String(Math.abs(m.amount));
  if (digits === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits);
  const frac = padded.slice(padded.length - digits);
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

const SYMBOLS: Readonly<Record<string, string>> = { CNY: '¥', JPY: '¥', USD: '$', EUR: '€', GBP: '£', HKD: 'HK$' };

/** For people: "¥88.88". */
export function displayMoney(m: Money): string {
  const s = formatMoney(m);
  const symbol = SYMBOLS[m.currency] ?? `${m.currency} `;
  return s.startsWith('-') ? `-${symbol}${s.slice(1)}` : `${symbol}${s}`;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function negate(a: Money): Money {
  return money(-a.amount, a.currency);
}

export function sum(items: readonly Money[], currency: string): Money {
  let total = 0;
  for (const m of items) {
    if (m.currency !== currency) throw new MoneyError(`cannot combine ${m.currency} with ${currency}`);
    total += m.amount;
  }
  return money(total, currency);
}

export function compare(a: Money, b: Money): number {
  sameCurrency(a, b);
  return a.amount - b.amount;
}

/**
 * Integer division rounding half away from zero: the rule used for every price × quantity,
 * percentage and tax amount in Kassa (the common retail rule, 四舍五入).
 * Works on safe integers only; numerator must stay below 2^53.
 */
export function divRoundHalfAwayFromZero(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator === 0) {
    throw new MoneyError(`cannot divide ${numerator} by ${denominator} exactly`);
  }
  const negative = numerator < 0 !== denominator < 0;
  const n = Math.abs(numerator);
  const d = Math.abs(denominator);
  const q = Math.floor(n / d);
  const r = n - q * d;
  const rounded = r * 2 >= d ? q + 1 : q;
  return negative ? -rounded : rounded;
}

/** m × numerator / denominator, rounded half away from zero (e.g. price × grams / 1000). */
export function multiplyRatio(m: Money, numerator: number, denominator: number): Money {
  const product = m.amount * numerator;
  if (!Number.isSafeInteger(product)) {
    throw new MoneyError(`${formatMoney(m)} × ${numerator} is too large to compute exactly`);
  }
  return money(divRoundHalfAwayFromZero(product, denominator), m.currency);
}

/**
 * Splits `total` in proportion to `weights` by the largest-remainder method: the parts always
 * add up to exactly `total`, never a fen more or less. Ties in remainder go to the lower
 * index, so callers that need order independence pass weights in a canonical order.
 */
export function allocate(total: Money, weights: readonly number[]): Money[] {
  if (weights.length === 0) throw new MoneyError('cannot allocate over zero parts');
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new MoneyError(`allocation weight must be a non-negative integer, got ${w}`);
  }
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const sign = total.amount < 0 ? -1 : 1;
  const abs = Math.abs(total.amount);
  if (weightSum === 0) {
    // Nothing to weigh by: split evenly.
    return allocate(total, weights.map(() => 1));
  }
  if (!Number.isSafeInteger(abs * weightSum)) {
    throw new MoneyError(`allocation of ${formatMoney(total)} over these weights is too large to compute exactly`);
  }
  const parts = weights.map((w) => Math.floor((abs * w) / weightSum));
  const remainders = weights.map((w, i) => ({ i, r: abs * w - (parts[i] ?? 0) * weightSum }));
  let left = abs - parts.reduce((s, p) => s + p, 0);
  remainders.sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of remainders) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left -= 1;
  }
  return parts.map((p) => money(sign * p, total.currency));
}

/** Splits into `n` parts that differ by at most one minor unit and add up exactly. */
export function split(total: Money, n: number): Money[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new MoneyError(`cannot split into ${n} parts`);
  return allocate(total, new Array<number>(n).fill(1));
}
