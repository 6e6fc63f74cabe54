// The PosApi requests of issue 7 that are about people and the drawer: log-in, users, shifts.
// The pos host runs its permission gate (permission-gate.ts, StaffService.authorize) before any
// of these, and passes the Authorization it got, so a handler here only records who did what.
//
// Decisions a caller must know:
// - Log-in and log-out are refused while a sale is open (the sale records one cashier: the one
//   at the till when it is committed). A log-in with nobody logged in is always allowed: after
//   a restart a restored sale waits for somebody to log in and finish it.
// - A different user logging in while a shift is open is a cashier change of that shift
//   (journalled by ShiftService); the same user logging in again is not.
// - Amounts arrive in minor units (the API's rule) and go to ShiftService as decimal strings
//   (its rule, shared with the command line).
import { denominationKey, denominationLabel } from '../../domain/denominations.ts';
import { formatMoney } from '../../domain/money.ts';
import { permissionsOf, type Role } from '../../domain/permissions.ts';
import type { DenominationView, OperatorView, SessionView, ShiftCloseView, ShiftSummaryView, UserChoice, UserView, WorkingLine } from '../../shared/api.ts';
import type { ExpectedCash } from '../../domain/expected-cash.ts';
import type { Shift } from '../shifts/shift-service.ts';
import type { ApprovalRequest, Authorization, Operator, UserListItem } from '../staff/staff-service.ts';
import { getUser } from '../staff/users.ts';
import type { TerminalApp } from '../terminal-app.ts';

export class SessionRefusedError extends Error {
  override name = 'SessionRefusedError';
}

export interface StaffApiDeps {
  readonly app: TerminalApp;
  /** The checkout's phase now ('idle' when no sale is open). */
  readonly checkoutPhase: () => string;
  /** Pushes the 'session' event (after any change). */
  readonly changed: () => void;
}

function permissionsFor(app: TerminalApp, role: Role): readonly string[] {
  return permissionsOf(role, app.config.staff.roles);
}

export function workingView(expected: ExpectedCash): WorkingLine[] {
  return expected.working.map((w) => ({ label: w.label, amount: w.sign === '-' ? -w.amount : w.amount }));
}

function userChoice(app: TerminalApp, u: UserListItem): UserChoice {
  return { id: u.id, name: u.name, role: u.role, permissions: permissionsFor(app, u.role), lockedUntil: u.lockedUntil };
}

function userView(app: TerminalApp, u: UserListItem): UserView {
  return { ...userChoice(app, u), active: u.active, createdAt: getUser(app.db, u.id)?.createdAt ?? '' };
}

function operatorView(app: TerminalApp, op: Operator): OperatorView {
  return { userId: op.userId, name: op.name, role: op.role, permissions: permissionsFor(app, op.role) };
}

function shiftSummary(app: TerminalApp, shift: Shift): ShiftSummaryView {
  const now = app.shifts.expectedNow();
  const figures = now?.shift.id === shift.id ? now.figures : null;
  return {
    id: shift.id,
    openedAt: shift.openedAt,
    openedBy: shift.openedBy,
    float: shift.float,
    cashier: shift.cashier.name,
    paidIn: figures?.paidIn ?? 0,
    paidOut: figures?.paidOut ?? 0,
    sales: figures?.counts.sales ?? 0,
  };
}

export function sessionView(app: TerminalApp): SessionView {
  const op = app.staff.operator();
  const shift = app.shifts.current();
  return {
    usersExist: app.staff.hasUsers(),
    operator: op === null ? null : operatorView(app, op),
    shift: shift === null ? null : shiftSummary(app, shift),
    users: app.staff
      .listUsers()
      .filter((u) => u.active)
      .map((u) => userChoice(app, u)),
  };
}

const decimal = (app: TerminalApp, minor: number) => formatMoney({ amount: minor, currency: app.config.currency });

/** The operator an action is recorded under: the one the gate authorized. */
function actor(app: TerminalApp, auth: Authorization | null): Operator {
  const op = app.staff.operator();
  if (op !== null) return op;
  // Setup mode, or an approver acting with nobody logged in.
  return { userId: auth?.userId ?? null, name: auth?.by ?? app.config.cashier, role: auth?.approvedBy?.role ?? 'manager' };
}

