// ReportTransport over node-hid's HIDAsync: HID-POS barcode scanners (usage page 0x8C) on
// /dev/hidraw*. node-hid does the I/O; what is hand-written here is what it leaves to the
// caller: choosing the right interface of a multi-interface scanner, mapping its text-only
// errors to TransportError codes that name the device, one owner per device, and turning a
// read error into "the device went away".
//
// Decisions (reference/hardware.md §3):
// - node-hid is imported lazily (dynamic import on the first open or list), so nothing loads
//   the native module unless a HID device is configured. On Linux it picks its hidraw backend
//   by itself (`loadBinding` uses HID_hidraw unless setDriverType says otherwise); report
//   byte 0 is then the report id, which is what the HID-POS assembler expects.
// - The node-hid layer is a two-function `HidBackend` (open a path, list devices), injectable,
//   because no HID device can be created on a test machine (no /dev/uhid).
// - Opening by vendorId/productId lists the devices and opens a path, never hid_open(vid,pid):
//   that opens the first interface it enumerates, which on a scanner is often its keyboard
//   interface. The interface with `usagePage` (default 0x8C, HID-POS) is chosen; a device
//   present without one gets an error that says to switch the scanner to HID-POS mode.
//   `usagePage: null` takes the first interface, for other HID devices. `path` wins when both
//   are given.
// - One owner per device: the registry key is the resolved hidraw path, so opening by a udev
//   symlink, by /dev/hidrawN and by vendor/product id all count as one device. hidraw has no
//   exclusive open (other processes may read the same reports), so this is in-process only.
// - node-hid's errors are strings or Errors with hidapi's text and no errno, so they are
//   matched by text ("Failed to open a device with path '…': Permission denied"). Permission
//   denied names the udev rule that fixes it, with the vendor id when it can be found.
// - node-hid stops reading after a read error (an unplugged device reports "unexpected poll
//   error (device disconnected)"): that is onClose(error), and the handle is closed.
// - Reports are delivered synchronously from node-hid's 'data' event (scan latency).

import { realpath } from 'node:fs/promises';
import type * as NodeHidModule from 'node-hid';
import { abortedOpen, SingleOpen, TransportError } from './byte-transport.ts';
import { ListenerSet } from './listener-set.ts';
import type { Claim, PortRegistry } from './port-registry.ts';
import { portRegistry } from './port-registry.ts';
import type { ReportTransport } from './report-transport.ts';
import { HID_POS_USAGE_PAGE } from '../scanner/hid-pos.ts';

/** One entry of node-hid's devices list (the fields used here). */
export interface RawHidDevice {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  release?: number | undefined;
  interface?: number | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** The subset of node-hid's HIDAsync used here. */
export interface HidDeviceHandle {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  /** node-hid emits read errors as strings or Errors. */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  write(report: Buffer): Promise<number>;
  close(): Promise<void>;
}

export interface HidBackend {
  open(path: string): Promise<HidDeviceHandle>;
  list(): Promise<RawHidDevice[]>;
}

type NodeHid = typeof NodeHidModule;
let nodeHid: Promise<NodeHid> | null = null;

/** Loads node-hid once; a failure (no prebuilt binary for this platform) names the package. */
export function loadNodeHid(): Promise<NodeHid> {
  nodeHid ??= import('node-hid').catch((error: unknown) => {
    nodeHid = null;
    const message = error instanceof Error ? error.message : String(error);
    throw new TransportError('io', `HID support (node-hid) could not be loaded: ${message}`, { cause: error });
  });
  return nodeHid;
}

/** The real backend: node-hid's HIDAsync.open(path) and devicesAsync(). */
export const nodeHidBackend: HidBackend = {
  async open(path) {
    const { HIDAsync } = await loadNodeHid();
    return HIDAsync.open(path);
  },
  async list() {
    const { devicesAsync } = await loadNodeHid();
    return devicesAsync();
  },
};

export interface HidConfig {
  /** e.g. /dev/hidraw3 or a udev symlink. Wins over vendorId/productId. */
  readonly path?: string;
  readonly vendorId?: number;
  readonly productId?: number;
  /** Interface to pick when opening by vendor/product id (default 0x8C HID-POS; null: the first). */
  readonly usagePage?: number | null;
  /** Who holds the device, as the busy message shows it: 'the scanner driver'. */
  readonly owner?: string;
  readonly registry?: PortRegistry;
  readonly backend?: HidBackend;
}

/** 4 lowercase hex digits, as lsusb and udev's ATTRS{idVendor} write USB ids. */
export function usbIdHex(id: number): string {
  return id.toString(16).padStart(4, '0');
}

function checkUsbId(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`HID ${name} must be a USB id 0x0000–0xFFFF, got ${value}`);
}

