// The log-in screen (issue 7 §1), shown on the cashier and manager surfaces while users exist
// and nobody is logged in: the users of this terminal (name, role, locked until…), a PIN pad, and
// the core's own message on a wrong PIN or a lockout. Keyboard only: ↑ ↓ choose the user, digits
// and Backspace type the PIN, Enter logs in. The session (app/session.tsx) then moves the
// surface on by itself.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useNow } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { useSession } from '../app/session.tsx';
import { errorText } from '../client/pos-client.ts';
import { firstChoosable, isLocked, moveChoice } from '../client/session-model.ts';
import { TID } from '../testids.ts';
import { PinPad } from './PinPad.tsx';
import { pinComplete } from './pin-model.ts';
import { UserPicker } from './UserPicker.tsx';

export function LoginScreen() {
  const { client, t } = usePos();
  const session = useSession();
  const users = session.view?.users ?? [];
  const now = useNow(true, 5000);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // The choice is kept by user id, so a session update (someone locked) does not move it.
  const found = users.findIndex((u) => u.id === selectedId);
  const selected = found !== -1 ? found : firstChoosable(users, now);
  const user = users[selected] ?? null;

  const focusPin = () => formRef.current?.querySelector<HTMLInputElement>('input')?.focus();
  useEffect(() => {
    focusPin();
  }, [selected, busy]);

  const choose = (index: number) => {
    const u = users[index];
    if (!u) return;
    setSelectedId(u.id);
    setError(null);
    setPin('');
    focusPin();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (!user || isLocked(user, Date.now())) {
      setError(t('login.chooseUser'));
      return;
    }
    if (!pinComplete(pin)) {
      setError(t('pin.tooShort'));
      return;
    }
    setBusy(true);
    setError(null);
    session
      .track(() => client.request('session.login', { userId: user.id, pin }))
      .catch((err: unknown) => {
        setError(errorText(err));
        setPin('');
        session.refresh();
      })
      .finally(() => setBusy(false));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      choose(moveChoice(users, selected, e.key === 'ArrowDown' ? 1 : -1, Date.now()));
    }
  };

  return (
    <main className="login">
      <form ref={formRef} className="login-card" data-testid={TID.loginScreen} onSubmit={submit} onKeyDown={onKeyDown}>
        <h1 className="login-title">{t('login.title')}</h1>
        {users.length === 0 ? <p className="muted">{t('login.noUsers')}</p> : <UserPicker users={users} selected={selected} onSelect={choose} now={now} />}
        <PinPad value={pin} onChange={setPin} label={user ? t('login.pinOf', { name: user.name }) : t('pin.label')} disabled={busy} />
        {error !== null ? (
          <p className="field-error" role="alert" data-testid={TID.loginError}>
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary btn-big" disabled={busy || user === null} data-testid={TID.loginSubmit}>
          {t('login.submit')} <kbd>Enter</kbd>
        </button>
        <p className="hint">{t('login.keys')}</p>
      </form>
    </main>
  );
}
