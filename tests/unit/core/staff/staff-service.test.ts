// StaffService as the terminal uses it: setup mode with no users, log-in by PIN, the lockout
// (counted, committed before the refusal, time passing on an injected clock, guesses in parallel),
// unlock by a manager, permissions per role incl. config overrides, and approvals in place
// (journalled, refused with a code the screen can act on).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { verifyJournal } from '../../../../src/core/db/journal.ts';
import { staffConfigSchema, type StaffConfig } from '../../../../src/core/staff/staff-config.ts';
import {
  isIssuedAuthorization,
  StaffAuthError,
  StaffError,
  StaffService,
  type Operator,
} from '../../../../src/core/staff/staff-service.ts';
import { addUser, writePinCounters } from '../../../../src/core/staff/users.ts';
import { tempDbFile, TERMINAL } from '../../../support/sale-fixtures.ts';

const CLI = { name: 'command line', userId: null };
const T0 = new Date('2026-03-02T09:00:00.000Z');
const MANAGER_PIN = '2468';
const CASHIER_PIN = '1357';
const SUPERVISOR_PIN = '8642';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
let clock: Date;

beforeEach(() => {
  tmp = tempDbFile('kassa-staff-');
  db = openDatabase(tmp.file);
  clock = T0;
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function staff(config: Partial<StaffConfig> | Record<string, unknown> = {}): StaffService {
  return new StaffService({ db, config: { cashier: 'till-1', staff: staffConfigSchema.parse(config) }, terminalId: TERMINAL, now: () => clock });
}

function minutes(n: number): void {
  clock = new Date(clock.getTime() + n * 60_000);
}

async function crew(config: Record<string, unknown> = {}): Promise<{ manager: string; supervisor: string; cashier: string }> {
  const ctx = { db, terminalId: TERMINAL, config: staffConfigSchema.parse(config), now: () => clock };
  const manager = (await addUser(ctx, { name: 'Li', role: 'manager', pin: MANAGER_PIN }, CLI)).id;
  const supervisor = (await addUser(ctx, { name: 'Zhao', role: 'supervisor', pin: SUPERVISOR_PIN }, CLI)).id;
  const cashier = (await addUser(ctx, { name: 'Wang', role: 'cashier', pin: CASHIER_PIN }, CLI)).id;
  return { manager, supervisor, cashier };
}

function kinds(): string[] {
  return db.prepare('SELECT kind FROM journal ORDER BY seq').pluck().all() as string[];
}

function lastPayload(kind: string): Record<string, unknown> {
  const text = db.prepare('SELECT payload FROM journal WHERE kind = ? ORDER BY seq DESC LIMIT 1').pluck().get(kind) as string | undefined;
  if (text === undefined) throw new Error(`no ${kind} row`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function refusal(p: Promise<unknown>): Promise<StaffAuthError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StaffAuthError);
  return err as StaffAuthError;
}

function failures(userId: string): number {
  return db.prepare('SELECT failed_attempts FROM users WHERE id = ?').pluck().get(userId) as number;
}

describe('setup mode (no users)', () => {
  it('the operator is the configured cashier as a manager, and everything is authorized without a journal row', async () => {
    const s = staff();
    expect(s.hasUsers()).toBe(false);
    expect(s.operator()).toEqual({ userId: null, name: 'till-1', role: 'manager' });
    const a = await s.authorize('refund', undefined, 'refund receipt T01-000001', 'sale-1');
    expect(a).toMatchObject({ permission: 'refund', by: 'till-1', userId: null, approvedBy: null });
    expect(isIssuedAuthorization(a)).toBe(true);
    expect(kinds()).toEqual([]);
  });

  it('adding the first user ends setup mode: the operator becomes nobody and the change is announced', async () => {
    const s = staff();
    const seen: (Operator | null)[] = [];
    s.onChange((op) => seen.push(op));
    await s.addUser({ name: 'Li', role: 'manager', pin: MANAGER_PIN });
    expect(s.hasUsers()).toBe(true);
    expect(s.operator()).toBeNull();
    expect(seen).toEqual([null]);
    const err = await refusal(s.authorize('drawer.no-sale', undefined, 'open the drawer', null));
    expect(err.code).toBe('login-required');
    expect(err.permission).toBe('drawer.no-sale');
    expect(err.message).toMatch(/nobody is logged in/);
  });
});

describe('log-in', () => {
  it('by user id and PIN; journalled; log-out journalled; the operator follows', async () => {
    const { cashier } = await crew();
    const s = staff();
    const seen: (Operator | null)[] = [];
    s.onChange((op) => seen.push(op));
    expect(await s.login(cashier, CASHIER_PIN)).toEqual({ userId: cashier, name: 'Wang', role: 'cashier' });
    expect(s.operator()).toEqual({ userId: cashier, name: 'Wang', role: 'cashier' });
    s.logout();
    expect(s.operator()).toBeNull();
    expect(seen).toEqual([{ userId: cashier, name: 'Wang', role: 'cashier' }, null]);
    expect(kinds().slice(-2)).toEqual(['user.login', 'user.logout']);
    expect(verifyJournal(db).ok).toBe(true);
  });

  it('an unknown user id is a StaffError naming it; a disabled user is refused', async () => {
    const { manager, cashier } = await crew();
    const s = staff();
    await expect(s.login('01NOSUCHUSER', '1234')).rejects.toThrow(new StaffError('there is no user "01NOSUCHUSER" on this terminal (kassa users lists them)'));
    await s.login(manager, MANAGER_PIN);
    await s.setActive(cashier, false);
    const err = await refusal(s.login(cashier, CASHIER_PIN));
    expect(err.code).toBe('not-permitted');
    expect(err.message).toBe('Wang is disabled: a manager can enable them again');
  });

  it('a role change applies at once; a disabled operator is logged out', async () => {
    const { manager, cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    expect(s.can('drawer.no-sale')).toBe(false);
    const boss = staff();
    await boss.login(manager, MANAGER_PIN);
    await boss.setRole(cashier, 'supervisor');
    expect(s.can('drawer.no-sale')).toBe(true);
    await boss.setActive(cashier, false);
    expect(s.operator()).toBeNull();
  });
});

describe('PIN lockout', () => {
  it('5 wrong PINs lock the user for 15 minutes; each try is counted and journalled even though it throws', async () => {
    const { cashier } = await crew();
    const s = staff();
    for (let i = 1; i <= 4; i++) {
      const err = await refusal(s.login(cashier, '0000'));
      expect(err.code).toBe('wrong-pin');
      expect(err.triesLeft).toBe(5 - i);
      expect(err.message).toBe(`the PIN is not correct (${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left before Wang is locked for 15 minutes)`);
      expect(failures(cashier)).toBe(i);
    }
    const locked = await refusal(s.login(cashier, '0000'));
    expect(locked.code).toBe('locked');
    expect(locked.lockedUntil).toBe('2026-03-02T09:15:00.000Z');
    expect(locked.message).toMatch(/^Wang is locked after 5 wrong PINs until \d\d:\d\d; a manager can unlock$/);
    expect(kinds().filter((k) => k === 'user.login-failed')).toHaveLength(5);
    expect(lastPayload('user.locked')).toEqual({ userId: cashier, name: 'Wang', until: '2026-03-02T09:15:00.000Z', attempts: 5, minutes: 15 });
    expect(s.listUsers().find((u) => u.id === cashier)).toMatchObject({ locked: true, lockedUntil: '2026-03-02T09:15:00.000Z' });
    expect(verifyJournal(db).ok).toBe(true);
  });

  it('the right PIN is refused while locked, and accepted once the lock has passed', async () => {
    const { cashier } = await crew();
    const s = staff();
    for (let i = 0; i < 5; i++) await refusal(s.login(cashier, '9999'));
    minutes(14);
    const err = await refusal(s.login(cashier, CASHIER_PIN));
    expect(err.code).toBe('locked');
    expect(s.operator()).toBeNull();
    expect(lastPayload('user.login-failed')).toMatchObject({ reason: 'locked', purpose: 'login' });
    minutes(1);
    await expect(s.login(cashier, CASHIER_PIN)).resolves.toMatchObject({ userId: cashier });
  });

  it('wrong PINs more than the window apart do not add up', async () => {
    const { cashier } = await crew();
    const s = staff();
    for (let i = 0; i < 4; i++) await refusal(s.login(cashier, '9999'));
    minutes(16);
    const err = await refusal(s.login(cashier, '9999'));
    expect(err.code).toBe('wrong-pin');
    expect(err.triesLeft).toBe(4);
  });

  it('a right PIN resets the count', async () => {
    const { cashier } = await crew();
    const s = staff();
    for (let i = 0; i < 4; i++) await refusal(s.login(cashier, '9999'));
    await s.login(cashier, CASHIER_PIN);
    expect(failures(cashier)).toBe(0);
    expect((await refusal(s.login(cashier, '9999'))).triesLeft).toBe(4);
  });

  it('follows the configured number of tries and minutes', async () => {
    const { cashier } = await crew();
    const s = staff({ lockout: { attempts: 2, minutes: 1 } });
    expect((await refusal(s.login(cashier, '9999'))).message).toContain('1 try left before Wang is locked for 1 minutes');
    expect((await refusal(s.login(cashier, '9999'))).lockedUntil).toBe('2026-03-02T09:01:00.000Z');
  });

  it('guesses fired in parallel cannot get past the lock: exactly 4 are answered "wrong", the rest "locked"', async () => {
    const { cashier } = await crew();
    const s = staff();
    const guesses = Array.from({ length: 10 }, (_, i) => String(i).padStart(4, '0'));
    const results = await Promise.allSettled(guesses.map((pin) => s.login(cashier, pin)));
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as StaffAuthError).code : 'ok'));
    expect(codes.filter((c) => c === 'wrong-pin')).toHaveLength(4);
    expect(codes.filter((c) => c === 'locked')).toHaveLength(6);
    expect(kinds().filter((k) => k === 'user.locked')).toHaveLength(1);
    expect((await refusal(s.login(cashier, CASHIER_PIN))).code).toBe('locked');
  });

  it('a right PIN whose check was under way when the user got locked (e.g. from another process) is refused', async () => {
    const { cashier } = await crew();
    const s = staff();
    const attempt = s.login(cashier, CASHIER_PIN);
    // The PIN check runs on the thread pool; meanwhile the lock lands in the database.
    writePinCounters(db, cashier, { failedAttempts: 0, lastFailedAt: null, lockedUntil: new Date(T0.getTime() + 15 * 60_000).toISOString(), at: T0.toISOString() });
    expect((await refusal(attempt)).code).toBe('locked');
    expect(s.operator()).toBeNull();
  });

  it('a manager unlocks (journalled); a cashier cannot', async () => {
    const { manager, cashier } = await crew();
    const s = staff();
    for (let i = 0; i < 5; i++) await refusal(s.login(cashier, '9999'));
    const other = staff();
    await other.login(manager, MANAGER_PIN);
    expect(await other.unlock(cashier)).toMatchObject({ locked: false });
    expect(lastPayload('user.unlocked')).toMatchObject({ userId: cashier, by: 'Li', byUserId: manager, wasLockedUntil: '2026-03-02T09:15:00.000Z' });
    await expect(s.login(cashier, CASHIER_PIN)).resolves.toMatchObject({ userId: cashier });
    const err = await refusal(s.unlock(manager));
    expect(err.code).toBe('approval-required');
    expect(err.permission).toBe('users.manage');
  });

  it('wrong PINs in the approval dialog count towards the same lock', async () => {
    const { manager, cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    for (let i = 0; i < 5; i++) await refusal(s.authorize('refund', { userId: manager, pin: '0000' }, 'refund receipt 7', 'sale-7'));
    const err = await refusal(s.authorize('refund', { userId: manager, pin: MANAGER_PIN }, 'refund receipt 7', 'sale-7'));
    expect(err.code).toBe('locked');
    expect(err.permission).toBe('refund');
    expect(kinds()).not.toContain('approval.granted');
  });
});

describe('permissions and approval in place', () => {
  it('a cashier may open a shift without anyone; a refund, the drawer, a shift close need an approval', async () => {
    const { cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    const ok = await s.authorize('shift.open', undefined, 'open the shift', null);
    expect(ok).toMatchObject({ by: 'Wang', userId: cashier, approvedBy: null });
    const before = kinds().length;
    for (const p of ['refund', 'drawer.no-sale', 'shift.close'] as const) {
      const err = await refusal(s.authorize(p, undefined, p, null));
      expect(err.code).toBe('approval-required');
      expect(err.permission).toBe(p);
    }
    expect((await refusal(s.authorize('refund', null, 'refund', null))).message).toBe('Wang (cashier) may not refund a sale: someone who may must approve with their PIN');
    expect(kinds().length).toBe(before);
  });

  it('a manager\'s PIN approves a cashier\'s refund: journalled with both names; the operator stays the cashier', async () => {
    const { manager, cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    const a = await s.authorize('refund', { userId: manager, pin: MANAGER_PIN }, 'refund receipt T01-000007', 'sale-7');
    expect(a).toMatchObject({ permission: 'refund', by: 'Wang', userId: cashier, approvedBy: { userId: manager, name: 'Li', role: 'manager', permission: 'refund' } });
    const row = db.prepare("SELECT seq, ref, payload FROM journal WHERE kind = 'approval.granted'").get() as { seq: number; ref: string; payload: string };
    expect(a.approvedBy?.journalSeq).toBe(row.seq);
    expect(row.ref).toBe('sale-7');
    expect(JSON.parse(row.payload)).toEqual({
      permission: 'refund',
      what: 'refund receipt T01-000007',
      ref: 'sale-7',
      approver: { userId: manager, name: 'Li', role: 'manager' },
      operator: { userId: cashier, name: 'Wang' },
    });
    expect(row.payload).not.toContain(MANAGER_PIN);
    expect(s.operator()?.userId).toBe(cashier);
    expect(isIssuedAuthorization(a)).toBe(true);
    expect(isIssuedAuthorization(JSON.parse(JSON.stringify(a)))).toBe(false);
  });

  it('an approver without the permission is refused (not-permitted) after a right PIN; a wrong PIN is wrong-pin', async () => {
    const { supervisor, cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    const err = await refusal(s.authorize('refund', { userId: supervisor, pin: SUPERVISOR_PIN }, 'refund', 'sale-1'));
    expect(err.code).toBe('not-permitted');
    expect(err.message).toBe('Zhao (supervisor) may not refund a sale, so cannot approve it: ask someone who may');
    expect((await refusal(s.authorize('drawer.no-sale', { userId: supervisor, pin: '0000' }, 'no sale', null))).code).toBe('wrong-pin');
    const ok = await s.authorize('drawer.no-sale', { userId: supervisor, pin: SUPERVISOR_PIN }, 'no sale', null);
    expect(ok.approvedBy?.name).toBe('Zhao');
    expect(kinds().filter((k) => k === 'approval.granted')).toHaveLength(1);
  });

  it('with nobody logged in, an approval stands in for the log-in (the command line case)', async () => {
    const { manager } = await crew();
    const s = staff();
    const a = await s.authorize('refund', { userId: manager, pin: MANAGER_PIN }, 'refund receipt 3', 'sale-3');
    expect(a).toMatchObject({ by: 'Li', userId: manager, approvedBy: { userId: manager } });
    expect(lastPayload('approval.granted')).toMatchObject({ operator: null });
  });

  it('config overrides apply: cashiers allowed to refund need no approval, supervisors denied the drawer do', async () => {
    const config = { roles: { cashier: ['shift.open', 'report.x', 'refund'], supervisor: ['shift.open'] } };
    const { supervisor, cashier } = await crew(config);
    const s = staff(config);
    await s.login(cashier, CASHIER_PIN);
    expect(s.permissions()).toEqual(['refund', 'shift.open', 'report.x']);
    expect((await s.authorize('refund', undefined, 'refund', 'sale-1')).approvedBy).toBeNull();
    await s.login(supervisor, SUPERVISOR_PIN);
    expect(s.can('drawer.no-sale')).toBe(false);
    expect((await refusal(s.authorize('drawer.no-sale', undefined, 'no sale', null))).code).toBe('approval-required');
  });

  it('managing users needs users.manage: a cashier adding a user needs a manager\'s PIN, recorded as by the manager', async () => {
    const { manager, cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    expect((await refusal(s.addUser({ name: 'Chen', role: 'cashier', pin: '1111' }))).code).toBe('approval-required');
    const chen = await s.addUser({ name: 'Chen', role: 'cashier', pin: '1111' }, { userId: manager, pin: MANAGER_PIN });
    expect(lastPayload('user.added')).toMatchObject({ userId: chen.id, by: 'Li', byUserId: manager });
  });

  it('anyone may change their own PIN; another\'s needs users.manage', async () => {
    const { supervisor, cashier } = await crew();
    const s = staff();
    await s.login(cashier, CASHIER_PIN);
    await s.setPin(cashier, '24682468');
    s.logout();
    await expect(s.login(cashier, '24682468')).resolves.toMatchObject({ userId: cashier });
    expect((await refusal(s.setPin(supervisor, '5555'))).code).toBe('approval-required');
  });

  it('a StaffError for a bad permission or an empty "what"', async () => {
    const s = staff();
    await expect(s.authorize('refunds' as 'refund', undefined, 'x', null)).rejects.toThrow('"refunds" is not a permission');
    await expect(s.authorize('refund', undefined, ' ', null)).rejects.toThrow('an approval must say what it is for');
  });
});
