// Wallet reconciliation (issue 7 §6): the provider's bill for one day set against the
// terminal's own records of payments and refunds, line by line. Pure: the core reads the bill
// and the database and hands both sides in as rows.
//
// Decisions a caller must know:
// - Items are keyed per day and wallet: "<date>/<wallet>/pay/<out_trade_no>" for a payment,
//   "<date>/<wallet>/refund/<out_request_no>" for a refund, "<date>/<wallet>/reversal/
//   <out_trade_no>" for a cancel/reverse that gave a paid trade's money back (a refund
//   without out_request_no). Both ids are [A-Za-z0-9_], so "/" never occurs inside them.
// - Every status compares amounts (positive minor units): matched (same amount on both sides),
//   missing-locally (the provider has it, the terminal does not count it), missing-at-provider
//   (the terminal counts it, the bill does not have it), amount-mismatch (both, different).
// - Which local rows belong to the day: a local row that matches a bill row is taken whatever
//   its time (the provider's clock decides the day); a local row without a bill row is
//   "missing at the provider" only when its own time falls in the day's [start, end), so a
//   payment made a second before midnight is not claimed by both days.
// - Bill rows of another terminal (their terminal id is set and is not ours) that no local
//   row matches are not this terminal's business: counted as `otherTerminalRows`, not listed.
// - A local row counts money only in a state where the terminal books it (a paid attempt, a
//   refunded part); rows in doubt (open, manual…) are passed with amount null and their state,
//   so a bill row for one of them shows as missing locally with that state beside it.

export type ReconcileWallet = 'alipay' | 'wechat';
export type ReconcileItemKind = 'payment' | 'refund';
export type ReconcileStatus = 'matched' | 'missing-locally' | 'missing-at-provider' | 'amount-mismatch';
/** What a refund item is: a refund by out_request_no, or a reversal (cancel of a paid trade). */
export type ReconcileEntry = 'payment' | 'refund' | 'reversal';

export const RECONCILE_STATUSES: readonly ReconcileStatus[] = ['matched', 'missing-locally', 'missing-at-provider', 'amount-mismatch'];

/** One line of a provider's bill, already parsed and checked. */
export interface BillRow {
  readonly entry: ReconcileEntry;
  readonly outTradeNo: string;
  /** Refunds only. */
  readonly outRequestNo: string | null;
  /** Positive minor units: the payment, or the money given back. */
  readonly amount: number;
  /** The provider's trade number. */
  readonly tradeNo: string;
  /** Epoch ms of the payment or refund (the bill's time, Beijing time parsed). */
  readonly at: number;
  /** The terminal id the trade carried (Alipay 终端号, WeChat 设备号); null when empty. */
  readonly terminalId: string | null;
  /** The bill's line number (1-based, in its file), for messages. */
  readonly line: number;
}

/** One payment attempt or refund part of the terminal. */
export interface LocalRow {
  readonly entry: ReconcileEntry;
  readonly outTradeNo: string;
  readonly outRequestNo: string | null;
  /** Minor units the terminal books; null when the row is in doubt (see `state`). */
  readonly amount: number | null;
  /** The local state: 'paid', 'manual', 'refunded', 'pending'… */
  readonly state: string;
  /** Epoch ms the local record puts the money movement at. */
  readonly at: number;
  /** The sale (payments) or refund id (refunds). */
  readonly ref: string;
}

export interface Resolution {
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** The status the item had when it was resolved. */
  readonly status: ReconcileStatus;
  readonly journalSeq: number;
}

export interface ReconcileItem {
  readonly key: string;
  readonly provider: ReconcileWallet;
  readonly kind: ReconcileItemKind;
  readonly entry: ReconcileEntry;
  readonly status: ReconcileStatus;
  readonly outTradeNo: string;
  readonly outRequestNo: string | null;
  /** What the terminal books (null: nothing, or in doubt: see localState). */
  readonly local: number | null;
  /** What the provider's bill says (null: not on the bill). */
  readonly billed: number | null;
  readonly localState: string | null;
  readonly localRef: string | null;
  readonly tradeNo: string | null;
  readonly resolved: Resolution | null;
}

export interface SideTotals {
  readonly payments: number;
  readonly refunds: number;
  /** payments − refunds. */
  readonly net: number;
}

export interface ProviderSummary {
  readonly provider: ReconcileWallet;
  readonly billRows: number;
  readonly localRows: number;
  readonly matched: number;
  readonly missingLocally: number;
  readonly missingAtProvider: number;
  readonly amountMismatch: number;
  /** Items not matched and not resolved. */
  readonly unresolved: number;
  /** Bill rows of other terminals, left out. */
  readonly otherTerminalRows: number;
  readonly totals: { readonly bill: SideTotals; readonly local: SideTotals; /** bill.net − local.net */ readonly difference: number };
}

export interface ReconcileInput {
  readonly date: string;
  readonly provider: ReconcileWallet;
  /** This terminal's id: bill rows of other terminals are left out. */
  readonly terminalId: string;
  /** [start, end) epoch ms of the day (Beijing time for wallet bills). */
  readonly range: { readonly start: number; readonly end: number };
  readonly bill: readonly BillRow[];
  readonly local: readonly LocalRow[];
  /** Resolutions recorded so far, by item key. */
  readonly resolutions?: ReadonlyMap<string, Resolution>;
}

