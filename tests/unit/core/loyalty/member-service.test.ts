import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertMember } from '../../../../src/core/db/members.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { settleOutbox } from '../../../../src/core/db/outbox.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { MemberService } from '../../../../src/core/loyalty/member-service.ts';
import type { Member } from '../../../../src/domain/members/member.ts';
import { makeSale, SNAPSHOT, tempDbFile } from '../../../support/sale-fixtures.ts';

const AT = '2026-03-02T10:00:00.000Z';
let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile();
  db = openDatabase(tmp.file);
  upsertMember(db, member('M001', { name: '王芳', phone: '13800000000', codes: ['QR-M001'], points: 120 }), { at: AT });
  upsertMember(db, member('M002', { name: 'Blocked Bob', active: false }), { at: AT });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function member(id: string, extra: Partial<Member> = {}): Member {
  return { id, name: `Member ${id}`, phone: null, codes: [], points: 0, active: true, ...extra };
}

function sell(memberId: string, earned: number, redeemed: number) {
  const record = { ...makeSale({}), member: { id: memberId, name: 'x', pointsRedeemed: redeemed, pointsDiscount: redeemed, pointsEarned: earned } };
  commitSale(db, { record, snapshot: SNAPSHOT, at: AT });
  return { id: record.id, seq: db.prepare('SELECT outbox_seq FROM sales WHERE id = ?').pluck().get(record.id) as number };
}

describe('MemberService.identify', () => {
  it('finds a member by card, number or phone, with the server balance plus this terminal’s unsynced sales', () => {
    const s = new MemberService({ db });
    expect(s.identify('QR-M001')).toEqual({ ok: true, member: { id: 'M001', name: '王芳', points: 120 } });
    const first = sell('M001', 40, 0);
    sell('M001', 3, 100);
    expect(s.identify('M001')).toEqual({ ok: true, member: { id: 'M001', name: '王芳', points: 120 + 40 + 3 - 100 } });
    settleOutbox(db, first.seq, 'sent', AT);
    expect(s.identify('138 0000 0000')).toEqual({ ok: true, member: { id: 'M001', name: '王芳', points: 120 + 3 - 100 } });
  });

  it('says what was not found, and refuses an inactive member by name', () => {
    const s = new MemberService({ db });
    expect(s.identify(' 4711 ')).toEqual({ ok: false, error: 'no member with number, card or phone "4711"' });
    expect(s.identify('')).toEqual({ ok: false, error: 'no member number, card or phone was given' });
    expect(s.identify('M002')).toEqual({ ok: false, error: 'member M002 (Blocked Bob) is not active' });
  });

  it('refuses a phone two members share instead of picking one', () => {
    upsertMember(db, member('M003', { phone: '13900000000' }), { at: AT });
    upsertMember(db, member('M004', { phone: '13900000000' }), { at: AT });
    expect(new MemberService({ db }).identify('13900000000')).toEqual({
      ok: false,
      error: 'phone "13900000000" belongs to more than one member (M003, M004): scan the card or type the member number',
    });
  });
});

describe('MemberService.purchases', () => {
  it('lists this terminal’s sales of the member, newest first', () => {
    const a = sell('M001', 5, 0);
    const b = sell('M001', 7, 2);
    sell('M009', 1, 0);
    const s = new MemberService({ db });
    expect(s.purchases('M001').map((p) => [p.saleId, p.pointsEarned, p.pointsRedeemed])).toEqual([
      [b.id, 7, 2],
      [a.id, 5, 0],
    ]);
    expect(s.purchases('M001', 1)).toHaveLength(1);
  });
});
