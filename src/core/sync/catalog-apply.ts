// Applies catalog changes pulled from the store server (src/shared/sync-protocol.ts) to the
// terminal's catalog: one pulled page in ONE transaction, together with the catalog version it
// brings the terminal to, so a crash or a bad change leaves the catalog exactly at the version
// it was, and a terminal never sells from half a price change.
//
// Decisions a caller must know:
// - A page must continue the terminal's version without a gap (its first change is version
//   current+1, each next one +1). Changes at or below the current version are skipped (another
//   process applied them first); a gap throws CatalogSyncError and nothing is written.
// - The store is the authority: a barcode that another local SKU holds moves to the product
//   the store sends (catalog import's 'move' mode).
// - A change this terminal cannot apply is skipped, counted and kept with its reason (sync
//   status shows the newest), and the version still moves past it, so one bad change cannot
//   stop every later one: a product in another currency than the terminal's, with a tax class
//   the terminal's config does not have, or a barcode that is not a valid key; a price for a
//   SKU the terminal does not have; a promotion whose definition fails the engine's
//   `promotionSchema` (e.g. a kind from a newer Kassa).
// - Promotions are stored in the same transaction as the rest of the page (../db/promotions.ts);
//   a delete of a promotion the terminal does not have is applied (nothing to remove).
// - Coupons and members (issue 8 §2, §3) likewise (../db/coupons.ts, ../db/members.ts): each
//   definition is checked again with `couponSchema` / `memberSchema` and skipped with the reason
//   when it fails; deleting one the terminal does not have is applied. A deleted coupon's holds
//   stay (the sales that used it stand).
// - Each applied page is journalled as 'catalog.imported' (source 'store-server', the versions
//   and counts) in the same transaction, when a terminal id is given.
import type { Product } from '../../domain/product.ts';
import { normalizeBarcode } from '../../domain/barcodes/normalize.ts';
import type { CatalogProduct, VersionedCatalogChange } from '../../shared/sync-protocol.ts';
import { couponSchema } from '../../domain/coupons/coupon.ts';
import { memberSchema } from '../../domain/members/member.ts';
import { promotionSchema } from '../../domain/promotions/promotion.ts';
import { catalogRepository } from '../db/catalog.ts';
import { deleteCoupon, upsertCoupon } from '../db/coupons.ts';
import { deleteMember, upsertMember } from '../db/members.ts';
import { deletePromotion, upsertPromotion } from '../db/promotions.ts';
import { appendJournal } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import { addCatalogSkipped, catalogVersion, setCatalogVersion, type SkippedCatalogChange } from './sync-state.ts';

function describeIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return `${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`;
}

export class CatalogSyncError extends Error {
  override name = 'CatalogSyncError';
}

export interface CatalogApplyOptions {
  /** The terminal's currency; products in another are skipped. */
  readonly currency: string;
  /** The configured tax class ids; products with another are skipped. */
  readonly taxClasses: readonly string[];
  /** Journal each page for this terminal. */
  readonly journalTerminalId?: string;
  readonly at: string;
}

export interface CatalogApplyResult {
  /** Changes applied (written, or found already as sent). */
  readonly applied: number;
  readonly skipped: number;
  /** Changes at or below the version the terminal already had. */
  readonly alreadyApplied: number;
  /** The terminal's catalog version after the page. */
  readonly version: number;
}

function toProduct(p: CatalogProduct, options: CatalogApplyOptions): Product | string {
  if (p.currency !== options.currency) return `sku ${p.sku} is priced in ${p.currency}, the terminal sells in ${options.currency}`;
  if (!options.taxClasses.includes(p.taxClass)) return `sku ${p.sku} has tax class "${p.taxClass}", which the terminal's config does not define`;
  const barcodes: string[] = [];
  for (const raw of p.barcodes) {
    const n = normalizeBarcode(raw);
    if (!n.ok) return `sku ${p.sku}: barcode "${raw}" is not valid (${n.reason})`;
    barcodes.push(n.key);
  }
  return {
    sku: p.sku,
    nameZh: p.nameZh,
    nameEn: p.nameEn,
    price: { amount: p.price, currency: p.currency },
    taxClass: p.taxClass,
    unit: p.unit,
    department: p.department,
    active: p.active,
    barcodes,
  };
}

