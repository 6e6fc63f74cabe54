import { describe, expect, it } from 'vitest';
import type { HostMessage, RequestMessage } from '../../../src/shared/api.ts';
import { PosRelay, type WindowRole } from '../../../electron/ipc-relay.ts';

function setup(limits?: ConstructorParameters<typeof PosRelay>[0]['limits']) {
  const toCore: RequestMessage[] = [];
  const problems: string[] = [];
  const relay = new PosRelay({ toCore: (m) => toCore.push(m), onProblem: (p) => problems.push(p), ...(limits ? { limits } : {}) });
  const inbox = new Map<number, HostMessage[]>();
  const open = (id: number, role: WindowRole) => {
    inbox.set(id, []);
    relay.attach({ id, role, send: (m) => inbox.get(id)!.push(m) });
  };
  const req = (id: number, name = 'checkout.view', params: unknown = {}) => ({ t: 'req', id, name, params });
  /** The core answers the request it got as number `n` (0-based) with `result`. */
  const answer = (n: number, result: unknown) => relay.fromCore({ t: 'res', id: toCore[n]!.id, ok: true, result });
  return { relay, toCore, problems, inbox, open, req, answer };
}

describe('routing replies to the window that asked', () => {
  it('keeps two windows that use the same request id apart', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.open(2, 'customer');
    s.relay.fromWindow(1, s.req(7, 'checkout.view'));
    s.relay.fromWindow(2, s.req(7, 'customer.view'));
    expect(s.toCore.map((m) => m.name)).toEqual(['checkout.view', 'customer.view']);
    expect(new Set(s.toCore.map((m) => m.id)).size).toBe(2);
    // Answered in the opposite order.
    s.answer(1, 'customer view');
    s.answer(0, 'checkout view');
    expect(s.inbox.get(1)).toEqual([{ t: 'res', id: 7, ok: true, result: 'checkout view' }]);
    expect(s.inbox.get(2)).toEqual([{ t: 'res', id: 7, ok: true, result: 'customer view' }]);
  });

  it('passes params through untouched and sends events to every window', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.open(2, 'customer');
    s.relay.fromWindow(1, s.req(1, 'checkout.send', { command: { type: 'SCAN', data: '4006381333931' } }));
    expect(s.toCore[0]).toMatchObject({ t: 'req', name: 'checkout.send', params: { command: { type: 'SCAN', data: '4006381333931' } } });
    s.relay.fromCore({ t: 'evt', name: 'customer', payload: { phase: 'cart' } });
    expect(s.inbox.get(1)).toEqual([{ t: 'evt', name: 'customer', payload: { phase: 'cart' } }]);
    expect(s.inbox.get(2)).toEqual([{ t: 'evt', name: 'customer', payload: { phase: 'cart' } }]);
  });

  it('drops replies for a window that closed, and for the old page of a window that reloaded', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.open(2, 'cashier');
    s.relay.fromWindow(1, s.req(1));
    s.relay.fromWindow(2, s.req(1));
    s.relay.detach(1);
    s.relay.forgetPending(2); // window 2 reloaded: its new page starts its ids at 1 again
    s.relay.fromWindow(2, s.req(1, 'terminal.hello', { surface: 'cashier' }));
    s.answer(0, 'for the closed window');
    s.answer(1, 'for the old page');
    s.answer(2, 'hello');
    expect(s.inbox.get(1)).toEqual([]);
    expect(s.inbox.get(2)).toEqual([{ t: 'res', id: 1, ok: true, result: 'hello' }]);
    expect(s.relay.counters.strayReplies).toBe(2);
  });

  it('forgets a window whose send throws (destroyed) instead of crashing', () => {
    const s = setup();
    s.relay.coreReady();
    s.relay.attach({ id: 9, role: 'cashier', send: () => { throw new Error('Object has been destroyed'); } });
    s.relay.fromCore({ t: 'evt', name: 'devices', payload: [] });
    s.relay.fromWindow(9, s.req(1));
    expect(s.toCore).toEqual([]);
    expect(s.problems.join('\n')).toMatch(/destroyed/);
  });
});

describe('bad messages from a window', () => {
  it('answers a malformed request that has an id with bad-request, and sends nothing to the core', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.relay.fromWindow(1, { t: 'req', id: 3, name: '', params: {} });
    s.relay.fromWindow(1, { t: 'req', id: 4, params: {} });
    expect(s.toCore).toEqual([]);
    const replies = s.inbox.get(1)!;
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatchObject({ t: 'res', id: 3, ok: false, error: { code: 'bad-request' } });
    expect(replies[1]).toMatchObject({ t: 'res', id: 4, ok: false, error: { code: 'bad-request', message: expect.stringMatching(/name/) } });
  });

  it('counts and drops garbage without an id', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    for (const junk of [null, 42, 'req', [], { t: 'req' }, { t: 'req', id: 1.5, name: 'x' }, { id: -1, t: 'req', name: 'x', params: 1 }]) s.relay.fromWindow(1, junk);
    expect(s.toCore).toEqual([]);
    expect(s.inbox.get(1)).toEqual([]);
    expect(s.relay.counters.refused).toBe(7);
  });

  it('refuses messages from a window it does not know', () => {
    const s = setup();
    s.relay.coreReady();
    s.relay.fromWindow(99, s.req(1));
    expect(s.toCore).toEqual([]);
    expect(s.problems[0]).toMatch(/window 99/);
  });

  it('refuses oversized params and params that are not JSON', () => {
    const s = setup({ maxParamsChars: 100 });
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.relay.fromWindow(1, s.req(1, 'catalog.search', { query: 'x'.repeat(200) }));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    s.relay.fromWindow(1, s.req(2, 'catalog.search', cyclic));
    expect(s.toCore).toEqual([]);
    expect(s.inbox.get(1)).toMatchObject([
      { id: 1, ok: false, error: { code: 'bad-request', message: expect.stringMatching(/limit 100/) } },
      { id: 2, ok: false, error: { code: 'bad-request', message: expect.stringMatching(/not plain JSON/) } },
    ]);
  });
});

