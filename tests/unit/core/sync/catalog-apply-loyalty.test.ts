// Coupons and members arriving with the catalog (issue 8 §2, §3): stored in the page's
// transaction, checked again on the terminal, skipped with a reason when they do not parse.
import { describe, expect, it } from 'vitest';
import { findCoupon, listCoupons } from '../../../../src/core/db/coupons.ts';
import { findMember, getMember } from '../../../../src/core/db/members.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { applyCatalogChanges, CatalogSyncError } from '../../../../src/core/sync/catalog-apply.ts';
import { catalogSkipped, catalogVersion } from '../../../../src/core/sync/sync-state.ts';
import type { VersionedCatalogChange } from '../../../../src/shared/sync-protocol.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-01-01T00:00:00.000Z';
const OPTIONS = { currency: 'CNY', taxClasses: ['standard'], journalTerminalId: 'T01', at: AT };

let db: Db;
useTempDb((opened) => (db = opened));

const coupon = (code: string, extra: Record<string, unknown> = {}) => ({ code, name: `Coupon ${code}`, use: 'single', from: null, until: null, minSpend: 0, amount: 500, percentBps: null, ...extra });
const member = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Member ${id}`, phone: null, codes: [], points: 10, active: true, ...extra });
const change = (version: number, c: Record<string, unknown>): VersionedCatalogChange => ({ ...c, version, publishedAt: AT }) as VersionedCatalogChange;
const lastJournalPayload = () => JSON.parse(db.prepare("SELECT payload FROM journal WHERE kind = 'catalog.imported' ORDER BY seq DESC LIMIT 1").pluck().get() as string) as Record<string, unknown>;

describe('applyCatalogChanges with coupons and members', () => {
  it('stores coupon and member upserts and deletes, skipping what does not parse, and counts them in the journal', () => {
    const r = applyCatalogChanges(
      db,
      [
        change(1, { kind: 'coupon.upsert', coupon: coupon('SAVE10') }),
        change(2, { kind: 'coupon.upsert', coupon: coupon('BOTH', { percentBps: 1000 }) }),
        change(3, { kind: 'coupon.upsert', coupon: coupon('GONE') }),
        change(4, { kind: 'coupon.delete', code: 'GONE' }),
        change(5, { kind: 'member.upsert', member: member('M1', { phone: '13800000000', codes: ['CARD1'] }) }),
        change(6, { kind: 'member.upsert', member: member('M2', { points: -5 }) }),
        change(7, { kind: 'member.upsert', member: member('M3') }),
        change(8, { kind: 'member.delete', id: 'M3' }),
        change(9, { kind: 'member.delete', id: 'NEVER-HAD' }),
      ],
      OPTIONS,
    );
    expect(r).toEqual({ applied: 7, skipped: 2, alreadyApplied: 0, version: 9 });
    expect(listCoupons(db).map((c) => c.code)).toEqual(['SAVE10']);
    expect(db.prepare("SELECT version FROM coupons WHERE code = 'SAVE10'").pluck().get()).toBe(1);
    expect(findMember(db, 'CARD1')).toMatchObject({ kind: 'member', member: { id: 'M1' } });
    expect(findMember(db, '13800000000')).toMatchObject({ kind: 'member', matchedBy: 'phone' });
    expect(getMember(db, 'M2')).toBeNull();
    expect(getMember(db, 'M3')).toBeNull();
    expect(catalogSkipped(db).newest.map((s) => [s.version, s.kind, s.reason])).toEqual([
      [2, 'coupon.upsert', 'coupon "BOTH" is not a coupon this terminal can read: amount: a coupon gives either an amount or a percentage off, exactly one'],
      [6, 'member.upsert', 'member "M2" is not a member this terminal can read: points: points must not be negative'],
    ]);
    expect(lastJournalPayload()).toMatchObject({ coupons: 2, couponsDeleted: 1, members: 2, membersDeleted: 2, skipped: 2, fromVersion: 1, toVersion: 9 });
  });

  it('a later upsert replaces a coupon and a member (new points, new codes)', () => {
    applyCatalogChanges(db, [change(1, { kind: 'coupon.upsert', coupon: coupon('SAVE10') }), change(2, { kind: 'member.upsert', member: member('M1', { codes: ['OLD'] }) })], OPTIONS);
    applyCatalogChanges(db, [change(3, { kind: 'coupon.upsert', coupon: coupon('SAVE10', { amount: 800 }) }), change(4, { kind: 'member.upsert', member: member('M1', { codes: ['NEW'], points: 250 }) })], OPTIONS);
    expect(findCoupon(db, 'SAVE10')?.amount).toBe(800);
    expect(findMember(db, 'OLD')).toEqual({ kind: 'none' });
    expect(findMember(db, 'NEW')).toMatchObject({ member: { points: 250 } });
  });

  it('a refused page (a version gap) writes no coupon or member', () => {
    expect(() =>
      applyCatalogChanges(db, [change(1, { kind: 'coupon.upsert', coupon: coupon('SAVE10') }), change(2, { kind: 'member.upsert', member: member('M1') }), change(4, { kind: 'member.delete', id: 'M1' })], OPTIONS),
    ).toThrow(CatalogSyncError);
    expect(listCoupons(db)).toEqual([]);
    expect(getMember(db, 'M1')).toBeNull();
    expect(catalogVersion(db)).toBe(0);
  });
});
