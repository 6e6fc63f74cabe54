// What this covers, honestly: no HID device exists here (no /dev/hidraw*, and nothing can create
// one: no /dev/uhid). node-hid's HIDAsync is replaced by a fake with its shape (an EventEmitter
// with 'data' and 'error', async write and close that drops listeners), raising the error texts
// node-hid 3.4 / hidapi really produce (copied from its sources and from runs on this machine).
// The real node-hid is exercised only where no device is needed: lazy loading, the hidraw
// backend, and opening paths that are missing or are not hidraw nodes.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../../../drivers/transports/byte-transport.ts';
import { HidTransport, hidOpenError, nodeHidBackend } from '../../../../drivers/transports/hid-transport.ts';
import type { HidBackend, HidConfig, HidDeviceHandle, RawHidDevice } from '../../../../drivers/transports/hid-transport.ts';
import { PortRegistry } from '../../../../drivers/transports/port-registry.ts';
import { HidPosScanner } from '../../../../drivers/scanner/scanner-driver.ts';
import { scanToHidReports } from '../../../../drivers/sim/virtual-scanner.ts';
import type { ScanEvent, ScanWarning } from '../../../../src/shared/scan-event.ts';

class FakeHid extends EventEmitter implements HidDeviceHandle {
  readonly written: number[][] = [];
  closed = false;
  writeError: string | null = null;

  async write(report: Buffer): Promise<number> {
    if (this.closed) throw new TypeError('device has been closed');
    if (this.writeError !== null) throw new Error(this.writeError);
    this.written.push([...report]);
    return report.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
  }

  /** What node-hid's read thread does with an input report. */
  input(bytes: number[]): void {
    this.emit('data', Buffer.from(bytes));
  }
}

