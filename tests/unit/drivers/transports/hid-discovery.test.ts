import { describe, expect, it } from 'vitest';
import { listHidDevices } from '../../../../drivers/transports/hid-discovery.ts';
import type { RawHidDevice } from '../../../../drivers/transports/hid-transport.ts';

// What node-hid's devicesAsync() reports on a till with a Honeywell scanner (keyboard and
// HID-POS interfaces), a Zebra/Symbol scanner still in keyboard mode, an Epson printer's vendor
// interface, a HID-POS scanner from a vendor not in the table, a mouse and a keyboard.
const LISTED: RawHidDevice[] = [
  { vendorId: 0x046d, productId: 0xc077, path: '/dev/hidraw0', usagePage: 0x01, usage: 0x02, interface: 0, manufacturer: 'Logitech', product: 'USB Optical Mouse', release: 0x7200 },
  { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw11', usagePage: 0x8c, usage: 0x02, interface: 1, manufacturer: 'Honeywell Imaging & Mobility', product: 'Xenon 1900', serialNumber: '15232B1F0C' },
  { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw2', usagePage: 0x01, usage: 0x06, interface: 0, manufacturer: 'Honeywell Imaging & Mobility', product: 'Xenon 1900' },
  { vendorId: 0x05e0, productId: 0x1200, path: '/dev/hidraw5', usagePage: 0x01, usage: 0x06, interface: 0, manufacturer: 'Symbol Technologies, Inc, 2008', product: 'Symbol Bar Code Scanner' },
  { vendorId: 0x04b8, productId: 0x0202, path: '/dev/hidraw4', usagePage: 0xff00, usage: 0x01, interface: 0, manufacturer: 'EPSON', product: 'TM-T88V' },
  { vendorId: 0x1234, productId: 0x5678, path: '/dev/hidraw7', usagePage: 0x8c, usage: 0x02, interface: -1, manufacturer: '  ', product: 'BT Scanner' },
  { vendorId: 0x413c, productId: 0x2113, path: '/dev/hidraw1', usagePage: 0x01, usage: 0x06, interface: 0, manufacturer: 'Dell', product: 'KB216' },
];

describe('listHidDevices', () => {
  it('lists POS vendors and any HID-POS interface, sorted by path, and says which Kassa can drive', async () => {
    const found = await listHidDevices(async () => LISTED);
    expect(found.map((d) => [d.path, d.hidPos])).toEqual([
      ['/dev/hidraw2', false],
      ['/dev/hidraw4', false],
      ['/dev/hidraw5', false],
      ['/dev/hidraw7', true],
      ['/dev/hidraw11', true],
    ]);
    expect(found.find((d) => d.path === '/dev/hidraw11')).toEqual({
      path: '/dev/hidraw11',
      vendorId: 0x0c2e,
      productId: 0x0b61,
      vendor: expect.objectContaining({ name: 'Metrologic (Honeywell)', kinds: ['scanner'] }),
      vendorName: 'Metrologic (Honeywell)',
      manufacturer: 'Honeywell Imaging & Mobility',
      product: 'Xenon 1900',
      serialNumber: '15232B1F0C',
      usagePage: 0x8c,
      usage: 0x02,
      interfaceNumber: 1,
      hidPos: true,
      note: 'HID-POS barcode scanner: configure it as a scanner with transport "hid"',
    });
  });

  it('tells the installer to switch a scanner in keyboard mode, and why other interfaces are not driven', async () => {
    const found = await listHidDevices(async () => LISTED);
    const note = (path: string): string | undefined => found.find((d) => d.path === path)?.note;
    expect(note('/dev/hidraw5')).toBe('keyboard interface: the OS owns it; program the scanner for HID-POS (or USB serial) mode');
    expect(note('/dev/hidraw4')).toBe('usage page 0xFF00: not a HID interface Kassa drives');
  });

  it('a HID-POS scanner of an unknown vendor is listed without a table entry; blank strings become null', async () => {
    const [bt] = (await listHidDevices(async () => LISTED)).filter((d) => d.path === '/dev/hidraw7');
    expect(bt).toMatchObject({ vendor: null, vendorName: null, manufacturer: null, product: 'BT Scanner', interfaceNumber: null, hidPos: true });
  });

  it('lists a hidraw node once, with its HID-POS collection when it has several', async () => {
    const collections: RawHidDevice[] = [
      { vendorId: 0x0536, productId: 0x02e1, path: '/dev/hidraw3', usagePage: 0xff45, usage: 0x01 },
      { vendorId: 0x0536, productId: 0x02e1, path: '/dev/hidraw3', usagePage: 0x8c, usage: 0x02 },
      { vendorId: 0x0536, productId: 0x02e1, path: '/dev/hidraw3', usagePage: 0x01, usage: 0x06 },
    ];
    const found = await listHidDevices(async () => collections);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: '/dev/hidraw3', usagePage: 0x8c, hidPos: true, vendorName: 'Hand Held Products (Honeywell)' });
  });

  it('keeps a HID-POS entry without a path but cannot drive it', async () => {
    const found = await listHidDevices(async () => [{ vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c }]);
    expect(found).toEqual([expect.objectContaining({ path: null, hidPos: false, note: 'HID-POS barcode scanner, but hidapi gave no path to open' })]);
  });

  it('lists nothing when no POS device is plugged in', async () => {
    expect(await listHidDevices(async () => LISTED.filter((d) => d.vendorId === 0x046d || d.vendorId === 0x413c))).toEqual([]);
  });

  it('real node-hid: every row it returns is well formed (none on a machine without HID devices)', async () => {
    const found = await listHidDevices();
    expect(Array.isArray(found)).toBe(true);
    for (const d of found) {
      expect(d.vendor !== null || d.usagePage === 0x8c).toBe(true);
      expect(d.hidPos).toBe(d.usagePage === 0x8c && d.path !== null);
    }
  });
});
