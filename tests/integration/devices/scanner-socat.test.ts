// The serial scanner path with real serialport over socat pseudo-terminals: a VirtualScanner
// writes onto the device end, SerialScanner reads the host end through SerialTransport.
// Covers scans in order through the native binding, the pty's chunking, the time from the
// device's write to the SCAN event, an unplug (socat killed) in the middle of a scan, and the
// replug (socat restarted on the same links), both by re-attaching a fresh transport and with
// a ReconnectingTransport that the scanner stays attached to. Not covered: baud pacing (ptys
// deliver at once) and real USB-serial adapters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialScanner } from '../../../drivers/scanner/scanner-driver.ts';
import { VirtualScanner } from '../../../drivers/sim/virtual-scanner.ts';
import type { ByteTransport } from '../../../drivers/transports/byte-transport.ts';
import { PortRegistry } from '../../../drivers/transports/port-registry.ts';
import { ReconnectingTransport } from '../../../drivers/transports/reconnecting-transport.ts';
import type { ReconnectStatus } from '../../../drivers/transports/reconnecting-transport.ts';
import { SerialTransport } from '../../../drivers/transports/serial-transport.ts';
import { hasSocat, startPtyPair } from '../../../drivers/transports/socat-pty-pair.ts';
import type { PtyPair } from '../../../drivers/transports/socat-pty-pair.ts';
import type { ScanEvent, ScanWarning } from '../../../src/shared/scan-event.ts';
import { until } from '../../support/until.ts';

const socatFound = hasSocat();
// Shown only when skipped, so the skip names what is missing.
const skipNote = socatFound ? '' : ' [skipped: socat is not on PATH; apt-get install socat]';

const GS = '\x1d';

let dir: string;
let hostLink: string;
let deviceLink: string;
let pairs: PtyPair[];
let opened: ByteTransport[];
let registry: PortRegistry;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-scanner-'));
  hostLink = join(dir, 'scanner.host');
  deviceLink = join(dir, 'scanner.dev');
  pairs = [];
  opened = [];
  registry = new PortRegistry();
});

