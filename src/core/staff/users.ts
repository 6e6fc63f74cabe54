// The terminal's users (issue 7 §1): the table (migration 5) and every change to it, each
// journalled in the same transaction (ARCHITECTURE.md §3 rule 6), never with the PIN or its hash.
//
// Decisions a caller must know:
// - Ids are ULIDs made here; names are unique on the terminal (case-insensitive), 1–32 characters.
// - Who made a change (`by`) is a name plus a user id (null in setup mode or from the command
//   line, where whoever can write the data folder owns the terminal).
// - Someone must always be able to manage users: the first user must have 'users.manage' (a
//   manager, unless config says otherwise), and the last active user with it cannot be disabled
//   or given a role without it. Otherwise the terminal would need the command line to recover.
// - Disabling a user keeps the row (sales and journal rows name them); there is no delete.
// - The counters for wrong PINs live on the row (failed_attempts, last_failed_at, locked_until),
//   written by staff-service.ts; `unlockUser` clears them.
// - Bad input throws StaffError naming what was wrong, before anything is written.
import { ulid } from 'ulid';
import { permissionsOf, ROLES, isRole, type Role } from '../../domain/permissions.ts';
import { appendJournal } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import { hashPin, pinProblem } from './pin.ts';
import type { StaffConfig } from './staff-config.ts';

export const USERS_SQL = `
  CREATE TABLE users (
    id               TEXT PRIMARY KEY NOT NULL,   -- ULID, made on the terminal
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('cashier', 'supervisor', 'manager')),
    pin              TEXT NOT NULL,               -- scrypt JSON (staff/pin.ts), never the PIN
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    last_failed_at   TEXT,
    locked_until     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX users_by_name ON users(name COLLATE NOCASE);
`;

