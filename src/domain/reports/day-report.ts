// The figures of an X or Z report (issue 7 §4), added up from what the store holds: sale
// records, refund parts, cancelled sales, no-sale drawer openings, plus the cash per shift and
// the antifraud flags that other modules work out. Pure: the caller reads the rows
// (src/core/reports/report-source.ts) and feeds them in one at a time, so a day of 20,000
// sales is never one array in memory; `finish()` returns plain JSON (whole minor units,
// strings, booleans, null), which is what a Z journals as its payload.
//
// Decisions a caller must know:
// - Sales: figures over NON-VOID lines. gross = Σ line gross; discounts = Σ line discount +
//   basket share; net = gross − discounts (= Σ subtotal); tax = Σ taxTotal; total = Σ total;
//   rounding = Σ rounding; paid = total + rounding = Σ tender amounts.
// - Sales of the other mode than the report's (`training` option: training sales on a real
//   terminal, real ones on a training terminal) are counted in `sales.training` and left out
//   of every money figure: a real day never mixes with practice. A training terminal's own
//   reports count its training sales, so trainees close a day like the real one.
// - A record in another currency than the report's, or one that cannot be read, is counted in
//   `unreadable` (never thrown: the day must still close) — `kassa verify` says more.
// - Returns: a refund counts where its part SETTLED ('sale.refunded'); 'refund.manual' parts
//   are listed apart (a person must check the wallet's bill) and not taken off the tenders.
// - Hours and calendar days are the terminal's local time (LocalClock; tests pass a fixed
//   offset). Each report carries its per-day totals (`days`) so the year summary can read a
//   closed day from its Z without going back to the sales.
import type { SaleLineRecord, SaleRecord, TenderMethod, TenderRecord } from '../sale-record.ts';

export type ReportKind = 'X' | 'Z';

export interface ReportRange {
  /** Exclusive: the report covers journal rows fromSeq + 1 … toSeq. */
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Time of the first and last journal row covered (ISO); null when the range is empty. */
  readonly from: string | null;
  readonly to: string | null;
}

export interface TaxRateTotal {
  readonly taxClass: string;
  readonly rateBps: number;
  readonly inclusive: boolean;
  /** Σ line amounts (after discounts) at this rate; for inclusive tax the tax is inside it. */
  readonly base: number;
  readonly tax: number;
}

export interface TenderTotal {
  readonly method: TenderMethod;
  readonly count: number;
  readonly amount: number;
  /** Settled refunds paid back through this method. */
  readonly refunded: number;
  readonly net: number;
}

export interface WalletTotal {
  readonly provider: 'alipay' | 'wechat';
  readonly count: number;
  readonly amount: number;
  readonly refunded: number;
}

export interface CashierTotal {
  readonly cashier: string;
  readonly sales: number;
  /** Σ paid (total + rounding) of their sales. */
  readonly amount: number;
  /** Refunds they requested (as operator). */
  readonly refunds: number;
  readonly voids: number;
  readonly noSales: number;
  readonly overrides: number;
  /** Lines keyed in by hand or picked from search instead of scanned. */
  readonly manual: number;
}

export interface HourTotal {
  readonly hour: number;
  readonly count: number;
  readonly amount: number;
}

export interface DayTotal {
  /** yyyy-mm-dd, local time. */
  readonly date: string;
  readonly count: number;
  /** Σ paid (total + rounding). */
  readonly amount: number;
  readonly tax: number;
  /** Σ settled refunds. */
  readonly returns: number;
}

/** One shift's cash (src/core/shifts): what the drawer should hold and what was counted. */
export interface ShiftCash {
  readonly shiftId: string;
  readonly openedAt: string;
  readonly openedBy: string;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
  readonly float: number;
  readonly expected: number;
  /** null while the shift is open (an X report). */
  readonly counted: number | null;
  readonly overShort: number | null;
  /** The expected-cash working, line by line ("float", "cash sales", …). */
  readonly working: readonly { readonly label: string; readonly amount: number; readonly sign: 1 | -1 }[];
}

/** An antifraud flag (src/core/reports/antifraud-source.ts): a count over its threshold. */
export interface ReportFlag {
  readonly cashier: string;
  readonly shiftId: string | null;
  readonly signal: string;
  readonly count: number;
  readonly threshold: number;
}

