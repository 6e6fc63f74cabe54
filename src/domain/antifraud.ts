// Antifraud signals (issue 7 §7): per cashier and per shift, how often the things that hide
// theft happened — lines voided after they were scanned, refunds, drawer openings without a
// sale, price overrides, lines keyed in instead of scanned — and which counts are over the
// configured thresholds. Pure: the core feeds it journal rows and sale records in seq order
// (src/core/reports/antifraud-source.ts does one pass of its own; a report that already reads
// every sale can feed the same counter from its own pass instead of reading them twice).
//
// Decisions a caller must know:
// - A shift is the journal range (openedSeq, closedSeq]; an event belongs to the shift whose
//   range holds its seq (closedSeq null: still open). Events in no shift get shiftId null.
// - Voids: every voided line of a committed sale, plus every line of a cancelled sale (each was
//   scanned and then not sold). Price overrides: lines whose originalUnitPrice is set. The same
//   line reported twice (a 'line.voided' / 'price.overridden' journal row and the sale record
//   that carries it) is counted once: lines are keyed by sale id and line number.
// - Manual entries: lines whose source is 'manual' or 'search' (not scanned), voided or not: the
//   keying is the signal, whatever happened to the line afterwards.
// - Refunds count once per refund (not per tender part), against the operator who asked.
// - Flagged when count > threshold; a threshold of null never flags. Counts equal to the
//   threshold are not flagged.
// Hand-written: a handful of counters and a binary search; no library models this.

export const ANTIFRAUD_SIGNALS = ['voids', 'refunds', 'noSales', 'priceOverrides', 'manualEntries'] as const;
export type AntifraudSignal = (typeof ANTIFRAUD_SIGNALS)[number];

/** Per signal, the most a cashier may reach in one shift unflagged; null: never flagged. */
export type AntifraudThresholds = Readonly<Record<AntifraudSignal, number | null>>;

/** Line sources that mean "not scanned". */
export const MANUAL_SOURCES: ReadonlySet<string> = new Set(['manual', 'search']);

/** Shown when a journal row does not say who did it (older rows, or a kind that does not carry it). */
export const UNKNOWN_CASHIER = '(not recorded)';

export interface ShiftSpan {
  readonly id: string;
  readonly openedSeq: number;
  /** null while the shift is open. */
  readonly closedSeq: number | null;
}

export interface AntifraudCounts extends Readonly<Record<AntifraudSignal, number>> {
  readonly cashier: string;
  readonly shiftId: string | null;
}

export interface AntifraudFlag {
  readonly cashier: string;
  readonly shiftId: string | null;
  readonly signal: AntifraudSignal;
  readonly count: number;
  readonly threshold: number;
}

export interface AntifraudSummary {
  /** One row per cashier and shift that did anything counted; ordered by shift, then cashier. */
  readonly counts: readonly AntifraudCounts[];
  /** Every count over its threshold, in the order of `counts`, signals in ANTIFRAUD_SIGNALS order. */
  readonly flags: readonly AntifraudFlag[];
}

/** What of a sale line the counter reads (a SaleLineRecord or a cart line has these). */
export interface AntifraudLine {
  readonly lineNo: number;
  readonly voided?: boolean;
  readonly originalUnitPrice?: number | null;
  readonly source?: string;
}

export interface AntifraudCounter {
  /** A committed sale ('sale.completed' at `seq`): its voided, overridden and manual lines. */
  addSale(seq: number, sale: { readonly id: string; readonly cashier: string; readonly lines: readonly AntifraudLine[] }): void;
  /** A cancelled sale ('sale.cancelled'): every line is a void; manual lines count as manual entries. */
  addCancelledSale(seq: number, sale: { readonly id: string; readonly cashier: string; readonly lines: readonly AntifraudLine[] }): void;
  /** A 'line.voided' journal row. */
  addLineVoided(seq: number, cashier: string, saleId: string, lineNo: number): void;
  /** A 'price.overridden' journal row. */
  addPriceOverride(seq: number, cashier: string, saleId: string, lineNo: number): void;
  /** A 'refund.requested' journal row. */
  addRefund(seq: number, cashier: string): void;
  /** A 'drawer.opened' journal row (no sale). */
  addNoSale(seq: number, cashier: string): void;
  finish(thresholds: AntifraudThresholds): AntifraudSummary;
}

interface MutableCounts {
  cashier: string;
  shiftId: string | null;
  order: number;
  voids: number;
  refunds: number;
  noSales: number;
  priceOverrides: number;
  manualEntries: number;
}

