// Finds HID devices that may belong at a till, for `kassa devices` and the manager's device
// screen, and says which ones Kassa can drive. node-hid's devicesAsync() does the finding
// (through hidapi, from sysfs; no permission on the device is needed); hand-written is the
// filter and the verdict, using the vendor table in discovery.ts.
//
// Decisions:
// - Listed: devices of a known POS vendor (KNOWN_VENDORS, generic chip ids included, as for
//   serial ports: a match there says "maybe"), and any device with a usage page 0x8C (HID-POS
//   barcode scanner) interface, whatever its vendor. Other HID devices (mice, keyboards) are
//   left out.
// - `hidPos` (Kassa can drive it) means the interface has usage page 0x8C and a path to open.
//   A known scanner vendor's keyboard interface is listed with a note saying to switch the
//   scanner to HID-POS or USB-serial mode: the OS owns keyboards (reference/hardware.md §3).
// - hidapi lists a hidraw node once per top-level collection; a node is listed once, with its
//   HID-POS collection when it has one, so a row is one thing that can be opened.
// - Sorted by path, so the list is stable between runs.

import { knownVendor } from './discovery.ts';
import type { KnownVendor } from './discovery.ts';
import { nodeHidBackend } from './hid-transport.ts';
import type { RawHidDevice } from './hid-transport.ts';
import { HID_POS_USAGE_PAGE } from '../scanner/hid-pos.ts';

export interface HidDeviceInfo {
  /** The hidraw node to open (e.g. /dev/hidraw3), or null when hidapi gave none. */
  readonly path: string | null;
  readonly vendorId: number;
  readonly productId: number;
  /** The POS vendor table's entry for `vendorId`, or null (a HID-POS device of another vendor). */
  readonly vendor: KnownVendor | null;
  /** The vendor's name: the table's, else the device's manufacturer string, else null. */
  readonly vendorName: string | null;
  readonly manufacturer: string | null;
  readonly product: string | null;
  readonly serialNumber: string | null;
  readonly usagePage: number | null;
  readonly usage: number | null;
  /** The USB interface number (null when unknown, e.g. Bluetooth, which hidapi reports as -1). */
  readonly interfaceNumber: number | null;
  /** A HID-POS barcode scanner interface (usage page 0x8C): Kassa can drive it. */
  readonly hidPos: boolean;
  /** One line for the installer: what this interface is and what to do with it. */
  readonly note: string;
}

const GENERIC_DESKTOP = 0x01;
const KEYBOARD = 0x06;

function text(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function noteFor(device: RawHidDevice, vendor: KnownVendor | null): string {
  if (device.usagePage === HID_POS_USAGE_PAGE) {
    return device.path ? 'HID-POS barcode scanner: configure it as a scanner with transport "hid"' : 'HID-POS barcode scanner, but hidapi gave no path to open';
  }
  const scannerVendor = vendor?.kinds.includes('scanner') ?? false;
  if (device.usagePage === GENERIC_DESKTOP && device.usage === KEYBOARD) {
    return scannerVendor
      ? 'keyboard interface: the OS owns it; program the scanner for HID-POS (or USB serial) mode'
      : 'keyboard interface: not a device Kassa drives';
  }
  return `usage page 0x${(device.usagePage ?? 0).toString(16).toUpperCase()}: not a HID interface Kassa drives`;
}

/** `list` is injectable for tests; the default is node-hid's devicesAsync(), loaded on first use. */
export async function listHidDevices(list: () => Promise<RawHidDevice[]> = () => nodeHidBackend.list()): Promise<HidDeviceInfo[]> {
  const devices = await list();
  const rows = new Map<string, RawHidDevice>();
  const pathless: RawHidDevice[] = [];
  for (const device of devices) {
    if (knownVendor(device.vendorId) === null && device.usagePage !== HID_POS_USAGE_PAGE) continue;
    if (!device.path) {
      pathless.push(device);
      continue;
    }
    const seen = rows.get(device.path);
    if (seen === undefined || (seen.usagePage !== HID_POS_USAGE_PAGE && device.usagePage === HID_POS_USAGE_PAGE)) rows.set(device.path, device);
  }
  const ordered = [...rows.values()].sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '', 'en', { numeric: true }));
  return [...ordered, ...pathless].map((device) => {
    const vendor = knownVendor(device.vendorId);
    return {
      path: device.path || null,
      vendorId: device.vendorId,
      productId: device.productId,
      vendor,
      vendorName: vendor?.name ?? text(device.manufacturer),
      manufacturer: text(device.manufacturer),
      product: text(device.product),
      serialNumber: text(device.serialNumber),
      usagePage: device.usagePage ?? null,
      usage: device.usage ?? null,
      interfaceNumber: device.interface !== undefined && device.interface >= 0 ? device.interface : null,
      hidPos: device.usagePage === HID_POS_USAGE_PAGE && Boolean(device.path),
      note: noteFor(device, vendor),
    };
  });
}
