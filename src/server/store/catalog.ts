// Catalog, price and promotion changes flowing from the store server to its terminals,
// versioned per store (ARCHITECTURE.md §6).
//
// Decisions a caller must know:
// - Versions are per store, gapless from 1. publishCatalog takes the store row's lock to hand
//   out the next versions, so a later version is never visible before an earlier one: a
//   terminal that pulled up to version N never misses a change ≤ N.
// - A publish is one transaction: all its changes get versions, or none does.
// - pullCatalog reads the store's latest version first and the changes up to it, so `more` and
//   `latestVersion` agree with the changes returned even while someone publishes.
// - A pull never ends inside a publish: when `limit` would cut one, the answer runs on to its
//   last change (at most MAX_CATALOG_PUBLISH more), so a terminal, which applies one answer in
//   one transaction, never sells from half a publish. Each change row keeps its publish's
//   last version (`publish_last`) for this.
import type { CatalogChange, CatalogPublishResponse, CatalogPullResponse, VersionedCatalogChange } from '../../shared/sync-protocol.ts';
import type { SqlRunner, StoreStorage } from './storage.ts';
import { toInt, toIso } from './storage.ts';

export async function publishCatalog(storage: StoreStorage, storeId: string, changes: readonly CatalogChange[]): Promise<CatalogPublishResponse> {
  if (changes.length === 0) throw new Error('publishCatalog needs at least one change');
  return storage.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [storeId]);
    return insertChanges(tx, storeId, changes);
  });
}

/** Gives `changes` the store's next versions and stores them; the caller's transaction. */
export async function insertChanges(tx: SqlRunner, storeId: string, changes: readonly CatalogChange[]): Promise<CatalogPublishResponse> {
  const [row] = await tx.query<{ v: unknown }>('UPDATE stores SET catalog_version = catalog_version + $2 WHERE store_id = $1 RETURNING catalog_version AS v', [
    storeId,
    changes.length,
  ]);
  const toVersion = toInt(row?.v, 'catalog_version');
  const fromVersion = toVersion - changes.length + 1;
  await tx.query(
    `INSERT INTO catalog_changes (store_id, version, kind, change, publish_last)
     SELECT $1, $2 + e.ord - 1, e.c ->> 'kind', e.c, $4
     FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(c, ord)`,
    [storeId, fromVersion, JSON.stringify(changes), toVersion],
  );
  return { storeId, fromVersion, toVersion };
}

export async function pullCatalog(storage: StoreStorage, storeId: string, since: number, limit: number): Promise<CatalogPullResponse> {
  const [store] = await storage.query<{ v: unknown }>('SELECT catalog_version AS v FROM stores WHERE store_id = $1', [storeId]);
  const latestVersion = store === undefined ? 0 : toInt(store.v, 'catalog_version');
  type Row = { version: unknown; change: CatalogChange; published_at: unknown; publish_last: unknown };
  const read = (after: number, upTo: number, max: number) =>
    storage.query<Row>(
      `SELECT version, change, published_at, publish_last FROM catalog_changes
       WHERE store_id = $1 AND version > $2 AND version <= $3 ORDER BY version LIMIT $4`,
      [storeId, after, upTo, max],
    );
  const rows = await read(since, latestVersion, limit);
  const tail = rows[rows.length - 1];
  if (tail !== undefined && tail.publish_last !== null) {
    // The page ends inside a publish: run on to its end.
    const cut = toInt(tail.version, 'version');
    const publishEnd = Math.min(toInt(tail.publish_last, 'publish_last'), latestVersion);
    if (publishEnd > cut) rows.push(...(await read(cut, publishEnd, publishEnd - cut)));
  }
  const changes: VersionedCatalogChange[] = rows.map((r) => ({ ...r.change, version: toInt(r.version, 'version'), publishedAt: toIso(r.published_at, 'published_at') }));
  const last = changes[changes.length - 1]?.version ?? since;
  return { storeId, since, changes, latestVersion, more: last < latestVersion };
}
