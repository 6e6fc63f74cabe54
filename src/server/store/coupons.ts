// The store's coupons (issue 8 §2): imported as definitions and published to the terminals as
// `coupon.upsert` / `coupon.delete` catalog changes (./catalog.ts); single-use coupons reserved
// by a terminal for a sale, and every synced sale's coupon recorded, so a coupon redeemed twice
// (two terminals offline) shows on the settlement.
//
// Decisions a caller must know:
// - Unlike promotions, the current set is a table (`coupons`), not the publish log: a
//   reservation must lock one row per code. Every import writes the table AND publishes, in one
//   transaction, so the two never disagree; the plain catalog publish route refuses coupon
//   changes (`couponChangeProblem`) for the same reason.
// - Every definition is checked with `couponSchema` here, whatever checked it before (the
//   CLI's CSV reader): a bad one refuses the whole import (StoreRefusal 'malformed', naming its
//   position and code) and nothing is published. An import is ONE publish (upserts in the
//   order given, then with `replace` a delete for each live coupon not in it, decided under
//   the store row's lock), and at most MAX_CATALOG_PUBLISH changes.
// - A deleted coupon keeps its row (deleted = true): reserving it answers 'unknown', its
//   redemptions stay, and importing it again brings it back.
// - Reserve locks the coupon's row (SELECT … FOR UPDATE): of two terminals reserving one code
//   at once, exactly one gets 'reserved', the other 'used' naming it. Idempotent per (code,
//   sale): the same sale asking again is 'reserved'. Release deletes only a reservation of the
//   asking terminal's sale, never a sold one. Reservations do not expire: a terminal that
//   reserved and then lost its sale without releasing holds the code until someone releases
//   it for that sale id (the 'used' answer names the terminal and sale).
// - A pushed sale (recordCouponSales, inside the push's transaction): its reservations (any
//   code: the cashier may have changed coupon) are dropped, and a non-training sale with a
//   coupon records a 'sold' redemption, whether or not the code was reserved or is known here
//   (the money is taken). A coupon block that is not readable (no code) records nothing.
// - A double redemption: a code with more than one sold sale that said the coupon was
//   single-use; settlement lists those with a sale in its range, with every sale, oldest first.
import { couponSchema, normalizeCouponCode, type Coupon } from '../../domain/coupons/coupon.ts';
import {
  COUPON_RESERVATION_MINUTES,
  MAX_CATALOG_PUBLISH,
  type CatalogChange,
  type CouponRedemptionRow,
  type CouponReleaseRequest,
  type CouponReleaseResponse,
  type CouponReserveRequest,
  type CouponReserveResponse,
  type CouponsListResponse,
  type DoubleRedemption,
  type ImportResponse,
  type SaleRecordPayload,
} from '../../shared/sync-protocol.ts';
import { insertChanges } from './catalog.ts';
import { describeIssues } from './push.ts';
import { StoreRefusal } from './refusal.ts';
import type { SqlRunner, StoreStorage } from './storage.ts';
import { toInt, toIso } from './storage.ts';
import type { AuthenticatedTerminal } from './terminals.ts';

