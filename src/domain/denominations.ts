// The notes and coins a drawer is counted in, per currency, and the checking of a count by
// denomination (issue 7 §2: open with a counted float, close with a blind count). Hand-written:
// the sets are facts about each currency's cash in circulation and the count rules are the
// shop's own (whole pieces, never negative, only denominations the drawer holds); no library
// holds either.
//
// Decisions a caller must know:
// - A denomination is keyed by its face value in minor units. A value issued both as a note and
//   as a coin (CNY 1 yuan, HKD 10 dollars) is ONE denomination, kind 'note-or-coin': the drawer
//   keeps them in one slot and the count sheet has one line for them.
// - A count names denominations by their value as a decimal string ("100", "0.5", "0.50" are the
//   same as "0.5"). Counts are whole pieces ≥ 0, given as a JS number or a string of digits;
//   anything else (negative, fractional, "3x", true, null) is refused naming the denomination.
//   A denomination left out counts 0. An unknown denomination is refused, never ignored.
// - parseCount returns every problem at once (a cashier fixes the sheet in one go), not the first.
// - Lists are largest first, the order of a count sheet.
import { formatMoney, MAX_MINOR_UNITS, minorDigits, MoneyError, parseMoney } from './money.ts';

export type DenominationKind = 'note' | 'coin' | 'note-or-coin';

export interface Denomination {
  /** Face value in minor units. */
  readonly value: number;
  readonly kind: DenominationKind;
}

/** Major-unit face values as decimal strings, largest first. */
interface CurrencyCash {
  readonly notes: readonly string[];
  readonly coins: readonly string[];
}

/**
 * Notes and coins in everyday circulation (rare ones left out: the US 2-dollar note, the
 * 500-euro note). A shop with other needs sets `cash.denominations` in kassa.config.json.
 */
export const DEFAULT_CASH: Readonly<Record<string, CurrencyCash>> = {
  CNY: { notes: ['100', '50', '20', '10', '5', '1'], coins: ['1', '0.5', '0.1'] },
  HKD: { notes: ['1000', '500', '100', '50', '20', '10'], coins: ['10', '5', '2', '1', '0.5', '0.2', '0.1'] },
  MOP: { notes: ['1000', '500', '100', '50', '20', '10'], coins: ['10', '5', '2', '1', '0.5', '0.2', '0.1'] },
  TWD: { notes: ['2000', '1000', '500', '200', '100'], coins: ['50', '10', '5', '1'] },
  USD: { notes: ['100', '50', '20', '10', '5', '1'], coins: ['0.25', '0.1', '0.05', '0.01'] },
  EUR: { notes: ['200', '100', '50', '20', '10', '5'], coins: ['2', '1', '0.5', '0.2', '0.1', '0.05', '0.02', '0.01'] },
  GBP: { notes: ['50', '20', '10', '5'], coins: ['2', '1', '0.5', '0.2', '0.1', '0.05', '0.02', '0.01'] },
  SGD: { notes: ['1000', '100', '50', '10', '5', '2'], coins: ['1', '0.5', '0.2', '0.1', '0.05'] },
  JPY: { notes: ['10000', '5000', '2000', '1000'], coins: ['500', '100', '50', '10', '5', '1'] },
  KRW: { notes: ['50000', '10000', '5000', '1000'], coins: ['500', '100', '50', '10'] },
};

export class DenominationError extends Error {
  override name = 'DenominationError';
}

/**
 * Builds a denomination list from face values in minor units: sorted largest first, a value in
 * both lists becomes 'note-or-coin'. Throws DenominationError for a value that is not a whole
 * positive number of minor units, a repeat within one list, or no denominations at all.
 */
export function makeDenominations(notes: readonly number[], coins: readonly number[]): Denomination[] {
  const check = (list: readonly number[], what: string) => {
    const seen = new Set<number>();
    for (const v of list) {
      if (!Number.isSafeInteger(v) || v < 1 || v > MAX_MINOR_UNITS) throw new DenominationError(`${what}: expected face values of at least one minor unit, got ${v}`);
      if (seen.has(v)) throw new DenominationError(`${what}: ${v} is listed twice`);
      seen.add(v);
    }
  };
  check(notes, 'notes');
  check(coins, 'coins');
  if (notes.length + coins.length === 0) throw new DenominationError('expected at least one note or coin');
  const byValue = new Map<number, DenominationKind>();
  for (const v of notes) byValue.set(v, 'note');
  for (const v of coins) byValue.set(v, byValue.has(v) ? 'note-or-coin' : 'coin');
  return [...byValue].map(([value, kind]) => ({ value, kind })).sort((a, b) => b.value - a.value);
}

/** The default denominations of a currency (DenominationError for a currency without a set). */
export function defaultDenominations(currency: string): Denomination[] {
  const set = DEFAULT_CASH[currency];
  if (!set) throw new DenominationError(`no default notes and coins for ${currency}: set cash.denominations.${currency} in kassa.config.json`);
  const minor = (s: string) => parseMoney(s, currency).amount;
  return makeDenominations(set.notes.map(minor), set.coins.map(minor));
}