export function createAntifraudCounter(shifts: readonly ShiftSpan[] = []): AntifraudCounter {
  for (const s of shifts) {
    if (!Number.isSafeInteger(s.openedSeq) || s.openedSeq < 0) throw new RangeError(`shift ${s.id}: openedSeq must be a whole number ≥ 0, got ${s.openedSeq}`);
    if (s.closedSeq !== null && (!Number.isSafeInteger(s.closedSeq) || s.closedSeq < s.openedSeq)) {
      throw new RangeError(`shift ${s.id}: closedSeq must be a whole number ≥ openedSeq (${s.openedSeq}), got ${s.closedSeq}`);
    }
  }
  const spans = [...shifts].sort((a, b) => a.openedSeq - b.openedSeq);
  const shiftOrder = new Map(spans.map((s, i) => [s.id, i]));
  const rows = new Map<string, MutableCounts>();
  const seenVoids = new Set<string>();
  const seenOverrides = new Set<string>();

  // The last shift opened before seq; it holds seq if it is still open or closed at/after seq.
  function shiftOf(seq: number): string | null {
    let lo = 0;
    let hi = spans.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((spans[mid]?.openedSeq ?? 0) < seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const span = spans[found];
    if (!span) return null;
    return span.closedSeq === null || seq <= span.closedSeq ? span.id : null;
  }

  function row(seq: number, cashier: string): MutableCounts {
    const who = cashier.trim() === '' ? UNKNOWN_CASHIER : cashier;
    const shiftId = shiftOf(seq);
    const key = `${shiftId ?? ''}\u0000${who}`;
    let r = rows.get(key);
    if (!r) {
      r = { cashier: who, shiftId, order: shiftId === null ? -1 : (shiftOrder.get(shiftId) ?? -1), voids: 0, refunds: 0, noSales: 0, priceOverrides: 0, manualEntries: 0 };
      rows.set(key, r);
    }
    return r;
  }

  // Rows are made on the first thing counted, so a cashier with nothing to count has no row
  // however the counter is fed (every sale, or only those with something in them).
  function lazyRow(seq: number, cashier: string): () => MutableCounts {
    let r: MutableCounts | null = null;
    return () => (r ??= row(seq, cashier));
  }

  function countVoid(r: () => MutableCounts, saleId: string, lineNo: number): void {
    const key = `${saleId}\u0000${lineNo}`;
    if (seenVoids.has(key)) return;
    seenVoids.add(key);
    r().voids += 1;
  }

  function countOverride(r: () => MutableCounts, saleId: string, lineNo: number): void {
    const key = `${saleId}\u0000${lineNo}`;
    if (seenOverrides.has(key)) return;
    seenOverrides.add(key);
    r().priceOverrides += 1;
  }

  return {
    addSale(seq, sale) {
      const r = lazyRow(seq, sale.cashier);
      for (const l of sale.lines) {
        if (l.voided === true) countVoid(r, sale.id, l.lineNo);
        if (l.originalUnitPrice !== null && l.originalUnitPrice !== undefined) countOverride(r, sale.id, l.lineNo);
        if (l.source !== undefined && MANUAL_SOURCES.has(l.source)) r().manualEntries += 1;
      }
    },
    addCancelledSale(seq, sale) {
      const r = lazyRow(seq, sale.cashier);
      for (const l of sale.lines) {
        countVoid(r, sale.id, l.lineNo);
        if (l.source !== undefined && MANUAL_SOURCES.has(l.source)) r().manualEntries += 1;
      }
    },
    addLineVoided(seq, cashier, saleId, lineNo) {
      countVoid(lazyRow(seq, cashier), saleId, lineNo);
    },
    addPriceOverride(seq, cashier, saleId, lineNo) {
      countOverride(lazyRow(seq, cashier), saleId, lineNo);
    },
    addRefund(seq, cashier) {
      row(seq, cashier).refunds += 1;
    },
    addNoSale(seq, cashier) {
      row(seq, cashier).noSales += 1;
    },
    finish(thresholds) {
      const sorted = [...rows.values()].sort((a, b) => a.order - b.order || (a.cashier < b.cashier ? -1 : a.cashier > b.cashier ? 1 : 0));
      const counts: AntifraudCounts[] = sorted.map(({ order: _order, ...c }) => ({ ...c }));
      return { counts, flags: antifraudFlags(counts, thresholds) };
    },
  };
}

/** The counts over their thresholds (count > threshold; null thresholds never flag). */
export function antifraudFlags(counts: readonly AntifraudCounts[], thresholds: AntifraudThresholds): AntifraudFlag[] {
  const flags: AntifraudFlag[] = [];
  for (const c of counts) {
    for (const signal of ANTIFRAUD_SIGNALS) {
      const threshold = thresholds[signal];
      if (threshold !== null && c[signal] > threshold) flags.push({ cashier: c.cashier, shiftId: c.shiftId, signal, count: c[signal], threshold });
    }
  }
  return flags;
}
