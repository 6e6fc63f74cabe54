// Roles and what each may do (issue 7 §1). Pure, so the core, the API and the screens agree on
// one list: the core refuses an action the operator's role lacks (ARCHITECTURE.md §3 rule 7), the
// screens hide its button and open the PIN dialog for an approval instead.
//
// Decisions a caller must know:
// - Three roles, each a superset of the one before by default: cashier < supervisor < manager.
// - A config override REPLACES a role's list (it is not added to the default), so a shop can
//   also take a permission away. Every permission not listed is refused.
// - The manager always keeps 'users.manage' (staff-config.ts refuses an override without it):
//   otherwise nobody on the terminal could add users or unlock a locked-out cashier again.

export const ROLES = ['cashier', 'supervisor', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'void.after-tender',
  'refund',
  'price.override',
  'discount.over-limit',
  'drawer.no-sale',
  'receipt.reprint',
  'day.close-with-unsent',
  'shift.open',
  'shift.close',
  'cash.paid-in-out',
  'report.x',
  'report.z',
  'reconcile',
  'users.manage',
  'sales.history',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const CASHIER: readonly Permission[] = ['shift.open', 'report.x'];
const SUPERVISOR: readonly Permission[] = [
  ...CASHIER,
  'void.after-tender',
  'price.override',
  'discount.over-limit',
  'drawer.no-sale',
  'receipt.reprint',
  'cash.paid-in-out',
  'shift.close',
  'sales.history',
];

export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  cashier: CASHIER,
  supervisor: SUPERVISOR,
  manager: PERMISSIONS,
};

/** Per-role replacement lists from kassa.config.json (`staff.roles`). */
export type RolePermissionOverrides = Readonly<Partial<Record<Role, readonly Permission[]>>>;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** What `role` may do, in PERMISSIONS order: the override's list when there is one, else the default. */
export function permissionsOf(role: Role, overrides: RolePermissionOverrides = {}): readonly Permission[] {
  const granted = new Set<Permission>(overrides[role] ?? DEFAULT_ROLE_PERMISSIONS[role]);
  return PERMISSIONS.filter((p) => granted.has(p));
}

export function roleHas(role: Role, permission: Permission, overrides: RolePermissionOverrides = {}): boolean {
  return (overrides[role] ?? DEFAULT_ROLE_PERMISSIONS[role]).includes(permission);
}

export type StaffLanguage = 'en' | 'zh-CN';

/** For people: the PIN dialog ("a manager must approve: refund"), the users screen. */
export const PERMISSION_LABELS: Readonly<Record<StaffLanguage, Readonly<Record<Permission, string>>>> = {
  en: {
    'void.after-tender': 'void or cancel after a payment was taken',
    refund: 'refund a sale',
    'price.override': 'override a price',
    'discount.over-limit': 'give a discount over the limit',
    'drawer.no-sale': 'open the drawer (no sale)',
    'receipt.reprint': 'reprint a receipt',
    'day.close-with-unsent': 'close the day with unsent sales',
    'shift.open': 'open a shift',
    'shift.close': 'close a shift',
    'cash.paid-in-out': 'pay cash in or out of the drawer',
    'report.x': 'read X reports',
    'report.z': 'close the day (Z report)',
    reconcile: 'reconcile wallet payments',
    'users.manage': 'manage users',
    'sales.history': 'look through sales history',
  },
  'zh-CN': {
    'void.after-tender': '收款后删除商品',
    refund: '退款',
    'price.override': '改价',
    'discount.over-limit': '超限折扣',
    'drawer.no-sale': '开钱箱（无销售）',
    'receipt.reprint': '重打小票',
    'day.close-with-unsent': '有未上传销售时日结',
    'shift.open': '开班',
    'shift.close': '交班',
    'cash.paid-in-out': '存入与支出现金',
    'report.x': 'X 报表',
    'report.z': 'Z 报表（日结）',
    reconcile: '对账',
    'users.manage': '用户管理',
    'sales.history': '销售记录',
  },
};

export const ROLE_LABELS: Readonly<Record<StaffLanguage, Readonly<Record<Role, string>>>> = {
  en: { cashier: 'cashier', supervisor: 'supervisor', manager: 'manager' },
  'zh-CN': { cashier: '收银员', supervisor: '主管', manager: '经理' },
};
