// What the surfaces decide from the core's SessionView (issue 7): whether to show the log-in
// screen, who may approve what, how a permission and a role are named for people. Pure, so the
// rules are tested without a browser; the words for permissions and roles come from
// src/domain/permissions.ts, the one list the core uses too.
//
// Decisions a caller must know:
// - Log-in is needed only when users exist and nobody is logged in. With no users (setup mode)
//   the core's operator is the configured cashier as manager, and no log-in screen is shown.
// - No session at all (null: not fetched yet, or a core without session.view) shows no log-in
//   screen: the core still refuses what needs a user ('login-required'), and says so.
// - An approver is any active user holding the permission; locked ones are listed (with until
//   when) but cannot be chosen.
import type { Language, OperatorView, Role, SessionView, UserChoice } from '../../shared/api.ts';
import { PERMISSION_LABELS, ROLE_LABELS, isPermission } from '../../domain/permissions.ts';

export function loginNeeded(view: SessionView | null): boolean {
  return view !== null && view.usersExist && view.operator === null;
}

/** Setup mode: no users yet, so anyone can do anything (the manager screen warns). */
export function setupMode(view: SessionView | null): boolean {
  return view !== null && !view.usersExist;
}

/** Users who hold `permission`, in the session's order. */
export function approversFor(users: readonly UserChoice[], permission: string): UserChoice[] {
  return users.filter((u) => u.permissions.includes(permission));
}

/** Whether `user` is locked out at `nowMs`. */
export function isLocked(user: Pick<UserChoice, 'lockedUntil'>, nowMs: number): boolean {
  if (user.lockedUntil === null) return false;
  const until = Date.parse(user.lockedUntil);
  return Number.isNaN(until) || until > nowMs;
}

/** Index of the first user who can be chosen at `nowMs` (not locked), or -1. */
export function firstChoosable(users: readonly Pick<UserChoice, 'lockedUntil'>[], nowMs: number): number {
  return users.findIndex((u) => !isLocked(u, nowMs));
}

/** Moves a list choice by `delta`, skipping locked users; stays put at the ends. */
export function moveChoice(users: readonly Pick<UserChoice, 'lockedUntil'>[], index: number, delta: 1 | -1, nowMs: number): number {
  for (let i = index + delta; i >= 0 && i < users.length; i += delta) {
    const u = users[i];
    if (u && !isLocked(u, nowMs)) return i;
  }
  return index;
}

/** "refund", "退款"; an unknown permission is shown as the core named it. */
export function permissionLabel(permission: string, language: Language): string {
  return isPermission(permission) ? PERMISSION_LABELS[language][permission] : permission;
}

export function roleLabel(role: Role, language: Language): string {
  return ROLE_LABELS[language][role];
}

/** "Li Na · cashier". */
export function operatorText(operator: Pick<OperatorView, 'name' | 'role'>, language: Language): string {
  return `${operator.name} · ${roleLabel(operator.role, language)}`;
}
