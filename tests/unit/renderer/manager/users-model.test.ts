import { describe, expect, it } from 'vitest';
import type { UserView } from '../../../../src/shared/api.ts';
import { posRequests } from '../../../../src/shared/api.ts';
import { isLocked, newUserParams, resetPinParams, upsertUser } from '../../../../src/renderer/manager/users-model.ts';

const user = (over: Partial<UserView>): UserView => ({ id: 'U1', name: 'Wang', role: 'cashier', permissions: [], lockedUntil: null, active: true, createdAt: '2026-11-26T00:00:00Z', ...over });

describe('adding a user', () => {
  it('sends the trimmed name, the role and the PIN once both PINs match', () => {
    const built = newUserParams({ name: '  Li Na ', role: 'supervisor', pin: '2468', pinAgain: '2468' });
    expect(built).toEqual({ ok: true, value: { name: 'Li Na', role: 'supervisor', pin: '2468' } });
    if (built.ok) expect(posRequests['users.add'].params.safeParse(built.value).success).toBe(true);
  });

  it.each([
    [{ name: ' ' }, 'mgr.users.nameMissing'],
    [{ name: 'n'.repeat(41) }, 'mgr.users.nameTooLong'],
    [{ pin: '123' }, 'mgr.users.pinShape'],
    [{ pin: '123456789', pinAgain: '123456789' }, 'mgr.users.pinShape'],
    [{ pin: '12a4', pinAgain: '12a4' }, 'mgr.users.pinShape'],
    [{ pinAgain: '1243' }, 'mgr.users.pinMismatch'],
  ])('refuses %j', (over, error) => {
    expect(newUserParams({ name: 'Wang', role: 'cashier', pin: '1234', pinAgain: '1234', ...over })).toEqual({ ok: false, error });
  });

  it('resets a PIN only when typed twice the same', () => {
    expect(resetPinParams('U1', '99887766', '99887766')).toEqual({ ok: true, value: { id: 'U1', pin: '99887766' } });
    expect(resetPinParams('U1', '9988', '9989')).toEqual({ ok: false, error: 'mgr.users.pinMismatch' });
  });
});

describe('user list', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  it('counts a user as locked only until the lockout ends', () => {
    expect(isLocked(user({ lockedUntil: '2026-11-26T10:15:00Z' }), now)).toBe(true);
    expect(isLocked(user({ lockedUntil: '2026-11-26T09:59:59Z' }), now)).toBe(false);
    expect(isLocked(user({ lockedUntil: null }), now)).toBe(false);
  });

  it('replaces a changed user in place and adds a new one, by name', () => {
    const list = [user({ id: 'U1', name: 'Wang' }), user({ id: 'U2', name: 'Li' })];
    const changed = upsertUser(list, user({ id: 'U1', name: 'Wang', role: 'manager' }));
    expect(changed.map((u) => [u.id, u.role])).toEqual([
      ['U2', 'cashier'],
      ['U1', 'manager'],
    ]);
    expect(upsertUser(changed, user({ id: 'U3', name: 'Chen' })).map((u) => u.name)).toEqual(['Chen', 'Li', 'Wang']);
  });
});
