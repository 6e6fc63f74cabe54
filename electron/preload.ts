// Preload: the renderer's only door to the core. It exposes one frozen object and never the
// raw ipcRenderer; the typed PosApi methods are added with the terminal app.
import { contextBridge, ipcRenderer } from 'electron';

const pos = Object.freeze({
  host: 'electron' as const,
  /** Sends one named request to the core and resolves with its reply. */
  request: (name: string, params: unknown): Promise<unknown> => ipcRenderer.invoke('pos:request', name, params),
});

contextBridge.exposeInMainWorld('pos', pos);