/** Applies one pulled page of changes in one transaction (see the header). */
export function applyCatalogChanges(db: Db, changes: readonly VersionedCatalogChange[], options: CatalogApplyOptions): CatalogApplyResult {
  return db
    .transaction((): CatalogApplyResult => {
      const repo = catalogRepository(db);
      const from = catalogVersion(db);
      let version = from;
      let applied = 0;
      let alreadyApplied = 0;
      const skipped: SkippedCatalogChange[] = [];
      const counts = { upserted: 0, deleted: 0, prices: 0, promotions: 0, promotionsDeleted: 0, coupons: 0, couponsDeleted: 0, members: 0, membersDeleted: 0 };
      // Consecutive product upserts go to the repository together: it writes the search index
      // after the rows, which is much faster than one product at a time.
      let run: Product[] = [];
      const flush = () => {
        if (run.length === 0) return;
        repo.upsertProducts(run, { onBarcodeConflict: 'move' });
        counts.upserted += run.length;
        run = [];
      };
      const skip = (c: VersionedCatalogChange, reason: string) => skipped.push({ version: c.version, kind: c.kind, reason });

      for (const c of changes) {
        if (c.version <= version) {
          alreadyApplied += 1;
          continue;
        }
        if (c.version !== version + 1) {
          throw new CatalogSyncError(`catalog change ${c.version} does not follow version ${version}: the server skipped ${version + 1}…${c.version - 1}; nothing was applied`);
        }
        version = c.version;
        switch (c.kind) {
          case 'product.upsert': {
            const product = toProduct(c.product, options);
            if (typeof product === 'string') skip(c, product);
            else {
              run.push(product);
              applied += 1;
            }
            break;
          }
          case 'product.delete':
            flush();
            repo.deleteProduct(c.sku);
            counts.deleted += 1;
            applied += 1;
            break;
          case 'price.set': {
            flush();
            const current = repo.findBySku(c.sku);
            if (current === null) skip(c, `sku ${c.sku} is not in the terminal's catalog`);
            else if (c.currency !== options.currency) skip(c, `sku ${c.sku}: price in ${c.currency}, the terminal sells in ${options.currency}`);
            else {
              repo.upsertProducts([{ ...current, price: { amount: c.price, currency: c.currency } }], { onBarcodeConflict: 'move' });
              counts.prices += 1;
              applied += 1;
            }
            break;
          }
          case 'promotion.upsert': {
            const parsed = promotionSchema.safeParse(c.promotion);
            if (!parsed.success) skip(c, `promotion "${c.promotion.id}" is not a promotion this terminal can read: ${describeIssue(parsed.error)}`);
            else {
              upsertPromotion(db, parsed.data, { at: options.at, version: c.version });
              counts.promotions += 1;
              applied += 1;
            }
            break;
          }
          case 'promotion.delete':
            deletePromotion(db, c.id);
            counts.promotionsDeleted += 1;
            applied += 1;
            break;
          case 'coupon.upsert': {
            const parsed = couponSchema.safeParse(c.coupon);
            if (!parsed.success) skip(c, `coupon "${c.coupon.code}" is not a coupon this terminal can read: ${describeIssue(parsed.error)}`);
            else {
              upsertCoupon(db, parsed.data, { at: options.at, version: c.version });
              counts.coupons += 1;
              applied += 1;
            }
            break;
          }
          case 'coupon.delete':
            deleteCoupon(db, c.code);
            counts.couponsDeleted += 1;
            applied += 1;
            break;
          case 'member.upsert': {
            const parsed = memberSchema.safeParse(c.member);
            if (!parsed.success) skip(c, `member "${c.member.id}" is not a member this terminal can read: ${describeIssue(parsed.error)}`);
            else {
              upsertMember(db, parsed.data, { at: options.at, version: c.version });
              counts.members += 1;
              applied += 1;
            }
            break;
          }
          case 'member.delete':
            deleteMember(db, c.id);
            counts.membersDeleted += 1;
            applied += 1;
            break;
        }
      }
      flush();
      if (version === from) return { applied, skipped: skipped.length, alreadyApplied, version };
      setCatalogVersion(db, version);
      addCatalogSkipped(db, skipped);
      if (options.journalTerminalId !== undefined) {
        appendJournal(db, {
          terminalId: options.journalTerminalId,
          kind: 'catalog.imported',
          ref: null,
          at: options.at,
          payload: { source: 'store-server', fromVersion: from + 1, toVersion: version, ...counts, skipped: skipped.length },
        });
      }
      return { applied, skipped: skipped.length, alreadyApplied, version };
    })
    .immediate();
}
