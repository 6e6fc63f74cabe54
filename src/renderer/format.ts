// What the screens show and what the cashier types, converted without floats: amounts are
// integer minor units all the way (src/domain/money.ts parses and formats the strings), weights
// are whole grams, percentages are basis points. Parsers answer a message key and its params
// instead of a sentence, so the error appears in the surface's own language.
// Hand-written: each is a few lines over money.ts; Intl.NumberFormat would reintroduce floats.
import { displayMoney, formatMoney, MoneyError, parseMoney } from '../domain/money.ts';
import type { MessageKey } from './i18n/messages.ts';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: MessageKey; readonly params?: Readonly<Record<string, string>> };

/** "¥88.88"; an unknown currency shows its code and the raw minor units rather than guessing. */
export function formatAmount(minor: number, currency: string): string {
  try {
    return displayMoney({ amount: minor, currency });
  } catch (e) {
    if (e instanceof MoneyError) return `${currency} ${minor}`;
    throw e;
  }
}

/** Items × 1000 → "3" (or "1.5" when a core ever sends part items); grams → "1.250 kg". */
export function formatQuantity(quantityMilli: number, unit: 'each' | 'kg'): string {
  if (unit === 'kg') return `${thousandths(quantityMilli)} kg`;
  if (quantityMilli % 1000 === 0) return String(quantityMilli / 1000);
  return thousandths(quantityMilli).replace(/0+$/, '');
}

function thousandths(milli: number): string {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** A banknote as people name it: "¥100" (decimals only when it has some, "¥0.50"). */
export function formatNote(minor: number, currency: string): string {
  return formatAmount(minor, currency).replace(/\.0+$/, '');
}

/** "¥12.00" or "¥12.00/kg". */
export function formatUnitPrice(minor: number, currency: string, unit: 'each' | 'kg'): string {
  return unit === 'kg' ? `${formatAmount(minor, currency)}/kg` : formatAmount(minor, currency);
}

/** Milliseconds left → "m:ss", never negative; rounds up so "0:00" means the time is really up. */
export function formatCountdown(msLeft: number): string {
  const s = Math.max(0, Math.ceil(msLeft / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Milliseconds from `nowMs` to an ISO deadline; null when there is none or it does not parse. */
export function msUntil(deadlineIso: string | null, nowMs: number): number | null {
  if (deadlineIso === null) return null;
  const at = Date.parse(deadlineIso);
  return Number.isNaN(at) ? null : at - nowMs;
}

/** "14:05" in the page's local time; the raw text when it is not a date. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** A positive amount of money typed by the cashier ("50", "12.5", "12.50"). */
export function parseAmount(text: string, currency: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return { ok: false, error: 'input.amountMissing' };
  let minor: number;
  try {
    minor = parseMoney(t, currency).amount;
  } catch {
    return { ok: false, error: 'input.amountInvalid', params: { text: t } };
  }
  if (minor <= 0) return { ok: false, error: 'input.amountNotPositive', params: { text: t } };
  return { ok: true, value: minor };
}

/** A price typed for an override: zero is allowed (a free item), negative is not. */
export function parsePrice(text: string, currency: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return { ok: false, error: 'input.amountMissing' };
  try {
    const minor = parseMoney(t, currency).amount;
    if (minor < 0) return { ok: false, error: 'input.amountInvalid', params: { text: t } };
    return { ok: true, value: minor };
  } catch {
    return { ok: false, error: 'input.amountInvalid', params: { text: t } };
  }
}

const WHOLE = /^\d{1,5}$/;
const KILOS = /^(\d{1,3})(?:\.(\d{1,3}))?$/;
const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/;

/** A whole number of items → quantityMilli. */
export function parseItems(text: string): Parsed<number> {
  const t = text.trim();
  if (!WHOLE.test(t) || Number(t) < 1) return { ok: false, error: 'input.itemsInvalid', params: { text: t } };
  return { ok: true, value: Number(t) * 1000 };
}

/** A weight in kilograms with up to three decimals ("0.35", "1.250") → whole grams. */
export function parseKilos(text: string): Parsed<number> {
  const t = text.trim();
  const m = KILOS.exec(t);
  if (!m) return { ok: false, error: 'input.kilosInvalid', params: { text: t } };
  const grams = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  if (grams < 1) return { ok: false, error: 'input.kilosInvalid', params: { text: t } };
  return { ok: true, value: grams };
}

/** A quantity for a line of either unit. */
export function parseQuantity(text: string, unit: 'each' | 'kg'): Parsed<number> {
  return unit === 'kg' ? parseKilos(text) : parseItems(text);
}

/** A percentage above 0 and at most 100, up to two decimals → basis points ("12.5" → 1250). */
export function parsePercent(text: string): Parsed<number> {
  const t = text.trim().replace(/%$/, '').trim();
  const m = PERCENT.exec(t);
  if (!m) return { ok: false, error: 'input.percentInvalid', params: { text } };
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (bps < 1 || bps > 10_000) return { ok: false, error: 'input.percentInvalid', params: { text } };
  return { ok: true, value: bps };
}

/** The text a quantity dialog starts with, in the unit the cashier types. */
export function quantityInputText(quantityMilli: number, unit: 'each' | 'kg'): string {
  return unit === 'kg' ? thousandths(quantityMilli) : String(Math.round(quantityMilli / 1000));
}

/** A price in the form the cashier types it ("12.50"), for prefilling a field. */
export function amountInputText(minor: number, currency: string): string {
  try {
    return formatMoney({ amount: minor, currency });
  } catch (e) {
    if (e instanceof MoneyError) return String(minor);
    throw e;
  }
}
