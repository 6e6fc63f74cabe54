// The list of people to choose from, for the log-in screen and the approval dialog: name, role,
// and "locked until hh:mm" for someone locked out after wrong PINs (shown, not choosable).
// ↑ ↓ move the choice from wherever focus is in the surrounding form (the PIN field keeps focus).
import type { UserChoice } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { isLocked, roleLabel } from '../client/session-model.ts';
import { formatClock } from '../format.ts';
import { TID } from '../testids.ts';

export function UserPicker({ users, selected, onSelect, now }: { readonly users: readonly UserChoice[]; readonly selected: number; readonly onSelect: (index: number) => void; readonly now: number }) {
  const { t, language } = usePos();
  return (
    <ul className="user-list" role="listbox" aria-label={t('login.users')} data-testid={TID.userList}>
      {users.map((u, i) => {
        const locked = isLocked(u, now);
        return (
          <li key={u.id} role="option" aria-selected={i === selected} aria-disabled={locked}>
            <button
              type="button"
              tabIndex={-1}
              className={i === selected ? 'user-row on' : 'user-row'}
              disabled={locked}
              data-testid={TID.userChoice(u.id)}
              data-locked={locked ? 'true' : 'false'}
              onClick={() => onSelect(i)}
            >
              <span className="user-name">{u.name}</span>
              <span className="user-role">{roleLabel(u.role, language)}</span>
              {locked && u.lockedUntil !== null ? <span className="user-locked">{t('login.lockedUntil', { time: formatClock(u.lockedUntil) })}</span> : null}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
