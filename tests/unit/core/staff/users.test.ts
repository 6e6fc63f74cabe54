// The users table and its changes: each journalled (never with the PIN or its hash), bad input
// refused with a message naming it and nothing written, and someone always left able to manage
// users.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { staffConfigSchema } from '../../../../src/core/staff/staff-config.ts';
import {
  addUser,
  countActiveUsers,
  getUser,
  listUsers,
  setActive,
  setPin,
  setRole,
  StaffError,
  unlockUser,
  writePinCounters,
  type UsersContext,
} from '../../../../src/core/staff/users.ts';
import { verifyPin } from '../../../../src/core/staff/pin.ts';
import { tempDbFile, TERMINAL } from '../../../support/sale-fixtures.ts';

const CLI = { name: 'command line', userId: null };
const T0 = new Date('2026-03-02T09:00:00.000Z');

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
let ctx: UsersContext;

beforeEach(() => {
  tmp = tempDbFile('kassa-users-');
  db = openDatabase(tmp.file);
  ctx = { db, terminalId: TERMINAL, config: staffConfigSchema.parse({}), now: () => T0 };
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

/** Everything a refused change must leave as it was. */
function state(): string {
  return JSON.stringify([db.prepare('SELECT * FROM users ORDER BY id').all(), db.prepare('SELECT seq, hash FROM journal ORDER BY seq').all()]);
}

function journal(): { kind: string; ref: string | null; payload: string }[] {
  return db.prepare('SELECT kind, ref, payload FROM journal ORDER BY seq').all() as { kind: string; ref: string | null; payload: string }[];
}

describe('adding users', () => {
  it('adds a manager first, then others; lists them with role and state; journals each without the PIN', async () => {
    const li = await addUser(ctx, { name: 'Li Na', role: 'manager', pin: '2468' }, CLI);
    const wang = await addUser(ctx, { name: ' Wang ', role: 'cashier', pin: '13579' }, CLI);
    expect(li).toEqual({ id: li.id, name: 'Li Na', role: 'manager', active: true, locked: false, lockedUntil: null });
    expect(wang.name).toBe('Wang');
    expect(li.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(listUsers(db, T0).map((u) => u.name)).toEqual(['Li Na', 'Wang']);
    expect(countActiveUsers(db)).toBe(2);
    const rows = journal();
    expect(rows.map((r) => r.kind)).toEqual(['user.added', 'user.added']);
    expect(JSON.parse(rows[1]?.payload ?? '')).toEqual({ userId: wang.id, name: 'Wang', role: 'cashier', by: 'command line', byUserId: null });
    const pinJson = db.prepare('SELECT pin FROM users WHERE id = ?').pluck().get(wang.id) as string;
    expect(await verifyPin('13579', pinJson)).toBe(true);
    for (const r of rows) {
      expect(r.payload).not.toContain('13579');
      expect(r.payload).not.toContain(JSON.parse(pinJson).hash);
    }
  });

  it('refuses a cashier as the first user: someone must be able to manage users', async () => {
    await expect(addUser(ctx, { name: 'Wang', role: 'cashier', pin: '1234' }, CLI)).rejects.toThrow(/first user must be able to manage users/);
    expect(countActiveUsers(db)).toBe(0);
  });

  it('with an override giving cashiers users.manage, a cashier may be first', async () => {
    const c = { ...ctx, config: staffConfigSchema.parse({ roles: { cashier: ['users.manage'] } }) };
    await expect(addUser(c, { name: 'Wang', role: 'cashier', pin: '1234' }, CLI)).resolves.toMatchObject({ role: 'cashier' });
  });

  it('refuses bad input with a message naming it, and writes nothing', async () => {
    await addUser(ctx, { name: 'Li', role: 'manager', pin: '2468' }, CLI);
    const before = state();
    const cases: [Parameters<typeof addUser>[1], RegExp][] = [
      [{ name: 'Wang', role: 'boss', pin: '1234' }, /"boss" is not a role: expected one of cashier, supervisor, manager/],
      [{ name: 'Wang', role: 'cashier', pin: '12ab' }, /digits only/],
      [{ name: 'Wang', role: 'cashier', pin: '123' }, /4 to 8 digits; the one given has 3/],
      [{ name: '  ', role: 'cashier', pin: '1234' }, /needs a name/],
      [{ name: 'x'.repeat(33), role: 'cashier', pin: '1234' }, /at most 32 characters/],
      [{ name: 'LI', role: 'cashier', pin: '1234' }, /a user named "LI" already exists/],
    ];
    for (const [input, message] of cases) {
      const err = await addUser(ctx, input, CLI).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StaffError);
      expect((err as Error).message).toMatch(message);
    }
    expect(state()).toBe(before);
  });
});

describe('changing users', () => {
  let manager: string;
  let cashier: string;
  beforeEach(async () => {
    manager = (await addUser(ctx, { name: 'Li', role: 'manager', pin: '2468' }, CLI)).id;
    cashier = (await addUser(ctx, { name: 'Wang', role: 'cashier', pin: '1357' }, CLI)).id;
  });

  it('sets a role, a PIN, disables and enables, each journalled as user.changed', async () => {
    expect(setRole(ctx, cashier, 'supervisor', CLI).role).toBe('supervisor');
    await setPin(ctx, cashier, '9999', CLI);
    expect(await verifyPin('9999', db.prepare('SELECT pin FROM users WHERE id = ?').pluck().get(cashier) as string)).toBe(true);
    expect(setActive(ctx, cashier, false, CLI).active).toBe(false);
    expect(countActiveUsers(db)).toBe(1);
    expect(setActive(ctx, cashier, true, CLI).active).toBe(true);
    const changes = journal()
      .filter((r) => r.kind === 'user.changed')
      .map((r) => JSON.parse(r.payload) as { change: string; from?: string; to?: string });
    expect(changes.map((c) => c.change)).toEqual(['role', 'pin', 'disabled', 'enabled']);
    expect(changes[0]).toMatchObject({ from: 'cashier', to: 'supervisor' });
    expect(journal().some((r) => r.payload.includes('9999'))).toBe(false);
  });

  it('refuses to disable or demote the last active manager, and allows it once there is another', async () => {
    const before = state();
    expect(() => setActive(ctx, manager, false, CLI)).toThrow(/Li is the last active user who can manage users/);
    expect(() => setRole(ctx, manager, 'cashier', CLI)).toThrow(/last active user who can manage users/);
    expect(state()).toBe(before);
    setRole(ctx, cashier, 'manager', CLI);
    expect(setActive(ctx, manager, false, CLI).active).toBe(false);
  });

  it('refuses an unknown id, a bad role, a no-op, a non-digit PIN, naming them; nothing written', async () => {
    const before = state();
    expect(() => setRole(ctx, 'NOPE', 'cashier', CLI)).toThrow('there is no user "NOPE" on this terminal');
    expect(() => setRole(ctx, cashier, 'owner', CLI)).toThrow('"owner" is not a role');
    expect(() => setRole(ctx, cashier, 'cashier', CLI)).toThrow('Wang is already a cashier: nothing changed');
    expect(() => setActive(ctx, cashier, true, CLI)).toThrow('Wang is already enabled');
    await expect(setPin(ctx, cashier, '12.4', CLI)).rejects.toThrow(/digits only/);
    expect(() => unlockUser(ctx, cashier, CLI)).toThrow('Wang is not locked: nothing changed');
    expect(state()).toBe(before);
  });

  it('unlock clears a lock and the counter, journalled', () => {
    writePinCounters(db, cashier, { failedAttempts: 0, lastFailedAt: null, lockedUntil: new Date(T0.getTime() + 60_000).toISOString(), at: T0.toISOString() });
    expect(listUsers(db, T0).find((u) => u.id === cashier)).toMatchObject({ locked: true, lockedUntil: '2026-03-02T09:01:00.000Z' });
    expect(unlockUser(ctx, cashier, { name: 'Li', userId: manager })).toMatchObject({ locked: false, lockedUntil: null });
    expect(getUser(db, cashier)).toMatchObject({ failedAttempts: 0, lockedUntil: null });
    const row = journal().at(-1);
    expect(row?.kind).toBe('user.unlocked');
    expect(JSON.parse(row?.payload ?? '')).toMatchObject({ userId: cashier, by: 'Li', byUserId: manager, wasLockedUntil: '2026-03-02T09:01:00.000Z' });
  });

  it('a lock whose time has passed shows as not locked', () => {
    writePinCounters(db, cashier, { failedAttempts: 0, lastFailedAt: null, lockedUntil: T0.toISOString(), at: T0.toISOString() });
    expect(listUsers(db, new Date(T0.getTime() + 1)).find((u) => u.id === cashier)).toMatchObject({ locked: false, lockedUntil: null });
  });
});
