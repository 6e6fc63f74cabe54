import { describe, expect, it } from 'vitest';
import type { HostMessage, PosChannel, RequestMessage } from '../../../../src/shared/api.ts';
import { ApiError, PosClient, errorText, type Timers } from '../../../../src/renderer/client/pos-client.ts';

/** A channel the test answers by hand. */
function fakeChannel() {
  const posted: RequestMessage[] = [];
  const listeners = new Set<(m: HostMessage) => void>();
  const channel: PosChannel = {
    host: 'browser',
    post: (m) => void posted.push(m),
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const push = (m: unknown) => {
    for (const l of [...listeners]) l(m as HostMessage);
  };
  return { channel, posted, push, listeners };
}

/** Timers the test fires by hand. */
function fakeTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  const timers: Timers = {
    set: (fn) => {
      const id = next++;
      pending.set(id, fn);
      return id;
    },
    clear: (h) => void pending.delete(h as number),
  };
  return { timers, fireAll: () => [...pending.entries()].forEach(([id, fn]) => (pending.delete(id), fn())), count: () => pending.size };
}

const hello = { protocol: 1, terminalId: 'T01', storeId: 'S1', currency: 'CNY', language: 'en', training: true, wallets: [], quickCash: [1000], quickKeys: [], host: 'browser' } as const;

