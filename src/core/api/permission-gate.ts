// Which PosApi requests need a permission (issue 7 §1, ARCHITECTURE.md §3 rule 7): the core
// decides, whatever a screen shows or hides. The pos host asks `requiredPermission` before it
// runs a handler; when the operator's role lacks the permission, the request must carry an
// approval from someone whose role has it (StaffService.authorize).
//
// Decisions a caller must know:
// - A void or a cancel counts as "after tender" once any tender is on the open sale (a partly
//   paid sale): taking back an item the customer has begun to pay for is the classic skim.
// - A discount is "over the limit" when it takes more than `discountLimitBps` of what it
//   applies to: the line's gross (line discount) or the sale's total before the basket
//   discount (basket discount). Removing a discount (discount: null) never needs approval.
// - A price override always needs 'price.override' (a price going up is as much an override as
//   one going down; the journal records both).
// - Log-in is required for everything except what a screen needs to draw itself and to log in
//   (LOGIN_FREE); the customer display never logs in.
import type { CheckoutCommand, CheckoutView, RequestName } from '../../shared/api.ts';

/** Requests a surface may make with nobody logged in. */
export const LOGIN_FREE: ReadonlySet<RequestName> = new Set<RequestName>([
  'terminal.hello',
  'checkout.view',
  'customer.view',
  'devices.list',
  'sync.view',
  'session.view',
  'session.login',
  'session.logout',
]);

export interface PermissionNeed {
  readonly permission: string;
  /** For the journal and the approval dialog: what is being approved. */
  readonly what: string;
  /** What it is about (a sale id, a line), or null. */
  readonly ref: string | null;
}

export interface GateContext {
  /** The checkout as it is now (for voids after tender, discount limits). */
  readonly checkout: Pick<CheckoutView, 'saleId' | 'lines' | 'tenders' | 'totals'>;
  /** A discount above this share (basis points) of what it applies to needs approval. */
  readonly discountLimitBps: number;
}

function overLimit(discount: { amount: number } | { percentBps: number }, base: number, limitBps: number): boolean {
  if ('percentBps' in discount) return discount.percentBps > limitBps;
  if (base <= 0) return discount.amount > 0;
  // amount / base > limit / 10000, in integers.
  return discount.amount * 10_000 > base * limitBps;
}

function lineGross(view: GateContext['checkout'], lineNo: number): number {
  const line = view.lines.find((l) => l.lineNo === lineNo);
  if (line === undefined) return 0;
  return Math.round((line.unitPrice * line.quantityMilli) / 1000);
}

/** The permission a checkout command needs, or null when any logged-in cashier may do it. */
export function commandPermission(command: CheckoutCommand, ctx: GateContext): PermissionNeed | null {
  const saleRef = ctx.checkout.saleId;
  const tendered = ctx.checkout.tenders.length > 0;
  switch (command.type) {
    case 'VOID_LINE':
      return tendered ? { permission: 'void.after-tender', what: `void line ${command.lineNo} after a tender was taken (${command.reason})`, ref: saleRef } : null;
    case 'CANCEL':
      return tendered ? { permission: 'void.after-tender', what: `cancel the sale after a tender was taken (${command.reason})`, ref: saleRef } : null;
    case 'OVERRIDE_PRICE':
      return { permission: 'price.override', what: `change the price of line ${command.lineNo} (${command.reason})`, ref: saleRef };
    case 'LINE_DISCOUNT':
      if (command.discount === null) return null;
      return overLimit(command.discount, lineGross(ctx.checkout, command.lineNo), ctx.discountLimitBps)
        ? { permission: 'discount.over-limit', what: `a discount over ${ctx.discountLimitBps / 100}% on line ${command.lineNo} (${command.reason})`, ref: saleRef }
        : null;
    case 'BASKET_DISCOUNT': {
      if (command.discount === null) return null;
      const base = ctx.checkout.totals.gross - ctx.checkout.totals.discounts;
      return overLimit(command.discount, base, ctx.discountLimitBps)
        ? { permission: 'discount.over-limit', what: `a sale discount over ${ctx.discountLimitBps / 100}% (${command.reason})`, ref: saleRef }
        : null;
    }
    default:
      return null;
  }
}

/** The permission a request needs (checkout commands: see commandPermission), or null. */
export function requiredPermission(name: RequestName, params: Record<string, unknown>, ctx: GateContext): PermissionNeed | null {
  const str = (k: string): string | null => (typeof params[k] === 'string' ? (params[k] as string) : null);
  switch (name) {
    case 'checkout.send':
      return commandPermission(params['command'] as CheckoutCommand, ctx);
    case 'devices.openDrawer':
      return { permission: 'drawer.no-sale', what: `open the cash drawer without a sale (${str('reason') ?? ''})`, ref: null };
    case 'sales.reprint':
      return { permission: 'receipt.reprint', what: 'reprint a receipt', ref: str('saleId') };
    case 'sales.refund':
      return { permission: 'refund', what: `refund (${str('reason') ?? ''})`, ref: str('saleId') };
    case 'sales.search':
    case 'sales.receipt':
      return { permission: 'sales.history', what: 'look through sales', ref: null };
    case 'members.find':
      return { permission: 'sales.history', what: "look through a member's purchases", ref: null };
    case 'shift.open':
      return { permission: 'shift.open', what: 'open a shift', ref: null };
    case 'shift.cash':
      return { permission: 'cash.paid-in-out', what: `${str('kind') ?? 'cash movement'} (${str('reason') ?? ''})`, ref: null };
    case 'shift.close':
      return { permission: 'shift.close', what: 'close the shift', ref: null };
    case 'report.x':
    case 'report.print':
    case 'report.zList':
    case 'report.zGet':
    case 'report.export':
      return { permission: 'report.x', what: 'read reports', ref: null };
    case 'report.z':
      return { permission: 'report.z', what: 'close the day (Z report)', ref: null };
    case 'reconcile.run':
    case 'reconcile.resolve':
    case 'reconcile.query':
    case 'store.settlement':
      return { permission: 'reconcile', what: name === 'reconcile.resolve' ? `mark a wallet item resolved (${str('reason') ?? ''})` : 'reconcile wallet payments', ref: str('key') };
    // users.add / users.update: StaffService checks 'users.manage' itself (anyone may change
    // their own PIN), with the request's approval.
    case 'users.list':
    case 'journal.verify':
      return { permission: 'users.manage', what: name === 'journal.verify' ? 'check the journal' : 'manage users', ref: str('id') };
    default:
      return null;
  }
}