function codeOf(value: unknown): string {
  const code = (value as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `"${code}"` : '(no code)';
}

/** Coupons are published only through the coupons import (which keeps the coupon table in step). */
export function couponChangeProblem(change: CatalogChange, index: number): string | null {
  if (change.kind !== 'coupon.upsert' && change.kind !== 'coupon.delete') return null;
  return `changes[${index}]: coupons are published through the coupons import (kassa store-server coupons import), not the plain catalog publish`;
}

/** Checks every definition; refuses naming the first bad one (and how many are bad). */
export function checkCoupons(definitions: readonly unknown[]): Coupon[] {
  const good: Coupon[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  definitions.forEach((d, i) => {
    const parsed = couponSchema.safeParse(d);
    if (!parsed.success) {
      problems.push(`coupons[${i}] ${codeOf(d)}: ${describeIssues(parsed.error)}`);
      return;
    }
    const first = seen.get(parsed.data.code);
    if (first !== undefined) problems.push(`coupons[${i}] "${parsed.data.code}": the same code is also coupons[${first}]`);
    else {
      seen.set(parsed.data.code, i);
      good.push(parsed.data);
    }
  });
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad definition${problems.length === 2 ? '' : 's'})` : '';
    throw new StoreRefusal('malformed', `${problems[0]}${more}; nothing was published`);
  }
  return good;
}

export async function importCoupons(storage: StoreStorage, storeId: string, definitions: readonly unknown[], replace: boolean): Promise<ImportResponse> {
  const coupons = checkCoupons(definitions);
  return storage.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [storeId]);
    await tx.query('SELECT store_id FROM stores WHERE store_id = $1 FOR UPDATE', [storeId]);
    const changes: CatalogChange[] = coupons.map((coupon) => ({ kind: 'coupon.upsert', coupon }));
    let deleted: string[] = [];
    if (replace) {
      const rows = await tx.query<{ code: string }>('SELECT code FROM coupons WHERE store_id = $1 AND NOT deleted AND NOT (code = ANY($2::text[])) ORDER BY code', [
        storeId,
        coupons.map((c) => c.code),
      ]);
      deleted = rows.map((r) => r.code);
      for (const code of deleted) changes.push({ kind: 'coupon.delete', code });
    }
    if (changes.length === 0) return { storeId, upserted: 0, deleted: 0, fromVersion: null, toVersion: null };
    if (changes.length > MAX_CATALOG_PUBLISH) {
      throw new StoreRefusal('malformed', `the import would publish ${changes.length} changes (${coupons.length} coupons, ${deleted.length} deletions); at most ${MAX_CATALOG_PUBLISH} go in one publish: nothing was published`);
    }
    if (coupons.length > 0) {
      await tx.query(
        `INSERT INTO coupons (store_id, code, definition, single, deleted)
         SELECT $1, x.code, x.d, x.single, false FROM jsonb_to_recordset($2::jsonb) AS x(code text, d jsonb, single boolean)
         ON CONFLICT (store_id, code) DO UPDATE SET definition = EXCLUDED.definition, single = EXCLUDED.single, deleted = false`,
        [storeId, JSON.stringify(coupons.map((c) => ({ code: c.code, d: c, single: c.use === 'single' })))],
      );
    }
    if (deleted.length > 0) await tx.query('UPDATE coupons SET deleted = true WHERE store_id = $1 AND code = ANY($2::text[])', [storeId, deleted]);
    const published = await insertChanges(tx, storeId, changes);
    return { storeId, upserted: coupons.length, deleted: deleted.length, fromVersion: published.fromVersion, toVersion: published.toVersion };
  });
}

type RedemptionRow = { code: string; terminal_id: string; sale_id: string; state: string; receipt_no: unknown; at: unknown };

function redemptionOf(r: RedemptionRow): CouponRedemptionRow {
  return {
    terminalId: r.terminal_id,
    saleId: r.sale_id,
    state: r.state === 'sold' ? 'sold' : 'reserved',
    receiptNo: r.receipt_no === null ? null : toInt(r.receipt_no, 'receipt_no'),
    at: toIso(r.at, 'redemption at'),
  };
}

/** The live coupons by code, each with its redemptions (sold first, then by time). */
export async function listStoreCoupons(storage: StoreStorage, storeId: string): Promise<CouponsListResponse> {
  const rows = await storage.query<{ code: string; definition: unknown }>('SELECT code, definition FROM coupons WHERE store_id = $1 AND NOT deleted', [storeId]);
  rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const redemptions = await storage.query<RedemptionRow>(
    `SELECT r.code, r.terminal_id, r.sale_id, r.state, r.receipt_no, r.at FROM coupon_redemptions r
     JOIN coupons c ON c.store_id = r.store_id AND c.code = r.code AND NOT c.deleted
     WHERE r.store_id = $1 ORDER BY r.code, (r.state = 'sold') DESC, r.at, r.sale_id`,
    [storeId],
  );
  const byCode = new Map<string, CouponRedemptionRow[]>();
  for (const r of redemptions) {
    const list = byCode.get(r.code) ?? [];
    list.push(redemptionOf(r));
    byCode.set(r.code, list);
  }
  const coupons: CouponsListResponse['coupons'] = [];
  const unreadable: { id: string; reason: string }[] = [];
  for (const row of rows) {
    const parsed = couponSchema.safeParse(row.definition);
    if (parsed.success) coupons.push({ ...parsed.data, redemptions: byCode.get(row.code) ?? [] });
    else unreadable.push({ id: row.code, reason: describeIssues(parsed.error) });
  }
  return { storeId, coupons, unreadable };
}

/** Reserve a single-use coupon of the terminal's store for one of its sales (see the module comment). */
export async function reserveCoupon(storage: StoreStorage, who: AuthenticatedTerminal, request: CouponReserveRequest): Promise<CouponReserveResponse> {
  const code = normalizeCouponCode(request.code);
  return storage.transaction(async (tx) => {
    const [coupon] = await tx.query<{ single: boolean; deleted: boolean }>('SELECT single, deleted FROM coupons WHERE store_id = $1 AND code = $2 FOR UPDATE', [who.storeId, code]);
    if (coupon === undefined || coupon.deleted) return { status: 'unknown', code };
    if (!coupon.single) return { status: 'not-single-use', code };
    // Another sale's reservation that has outlived COUPON_RESERVATION_MINUTES gives way: its sale
    // was cancelled or abandoned where the release could not get through. If that sale was in
    // fact paid offline, it arrives as 'sold' and the settlement shows the double redemption.
    await tx.query(
      `DELETE FROM coupon_redemptions
       WHERE store_id = $1 AND code = $2 AND state = 'reserved' AND NOT (sale_id = $3 AND terminal_id = $4)
         AND reserved_at < now() - make_interval(mins => $5)`,
      [who.storeId, code, request.saleId, who.terminalId, COUPON_RESERVATION_MINUTES],
    );
    const held = await tx.query<RedemptionRow>(
      `SELECT code, terminal_id, sale_id, state, receipt_no, at FROM coupon_redemptions
       WHERE store_id = $1 AND code = $2 ORDER BY (state = 'sold') DESC, at, sale_id`,
      [who.storeId, code],
    );
    const own = held.find((r) => r.sale_id === request.saleId && r.terminal_id === who.terminalId);
    if (own !== undefined) return { status: 'reserved', code, saleId: request.saleId };
    const other = held[0];
    if (other !== undefined) return { status: 'used', code, by: redemptionOf(other) };
    await tx.query(
      `INSERT INTO coupon_redemptions (store_id, code, sale_id, terminal_id, state, single, at)
       VALUES ($1, $2, $3, $4, 'reserved', true, $5)`,
      [who.storeId, code, request.saleId, who.terminalId, request.at],
    );
    return { status: 'reserved', code, saleId: request.saleId };
  });
}

/** Give back a reservation of one of the terminal's sales; a sold coupon is never released. */
export async function releaseCoupon(storage: StoreStorage, who: AuthenticatedTerminal, request: CouponReleaseRequest): Promise<CouponReleaseResponse> {
  const code = normalizeCouponCode(request.code);
  const rows = await storage.query(
    `DELETE FROM coupon_redemptions WHERE store_id = $1 AND code = $2 AND sale_id = $3 AND terminal_id = $4 AND state = 'reserved' RETURNING sale_id`,
    [who.storeId, code, request.saleId, who.terminalId],
  );
  return { code, released: rows.length > 0 };
}

/** What the push reads of a sale's `coupon` block: null when there is none, or no usable code. */
export function saleCouponOf(sale: SaleRecordPayload): { code: string; single: boolean | null; amount: number } | null {
  const c = (sale as { coupon?: unknown }).coupon;
  if (typeof c !== 'object' || c === null) return null;
  const { code, use, amount } = c as { code?: unknown; use?: unknown; amount?: unknown };
  if (typeof code !== 'string') return null;
  const normal = normalizeCouponCode(code);
  if (normal === '' || normal.length > 64) return null;
  return {
    code: normal,
    single: use === 'single' ? true : use === 'multi' ? false : null,
    amount: typeof amount === 'number' && Number.isSafeInteger(amount) ? amount : 0,
  };
}

/**
 * In the push's transaction, for the sales it just inserted: drop their reservations and record
 * a 'sold' redemption for each non-training sale with a coupon.
 */
export async function recordCouponSales(tx: SqlRunner, terminal: AuthenticatedTerminal, sales: readonly SaleRecordPayload[]): Promise<void> {
  if (sales.length === 0) return;
  // Also a reservation whose sale arrived without that coupon (the cashier removed or changed
  // it and the release did not get through), which would otherwise hold the code for good.
  await tx.query(`DELETE FROM coupon_redemptions WHERE sale_id = ANY($1::text[]) AND store_id = $2 AND state = 'reserved'`, [sales.map((s) => s.id), terminal.storeId]);
  const rows = sales.flatMap((s) => {
    if (s.training) return [];
    const c = saleCouponOf(s);
    return c === null ? [] : [{ code: c.code, sale: s.id, single: c.single, r: s.receiptNo, a: c.amount, at: s.completedAt }];
  });
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO coupon_redemptions (store_id, code, sale_id, terminal_id, state, single, receipt_no, amount, at, completed_at)
     SELECT $1, x.code, x.sale, $2, 'sold',
            coalesce(x.single, (SELECT c.single FROM coupons c WHERE c.store_id = $1 AND c.code = x.code), false),
            x.r, x.a, x.at, x.at
     FROM jsonb_to_recordset($3::jsonb) AS x(code text, sale text, single boolean, r bigint, a bigint, at timestamptz)
     ON CONFLICT (store_id, code, sale_id) DO UPDATE SET state = 'sold', terminal_id = EXCLUDED.terminal_id, single = EXCLUDED.single,
       receipt_no = EXCLUDED.receipt_no, amount = EXCLUDED.amount, at = EXCLUDED.at, completed_at = EXCLUDED.completed_at`,
    [terminal.storeId, terminal.terminalId, JSON.stringify(rows)],
  );
}

