import { describe, expect, it } from 'vitest';
import { deleteMember, findMember, getMember, MemberStoreError, memberPurchases, pendingPoints, upsertMember } from '../../../../src/core/db/members.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { settleOutbox } from '../../../../src/core/db/outbox.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { advanceOutboxCursor } from '../../../../src/core/sync/sync-state.ts';
import type { Member } from '../../../../src/domain/members/member.ts';
import type { SaleMember } from '../../../../src/domain/sale-record.ts';
import { makeSale, SNAPSHOT } from '../../../support/sale-fixtures.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-03-02T10:00:00.000Z';
let db: Db;
useTempDb((opened) => (db = opened));

const member = (id: string, extra: Partial<Member> = {}): Member => ({ id, name: `Member ${id}`, phone: null, codes: [], points: 100, active: true, ...extra });

/** Commits a sale with the member on it; returns the sale's outbox seq and receipt. */
function sell(m: Partial<SaleMember> & { id: string }, extra: { training?: boolean; completedAt?: string } = {}) {
  const record = { ...makeSale({ training: extra.training ?? false, ...(extra.completedAt ? { completedAt: extra.completedAt } : {}) }), member: { name: 'x', pointsRedeemed: 0, pointsDiscount: 0, pointsEarned: 0, ...m } };
  const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: AT });
  const seq = db.prepare('SELECT outbox_seq FROM sales WHERE id = ?').pluck().get(record.id) as number;
  return { receiptNo, seq, id: record.id, paid: record.total + record.rounding };
}

describe('members table and lookup', () => {
  it('finds a member by card code, then by number, then by phone typed any way', () => {
    upsertMember(db, member('M001', { phone: '13800000000', codes: ['QR:abc', '2900001000017'] }), { at: AT });
    upsertMember(db, member('2900001000017'), { at: AT });
    expect(findMember(db, 'QR:abc')).toMatchObject({ kind: 'member', matchedBy: 'code', member: { id: 'M001' } });
    // A code wins over a member number that reads the same.
    expect(findMember(db, '2900001000017')).toMatchObject({ kind: 'member', matchedBy: 'code', member: { id: 'M001' } });
    expect(findMember(db, ' M001 ')).toMatchObject({ kind: 'member', matchedBy: 'id', member: { id: 'M001' } });
    expect(findMember(db, '(138) 0000-0000')).toMatchObject({ kind: 'member', matchedBy: 'phone', member: { id: 'M001' } });
    expect(findMember(db, 'qr:abc')).toEqual({ kind: 'none' });
    expect(findMember(db, '   ')).toEqual({ kind: 'none' });
  });

  it('finds an inactive member, marked; refuses an invalid definition naming it', () => {
    upsertMember(db, member('M002', { active: false }), { at: AT });
    expect(findMember(db, 'M002')).toMatchObject({ kind: 'member', active: false });
    expect(() => upsertMember(db, member('M003', { phone: '12' }), { at: AT })).toThrow(MemberStoreError);
    expect(() => upsertMember(db, member('M003', { phone: '12' }), { at: AT })).toThrow(/member "M003" is not valid: phone: phone must be 5–20 digits/);
  });

  it('an update replaces the codes; a code the store gives another member moves to them; delete removes the codes', () => {
    upsertMember(db, member('A', { codes: ['C1', 'C2'] }), { at: AT });
    upsertMember(db, member('A', { codes: ['C2'] }), { at: AT });
    expect(findMember(db, 'C1')).toEqual({ kind: 'none' });
    upsertMember(db, member('B', { codes: ['C2'] }), { at: AT });
    expect(findMember(db, 'C2')).toMatchObject({ member: { id: 'B' } });
    expect(deleteMember(db, 'B')).toBe(true);
    expect(deleteMember(db, 'B')).toBe(false);
    expect(findMember(db, 'C2')).toEqual({ kind: 'none' });
    expect(db.prepare('SELECT count(*) FROM member_codes').pluck().get()).toBe(0);
    expect(getMember(db, 'A')?.codes).toEqual(['C2']);
  });

  it('a phone two members share (an inconsistent catalog) is ambiguous, not a guess', () => {
    upsertMember(db, member('B', { phone: '13900000000' }), { at: AT });
    upsertMember(db, member('A', { phone: '13900000000' }), { at: AT });
    expect(findMember(db, '139 0000 0000')).toEqual({ kind: 'ambiguous', memberIds: ['A', 'B'] });
  });
});

