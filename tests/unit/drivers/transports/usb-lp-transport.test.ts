// What this covers, honestly: no usblp device exists here. A FIFO stands in for the character
// device: it exercises the real fs path (O_RDWR|O_NONBLOCK open, EAGAIN on an empty read, the
// poll loop, partial writes and EAGAIN when the pipe is full, the write timeout). usblp's own
// behaviour (status replies, ENODEV on unplug, EBUSY for a second open) is covered only
// through a fake FileHandle that raises those errors, and through the error mapping table.
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortRegistry } from '../../../../drivers/transports/port-registry.ts';
import { usbLpError, UsbLpTransport } from '../../../../drivers/transports/usb-lp-transport.ts';
import type { UsbLpConfig, UsbLpFile } from '../../../../drivers/transports/usb-lp-transport.ts';

let dir: string;
let fifo: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-usblp-'));
  fifo = join(dir, 'lp0');
  execFileSync('mkfifo', [fifo]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function lp(config: Partial<UsbLpConfig> = {}): UsbLpTransport {
  const t = new UsbLpTransport({ path: fifo, registry: new PortRegistry(), pollMs: 5, ...config });
  cleanups.push(() => t.close());
  return t;
}

async function side(flags: number): Promise<FileHandle> {
  const handle = await open(fifo, flags | constants.O_NONBLOCK);
  cleanups.push(() => handle.close());
  return handle;
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('UsbLpTransport over a FIFO (the real fs path)', () => {
  it('reads what the "printer" sends through the non-blocking poll loop', async () => {
    const t = lp();
    expect(t.id).toBe(`usb-lp:${fifo}`);
    expect(t.capabilities).toEqual({ modemLines: false, flowControl: 'none', readable: true });
    const got: number[] = [];
    t.onData((b) => got.push(...b));
    await t.open();
    await new Promise((resolve) => setTimeout(resolve, 30)); // a few empty polls (EAGAIN) first
    const printer = await side(constants.O_WRONLY);
    await printer.write(Uint8Array.of(0x12, 0x7e, 0x00, 0xff));
    await until(() => got.length === 4);
    expect(got).toEqual([0x12, 0x7e, 0x00, 0xff]);
    await t.close();
    expect(t.isOpen).toBe(false);
  });

  it('writes 256 KiB through a 64 KiB pipe: partial writes and EAGAIN are retried, order kept', async () => {
    const outcomes = { partial: 0, wouldBlock: 0 };
    // The real FileHandle, watched, to prove the retry paths ran.
    const openFile: UsbLpConfig['openFile'] = async (path, flags) => {
      const handle = await open(path, flags);
      return {
        read: (b, o, l, p) => handle.read(b, o, l, p),
        close: () => handle.close(),
        async write(b, o, l, p) {
          try {
            const result = await handle.write(b, o, l, p);
            if (result.bytesWritten < l) outcomes.partial++;
            return result;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EAGAIN') outcomes.wouldBlock++;
            throw error;
          }
        },
      };
    };
    const t = lp({ read: false, openFile });
    expect(t.capabilities.readable).toBe(false);
    await t.open();
    const printer = await side(constants.O_RDONLY);
    const payload = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) & 0xff);
    const tail = Uint8Array.of(0x1d, 0x56, 0x00);
    const writing = Promise.all([t.write(payload), t.write(tail)]);
    const received: number[] = [];
    const buffer = new Uint8Array(8192);
    const deadline = Date.now() + 5000;
    while (received.length < payload.length + tail.length) {
      if (Date.now() > deadline) throw new Error(`only ${received.length} bytes arrived`);
      try {
        const { bytesRead } = await printer.read(buffer, 0, buffer.length, null);
        received.push(...buffer.subarray(0, bytesRead));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    await writing;
    expect(Buffer.from(received).equals(Buffer.concat([payload, tail]))).toBe(true);
    expect(outcomes.partial + outcomes.wouldBlock).toBeGreaterThan(0);
  });

  it('gives up with timeout when the "printer" accepts nothing', async () => {
    const t = lp({ read: false, writeTimeoutMs: 100 });
    await t.open();
    await side(constants.O_RDONLY); // a reader that never reads: the pipe fills up
    const started = Date.now();
    await expect(t.write(new Uint8Array(256 * 1024))).rejects.toMatchObject({
      code: 'timeout',
      message: `usb-lp ${fifo}: the printer accepted nothing for 100 ms (offline or out of paper?)`,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a missing device is not-found and a write on a closed transport is closed', async () => {
    const t = lp({ path: join(dir, 'lp9') });
    await expect(t.open()).rejects.toMatchObject({ code: 'not-found', message: `usb-lp ${join(dir, 'lp9')}: no such device` });
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it('one owner per device, also through a symlink', async () => {
    const registry = new PortRegistry();
    const link = join(dir, 'printer');
    execFileSync('ln', ['-s', fifo, link]);
    const first = lp({ registry, owner: 'the receipt printer driver' });
    const second = lp({ registry, path: link, owner: 'the kitchen printer driver' });
    await first.open();
    await expect(second.open()).rejects.toMatchObject({ code: 'busy', message: `usb-lp:${fifo} is already used by the receipt printer driver` });
    await first.close();
    await second.open();
    expect(second.isOpen).toBe(true);
  });
});

/** A FileHandle stand-in that raises what usblp would. */
function fakeDevice(script: { readError?: string; writeError?: string }): { file: UsbLpFile; closed: () => boolean } {
  let closed = false;
  let reads = 0;
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: fake`), { code });
  const file: UsbLpFile = {
    async read() {
      reads++;
      if (script.readError && reads > 2) throw errno(script.readError);
      throw errno('EAGAIN');
    },
    async write(_buffer, _offset, length) {
      if (script.writeError) throw errno(script.writeError);
      return { bytesWritten: length };
    },
    async close() {
      closed = true;
    },
  };
  return { file, closed: () => closed };
}

describe('UsbLpTransport: usblp errors (fake FileHandle, not a device)', () => {
  it('EBUSY on open is busy and releases the claim', async () => {
    const registry = new PortRegistry();
    const t = lp({ registry, openFile: async () => Promise.reject(Object.assign(new Error('EBUSY: fake'), { code: 'EBUSY' })) });
    await expect(t.open()).rejects.toMatchObject({ code: 'busy', message: `usb-lp ${fifo}: busy (another program, such as CUPS, has the printer open)` });
    expect(registry.list()).toEqual([]);
  });

  it('ENODEV from the read loop (unplug) is onClose(error) and frees the port', async () => {
    const registry = new PortRegistry();
    const device = fakeDevice({ readError: 'ENODEV' });
    const t = lp({ registry, openFile: async () => device.file });
    const reasons: Array<Error | null> = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    await until(() => reasons.length > 0);
    expect(reasons[0]).toMatchObject({ code: 'io', message: `usb-lp ${fifo}: device disconnected (ENODEV)` });
    expect(t.isOpen).toBe(false);
    expect(device.closed()).toBe(true);
    expect(registry.list()).toEqual([]);
  });

  it('EIO from a write rejects the write and closes with an error', async () => {
    const device = fakeDevice({ writeError: 'EIO' });
    const t = lp({ read: false, openFile: async () => device.file });
    const reasons: Array<Error | null> = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'io' });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ code: 'io' });
  });

  it('maps errno codes to transport codes', () => {
    const e = (code: string): Error => Object.assign(new Error(code), { code });
    const map = (code: string, during: 'open' | 'io'): string => usbLpError('/dev/usb/lp0', e(code), during).code;
    expect(map('EBUSY', 'open')).toBe('busy');
    expect(map('ENOENT', 'open')).toBe('not-found');
    expect(map('ENODEV', 'open')).toBe('not-found');
    expect(map('ENODEV', 'io')).toBe('io');
    expect(map('EACCES', 'open')).toBe('io');
    expect(usbLpError('/dev/usb/lp0', e('EACCES'), 'open').message).toBe('usb-lp /dev/usb/lp0: permission denied (add the user to the lp group)');
    expect(map('EINVAL', 'io')).toBe('io');
  });

  it('a regular file works as a write-only sink', async () => {
    const file = join(dir, 'sink.bin');
    writeFileSync(file, '');
    const t = lp({ path: file, read: false });
    await t.open();
    await t.write(Uint8Array.of(0x1b, 0x40));
    await t.close();
    expect([...readFileSync(file)]).toEqual([0x1b, 0x40]);
  });
});
