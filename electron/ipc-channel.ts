// The PosChannel the preload hands the page as `window.pos`: post a request, subscribe to
// replies and events. Built from three ipcRenderer functions passed in, so it is tested without
// Electron and the page never holds ipcRenderer itself.
//
// Decisions a caller must know:
// - One ipcRenderer listener serves every page subscriber; a subscriber gets only the message,
//   never Electron's event object (which would hand the page `sender`, i.e. ipcRenderer).
// - A subscriber that throws does not stop the others; the error is reported asynchronously.
// - The channel object and its functions are frozen, so page code cannot swap `post` for
//   something that talks to other channels.
import type { HostMessage, PosChannel, RequestMessage } from '../src/shared/api.ts';

/** Renderer → main: one api.ts request. */
export const IPC_POST = 'pos:post';
/** Main → renderer: one api.ts reply or event. */
export const IPC_MESSAGE = 'pos:message';

export interface IpcRendererLike {
  send(channel: string, message: unknown): void;
  on(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
}

export function createIpcChannel(ipc: IpcRendererLike, report: (err: unknown) => void = (err) => queueMicrotask(() => { throw err; })): PosChannel {
  const listeners = new Set<(message: HostMessage) => void>();
  const onMessage = (_event: unknown, message: unknown): void => {
    for (const listener of [...listeners]) {
      try {
        listener(message as HostMessage);
      } catch (err) {
        report(err);
      }
    }
  };
  let listening = false;
  const channel: PosChannel = {
    host: 'electron',
    post(message: RequestMessage): void {
      ipc.send(IPC_POST, message);
    },
    subscribe(listener: (message: HostMessage) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('pos.subscribe needs a function');
      const wrapped = (message: HostMessage): void => listener(message);
      listeners.add(wrapped);
      if (!listening) {
        ipc.on(IPC_MESSAGE, onMessage);
        listening = true;
      }
      return Object.freeze(() => {
        listeners.delete(wrapped);
        if (listeners.size === 0 && listening) {
          ipc.removeListener(IPC_MESSAGE, onMessage);
          listening = false;
        }
      });
    },
  };
  Object.freeze(channel.post);
  Object.freeze(channel.subscribe);
  return Object.freeze(channel);
}
