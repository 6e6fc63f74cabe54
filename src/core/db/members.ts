// The terminal's copy of its store's members (issue 8 §3), written by catalog sync
// (../sync/catalog-apply.ts), how a cashier's input finds one, and what this terminal's own
// sales add to the points balance the store server last sent. Hand-written, like the rest of
// the store: one row per member holding the checked definition as JSON, plus a code table so a
// scanned card or QR code is one primary-key lookup.
//
// Decisions a caller must know:
// - Only definitions that pass `memberSchema` are stored (upsertMember checks, and throws
//   MemberStoreError naming the id otherwise). A row that no longer parses reads as no member.
// - findMember looks in the order of `memberQuery`: a member code (exact), then a member number
//   (exact), then a phone (digits only). Inactive members are found, and marked: refusing them
//   is the caller's decision. A phone that two members share (the store server refuses that,
//   so only an inconsistent catalog can) is answered 'ambiguous' with both numbers rather than
//   picking one: points are money.
// - The store is the authority: a code another member held moves to the member the store sends
//   (as barcodes move between products).
// - pendingPoints: Σ (pointsEarned − pointsRedeemed) of this terminal's non-training committed
//   sales for the member whose outbox message is still 'pending' — the sales the store server
//   has not counted yet. It reads only the outbox rows after the sync cursor (all pending rows
//   are there), so it costs the backlog, not the history. Dead-lettered sales (the server
//   refused them) are not counted: the server never will.
// - memberPurchases reads the member's sales through `journal_by_member` (migration 10), a
//   partial index on the member number inside each sale's record: only sales with a member
//   write to it, and deciding that is a substring test on the record (measured: ~3 µs more CPU
//   per sale commit, before the fsync; the migration reads every stored sale's record once).
//   A damaged record is not indexed and not counted (kassa verify reports it).
// - Functions join the caller's transaction (catalog-apply runs them inside its page's).
import { memberQuery, memberSchema, type Member } from '../../domain/members/member.ts';
import { outboxCursor } from '../sync/sync-state.ts';
import type { Db } from './open.ts';

/**
 * The member number in a journal payload, as journal_by_member indexes it: a query must use
 * this exact expression for SQLite to use the index.
 */
function memberIdOf(payload: string): string {
  return `(CASE WHEN json_valid(${payload}) THEN ${payload} ->> '$.member.id' END)`;
}

/**
 * The partial index's condition: the record names a member. A substring test, not a JSON parse
 * (which cost a commit twice as much, measured): the record is canonical JSON (keys sorted, so
 * a member object starts with "id"), and inside a string every quote is escaped, so the text
 * cannot occur anywhere but as the member key. Queries repeat it for SQLite to use the index.
 */
function hasMember(payload: string): string {
  return `instr(${payload}, '"member":{"id":') > 0`;
}

export const MEMBERS_SQL = `
  CREATE TABLE members (
    id          TEXT PRIMARY KEY NOT NULL,                     -- the member number
    phone       TEXT,                                          -- digits only
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    definition  TEXT NOT NULL CHECK (json_valid(definition)),  -- a Member (memberSchema)
    version     INTEGER NOT NULL DEFAULT 0,                     -- catalog version that wrote it
    updated_at  TEXT NOT NULL
  ) STRICT;
  CREATE INDEX members_by_phone ON members(phone) WHERE phone IS NOT NULL;

  -- The exact contents of each member's card barcodes and QR codes: a scan is one lookup.
  CREATE TABLE member_codes (
    code       TEXT PRIMARY KEY NOT NULL,
    member_id  TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX member_codes_by_member ON member_codes(member_id);

  -- A member's purchases on this terminal, newest first, without reading every sale's record.
  -- Partial: a sale without a member writes nothing to it. json_valid first: a damaged payload
  -- (kassa verify's to report) must not make the insert, or this migration, fail.
  CREATE INDEX journal_by_member ON journal(${memberIdOf('payload')}, seq)
    WHERE kind = 'sale.completed' AND ${hasMember('payload')};
`;

export class MemberStoreError extends Error {
  override name = 'MemberStoreError';
}

/** Stores (or replaces) a member by number; refuses a definition `memberSchema` does not pass. */
export function upsertMember(db: Db, definition: unknown, options: { readonly at: string; readonly version?: number }): Member {
  const parsed = memberSchema.safeParse(definition);
  if (!parsed.success) {
    const id = (definition as { id?: unknown } | null)?.id;
    const issue = parsed.error.issues[0];
    throw new MemberStoreError(`member ${typeof id === 'string' ? `"${id}"` : '(no number)'} is not valid: ${issue?.path.join('.') || 'definition'}: ${issue?.message ?? 'invalid'}`);
  }
  const m = parsed.data;
  db.prepare(
    `INSERT INTO members (id, phone, active, definition, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET phone = excluded.phone, active = excluded.active, definition = excluded.definition,
                                    version = excluded.version, updated_at = excluded.updated_at`,
  ).run(m.id, m.phone, m.active ? 1 : 0, JSON.stringify(m), options.version ?? 0, options.at);
  db.prepare('DELETE FROM member_codes WHERE member_id = ?').run(m.id);
  const insertCode = db.prepare('INSERT INTO member_codes (code, member_id) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET member_id = excluded.member_id');
  for (const code of m.codes) insertCode.run(code, m.id);
  return m;
}