export interface ReportData {
  readonly kind: ReportKind;
  readonly zNo: number | null;
  readonly terminalId: string;
  readonly currency: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly range: ReportRange;
  readonly sales: {
    readonly count: number;
    readonly gross: number;
    readonly discounts: number;
    readonly net: number;
    readonly tax: number;
    readonly total: number;
    readonly rounding: number;
    readonly paid: number;
    readonly change: number;
    readonly training: number;
  };
  readonly returns: { readonly count: number; readonly parts: number; readonly amount: number; readonly manual: number; readonly manualParts: number };
  readonly voids: { readonly lines: number; readonly amount: number; readonly salesCancelled: number };
  readonly discounts: { readonly count: number; readonly amount: number };
  readonly taxByRate: readonly TaxRateTotal[];
  readonly tenders: readonly TenderTotal[];
  readonly wallets: readonly WalletTotal[];
  readonly cashiers: readonly CashierTotal[];
  /** 24 entries, hour 0–23 (local). */
  readonly hourly: readonly HourTotal[];
  readonly days: readonly DayTotal[];
  readonly cash: {
    readonly shifts: readonly ShiftCash[];
    /** Cash taken and paid back outside any shift (setup mode, or before shifts were used). */
    readonly outsideShifts: { readonly cashSales: number; readonly cashRefunds: number } | null;
  };
  readonly flags: readonly ReportFlag[];
  /** Set on a Z closed with unsent sales by an approval. */
  readonly override: { readonly unsent: number; readonly approvedBy: string } | null;
  /** Records that could not be counted (unreadable, other currency): see kassa verify. */
  readonly unreadable: number;
}

/** Maps an ISO instant to the terminal's local calendar day and hour. */
export interface LocalClock {
  dayOf(iso: string): string;
  hourOf(iso: string): number;
  /** The instant (ms since the epoch) local day `yyyy-mm-dd` starts. */
  startOfDay(date: string): number;
}

/** [y, m, d] of a yyyy-mm-dd date; throws naming the bad text. */
export function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const y = Number(m?.[1]);
  const mo = Number(m?.[2]);
  const d = Number(m?.[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (!m || check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`expected a date as yyyy-mm-dd, got "${date}"`);
  }
  return [y, mo, d];
}

/** The calendar day after `date` (yyyy-mm-dd). */
export function nextDate(date: string): string {
  const [y, m, d] = parseDate(date);
  const n = new Date(Date.UTC(y, m - 1, d + 1));
  return `${n.getUTCFullYear()}-${pad2(n.getUTCMonth() + 1)}-${pad2(n.getUTCDate())}`;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

// Instants that share their minute share their local day and hour (zones are whole minutes),
// so each minute is converted once: 20,000 Date objects cost more than the rest of the sum.
function cachedClock(convert: (d: Date) => { day: string; hour: number }, startOfDay: (y: number, m: number, d: number) => number): LocalClock {
  const cache = new Map<string, { day: string; hour: number }>();
  const get = (iso: string) => {
    const zone = iso.endsWith('Z') ? 'Z' : (/[+-]\d\d:?\d\d$/.exec(iso)?.[0] ?? '');
    const key = iso.slice(0, 16) + zone;
    let v = cache.get(key);
    if (v === undefined) {
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) throw new RangeError(`not an ISO timestamp: ${JSON.stringify(iso)}`);
      v = convert(d);
      if (cache.size > 100_000) cache.clear();
      cache.set(key, v);
    }
    return v;
  };
  return { dayOf: (iso) => get(iso).day, hourOf: (iso) => get(iso).hour, startOfDay: (date) => startOfDay(...parseDate(date)) };
}

/** The process's local time zone (the terminal's). */
export function systemClock(): LocalClock {
  return cachedClock(
    (d) => ({ day: `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`, hour: d.getHours() }),
    (y, m, d) => new Date(y, m - 1, d).getTime(),
  );
}

/** A fixed UTC offset in minutes (China: 480), for tests and terminals told their zone. */
export function fixedOffsetClock(offsetMinutes: number): LocalClock {
  return cachedClock((d) => {
    const l = new Date(d.getTime() + offsetMinutes * 60_000);
    return { day: `${l.getUTCFullYear()}-${pad2(l.getUTCMonth() + 1)}-${pad2(l.getUTCDate())}`, hour: l.getUTCHours() };
  }, (y, m, d) => Date.UTC(y, m - 1, d) - offsetMinutes * 60_000);
}