/** Bad staff input (unknown user, bad role, a PIN that is not digits…), named; nothing was written. */
export class StaffError extends Error {
  override name = 'StaffError';
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly active: boolean;
  readonly failedAttempts: number;
  readonly lastFailedAt: string | null;
  /** ISO time; a lock in the past no longer holds. */
  readonly lockedUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One row of the users list, as the manager screen and `kassa users` show it. */
export interface UserListItem {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly active: boolean;
  readonly locked: boolean;
  /** When the lock ends (ISO), while locked; else null. */
  readonly lockedUntil: string | null;
}

/** Who makes a change: a user, or (userId null) setup mode / the command line. */
export interface Actor {
  readonly name: string;
  readonly userId: string | null;
}

export interface UsersContext {
  readonly db: Db;
  readonly terminalId: string;
  readonly config: StaffConfig;
  readonly now: () => Date;
}

interface RawUser {
  id: string;
  name: string;
  role: string;
  pin: string;
  active: number;
  failed_attempts: number;
  last_failed_at: string | null;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

function toUser(r: RawUser): User {
  if (!isRole(r.role)) throw new StaffError(`user ${r.id} has an unknown role "${r.role}" in the database`);
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    active: r.active === 1,
    failedAttempts: r.failed_attempts,
    lastFailedAt: r.last_failed_at,
    lockedUntil: r.locked_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function isLocked(user: Pick<User, 'lockedUntil'>, now: Date): boolean {
  return user.lockedUntil !== null && Date.parse(user.lockedUntil) > now.getTime();
}

function listItem(u: User, now: Date): UserListItem {
  const locked = isLocked(u, now);
  return { id: u.id, name: u.name, role: u.role, active: u.active, locked, lockedUntil: locked ? u.lockedUntil : null };
}

export function getUser(db: Db, id: string): User | null {
  const r = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as RawUser | undefined;
  return r ? toUser(r) : null;
}

/** The user, or StaffError naming the id. */
export function requireUser(db: Db, id: unknown): User {
  if (typeof id !== 'string' || id.trim() === '') throw new StaffError('no user id given');
  const user = getUser(db, id.trim());
  if (!user) throw new StaffError(`there is no user "${id.trim()}" on this terminal (kassa users lists them)`);
  return user;
}

/** The stored PIN hash (JSON text) of a user, for staff-service.ts only. */
export function pinHashOf(db: Db, id: string): string {
  const pin = db.prepare('SELECT pin FROM users WHERE id = ?').pluck().get(id) as string | undefined;
  if (pin === undefined) throw new StaffError(`there is no user "${id}" on this terminal`);
  return pin;
}

/** Every user, active ones first, then by name. */
export function listUsers(db: Db, now: Date): UserListItem[] {
  const rows = db.prepare('SELECT * FROM users ORDER BY active DESC, name COLLATE NOCASE, id').all() as RawUser[];
  return rows.map((r) => listItem(toUser(r), now));
}

export function countActiveUsers(db: Db): number {
  return db.prepare('SELECT COUNT(*) FROM users WHERE active = 1').pluck().get() as number;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new StaffError('a user needs a name');
  const n = name.trim();
  if (n.length > 32) throw new StaffError(`a user name is at most 32 characters; "${n.slice(0, 40)}…" has ${n.length}`);
  if (/\p{Cc}/u.test(n)) throw new StaffError('a user name cannot hold control characters');
  return n;
}

function checkRole(role: unknown): Role {
  if (!isRole(role)) throw new StaffError(`"${String(role)}" is not a role: expected one of ${ROLES.join(', ')}`);
  return role;
}

function checkPin(pin: unknown, config: StaffConfig): string {
  const problem = pinProblem(pin, config.pinLength);
  if (problem !== null) throw new StaffError(problem);
  return pin as string;
}

function managesUsers(role: Role, config: StaffConfig): boolean {
  return permissionsOf(role, config.roles).includes('users.manage');
}

/** Refuses a change that would leave no active user able to manage users. */
function keepAManager(ctx: UsersContext, user: User, after: { role: Role; active: boolean }): void {
  if (!user.active || !managesUsers(user.role, ctx.config)) return;
  if (after.active && managesUsers(after.role, ctx.config)) return;
  const others = (ctx.db.prepare('SELECT role FROM users WHERE active = 1 AND id != ?').pluck().all(user.id) as string[]).filter(
    (r) => isRole(r) && managesUsers(r, ctx.config),
  ).length;
  if (others === 0) {
    throw new StaffError(`${user.name} is the last active user who can manage users: add or enable another manager first, or nobody could manage users or unlock anyone`);
  }
}

function journal(ctx: UsersContext, kind: 'user.added' | 'user.changed' | 'user.unlocked', userId: string, payload: Record<string, unknown>, at: string): number {
  return appendJournal(ctx.db, { terminalId: ctx.terminalId, kind, ref: userId, payload, at }).seq;
}

export interface NewUser {
  readonly name: string;
  readonly role: string;
  readonly pin: string;
}

export async function addUser(ctx: UsersContext, input: NewUser, by: Actor): Promise<UserListItem> {
  const name = checkName(input.name);
  const role = checkRole(input.role);
  const pin = checkPin(input.pin, ctx.config);
  const first = () => countActiveUsers(ctx.db) === 0;
  if (first() && !managesUsers(role, ctx.config)) {
    throw new StaffError(`the first user must be able to manage users (a manager), so someone can add the others and unlock them; "${role}" cannot`);
  }
  const hash = await hashPin(pin);
  const id = ulid();
  const at = ctx.now().toISOString();
  ctx.db
    .transaction(() => {
      // Checked again inside the write transaction: another writer may have added a user meanwhile.
      if (first() && !managesUsers(role, ctx.config)) throw new StaffError(`the first user must be able to manage users (a manager); "${role}" cannot`);
      const clash = ctx.db.prepare('SELECT id FROM users WHERE name = ? COLLATE NOCASE').pluck().get(name) as string | undefined;
      if (clash !== undefined) throw new StaffError(`a user named "${name}" already exists (id ${clash}): choose another name`);
      ctx.db
        .prepare('INSERT INTO users (id, name, role, pin, active, failed_attempts, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, ?, ?)')
        .run(id, name, role, hash, at, at);
      journal(ctx, 'user.added', id, { userId: id, name, role, by: by.name, byUserId: by.userId }, at);
    })
    .immediate();
  return listItem(requireUser(ctx.db, id), ctx.now());
}

export async function setPin(ctx: UsersContext, id: string, pin: string, by: Actor): Promise<UserListItem> {
  const user = requireUser(ctx.db, id);
  const checked = checkPin(pin, ctx.config);
  const hash = await hashPin(checked);
  const at = ctx.now().toISOString();
  ctx.db
    .transaction(() => {
      ctx.db.prepare('UPDATE users SET pin = ?, updated_at = ? WHERE id = ?').run(hash, at, user.id);
      journal(ctx, 'user.changed', user.id, { userId: user.id, name: user.name, change: 'pin', by: by.name, byUserId: by.userId }, at);
    })
    .immediate();
  return listItem(requireUser(ctx.db, user.id), ctx.now());
}

export function setRole(ctx: UsersContext, id: string, role: string, by: Actor): UserListItem {
  const next = checkRole(role);
  const at = ctx.now().toISOString();
  const userId = ctx.db
    .transaction(() => {
      const user = requireUser(ctx.db, id);
      if (user.role === next) throw new StaffError(`${user.name} is already a ${next}: nothing changed`);
      keepAManager(ctx, user, { role: next, active: user.active });
      ctx.db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE id = ?').run(next, at, user.id);
      journal(ctx, 'user.changed', user.id, { userId: user.id, name: user.name, change: 'role', from: user.role, to: next, by: by.name, byUserId: by.userId }, at);
      return user.id;
    })
    .immediate();
  return listItem(requireUser(ctx.db, userId), ctx.now());
}

export function setActive(ctx: UsersContext, id: string, active: boolean, by: Actor): UserListItem {
  const at = ctx.now().toISOString();
  const userId = ctx.db
    .transaction(() => {
      const user = requireUser(ctx.db, id);
      if (user.active === active) throw new StaffError(`${user.name} is already ${active ? 'enabled' : 'disabled'}: nothing changed`);
      keepAManager(ctx, user, { role: user.role, active });
      ctx.db.prepare('UPDATE users SET active = ?, updated_at = ? WHERE id = ?').run(active ? 1 : 0, at, user.id);
      journal(ctx, 'user.changed', user.id, { userId: user.id, name: user.name, change: active ? 'enabled' : 'disabled', by: by.name, byUserId: by.userId }, at);
      return user.id;
    })
    .immediate();
  return listItem(requireUser(ctx.db, userId), ctx.now());
}

/** Clears a lock and the wrong-PIN counter. Refused (StaffError) when the user is not locked. */
export function unlockUser(ctx: UsersContext, id: string, by: Actor): UserListItem {
  const now = ctx.now();
  const at = now.toISOString();
  const userId = ctx.db
    .transaction(() => {
      const user = requireUser(ctx.db, id);
      if (!isLocked(user, now) && user.failedAttempts === 0) throw new StaffError(`${user.name} is not locked: nothing changed`);
      ctx.db.prepare('UPDATE users SET failed_attempts = 0, last_failed_at = NULL, locked_until = NULL, updated_at = ? WHERE id = ?').run(at, user.id);
      journal(ctx, 'user.unlocked', user.id, { userId: user.id, name: user.name, wasLockedUntil: isLocked(user, now) ? user.lockedUntil : null, by: by.name, byUserId: by.userId }, at);
      return user.id;
    })
    .immediate();
  return listItem(requireUser(ctx.db, userId), ctx.now());
}

/** Writes the wrong-PIN counters (staff-service.ts, inside its transaction). */
export function writePinCounters(db: Db, id: string, c: { failedAttempts: number; lastFailedAt: string | null; lockedUntil: string | null; at: string }): void {
  db.prepare('UPDATE users SET failed_attempts = ?, last_failed_at = ?, locked_until = ?, updated_at = ? WHERE id = ?').run(
    c.failedAttempts,
    c.lastFailedAt,
    c.lockedUntil,
    c.at,
    id,
  );
}