describe('PosClient requests', () => {
  it('posts a request envelope with a fresh id and resolves with the matching reply', async () => {
    const f = fakeChannel();
    const client = new PosClient(f.channel);
    const p = client.request('terminal.hello', { surface: 'cashier' });
    expect(f.posted).toEqual([{ t: 'req', id: 1, name: 'terminal.hello', params: { surface: 'cashier' } }]);
    f.push({ t: 'res', id: 1, ok: true, result: hello });
    await expect(p).resolves.toEqual(hello);
    expect(client.waiting).toBe(0);
  });

  it('matches replies that arrive out of order to their own requests', async () => {
    const f = fakeChannel();
    const client = new PosClient(f.channel);
    const a = client.request('sales.recent', { limit: 1 });
    const b = client.request('devices.list', {});
    const c = client.request('customer.view', {});
    expect(f.posted.map((m) => m.id)).toEqual([1, 2, 3]);
    f.push({ t: 'res', id: 3, ok: true, result: 'third' });
    f.push({ t: 'res', id: 1, ok: true, result: 'first' });
    f.push({ t: 'res', id: 2, ok: true, result: 'second' });
    await expect(Promise.all([a, b, c])).resolves.toEqual(['first', 'second', 'third']);
  });

  it('rejects with an ApiError carrying the core code, message and request name unchanged', async () => {
    const f = fakeChannel();
    const client = new PosClient(f.channel);
    const p = client.request('devices.openDrawer', { reason: 'x' });
    f.push({ t: 'res', id: 1, ok: false, error: { code: 'refused', message: 'no cash drawer is configured on this terminal' } });
    const error = await p.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'refused', message: 'no cash drawer is configured on this terminal', request: 'devices.openDrawer' });
    expect(errorText(error)).toBe('no cash drawer is configured on this terminal');
  });

  it('gives up after the timeout with "unavailable" and ignores the late reply', async () => {
    const f = fakeChannel();
    const t = fakeTimers();
    const client = new PosClient(f.channel, { timers: t.timers, timeoutMs: 2000 });
    const p = client.request('checkout.view', {});
    t.fireAll();
    await expect(p).rejects.toMatchObject({ code: 'unavailable', message: 'no answer from the terminal core to checkout.view within 2 s' });
    f.push({ t: 'res', id: 1, ok: true, result: {} });
    expect(client.stats.unmatched).toBe(1);
  });

  it('clears the timer of an answered request', async () => {
    const f = fakeChannel();
    const t = fakeTimers();
    const client = new PosClient(f.channel, { timers: t.timers });
    const p = client.request('checkout.view', {});
    expect(t.count()).toBe(1);
    f.push({ t: 'res', id: 1, ok: true, result: 1 });
    await p;
    expect(t.count()).toBe(0);
  });

  it('rejects at once when the channel throws on post', async () => {
    const f = fakeChannel();
    const client = new PosClient({ ...f.channel, post: () => { throw new Error('socket gone'); } });
    await expect(client.request('checkout.view', {})).rejects.toMatchObject({ code: 'unavailable', message: 'could not reach the terminal core: socket gone' });
    expect(client.waiting).toBe(0);
  });

  it('close() rejects what is waiting, stops listening and refuses new requests', async () => {
    const f = fakeChannel();
    const client = new PosClient(f.channel);
    const p = client.request('checkout.view', {});
    client.close();
    await expect(p).rejects.toMatchObject({ code: 'unavailable' });
    expect(f.listeners.size).toBe(0);
    await expect(client.request('checkout.view', {})).rejects.toMatchObject({ code: 'unavailable', message: 'the connection to the terminal core is closed' });
  });

  it('refuses a timeout that is not a positive number', () => {
    expect(() => new PosClient(fakeChannel().channel, { timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
  });
});

describe('PosClient events and garbage', () => {
  it('hands each event payload to the listeners of that name only, until they unsubscribe', () => {
    const f = fakeChannel();
    const client = new PosClient(f.channel);
    const seen: string[] = [];
    const off = client.on('notice', (n) => seen.push(`notice:${n.message}`));
    client.on('devices', (d) => seen.push(`devices:${d.length}`));
    f.push({ t: 'evt', name: 'notice', payload: { level: 'warning', message: 'paper near end', at: 'x' } });
    f.push({ t: 'evt', name: 'devices', payload: [] });
    f.push({ t: 'evt', name: 'something-new', payload: 1 });
    off();
    f.push({ t: 'evt', name: 'notice', payload: { level: 'info', message: 'later', at: 'x' } });
    expect(seen).toEqual(['notice:paper near end', 'devices:0']);
  });

  it('keeps calling the other listeners when one throws, and counts it', () => {
    const f = fakeChannel();
    const reported: string[] = [];
    const client = new PosClient(f.channel, { report: (what) => reported.push(what) });
    const got: number[] = [];
    client.on('devices', () => {
      throw new Error('boom');
    });
    client.on('devices', (d) => got.push(d.length));
    f.push({ t: 'evt', name: 'devices', payload: [] });
    expect(got).toEqual([0]);
    expect(client.stats.listenerErrors).toBe(1);
    expect(reported[0]).toContain('"devices" event listener failed');
  });

  it('counts and drops messages that are not a reply or an event, without throwing', async () => {
    const f = fakeChannel();
    const client = new PosClient(f.channel);
    const p = client.request('checkout.view', {});
    for (const junk of [null, 42, 'res', {}, { t: 'res', id: 'one', ok: true }, { t: 'res', id: 1, ok: false, error: { code: 'nope', message: 'x' } }, { t: 'evt' }, { t: 'req', id: 1, name: 'x', params: {} }]) {
      expect(() => f.push(junk)).not.toThrow();
    }
    expect(client.stats.malformed).toBe(8);
    expect(client.waiting).toBe(1);
    f.push({ t: 'res', id: 1, ok: true, result: 'still fine' });
    await expect(p).resolves.toBe('still fine');
  });
});

describe('PosClient approval refusals', () => {
  it('carries the permission the core named with approval-required', async () => {
    const listeners = new Set<(m: HostMessage) => void>();
    const channel: PosChannel = { host: 'browser', post: () => undefined, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) };
    const client = new PosClient(channel);
    const p = client.request('devices.openDrawer', { reason: 'x' });
    for (const l of listeners) l({ t: 'res', id: 1, ok: false, error: { code: 'approval-required', message: 'a supervisor must approve', permission: 'drawer.no-sale' } });
    await expect(p).rejects.toMatchObject({ code: 'approval-required', permission: 'drawer.no-sale' });
  });
});
