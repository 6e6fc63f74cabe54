// Picks the page's channel to the core: Electron's preload puts a PosChannel on `window.pos`;
// anywhere else (kassa serve, a tablet's browser) the page opens the WebSocket of the server
// that served it. The surfaces never know which.
import type { PosChannel } from '../../shared/api.ts';
import { ALWAYS_OPEN, type ConnectionSource, type ConnectionState } from '../client/connection.ts';
import { apiUrlFor, connectWsChannel } from '../client/ws-channel.ts';

export interface Boot {
  readonly channel: PosChannel;
  readonly connection: ConnectionSource;
}

/** What a preload must have put on window.pos to be used as the channel. */
export function isPosChannel(value: unknown): value is PosChannel {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof PosChannel, unknown>>;
  return (v.host === 'electron' || v.host === 'browser') && typeof v.post === 'function' && typeof v.subscribe === 'function';
}

/** What boot reads of the page's window. */
export interface BootWindow {
  readonly pos?: unknown;
  readonly location: { readonly protocol: string; readonly host: string };
}

export function openChannel(win: BootWindow): Boot {
  if (isPosChannel(win.pos)) return { channel: win.pos, connection: ALWAYS_OPEN };
  const ws = connectWsChannel(apiUrlFor(win.location));
  const connection: ConnectionSource = {
    get state(): ConnectionState {
      return ws.state;
    },
    onChange: (listener) => ws.onState(listener),
  };
  return { channel: ws, connection };
}
