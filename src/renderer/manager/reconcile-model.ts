// What the reconciliation panel does with a ReconcileView (issue 7 §6): the order items are
// listed in, and the two actions on an unmatched item — ask the wallet (reconcile.query) and
// mark it resolved with a reason (reconcile.resolve, journalled by the core).
//
// Decisions a caller must know:
// - Order: open problems first (unmatched and not resolved), then resolved ones, then matched;
//   within each, by status (amount mismatch, missing locally, missing at the provider), then
//   provider and key, so the same bill always lists the same way.
// - Resolving answers the item as the core stored it; it replaces the old one in the view by
//   (provider, key). Nothing changes on screen when the core refuses (the reason is shown).
// - A matched item cannot be resolved (there is nothing to resolve); an empty reason is refused
//   before the request, like the core would.
import type { ReconcileItemView, ReconcileStatus, ReconcileView, Wallet } from '../../shared/api.ts';
import type { PosRequester } from '../client/approving-client.ts';

const STATUS_ORDER: Readonly<Record<ReconcileStatus, number>> = { 'amount-mismatch': 0, 'missing-locally': 1, 'missing-at-provider': 2, matched: 3 };

export function isOpen(item: ReconcileItemView): boolean {
  return item.status !== 'matched' && item.resolved === null;
}

function group(item: ReconcileItemView): number {
  if (item.status === 'matched') return 2;
  return item.resolved === null ? 0 : 1;
}

export function orderItems(items: readonly ReconcileItemView[]): ReconcileItemView[] {
  return [...items].sort(
    (a, b) =>
      group(a) - group(b) ||
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      a.provider.localeCompare(b.provider) ||
      a.key.localeCompare(b.key),
  );
}

export function openCount(view: ReconcileView): number {
  return view.items.filter(isOpen).length;
}

/** provider's amount − local amount, when both sides have one. */
export function difference(item: ReconcileItemView): number | null {
  return item.local !== null && item.atProvider !== null ? item.atProvider - item.local : null;
}

export function sameItem(a: { readonly provider: Wallet; readonly key: string }, b: { readonly provider: Wallet; readonly key: string }): boolean {
  return a.provider === b.provider && a.key === b.key;
}

/** The view with `item` (as the core answered it) in place of the one it replaces. */
export function applyResolved(view: ReconcileView, item: ReconcileItemView): ReconcileView {
  return { ...view, items: view.items.map((x) => (sameItem(x, item) ? item : x)) };
}

export class ResolveInputError extends Error {
  override name = 'ResolveInputError';
  constructor(readonly reasonKey: 'mgr.reconcile.reasonMissing' | 'mgr.reconcile.nothingToResolve') {
    super(reasonKey);
  }
}

/** Sends the resolution and answers the view with the stored item in place. */
export async function resolveItem(client: Pick<PosRequester, 'request'>, view: ReconcileView, item: ReconcileItemView, reason: string): Promise<ReconcileView> {
  if (item.status === 'matched') throw new ResolveInputError('mgr.reconcile.nothingToResolve');
  const r = reason.trim().slice(0, 200);
  if (r === '') throw new ResolveInputError('mgr.reconcile.reasonMissing');
  const stored = await client.request('reconcile.resolve', { date: view.date, provider: item.provider, key: item.key, reason: r });
  return applyResolved(view, stored);
}

/** Asks the wallet about the item; answers what it said. */
export async function queryItem(client: Pick<PosRequester, 'request'>, item: ReconcileItemView): Promise<string> {
  const r = await client.request('reconcile.query', { provider: item.provider, key: item.key });
  return r.message;
}
