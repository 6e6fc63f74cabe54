// The `staff` block of kassa.config.json (issue 7 §1): per-role permission overrides, the PIN
// length, the lockout after wrong PINs, and the discount limit above which a discount needs an
// approval. Every field has a default, so a terminal without the block runs with the defaults
// of src/domain/permissions.ts.
//
// Decisions a caller must know:
// - `roles.<role>` REPLACES that role's permission list (see permissions.ts); the manager's list
//   must keep 'users.manage', or nobody could manage users or unlock anyone.
// - PIN length applies when a PIN is set; a PIN set under older rules still logs in.
// - Lockout: `attempts` wrong PINs in a row, each within `minutes` of the previous one, lock the
//   user for `minutes`.
import { z } from 'zod';
import { PERMISSIONS, type Permission } from '../../domain/permissions.ts';

const permissionList = z
  .array(z.enum(PERMISSIONS, { error: (issue) => `expected a permission (one of ${PERMISSIONS.join(', ')}), got ${JSON.stringify(issue.input)}` }))
  .refine((list) => new Set(list).size === list.length, 'each permission may be listed once')
  .transform((list) => list as readonly Permission[]);

export const staffConfigSchema = z.strictObject({
  /** Replacement permission lists per role; a role left out keeps its default list. */
  roles: z
    .strictObject({
      cashier: permissionList.optional(),
      supervisor: permissionList.optional(),
      manager: permissionList
        .refine((list) => list.includes('users.manage'), 'the manager must keep "users.manage", or nobody could manage users or unlock a locked-out user')
        .optional(),
    })
    .prefault({}),
  pinLength: z
    .strictObject({
      min: z.number().int('expected a whole number of digits').min(4, 'expected at least 4 digits').max(12, 'expected at most 12 digits').default(4),
      max: z.number().int('expected a whole number of digits').min(4, 'expected at least 4 digits').max(12, 'expected at most 12 digits').default(8),
    })
    .refine((l) => l.min <= l.max, 'expected min ≤ max')
    .prefault({}),
  lockout: z
    .strictObject({
      /** Wrong PINs in a row before the user is locked. */
      attempts: z.number().int('expected a whole number of tries').min(1, 'expected at least 1 try').max(100, 'expected at most 100 tries').default(5),
      /** How long a lock lasts, and how close together wrong PINs must come to count as "in a row". */
      minutes: z.number().int('expected whole minutes').min(1, 'expected at least 1 minute').max(24 * 60, 'expected at most 1440 minutes (a day)').default(15),
    })
    .prefault({}),
  /** A discount over this share of the line or basket (basis points: 1000 = 10 %) needs 'discount.over-limit'. */
  discountLimitBps: z.number().int('expected basis points as a whole number (1000 = 10 %)').min(0).max(10_000, 'expected at most 10000 (100 %)').default(1000),
});

export type StaffConfig = z.output<typeof staffConfigSchema>;
