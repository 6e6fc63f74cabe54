// Who is at the terminal and which shift is open (SessionView), for the cashier and manager
// surfaces: pushed by the core as the 'session' event, fetched with 'session.view' at start,
// after every comeback, and whenever a request said 'login-required'. Log-in, log-out and shift
// requests answer a SessionView too: `track` applies such a reply under the LiveView rule (an
// event that came meanwhile wins).
//
// Decisions a caller must know:
// - `view` is null until the first answer, and stays null against a core that has no
//   session.view (older core): the surfaces then work as before issue 7 (no log-in screen).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { SessionView } from '../../shared/api.ts';
import { LiveView } from '../client/live-view.ts';
import { errorText } from '../client/pos-client.ts';
import { usePos } from './pos-context.tsx';

export interface SessionState {
  readonly view: SessionView | null;
  /** Why the last session.view failed (null when it answered). */
  readonly error: string | null;
  /** Runs a request that answers a SessionView and applies its reply; resolves with it. */
  track(run: () => Promise<SessionView>): Promise<SessionView>;
  /** Fetches session.view again. */
  refresh(): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const { client, approvals, epoch } = usePos();
  const [view, setView] = useState<SessionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  const live = useMemo(() => new LiveView<SessionView>(setView), []);

  useEffect(() => client.on('session', (v) => live.event(v)), [client, live]);
  useEffect(() => approvals.onLoginRequired(() => setAsked((n) => n + 1)), [approvals]);
  useEffect(() => {
    let stale = false;
    const token = live.begin();
    client.request('session.view', {}).then(
      (v) => {
        if (stale) return;
        setError(null);
        live.reply(token, v);
      },
      (e: unknown) => {
        if (!stale) setError(errorText(e));
      },
    );
    return () => {
      stale = true;
    };
  }, [client, live, epoch, asked]);

  const track = useCallback(
    async (run: () => Promise<SessionView>) => {
      const token = live.begin();
      const v = await run();
      live.reply(token, v);
      return v;
    },
    [live],
  );
  const refresh = useCallback(() => setAsked((n) => n + 1), []);
  const value = useMemo<SessionState>(() => ({ view, error, track, refresh }), [view, error, track, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession() outside <SessionProvider>: the cashier and manager surfaces are wrapped in App');
  return value;
}
