// The browser-mode PosChannel against a real WebSocket server on 127.0.0.1 (the `ws` package's
// server, and its client as the injected constructor, since Node 20 has no global WebSocket):
// what a page notices when the terminal answers, restarts, or stays away.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { HostMessage, RequestMessage } from '../../../../src/shared/api.ts';
import { apiUrlFor, connectWsChannel } from '../../../../src/renderer/client/ws-channel.ts';
import type { ChannelTimers, ConnectionState, WsChannelOptions, WsPosChannel } from '../../../../src/renderer/client/ws-channel.ts';
import { until } from '../../../support/until.ts';

/** A terminal stand-in: answers every request with its name, or holds it when `hold` is set. */
class Terminal {
  readonly got: RequestMessage[] = [];
  connections = 0;
  hold = false;
  readonly sockets = new Set<WebSocket>();
  private server: WebSocketServer | null = null;

  async start(port = 0): Promise<number> {
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (ws) => {
      this.connections += 1;
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        const req = JSON.parse(String(data)) as RequestMessage;
        this.got.push(req);
        if (!this.hold) ws.send(JSON.stringify({ t: 'res', id: req.id, ok: true, result: { name: req.name } }));
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  broadcast(text: string): void {
    for (const ws of this.sockets) ws.send(text);
  }

  /** Drops every connection as a crash would (no close frame). */
  drop(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async stop(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

const terminals: Terminal[] = [];
const channels: WsPosChannel[] = [];
afterEach(async () => {
  for (const c of channels.splice(0)) c.close();
  await Promise.all(terminals.splice(0).map((t) => t.stop()));
});

async function terminal(): Promise<{ t: Terminal; url: string; port: number }> {
  const t = new Terminal();
  terminals.push(t);
  const port = await t.start();
  return { t, url: `ws://127.0.0.1:${port}/api`, port };
}

const FAST: WsChannelOptions = { WebSocket, initialDelayMs: 10, maxDelayMs: 40 };

function channel(url: string, options: WsChannelOptions = {}): { ch: WsPosChannel; inbox: HostMessage[]; states: ConnectionState[] } {
  const ch = connectWsChannel(url, { ...FAST, ...options });
  channels.push(ch);
  const inbox: HostMessage[] = [];
  const states: ConnectionState[] = [];
  ch.subscribe((m) => inbox.push(m));
  ch.onState((s) => states.push(s));
  return { ch, inbox, states };
}

const req = (id: number, name = 'checkout.view'): RequestMessage => ({ t: 'req', id, name, params: {} });
const replyTo = (inbox: HostMessage[], id: number) => inbox.find((m) => m.t === 'res' && m.id === id);

describe('connectWsChannel', () => {
  it('needs a WebSocket: Node 20 has no global one, so it says to pass one', () => {
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
    expect(() => connectWsChannel('ws://127.0.0.1:1/api')).toThrow('no WebSocket in this environment: pass options.WebSocket');
  });

  it('takes globalThis.WebSocket when there is one', async () => {
    const { t, url } = await terminal();
    const g = globalThis as { WebSocket?: unknown };
    g.WebSocket = WebSocket;
    try {
      const ch = connectWsChannel(url);
      channels.push(ch);
      await until(() => ch.state === 'open', 'the channel to open');
      expect(t.connections).toBe(1);
    } finally {
      delete g.WebSocket;
    }
  });

  it('builds the API address from the page location', () => {
    expect(apiUrlFor({ protocol: 'http:', host: '127.0.0.1:8770' })).toBe('ws://127.0.0.1:8770/api');
    expect(apiUrlFor({ protocol: 'https:', host: 'pos.example' })).toBe('wss://pos.example/api');
  });

  it('carries requests, replies and events; says connecting then open', async () => {
    const { t, url } = await terminal();
    const { ch, inbox, states } = channel(url);
    expect(ch.host).toBe('browser');
    expect(ch.state).toBe('connecting');
    await until(() => ch.state === 'open', 'open');
    ch.post(req(1, 'terminal.hello'));
    await until(() => replyTo(inbox, 1) !== undefined, 'the reply');
    expect(replyTo(inbox, 1)).toEqual({ t: 'res', id: 1, ok: true, result: { name: 'terminal.hello' } });
    t.broadcast(JSON.stringify({ t: 'evt', name: 'devices', payload: [] }));
    await until(() => inbox.some((m) => m.t === 'evt'), 'the event');
    expect(states).toEqual(['open']);
  });

  it('requests posted before the connection opens are sent in order once it does', async () => {
    const { t, url } = await terminal();
    const { ch, inbox } = channel(url);
    expect(ch.state).toBe('connecting');
    for (const id of [1, 2, 3]) ch.post(req(id));
    await until(() => [1, 2, 3].every((id) => replyTo(inbox, id)), 'three replies');
    expect(t.got.map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('a dropped connection: the unanswered request is answered unavailable and not sent again; it reconnects', async () => {
    const { t, url } = await terminal();
    const { ch, inbox, states } = channel(url);
    await until(() => ch.state === 'open', 'open');
    t.hold = true;
    ch.post(req(1, 'checkout.send'));
    await until(() => t.got.length === 1, 'the request to arrive');
    t.drop();
    await until(() => replyTo(inbox, 1) !== undefined, 'the channel to answer it');
    expect(replyTo(inbox, 1)).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('check the sale before repeating') } });
    await until(() => ch.state === 'open' && t.connections === 2, 'the reconnect');
    t.hold = false;
    ch.post(req(2));
    await until(() => replyTo(inbox, 2) !== undefined, 'the next reply');
    expect(t.got.map((r) => r.id)).toEqual([1, 2]);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(ch.stats.reconnects).toBe(1);
  });

  it('while the terminal is away requests wait, and go out in order when it is back on the same address', async () => {
    const { t, port, url } = await terminal();
    const { ch, inbox } = channel(url);
    await until(() => ch.state === 'open', 'open');
    await t.stop();
    await until(() => ch.state === 'reconnecting', 'reconnecting');
    ch.post(req(7));
    ch.post(req(8));
    await new Promise((r) => setTimeout(r, 100)); // several failed attempts
    expect(inbox).toEqual([]);
    await t.start(port);
    await until(() => replyTo(inbox, 7) !== undefined && replyTo(inbox, 8) !== undefined, 'both replies');
    expect(t.got.map((r) => r.id)).toEqual([7, 8]);
    expect(inbox.every((m) => m.t === 'res' && m.ok)).toBe(true);
  });

  it('a request that waited too long is answered unavailable and never sent later', async () => {
    const { t, port, url } = await terminal();
    const { ch, inbox } = channel(url, { queueTimeoutMs: 60 });
    await until(() => ch.state === 'open', 'open');
    await t.stop();
    await until(() => ch.state === 'reconnecting', 'reconnecting');
    ch.post(req(1, 'checkout.send'));
    await until(() => replyTo(inbox, 1) !== undefined, 'the expiry');
    expect(replyTo(inbox, 1)).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('checkout.send was not sent') } });
    await t.start(port);
    await until(() => ch.state === 'open', 'the reconnect', 3000);
    ch.post(req(2));
    await until(() => replyTo(inbox, 2) !== undefined, 'the next reply');
    expect(t.got.map((r) => r.id)).toEqual([2]);
  });

  it('a full queue answers the extra request at once', async () => {
    const { t, url } = await terminal();
    await t.stop();
    const { ch, inbox } = channel(url, { queueLimit: 2 });
    for (const id of [1, 2, 3]) ch.post(req(id));
    await until(() => replyTo(inbox, 3) !== undefined, 'the refusal');
    expect(replyTo(inbox, 3)).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('2 requests are already waiting') } });
    expect(replyTo(inbox, 1)).toBeUndefined();
    expect(ch.stats.unanswered).toBe(1);
  });

