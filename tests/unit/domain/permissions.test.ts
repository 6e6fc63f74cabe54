// Roles and permissions as the core and the screens use them: the defaults of issue 7, config
// overrides replacing a role's list, and labels for every permission in both languages.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROLE_PERMISSIONS,
  isPermission,
  isRole,
  PERMISSION_LABELS,
  PERMISSIONS,
  permissionsOf,
  ROLE_LABELS,
  roleHas,
  ROLES,
} from '../../../src/domain/permissions.ts';

describe('default permissions per role', () => {
  it('a cashier may open a shift and read an X report, nothing else', () => {
    expect(permissionsOf('cashier')).toEqual(['shift.open', 'report.x']);
    for (const p of ['refund', 'drawer.no-sale', 'shift.close', 'void.after-tender', 'report.z'] as const) expect(roleHas('cashier', p)).toBe(false);
  });

  it('a supervisor may void after tender, override prices, open the drawer, close a shift, but not refund or close the day', () => {
    const s = permissionsOf('supervisor');
    for (const p of ['void.after-tender', 'price.override', 'discount.over-limit', 'drawer.no-sale', 'receipt.reprint', 'cash.paid-in-out', 'shift.close', 'sales.history', 'shift.open', 'report.x'] as const) {
      expect(s).toContain(p);
    }
    for (const p of ['refund', 'report.z', 'day.close-with-unsent', 'reconcile', 'users.manage'] as const) expect(s).not.toContain(p);
  });

  it('a manager may do everything', () => {
    expect(permissionsOf('manager')).toEqual([...PERMISSIONS]);
  });

  it('each role may do at least what the role below it may', () => {
    expect(permissionsOf('supervisor')).toEqual(expect.arrayContaining([...DEFAULT_ROLE_PERMISSIONS.cashier]));
    expect(permissionsOf('manager')).toEqual(expect.arrayContaining([...DEFAULT_ROLE_PERMISSIONS.supervisor]));
  });
});

describe('config overrides', () => {
  it('replace the role\'s list: a cashier given refund may refund and no longer open a shift', () => {
    const overrides = { cashier: ['refund', 'report.x'] as const };
    expect(permissionsOf('cashier', overrides)).toEqual(['refund', 'report.x']);
    expect(roleHas('cashier', 'refund', overrides)).toBe(true);
    expect(roleHas('cashier', 'shift.open', overrides)).toBe(false);
  });

  it('leave the other roles at their defaults', () => {
    const overrides = { supervisor: ['refund'] as const };
    expect(permissionsOf('cashier', overrides)).toEqual(permissionsOf('cashier'));
    expect(permissionsOf('manager', overrides)).toEqual(permissionsOf('manager'));
  });

  it('are returned in the PERMISSIONS order whatever order the config lists them in', () => {
    expect(permissionsOf('cashier', { cashier: ['users.manage', 'refund'] })).toEqual(['refund', 'users.manage']);
  });
});

describe('names and labels', () => {
  it('recognise roles and permissions and nothing else', () => {
    expect(ROLES.every(isRole)).toBe(true);
    expect(PERMISSIONS.every(isPermission)).toBe(true);
    expect(isRole('admin')).toBe(false);
    expect(isPermission('refunds')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });

  it('label every permission and role in English and Chinese, each label distinct', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const labels = PERMISSIONS.map((p) => PERMISSION_LABELS[lang][p]);
      expect(labels.every((l) => typeof l === 'string' && l.length > 0)).toBe(true);
      expect(new Set(labels).size).toBe(PERMISSIONS.length);
      expect(ROLES.map((r) => ROLE_LABELS[lang][r]).every((l) => l.length > 0)).toBe(true);
    }
  });
});