const approvalRef = (auth: Authorization | null) => (auth?.approvedBy ? { userId: auth.approvedBy.userId, name: auth.approvedBy.name, journalSeq: auth.approvedBy.journalSeq } : null);

export function staffHandlers(deps: StaffApiDeps) {
  const { app } = deps;
  const saleOpen = () => deps.checkoutPhase() !== 'idle';
  return {
    async 'session.view'(): Promise<SessionView> {
      return sessionView(app);
    },
    async 'session.login'({ userId, pin }: { userId: string; pin: string }): Promise<SessionView> {
      const before = app.staff.operator();
      if (before !== null && before.userId !== userId && saleOpen()) {
        throw new SessionRefusedError(`${before.name} has a sale open: finish, park or cancel it before someone else logs in`);
      }
      const op = await app.staff.login(userId, pin);
      const shift = app.shifts.current();
      if (shift !== null && shift.cashier.userId !== op.userId) app.shifts.changeCashier(op);
      deps.changed();
      return sessionView(app);
    },
    async 'session.logout'(): Promise<SessionView> {
      if (saleOpen()) throw new SessionRefusedError('a sale is open: finish, park or cancel it before logging out');
      app.staff.logout();
      deps.changed();
      return sessionView(app);
    },
    async 'users.list'(): Promise<readonly UserView[]> {
      return app.staff.listUsers().map((u) => userView(app, u));
    },
    // StaffService checks 'users.manage' for these itself (the gate lets them through), with the
    // request's approval: anyone may change their own PIN.
    async 'users.add'(p: { name: string; role: Role; pin: string; approval?: ApprovalRequest }): Promise<UserView> {
      const u = await app.staff.addUser({ name: p.name, role: p.role, pin: p.pin }, p.approval);
      deps.changed();
      return userView(app, u);
    },
    async 'users.update'(p: { id: string; role?: Role; pin?: string; active?: boolean; unlock?: true; approval?: ApprovalRequest }): Promise<UserView> {
      let u: UserListItem | null = null;
      if (p.role !== undefined) u = await app.staff.setRole(p.id, p.role, p.approval);
      if (p.pin !== undefined) u = await app.staff.setPin(p.id, p.pin, p.approval);
      if (p.active !== undefined) u = await app.staff.setActive(p.id, p.active, p.approval);
      if (p.unlock) u = await app.staff.unlock(p.id, p.approval);
      if (u === null) throw new SessionRefusedError('nothing to change: give a role, a PIN, active, or unlock');
      deps.changed();
      return userView(app, u);
    },
    async 'shift.denominations'(): Promise<readonly DenominationView[]> {
      const currency = app.config.currency;
      return app.shifts.denominations().map((d) => ({
        key: denominationKey(d.value, currency),
        label: denominationLabel(d, currency, app.config.language),
        value: d.value,
        kind: d.kind === 'coin' ? 'coin' : 'note',
      }));
    },
    async 'shift.open'(p: { counts?: Record<string, number>; float?: number }, auth: Authorization | null): Promise<SessionView> {
      app.shifts.open({ ...(p.counts !== undefined ? { counts: p.counts } : {}), ...(p.float !== undefined ? { float: decimal(app, p.float) } : {}) }, actor(app, auth), approvalRef(auth));
      deps.changed();
      return sessionView(app);
    },
    async 'shift.cash'(p: { kind: 'paid-in' | 'paid-out'; amount: number; reason: string }, auth: Authorization | null): Promise<SessionView> {
      const command = { amount: decimal(app, p.amount), reason: p.reason };
      if (p.kind === 'paid-in') app.shifts.paidIn(command, actor(app, auth), approvalRef(auth));
      else app.shifts.paidOut(command, actor(app, auth), approvalRef(auth));
      deps.changed();
      return sessionView(app);
    },
    async 'shift.close'(p: { counts: Record<string, number> }, auth: Authorization | null): Promise<ShiftCloseView> {
      if (saleOpen()) throw new SessionRefusedError('a sale is open: finish, park or cancel it before closing the shift');
      const r = app.shifts.close({ counts: p.counts }, actor(app, auth), approvalRef(auth));
      deps.changed();
      return { shiftId: r.shift.id, counted: r.counted, expected: r.expected.expected, overShort: r.overShort, working: workingView(r.expected) };
    },
  };
}