describe('the customer display only reads', () => {
  it('may say hello and read its view and the checkout view', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(2, 'customer');
    s.relay.fromWindow(2, s.req(1, 'terminal.hello', { surface: 'customer' }));
    s.relay.fromWindow(2, s.req(2, 'customer.view'));
    s.relay.fromWindow(2, s.req(3, 'checkout.view'));
    expect(s.toCore.map((m) => m.name)).toEqual(['terminal.hello', 'customer.view', 'checkout.view']);
  });

  it('may not sell, open the drawer or print', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(2, 'customer');
    s.relay.fromWindow(2, s.req(1, 'checkout.send', { command: { type: 'TENDER_CASH', received: 100 } }));
    s.relay.fromWindow(2, s.req(2, 'devices.openDrawer', { reason: 'x' }));
    s.relay.fromWindow(2, s.req(3, 'sales.reprint', { saleId: 's' }));
    expect(s.toCore).toEqual([]);
    expect(s.inbox.get(2)).toMatchObject([1, 2, 3].map((id) => ({ id, ok: false, error: { code: 'refused' } })));
  });

  it('the cashier window may', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.relay.fromWindow(1, s.req(1, 'devices.openDrawer', { reason: 'change for the float' }));
    expect(s.toCore).toHaveLength(1);
  });
});

describe('while the core starts, and when it is down', () => {
  it('holds requests until the core is ready, then sends them in order', () => {
    const s = setup();
    s.open(1, 'cashier');
    s.relay.fromWindow(1, s.req(1, 'terminal.hello', { surface: 'cashier' }));
    s.relay.fromWindow(1, s.req(2, 'checkout.view'));
    expect(s.toCore).toEqual([]);
    s.relay.coreReady();
    expect(s.toCore.map((m) => m.name)).toEqual(['terminal.hello', 'checkout.view']);
  });

  it('answers everything waiting with unavailable and the reason when the core goes down', () => {
    const s = setup();
    s.open(1, 'cashier');
    s.relay.fromWindow(1, s.req(1));
    s.relay.coreReady();
    s.relay.fromWindow(1, s.req(2));
    s.relay.coreDown('kassa.config.json: currency: expected a supported ISO 4217 code');
    expect(s.inbox.get(1)).toMatchObject([
      { id: 1, ok: false, error: { code: 'unavailable', message: expect.stringMatching(/currency/) } },
      { id: 2, ok: false, error: { code: 'unavailable' } },
    ]);
    s.relay.fromWindow(1, s.req(3));
    expect(s.inbox.get(1)![2]).toMatchObject({ id: 3, ok: false, error: { code: 'unavailable', message: expect.stringMatching(/currency/) } });
    expect(s.relay.waiting).toBe(0);
  });

  it('bounds what one window may have waiting, and what is held while starting', () => {
    const s = setup({ maxPendingPerWindow: 2, maxQueued: 3 });
    s.open(1, 'cashier');
    s.open(2, 'cashier');
    for (let id = 1; id <= 3; id++) s.relay.fromWindow(1, s.req(id));
    expect(s.inbox.get(1)).toMatchObject([{ id: 3, ok: false, error: { code: 'unavailable' } }]);
    s.relay.fromWindow(2, s.req(1));
    s.relay.fromWindow(2, s.req(2));
    expect(s.inbox.get(2)).toMatchObject([{ id: 2, ok: false, error: { code: 'unavailable', message: expect.stringMatching(/starting/) } }]);
    s.relay.coreReady();
    expect(s.toCore).toHaveLength(3);
    s.answer(0, 'ok');
    s.relay.fromWindow(1, s.req(4));
    expect(s.toCore).toHaveLength(4);
  });

  it('answers unavailable when posting to the core throws', () => {
    const problems: string[] = [];
    const relay = new PosRelay({ toCore: () => { throw new Error('the core process is not running'); }, onProblem: (p) => problems.push(p) });
    const inbox: HostMessage[] = [];
    relay.attach({ id: 1, role: 'cashier', send: (m) => inbox.push(m) });
    relay.coreReady();
    relay.fromWindow(1, { t: 'req', id: 5, name: 'checkout.view', params: {} });
    expect(inbox).toMatchObject([{ id: 5, ok: false, error: { code: 'unavailable', message: expect.stringMatching(/not running/) } }]);
    expect(relay.waiting).toBe(0);
  });
});

describe('messages from the core', () => {
  it('counts garbage and replies nobody asked for, and delivers nothing for them', () => {
    const s = setup();
    s.relay.coreReady();
    s.open(1, 'cashier');
    s.relay.fromCore({ hello: 1 });
    s.relay.fromCore({ t: 'res', id: 12345, ok: true, result: null });
    s.relay.fromCore({ t: 'evt', payload: 1 });
    expect(s.inbox.get(1)).toEqual([]);
    expect(s.relay.counters).toMatchObject({ garbageFromCore: 2, strayReplies: 1 });
  });
});
