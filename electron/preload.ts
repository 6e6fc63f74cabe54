// Preload: the page's only door to the core. It exposes one frozen PosChannel as `window.pos`
// (post + subscribe, see src/shared/api.ts) and never the raw ipcRenderer; main checks who sent
// each message and which requests that window may make. The cashier and the customer windows
// get the same channel; main refuses the customer window anything but reading.
import { contextBridge, ipcRenderer } from 'electron';
import type { PosChannel } from '../src/shared/api.ts';
import { createIpcChannel } from './ipc-channel.ts';

const pos: PosChannel = createIpcChannel({
  send: (channel, message) => ipcRenderer.send(channel, message),
  on: (channel, listener) => ipcRenderer.on(channel, listener),
  removeListener: (channel, listener) => ipcRenderer.removeListener(channel, listener),
});

contextBridge.exposeInMainWorld('pos', pos);