/** A settled refund part, as its journal entry has it. */
export interface RefundPartEvent {
  readonly refundId: string;
  readonly method: TenderMethod;
  readonly amount: number;
  readonly currency: string;
  readonly state: 'refunded' | 'failed' | 'manual';
  readonly at: string;
}

/** A refund as requested ('refund.requested'): who asked for it. */
export interface RefundRequestEvent {
  readonly refundId: string;
  readonly operator: string;
}

export interface ReportMeta {
  readonly kind: ReportKind;
  readonly zNo: number | null;
  readonly terminalId: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly range: ReportRange;
  readonly cash?: ReportData['cash'];
  readonly flags?: readonly ReportFlag[];
  readonly override?: ReportData['override'];
}

/** What a report reads of a sale line: a SaleLineRecord has these and more. */
export type ReportSaleLine = Pick<
  SaleLineRecord,
  'amount' | 'basketDiscountShare' | 'gross' | 'lineDiscount' | 'lineNo' | 'originalUnitPrice' | 'source' | 'tax' | 'taxClass' | 'taxInclusive' | 'taxRateBps' | 'voided' | 'promotionDiscount'
>;

/** What a report reads of a sale record: a SaleRecord has these and more. */
export interface ReportSale
  extends Pick<SaleRecord, 'id' | 'training' | 'currency' | 'cashier' | 'completedAt' | 'basketDiscount' | 'subtotal' | 'taxTotal' | 'total' | 'rounding' | 'change'> {
  readonly lines: readonly ReportSaleLine[];
  readonly tenders: readonly Pick<TenderRecord, 'method' | 'amount'>[];
}

export interface ReportAccumulator {
  addSale(record: ReportSale): void;
  addRefundPart(part: RefundPartEvent): void;
  addRefundRequest(request: RefundRequestEvent): void;
  addCancelledSale(): void;
  addNoSale(by: string): void;
  /** A row that should have been counted but could not be read. */
  addUnreadable(): void;
  finish(meta: ReportMeta): ReportData;
}

interface MutableCashier {
  sales: number;
  amount: number;
  refunds: number;
  voids: number;
  noSales: number;
  overrides: number;
  manual: number;
}

const METHOD_ORDER: readonly TenderMethod[] = ['cash', 'alipay', 'wechat'];

