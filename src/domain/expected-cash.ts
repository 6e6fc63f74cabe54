// Expected cash in the drawer, with its working (issue 7 §3): float + cash sales − cash refunds
// + paid-in − paid-out ± rounding. Hand-written: it is the shop's own arithmetic, and its point
// is the working — each step a line a manager can check against the receipts and slips.
//
// Decisions a caller must know:
// - `cashSales` is the sum of the cash tenders' `amount`s: what was applied to the sales, change
//   already handed back. The cash rounding of a sale (SaleRecord.rounding, signed) sits INSIDE
//   its settling cash tender (Σ tenders = total + rounding, domain/tender.ts). So the working
//   shows "cash sales" as cashSales − rounding (the goods paid in cash) and the rounding as its
//   own line; the lines add up to the same expected figure, rounding counted once.
// - Cash refunds carry no rounding (refund-service.ts hands back exactly the cash tender).
// - Every line is a non-negative amount with a sign, so a line reads "− ¥12.00", never "+ −12";
//   the sign is the step's place in the formula, and only the rounding's follows its amount.
// - tallyCash folds the events of a shift (or any range) into these totals, per cashier too: a
//   cashier change mid-shift does not split the drawer, it only says who did what. Events of
//   the other mode (training sales on a real terminal or the other way round) are set aside,
//   counted, and kept out of the expected figure.
// - Bad input (a non-integer, a negative total) throws ExpectedCashError naming the field.
import { MAX_MINOR_UNITS } from './money.ts';

export class ExpectedCashError extends Error {
  override name = 'ExpectedCashError';
}

export interface ExpectedCashInput {
  /** The counted float the shift opened with. */
  readonly float: number;
  /** Σ cash tender amounts of the sales (rounding included, change excluded). */
  readonly cashSales: number;
  /** The cash rounding inside cashSales, signed. */
  readonly rounding: number;
  /** Σ cash refund parts handed back. */
  readonly cashRefunds: number;
  readonly paidIn: number;
  readonly paidOut: number;
  /** How many of each, for the labels (optional). */
  readonly counts?: { readonly sales?: number; readonly refunds?: number; readonly paidIn?: number; readonly paidOut?: number };
}

export type WorkingKey = 'float' | 'cash-sales' | 'cash-refunds' | 'paid-in' | 'paid-out' | 'rounding';

export interface WorkingLine {
  readonly key: WorkingKey;
  readonly label: string;
  /** Non-negative, minor units. */
  readonly amount: number;
  readonly sign: '+' | '-';
  /** How many sales, refunds or slips make up the line, when known. */
  readonly count?: number;
}

export interface ExpectedCash {
  readonly expected: number;
  readonly working: readonly WorkingLine[];
}

export type Language = 'en' | 'zh-CN';

const LABELS: Record<Language, Record<WorkingKey, string>> = {
  en: {
    float: 'float',
    'cash-sales': 'cash sales',
    'cash-refunds': 'cash refunds',
    'paid-in': 'paid in',
    'paid-out': 'paid out',
    rounding: 'cash rounding',
  },
  'zh-CN': {
    float: '备用金',
    'cash-sales': '现金销售',
    'cash-refunds': '现金退款',
    'paid-in': '存入',
    'paid-out': '支出',
    rounding: '现金抹零/进位',
  },
};

export function workingLabel(key: WorkingKey, language: Language = 'en'): string {
  return LABELS[language][key];
}