/** The count key of a denomination: its face value as a short decimal ("100", "0.5"). */
export function denominationKey(value: number, currency: string): string {
  const s = formatMoney({ amount: value, currency });
  return minorDigits(currency) === 0 ? s : s.replace(/\.?0+$/, '');
}

const CNY_ZH = (value: number): string => (value >= 100 ? `${value / 100}元` : value >= 10 ? `${value / 10}角` : `${value}分`);
const CNY_EN = (value: number): string => (value >= 100 ? `${value / 100} yuan` : value >= 10 ? `${value / 10} jiao` : `${value} fen`);

/** For people: "5 yuan", "5 jiao" (en) or "5元", "5角" (zh-CN) for CNY; "USD 0.25" style otherwise. */
export function denominationLabel(d: Pick<Denomination, 'value'>, currency: string, language: 'en' | 'zh-CN' = 'en'): string {
  if (currency === 'CNY') return language === 'zh-CN' ? CNY_ZH(d.value) : CNY_EN(d.value);
  return `${currency} ${denominationKey(d.value, currency)}`;
}

function pieces(kind: DenominationKind): string {
  return kind === 'note' ? 'notes' : kind === 'coin' ? 'coins' : 'notes and coins';
}

export interface CountLine {
  readonly denomination: Denomination;
  /** The count key, e.g. "0.5". */
  readonly key: string;
  readonly count: number;
  /** value × count, minor units. */
  readonly amount: number;
}

export interface CountProblem {
  /** The key as given. */
  readonly key: string;
  readonly message: string;
}

export type CountResult =
  | { readonly ok: true; readonly total: number; readonly lines: readonly CountLine[] }
  | { readonly ok: false; readonly problems: readonly CountProblem[] };

/** At most this many pieces of one denomination: far above any drawer, far below unsafe sums. */
export const MAX_PIECES = 1_000_000;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function pieceCount(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 && v <= MAX_PIECES && !Object.is(v, -0) ? v : null;
  if (typeof v === 'string' && /^\s*\d{1,7}\s*$/.test(v)) {
    const n = Number(v);
    return n <= MAX_PIECES ? n : null;
  }
  return null;
}

/**
 * Checks a count by denomination and adds it up. `input` maps a face value ("100", "0.5") to a
 * number of pieces. Every denomination of the list comes back as a line (0 when left out).
 */
export function parseCount(input: Readonly<Record<string, unknown>>, denominations: readonly Denomination[], currency: string, language: 'en' | 'zh-CN' = 'en'): CountResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, problems: [{ key: '', message: `expected a count by denomination, e.g. {"100": 3, "0.5": 4}, got ${describe(input)}` }] };
  }
  const problems: CountProblem[] = [];
  const counts = new Map<number, number>();
  const keysSeen = new Map<number, string>();
  const known = new Map(denominations.map((d) => [d.value, d]));
  const list = denominations.map((d) => denominationKey(d.value, currency)).join(', ');
  for (const [key, raw] of Object.entries(input)) {
    let value: number;
    try {
      value = parseMoney(key, currency).amount;
    } catch (err) {
      const why = err instanceof MoneyError ? err.message : String(err);
      problems.push({ key, message: `"${key}" is not a ${currency} denomination (${why}); expected one of ${list}` });
      continue;
    }
    const d = known.get(value);
    if (!d) {
      problems.push({ key, message: `"${key}" is not a ${currency} denomination counted here; expected one of ${list}` });
      continue;
    }
    const label = denominationLabel(d, currency, language);
    const earlier = keysSeen.get(value);
    if (earlier !== undefined) {
      problems.push({ key, message: `${label}: counted twice (as "${earlier}" and "${key}")` });
      continue;
    }
    keysSeen.set(value, key);
    const count = pieceCount(raw);
    if (count === null) {
      problems.push({ key, message: `${label}: expected a whole number of ${pieces(d.kind)} ≥ 0 (at most ${MAX_PIECES}), got ${describe(raw)}` });
      continue;
    }
    counts.set(value, count);
  }
  if (problems.length > 0) return { ok: false, problems };
  let total = 0;
  const lines = denominations.map((d) => {
    const count = counts.get(d.value) ?? 0;
    const amount = d.value * count;
    total += amount;
    return { denomination: d, key: denominationKey(d.value, currency), count, amount };
  });
  if (!Number.isSafeInteger(total) || total > MAX_MINOR_UNITS) {
    return { ok: false, problems: [{ key: '', message: `the count adds up to more than the largest supported amount` }] };
  }
  return { ok: true, total, lines };
}

/** A count as stored and journalled: count key → pieces, every denomination of the sheet. */
export function countMap(lines: readonly CountLine[]): Record<string, number> {
  return Object.fromEntries(lines.map((l) => [l.key, l.count]));
}