export interface ReconcileResult {
  readonly summary: ProviderSummary;
  readonly items: readonly ReconcileItem[];
}

export class ReconcileInputError extends Error {
  override name = 'ReconcileInputError';
}

const ENTRY_PATH: Readonly<Record<ReconcileEntry, string>> = { payment: 'pay', refund: 'refund', reversal: 'reversal' };

function idOf(row: { readonly entry: ReconcileEntry; readonly outTradeNo: string; readonly outRequestNo: string | null }): string {
  return row.entry === 'refund' ? (row.outRequestNo ?? '') : row.outTradeNo;
}

/** The item key of a row on a given day. */
export function itemKey(date: string, provider: ReconcileWallet, row: { readonly entry: ReconcileEntry; readonly outTradeNo: string; readonly outRequestNo: string | null }): string {
  return `${date}/${provider}/${ENTRY_PATH[row.entry]}/${idOf(row)}`;
}

const KEY = /^(\d{4}-\d{2}-\d{2})\/(alipay|wechat)\/(pay|refund|reversal)\/([A-Za-z0-9_]{1,64})$/;

/** The parts of an item key, or null when the text is not one. */
export function parseItemKey(key: string): { date: string; provider: ReconcileWallet; entry: ReconcileEntry; id: string } | null {
  const m = KEY.exec(key);
  if (m === null) return null;
  const entry: ReconcileEntry = m[3] === 'pay' ? 'payment' : m[3] === 'refund' ? 'refund' : 'reversal';
  return { date: m[1] ?? '', provider: m[2] as ReconcileWallet, entry, id: m[4] ?? '' };
}

function statusOf(local: number | null, provider: number | null): ReconcileStatus {
  if (provider === null) return 'missing-at-provider';
  if (local === null) return 'missing-locally';
  return local === provider ? 'matched' : 'amount-mismatch';
}

function add(t: { payments: number; refunds: number }, entry: ReconcileEntry, amount: number | null): void {
  if (amount === null) return;
  if (entry === 'payment') t.payments += amount;
  else t.refunds += amount;
}

/** Sets one provider's bill of a day against the terminal's rows. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const { date, provider, range } = input;
  const resolutions = input.resolutions ?? new Map<string, Resolution>();
  const bill = new Map<string, BillRow>();
  for (const row of input.bill) {
    const key = itemKey(date, provider, row);
    const earlier = bill.get(key);
    if (earlier !== undefined) throw new ReconcileInputError(`the bill lists ${key} twice (lines ${earlier.line} and ${row.line})`);
    bill.set(key, row);
  }
  const local = new Map<string, LocalRow>();
  for (const row of input.local) {
    const key = itemKey(date, provider, row);
    if (local.has(key)) throw new ReconcileInputError(`the terminal has two records for ${key}`);
    local.set(key, row);
  }

  const items: ReconcileItem[] = [];
  const billTotals = { payments: 0, refunds: 0 };
  const localTotals = { payments: 0, refunds: 0 };
  let billRows = 0;
  let localRows = 0;
  let otherTerminalRows = 0;
  const seen = new Set<string>();
  const push = (key: string, b: BillRow | undefined, l: LocalRow | undefined) => {
    const row = (b ?? l) as BillRow | LocalRow;
    const localAmount = l?.amount ?? null;
    const providerAmount = b?.amount ?? null;
    const status = statusOf(localAmount, providerAmount);
    if (b !== undefined) {
      billRows += 1;
      add(billTotals, b.entry, b.amount);
    }
    if (l !== undefined) {
      localRows += 1;
      add(localTotals, l.entry, l.amount);
    }
    items.push({
      key,
      provider,
      kind: row.entry === 'payment' ? 'payment' : 'refund',
      entry: row.entry,
      status,
      outTradeNo: row.outTradeNo,
      outRequestNo: row.outRequestNo,
      local: localAmount,
      billed: providerAmount,
      localState: l?.state ?? null,
      localRef: l?.ref ?? null,
      tradeNo: b?.tradeNo ?? null,
      resolved: status === 'matched' ? null : (resolutions.get(key) ?? null),
    });
  };

  for (const [key, b] of bill) {
    seen.add(key);
    const l = local.get(key);
    if (l === undefined && b.terminalId !== null && b.terminalId !== input.terminalId) {
      otherTerminalRows += 1;
      continue;
    }
    push(key, b, l);
  }
  for (const [key, l] of local) {
    if (seen.has(key)) continue;
    if (l.at < range.start || l.at >= range.end) continue; // another day's: its own bill decides
    if (l.amount === null) continue; // in doubt and not on the bill: nothing was booked, nothing collected
    push(key, undefined, l);
  }
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const count = (s: ReconcileStatus) => items.filter((i) => i.status === s).length;
  const side = (t: { payments: number; refunds: number }): SideTotals => ({ payments: t.payments, refunds: t.refunds, net: t.payments - t.refunds });
  const billSide = side(billTotals);
  const localSide = side(localTotals);
  return {
    summary: {
      provider,
      billRows,
      localRows,
      matched: count('matched'),
      missingLocally: count('missing-locally'),
      missingAtProvider: count('missing-at-provider'),
      amountMismatch: count('amount-mismatch'),
      unresolved: items.filter((i) => i.status !== 'matched' && i.resolved === null).length,
      otherTerminalRows,
      totals: { bill: billSide, local: localSide, difference: billSide.net - localSide.net },
    },
    items,
  };
}