  it('drops what is not a reply or an event, counting it; a throwing listener does not stop the others', async () => {
    const { t, url } = await terminal();
    const { ch, inbox } = channel(url);
    ch.subscribe(() => {
      throw new Error('a broken screen');
    });
    await until(() => ch.state === 'open', 'open');
    for (const junk of ['not json', '[]', '{"t":"res","id":"x","ok":true}', '{"t":"evt"}', '{"t":"res","id":1,"ok":false}']) t.broadcast(junk);
    t.broadcast(JSON.stringify({ t: 'evt', name: 'notice', payload: { level: 'info', message: 'hi', at: 'now' } }));
    await until(() => inbox.length === 1, 'the good event');
    expect(ch.stats.malformed).toBe(5);
    expect(ch.stats.listenerErrors).toBe(1);
    expect(inbox[0]).toMatchObject({ t: 'evt', name: 'notice' });
  });

  it('close() answers what waits, says closed, and never reconnects', async () => {
    const { t, url } = await terminal();
    const { ch, inbox, states } = channel(url);
    await until(() => ch.state === 'open', 'open');
    t.hold = true;
    ch.post(req(1));
    await until(() => t.got.length === 1, 'the request to arrive');
    ch.close();
    ch.post(req(2));
    await until(() => inbox.length === 2, 'both answered');
    expect(inbox.map((m) => (m.t === 'res' && !m.ok ? [m.id, m.error.code] : null))).toEqual([
      [1, 'unavailable'],
      [2, 'unavailable'],
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.connections).toBe(1);
    expect(states).toEqual(['open', 'closed']);
  });

  it('backs off 250 ms, 500 ms, 1 s … up to 5 s between failed attempts, jittered ±25 %', async () => {
    const { t, url } = await terminal();
    await t.stop();
    const delays: number[] = [];
    let pending: (() => void) | null = null;
    const timers: ChannelTimers = {
      set: (fn, ms) => {
        delays.push(ms);
        pending = fn;
        return delays.length;
      },
      clear: () => undefined,
    };
    const ch = connectWsChannel(url, { WebSocket, timers, random: () => 0.5 });
    channels.push(ch);
    for (let attempt = 1; attempt <= 7; attempt += 1) {
      await until(() => delays.length === attempt, `failed attempt ${attempt}`);
      const retry = pending as (() => void) | null;
      pending = null;
      if (attempt < 7) retry?.();
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(ch.state).toBe('reconnecting');
    const jittered: number[] = [];
    for (const r of [0, 0.999]) {
      const c = connectWsChannel(url, { WebSocket, timers: { set: (_fn, ms) => jittered.push(ms), clear: () => undefined }, random: () => r });
      channels.push(c);
    }
    await until(() => jittered.length === 2, 'the jittered attempts');
    expect(jittered.sort((a, b) => a - b)).toEqual([188, 312]); // 250 × 0.75 and × 1.2495, rounded
  });
});
