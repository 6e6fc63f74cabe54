// The store's promotions (issue 8 §4): imported as definitions, published to the terminals as
// `promotion.upsert` / `promotion.delete` catalog changes (./catalog.ts), and listed back.
//
// Decisions a caller must know:
// - Every definition is checked with the engine's `promotionSchema` here, whatever checked it
//   before (the CLI's CSV reader): a bad one refuses the whole import (StoreRefusal 'malformed',
//   naming its position and id) and nothing is published. The same check guards the plain
//   catalog publish route (`promotionChangeProblem`).
// - An import is ONE publish: its upserts in the order given, then (with `replace`) a delete for
//   each current promotion not in it. The current set is read under the store row's lock in the
//   same transaction, so two imports at once cannot both miss a promotion to delete.
// - The current set is the publish log itself: for each promotion id, its newest change, when
//   that is an upsert. No second table to keep in step; the query reads only the store's
//   promotion changes, and promotions change rarely (a few thousand rows at most).
// - An import identical to nothing (no definitions, nothing to delete) publishes nothing and
//   answers null versions.
import { promotionSchema, type Promotion } from '../../domain/promotions/promotion.ts';
import type { CatalogChange, PromotionsImportResponse, PromotionsListResponse } from '../../shared/sync-protocol.ts';
import { insertChanges } from './catalog.ts';
import { describeIssues } from './push.ts';
import { StoreRefusal } from './refusal.ts';
import type { SqlRunner, StoreStorage } from './storage.ts';

function idOf(value: unknown): string {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? `"${id}"` : '(no id)';
}

/** Why a catalog change carrying a promotion cannot be published, or null when it can. */
export function promotionChangeProblem(change: CatalogChange, index: number): string | null {
  if (change.kind !== 'promotion.upsert') return null;
  const parsed = promotionSchema.safeParse(change.promotion);
  return parsed.success ? null : `changes[${index}]: promotion ${idOf(change.promotion)} is not a valid promotion: ${describeIssues(parsed.error)}`;
}

/** Checks every definition; refuses naming the first bad one (and how many are bad). */
export function checkPromotions(definitions: readonly unknown[]): Promotion[] {
  const good: Promotion[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  definitions.forEach((d, i) => {
    const parsed = promotionSchema.safeParse(d);
    if (!parsed.success) problems.push(`promotions[${i}] ${idOf(d)}: ${describeIssues(parsed.error)}`);
    else if (seen.has(parsed.data.id)) problems.push(`promotions[${i}] "${parsed.data.id}": the same id is given twice`);
    else {
      seen.add(parsed.data.id);
      good.push(parsed.data);
    }
  });
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad definition${problems.length === 2 ? '' : 's'})` : '';
    throw new StoreRefusal('malformed', `${problems[0]}${more}; nothing was published`);
  }
  return good;
}

type Row = { pid: string; change: unknown };

async function currentRows(runner: SqlRunner, storeId: string): Promise<Row[]> {
  return runner.query<Row>(
    `SELECT pid, change FROM (
       SELECT DISTINCT ON (pid) pid, kind, change FROM (
         SELECT COALESCE(change -> 'promotion' ->> 'id', change ->> 'id') AS pid, kind, change, version
         FROM catalog_changes WHERE store_id = $1 AND kind IN ('promotion.upsert', 'promotion.delete')
       ) AS c ORDER BY pid, version DESC
     ) AS latest WHERE kind = 'promotion.upsert' ORDER BY pid`,
    [storeId],
  );
}

export async function listStorePromotions(storage: StoreStorage, storeId: string): Promise<PromotionsListResponse> {
  const promotions: Promotion[] = [];
  const unreadable: { id: string; reason: string }[] = [];
  for (const row of await currentRows(storage, storeId)) {
    const parsed = promotionSchema.safeParse((row.change as { promotion?: unknown }).promotion);
    if (parsed.success) promotions.push(parsed.data);
    else unreadable.push({ id: row.pid, reason: describeIssues(parsed.error) });
  }
  return { storeId, promotions, unreadable };
}

export async function importPromotions(storage: StoreStorage, storeId: string, definitions: readonly unknown[], replace: boolean): Promise<PromotionsImportResponse> {
  const promotions = checkPromotions(definitions);
  return storage.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [storeId]);
    await tx.query('SELECT store_id FROM stores WHERE store_id = $1 FOR UPDATE', [storeId]);
    const changes: CatalogChange[] = promotions.map((promotion) => ({ kind: 'promotion.upsert', promotion }));
    let deleted = 0;
    if (replace) {
      const keep = new Set(promotions.map((p) => p.id));
      for (const row of await currentRows(tx, storeId)) {
        if (keep.has(row.pid)) continue;
        changes.push({ kind: 'promotion.delete', id: row.pid });
        deleted += 1;
      }
    }
    if (changes.length === 0) return { storeId, upserted: 0, deleted: 0, fromVersion: null, toVersion: null };
    const published = await insertChanges(tx, storeId, changes);
    return { storeId, upserted: promotions.length, deleted, fromVersion: published.fromVersion, toVersion: published.toVersion };
  });
}