/**
 * Single-use coupons with more than one sold sale, at least one of them completed in
 * [from, to) (null: open), by code; each with all its sold sales, oldest first.
 */
export async function doubleRedemptions(tx: SqlRunner, storeId: string, from: string | null, to: string | null): Promise<DoubleRedemption[]> {
  const rows = await tx.query<{ code: string; terminal_id: string; sale_id: string; receipt_no: unknown; completed_at: unknown; amount: unknown }>(
    `WITH doubled AS (
       SELECT code FROM coupon_redemptions
       WHERE store_id = $1 AND state = 'sold' AND single
       GROUP BY code
       HAVING count(*) > 1
          AND bool_or(($2::timestamptz IS NULL OR completed_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR completed_at < $3::timestamptz))
     )
     SELECT r.code, r.terminal_id, r.sale_id, r.receipt_no, r.completed_at, r.amount
     FROM coupon_redemptions r JOIN doubled d ON d.code = r.code
     WHERE r.store_id = $1 AND r.state = 'sold' AND r.single
     ORDER BY r.code, r.completed_at, r.terminal_id, r.sale_id`,
    [storeId, from, to],
  );
  const out: DoubleRedemption[] = [];
  for (const r of rows) {
    let entry = out[out.length - 1];
    if (entry === undefined || entry.code !== r.code) {
      entry = { code: r.code, sales: [] };
      out.push(entry);
    }
    entry.sales.push({
      terminalId: r.terminal_id,
      saleId: r.sale_id,
      receiptNo: toInt(r.receipt_no, 'receipt_no'),
      completedAt: toIso(r.completed_at, 'completed_at'),
      amount: toInt(r.amount ?? 0, 'coupon amount'),
    });
  }
  return out;
}