// A Honeywell-style scanner with a keyboard interface and a HID-POS interface, and an Epson printer.
const DEVICES: RawHidDevice[] = [
  { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw2', usagePage: 0x01, usage: 0x06, interface: 0, product: 'Xenon 1900' },
  { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw3', usagePage: 0x8c, usage: 0x02, interface: 1, product: 'Xenon 1900' },
  { vendorId: 0x04b8, productId: 0x0202, path: '/dev/hidraw4', usagePage: 0xff00, usage: 0x01, interface: 0 },
];

const ENOENT = (path: string): string => `cannot open device with path ${path}: Failed to open a device with path '${path}': No such file or directory`;
const EACCES = (path: string): string => `cannot open device with path ${path}: Failed to open a device with path '${path}': Permission denied`;
const UNPLUGGED = 'could not read from HID device: hid_read_timeout: unexpected poll error (device disconnected)';

interface FakeBackend extends HidBackend {
  readonly opened: string[];
  readonly handles: Map<string, FakeHid>;
  failures: Map<string, string>;
  devices: RawHidDevice[];
  /** When set, open() waits for it. */
  gate: Promise<void> | null;
}

function fakeBackend(devices: RawHidDevice[] = DEVICES): FakeBackend {
  const backend: FakeBackend = {
    opened: [],
    handles: new Map(),
    failures: new Map(),
    devices,
    gate: null,
    async open(path) {
      backend.opened.push(path);
      if (backend.gate) await backend.gate;
      const failure = backend.failures.get(path);
      if (failure !== undefined) throw new Error(failure);
      const handle = new FakeHid();
      backend.handles.set(path, handle);
      return handle;
    },
    async list() {
      return backend.devices;
    },
  };
  return backend;
}

let registry: PortRegistry;
let backend: FakeBackend;
let dir: string;
const opened: HidTransport[] = [];

beforeEach(() => {
  registry = new PortRegistry();
  backend = fakeBackend();
  dir = mkdtempSync(join(tmpdir(), 'kassa-hid-'));
});

afterEach(async () => {
  for (const t of opened.splice(0).reverse()) await t.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function hid(config: Partial<HidConfig> = {}): HidTransport {
  const t = new HidTransport({ path: '/dev/hidraw3', registry, backend, owner: 'the scanner driver', ...config });
  opened.push(t);
  return t;
}

function handleOf(path: string): FakeHid {
  const h = backend.handles.get(path);
  if (!h) throw new Error(`${path} was not opened`);
  return h;
}

describe('HidTransport: loading node-hid', () => {
  it('does not load node-hid until a device is opened or listed, and then uses the hidraw backend on Linux', async () => {
    const cache = createRequire(import.meta.url).cache;
    const loaded = (): string[] => Object.keys(cache).filter((k) => k.includes('/node-hid/'));
    // This file imports hid-transport.ts and has already built transports with a fake backend.
    expect(loaded()).toEqual([]);
    const devices = await nodeHidBackend.list();
    expect(Array.isArray(devices)).toBe(true);
    expect(loaded().length).toBeGreaterThan(0);
    if (process.platform === 'linux') expect(loaded().some((k) => k.includes('HID_hidraw'))).toBe(true);
  });

  it('real node-hid: a missing node is not-found, a file that is not hidraw is refused by name', async () => {
    const missing = new HidTransport({ path: join(dir, 'hidraw-missing'), registry });
    const absent = missing.open();
    await expect(absent).rejects.toMatchObject({ code: 'not-found', message: `hid ${join(dir, 'hidraw-missing')}: no such device` });
    const notHid = new HidTransport({ path: '/dev/null', registry });
    await expect(notHid.open()).rejects.toMatchObject({ code: 'io', message: 'hid /dev/null: not a hidraw device (HID devices are /dev/hidraw*)' });
    expect(registry.list()).toEqual([]);
  });
});

describe('HidTransport over a fake node-hid', () => {
  it('opens by path and delivers each input report synchronously, in order', async () => {
    const t = hid();
    expect(t.id).toBe('hid:/dev/hidraw3');
    const got: number[][] = [];
    t.onReport((r) => got.push([...r]));
    await t.open();
    expect(t.isOpen).toBe(true);
    expect(registry.list()).toEqual([{ id: 'hid:/dev/hidraw3', owner: 'the scanner driver' }]);
    handleOf('/dev/hidraw3').input([0x02, 0x02, 0x5d, 0x45, 0x30, 0x31, 0x32]);
    expect(got).toEqual([[0x02, 0x02, 0x5d, 0x45, 0x30, 0x31, 0x32]]); // no await: delivered inside node-hid's event
    handleOf('/dev/hidraw3').input([0x02, 0x00]);
    expect(got).toHaveLength(2);
  });

  it('close(): onClose(null), the device handle closed, the claim released, later reports ignored', async () => {
    const t = hid();
    const got: number[][] = [];
    const reasons: Array<Error | null> = [];
    t.onReport((r) => got.push([...r]));
    t.onClose((r) => reasons.push(r));
    await t.open();
    const handle = handleOf('/dev/hidraw3');
    await t.close();
    expect(reasons).toEqual([null]);
    expect(handle.closed).toBe(true);
    expect(t.isOpen).toBe(false);
    expect(registry.list()).toEqual([]);
    handle.input([0x02, 0x01, 0x31]);
    expect(got).toEqual([]);
    await t.close();
    expect(reasons).toEqual([null]);
  });

  it('concurrent opens share one device open', async () => {
    const t = hid();
    await Promise.all([t.open(), t.open(), t.open()]);
    expect(backend.opened).toEqual(['/dev/hidraw3']);
  });

  it('one owner per device: a second open names the holder, by path, by symlink or by vendor/product id', async () => {
    const node = join(dir, 'hidraw7');
    writeFileSync(node, '');
    const link = join(dir, 'kassa-scanner');
    symlinkSync(node, link);
    backend.devices = [{ vendorId: 0x0c2e, productId: 0x0b61, path: node, usagePage: 0x8c }];
    await hid({ path: node }).open();
    const again = hid({ path: node, owner: 'the keyboard-wedge helper' }).open();
    await expect(again).rejects.toBeInstanceOf(TransportError);
    await expect(again).rejects.toMatchObject({ code: 'busy', message: `hid:${node} is already used by the scanner driver` });
    await expect(hid({ path: link }).open()).rejects.toMatchObject({ code: 'busy' });
    await expect(hid({ path: undefined, vendorId: 0x0c2e, productId: 0x0b61 }).open()).rejects.toMatchObject({ code: 'busy' });
    expect(backend.opened).toEqual([node]);
  });

  it('by vendor/product id it opens the HID-POS interface, not the keyboard one', async () => {
    const t = hid({ path: undefined, vendorId: 0x0c2e, productId: 0x0b61 });
    expect(t.id).toBe('hid:0c2e:0b61');
    await t.open();
    expect(backend.opened).toEqual(['/dev/hidraw3']);
    expect(registry.ownerOf('hid:/dev/hidraw3')).toBe('the scanner driver');
  });

  it('by vendor/product id: a missing device, and a scanner left in keyboard mode, are not-found with what to do', async () => {
    await expect(hid({ path: undefined, vendorId: 0x05e0, productId: 0x1200 }).open()).rejects.toMatchObject({
      code: 'not-found',
      message: 'hid 05e0:1200: no such device (not plugged in, or in a USB mode without HID)',
    });
    backend.devices = [DEVICES[0]!];
    const keyboard = hid({ path: undefined, vendorId: 0x0c2e, productId: 0x0b61 }).open();
    await expect(keyboard).rejects.toMatchObject({ code: 'not-found' });
    await expect(keyboard).rejects.toThrow(/no interface with usage page 0x8C \(it has 0x1\): the scanner is probably in keyboard mode; program it for HID-POS/);
    expect(backend.opened).toEqual([]);
    // usagePage null: any interface (for HID devices other than scanners).
    await hid({ path: undefined, vendorId: 0x0c2e, productId: 0x0b61, usagePage: null }).open();
    expect(backend.opened).toEqual(['/dev/hidraw2']);
  });

  it('maps node-hid open errors to codes, releasing the claim each time', async () => {
    backend.failures.set('/dev/hidraw9', ENOENT('/dev/hidraw9'));
    await expect(hid({ path: '/dev/hidraw9' }).open()).rejects.toMatchObject({ code: 'not-found', message: 'hid /dev/hidraw9: no such device' });
    backend.failures.set('/dev/hidraw3', 'cannot open device with path /dev/hidraw3: Failed to open a device with path \'/dev/hidraw3\': Device or resource busy');
    await expect(hid().open()).rejects.toMatchObject({ code: 'busy', message: 'hid /dev/hidraw3: busy (another program holds the device)' });
    backend.failures.set('/dev/hidraw3', 'cannot open device with path /dev/hidraw3: Failed to open a device with path \'/dev/hidraw3\': Is a directory');
    await expect(hid().open()).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/^hid \/dev\/hidraw3: cannot open \(.*Is a directory\)$/) });
    expect(registry.list()).toEqual([]);
    backend.failures.clear();
    await hid({ owner: 'a later owner' }).open();
    expect(registry.ownerOf('hid:/dev/hidraw3')).toBe('a later owner');
  });

  it('permission denied names the udev rule, with the vendor id of the device', async () => {
    backend.failures.set('/dev/hidraw3', EACCES('/dev/hidraw3'));
    const byPath = hid().open();
    await expect(byPath).rejects.toMatchObject({ code: 'io' });
    await expect(byPath).rejects.toThrow(/^hid \/dev\/hidraw3: permission denied\. .*udev rule.*SUBSYSTEM=="hidraw", ATTRS\{idVendor\}=="0c2e", MODE="0660"/);
    const byIds = hid({ path: undefined, vendorId: 0x0c2e, productId: 0x0b61 }).open();
    await expect(byIds).rejects.toThrow(/^hid 0c2e:0b61: permission denied\. .*ATTRS\{idVendor\}=="0c2e".*\/etc\/udev\/rules\.d\//);
    // A node hidapi does not list: the rule is still named, with a placeholder for the id.
    backend.failures.set('/dev/hidraw8', EACCES('/dev/hidraw8'));
    await expect(hid({ path: '/dev/hidraw8' }).open()).rejects.toThrow(/ATTRS\{idVendor\}=="<vendor id, see lsusb>"/);
    expect(hidOpenError('hid x', new Error('Permission denied'))).toMatchObject({ code: 'io', message: expect.stringContaining('udev rule') });
  });

  it('device removal (node-hid read error, a string) is onClose(error); the device is released and writes refused', async () => {
    const t = hid();
    const reasons: Array<Error | null> = [];
    const got: number[][] = [];
    t.onClose((r) => reasons.push(r));
    t.onReport((r) => got.push([...r]));
    await t.open();
    const handle = handleOf('/dev/hidraw3');
    handle.emit('error', UNPLUGGED);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(TransportError);
    expect(reasons[0]).toMatchObject({ code: 'io', message: `hid /dev/hidraw3: device disconnected (${UNPLUGGED})` });
    expect(t.isOpen).toBe(false);
    expect(registry.list()).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handle.closed).toBe(true);
    await expect(t.write(Uint8Array.of(0x04, 0x01))).rejects.toMatchObject({ code: 'closed', message: 'hid /dev/hidraw3: not open' });
    // Replugged: the same transport opens again.
    await t.open();
    handleOf('/dev/hidraw3').input([0x02, 0x01, 0x33]);
    expect(got).toEqual([[0x02, 0x01, 0x33]]);
  });

  it('writes output reports as given; a write to a vanished device closes it with the error', async () => {
    const t = hid();
    const reasons: Array<Error | null> = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    const handle = handleOf('/dev/hidraw3');
    await t.write(Uint8Array.of(0xfd, 0x03, 0x16, 0x07, 0x0d));
    expect(handle.written).toEqual([[0xfd, 0x03, 0x16, 0x07, 0x0d]]);
    await expect(t.write(new Uint8Array(0))).rejects.toThrow(RangeError);
    handle.writeError = 'Cannot write to hid device: Broken pipe';
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'io', message: 'hid /dev/hidraw3: write failed (Cannot write to hid device: Broken pipe)' });
    expect(t.isOpen).toBe(true);
    handle.writeError = 'Cannot write to hid device: No such device';
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'io', message: expect.stringContaining('device disconnected') });
    expect(t.isOpen).toBe(false);
    expect(reasons).toEqual([expect.objectContaining({ code: 'io' })]);
  });

  it('an aborted open never holds the device', async () => {
    const before = new AbortController();
    before.abort();
    await expect(hid().open(before.signal)).rejects.toMatchObject({ code: 'closed', message: 'hid /dev/hidraw3: open aborted' });
    expect(backend.opened).toEqual([]);

    let release = (): void => undefined;
    backend.gate = new Promise((resolve) => {
      release = resolve;
    });
    const during = new AbortController();
    const t = hid();
    const opening = t.open(during.signal);
    // Bounded: the open reaches node-hid after one realpath.
    for (let i = 0; i < 200 && backend.opened.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    during.abort();
    release();
    expect(backend.opened).toEqual(['/dev/hidraw3']);
    await expect(opening).rejects.toMatchObject({ code: 'closed' });
    expect(handleOf('/dev/hidraw3').closed).toBe(true);
    expect(t.isOpen).toBe(false);
    expect(registry.list()).toEqual([]);
  });

  it('with HidPosScanner attached: reports become scans; a removal mid-message drops it; reopened it scans again', async () => {
    const t = hid();
    const scanner = new HidPosScanner();
    const scans: ScanEvent[] = [];
    const warnings: ScanWarning[] = [];
    scanner.onScan((s) => scans.push(s));
    scanner.onWarning((w) => warnings.push(w));
    scanner.attach(t);
    await t.open();
    const url = `https://kassa.example.org/q/${'9'.repeat(80)}`;
    for (const r of scanToHidReports(url, { aim: ']Q1' })) handleOf('/dev/hidraw3').input([...r]);
    expect(scans).toEqual([{ type: 'SCAN', data: url, symbology: ']Q1', source: 'hid-pos' }]);
    handleOf('/dev/hidraw3').input([...scanToHidReports(url, { aim: ']Q1' })[0]!]);
    handleOf('/dev/hidraw3').emit('error', UNPLUGGED);
    expect(warnings).toEqual([{ type: 'SCAN_WARNING', reason: 'hid:/dev/hidraw3 closed in the middle of a multi-report message: 64 bytes dropped', bytes: 64 }]);
    await t.open();
    handleOf('/dev/hidraw3').input([...scanToHidReports('96385074', { aim: ']E4' })[0]!]);
    expect(scans.map((s) => s.data)).toEqual([url, '96385074']);
  });

  it('refuses a config that names no device, or ids that are not USB ids', () => {
    expect(() => new HidTransport({})).toThrow(/needs a path \(e\.g\. "\/dev\/hidraw0"\) or both vendorId and productId/);
    expect(() => new HidTransport({ vendorId: 0x0c2e })).toThrow(RangeError);
    expect(() => new HidTransport({ path: '' })).toThrow(/must not be empty/);
    expect(() => new HidTransport({ vendorId: 0x10000, productId: 1 })).toThrow(/vendorId must be a USB id/);
    expect(() => new HidTransport({ vendorId: 1, productId: -1 })).toThrow(/productId must be a USB id/);
  });
});
