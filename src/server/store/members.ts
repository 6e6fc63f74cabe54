// The store's members (issue 8 §3): imported, published to the terminals as `member.upsert` /
// `member.delete` catalog changes (./catalog.ts), their points balance kept here from every
// terminal's synced sales, and their purchase history.
//
// Decisions a caller must know:
// - The points balance lives on the server (`members.balance`). An import sets it (points null
//   = keep the current balance, also for a member deleted and imported again; a new member
//   starts at 0); every pushed non-training sale with
//   a `member` adds pointsEarned − pointsRedeemed, and the server publishes a member.upsert with
//   the new balance in the SAME transaction as the push, so a terminal learns it on its next
//   pull. A sale that moves no points publishes nothing.
// - The balance may go below zero (points redeemed on two terminals offline): settlement lists
//   those members (`overdrawnMembers`). What is published (and listed) is never below 0, since
//   a member's points are ≥ 0 by `memberSchema`: a terminal cannot redeem from a negative
//   balance anyway, and the true figure is on the settlement.
// - A sale for a member id the store does not have (never imported, or deleted) is applied like
//   any sale (the money is taken) and kept in that id's history, but moves no balance: a
//   member imported later starts from the import, not from sales made before it existed.
// - A member block that cannot be read (no id, points not whole numbers ≥ 0) is ignored: the
//   sale is stored, nothing is counted.
// - Like coupons, the current set is a table written by the import and published in the same
//   transaction; the plain catalog publish route refuses member changes
//   (`memberChangeProblem`), which would leave the balance out of step.
// - An import is checked with `memberImportSchema` (memberSchema with points nullable), refused
//   whole ('malformed') naming the first bad one; a phone or code that would belong to two
//   members of the store (two in the import, or one imported and one already there that stays)
//   refuses it whole ('conflict') naming both. ONE publish, at most MAX_CATALOG_PUBLISH changes.
// - To avoid a deadlock with an import (store row, then member rows), a push that moves
//   balances locks the store row first.
import { memberSchema, type Member } from '../../domain/members/member.ts';
import { memberImportSchema, type MemberImportRow } from '../../domain/members/member-csv.ts';
import {
  MAX_CATALOG_PUBLISH,
  type CatalogChange,
  type ImportResponse,
  type MemberHistoryResponse,
  type MemberPurchase,
  type MembersListResponse,
  type OverdrawnMember,
  type SaleRecordPayload,
} from '../../shared/sync-protocol.ts';
import { insertChanges } from './catalog.ts';
import { describeIssues } from './push.ts';
import { StoreRefusal } from './refusal.ts';
import type { SqlRunner, StoreStorage } from './storage.ts';
import { toInt, toIso } from './storage.ts';
import type { AuthenticatedTerminal } from './terminals.ts';

const MEMBER_ID = /^[A-Za-z0-9_-]{1,32}$/;

function idOf(value: unknown): string {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? `"${id}"` : '(no id)';
}

/** Members are published only through the members import (which keeps the balances in step). */
export function memberChangeProblem(change: CatalogChange, index: number): string | null {
  if (change.kind !== 'member.upsert' && change.kind !== 'member.delete') return null;
  return `changes[${index}]: members are published through the members import (kassa store-server members import), not the plain catalog publish`;
}

/** Who holds each phone and code: the first claim wins, a second is the problem returned. */
class Claims {
  private readonly owner = new Map<string, string>();
  /** null, or a message naming both members. */
  claim(member: Pick<Member, 'id' | 'phone' | 'codes'>, where: (id: string) => string): string | null {
    const keys: Array<[string, string]> = [...(member.phone === null ? [] : [[`phone\u0000${member.phone}`, `phone ${member.phone}`] as [string, string]]), ...member.codes.map((c): [string, string] => [`code\u0000${c}`, `code "${c}"`])];
    for (const [key, label] of keys) {
      const other = this.owner.get(key);
      if (other !== undefined && other !== member.id) return `${label} would belong to both ${where(other)} and ${where(member.id)}: a phone or code finds one member`;
    }
    for (const [key] of keys) this.owner.set(key, member.id);
    return null;
  }
}

