import { describe, expect, it } from 'vitest';
import { KNOWN_VENDORS, knownVendor, listSerialPorts, parseUsbId } from '../../../../drivers/transports/discovery.ts';

describe('known POS vendors', () => {
  it('finds vendors by number or by the hex string serialport reports', () => {
    expect(knownVendor(0x04b8)?.name).toBe('Seiko Epson');
    expect(knownVendor('0519')?.name).toBe('Star Micronics');
    expect(knownVendor('0C2E')?.name).toBe('Metrologic (Honeywell)');
    expect(knownVendor('0x05e0')?.kinds).toEqual(['scanner']);
    expect(knownVendor(0x1a86)).toMatchObject({ generic: true, kinds: ['usb-serial'] });
    expect(knownVendor(0x1234)).toBeNull();
    expect(knownVendor(undefined)).toBeNull();
    expect(knownVendor('zebra')).toBeNull();
  });

  it('has each vendor id once', () => {
    const ids = KNOWN_VENDORS.map((v) => v.vendorId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('parses USB ids strictly', () => {
    expect(parseUsbId('04b8')).toBe(0x04b8);
    expect(parseUsbId(' 1d90 ')).toBe(0x1d90);
    expect(parseUsbId('12345')).toBeNull();
    expect(parseUsbId('')).toBeNull();
    expect(parseUsbId(-1)).toBeNull();
    expect(parseUsbId(0x10000)).toBeNull();
  });
});

describe('listSerialPorts', () => {
  it('maps serialport list entries to numbers, nulls and a known vendor', async () => {
    const ports = await listSerialPorts(async () => [
      { path: '/dev/ttyUSB0', manufacturer: 'FTDI', vendorId: '0403', productId: '6001', serialNumber: 'A1B2' },
      { path: '/dev/ttyACM0', manufacturer: 'EPSON', vendorId: '04B8', productId: '0e15', serialNumber: undefined },
      { path: '/dev/ttyS0', manufacturer: undefined, vendorId: undefined, productId: undefined, serialNumber: '' },
    ]);
    expect(ports).toEqual([
      { path: '/dev/ttyUSB0', manufacturer: 'FTDI', vendorId: 0x0403, productId: 0x6001, serialNumber: 'A1B2', vendor: knownVendor(0x0403) },
      { path: '/dev/ttyACM0', manufacturer: 'EPSON', vendorId: 0x04b8, productId: 0x0e15, serialNumber: null, vendor: knownVendor(0x04b8) },
      { path: '/dev/ttyS0', manufacturer: null, vendorId: null, productId: null, serialNumber: null, vendor: null },
    ]);
  });
});
