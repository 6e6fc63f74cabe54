// What the report screen derives from a ReportView (issue 7 §4, §7): which cashier counts are
// over an antifraud threshold (to highlight the cell, not only list the flag), which report the
// Print and Export buttons act on, and the shifts' over/short.
//
// Decisions a caller must know:
// - A flag names a signal ('voids', 'refunds', 'noSales', 'priceOverrides', 'manualEntries');
//   each maps to one column of the per-cashier table. A signal the screen does not know is
//   still listed with the flags (by its raw name), it just has no column to highlight.
// - Print and export act on what is on screen: a stored Z by its number; an X "now" as such;
//   an X for a past date can be exported by date but report.print only prints an X for now,
//   so printing a dated X is not offered (it would print a different report).
import type { ParamsOf, ReportView } from '../../shared/api.ts';

export type CashierColumn = 'voids' | 'refunds' | 'noSales' | 'overrides' | 'manual';

const SIGNAL_COLUMN: Readonly<Record<string, CashierColumn>> = {
  voids: 'voids',
  refunds: 'refunds',
  noSales: 'noSales',
  priceOverrides: 'overrides',
  manualEntries: 'manual',
};

export function signalColumn(signal: string): CashierColumn | null {
  return SIGNAL_COLUMN[signal] ?? null;
}

/** Per cashier, the columns with at least one flag (in any shift). */
export function flaggedCells(report: Pick<ReportView, 'flags'>): ReadonlyMap<string, ReadonlySet<CashierColumn>> {
  const out = new Map<string, Set<CashierColumn>>();
  for (const f of report.flags) {
    const col = signalColumn(f.signal);
    if (col === null) continue;
    let set = out.get(f.cashier);
    if (!set) {
      set = new Set();
      out.set(f.cashier, set);
    }
    set.add(col);
  }
  return out;
}

/** Which report is on screen, so Print and Export ask for the same one. */
export type ReportSource = { readonly kind: 'x'; readonly date: string | null } | { readonly kind: 'z'; readonly zNo: number };

export function sourceOf(report: ReportView, date: string | null): ReportSource {
  return report.kind === 'Z' && report.zNo !== null ? { kind: 'z', zNo: report.zNo } : { kind: 'x', date };
}

/** report.print params, or null when the report on screen cannot be printed as it is. */
export function printParams(source: ReportSource): ParamsOf<'report.print'> | null {
  if (source.kind === 'z') return { zNo: source.zNo };
  return source.date === null ? {} : null;
}

export function exportParams(source: ReportSource, format: 'csv' | 'pdf'): ParamsOf<'report.export'> {
  if (source.kind === 'z') return { zNo: source.zNo, format };
  return source.date === null ? { format } : { date: source.date, format };
}

/** Shifts in the report that were closed short or over (for the headline). */
export function cashDifferences(report: Pick<ReportView, 'cash'>): { readonly short: number; readonly over: number } {
  let short = 0;
  let over = 0;
  for (const s of report.cash.shifts) {
    if (s.overShort === null || s.overShort === 0) continue;
    if (s.overShort < 0) short += 1;
    else over += 1;
  }
  return { short, over };
}

/** 1300 bps → "13%", 650 → "6.5%". */
export function formatRate(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const frac = Math.abs(bps % 100);
  return frac === 0 ? `${whole}%` : `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}%`;
}
