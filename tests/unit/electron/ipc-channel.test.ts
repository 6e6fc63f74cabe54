import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { HostMessage } from '../../../src/shared/api.ts';
import { createIpcChannel, IPC_MESSAGE, IPC_POST } from '../../../electron/ipc-channel.ts';

/** ipcRenderer as the preload sees it: `send` records, `emit` plays main sending a message. */
function fakeIpc() {
  const sent: [string, unknown][] = [];
  const emitter = new EventEmitter();
  return {
    sent,
    emitter,
    send: (channel: string, message: unknown) => sent.push([channel, message]),
    on: (channel: string, l: (event: unknown, message: unknown) => void) => emitter.on(channel, l),
    removeListener: (channel: string, l: (event: unknown, message: unknown) => void) => emitter.removeListener(channel, l),
    fromMain: (message: unknown) => emitter.emit(IPC_MESSAGE, { sender: 'the ipcRenderer itself', ports: [] }, message),
  };
}

describe('window.pos over ipcRenderer', () => {
  it('posts requests on the pos channel', () => {
    const ipc = fakeIpc();
    const pos = createIpcChannel(ipc);
    expect(pos.host).toBe('electron');
    pos.post({ t: 'req', id: 1, name: 'checkout.view', params: {} });
    expect(ipc.sent).toEqual([[IPC_POST, { t: 'req', id: 1, name: 'checkout.view', params: {} }]]);
  });

  it('hands subscribers the message only, never the IPC event (which holds ipcRenderer)', () => {
    const ipc = fakeIpc();
    const pos = createIpcChannel(ipc);
    const got: unknown[][] = [];
    pos.subscribe((...args) => got.push(args));
    ipc.fromMain({ t: 'evt', name: 'devices', payload: [] });
    expect(got).toEqual([[{ t: 'evt', name: 'devices', payload: [] }]]);
  });

  it('unsubscribes, and drops its IPC listener when nobody listens', () => {
    const ipc = fakeIpc();
    const pos = createIpcChannel(ipc);
    const a: HostMessage[] = [];
    const b: HostMessage[] = [];
    const offA = pos.subscribe((m) => a.push(m));
    const offB = pos.subscribe((m) => b.push(m));
    expect(ipc.emitter.listenerCount(IPC_MESSAGE)).toBe(1);
    offA();
    ipc.fromMain({ t: 'evt', name: 'notice', payload: {} });
    expect(a).toHaveLength(0);
    expect(b).toHaveLength(1);
    offB();
    expect(ipc.emitter.listenerCount(IPC_MESSAGE)).toBe(0);
    pos.subscribe(() => undefined);
    expect(ipc.emitter.listenerCount(IPC_MESSAGE)).toBe(1);
  });

  it('keeps delivering to the others when one subscriber throws', () => {
    const ipc = fakeIpc();
    const errors: unknown[] = [];
    const pos = createIpcChannel(ipc, (err) => errors.push(err));
    const got: HostMessage[] = [];
    pos.subscribe(() => {
      throw new Error('page bug');
    });
    pos.subscribe((m) => got.push(m));
    ipc.fromMain({ t: 'evt', name: 'checkout', payload: {} });
    expect(got).toHaveLength(1);
    expect(errors).toMatchObject([{ message: 'page bug' }]);
  });

  it('is frozen: the page cannot replace post or subscribe', () => {
    const pos = createIpcChannel(fakeIpc());
    expect(Object.isFrozen(pos)).toBe(true);
    expect(() => {
      (pos as { post: unknown }).post = () => undefined;
    }).toThrow(TypeError);
    expect(Object.keys(pos).sort()).toEqual(['host', 'post', 'subscribe']);
  });

  it('refuses a subscriber that is not a function', () => {
    const pos = createIpcChannel(fakeIpc());
    expect(() => pos.subscribe('nope' as unknown as () => void)).toThrow(/needs a function/);
  });
});
