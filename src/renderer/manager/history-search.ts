// The sales history search form (issue 7 §9) turned into sales.search params, checked here only
// so a mistake is named in the manager's language next to the field; the core checks again.
//
// Decisions a caller must know:
// - Empty fields are left out (no filter); text is trimmed.
// - Amounts are typed as money ("12.5", "12.50") and sent in minor units; 0 is allowed as a
//   minimum. A minimum above the maximum, or a from-date after the to-date, is refused here
//   rather than answered with nothing.
// - A receipt number may be typed as printed ("T01-000123") or as its number ("123"); it is
//   passed as typed and the core matches either.
// - Paging: the core answers `next` (a cursor); the next page is the same params plus
//   `before: next`, so a changed form starts again from the newest sale.
import { parseMoney } from '../../domain/money.ts';
import type { ParamsOf } from '../../shared/api.ts';
import type { ManagerKey } from '../i18n/manager-messages.ts';

export type SearchParams = ParamsOf<'sales.search'>;
export type TenderFilter = '' | 'cash' | 'alipay' | 'wechat';

export interface SearchForm {
  readonly receipt: string;
  readonly from: string;
  readonly to: string;
  readonly amountMin: string;
  readonly amountMax: string;
  readonly tender: TenderFilter;
  readonly cashier: string;
}

export const EMPTY_SEARCH: SearchForm = { receipt: '', from: '', to: '', amountMin: '', amountMax: '', tender: '', cashier: '' };

export const PAGE_SIZE = 50;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ManagerKey; readonly params?: Readonly<Record<string, string>> };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function amount(text: string, currency: string, field: 'min' | 'max'): Checked<number | undefined> {
  const t = text.trim();
  if (t === '') return { ok: true, value: undefined };
  let minor: number;
  try {
    minor = parseMoney(t, currency).amount;
  } catch {
    return { ok: false, error: 'mgr.history.badAmount', params: { field: field, text: t } };
  }
  if (minor < 0) return { ok: false, error: 'mgr.history.badAmount', params: { field, text: t } };
  return { ok: true, value: minor };
}

export function buildSearchParams(form: SearchForm, currency: string, limit = PAGE_SIZE): Checked<SearchParams> {
  const params: { -readonly [K in keyof SearchParams]: SearchParams[K] } = { limit };
  const receipt = form.receipt.trim();
  if (receipt !== '') {
    if (receipt.length > 32) return { ok: false, error: 'mgr.history.badReceipt', params: { text: receipt.slice(0, 40) } };
    params.receipt = receipt;
  }
  for (const key of ['from', 'to'] as const) {
    const t = form[key].trim();
    if (t === '') continue;
    if (!validDate(t)) return { ok: false, error: 'mgr.history.badDate', params: { text: t } };
    params[key] = t;
  }
  if (params.from !== undefined && params.to !== undefined && params.from > params.to) return { ok: false, error: 'mgr.history.datesReversed', params: { from: params.from, to: params.to } };
  const min = amount(form.amountMin, currency, 'min');
  if (!min.ok) return min;
  const max = amount(form.amountMax, currency, 'max');
  if (!max.ok) return max;
  if (min.value !== undefined) params.amountMin = min.value;
  if (max.value !== undefined) params.amountMax = max.value;
  if (min.value !== undefined && max.value !== undefined && min.value > max.value) return { ok: false, error: 'mgr.history.amountsReversed' };
  if (form.tender !== '') params.tender = form.tender;
  const cashier = form.cashier.trim();
  if (cashier !== '') {
    if (cashier.length > 40) return { ok: false, error: 'mgr.history.badCashier' };
    params.cashier = cashier;
  }
  return { ok: true, value: params };
}

/** The params for the page after the one that answered `next`. */
export function nextPageParams(params: SearchParams, next: string): SearchParams {
  return { ...params, before: next };
}

/** What is still refundable on a sale (never negative). */
export function refundable(row: { readonly total: number; readonly refunded: number }): number {
  return Math.max(0, row.total - row.refunded);
}

/**
 * The refund amount field: empty means "everything still refundable" (sent without `amount`);
 * otherwise a positive amount no bigger than what is left.
 */
export function readRefundAmount(text: string, currency: string, left: number): Checked<number | undefined> {
  const t = text.trim();
  if (left <= 0) return { ok: false, error: 'mgr.refund.nothingLeft' };
  if (t === '') return { ok: true, value: undefined };
  let minor: number;
  try {
    minor = parseMoney(t, currency).amount;
  } catch {
    return { ok: false, error: 'mgr.refund.badAmount', params: { text: t } };
  }
  if (minor <= 0) return { ok: false, error: 'mgr.refund.badAmount', params: { text: t } };
  if (minor > left) return { ok: false, error: 'mgr.refund.tooMuch', params: { text: t } };
  return { ok: true, value: minor };
}
