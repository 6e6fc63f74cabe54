// Who is at the terminal and what they may do (issue 7 §1; ARCHITECTURE.md §3 rule 7: permissions
// live in the core). Log-in by user id + PIN with a lockout, and manager approval in place: a
// user who has the permission types their PIN on the cashier's screen and the action goes ahead.
//
// Decisions a caller must know:
// - SETUP MODE: with no active user on the terminal nobody logs in; the operator is
//   { userId: null, name: config.cashier, role: 'manager' } and every `authorize` passes (the
//   manager screen says so). Once one active user exists, log-in is required.
// - One operator per StaffService (one per running terminal), kept in memory: a restart logs out.
//   `operator()` re-reads the user, so a role change applies at once and a disabled user is
//   logged out.
// - Lockout (staff.lockout): `attempts` wrong PINs in a row, each within `minutes` of the one
//   before, lock the user for `minutes`; a log-in and an approval count alike. The counter is
//   committed before the error is thrown, and the lock is checked again AFTER the (slow, async)
//   PIN check inside the write transaction, so guesses fired in parallel or from a second
//   process cannot get past a lock, and a right PIN arriving after the lock is refused too.
// - Every log-in, log-out, wrong PIN, lock, unlock and approval is journalled (never the PIN or
//   its hash). `authorize` adds no journal row when the operator has the permission: the
//   action's own row says who did it.
// - `authorize` either returns an Authorization or throws StaffAuthError whose `code` tells the
//   screen what to do: 'login-required' (show log-in), 'approval-required' (open the PIN dialog
//   for `permission`), 'wrong-pin', 'locked', 'not-permitted' (the approver lacks it, or is
//   disabled). Bad input (unknown user id, bad role, a PIN that is not digits) is StaffError.
// - Authorizations are frozen objects made only here; `isIssuedAuthorization` tells a service
//   (refund-service.ts) that one came from a StaffService and not from parsed JSON.
import { isPermission, PERMISSION_LABELS, permissionsOf, type Permission, type Role } from '../../domain/permissions.ts';
import { appendJournal, type JournalKind } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import { verifyPin } from './pin.ts';
import type { StaffConfig } from './staff-config.ts';
import {
  addUser,
  countActiveUsers,
  getUser,
  isLocked,
  listUsers,
  pinHashOf,
  requireUser,
  setActive,
  setPin,
  setRole,
  StaffError,
  unlockUser,
  writePinCounters,
  type Actor,
  type NewUser,
  type User,
  type UserListItem,
  type UsersContext,
} from './users.ts';

export { StaffError, type UserListItem, type NewUser } from './users.ts';

/** Who is at the terminal. userId null: setup mode (no users yet). */
export interface Operator {
  readonly userId: string | null;
  readonly name: string;
  readonly role: Role;
}

/** A PIN typed in the approval dialog (or on the command line). */
export interface ApprovalRequest {
  readonly userId: string;
  readonly pin: string;
}

/** A granted approval, as journalled ('approval.granted', row `journalSeq`). */
export interface Approval {
  readonly userId: string;
  readonly name: string;
  readonly role: Role;
  readonly permission: Permission;
  readonly at: string;
  readonly journalSeq: number;
}

/** Leave to do one thing: made only by StaffService.authorize. */
export interface Authorization {
  readonly permission: Permission;
  /** Who does it: the operator's name (the approver's when nobody is logged in). */
  readonly by: string;
  /** The operator's user id; null in setup mode. */
  readonly userId: string | null;
  /** Set when someone else's PIN allowed it. */
  readonly approvedBy: Approval | null;
  readonly at: string;
}

export type StaffAuthCode = 'login-required' | 'approval-required' | 'wrong-pin' | 'locked' | 'not-permitted';

/** Refused: see `code`; `permission` is what was asked for (null for a plain log-in). */
export class StaffAuthError extends Error {
  override name = 'StaffAuthError';
  readonly code: StaffAuthCode;
  readonly permission: Permission | null;
  /** For 'locked': when the lock ends (ISO). */
  readonly lockedUntil: string | null;
  /** For 'wrong-pin': tries left before the lock. */
  readonly triesLeft: number | null;

  constructor(code: StaffAuthCode, message: string, extra: { permission?: Permission | null; lockedUntil?: string | null; triesLeft?: number | null } = {}) {
    super(message);
    this.code = code;
    this.permission = extra.permission ?? null;
    this.lockedUntil = extra.lockedUntil ?? null;
    this.triesLeft = extra.triesLeft ?? null;
  }
}

export interface StaffServiceOptions {
  readonly db: Db;
  /** kassa.config.json: `cashier` names the setup-mode operator; `staff` the rules. */
  readonly config: { readonly cashier: string; readonly staff: StaffConfig };
  readonly terminalId: string;
  readonly now?: () => Date;
}