export function createReportAccumulator(options: { readonly currency: string; readonly clock?: LocalClock; readonly training?: boolean }): ReportAccumulator {
  const currency = options.currency;
  const mode = options.training ?? false;
  const clock = options.clock ?? systemClock();
  const s = { count: 0, gross: 0, discounts: 0, net: 0, tax: 0, total: 0, rounding: 0, paid: 0, change: 0, training: 0 };
  const returns = { refundIds: new Set<string>(), parts: 0, amount: 0, manual: 0, manualParts: 0 };
  const voids = { lines: 0, amount: 0, salesCancelled: 0 };
  const discounts = { count: 0, amount: 0 };
  const taxes = new Map<string, { taxClass: string; rateBps: number; inclusive: boolean; base: number; tax: number }>();
  const tenders = new Map<TenderMethod, { count: number; amount: number; refunded: number }>();
  const cashiers = new Map<string, MutableCashier>();
  const hourly = Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0, amount: 0 }));
  const days = new Map<string, { date: string; count: number; amount: number; tax: number; returns: number }>();
  let unreadable = 0;

  const cashier = (name: string): MutableCashier => {
    let c = cashiers.get(name);
    if (!c) {
      c = { sales: 0, amount: 0, refunds: 0, voids: 0, noSales: 0, overrides: 0, manual: 0 };
      cashiers.set(name, c);
    }
    return c;
  };
  const tender = (method: TenderMethod) => {
    let t = tenders.get(method);
    if (!t) {
      t = { count: 0, amount: 0, refunded: 0 };
      tenders.set(method, t);
    }
    return t;
  };
  const day = (date: string) => {
    let d = days.get(date);
    if (!d) {
      d = { date, count: 0, amount: 0, tax: 0, returns: 0 };
      days.set(date, d);
    }
    return d;
  };

  return {
    addSale(r) {
      if (r.training !== mode) {
        s.training += 1;
        return;
      }
      if (r.currency !== currency) {
        unreadable += 1;
        return;
      }
      const c = cashier(r.cashier);
      const paid = r.total + r.rounding;
      let lineDiscounts = 0;
      for (const l of r.lines) {
        if (l.originalUnitPrice !== null) c.overrides += 1;
        if (l.source === 'manual' || l.source === 'search') c.manual += 1;
        if (l.voided) {
          voids.lines += 1;
          voids.amount += l.gross;
          c.voids += 1;
          continue;
        }
        s.gross += l.gross;
        // Promotions (issue 8) are discounts too: the report's discounts are everything taken off.
        const off = l.lineDiscount + (l.promotionDiscount ?? 0) + l.basketDiscountShare;
        if (l.lineDiscount !== 0 || (l.promotionDiscount ?? 0) !== 0) discounts.count += 1;
        lineDiscounts += off;
        const key = `${l.taxClass}\u0000${l.taxRateBps}\u0000${l.taxInclusive ? 1 : 0}`;
        let t = taxes.get(key);
        if (!t) {
          t = { taxClass: l.taxClass, rateBps: l.taxRateBps, inclusive: l.taxInclusive, base: 0, tax: 0 };
          taxes.set(key, t);
        }
        t.base += l.amount;
        t.tax += l.tax;
      }
      if (r.basketDiscount !== 0) discounts.count += 1;
      discounts.amount += lineDiscounts;
      s.count += 1;
      s.discounts += lineDiscounts;
      s.net += r.subtotal;
      s.tax += r.taxTotal;
      s.total += r.total;
      s.rounding += r.rounding;
      s.paid += paid;
      s.change += r.change;
      for (const t of r.tenders) {
        const m = tender(t.method);
        m.count += 1;
        m.amount += t.amount;
      }
      c.sales += 1;
      c.amount += paid;
      const hour = hourly[clock.hourOf(r.completedAt)];
      if (hour) {
        hour.count += 1;
        hour.amount += paid;
      }
      const d = day(clock.dayOf(r.completedAt));
      d.count += 1;
      d.amount += paid;
      d.tax += r.taxTotal;
    },
    addRefundPart(p) {
      if (p.currency !== currency) {
        unreadable += 1;
        return;
      }
      if (p.state === 'failed') return;
      if (p.state === 'manual') {
        returns.manual += p.amount;
        returns.manualParts += 1;
        return;
      }
      returns.refundIds.add(p.refundId);
      returns.parts += 1;
      returns.amount += p.amount;
      tender(p.method).refunded += p.amount;
      day(clock.dayOf(p.at)).returns += p.amount;
    },
    addRefundRequest(r) {
      cashier(r.operator).refunds += 1;
    },
    addCancelledSale() {
      voids.salesCancelled += 1;
    },
    addNoSale(by) {
      cashier(by).noSales += 1;
    },
    addUnreadable() {
      unreadable += 1;
    },
    finish(meta) {
      const tenderList: TenderTotal[] = [...tenders.entries()]
        .sort((a, b) => METHOD_ORDER.indexOf(a[0]) - METHOD_ORDER.indexOf(b[0]))
        .map(([method, t]) => ({ method, count: t.count, amount: t.amount, refunded: t.refunded, net: t.amount - t.refunded }));
      return {
        kind: meta.kind,
        zNo: meta.zNo,
        terminalId: meta.terminalId,
        currency,
        createdAt: meta.createdAt,
        createdBy: meta.createdBy,
        range: meta.range,
        sales: { ...s },
        returns: { count: returns.refundIds.size, parts: returns.parts, amount: returns.amount, manual: returns.manual, manualParts: returns.manualParts },
        voids: { ...voids },
        discounts: { ...discounts },
        taxByRate: [...taxes.values()].sort((a, b) => a.rateBps - b.rateBps || (a.taxClass < b.taxClass ? -1 : a.taxClass > b.taxClass ? 1 : 0) || Number(a.inclusive) - Number(b.inclusive)),
        tenders: tenderList,
        wallets: tenderList
          .filter((t): t is TenderTotal & { method: 'alipay' | 'wechat' } => t.method !== 'cash')
          .map((t) => ({ provider: t.method, count: t.count, amount: t.amount, refunded: t.refunded })),
        cashiers: [...cashiers.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name, c]) => ({ cashier: name, ...c })),
        hourly: hourly.map((h) => ({ ...h })),
        days: [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1)).map((d) => ({ ...d })),
        cash: meta.cash ?? { shifts: [], outsideShifts: null },
        flags: meta.flags ?? [],
        override: meta.override ?? null,
        unreadable,
      };
    },
  };
}