/** Deletes a member (and their codes); false when the terminal did not have them. */
export function deleteMember(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM members WHERE id = ?').run(id).changes > 0;
}

function readMember(definition: string | undefined): Member | null {
  if (definition === undefined) return null;
  const parsed = memberSchema.safeParse(JSON.parse(definition));
  return parsed.success ? parsed.data : null;
}

/** The member with this number; null when unknown. */
export function getMember(db: Db, id: string): Member | null {
  return readMember(db.prepare('SELECT definition FROM members WHERE id = ?').pluck().get(id) as string | undefined);
}

export type MemberLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'member'; readonly member: Member; readonly matchedBy: 'code' | 'id' | 'phone'; readonly active: boolean }
  /** A phone on more than one member: their numbers, sorted. */
  | { readonly kind: 'ambiguous'; readonly memberIds: readonly string[] };

/** Who the cashier's input (a scan, a member number or a phone) names; see the header for the order. */
export function findMember(db: Db, raw: string): MemberLookup {
  const q = memberQuery(raw);
  if (q === null) return { kind: 'none' };
  const found = (member: Member | null, matchedBy: 'code' | 'id' | 'phone'): MemberLookup | null =>
    member === null ? null : { kind: 'member', member, matchedBy, active: member.active };

  const byCode = db.prepare('SELECT m.definition FROM member_codes c JOIN members m ON m.id = c.member_id WHERE c.code = ?').pluck().get(q.code) as string | undefined;
  const code = found(readMember(byCode), 'code');
  if (code !== null) return code;
  const id = found(getMember(db, q.code), 'id');
  if (id !== null) return id;
  if (q.phone === null) return { kind: 'none' };
  const rows = db.prepare('SELECT definition FROM members WHERE phone = ? ORDER BY id LIMIT 5').pluck().all(q.phone) as string[];
  const members = rows.map((r) => readMember(r)).filter((m): m is Member => m !== null);
  const [only] = members;
  if (only === undefined) return { kind: 'none' };
  if (members.length > 1) return { kind: 'ambiguous', memberIds: members.map((m) => m.id) };
  return { kind: 'member', member: only, matchedBy: 'phone', active: only.active };
}

/**
 * Σ (pointsEarned − pointsRedeemed) of this terminal's non-training committed sales for the
 * member that the store server has not counted yet (their outbox message is still pending).
 * Negative when more was redeemed than earned.
 */
export function pendingPoints(db: Db, memberId: string): number {
  const total = db
    .prepare(
      `SELECT total(coalesce(j.payload ->> '$.member.pointsEarned', 0) - coalesce(j.payload ->> '$.member.pointsRedeemed', 0))
       FROM outbox o
       JOIN sales s ON s.id = o.idempotency_key AND s.outbox_seq = o.seq
       JOIN journal j ON j.seq = s.journal_seq
       WHERE o.seq > ? AND o.status = 'pending' AND o.type = 'sale' AND s.training = 0
         AND j.kind = 'sale.completed' AND ${hasMember('j.payload')} AND ${memberIdOf('j.payload')} = ?`,
    )
    .pluck()
    .get(outboxCursor(db), memberId) as number;
  return Math.round(total);
}

export interface MemberPurchaseRow {
  readonly saleId: string;
  readonly receiptNo: number;
  readonly completedAt: string;
  readonly currency: string;
  /** total + rounding: what the member paid. */
  readonly paid: number;
  readonly pointsEarned: number;
  readonly pointsRedeemed: number;
  readonly training: boolean;
}

/** The member's sales on this terminal, newest committed first (training sales included and marked). */
export function memberPurchases(db: Db, memberId: string, limit = 20): MemberPurchaseRow[] {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive whole number, got ${limit}`);
  const rows = db
    .prepare(
      `SELECT s.id, s.receipt_no, s.completed_at, s.currency, s.total + s.rounding AS paid, s.training,
              coalesce(j.payload ->> '$.member.pointsEarned', 0) AS earned,
              coalesce(j.payload ->> '$.member.pointsRedeemed', 0) AS redeemed
       FROM journal j INDEXED BY journal_by_member
       JOIN sales s ON s.id = j.ref AND s.journal_seq = j.seq
       WHERE j.kind = 'sale.completed' AND ${hasMember('j.payload')} AND ${memberIdOf('j.payload')} = ?
       ORDER BY j.seq DESC LIMIT ?`,
    )
    .all(memberId, limit) as { id: string; receipt_no: number; completed_at: string; currency: string; paid: number; training: number; earned: number; redeemed: number }[];
  return rows.map((r) => ({
    saleId: r.id,
    receiptNo: r.receipt_no,
    completedAt: r.completed_at,
    currency: r.currency,
    paid: r.paid,
    pointsEarned: r.earned,
    pointsRedeemed: r.redeemed,
    training: r.training === 1,
  }));
}
