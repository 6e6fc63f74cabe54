// The devices block of kassa.config.json: defaults filled in, and every mistake refused with
// the field named and what was expected.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/core/config.ts';
import { deviceAddress } from '../../../src/core/device-config.ts';

function problems(devices: unknown): string[] {
  try {
    parseConfig({ devices });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('devices in kassa.config.json', () => {
  it('no block means no devices', () => {
    expect(parseConfig({}).devices).toEqual([]);
  });

  it('fills in defaults for a full counter', () => {
    const { devices } = parseConfig({
      devices: [
        { type: 'printer', transport: 'serial', path: '/dev/ttyUSB0', drawer: {} },
        { type: 'scanner', transport: 'hid', vendorId: '0x0c2e', productId: 2048 },
        { type: 'display', transport: 'serial', path: '/dev/ttyUSB1', commandSet: 'cd5220' },
        { type: 'scale', transport: 'serial', path: '/dev/ttyUSB2', baudRate: 9600, dataBits: 7, parity: 'even' },
      ],
    });
    expect(devices[0]).toMatchObject({
      id: 'printer',
      transport: 'serial',
      baudRate: 9600,
      parity: 'none',
      flowControl: 'none',
      profile: 'epson-tm-t88',
      confirmTimeoutS: 15,
      drawer: { pin: 2, onMs: 100, offMs: 200, polarity: 'high-is-open', leftOpenAlertS: 60, openOnCashSale: true },
    });
    expect(devices[1]).toMatchObject({ id: 'scanner', transport: 'hid', vendorId: 0x0c2e, productId: 2048, suffix: 'CR', aim: false });
    expect(devices[2]).toMatchObject({ id: 'display', commandSet: 'cd5220', charset: 'cp437-yen' });
    expect(devices[3]).toMatchObject({ id: 'scale', unit: 'kg', mode: 'demand', dataBits: 7, parity: 'even' });
    expect(devices.map(deviceAddress)).toEqual(['serial:/dev/ttyUSB0', 'hid:0x0c2e:0x0800', 'serial:/dev/ttyUSB1', 'serial:/dev/ttyUSB2']);
  });

  it('network and USB printers', () => {
    const { devices } = parseConfig({ devices: [{ type: 'printer', transport: 'tcp', host: '10.0.0.7' }] });
    expect(deviceAddress(devices[0]!)).toBe('tcp:10.0.0.7:9100');
    expect(problems([{ type: 'printer', transport: 'usb-lp', path: '/dev/ttyS0' }])).toEqual([
      'devices.0.path: expected a USB printer device such as "/dev/usb/lp0" (got "/dev/ttyS0")',
    ]);
  });

  it('names the field and what is expected', () => {
    expect(problems([{ type: 'toaster' }])).toEqual(['devices.0.type: expected one of printer, scanner, display, scale (got "toaster")']);
    expect(problems([{ type: 'display', transport: 'tcp', host: 'x' }])).toEqual(['devices.0.transport: a display connects over "serial" (got "tcp")']);
    expect(problems([{ type: 'printer', transport: 'serial', path: '/dev/x', baudRate: 1234 }])[0]).toMatch(/^devices\.0\.baudRate: expected one of 1200, .* \(got 1234\)$/);
    expect(problems([{ type: 'printer', transport: 'serial', path: '/dev/x', profile: 'epson-tm-x' }])[0]).toMatch(/^devices\.0\.profile: expected a printer profile: epson-tm-t20, /);
    expect(problems([{ type: 'scanner', transport: 'hid' }])[0]).toMatch(/expected "path" .* or both "vendorId" and "productId"/);
    expect(problems([{ type: 'scanner', transport: 'hid', vendorId: 'zz', productId: 1 }])[0]).toMatch(/devices\.0\.vendorId: expected a USB id/);
    expect(problems([{ type: 'printer', transport: 'serial', path: '/dev/x', drawer: { pin: 3 } }])[0]).toMatch(/^devices\.0\.drawer\.pin/);
    expect(problems('printer')[0]).toMatch(/^devices: /);
  });

  it('one port has one owner, ids are unique, and one printer, display and scale at most', () => {
    expect(problems([
      { type: 'scanner', transport: 'serial', path: '/dev/ttyS0' },
      { type: 'scale', transport: 'serial', path: '/dev/ttyS0' },
    ])).toEqual([expect.stringMatching(/^devices\.1: serial:\/dev\/ttyS0 is already used by device 0: one port has one owner/)]);
    expect(problems([
      { id: 'a', type: 'scanner', transport: 'serial', path: '/dev/ttyS0' },
      { id: 'a', type: 'scanner', transport: 'serial', path: '/dev/ttyS1' },
    ])[0]).toMatch(/^devices\.1\.id: device id "a" is already used by device 0/);
    expect(problems([
      { id: 'p1', type: 'printer', transport: 'tcp', host: 'a' },
      { id: 'p2', type: 'printer', transport: 'tcp', host: 'b' },
    ])).toContainEqual(expect.stringMatching(/^devices: expected at most one receipt printer/));
  });
});

describe('pole display language', () => {
  it('Chinese needs the GBK font', () => {
    expect(problems([{ type: 'display', transport: 'serial', path: '/dev/ttyS0', language: 'zh' }])).toEqual([
      'devices.0.language: Chinese needs a display with the GBK font: set "charset": "gbk", or "language": "en" (got "zh")',
    ]);
    expect(problems([{ type: 'display', transport: 'serial', path: '/dev/ttyS0', language: 'zh', charset: 'gbk' }])).toEqual([]);
  });
});
