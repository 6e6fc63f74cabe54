// Real serialport (native binding, termios, flock) over socat pseudo-terminals: the null-modem
// cable of reference/hardware.md §6. Covers byte transparency, the pty's missing modem lines,
// one owner per port (registry and cross-open flock), unplug (socat killed) and replug (socat
// restarted on the same links) through ReconnectingTransport. Not covered: baud pacing, parity
// and flow control on the wire (ptys ignore them) and real modem lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ByteTransport } from '../../../drivers/transports/byte-transport.ts';
import { TransportError } from '../../../drivers/transports/byte-transport.ts';
import { PortRegistry } from '../../../drivers/transports/port-registry.ts';
import { ReconnectingTransport } from '../../../drivers/transports/reconnecting-transport.ts';
import type { ReconnectStatus } from '../../../drivers/transports/reconnecting-transport.ts';
import { SerialTransport } from '../../../drivers/transports/serial-transport.ts';
import type { SerialConfig } from '../../../drivers/transports/serial-transport.ts';
import { hasSocat, startPtyPair } from '../../../drivers/transports/socat-pty-pair.ts';
import type { PtyPair } from '../../../drivers/transports/socat-pty-pair.ts';
import { until } from '../../support/until.ts';

const socatFound = hasSocat();
// Shown only when skipped, so the skip names what is missing.
const skipNote = socatFound ? '' : ' [skipped: socat is not on PATH; apt-get install socat]';

let dir: string;
let linkA: string;
let linkB: string;
let pairs: PtyPair[];
let opened: ByteTransport[];
let registry: PortRegistry;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-socat-'));
  linkA = join(dir, 'A');
  linkB = join(dir, 'B');
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
  const pair = await startPtyPair(linkA, linkB, { timeoutMs: 5000 });
  pairs.push(pair);
  return pair;
}

function serial(path: string, extra: Partial<SerialConfig> = {}): SerialTransport {
  const t = new SerialTransport({ path, baudRate: 115_200, registry, ...extra });
  opened.push(t);
  return t;
}

function reconnecting(path: string, owner: string): ReconnectingTransport {
  const t = new ReconnectingTransport(() => new SerialTransport({ path, registry, owner }), { backoff: { initialMs: 25, maxMs: 200 } });
  opened.push(t);
  return t;
}

function collect(t: ByteTransport): number[] {
  const got: number[] = [];
  t.onData((b) => got.push(...b));
  return got;
}


// Every byte value, four times over, in a scrambled order (XON 11, XOFF 13, CR 0D included).
const everyByte = Uint8Array.from({ length: 1024 }, (_, i) => (i * 167 + (i >> 8)) & 0xff);