describe('pendingPoints', () => {
  it('adds up the points of sales the server has not counted: pending only, not training, not other members', () => {
    const first = sell({ id: 'M1', pointsEarned: 30 });
    sell({ id: 'M1', pointsEarned: 12, pointsRedeemed: 50 });
    sell({ id: 'M1', pointsEarned: 99 }, { training: true });
    sell({ id: 'M2', pointsEarned: 7 });
    expect(pendingPoints(db, 'M1')).toBe(30 + 12 - 50);
    expect(pendingPoints(db, 'M2')).toBe(7);
    expect(pendingPoints(db, 'NOBODY')).toBe(0);

    // The first sale reaches the server: it is in the server's balance now.
    settleOutbox(db, first.seq, 'sent', AT);
    advanceOutboxCursor(db, first.seq, first.id);
    expect(pendingPoints(db, 'M1')).toBe(12 - 50);
  });

  it('a dead-lettered sale is not counted: the server never will', () => {
    const s = sell({ id: 'M1', pointsEarned: 30 });
    settleOutbox(db, s.seq, 'dead', AT);
    expect(pendingPoints(db, 'M1')).toBe(0);
  });
});

describe('memberPurchases', () => {
  it('lists the member’s sales newest first with what they paid and the points, through the member index', () => {
    const a = sell({ id: 'M1', pointsEarned: 5 });
    sell({ id: 'M2', pointsEarned: 1 });
    const b = sell({ id: 'M1', pointsEarned: 2, pointsRedeemed: 10 }, { training: true });
    const rows = memberPurchases(db, 'M1');
    expect(rows).toEqual([
      { saleId: b.id, receiptNo: b.receiptNo, completedAt: '2025-03-01T10:01:30.000Z', currency: 'CNY', paid: b.paid, pointsEarned: 2, pointsRedeemed: 10, training: true },
      { saleId: a.id, receiptNo: a.receiptNo, completedAt: '2025-03-01T10:01:30.000Z', currency: 'CNY', paid: a.paid, pointsEarned: 5, pointsRedeemed: 0, training: false },
    ]);
    expect(memberPurchases(db, 'M1', 1).map((r) => r.saleId)).toEqual([b.id]);
    expect(memberPurchases(db, 'M9')).toEqual([]);
    expect(() => memberPurchases(db, 'M1', 0)).toThrow(/limit must be a positive whole number/);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT seq FROM journal WHERE kind = 'sale.completed' AND instr(payload, '\"member\":{\"id\":') > 0 AND (CASE WHEN json_valid(payload) THEN payload ->> '$.member.id' END) = ? ORDER BY seq DESC")
      .all('M1')
      .map((r) => (r as { detail: string }).detail)
      .join(' ');
    expect(plan).toContain('journal_by_member');
  });

  it('a damaged sale record (kassa verify reports it) is left out instead of failing the write or the reads', () => {
    const a = sell({ id: 'M1', pointsEarned: 5 });
    const b = sell({ id: 'M1', pointsEarned: 7 });
    const seq = db.prepare('SELECT journal_seq FROM sales WHERE id = ?').pluck().get(a.id) as number;
    db.prepare("UPDATE journal SET payload = '{not json' WHERE seq = ?").run(seq);
    expect(memberPurchases(db, 'M1').map((r) => r.saleId)).toEqual([b.id]);
    expect(pendingPoints(db, 'M1')).toBe(7);
  });

  it('sales without a member write nothing to the member index', () => {
    commitSale(db, { record: makeSale({}), snapshot: SNAPSHOT, at: AT });
    sell({ id: 'M1' });
    // Counting through the index (its partial WHERE) sees only the sale with a member.
    expect(db.prepare("SELECT count(*) FROM journal INDEXED BY journal_by_member WHERE kind = 'sale.completed' AND instr(payload, '\"member\":{\"id\":') > 0").pluck().get()).toBe(1);
  });
});