export class HidTransport implements ReportTransport {
  readonly id: string;
  private readonly label: string;
  private readonly path: string | null;
  private readonly vendorId: number | null;
  private readonly productId: number | null;
  private readonly usagePage: number | null;
  private readonly owner: string;
  private readonly registry: PortRegistry;
  private readonly backend: HidBackend;
  private handle: HidDeviceHandle | null = null;
  private claim: Claim | null = null;
  private readonly opening = new SingleOpen();
  private closing = false;
  private readonly reports = new ListenerSet<Uint8Array>();
  private readonly closed = new ListenerSet<Error | null>();

  constructor(config: HidConfig) {
    checkUsbId('vendorId', config.vendorId);
    checkUsbId('productId', config.productId);
    if (config.path !== undefined && config.path.length === 0) throw new RangeError('HID path must not be empty (e.g. "/dev/hidraw0")');
    if (config.path === undefined && (config.vendorId === undefined || config.productId === undefined)) {
      throw new RangeError('a HID device needs a path (e.g. "/dev/hidraw0") or both vendorId and productId');
    }
    this.path = config.path ?? null;
    this.vendorId = config.vendorId ?? null;
    this.productId = config.productId ?? null;
    this.usagePage = config.usagePage === undefined ? HID_POS_USAGE_PAGE : config.usagePage;
    this.owner = config.owner ?? 'an unnamed driver';
    this.registry = config.registry ?? portRegistry;
    this.backend = config.backend ?? nodeHidBackend;
    const address = this.path ?? `${usbIdHex(this.vendorId ?? 0)}:${usbIdHex(this.productId ?? 0)}`;
    this.id = `hid:${address}`;
    this.label = `hid ${address}`;
  }

  get isOpen(): boolean {
    return this.handle !== null && !this.closing;
  }

  open(signal?: AbortSignal): Promise<void> {
    if (this.handle) return Promise.resolve();
    return this.opening.run(() => this.doOpen(signal));
  }

  private async doOpen(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortedOpen(this.label, signal);
    const path = this.path ?? (await this.findPath());
    if (signal?.aborted) throw abortedOpen(this.label, signal);
    const resolved = await realpath(path).catch(() => path);
    const claim = this.registry.claim(`hid:${resolved}`, this.owner);
    let handle: HidDeviceHandle;
    try {
      handle = await this.backend.open(path);
    } catch (error) {
      claim.release();
      throw await this.openError(path, error);
    }
    if (signal?.aborted) {
      await handle.close().catch(() => undefined);
      claim.release();
      throw abortedOpen(this.label, signal);
    }
    this.handle = handle;
    this.claim = claim;
    this.closing = false;
    handle.on('data', (report) => {
      if (this.live(handle)) this.reports.emit(report);
    });
    handle.on('error', (error) => this.lose(handle, hidReadError(this.label, error)));
  }

  async close(): Promise<void> {
    await this.opening.settled();
    const handle = this.handle;
    if (!handle || this.closing) return;
    this.closing = true;
    // node-hid ignores read errors while closing and drops its listeners once closed.
    await handle.close().catch(() => undefined);
    this.finish(handle, null);
  }

  async write(report: Uint8Array): Promise<void> {
    const handle = this.handle;
    if (!handle || this.closing) throw new TransportError('closed', `${this.label}: not open`);
    if (report.length === 0) throw new RangeError(`${this.label}: a report cannot be empty (byte 0 is the report id, 0 when unnumbered)`);
    try {
      await handle.write(Buffer.from(report));
    } catch (error) {
      const message = errorText(error);
      if (DEVICE_GONE.test(message)) {
        const gone = new TransportError('io', `${this.label}: device disconnected (${message})`, { cause: error });
        this.lose(handle, gone);
        throw gone;
      }
      if (!this.live(handle)) throw new TransportError('closed', `${this.label}: closed before the write finished`, { cause: error });
      throw new TransportError('io', `${this.label}: write failed (${message})`, { cause: error });
    }
  }

  onReport(listener: (report: Uint8Array) => void): () => void {
    return this.reports.add(listener);
  }

  onClose(listener: (reason: Error | null) => void): () => void {
    return this.closed.add(listener);
  }

  private live(handle: HidDeviceHandle): boolean {
    return this.handle === handle && !this.closing;
  }

