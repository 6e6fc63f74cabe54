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
import type { CatalogChange, CatalogPublishResponse, CatalogPullResponse, VersionedCatalogChange } from '../../shared/sync-protocol.ts';
import type { StoreStorage } from './storage.ts';
import { toInt, toIso } from './storage.ts';

export async function publishCatalog(storage: StoreStorage, storeId: string, changes: readonly CatalogChange[]): Promise<CatalogPublishResponse> {
  if (changes.length === 0) throw new Error('publishCatalog needs at least one change');
  return storage.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [storeId]);
    const [row] = await tx.query<{ v: unknown }>('UPDATE stores SET catalog_version = catalog_version + $2 WHERE store_id = $1 RETURNING catalog_version AS v', [
      storeId,
      changes.length,
    ]);
    const toVersion = toInt(row?.v, 'catalog_version');
    const fromVersion = toVersion - changes.length + 1;
    await tx.query(
      `INSERT INTO catalog_changes (store_id, version, kind, change)
       SELECT $1, $2 + e.ord - 1, e.c ->> 'kind', e.c
       FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(c, ord)`,
      [storeId, fromVersion, JSON.stringify(changes)],
    );
    return { storeId, fromVersion, toVersion };
  });
}

export async function pullCatalog(storage: StoreStorage, storeId: string, since: number, limit: number): Promise<CatalogPullResponse> {
  const [store] = await storage.query<{ v: unknown }>('SELECT catalog_version AS v FROM stores WHERE store_id = $1', [storeId]);
  const latestVersion = store === undefined ? 0 : toInt(store.v, 'catalog_version');
  const rows = await storage.query<{ version: unknown; change: CatalogChange; published_at: unknown }>(
    `SELECT version, change, published_at FROM catalog_changes
     WHERE store_id = $1 AND version > $2 AND version <= $3 ORDER BY version LIMIT $4`,
    [storeId, since, latestVersion, limit],
  );
  const changes: VersionedCatalogChange[] = rows.map((r) => ({ ...r.change, version: toInt(r.version, 'version'), publishedAt: toIso(r.published_at, 'published_at') }));
  const last = changes[changes.length - 1]?.version ?? since;
  return { storeId, since, changes, latestVersion, more: last < latestVersion };
}