/** Checks every definition; refuses naming the first bad one (and how many are bad). */
export function checkMembers(definitions: readonly unknown[]): MemberImportRow[] {
  const good: MemberImportRow[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  definitions.forEach((d, i) => {
    const parsed = memberImportSchema.safeParse(d);
    if (!parsed.success) {
      problems.push(`members[${i}] ${idOf(d)}: ${describeIssues(parsed.error)}`);
      return;
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) problems.push(`members[${i}] "${parsed.data.id}": the same member number is also members[${first}]`);
    else {
      seen.set(parsed.data.id, i);
      good.push(parsed.data);
    }
  });
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad definition${problems.length === 2 ? '' : 's'})` : '';
    throw new StoreRefusal('malformed', `${problems[0]}${more}; nothing was published`);
  }
  const at = new Map(good.map((m, i) => [m.id, seen.get(m.id) ?? i]));
  const claims = new Claims();
  for (const m of good) {
    const clash = claims.claim(m, (id) => `members[${at.get(id) ?? '?'}] "${id}"`);
    if (clash !== null) throw new StoreRefusal('malformed', `${clash}; nothing was published`);
  }
  return good;
}

/** The member as published: the stored definition with the balance (never below 0). */
function published(definition: unknown, balance: number): Member {
  return { ...(definition as Omit<Member, 'points'>), points: Math.max(0, balance) };
}

type MemberRow = { member_id: string; definition: unknown; balance: unknown; deleted: boolean };

export async function importMembers(storage: StoreStorage, storeId: string, definitions: readonly unknown[], replace: boolean): Promise<ImportResponse> {
  const members = checkMembers(definitions);
  return storage.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [storeId]);
    await tx.query('SELECT store_id FROM stores WHERE store_id = $1 FOR UPDATE', [storeId]);
    const current = await tx.query<MemberRow>('SELECT member_id, definition, balance, deleted FROM members WHERE store_id = $1', [storeId]);
    const stored = new Map(current.map((r) => [r.member_id, r]));
    const importing = new Set(members.map((m) => m.id));
    const staying = replace ? [] : current.filter((r) => !r.deleted && !importing.has(r.member_id));
    const deleted = replace ? current.filter((r) => !r.deleted && !importing.has(r.member_id)).map((r) => r.member_id).sort() : [];

    // A phone or code may not end up with two members: the imported ones claim theirs first
    // (already checked among themselves), then each member that stays as it is.
    const claims = new Claims();
    for (const m of members) claims.claim(m, () => '');
    for (const r of staying) {
      const def = r.definition as Pick<Member, 'phone' | 'codes'>;
      const clash = claims.claim({ id: r.member_id, phone: def.phone ?? null, codes: def.codes ?? [] }, (id) => (importing.has(id) ? `imported member "${id}"` : `member "${id}" (already on the server, not in this import)`));
      if (clash !== null) throw new StoreRefusal('conflict', `${clash}; nothing was published`);
    }

    const rows = members.map((m) => {
      const before = stored.get(m.id);
      const balance = m.points ?? (before === undefined ? 0 : toInt(before.balance, 'balance'));
      const { points: _points, ...definition } = m;
      return { id: m.id, d: definition, b: balance };
    });
    const changes: CatalogChange[] = rows.map((r) => ({ kind: 'member.upsert', member: published(r.d, r.b) }));
    for (const id of deleted) changes.push({ kind: 'member.delete', id });
    if (changes.length === 0) return { storeId, upserted: 0, deleted: 0, fromVersion: null, toVersion: null };
    if (changes.length > MAX_CATALOG_PUBLISH) {
      throw new StoreRefusal('malformed', `the import would publish ${changes.length} changes (${members.length} members, ${deleted.length} deletions); at most ${MAX_CATALOG_PUBLISH} go in one publish: nothing was published`);
    }
    if (rows.length > 0) {
      await tx.query(
        `INSERT INTO members (store_id, member_id, definition, balance, deleted)
         SELECT $1, x.id, x.d, x.b, false FROM jsonb_to_recordset($2::jsonb) AS x(id text, d jsonb, b bigint)
         ON CONFLICT (store_id, member_id) DO UPDATE SET definition = EXCLUDED.definition, balance = EXCLUDED.balance, deleted = false`,
        [storeId, JSON.stringify(rows)],
      );
    }
    if (deleted.length > 0) await tx.query('UPDATE members SET deleted = true WHERE store_id = $1 AND member_id = ANY($2::text[])', [storeId, deleted]);
    const versions = await insertChanges(tx, storeId, changes);
    return { storeId, upserted: members.length, deleted: deleted.length, fromVersion: versions.fromVersion, toVersion: versions.toVersion };
  });
}

/** The live members by id, with their balance (never below 0: see overdrawnMembers). */
export async function listStoreMembers(storage: StoreStorage, storeId: string): Promise<MembersListResponse> {
  const rows = await storage.query<MemberRow>('SELECT member_id, definition, balance, deleted FROM members WHERE store_id = $1 AND NOT deleted', [storeId]);
  rows.sort((a, b) => (a.member_id < b.member_id ? -1 : a.member_id > b.member_id ? 1 : 0));
  const members: Member[] = [];
  const unreadable: { id: string; reason: string }[] = [];
  for (const r of rows) {
    const parsed = memberSchema.safeParse(published(r.definition, toInt(r.balance, 'balance')));
    if (parsed.success) members.push(parsed.data);
    else unreadable.push({ id: r.member_id, reason: describeIssues(parsed.error) });
  }
  return { storeId, members, unreadable };
}

/** A live member and their synced non-training purchases, newest first. */
export async function memberHistory(storage: StoreStorage, storeId: string, memberId: string): Promise<MemberHistoryResponse> {
  const [row] = await storage.query<MemberRow>('SELECT member_id, definition, balance, deleted FROM members WHERE store_id = $1 AND member_id = $2 AND NOT deleted', [storeId, memberId]);
  if (row === undefined) throw new StoreRefusal('not-found', `no member "${memberId}" in store ${storeId}`);
  const parsed = memberSchema.safeParse(published(row.definition, toInt(row.balance, 'balance')));
  if (!parsed.success) throw new Error(`member ${memberId} as stored is not a valid member: ${describeIssues(parsed.error)}`);
  const rows = await storage.query<Record<string, unknown>>(
    `SELECT terminal_id, sale_id, receipt_no, completed_at, currency, paid, points_earned, points_redeemed, line_count
     FROM member_purchases WHERE store_id = $1 AND member_id = $2
     ORDER BY completed_at DESC, terminal_id DESC, receipt_no DESC`,
    [storeId, memberId],
  );
  const purchases: MemberPurchase[] = rows.map((r) => ({
    terminalId: String(r.terminal_id),
    saleId: String(r.sale_id),
    receiptNo: toInt(r.receipt_no, 'receipt_no'),
    completedAt: toIso(r.completed_at, 'completed_at'),
    currency: String(r.currency),
    paid: toInt(r.paid, 'paid'),
    pointsEarned: toInt(r.points_earned, 'points_earned'),
    pointsRedeemed: toInt(r.points_redeemed, 'points_redeemed'),
    lineCount: toInt(r.line_count, 'line_count'),
  }));
  return { storeId, member: parsed.data, purchases };
}

const points = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** What the push reads of a sale's `member` block: null when there is none or it cannot be read. */
export function saleMemberOf(sale: SaleRecordPayload): { id: string; pointsEarned: number; pointsRedeemed: number } | null {
  const m = (sale as { member?: unknown }).member;
  if (typeof m !== 'object' || m === null) return null;
  const { id, pointsEarned, pointsRedeemed } = m as { id?: unknown; pointsEarned?: unknown; pointsRedeemed?: unknown };
  const earned = points(pointsEarned ?? 0);
  const redeemed = points(pointsRedeemed ?? 0);
  if (typeof id !== 'string' || !MEMBER_ID.test(id) || earned === null || redeemed === null) return null;
  return { id, pointsEarned: earned, pointsRedeemed: redeemed };
}

/**
 * In the push's transaction, for the sales it just inserted: record each non-training sale with
 * a member in the history, add its points to the member's balance, and publish the members
 * whose balance moved.
 */
export async function recordMemberSales(tx: SqlRunner, terminal: AuthenticatedTerminal, sales: readonly SaleRecordPayload[]): Promise<void> {
  const rows = sales.flatMap((s) => {
    if (s.training) return [];
    const m = saleMemberOf(s);
    if (m === null) return [];
    const lines = s.lines.filter((l) => (l as { voided?: unknown } | null)?.voided !== true).length;
    return [{ sale: s.id, mid: m.id, r: s.receiptNo, at: s.completedAt, cur: s.currency, paid: s.total + s.rounding, pe: m.pointsEarned, pr: m.pointsRedeemed, n: lines, d: m.pointsEarned - m.pointsRedeemed }];
  });
  if (rows.length === 0) return;
  const ids = [...new Set(rows.map((r) => r.mid))];
  const moving = rows.some((r) => r.d !== 0);
  // Store row first, as an import does (see the module comment).
  if (moving) await tx.query('SELECT store_id FROM stores WHERE store_id = $1 FOR UPDATE', [terminal.storeId]);
  const known = new Set(
    (await tx.query<{ member_id: string }>('SELECT member_id FROM members WHERE store_id = $1 AND member_id = ANY($2::text[]) AND NOT deleted', [terminal.storeId, ids])).map((r) => r.member_id),
  );
  await tx.query(
    `INSERT INTO member_purchases (sale_id, store_id, member_id, terminal_id, receipt_no, completed_at, currency, paid, points_earned, points_redeemed, line_count, counted)
     SELECT x.sale, $1, x.mid, $2, x.r, x.at, x.cur, x.paid, x.pe, x.pr, x.n, x.mid = ANY($4::text[])
     FROM jsonb_to_recordset($3::jsonb) AS x(sale text, mid text, r bigint, at timestamptz, cur text, paid bigint, pe bigint, pr bigint, n integer)`,
    [terminal.storeId, terminal.terminalId, JSON.stringify(rows), [...known]],
  );
  const deltas = new Map<string, number>();
  for (const r of rows) if (known.has(r.mid) && r.d !== 0) deltas.set(r.mid, (deltas.get(r.mid) ?? 0) + r.d);
  if (deltas.size === 0) return;
  const updated = await tx.query<{ member_id: string; definition: unknown; balance: unknown }>(
    `UPDATE members m SET balance = m.balance + d.delta
     FROM jsonb_to_recordset($2::jsonb) AS d(mid text, delta bigint)
     WHERE m.store_id = $1 AND m.member_id = d.mid AND NOT m.deleted
     RETURNING m.member_id, m.definition, m.balance`,
    [terminal.storeId, JSON.stringify([...deltas].map(([mid, delta]) => ({ mid, delta })))],
  );
  updated.sort((a, b) => (a.member_id < b.member_id ? -1 : a.member_id > b.member_id ? 1 : 0));
  if (updated.length === 0) return;
  await insertChanges(
    tx,
    terminal.storeId,
    updated.map((u) => ({ kind: 'member.upsert', member: published(u.definition, toInt(u.balance, 'balance')) })),
  );
}

/** Members whose balance is below zero now, by id. */
export async function overdrawnMembers(tx: SqlRunner, storeId: string): Promise<OverdrawnMember[]> {
  const rows = await tx.query<{ member_id: string; balance: unknown }>('SELECT member_id, balance FROM members WHERE store_id = $1 AND NOT deleted AND balance < 0', [storeId]);
  return rows.map((r) => ({ memberId: r.member_id, balance: toInt(r.balance, 'balance') })).sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}
