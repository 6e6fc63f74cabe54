// The Members tab's checks and sums (issue 8): what is typed into the search box becomes the
// `members.find` query, a refusal becomes a sentence in the manager's language, and the
// purchases table gets its totals row. The core checks the query again and finds the member.
//
// Decisions a caller must know:
// - One box takes a member number, card number or phone, as the cashier's PgUp does; the core
//   decides which it is. Text is trimmed; empty or over 128 characters is refused here.
// - A member the core does not find comes back as a refusal ('refused'): the panel says "no
//   member" with the query and the core's own words, and clears what was shown before, so an
//   old member's purchases never stand under a new search. Other failures (the core down, a
//   bad request) are shown as the core wrote them.
// - The purchases are this terminal's only (api.ts MemberHistoryView); the totals add up what
//   is listed, nothing more.
import type { MemberHistoryView, ParamsOf } from '../../shared/api.ts';
import { ApiError } from '../client/pos-client.ts';
import type { ManagerKey } from '../i18n/manager-messages.ts';
import type { Checked } from './history-search.ts';

export const MEMBER_QUERY_MAX = 128;

export function memberQuery(text: string): Checked<ParamsOf<'members.find'>> {
  const query = text.trim();
  if (query === '') return { ok: false, error: 'mgr.members.queryMissing' };
  if (query.length > MEMBER_QUERY_MAX) return { ok: false, error: 'mgr.members.queryTooLong', params: { max: String(MEMBER_QUERY_MAX) } };
  return { ok: true, value: { query } };
}

export interface MemberSearchFailure {
  readonly notFound: boolean;
  readonly key: ManagerKey | null;
  readonly params: Readonly<Record<string, string>>;
  /** The core's words, shown as they are. */
  readonly detail: string;
}

/** What to say when `members.find` failed for `query`. */
export function memberSearchFailure(error: unknown, query: string): MemberSearchFailure {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.code === 'refused') return { notFound: true, key: 'mgr.members.notFound', params: { query }, detail };
  return { notFound: false, key: null, params: {}, detail };
}

export interface PurchaseTotals {
  readonly count: number;
  readonly paid: number;
  readonly pointsEarned: number;
  readonly pointsRedeemed: number;
}

export function purchaseTotals(purchases: MemberHistoryView['purchases']): PurchaseTotals {
  return purchases.reduce<PurchaseTotals>(
    (t, p) => ({ count: t.count + 1, paid: t.paid + p.paid, pointsEarned: t.pointsEarned + p.pointsEarned, pointsRedeemed: t.pointsRedeemed + p.pointsRedeemed }),
    { count: 0, paid: 0, pointsEarned: 0, pointsRedeemed: 0 },
  );
}
