// unixSafeBinding on real fds (a FIFO), with a stand-in for the unix port binding: reads (a FIFO
// whose writer has gone reads 0 bytes, as a hung-up tty does), writes, and the poller fix.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SerialPort } from 'serialport';
import { unixSafeBinding } from '../../../../drivers/transports/serial-unix-binding.ts';
import { until } from '../../../support/until.ts';

let dir: string;
let fifo: string;
const handles: FileHandle[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-hangup-'));
  fifo = join(dir, 'tty');
  execFileSync('mkfifo', [fifo]);
});

afterEach(async () => {
  for (const h of handles.splice(0)) await h.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

interface FakePort {
  isOpen: boolean;
  fd: number | null;
  poller: { once(event: 'readable', callback: (error: Error | null) => void): void };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  marker(): string;
}

async function guardedFifo(): Promise<{ port: FakePort; writer: FileHandle; polls: () => number }> {
  const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  handles.push(reader, writer);
  let polls = 0;
  const fake: FakePort = {
    isOpen: true,
    fd: reader.fd,
    // Stands in for the native poller: "readable" a moment later.
    poller: {
      once(_event, callback) {
        polls++;
        setTimeout(() => callback(null), 5);
      },
    },
    read: () => Promise.reject(new Error('the original read must not be used')),
    marker: () => 'delegated',
  };
  const base = { list: async () => [], open: async () => fake } as unknown as typeof SerialPort.binding;
  const port = (await (unixSafeBinding(base).open as (o: unknown) => Promise<unknown>)({})) as FakePort;
  return { port, writer, polls: () => polls };
}

describe('unixSafeBinding', () => {
  it('reads data, waits on the poller while there is none, and delegates everything else', async () => {
    const { port, writer, polls } = await guardedFifo();
    expect(port.marker()).toBe('delegated');
    const buffer = Buffer.alloc(16);
    const reading = port.read(buffer, 0, 16);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writer.write(Uint8Array.of(0x12, 0x0d));
    const { bytesRead } = await reading;
    expect([...buffer.subarray(0, bytesRead)]).toEqual([0x12, 0x0d]);
    expect(polls()).toBeGreaterThan(0);
  });

  it('turns a 0-byte read (hang-up) into a disconnect error instead of retrying', async () => {
    const { port, writer } = await guardedFifo();
    await writer.close();
    handles.splice(handles.indexOf(writer), 1);
    await expect(port.read(Buffer.alloc(8), 0, 8)).rejects.toMatchObject({ disconnect: true, message: expect.stringContaining('hung up') });
  });

  it('reports a closed port as canceled, which the stream does not treat as a disconnect', async () => {
    const { port } = await guardedFifo();
    (port as { isOpen: boolean }).isOpen = false;
    await expect(port.read(Buffer.alloc(8), 0, 8)).rejects.toMatchObject({ canceled: true });
  });
});

// bindings-cpp 13's Poller: once(event) asks the native poller for that event, then listens.
// The native side (uv_poll_start) watches ONLY the events of the latest call, so a read's wait
// used to cancel a pending write's wait; the guard asks for every event someone waits for.
class FakeUnixPoller extends EventEmitter {
  readonly asked: number[] = [];

  poll(flags = 0): void {
    this.asked.push(flags);
  }

  override once(event: string, callback: (error: Error | null) => void): this {
    this.poll(event === 'readable' ? 0b01 : event === 'writable' ? 0b10 : 0b100);
    return super.once(event, callback);
  }
}

describe('unixSafeBinding and the poller', () => {
  it('keeps a waiting write in the native poll when a read starts waiting, and the other way round', async () => {
    const poller = new FakeUnixPoller();
    const fake = { isOpen: true, fd: 99, poller, read: () => Promise.reject(new Error('unused')) };
    const base = { list: async () => [], open: async () => fake } as unknown as typeof SerialPort.binding;
    await (unixSafeBinding(base).open as (o: unknown) => Promise<unknown>)({});
    const noop = (): void => undefined;
    poller.once('writable', noop);
    expect(poller.asked.at(-1)).toBe(0b10);
    poller.once('readable', noop);
    expect(poller.asked.at(-1)).toBe(0b11);
    poller.emit('writable', null);
    poller.once('readable', noop);
    expect(poller.asked.at(-1)).toBe(0b01);
    poller.once('writable', noop);
    expect(poller.asked.at(-1)).toBe(0b11);
  });
});

describe('unixSafeBinding write', () => {
  it('writes everything in order, waiting on the poller whenever the fd is full', async () => {
    const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    handles.push(reader, writer);
    let waits = 0;
    const fake = {
      isOpen: true,
      fd: writer.fd,
      poller: {
        once(_event: string, callback: (error: Error | null) => void) {
          waits++;
          setTimeout(() => callback(null), 2);
        },
      },
      write: () => Promise.reject(new Error('the original write must not be used')),
    };
    const base = { list: async () => [], open: async () => fake } as unknown as typeof SerialPort.binding;
    const port = (await (unixSafeBinding(base).open as (o: unknown) => Promise<unknown>)({})) as { write(b: Buffer): Promise<void> };
    // More than a pipe holds (64 KiB), so the write must wait for the reader.
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    const got: Buffer[] = [];
    let stop = false;
    const draining = (async () => {
      while (!stop) {
        const { bytesRead, buffer } = await reader.read(Buffer.alloc(65_536), 0, 65_536, null).catch(() => ({ bytesRead: 0, buffer: Buffer.alloc(0) }));
        if (bytesRead > 0) got.push(buffer.subarray(0, bytesRead));
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    await port.write(data);
    await until(() => got.reduce((n, b) => n + b.length, 0) >= data.length, 'the reader to get every byte');
    stop = true;
    await draining;
    expect(Buffer.concat(got).equals(data)).toBe(true);
    expect(waits).toBeGreaterThan(0);
  });

  it('reports a port closed mid-write, and refuses what is not a Buffer', async () => {
    const writer = await open(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    handles.push(writer);
    const fake = { isOpen: true, fd: writer.fd as number | null, poller: { once(_e: string, cb: (e: Error | null) => void) { fake.fd = null; setTimeout(() => cb(null), 1); } }, write: () => Promise.reject(new Error('unused')) };
    const base = { list: async () => [], open: async () => fake } as unknown as typeof SerialPort.binding;
    const port = (await (unixSafeBinding(base).open as (o: unknown) => Promise<unknown>)({})) as { write(b: unknown): Promise<void> };
    await expect(port.write('text')).rejects.toThrow(/not a Buffer/);
    await expect(port.write(Buffer.alloc(200_000))).rejects.toThrow(/Port is not open/);
  });
});
