import { describe, expect, it } from 'vitest';
import type { SessionView, UserChoice } from '../../../../src/shared/api.ts';
import { approversFor, firstChoosable, isLocked, loginNeeded, moveChoice, operatorText, permissionLabel, setupMode } from '../../../../src/renderer/client/session-model.ts';

const NOW = Date.parse('2026-11-26T06:00:00Z');
const user = (id: string, role: UserChoice['role'], permissions: string[], lockedUntil: string | null = null): UserChoice => ({ id, name: `name-${id}`, role, permissions, lockedUntil });
const li = user('U1', 'cashier', ['shift.open', 'report.x']);
const wang = user('U2', 'supervisor', ['shift.open', 'report.x', 'drawer.no-sale', 'receipt.reprint'], '2026-11-26T06:10:00Z');
const zhao = user('U3', 'manager', ['shift.open', 'report.x', 'drawer.no-sale', 'receipt.reprint', 'refund']);
const session = (over: Partial<SessionView>): SessionView => ({ usersExist: true, operator: null, shift: null, users: [li, wang, zhao], ...over });

describe('when the log-in screen shows', () => {
  it('shows it only when users exist and nobody is logged in', () => {
    expect(loginNeeded(session({}))).toBe(true);
    expect(loginNeeded(session({ operator: { userId: 'U1', name: 'Li', role: 'cashier', permissions: [] } }))).toBe(false);
    expect(loginNeeded(session({ usersExist: false, operator: { userId: null, name: 'Till 1', role: 'manager', permissions: [] }, users: [] }))).toBe(false);
    expect(loginNeeded(null)).toBe(false);
  });

  it('calls a terminal without users setup mode (and one not heard from yet is not)', () => {
    expect(setupMode(session({ usersExist: false }))).toBe(true);
    expect(setupMode(session({}))).toBe(false);
    expect(setupMode(null)).toBe(false);
  });
});

describe('choosing a user', () => {
  it('lists as approvers only the users who hold the permission', () => {
    expect(approversFor([li, wang, zhao], 'drawer.no-sale').map((u) => u.id)).toEqual(['U2', 'U3']);
    expect(approversFor([li, wang, zhao], 'refund').map((u) => u.id)).toEqual(['U3']);
    expect(approversFor([li, wang, zhao], 'users.manage')).toEqual([]);
  });

  it('treats a user as locked until the time passes', () => {
    expect(isLocked(wang, NOW)).toBe(true);
    expect(isLocked(wang, Date.parse('2026-11-26T06:10:01Z'))).toBe(false);
    expect(isLocked(li, NOW)).toBe(false);
  });

  it('starts on the first user who is not locked and skips locked ones with the arrows', () => {
    expect(firstChoosable([wang, li, zhao], NOW)).toBe(1);
    expect(firstChoosable([wang], NOW)).toBe(-1);
    expect(moveChoice([li, wang, zhao], 0, 1, NOW)).toBe(2);
    expect(moveChoice([li, wang, zhao], 2, -1, NOW)).toBe(0);
    expect(moveChoice([li, wang, zhao], 2, 1, NOW)).toBe(2);
    expect(moveChoice([li, wang, zhao], 0, -1, NOW)).toBe(0);
  });
});

describe('names for people', () => {
  it('names permissions and roles in the surface language, and an unknown permission as the core sent it', () => {
    expect(permissionLabel('refund', 'en')).toBe('refund a sale');
    expect(permissionLabel('refund', 'zh-CN')).toBe('退款');
    expect(permissionLabel('drawer.no-sale', 'en')).toBe('open the drawer (no sale)');
    expect(permissionLabel('something.new', 'en')).toBe('something.new');
    expect(operatorText({ name: 'Li Na', role: 'supervisor' }, 'en')).toBe('Li Na · supervisor');
    expect(operatorText({ name: '李娜', role: 'manager' }, 'zh-CN')).toBe('李娜 · 经理');
  });
});