afterEach(async () => {
  for (const t of opened.reverse()) await t.close().catch(() => undefined);
  for (const p of pairs) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function plug(): Promise<PtyPair> {
  const pair = await startPtyPair(hostLink, deviceLink, { timeoutMs: 5000 });
  pairs.push(pair);
  return pair;
}

function serial(path: string, owner: string): SerialTransport {
  const t = new SerialTransport({ path, registry, owner });
  opened.push(t);
  return t;
}

function reconnecting(path: string, owner: string): ReconnectingTransport {
  const t = new ReconnectingTransport(() => new SerialTransport({ path, registry, owner }), { backoff: { initialMs: 25, maxMs: 200 } });
  opened.push(t);
  return t;
}

function watch(scanner: SerialScanner): { scans: ScanEvent[]; warnings: ScanWarning[] } {
  const seen = { scans: [] as ScanEvent[], warnings: [] as ScanWarning[] };
  scanner.onScan((s) => seen.scans.push(s));
  scanner.onWarning((w) => seen.warnings.push(w));
  return seen;
}



// EAN-13, EAN-8, GS1-128 with FNC1, a WeChat code, a UTF-8 QR, a long QR.
const CODES: Array<{ code: string; aim: string }> = [
  { code: '6901234567892', aim: ']E0' },
  { code: '96385074', aim: ']E4' },
  { code: `0109501101530003${GS}10LOT42${GS}3103001250`, aim: ']C1' },
  { code: '134567890123456789', aim: ']C0' },
  { code: '桌号 12 · 会员 A-0042', aim: ']Q1' },
  { code: `https://kassa.example.org/r/${'x'.repeat(150)}`, aim: ']Q1' },
];

describe('SerialScanner over socat ptys', () => {
  it.skipIf(!socatFound)(`scans written on the device end arrive in order as SCAN events, in a burst and one by one${skipNote}`, async () => {
    await plug();
    const host = serial(hostLink, 'the scanner driver');
    const device = serial(deviceLink, 'the virtual scanner');
    await host.open();
    await device.open();
    const scanner = new SerialScanner({ suffix: 'CRLF', aim: true });
    const seen = watch(scanner);
    scanner.attach(host);
    const virtual = new VirtualScanner(device, { suffix: 'CRLF', aim: ']E0' });

    // A burst: 60 scans written back to back, read in whatever chunks the pty hands over.
    const burst = Array.from({ length: 60 }, (_, i) => CODES[i % CODES.length]!);
    await Promise.all(burst.map(({ code, aim }) => virtual.scan(code, aim)));
    await until(() => seen.scans.length === burst.length, 'the burst');
    expect(seen.scans).toEqual(burst.map(({ code, aim }) => ({ type: 'SCAN', data: code, symbology: aim, source: 'serial' })));
    expect(seen.warnings).toEqual([]);

    // One scan at a time, each waited for (scan_to_event_p99_ms in `npm run bench` times this path).
    let arrived = 0;
    scanner.onScan(() => {
      arrived += 1;
    });
    for (let i = 0; i < 200; i++) {
      const before = arrived;
      await virtual.scan('6901234567892');
      await until(() => arrived > before, `scan ${i + 1} of 200`);
    }
    expect(scanner.stats()).toEqual({ scans: 260, warnings: 0, garbageBytes: 0 });
  });

  it.skipIf(!socatFound)(`unplug mid-scan drops the partial frame with a warning; replugged and re-attached it scans again${skipNote}`, async () => {
    const first = await plug();
    let host = serial(hostLink, 'the scanner driver');
    let device = serial(deviceLink, 'the virtual scanner');
    await host.open();
    await device.open();
    const scanner = new SerialScanner({ suffix: 'CR', aim: false });
    const seen = watch(scanner);
    scanner.attach(host);
    await new VirtualScanner(device, { suffix: 'CR' }).scan('96385074');
    await until(() => seen.scans.length === 1, 'the scan before unplug');

    let received = 0;
    host.onData((b) => {
      received += b.length;
    });
    await device.write(new TextEncoder().encode('690123'));
    await until(() => received === 6, 'the half scan reaching the host');
    await first.stop();
    await until(() => seen.warnings.length === 1, 'the warning for the half scan');
    expect(seen.warnings[0]).toEqual({ type: 'SCAN_WARNING', reason: `serial:${hostLink} closed in the middle of a scan: 6 bytes dropped`, bytes: 6 });
    expect(host.isOpen).toBe(false);

    await plug();
    host = serial(hostLink, 'the scanner driver');
    device = serial(deviceLink, 'the virtual scanner');
    await host.open();
    await device.open();
    scanner.attach(host);
    await new VirtualScanner(device, { suffix: 'CR' }).scan('4567');
    await until(() => seen.scans.length === 2, 'the scan after replug');
    expect(seen.scans.map((s) => s.data)).toEqual(['96385074', '4567']);
    expect(scanner.stats()).toEqual({ scans: 2, warnings: 1, garbageBytes: 6 });
  });

  it.skipIf(!socatFound)(`attached to a ReconnectingTransport it keeps scanning across unplug and replug${skipNote}`, async () => {
    const first = await plug();
    const host = reconnecting(hostLink, 'the scanner driver');
    const device = reconnecting(deviceLink, 'the virtual scanner');
    const statuses: ReconnectStatus[] = [];
    host.onStatus((s) => statuses.push(s));
    const scanner = new SerialScanner({ suffix: 'CR', aim: true });
    const seen = watch(scanner);
    scanner.attach(host);
    await host.open();
    await device.open();
    const virtual = new VirtualScanner(device, { suffix: 'CR', aim: ']E0' });
    await virtual.scan('6901234567892');
    await until(() => seen.scans.length === 1, 'the scan before unplug');

    await first.stop();
    await until(() => statuses.some((s) => s.state === 'reconnecting'), 'the host reconnecting');
    await expect(virtual.scan('4006381333931')).rejects.toMatchObject({ code: 'closed' });

    await plug();
    await until(() => host.isOpen && device.isOpen, 'both ends reconnected');
    await virtual.scan('4006381333931');
    await until(() => seen.scans.length === 2, 'the scan after replug');
    expect(scanner.transport).toBe(host);
    expect(seen.scans.map((s) => s.data)).toEqual(['6901234567892', '4006381333931']);
    expect(seen.warnings).toEqual([]);
  });
});
