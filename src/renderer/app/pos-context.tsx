// What every surface component reads: the client, the terminal, the language, and an `epoch`
// that grows each time the channel comes back, so views are fetched again after an outage.
import { createContext, useContext } from 'react';
import type { Language, Surface, TerminalInfo } from '../../shared/api.ts';
import type { PosClient } from '../client/pos-client.ts';
import type { ConnectionState } from '../client/connection.ts';
import type { Translate } from '../i18n/i18n.ts';

export interface PosContextValue {
  readonly client: PosClient;
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
