import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../../../drivers/transports/byte-transport.ts';
import { PortRegistry } from '../../../../drivers/transports/port-registry.ts';
import { ReconnectingTransport } from '../../../../drivers/transports/reconnecting-transport.ts';
import type { ReconnectStatus } from '../../../../drivers/transports/reconnecting-transport.ts';
import { TcpTransport } from '../../../../drivers/transports/tcp-transport.ts';

const HOST = '127.0.0.1';

interface TestServer {
  server: Server;
  port: number;
  sockets: Socket[];
  received: () => Buffer;
  connected: Promise<Socket>;
}

const servers: TestServer[] = [];
const cleanups: Array<() => Promise<void>> = [];

async function startServer(port = 0): Promise<TestServer> {
  const sockets: Socket[] = [];
  const chunks: Buffer[] = [];
  let onFirst: (s: Socket) => void = () => undefined;
  const connected = new Promise<Socket>((resolve) => {
    onFirst = resolve;
  });
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    onFirst(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve());
  });
  const s = { server, port: (server.address() as AddressInfo).port, sockets, received: () => Buffer.concat(chunks), connected };
  servers.push(s);
  return s;
}

async function stopServer(s: TestServer): Promise<void> {
  for (const socket of s.sockets) socket.destroy();
  if (s.server.listening) await new Promise<void>((resolve) => s.server.close(() => resolve()));
}

/** Polls `check` every 5 ms for at most `ms`. */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  for (const server of servers.splice(0)) await stopServer(server);
});

function transport(port: number, extra: Partial<ConstructorParameters<typeof TcpTransport>[0]> = {}): TcpTransport {
  const t = new TcpTransport({ host: HOST, port, registry: new PortRegistry(), ...extra });
  cleanups.push(() => t.close());
  return t;
}

describe('TcpTransport against a node:net server on 127.0.0.1', () => {
  it('writes 1 MiB in order, resolving once handed to the kernel, and reads replies', async () => {
    const s = await startServer();
    const t = transport(s.port);
    expect(t.id).toBe(`tcp:${HOST}:${s.port}`);
    await t.open();
    expect(t.isOpen).toBe(true);
    expect(t.capabilities).toEqual({ modemLines: false, flowControl: 'none', readable: true });
    const peer = await s.connected;
    const payload = Buffer.alloc(1 << 20, 0).map((_, i) => i & 0xff);
    await t.write(payload);
    await t.write(Uint8Array.of(0x10, 0x04, 0x01));
    await until(() => s.received().length === payload.length + 3);
    expect(s.received().subarray(0, payload.length).equals(payload)).toBe(true);
    expect([...s.received().subarray(payload.length)]).toEqual([0x10, 0x04, 0x01]);

    const got: number[] = [];
    t.onData((b) => got.push(...b));
    peer.write(Uint8Array.of(0x12));
    await until(() => got.length === 1);
    expect(got).toEqual([0x12]);
  });

  it('the printer closing the connection is onClose(error), and writes then reject', async () => {
    const s = await startServer();
    const t = transport(s.port);
    const reasons: Array<Error | null> = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    (await s.connected).end();
    await until(() => reasons.length > 0);
    expect(reasons[0]).toBeInstanceOf(TransportError);
    expect(reasons[0]).toMatchObject({ code: 'closed', message: `tcp ${HOST}:${s.port}: connection closed by the printer` });
    expect(t.isOpen).toBe(false);
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it('a reset (ECONNRESET) is onClose(error) with code io', async () => {
    const s = await startServer();
    const t = transport(s.port);
    const reasons: Array<Error | null> = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    (await s.connected).resetAndDestroy();
    await until(() => reasons.length > 0);
    expect(reasons[0]).toMatchObject({ code: 'io', message: `tcp ${HOST}:${s.port}: connection reset by the printer` });
  });

  it('close() is onClose(null) and lets the bytes already written reach the printer', async () => {
    const s = await startServer();
    const t = transport(s.port);
    const reasons: Array<Error | null> = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    void t.write(Uint8Array.of(1, 2, 3));
    await t.close();
    await t.close();
    expect(reasons).toEqual([null]);
    await until(() => s.received().length === 3);
  });

  it('a refused connection is not-found, naming the address', async () => {
    const s = await startServer();
    const port = s.port;
    await stopServer(s);
    const t = transport(port);
    await expect(t.open()).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining(`tcp ${HOST}:${port}: connection refused`) });
    expect(t.isOpen).toBe(false);
  });

  it('an aborted open rejects and releases the port', async () => {
    const s = await startServer();
    const registry = new PortRegistry();
    const t = transport(s.port, { registry });
    await expect(t.open(AbortSignal.abort())).rejects.toMatchObject({ code: 'closed' });
    expect(registry.list()).toEqual([]);
  });

  it('one owner per printer: a second transport to the same address is busy until the first closes', async () => {
    const s = await startServer();
    const registry = new PortRegistry();
    const first = transport(s.port, { registry, owner: 'the receipt printer driver' });
    const second = transport(s.port, { registry, owner: 'the label printer driver' });
    await first.open();
    await expect(second.open()).rejects.toMatchObject({ code: 'busy', message: `tcp:${HOST}:${s.port} is already used by the receipt printer driver` });
    await first.close();
    await second.open();
    expect(second.isOpen).toBe(true);
  });

  it('reconnects when the server comes back on the same port', async () => {
    const s1 = await startServer();
    const port = s1.port;
    const statuses: ReconnectStatus[] = [];
    const rt = new ReconnectingTransport(() => new TcpTransport({ host: HOST, port, registry: new PortRegistry(), connectTimeoutMs: 500 }), {
      backoff: { initialMs: 20, maxMs: 100 },
    });
    cleanups.push(() => rt.stop());
    rt.onStatus((st) => statuses.push(st));
    await rt.open();
    await s1.connected;
    await stopServer(s1);
    await until(() => statuses.some((st) => st.state === 'reconnecting' && st.error !== null && (st.error as TransportError).code === 'not-found'));
    expect(statuses.find((st) => st.state === 'disconnected')).toMatchObject({ error: { code: 'closed' } });
    await expect(rt.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });

    const s2 = await startServer(port);
    await until(() => rt.isOpen);
    expect(statuses.at(-1)?.state).toBe('connected');
    await rt.write(Uint8Array.of(0x1b, 0x40));
    await until(() => s2.received().length === 2);
    expect([...s2.received()]).toEqual([0x1b, 0x40]);
  });
});
