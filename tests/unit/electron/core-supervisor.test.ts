import { describe, expect, it } from 'vitest';
import type { HostMessage, RequestMessage } from '../../../src/shared/api.ts';
import type { MainToCore } from '../../../electron/core-protocol.ts';
import { CoreSupervisor, mayRestart, type CoreChild } from '../../../electron/core-supervisor.ts';
import { PosRelay } from '../../../electron/ipc-relay.ts';
import { until } from '../../support/until.ts';

/** A stand-in for the utilityProcess: records what main posts, lets the test play the core. */
class FakeCore implements CoreChild {
  readonly posted: MainToCore[] = [];
  killed = false;
  #message: ((m: unknown) => void)[] = [];
  #exit: ((code: number | null) => void)[] = [];
  postMessage(message: MainToCore): void {
    this.posted.push(message);
  }
  onMessage(listener: (m: unknown) => void): void {
    this.#message.push(listener);
  }
  onExit(listener: (code: number | null) => void): void {
    this.#exit.push(listener);
  }
  kill(): void {
    this.killed = true;
    this.exit(null);
  }
  say(message: unknown): void {
    for (const l of this.#message) l(message);
  }
  exit(code: number | null): void {
    for (const l of this.#exit) l(code);
  }
}

const READY = { t: 'ready', terminalId: 'T01', training: true, dataDir: '/d/training', customerDisplay: 42 } as const;

function setup(restart = { maxRestarts: 2, windowMs: 60_000, delayMs: 10 }) {
  const cores: FakeCore[] = [];
  const lines: string[] = [];
  const inbox: HostMessage[] = [];
  const readies: unknown[] = [];
  const relay: PosRelay = new PosRelay({ toCore: (m: RequestMessage) => cores.at(-1)!.postMessage(m) });
  relay.attach({ id: 1, role: 'cashier', send: (m) => inbox.push(m) });
  const supervisor = new CoreSupervisor({
    relay,
    log: (l) => lines.push(l),
    restart,
    spawn: () => {
      const core = new FakeCore();
      cores.push(core);
      return core;
    },
    onReady: (r) => readies.push(r),
  });
  return { supervisor, relay, cores, lines, inbox, readies };
}

const hello = (id: number) => ({ t: 'req', id, name: 'terminal.hello', params: { surface: 'cashier' } });

describe('starting the core', () => {
  it('holds the first requests until the core says ready, then passes the customer display id on', () => {
    const s = setup();
    s.supervisor.start();
    s.relay.fromWindow(1, hello(1));
    expect(s.cores[0]!.posted).toEqual([]);
    s.cores[0]!.say({ t: 'progress', message: 'loading the training catalog: 50%' });
    s.cores[0]!.say(READY);
    expect(s.supervisor.state).toBe('ready');
    expect(s.cores[0]!.posted).toMatchObject([{ t: 'req', name: 'terminal.hello' }]);
    expect(s.readies).toEqual([READY]);
    expect(s.lines.join('\n')).toMatch(/loading the training catalog: 50%[\s\S]*core ready: terminal T01 \(training\)/);
  });

  it('relays the core replies and events to the window', () => {
    const s = setup();
    s.supervisor.start();
    s.cores[0]!.say(READY);
    s.relay.fromWindow(1, hello(7));
    const sent = s.cores[0]!.posted[0] as RequestMessage;
    s.cores[0]!.say({ t: 'res', id: sent.id, ok: true, result: { terminalId: 'T01' } });
    s.cores[0]!.say({ t: 'evt', name: 'devices', payload: [] });
    expect(s.inbox).toEqual([
      { t: 'res', id: 7, ok: true, result: { terminalId: 'T01' } },
      { t: 'evt', name: 'devices', payload: [] },
    ]);
  });

  it('does not restart a core that failed before it was ready, and tells the cashier why', () => {
    const s = setup();
    s.supervisor.start();
    s.relay.fromWindow(1, hello(1));
    s.cores[0]!.say({ t: 'failed', message: 'kassa.config.json: currency: expected a supported ISO 4217 code such as "CNY"' });
    s.cores[0]!.exit(1);
    expect(s.supervisor.state).toBe('down');
    expect(s.cores).toHaveLength(1);
    expect(s.inbox).toMatchObject([
      { t: 'res', id: 1, ok: false, error: { code: 'unavailable', message: expect.stringMatching(/ISO 4217/) } },
      { t: 'evt', name: 'notice', payload: { level: 'error', message: expect.stringMatching(/ISO 4217/) } },
    ]);
  });

  it('says so when the core process cannot even be spawned', () => {
    const relay = new PosRelay({ toCore: () => undefined });
    const inbox: HostMessage[] = [];
    relay.attach({ id: 1, role: 'cashier', send: (m) => inbox.push(m) });
    const supervisor = new CoreSupervisor({ relay, log: () => undefined, spawn: () => { throw new Error('no such file core-process.js'); } });
    supervisor.start();
    expect(supervisor.state).toBe('down');
    expect(inbox).toMatchObject([{ t: 'evt', name: 'notice', payload: { level: 'error', message: expect.stringMatching(/core-process\.js/) } }]);
  });

  it('counts garbage from the core without passing it on', () => {
    const s = setup();
    s.supervisor.start();
    s.cores[0]!.say('garbage');
    s.cores[0]!.say({ t: 'weird' });
    expect(s.relay.counters.garbageFromCore).toBe(2);
    expect(s.inbox).toEqual([]);
  });
});

describe('a core that dies while serving', () => {
  it('is restarted, and requests work again once the new core is ready', async () => {
    const s = setup();
    s.supervisor.start();
    s.cores[0]!.say(READY);
    s.relay.fromWindow(1, hello(1));
    s.cores[0]!.exit(139);
    expect(s.inbox).toMatchObject([
      { t: 'res', id: 1, ok: false, error: { code: 'unavailable', message: expect.stringMatching(/code 139.*restarting/) } },
      { t: 'evt', name: 'notice', payload: { level: 'warning' } },
    ]);
    await until(() => s.cores.length === 2, 'the restarted core');
    s.cores[1]!.say(READY);
    s.relay.fromWindow(1, hello(2));
    expect(s.cores[1]!.posted).toMatchObject([{ t: 'req', name: 'terminal.hello' }]);
  });

  it('stays down after too many crashes in the window', async () => {
    const s = setup({ maxRestarts: 1, windowMs: 60_000, delayMs: 5 });
    s.supervisor.start();
    s.cores[0]!.say(READY);
    s.cores[0]!.exit(1);
    await until(() => s.cores.length === 2, 'the restarted core');
    s.cores[1]!.say(READY);
    s.cores[1]!.exit(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(s.cores).toHaveLength(2);
    expect(s.supervisor.state).toBe('down');
    expect(s.lines.at(-1)).toMatch(/not restarted: restart Kassa/);
  });

  it('restart budget forgets crashes older than the window', () => {
    const policy = { maxRestarts: 2, windowMs: 1000, delayMs: 0 };
    expect(mayRestart([], 5000, policy)).toBe(true);
    expect(mayRestart([4500, 4800], 5000, policy)).toBe(false);
    expect(mayRestart([3000, 4800], 5000, policy)).toBe(true);
  });
});

describe('stopping', () => {
  it('asks the core to stop and waits for it to exit', async () => {
    const s = setup();
    s.supervisor.start();
    s.cores[0]!.say(READY);
    const stopped = s.supervisor.stop(1000);
    expect(s.cores[0]!.posted).toEqual([{ t: 'stop' }]);
    s.cores[0]!.say({ t: 'stopped' });
    s.cores[0]!.exit(0);
    await stopped;
    expect(s.cores[0]!.killed).toBe(false);
    expect(s.supervisor.state).toBe('down');
    expect(s.cores).toHaveLength(1); // an exit while stopping is no crash
  });

  it('kills a core that does not stop in time', async () => {
    const s = setup();
    s.supervisor.start();
    s.cores[0]!.say(READY);
    await s.supervisor.stop(20);
    expect(s.cores[0]!.killed).toBe(true);
    expect(s.lines.join('\n')).toMatch(/did not stop within 20 ms/);
  });

  it('cancels a pending restart', async () => {
    const s = setup({ maxRestarts: 3, windowMs: 60_000, delayMs: 30 });
    s.supervisor.start();
    s.cores[0]!.say(READY);
    s.cores[0]!.exit(1);
    await s.supervisor.stop(100);
    await new Promise((r) => setTimeout(r, 60));
    expect(s.cores).toHaveLength(1);
  });
});
