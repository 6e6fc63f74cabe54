// The terminal's copy of its store's promotions (issue 8 §4), written by catalog sync
// (../sync/catalog-apply.ts) and read by whatever prices the cart. Hand-written, like the rest
// of the store: one row per promotion id holding the checked definition as JSON.
//
// Decisions a caller must know:
// - Only definitions that pass the engine's `promotionSchema` are stored (upsertPromotion
//   checks, and throws PromotionStoreError naming the id otherwise): a row read back is trusted
//   by the engine. A row that no longer parses (written by a newer Kassa) is left out of
//   listPromotions/activePromotions rather than crashing the checkout, and counted in
//   `unreadablePromotions`.
// - `version` is the catalog version that last wrote the row (0 when written outside sync).
// - activePromotions(db, today) keeps those whose date range can still hold today (the local
//   date, YYYY-MM-DD); weekdays and hours are the engine's to check at each recalculation.
//   Without a date it returns every stored promotion.
// - Functions join the caller's transaction (catalog-apply runs them inside its page's).
import { promotionSchema, type Promotion } from '../../domain/promotions/promotion.ts';
import type { Db } from './open.ts';

export const PROMOTIONS_SQL = `
  CREATE TABLE promotions (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    definition  TEXT NOT NULL CHECK (json_valid(definition)),   -- a Promotion (promotionSchema)
    version     INTEGER NOT NULL DEFAULT 0,                      -- catalog version that wrote it
    updated_at  TEXT NOT NULL
  ) STRICT;
`;

export class PromotionStoreError extends Error {
  override name = 'PromotionStoreError';
}

/** Stores (or replaces) a promotion by id; refuses a definition `promotionSchema` does not pass. */
export function upsertPromotion(db: Db, definition: unknown, options: { readonly at: string; readonly version?: number }): Promotion {
  const parsed = promotionSchema.safeParse(definition);
  if (!parsed.success) {
    const id = (definition as { id?: unknown } | null)?.id;
    const issue = parsed.error.issues[0];
    throw new PromotionStoreError(`promotion ${typeof id === 'string' ? `"${id}"` : '(no id)'} is not valid: ${issue?.path.join('.') || 'definition'}: ${issue?.message ?? 'invalid'}`);
  }
  const p = parsed.data;
  db.prepare(
    `INSERT INTO promotions (id, kind, definition, version, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, definition = excluded.definition, version = excluded.version, updated_at = excluded.updated_at`,
  ).run(p.id, p.kind, JSON.stringify(p), options.version ?? 0, options.at);
  return p;
}

/** Deletes a promotion; false when the terminal did not have it. */
export function deletePromotion(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM promotions WHERE id = ?').run(id).changes > 0;
}

function readAll(db: Db): { promotions: Promotion[]; unreadable: number } {
  const rows = db.prepare('SELECT definition FROM promotions ORDER BY id').all() as { definition: string }[];
  const promotions: Promotion[] = [];
  let unreadable = 0;
  for (const row of rows) {
    const parsed = promotionSchema.safeParse(JSON.parse(row.definition));
    if (parsed.success) promotions.push(parsed.data);
    else unreadable += 1;
  }
  return { promotions, unreadable };
}

/** Every stored promotion that reads back as a Promotion, by id. */
export function listPromotions(db: Db): Promotion[] {
  return readAll(db).promotions;
}

/** Stored rows that do not read back as a Promotion (left out of the lists above). */
export function unreadablePromotions(db: Db): number {
  return readAll(db).unreadable;
}

/** The promotions whose date range can hold `today` (YYYY-MM-DD, local); all when no date. */
export function activePromotions(db: Db, today?: string): Promotion[] {
  const all = listPromotions(db);
  if (today === undefined) return all;
  return all.filter((p) => (p.window.from === null || p.window.from <= today) && (p.window.until === null || today <= p.window.until));
}