const issued = new WeakSet<object>();

/** True only for an Authorization a StaffService made (not one rebuilt from JSON). */
export function isIssuedAuthorization(value: unknown): value is Authorization {
  return typeof value === 'object' && value !== null && issued.has(value);
}

function issue(a: Authorization): Authorization {
  const frozen = Object.freeze({ ...a });
  issued.add(frozen);
  return frozen;
}

/** "14:05" local time, with the date when it is not today. */
function clock(iso: string, now: Date): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.toDateString() === now.toDateString() ? hm : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

type Purpose = { readonly kind: 'login' } | { readonly kind: 'approval'; readonly permission: Permission; readonly what: string; readonly ref: string | null };

type Outcome =
  | { readonly kind: 'ok'; readonly user: User; readonly journalSeq: number }
  | { readonly kind: 'wrong'; readonly user: User; readonly triesLeft: number }
  | { readonly kind: 'locked'; readonly user: User; readonly until: string; readonly now: boolean }
  | { readonly kind: 'not-permitted'; readonly user: User };

export class StaffService {
  readonly #db: Db;
  readonly #config: StaffServiceOptions['config'];
  readonly #terminalId: string;
  readonly #now: () => Date;
  #userId: string | null = null;
  readonly #listeners = new Set<(operator: Operator | null) => void>();
  #lastEmitted: string;

  constructor(options: StaffServiceOptions) {
    this.#db = options.db;
    this.#config = options.config;
    this.#terminalId = options.terminalId;
    this.#now = options.now ?? (() => new Date());
    this.#lastEmitted = JSON.stringify(this.operator());
  }

