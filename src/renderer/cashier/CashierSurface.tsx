// The cashier surface: the log-in screen while users exist and nobody is logged in, else the
// cashier screen. The log-in screen keeps the cashier root (data-phase="login"), so tests and
// the top bar find the surface either way; the cashier screen's keys and scanner are not
// mounted under it, so nothing sells while nobody is logged in. Until the core has said who is
// logged in (or that it cannot: an older core), neither is drawn, so a locked till never
// flashes the sale screen.
import { usePos } from '../app/pos-context.tsx';
import { useSession } from '../app/session.tsx';
import { loginNeeded } from '../client/session-model.ts';
import { ConnectionBanner } from '../components/ConnectionBanner.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { LoginScreen } from '../components/LoginScreen.tsx';
import { TrainingBadge } from '../components/TrainingBadge.tsx';
import { TID } from '../testids.ts';
import { CashierScreen } from './CashierScreen.tsx';

export function CashierSurface() {
  const { info, t, connection } = usePos();
  const session = useSession();
  if (session.view === null && session.error === null) {
    return (
      <div className="cashier" data-testid={TID.cashierScreen} data-connection={connection}>
        <div className="boot">
          <p data-testid={TID.appLoading}>{t('app.connecting')}</p>
        </div>
      </div>
    );
  }
  if (!loginNeeded(session.view)) return <CashierScreen />;
  return (
    <div className="cashier" data-testid={TID.cashierScreen} data-phase="login" data-connection={connection}>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <span className="terminal">{t('app.terminal', { id: info.terminalId })}</span>
        <TrainingBadge />
        <span className="spacer" />
        <LanguageSwitch />
      </header>
      <ConnectionBanner />
      <LoginScreen />
    </div>
  );
}
