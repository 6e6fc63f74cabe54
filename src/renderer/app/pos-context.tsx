// What every surface component reads: the client, the terminal, the language, and an `epoch`
// that grows each time the channel comes back, so views are fetched again after an outage.
// `client` asks for an approval in place when the core wants one (client/approving-client.ts):
// every surface's requests go through it; `approvals` is the same object, for the dialog.
import { createContext, useContext } from 'react';
import type { Language, Surface, TerminalInfo } from '../../shared/api.ts';
import type { ApprovingClient, PosRequester } from '../client/approving-client.ts';
import type { ConnectionState } from '../client/connection.ts';
import type { Translate } from '../i18n/i18n.ts';

export interface PosContextValue {
  readonly client: PosRequester;
  readonly approvals: ApprovingClient;
  readonly info: TerminalInfo;
  readonly surface: Surface;
  readonly connection: ConnectionState;
  readonly epoch: number;
  readonly language: Language;
  readonly setLanguage: (language: Language) => void;
  readonly t: Translate;
}

export const PosContext = createContext<PosContextValue | null>(null);

export function usePos(): PosContextValue {
  const value = useContext(PosContext);
  if (!value) throw new Error('usePos() outside <PosContext.Provider>: render surfaces through <App>');
  return value;
}
