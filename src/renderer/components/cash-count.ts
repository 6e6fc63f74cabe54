// A drawer count as typed on the denomination grid (opening float, blind close): the text of
// each row → counts per denomination key (what shift.open / shift.close take), the running
// total, and the rows that are not a whole number of pieces. Pure, integer minor units only.
// The core checks the count again (src/domain/denominations.ts) and words its own refusal;
// these checks name the row in the surface's language before anything is sent.
import type { DenominationView } from '../../shared/api.ts';

/** What was typed per denomination key ('' or absent: none). */
export type CountTexts = Readonly<Record<string, string>>;

export interface CountProblem {
  readonly key: string;
  readonly label: string;
  readonly text: string;
}

export interface CountReading {
  /** Pieces per key, for rows with something typed (left out counts 0 at the core). */
  readonly counts: Readonly<Record<string, number>>;
  /** Σ value × pieces over the rows that read; minor units. */
  readonly total: number;
  readonly problems: readonly CountProblem[];
}

/** The most pieces of one denomination a count may hold (api.ts caps counts at 1,000,000). */
export const MAX_PIECES = 1_000_000;

const PIECES = /^\d{1,7}$/;

/** Pieces typed in one row: null for an empty row, NaN for text that is not a count. */
export function readPieces(text: string | undefined): number | null {
  const t = (text ?? '').trim();
  if (t === '') return null;
  if (!PIECES.test(t)) return Number.NaN;
  const n = Number(t);
  return n <= MAX_PIECES ? n : Number.NaN;
}

export function readCount(denominations: readonly DenominationView[], texts: CountTexts): CountReading {
  const counts: Record<string, number> = {};
  const problems: CountProblem[] = [];
  let total = 0;
  for (const d of denominations) {
    const text = texts[d.key];
    const n = readPieces(text);
    if (n === null) continue;
    if (Number.isNaN(n)) {
      problems.push({ key: d.key, label: d.label, text: (text ?? '').trim() });
      continue;
    }
    counts[d.key] = n;
    total += n * d.value;
  }
  return { counts, total, problems };
}

/** Minor units a row holds (0 for empty or unreadable rows). */
export function rowAmount(d: Pick<DenominationView, 'value'>, text: string | undefined): number {
  const n = readPieces(text);
  return n === null || Number.isNaN(n) ? 0 : n * d.value;
}

/** One more or one fewer piece (touch buttons); never below zero, unreadable text starts at 0. */
export function stepPieces(text: string | undefined, delta: 1 | -1): string {
  const n = readPieces(text);
  const base = n === null || Number.isNaN(n) ? 0 : n;
  return String(Math.min(MAX_PIECES, Math.max(0, base + delta)));
}

export type OverShort = 'short' | 'over' | 'even';

/** counted − expected, as people say it. */
export function overShortKind(overShort: number): OverShort {
  return overShort < 0 ? 'short' : overShort > 0 ? 'over' : 'even';
}