  /** Whether the terminal has an active user (else: setup mode, no log-in). */
  hasUsers(): boolean {
    return countActiveUsers(this.#db) > 0;
  }

  /** Who is at the terminal: the setup-mode operator when there are no users; null when nobody is logged in. */
  operator(): Operator | null {
    if (!this.hasUsers()) return { userId: null, name: this.#config.cashier, role: 'manager' };
    if (this.#userId === null) return null;
    const user = getUser(this.#db, this.#userId);
    if (!user || !user.active) {
      this.#userId = null;
      return null;
    }
    return { userId: user.id, name: user.name, role: user.role };
  }

  /** Called with the new operator whenever it changes (log-in, log-out, first user added, role change…). Returns an unsubscribe. */
  onChange(listener: (operator: Operator | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What `operator` (default: the current one) may do; nothing when nobody is logged in. */
  permissions(operator: Operator | null = this.operator()): readonly Permission[] {
    return operator === null ? [] : permissionsOf(operator.role, this.#config.staff.roles);
  }

  can(permission: Permission, operator: Operator | null = this.operator()): boolean {
    return this.permissions(operator).includes(permission);
  }

  listUsers(): UserListItem[] {
    return listUsers(this.#db, this.#now());
  }

  /** Logs a user in (replacing whoever was logged in). Throws StaffAuthError (wrong PIN, locked, disabled) or StaffError (unknown user). */
  async login(userId: string, pin: string): Promise<Operator> {
    const previous = this.#userId;
    const outcome = await this.#checkPin(userId, pin, { kind: 'login' }, previous);
    this.#throwUnlessOk(outcome, null);
    this.#userId = outcome.user.id;
    this.#emit();
    return { userId: outcome.user.id, name: outcome.user.name, role: outcome.user.role };
  }

  /** Logs the operator out (journalled); nothing happens when nobody is logged in. */
  logout(): void {
    const op = this.operator();
    if (op === null || op.userId === null) return;
    this.#inTransaction(() => this.#journal('user.logout', op.userId, { userId: op.userId, name: op.name }));
    this.#userId = null;
    this.#emit();
  }

  /**
   * Checks an approver's PIN and that they have `permission`; journals 'approval.granted'.
   * Same PIN and lockout rules as a log-in; the operator stays who they were.
   */
  async approve(request: { permission: Permission; userId: string; pin: string; what: string; ref: string | null }): Promise<Approval> {
    const { permission } = request;
    if (!isPermission(permission)) throw new StaffError(`"${String(permission)}" is not a permission`);
    const what = checkWhat(request.what);
    const outcome = await this.#checkPin(request.userId, request.pin, { kind: 'approval', permission, what, ref: request.ref ?? null }, this.#userId);
    this.#throwUnlessOk(outcome, permission);
    return { userId: outcome.user.id, name: outcome.user.name, role: outcome.user.role, permission, at: this.#now().toISOString(), journalSeq: outcome.journalSeq };
  }

  /**
   * Leave to do `what` (about `ref`, e.g. a sale id): at once when the operator has `permission`
   * (or in setup mode), else with `approval` (a PIN of someone who has it). Throws StaffAuthError
   * ('login-required', 'approval-required', 'wrong-pin', 'locked', 'not-permitted').
   */
  async authorize(permission: Permission, approval: ApprovalRequest | null | undefined, what: string, ref: string | null): Promise<Authorization> {
    if (!isPermission(permission)) throw new StaffError(`"${String(permission)}" is not a permission`);
    checkWhat(what);
    const at = () => this.#now().toISOString();
    if (!this.hasUsers()) return issue({ permission, by: this.#config.cashier, userId: null, approvedBy: null, at: at() });
    const op = this.operator();
    if (op !== null && this.can(permission, op)) return issue({ permission, by: op.name, userId: op.userId, approvedBy: null, at: at() });
    const label = PERMISSION_LABELS.en[permission];
    if (approval === null || approval === undefined) {
      if (op === null) throw new StaffAuthError('login-required', `nobody is logged in: log in first (${label} needs a user who may do it)`, { permission });
      throw new StaffAuthError('approval-required', `${op.name} (${op.role}) may not ${label}: someone who may must approve with their PIN`, { permission });
    }
    const approved = await this.approve({ permission, userId: approval.userId, pin: approval.pin, what, ref });
    return issue({ permission, by: op?.name ?? approved.name, userId: op?.userId ?? approved.userId, approvedBy: approved, at: at() });
  }

  // ---- managing users: each needs 'users.manage' (or setup mode), like any other action ------

  async addUser(input: NewUser, approval?: ApprovalRequest | null): Promise<UserListItem> {
    const actor = await this.#manager(approval, `add user ${String(input.name)}`, null);
    const added = await addUser(this.#usersContext(), input, actor);
    this.#emit();
    return added;
  }

  async setPin(userId: string, pin: string, approval?: ApprovalRequest | null): Promise<UserListItem> {
    // Anyone may change their own PIN; someone else's needs 'users.manage'.
    const op = this.operator();
    const actor = op !== null && op.userId === userId ? { name: op.name, userId: op.userId } : await this.#manager(approval, 'set a PIN', userId);
    return setPin(this.#usersContext(), userId, pin, actor);
  }

  async setRole(userId: string, role: string, approval?: ApprovalRequest | null): Promise<UserListItem> {
    const actor = await this.#manager(approval, `make a user ${role}`, userId);
    const changed = setRole(this.#usersContext(), userId, role, actor);
    this.#emit();
    return changed;
  }

  async setActive(userId: string, active: boolean, approval?: ApprovalRequest | null): Promise<UserListItem> {
    const actor = await this.#manager(approval, active ? 'enable a user' : 'disable a user', userId);
    const changed = setActive(this.#usersContext(), userId, active, actor);
    this.#emit();
    return changed;
  }

  async unlock(userId: string, approval?: ApprovalRequest | null): Promise<UserListItem> {
    const actor = await this.#manager(approval, 'unlock a user', userId);
    return unlockUser(this.#usersContext(), userId, actor);
  }

  // -------------------------------------------------------------------------------------------

  #usersContext(): UsersContext {
    return { db: this.#db, terminalId: this.#terminalId, config: this.#config.staff, now: this.#now };
  }

  async #manager(approval: ApprovalRequest | null | undefined, what: string, ref: string | null): Promise<Actor> {
    const auth = await this.authorize('users.manage', approval, what, ref);
    return auth.approvedBy ? { name: auth.approvedBy.name, userId: auth.approvedBy.userId } : { name: auth.by, userId: auth.userId };
  }

  #emit(): void {
    const op = this.operator();
    const text = JSON.stringify(op);
    if (text === this.#lastEmitted) return;
    this.#lastEmitted = text;
    for (const listener of this.#listeners) listener(op);
  }

  #inTransaction<T>(run: () => T): T {
    return this.#db.transaction(run).immediate();
  }

  #journal(kind: JournalKind, ref: string | null, payload: Record<string, unknown>): number {
    return appendJournal(this.#db, { terminalId: this.#terminalId, kind, ref, payload, at: this.#now().toISOString() }).seq;
  }

  #purposePayload(purpose: Purpose): Record<string, unknown> {
    return purpose.kind === 'login' ? { purpose: 'login' } : { purpose: 'approval', permission: purpose.permission, what: purpose.what, ref: purpose.ref };
  }

  /** Checks a PIN and writes the outcome (counters + journal) in one transaction; never throws for a wrong PIN. */
  async #checkPin(userId: string, pin: string, purpose: Purpose, operatorId: string | null): Promise<Outcome> {
    const user = requireUser(this.#db, userId);
    const permission = purpose.kind === 'approval' ? purpose.permission : null;
    if (!user.active) {
      this.#inTransaction(() => this.#journal('user.login-failed', user.id, { userId: user.id, name: user.name, reason: 'disabled', ...this.#purposePayload(purpose) }));
      throw new StaffAuthError('not-permitted', `${user.name} is disabled: a manager can enable them again`, { permission });
    }
    const before = this.#now();
    if (isLocked(user, before)) {
      this.#inTransaction(() => this.#journal('user.login-failed', user.id, { userId: user.id, name: user.name, reason: 'locked', ...this.#purposePayload(purpose) }));
      return { kind: 'locked', user, until: user.lockedUntil as string, now: false };
    }
    const right = await verifyPin(pin, pinHashOf(this.#db, user.id));
    const { attempts, minutes } = this.#config.staff.lockout;
    const windowMs = minutes * 60_000;
    return this.#inTransaction((): Outcome => {
      const now = this.#now();
      const at = now.toISOString();
      const fresh = requireUser(this.#db, user.id);
      const who = { userId: fresh.id, name: fresh.name };
      if (isLocked(fresh, now)) {
        this.#journal('user.login-failed', fresh.id, { ...who, reason: 'locked', ...this.#purposePayload(purpose) });
        return { kind: 'locked', user: fresh, until: fresh.lockedUntil as string, now: false };
      }
      if (right) {
        if (fresh.failedAttempts > 0 || fresh.lockedUntil !== null) writePinCounters(this.#db, fresh.id, { failedAttempts: 0, lastFailedAt: null, lockedUntil: null, at });
        if (purpose.kind === 'login') {
          const seq = this.#journal('user.login', fresh.id, { ...who, role: fresh.role, replaced: operatorId });
          return { kind: 'ok', user: fresh, journalSeq: seq };
        }
        if (!permissionsOf(fresh.role, this.#config.staff.roles).includes(purpose.permission)) return { kind: 'not-permitted', user: fresh };
        const op = operatorId === null ? null : getUser(this.#db, operatorId);
        const seq = this.#journal('approval.granted', purpose.ref, {
          permission: purpose.permission,
          what: purpose.what,
          ref: purpose.ref,
          approver: { userId: fresh.id, name: fresh.name, role: fresh.role },
          operator: op ? { userId: op.id, name: op.name } : null,
        });
        return { kind: 'ok', user: fresh, journalSeq: seq };
      }
      const inARow = fresh.lastFailedAt !== null && now.getTime() - Date.parse(fresh.lastFailedAt) <= windowMs;
      const count = (inARow ? fresh.failedAttempts : 0) + 1;
      if (count >= attempts) {
        const until = new Date(now.getTime() + windowMs).toISOString();
        writePinCounters(this.#db, fresh.id, { failedAttempts: 0, lastFailedAt: null, lockedUntil: until, at });
        this.#journal('user.login-failed', fresh.id, { ...who, reason: 'wrong-pin', attempt: count, ...this.#purposePayload(purpose) });
        this.#journal('user.locked', fresh.id, { ...who, until, attempts: count, minutes });
        return { kind: 'locked', user: fresh, until, now: true };
      }
      writePinCounters(this.#db, fresh.id, { failedAttempts: count, lastFailedAt: at, lockedUntil: null, at });
      this.#journal('user.login-failed', fresh.id, { ...who, reason: 'wrong-pin', attempt: count, ...this.#purposePayload(purpose) });
      return { kind: 'wrong', user: fresh, triesLeft: attempts - count };
    });
  }

  #throwUnlessOk(outcome: Outcome, permission: Permission | null): asserts outcome is Extract<Outcome, { kind: 'ok' }> {
    const { minutes, attempts } = this.#config.staff.lockout;
    const name = outcome.user.name;
    switch (outcome.kind) {
      case 'ok':
        return;
      case 'wrong':
        throw new StaffAuthError(
          'wrong-pin',
          `the PIN is not correct (${outcome.triesLeft} ${outcome.triesLeft === 1 ? 'try' : 'tries'} left before ${name} is locked for ${minutes} minutes)`,
          { permission, triesLeft: outcome.triesLeft },
        );
      case 'locked': {
        const why = outcome.now ? `after ${attempts} wrong PINs ` : '';
        throw new StaffAuthError('locked', `${name} is locked ${why}until ${clock(outcome.until, this.#now())}; a manager can unlock`, { permission, lockedUntil: outcome.until });
      }
      case 'not-permitted': {
        const label = permission === null ? 'do this' : PERMISSION_LABELS.en[permission];
        throw new StaffAuthError('not-permitted', `${name} (${outcome.user.role}) may not ${label}, so cannot approve it: ask someone who may`, { permission });
      }
    }
  }
}

function checkWhat(what: unknown): string {
  if (typeof what !== 'string' || what.trim() === '') throw new StaffError('an approval must say what it is for');
  return what.trim().slice(0, 200);
}
