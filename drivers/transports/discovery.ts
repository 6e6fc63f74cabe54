// Finds serial ports and says which ones look like POS devices, for `kassa devices` and the
// manager's device screen. serialport's list() does the finding; hand-written is the mapping
// to numbers and the table of POS vendor ids (no npm package keeps one).
//
// The table: every vendor id below was checked against usb.ids 2025.07.26 (Debian package
// usb.ids), which names the company that owns the id. That a company makes POS devices is
// from product knowledge. `generic` marks chip makers and USB-serial bridges whose ids many
// unrelated products reuse: a match says "maybe a POS device", never which one.
// Not listed: Zebex and Sunmi have no vendor entry in usb.ids; Sunmi and many Chinese
// printers (Xprinter, Elgin, ...) are reported to use STMicro 0x0483 or Winbond 0x0416 chips
// with the chip maker's id (unverified), which the generic rows cover.
//
// HID devices (HID-POS scanners, usage page 0x8C) are listed by ./hid-discovery.ts with
// node-hid, using the vendor table below.

import { SerialPort } from 'serialport';

export type VendorKind = 'printer' | 'scanner' | 'scale' | 'pos' | 'usb-serial' | 'chip';

export interface KnownVendor {
  readonly vendorId: number;
  readonly name: string;
  /** What this vendor's devices at a till usually are. */
  readonly kinds: readonly VendorKind[];
  /** The id is shared by many unrelated products (chip makers, USB-serial bridges). */
  readonly generic: boolean;
}

const vendor = (vendorId: number, name: string, kinds: readonly VendorKind[], generic = false): KnownVendor => ({ vendorId, name, kinds, generic });

export const KNOWN_VENDORS: readonly KnownVendor[] = [
  vendor(0x04b8, 'Seiko Epson', ['printer', 'pos']),
  vendor(0x0519, 'Star Micronics', ['printer']),
  vendor(0x1d90, 'Citizen', ['printer']),
  vendor(0x2730, 'Citizen', ['printer']),
  vendor(0x1504, 'Bixolon', ['printer']),
  vendor(0x154f, 'SNBC', ['printer']),
  vendor(0x0dd4, 'Custom Engineering', ['printer']),
  vendor(0x0a5f, 'Zebra Technologies', ['printer']),
  vendor(0x0d3a, 'Posiflex', ['printer', 'pos']),
  vendor(0x08a6, 'Toshiba TEC', ['printer', 'pos']),
  vendor(0x0404, 'NCR', ['scanner', 'pos']),
  vendor(0x0aa7, 'Wincor Nixdorf', ['printer', 'pos']),
  vendor(0x05e0, 'Symbol Technologies (Zebra)', ['scanner']),
  vendor(0x0c2e, 'Metrologic (Honeywell)', ['scanner']),
  vendor(0x0536, 'Hand Held Products (Honeywell)', ['scanner']),
  vendor(0x05f9, 'PSC Scanning (Datalogic)', ['scanner']),
  vendor(0x080c, 'Datalogic', ['scanner']),
  vendor(0x1eab, 'Newland', ['scanner']),
  vendor(0x065a, 'Opticon', ['scanner']),
  vendor(0x0eb8, 'Mettler Toledo', ['scale']),
  vendor(0x0403, 'FTDI (USB-serial bridge)', ['usb-serial'], true),
  vendor(0x067b, 'Prolific (USB-serial bridge)', ['usb-serial'], true),
  vendor(0x10c4, 'Silicon Labs (USB-serial bridge)', ['usb-serial'], true),
  vendor(0x1a86, 'QinHeng CH340 (USB-serial bridge)', ['usb-serial'], true),
  vendor(0x0483, 'STMicroelectronics (chip)', ['chip'], true),
  vendor(0x0416, 'Winbond (chip)', ['chip'], true),
];

const byId = new Map(KNOWN_VENDORS.map((v) => [v.vendorId, v]));

/** Accepts a number (0x04b8) or the hex string serialport reports ('04b8', '04B8', '0x04b8'). */
export function knownVendor(vendorId: number | string | null | undefined): KnownVendor | null {
  const id = parseUsbId(vendorId);
  return id === null ? null : (byId.get(id) ?? null);
}

export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer: string | null;
  readonly vendorId: number | null;
  readonly productId: number | null;
  readonly serialNumber: string | null;
  readonly vendor: KnownVendor | null;
}

/** What serialport's list() returns per port (the fields used here). */
export interface RawPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

/** `list` is injectable for tests; on Linux serialport's own needs udevadm. */
export async function listSerialPorts(list: () => Promise<RawPortInfo[]> = () => SerialPort.list()): Promise<SerialPortInfo[]> {
  const ports = await list();
  return ports.map((port) => {
    const vendorId = parseUsbId(port.vendorId);
    return {
      path: port.path,
      manufacturer: port.manufacturer || null,
      vendorId,
      productId: parseUsbId(port.productId),
      serialNumber: port.serialNumber || null,
      vendor: vendorId === null ? null : (byId.get(vendorId) ?? null),
    };
  });
}

export function parseUsbId(value: number | string | null | undefined): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 0xffff ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^(?:0x)?([0-9a-f]{1,4})$/i.exec(value.trim());
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 16);
}
