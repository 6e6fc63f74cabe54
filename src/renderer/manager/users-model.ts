// The users panel's checks and requests (issue 7 §1): a new user (name, role, the PIN typed
// twice), a PIN reset, and whether a user is locked now. The core checks everything again
// (PIN length per config, a unique name…) and its refusal is shown as it wrote it.
//
// Decisions a caller must know:
// - The PIN is typed twice and must match; it is digits only, 4 to 8 (api.ts), which is the
//   widest the core accepts: a shorter configured maximum is the core's to refuse.
// - A user whose lockout time has passed counts as not locked (the core unlocks on the next
//   log-in), so no Unlock button is offered for it.
import type { ParamsOf, Role, UserView } from '../../shared/api.ts';
import { pinComplete } from '../components/pin-model.ts';
import type { ManagerKey } from '../i18n/manager-messages.ts';
import type { Checked } from './history-search.ts';

export interface NewUserForm {
  readonly name: string;
  readonly role: Role;
  readonly pin: string;
  readonly pinAgain: string;
}

function checkPin(pin: string, pinAgain: string): ManagerKey | null {
  if (!pinComplete(pin)) return 'mgr.users.pinShape';
  if (pin !== pinAgain) return 'mgr.users.pinMismatch';
  return null;
}

export function newUserParams(form: NewUserForm): Checked<ParamsOf<'users.add'>> {
  const name = form.name.trim();
  if (name === '') return { ok: false, error: 'mgr.users.nameMissing' };
  if (name.length > 40) return { ok: false, error: 'mgr.users.nameTooLong' };
  const pinProblem = checkPin(form.pin, form.pinAgain);
  if (pinProblem !== null) return { ok: false, error: pinProblem };
  return { ok: true, value: { name, role: form.role, pin: form.pin } };
}

export function resetPinParams(id: string, pin: string, pinAgain: string): Checked<ParamsOf<'users.update'>> {
  const pinProblem = checkPin(pin, pinAgain);
  if (pinProblem !== null) return { ok: false, error: pinProblem };
  return { ok: true, value: { id, pin } };
}

export function isLocked(user: Pick<UserView, 'lockedUntil'>, nowMs: number): boolean {
  if (user.lockedUntil === null) return false;
  const until = Date.parse(user.lockedUntil);
  return Number.isNaN(until) || until > nowMs;
}

/** The list with `user` (as the core answered it) in place, or added when new; by name. */
export function upsertUser(list: readonly UserView[], user: UserView): UserView[] {
  const rest = list.filter((u) => u.id !== user.id);
  return [...rest, user].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
