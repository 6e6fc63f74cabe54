// Who is logged in (name, role) for the top bar of the cashier and manager surfaces, and the
// Log out button. The core refuses a log-out while a sale is open; its message goes to
// `onError`, shown where the surface shows refusals. In setup mode (no users) there is nobody to
// log out: the badge says so instead.
import { useState } from 'react';
import { usePos } from '../app/pos-context.tsx';
import { useSession } from '../app/session.tsx';
import { errorText } from '../client/pos-client.ts';
import { operatorText } from '../client/session-model.ts';
import { TID } from '../testids.ts';

export function OperatorBadge({ onError }: { readonly onError: (message: string) => void }) {
  const { client, t, language } = usePos();
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const operator = session.view?.operator ?? null;
  if (operator === null) return null;

  const logout = () => {
    setBusy(true);
    session
      .track(() => client.request('session.logout', {}))
      .catch((e: unknown) => onError(errorText(e)))
      .finally(() => setBusy(false));
  };

  return (
    <span className="operator" data-testid={TID.operator} data-user={operator.userId ?? ''} data-role={operator.role}>
      <span className="operator-name">{operatorText(operator, language)}</span>
      {operator.userId === null ? (
        <span className="tag" title={t('setup.banner')}>
          {t('operator.setup')}
        </span>
      ) : (
        <button type="button" className="btn btn-small btn-on-dark" tabIndex={-1} disabled={busy} data-testid={TID.logout} onClick={logout}>
          {t('operator.logout')}
        </button>
      )}
    </span>
  );
}
