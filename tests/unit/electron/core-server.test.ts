import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutView, EventMessage, ReplyMessage, TerminalInfo } from '../../../src/shared/api.ts';
import type { CoreToMain } from '../../../electron/core-protocol.ts';
import { serveCore, type CoreHostLike, type OpenedCore, type PortLike } from '../../../electron/core-server.ts';
import { openCore } from '../../../electron/open-core.ts';
import { until } from '../../support/until.ts';

/** Electron's parentPort as the core process sees it: main's messages in, the core's out. */
class FakePort implements PortLike {
  readonly out: CoreToMain[] = [];
  readonly #events = new EventEmitter();
  on(event: 'message', listener: (event: { data: unknown }) => void): this {
    this.#events.on(event, listener);
    return this;
  }
  postMessage(message: CoreToMain): void {
    this.out.push(message);
  }
  fromMain(data: unknown): void {
    this.#events.emit('message', { data });
  }
  replies(): ReplyMessage[] {
    return this.out.filter((m): m is ReplyMessage => m.t === 'res');
  }
}

const READY = { terminalId: 'T01', training: false, dataDir: '/d', customerDisplay: null };

/** A host that answers every request with its name, and lets the test push events. */
function echoHost(): CoreHostLike & { push(e: EventMessage): void; closed: boolean } {
  const listeners = new Set<(e: EventMessage) => void>();
  return {
    closed: false,
    async handle(message) {
      const m = message as { id: number; name: string };
      if (m.name === 'explode') throw new Error('boom');
      return { t: 'res', id: m.id, ok: true, result: m.name };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push(e) {
      for (const l of listeners) l(e);
    },
  };
}

function opened(host: ReturnType<typeof echoHost>, onClose: () => Promise<void> = async () => undefined): OpenedCore {
  return {
    host,
    ready: READY,
    async close() {
      host.closed = true;
      await onClose();
    },
  };
}

describe('the core process protocol', () => {
  it('says ready, answers requests and pushes events, then stops cleanly', async () => {
    const port = new FakePort();
    const host = echoHost();
    const exits: number[] = [];
    const running = serveCore(port, async (progress) => {
      progress('opening');
      return opened(host);
    }, (code) => exits.push(code));
    await until(() => port.out.some((m) => m.t === 'ready'), 'ready');
    expect(port.out.slice(0, 2)).toEqual([{ t: 'progress', message: 'opening' }, { t: 'ready', ...READY }]);
    port.fromMain({ t: 'req', id: 3, name: 'checkout.view', params: {} });
    await until(() => port.replies().length === 1, 'the reply');
    expect(port.replies()[0]).toEqual({ t: 'res', id: 3, ok: true, result: 'checkout.view' });
    host.push({ t: 'evt', name: 'devices', payload: [] });
    expect(port.out.at(-1)).toEqual({ t: 'evt', name: 'devices', payload: [] });
    port.fromMain({ t: 'stop' });
    await running;
    expect(host.closed).toBe(true);
    expect(port.out.at(-1)).toEqual({ t: 'stopped' });
    expect(exits).toEqual([0]);
    host.push({ t: 'evt', name: 'devices', payload: [] });
    expect(port.out.at(-1)).toEqual({ t: 'stopped' }); // no events after stop
  });

  it('answers requests that come before the terminal is open with unavailable', async () => {
    const port = new FakePort();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = serveCore(port, async () => {
      await gate;
      return opened(echoHost());
    }, () => undefined);
    port.fromMain({ t: 'req', id: 1, name: 'checkout.view', params: {} });
    expect(port.replies()).toEqual([{ t: 'res', id: 1, ok: false, error: { code: 'unavailable', message: 'the terminal is still opening' } }]);
    release();
    await until(() => port.out.some((m) => m.t === 'ready'), 'ready');
    port.fromMain({ t: 'stop' });
    await running;
  });

  it('reports a failure to open with its own message and exits 1', async () => {
    const port = new FakePort();
    const exits: number[] = [];
    await serveCore(port, async () => {
      throw new Error('kassa.config.json: terminalId: expected 1–16 letters, digits or "-"');
    }, (code) => exits.push(code));
    expect(port.out).toEqual([{ t: 'failed', message: 'kassa.config.json: terminalId: expected 1–16 letters, digits or "-"' }]);
    expect(exits).toEqual([1]);
  });

  it('a stop while opening waits for the terminal, then closes it', async () => {
    const port = new FakePort();
    const host = echoHost();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const exits: number[] = [];
    const running = serveCore(port, async () => {
      await gate;
      return opened(host);
    }, (code) => exits.push(code));
    port.fromMain({ t: 'stop' });
    release();
    await running;
    expect(host.closed).toBe(true);
    expect(exits).toEqual([0]);
  });

  it('answers internal when the host breaks its promise never to throw, and ignores junk', async () => {
    const port = new FakePort();
    const running = serveCore(port, async () => opened(echoHost()), () => undefined);
    await until(() => port.out.some((m) => m.t === 'ready'), 'ready');
    for (const junk of [null, 7, 'stop', { t: 'nope' }]) port.fromMain(junk);
    port.fromMain({ t: 'req', id: 9, name: 'explode', params: {} });
    await until(() => port.replies().length === 1, 'the reply');
    expect(port.replies()[0]).toMatchObject({ id: 9, ok: false, error: { code: 'internal', message: expect.stringMatching(/boom/) } });
    port.fromMain({ t: 'stop' });
    await running;
  });

  it('reports a failure while closing and exits 1', async () => {
    const port = new FakePort();
    const exits: number[] = [];
    const running = serveCore(port, async () => opened(echoHost(), async () => { throw new Error('database is locked'); }), (code) => exits.push(code));
    await until(() => port.out.some((m) => m.t === 'ready'), 'ready');
    port.fromMain({ t: 'stop' });
    await running;
    expect(port.out.at(-1)).toEqual({ t: 'failed', message: 'closing the terminal failed: database is locked' });
    expect(exits).toEqual([1]);
  });
});

describe('the real core behind the protocol', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('opens a training terminal, answers hello and sells an item through the PosHost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-core-'));
    dirs.push(dir);
    const port = new FakePort();
    const exits: number[] = [];
    const running = serveCore(
      port,
      openCore({ dataDir: join(dir, 'training'), mode: 'training' }, { simulateDevices: false, demoProducts: 30, log: 'silent', sandbox: { ledger: ':memory:', onInternalError: () => undefined } }),
      (code) => exits.push(code),
    );
    await until(() => port.out.some((m) => m.t === 'ready' || m.t === 'failed'), 'the training terminal to open', 20_000);
    const ready = port.out.find((m) => m.t === 'ready');
    expect(ready, JSON.stringify(port.out.find((m) => m.t === 'failed'))).toMatchObject({ t: 'ready', training: true, dataDir: join(dir, 'training'), customerDisplay: null });
    expect(port.out.filter((m) => m.t === 'progress').map((m) => (m as { message: string }).message).join('\n')).toMatch(/training catalog/);

    port.fromMain({ t: 'req', id: 1, name: 'terminal.hello', params: { surface: 'cashier' } });
    await until(() => port.replies().length === 1, 'hello');
    const hello = port.replies()[0]!;
    expect(hello.ok).toBe(true);
    const info = (hello as { result: TerminalInfo }).result;
    expect(info).toMatchObject({ host: 'electron', training: true });
    const sku = info.quickKeys[0]?.sku;
    expect(sku).toBeDefined();

    port.fromMain({ t: 'req', id: 2, name: 'checkout.send', params: { command: { type: 'ADD', sku } } });
    await until(() => port.replies().length === 2, 'the ADD reply');
    await until(() => port.out.some((m) => m.t === 'evt' && m.name === 'checkout' && (m.payload as CheckoutView).lines.length === 1), 'a checkout event with the line');

    port.fromMain({ t: 'req', id: 3, name: 'checkout.send', params: { command: { type: 'ADD' } } });
    await until(() => port.replies().length === 3, 'the bad ADD reply');
    expect(port.replies()[2]).toMatchObject({ id: 3, ok: false, error: { code: 'bad-request', message: expect.stringMatching(/sku/) } });

    port.fromMain({ t: 'stop' });
    await running;
    expect(exits).toEqual([0]);
    expect(port.out.at(-1)).toEqual({ t: 'stopped' });
  }, 30_000);

  it('a configured terminal with a broken config fails with the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-core-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ currency: 'XXX' }));
    const port = new FakePort();
    const exits: number[] = [];
    await serveCore(port, openCore({ dataDir: dir, mode: 'configured' }, { log: 'silent' }), (code) => exits.push(code));
    expect(port.out).toHaveLength(1);
    expect(port.out[0]).toMatchObject({ t: 'failed', message: expect.stringMatching(/currency/) });
    expect(exits).toEqual([1]);
  });
});