describe('SerialTransport over socat ptys', () => {
  it.skipIf(!socatFound)(`carries 0x00–0xFF both ways unchanged${skipNote}`, async () => {
    await plug();
    const a = serial(linkA);
    const b = serial(linkB);
    await a.open();
    await b.open();
    const atA = collect(a);
    const atB = collect(b);
    expect(new Set(everyByte).size).toBe(256);
    await a.write(everyByte);
    await until(() => atB.length >= everyByte.length, 'A→B bytes');
    expect(atB).toEqual([...everyByte]);
    const back = everyByte.slice().reverse();
    await b.write(back);
    await until(() => atA.length >= back.length, 'B→A bytes');
    expect(atA).toEqual([...back]);
  });

  it.skipIf(!socatFound)(`reports no modem lines on a pty and refuses rtscts there${skipNote}`, async () => {
    await plug();
    const a = serial(linkA, { flowControl: 'xonxoff' });
    await a.open();
    expect(a.capabilities).toEqual({ modemLines: false, flowControl: 'xonxoff', readable: true });
    await a.close();

    const hw = serial(linkA, { flowControl: 'rtscts' });
    const failure = hw.open();
    await expect(failure).rejects.toBeInstanceOf(TransportError);
    await expect(failure).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(new RegExp(`^serial ${linkA}: the port has no modem lines`)) });
    expect(registry.list()).toEqual([]);
    // The failed open released the port and its lock.
    await serial(linkA).open();
  });

  it.skipIf(!socatFound)(`one owner per port: registry in-process, flock across opens${skipNote}`, async () => {
    await plug();
    const scale = serial(linkA, { owner: 'the scale driver' });
    await scale.open();
    const printer = serial(linkA, { owner: 'the printer driver' });
    const claimed = printer.open();
    await expect(claimed).rejects.toMatchObject({ code: 'busy' });
    await expect(claimed).rejects.toThrow(/ is already used by the scale driver$/);

    // Another registry stands for another process: only the OS lock stops it.
    const elsewhere = serial(linkA, { registry: new PortRegistry(), owner: 'another process' });
    await expect(elsewhere.open()).rejects.toMatchObject({ code: 'busy', message: `serial ${linkA}: locked by another program or another open of the same port` });

    await scale.close();
    await elsewhere.open();
    expect(elsewhere.isOpen).toBe(true);
  });

  it.skipIf(!socatFound)(`unplug (socat killed) fires onClose with an error; writes are then refused${skipNote}`, async () => {
    const pair = await plug();
    const a = serial(linkA);
    const b = serial(linkB);
    await a.open();
    await b.open();
    const reasons: Array<Error | null> = [];
    a.onClose((r) => reasons.push(r));
    await pair.stop();
    await until(() => reasons.length > 0, 'onClose after unplug');
    expect(reasons[0]).toBeInstanceOf(TransportError);
    expect(reasons[0]).toMatchObject({ code: 'io', message: expect.stringContaining(`serial ${linkA}: device disconnected`) });
    expect(a.isOpen).toBe(false);
    expect(registry.list().map((c) => c.id)).not.toContain(`serial:${linkA}`);
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it.skipIf(!socatFound)(`notices every unplug on both ends (serialport alone spins on the hang-up)${skipNote}`, async () => {
    // Without serial-unix-binding about one end in four missed the unplug; eight rounds make a
    // regression all but certain to show.
    for (let round = 0; round < 8; round++) {
      const pair = await plug();
      const a = serial(linkA);
      const b = serial(linkB);
      await a.open();
      await b.open();
      const reasons: Array<Error | null> = [];
      a.onClose((r) => reasons.push(r));
      b.onClose((r) => reasons.push(r));
      await pair.stop();
      await until(() => reasons.length === 2, `both ends closing in round ${round}`, 2000);
      expect(reasons.every((r) => r instanceof TransportError && r.code === 'io')).toBe(true);
    }
  });

  it.skipIf(!socatFound)(`replug (socat restarted on the same links): ReconnectingTransport reconnects and data flows again${skipNote}`, async () => {
    const first = await plug();
    const host = reconnecting(linkA, 'the printer driver');
    const device = reconnecting(linkB, 'the virtual printer');
    const statuses: ReconnectStatus[] = [];
    host.onStatus((s) => statuses.push(s));
    await host.open();
    await device.open();
    const atDevice = collect(device);
    const atHost = collect(host);
    await host.write(Uint8Array.of(0x10, 0x04, 0x01));
    await until(() => atDevice.length === 3, 'status query before unplug');

    await first.stop();
    await until(() => statuses.some((s) => s.state === 'disconnected'), 'disconnected status');
    await until(() => statuses.filter((s) => s.state === 'reconnecting').length >= 2, 'failed retries while unplugged');
    // The first retry carries the loss; the ones after it, the failed opens of a missing port.
    const retries = statuses.filter((s) => s.state === 'reconnecting');
    expect(retries[0]?.error).toMatchObject({ code: 'io' });
    expect(retries[1]?.error).toMatchObject({ code: 'not-found', message: `serial ${linkA}: no such port` });
    await expect(host.write(Uint8Array.of(0x10))).rejects.toMatchObject({ code: 'closed' });

    await plug();
    await until(() => host.isOpen && device.isOpen, 'both ends reconnected');
    expect(statuses.at(-1)).toMatchObject({ state: 'connected' });
    await host.write(Uint8Array.of(0x10, 0x04, 0x04));
    await until(() => atDevice.length === 6, 'status query after replug');
    expect(atDevice).toEqual([0x10, 0x04, 0x01, 0x10, 0x04, 0x04]);
    await device.write(Uint8Array.of(0x12));
    await until(() => atHost.length === 1, 'reply after replug');
    expect(atHost).toEqual([0x12]);
  });
});
