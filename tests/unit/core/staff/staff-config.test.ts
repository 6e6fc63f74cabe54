// The `staff` block of kassa.config.json: defaults with no block at all, overrides accepted, and
// mistakes refused with messages that say what is expected.
import { describe, expect, it } from 'vitest';
import { staffConfigSchema } from '../../../../src/core/staff/staff-config.ts';

function problem(input: unknown): string {
  const r = staffConfigSchema.safeParse(input);
  if (r.success) throw new Error('expected the staff block to be refused');
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('staffConfigSchema', () => {
  it('defaults: no overrides, PINs of 4–8 digits, 5 tries then 15 minutes locked, discounts over 10 % need approval', () => {
    expect(staffConfigSchema.parse({})).toEqual({ roles: {}, pinLength: { min: 4, max: 8 }, lockout: { attempts: 5, minutes: 15 }, discountLimitBps: 1000 });
  });

  it('takes role overrides and partial blocks', () => {
    const c = staffConfigSchema.parse({ roles: { cashier: ['shift.open', 'refund'] }, lockout: { attempts: 3 }, pinLength: { min: 6 } });
    expect(c.roles.cashier).toEqual(['shift.open', 'refund']);
    expect(c.lockout).toEqual({ attempts: 3, minutes: 15 });
    expect(c.pinLength).toEqual({ min: 6, max: 8 });
  });

  it('refuses an unknown permission, naming it and the expected ones', () => {
    const p = problem({ roles: { supervisor: ['refunds'] } });
    expect(p).toContain('roles.supervisor.0');
    expect(p).toContain('"refunds"');
    expect(p).toContain('void.after-tender');
  });

  it('refuses a manager without users.manage, saying why', () => {
    expect(problem({ roles: { manager: ['refund'] } })).toMatch(/roles\.manager: .*users\.manage.*nobody could manage users/);
  });

  it('refuses an unknown role, a PIN shorter than 4, min above max, zero tries, a limit over 100 %', () => {
    expect(problem({ roles: { owner: [] } })).toContain('owner');
    expect(problem({ pinLength: { min: 3 } })).toContain('at least 4 digits');
    expect(problem({ pinLength: { min: 8, max: 6 } })).toContain('min ≤ max');
    expect(problem({ lockout: { attempts: 0 } })).toContain('at least 1 try');
    expect(problem({ discountLimitBps: 20_000 })).toContain('10000');
    expect(problem({ pins: 4 })).toContain('pins');
  });
});