  /** The hidraw path of the configured vendor/product id, on the wanted interface. */
  private async findPath(): Promise<string> {
    const devices = await this.backend.list();
    const matching = devices.filter((d) => d.vendorId === this.vendorId && d.productId === this.productId && d.path);
    if (matching.length === 0) {
      throw new TransportError('not-found', `${this.label}: no such device (not plugged in, or in a USB mode without HID)`);
    }
    const wanted = this.usagePage === null ? matching[0] : matching.find((d) => d.usagePage === this.usagePage);
    if (!wanted?.path) {
      const page = `0x${(this.usagePage ?? 0).toString(16).toUpperCase()}`;
      const pages = [...new Set(matching.map((d) => (d.usagePage === undefined ? '?' : `0x${d.usagePage.toString(16).toUpperCase()}`)))].join(', ');
      const hint = this.usagePage === HID_POS_USAGE_PAGE ? ': the scanner is probably in keyboard mode; program it for HID-POS (or USB serial) mode' : '';
      throw new TransportError('not-found', `${this.label}: the device is plugged in but has no interface with usage page ${page} (it has ${pages})${hint}`);
    }
    return wanted.path;
  }

  private async openError(path: string, error: unknown): Promise<TransportError> {
    const message = errorText(error);
    if (/Permission denied|EACCES|EPERM|Operation not permitted/i.test(message)) {
      const vendorId = this.vendorId ?? (await this.vendorOf(path));
      return new TransportError('io', `${this.label}: permission denied. ${udevHint(vendorId)}`, { cause: error });
    }
    return hidOpenError(this.label, error);
  }

  /** Best effort: the vendor id of the device at `path`, for the udev hint. */
  private async vendorOf(path: string): Promise<number | null> {
    try {
      const resolved = await realpath(path).catch(() => path);
      const devices = await this.backend.list();
      return devices.find((d) => d.path === path || d.path === resolved)?.vendorId ?? null;
    } catch {
      return null;
    }
  }

  private lose(handle: HidDeviceHandle, reason: TransportError): void {
    if (!this.live(handle)) return;
    this.closing = true;
    void handle.close().catch(() => undefined);
    this.finish(handle, reason);
  }

  private finish(handle: HidDeviceHandle, reason: Error | null): void {
    if (this.handle !== handle) return;
    this.handle = null;
    this.closing = false;
    this.claim?.release();
    this.claim = null;
    this.closed.emit(reason);
  }
}

// hidapi's texts for a device that is gone: "No such device" (ENODEV) from write, the poll
// error from read, EIO from either.
const DEVICE_GONE = /No such device|\bENODEV\b|device disconnected|Input\/output error|\bEIO\b/i;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The udev rule that gives a non-root user a hidraw device (reference/hardware.md §3). */
export function udevHint(vendorId: number | null): string {
  const vendor = vendorId === null ? '<vendor id, see lsusb>' : usbIdHex(vendorId);
  return (
    `hidraw devices are root-only until a udev rule allows them: put ` +
    `SUBSYSTEM=="hidraw", ATTRS{idVendor}=="${vendor}", MODE="0660", GROUP="plugdev" ` +
    `in /etc/udev/rules.d/70-kassa-hid.rules, run "udevadm control --reload-rules && udevadm trigger", ` +
    `add the user to the plugdev group and replug the device`
  );
}

/** Maps a node-hid open error (text only, see the header) to a TransportError naming the device. */
export function hidOpenError(label: string, error: unknown): TransportError {
  const message = errorText(error);
  if (/No such file or directory|ENOENT|No such device|ENODEV|ENXIO|not found/i.test(message)) {
    return new TransportError('not-found', `${label}: no such device`, { cause: error });
  }
  if (/Permission denied|EACCES|EPERM|Operation not permitted/i.test(message)) {
    return new TransportError('io', `${label}: permission denied. ${udevHint(null)}`, { cause: error });
  }
  if (/Device or resource busy|EBUSY/i.test(message)) {
    return new TransportError('busy', `${label}: busy (another program holds the device)`, { cause: error });
  }
  if (/not a HIDRAW device/i.test(message)) {
    return new TransportError('io', `${label}: not a hidraw device (HID devices are /dev/hidraw*)`, { cause: error });
  }
  return new TransportError('io', `${label}: cannot open (${message})`, { cause: error });
}

/** A node-hid read error: the read loop has stopped, so the device is treated as gone. */
export function hidReadError(label: string, error: unknown): TransportError {
  return new TransportError('io', `${label}: device disconnected (${errorText(error)})`, { cause: error });
}