function amountOf(input: ExpectedCashInput, field: keyof Omit<ExpectedCashInput, 'counts'>, signed = false): number {
  const v = input[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ExpectedCashError(`${field}: expected a whole number of minor units, got ${String(v)}`);
  if (!signed && v < 0) throw new ExpectedCashError(`${field}: expected an amount ≥ 0, got ${v}`);
  if (Math.abs(v) > MAX_MINOR_UNITS) throw new ExpectedCashError(`${field}: ${v} is beyond the largest supported amount`);
  return v;
}

/** float + cash sales − cash refunds + paid-in − paid-out ± rounding, line by line. */
export function expectedCash(input: ExpectedCashInput, language: Language = 'en'): ExpectedCash {
  const float = amountOf(input, 'float');
  const cashSales = amountOf(input, 'cashSales');
  const rounding = amountOf(input, 'rounding', true);
  const cashRefunds = amountOf(input, 'cashRefunds');
  const paidIn = amountOf(input, 'paidIn');
  const paidOut = amountOf(input, 'paidOut');
  const goods = cashSales - rounding;
  if (goods < 0) throw new ExpectedCashError(`rounding: ${rounding} is more than the cash sales it is part of (${cashSales})`);
  const c = input.counts ?? {};
  // The sign is the step's place in the formula (a refund line is "−" even when it is 0); only
  // the rounding takes the sign of its amount.
  const line = (key: WorkingKey, amount: number, sign: '+' | '-', count?: number): WorkingLine => ({
    key,
    label: workingLabel(key, language),
    amount,
    sign,
    ...(count === undefined ? {} : { count }),
  });
  const working: WorkingLine[] = [
    line('float', float, '+'),
    line('cash-sales', goods, '+', c.sales),
    line('cash-refunds', cashRefunds, '-', c.refunds),
    line('paid-in', paidIn, '+', c.paidIn),
    line('paid-out', paidOut, '-', c.paidOut),
    line('rounding', Math.abs(rounding), rounding < 0 ? '-' : '+'),
  ];
  const expected = working.reduce((s, l) => s + (l.sign === '-' ? -l.amount : l.amount), 0);
  return { expected, working };
}

/** counted − expected: positive over, negative short. */
export function overShort(expected: number, counted: number): { readonly overShort: number; readonly verdict: 'over' | 'short' | 'exact' } {
  if (!Number.isSafeInteger(expected) || !Number.isSafeInteger(counted)) throw new ExpectedCashError(`over/short needs whole minor units, got expected ${expected}, counted ${counted}`);
  const d = counted - expected;
  return { overShort: d, verdict: d > 0 ? 'over' : d < 0 ? 'short' : 'exact' };
}

// ---------------------------------------------------------------------------------------------
// Folding a shift's events into the totals

export type CashEvent =
  | {
      readonly kind: 'sale';
      /** Σ of the sale's cash tender amounts (0 for a sale paid by wallet only). */
      readonly cash: number;
      /** The sale's cash rounding (non-zero only with a settling cash tender). */
      readonly rounding: number;
      readonly cashier: string;
      readonly training: boolean;
    }
  | { readonly kind: 'refund'; readonly cash: number; readonly cashier: string; readonly training: boolean }
  | { readonly kind: 'paid-in' | 'paid-out'; readonly amount: number; readonly cashier: string };

export interface CashierTally {
  readonly cashier: string;
  readonly cashSales: number;
  readonly sales: number;
  readonly cashRefunds: number;
  readonly refunds: number;
  readonly paidIn: number;
  readonly paidOut: number;
}

export interface CashTally extends Omit<ExpectedCashInput, 'float' | 'counts'> {
  readonly counts: { readonly sales: number; readonly refunds: number; readonly paidIn: number; readonly paidOut: number };
  /** In order of first appearance. */
  readonly byCashier: readonly CashierTally[];
  /** Sales and refunds of the other mode, kept out of the totals. */
  readonly setAside: { readonly sales: number; readonly cashSales: number; readonly refunds: number; readonly cashRefunds: number };
}

/**
 * Adds up the cash events of a range. `training` is the terminal's mode: only events of that
 * mode count. Sales without cash are not counted as cash sales (a wallet-only sale moves no cash).
 */
export function tallyCash(events: Iterable<CashEvent>, mode: { readonly training: boolean }): CashTally {
  let cashSales = 0;
  let rounding = 0;
  let cashRefunds = 0;
  let paidIn = 0;
  let paidOut = 0;
  const counts = { sales: 0, refunds: 0, paidIn: 0, paidOut: 0 };
  const setAside = { sales: 0, cashSales: 0, refunds: 0, cashRefunds: 0 };
  const byCashier = new Map<string, { cashier: string; cashSales: number; sales: number; cashRefunds: number; refunds: number; paidIn: number; paidOut: number }>();
  const of = (cashier: string) => {
    let t = byCashier.get(cashier);
    if (!t) byCashier.set(cashier, (t = { cashier, cashSales: 0, sales: 0, cashRefunds: 0, refunds: 0, paidIn: 0, paidOut: 0 }));
    return t;
  };
  const whole = (v: number, what: string, signed = false) => {
    if (!Number.isSafeInteger(v) || (!signed && v < 0)) throw new ExpectedCashError(`${what}: expected a whole number of minor units${signed ? '' : ' ≥ 0'}, got ${v}`);
    return v;
  };
  for (const e of events) {
    if (e.kind === 'sale') {
      whole(e.cash, 'sale cash');
      whole(e.rounding, 'sale rounding', true);
      if (e.training !== mode.training) {
        setAside.sales += 1;
        setAside.cashSales += e.cash;
        continue;
      }
      if (e.cash === 0 && e.rounding === 0) continue;
      cashSales += e.cash;
      rounding += e.rounding;
      counts.sales += 1;
      const t = of(e.cashier);
      t.cashSales += e.cash;
      t.sales += 1;
    } else if (e.kind === 'refund') {
      whole(e.cash, 'refund cash');
      if (e.training !== mode.training) {
        setAside.refunds += 1;
        setAside.cashRefunds += e.cash;
        continue;
      }
      cashRefunds += e.cash;
      counts.refunds += 1;
      const t = of(e.cashier);
      t.cashRefunds += e.cash;
      t.refunds += 1;
    } else {
      whole(e.amount, e.kind);
      const t = of(e.cashier);
      if (e.kind === 'paid-in') {
        paidIn += e.amount;
        counts.paidIn += 1;
        t.paidIn += e.amount;
      } else {
        paidOut += e.amount;
        counts.paidOut += 1;
        t.paidOut += e.amount;
      }
    }
  }
  return { cashSales, rounding, cashRefunds, paidIn, paidOut, counts, byCashier: [...byCashier.values()], setAside };
}
