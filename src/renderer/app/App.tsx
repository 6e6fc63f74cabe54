// The page's root: says hello to the core (which answers the terminal's info), picks the
// surface's language, and renders the surface. Until the core answers it shows a "connecting"
// screen; if the hello fails, the core's message and a retry. The cashier and manager surfaces
// get the session (who is logged in, the shift) and the approval dialog; every request of every
// surface goes through the approving client (client/approving-client.ts).
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Language, Surface, TerminalInfo } from '../../shared/api.ts';
import { Comebacks, type ConnectionSource, type ConnectionState } from '../client/connection.ts';
import { ApprovingClient } from '../client/approving-client.ts';
import { errorText, type PosClient } from '../client/pos-client.ts';
import { saveLanguage, savedLanguage, translator, type LanguageStore } from '../i18n/i18n.ts';
import { TID } from '../testids.ts';
import { CashierSurface } from '../cashier/CashierSurface.tsx';
import { ApprovalHost } from '../components/ApprovalDialog.tsx';
import { CustomerScreen } from '../customer/CustomerScreen.tsx';
import { PosContext, type PosContextValue } from './pos-context.tsx';
import { SessionProvider } from './session.tsx';

export interface AppProps {
  readonly client: PosClient;
  readonly surface: Surface;
  readonly connection: ConnectionSource;
  readonly storage: LanguageStore | null;
}

// The manager screen (reports, charts, reconciliation, members…) is its own chunk: the cashier
// and customer pages, which must be ready fast at start-up (ui_ready_1m_ms), never load it.
const ManagerScreen = lazy(() => import('../manager/ManagerScreen.tsx').then((m) => ({ default: m.ManagerScreen })));

const TITLES: Record<Surface, string> = { cashier: 'Kassa', customer: 'Kassa · customer', manager: 'Kassa · manager' };

export function App({ client, surface, connection, storage }: AppProps) {
  const [info, setInfo] = useState<TerminalInfo | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [state, setState] = useState<ConnectionState>(connection.state);
  const [epoch, setEpoch] = useState(0);
  const [chosen, setChosen] = useState<Language | null>(() => savedLanguage(storage, surface));

  const infoRef = useRef(info);
  infoRef.current = info;
  useEffect(() => {
    const comebacks = new Comebacks();
    setState(connection.state);
    return connection.onChange((next) => {
      setState(next);
      // A comeback refetches everything; so does the first open after a hello that failed.
      if (comebacks.next(next) || (next === 'open' && infoRef.current === null)) setEpoch((e) => e + 1);
    });
  }, [connection]);

  const hello = useCallback(() => {
    setFailure(null);
    client.request('terminal.hello', { surface }).then(setInfo, (e: unknown) => setFailure(errorText(e)));
  }, [client, surface]);

  // At start (requests wait in the channel until it is open) and after every comeback.
  useEffect(() => {
    hello();
  }, [epoch, hello]);

  // Touch targets (buttons with tabIndex -1: quick keys, chips, the F-key bar) never take focus
  // from the field being typed in, so Enter after a tap confirms the field, not the tap again.
  useEffect(() => {
    const keepFocus = (e: MouseEvent) => {
      if (e.target instanceof Element && e.target.closest('button[tabindex="-1"]')) e.preventDefault();
    };
    document.addEventListener('mousedown', keepFocus, true);
    return () => document.removeEventListener('mousedown', keepFocus, true);
  }, []);

  useEffect(() => {
    document.title = TITLES[surface];
    document.body.dataset.surface = surface;
  }, [surface]);

  const language: Language = chosen ?? info?.language ?? 'zh-CN';
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback(
    (next: Language) => {
      setChosen(next);
      saveLanguage(storage, surface, next);
    },
    [storage, surface],
  );

  const t = translator(language);
  const tRef = useRef(t);
  tRef.current = t;
  const approvals = useMemo(() => new ApprovingClient(client, { cancelledMessage: () => tRef.current('approval.cancelled') }), [client]);

  const value = useMemo<PosContextValue | null>(
    () => (info ? { client: approvals, approvals, info, surface, connection: state, epoch, language, setLanguage, t: translator(language) } : null),
    [approvals, info, surface, state, epoch, language, setLanguage],
  );

  if (!value) {
    return (
      <div className="boot">
        {failure === null ? (
          <p data-testid={TID.appLoading}>{t('app.connecting')}</p>
        ) : (
          <div data-testid={TID.appStartError} role="alert">
            <p>{t('app.startFailed', { message: failure })}</p>
            <button type="button" className="btn btn-primary" onClick={hello}>
              {t('app.retry')}
            </button>
          </div>
        )}
      </div>
    );
  }
  return (
    <PosContext.Provider value={value}>
      {surface === 'customer' ? (
        <CustomerScreen />
      ) : (
        <SessionProvider>
          {surface === 'cashier' ? (
            <CashierSurface />
          ) : (
            <Suspense fallback={<p className="boot">{t('app.connecting')}</p>}>
              <ManagerScreen />
            </Suspense>
          )}
          <ApprovalHost />
        </SessionProvider>
      )}
    </PosContext.Provider>
  );
}

/** Shown for a path that is no surface. */
export function UnknownPage({ path }: { readonly path: string }) {
  const t = translator('en');
  return (
    <div className="boot">
      <p role="alert">{t('app.unknownPage', { path })}</p>
      <p>
        <a href="/">/</a> · <a href="/customer">/customer</a> · <a href="/manager">/manager</a>
      </p>
    </div>
  );
}
