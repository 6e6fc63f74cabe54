// The simulator rig over real socat ptys, seen from where Kassa's drivers sit: a SerialTransport
// on the application's end of each link. Scans arrive as the scanner's bytes, a receipt job is
// decoded by the virtual printer and confirmed by GS r, DLE EOT and ASB come back, the display
// and scale answer, unplug/replug kills and restarts socat with state kept, the config block
// validates, and stop() leaves nothing behind.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeInit, encodeScreen, fitLine } from '../../../drivers/display/pole-display.ts';
import { dleEot, enableAsb, parseAsb, StatusReader } from '../../../drivers/printer/escpos-status.ts';
import { PRINTER_PROFILES } from '../../../drivers/printer/printer-profiles.ts';
import { encodeTestPage } from '../../../drivers/printer/receipt-encoder.ts';
import { requestWeight, ScaleReader } from '../../../drivers/scale/toledo-8213.ts';
import { guessAim, SimRigError, startSimRig } from '../../../drivers/sim/sim-rig.ts';
import type { SimRig } from '../../../drivers/sim/sim-rig.ts';
import { PortRegistry } from '../../../drivers/transports/port-registry.ts';
import { SerialTransport } from '../../../drivers/transports/serial-transport.ts';
import { hasSocat } from '../../../drivers/transports/socat-pty-pair.ts';
import { parseConfig } from '../../../src/core/config.ts';
import { until } from '../../support/until.ts';

const socatFound = hasSocat();
const skipNote = socatFound ? '' : ' [skipped: socat is not on PATH; apt-get install socat]';
const SLOW = { timeout: 20_000 };

let base: string;
let rigs: SimRig[];
let hosts: SerialTransport[];
let registry: PortRegistry;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'kassa-sim-rig-'));
  rigs = [];
  hosts = [];
  registry = new PortRegistry();
});

afterEach(async () => {
  for (const h of hosts) await h.close().catch(() => undefined);
  for (const r of rigs) await r.stop();
  rmSync(base, { recursive: true, force: true });
});

async function rig(options: Parameters<typeof startSimRig>[0] = {}): Promise<SimRig> {
  const r = await startSimRig({ dir: join(base, 'sim'), ...options });
  rigs.push(r);
  return r;
}

/** The application's end of a device's link, opened, with everything it receives collected. */
async function host(path: string): Promise<{ t: SerialTransport; got: number[] }> {
  const t = new SerialTransport({ path, registry, owner: 'the test driver' });
  hosts.push(t);
  await t.open();
  const got: number[] = [];
  t.onData((b) => got.push(...b));
  return { t, got };
}


const latin1 = (bytes: readonly number[]): string => String.fromCharCode(...bytes);

describe('startSimRig over socat ptys', () => {
  it.skipIf(!socatFound)(`a scan reaches the application's port as prefix-less data + CR, with AIM ids when asked${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['scanner'] });
    const { got } = await host(r.path('scanner'));
    await r.scan('6901234567892');
    await r.scan('ABC-123', ']C0');
    await until(() => got.length >= 14 + 11, 'two scans');
    expect(latin1(got)).toBe('6901234567892\r]C0ABC-123\r');
    expect(r.scanner?.counters.scans).toBe(2);
  });

  it.skipIf(!socatFound)(`with scannerAim, a scan without an AIM id gets a plausible one; suffix CRLF is honoured${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['scanner'], scannerAim: true, scannerSuffix: 'CRLF' });
    const { got } = await host(r.path('scanner'));
    await r.scan('6901234567892');
    await r.scan('96385074');
    await r.scan('(01)x', null);
    await until(() => got.length >= 18 + 13 + 7, 'three scans');
    expect(latin1(got)).toBe(']E06901234567892\r\n]E496385074\r\n(01)x\r\n');
    expect(guessAim('01\x1d10ABC')).toBe(']C1');
    expect(guessAim('https://qr.alipay.com/x')).toBe(']C0');
  });

  it.skipIf(!socatFound)(`decodes a receipt job written to the printer's port, confirms it with GS r, answers DLE EOT${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['printer'] });
    const profile = PRINTER_PROFILES['generic-80-gbk'];
    const { t, got } = await host(r.path('printer'));
    const reader = new StatusReader();
    reader.expect({ kind: 'gs-r', n: 1, jobId: 'test-page' });
    await t.write(encodeTestPage(profile));
    await until(() => got.length >= 1, 'the GS r reply');
    const [confirm] = reader.push(Uint8Array.from(got.splice(0)));
    expect(confirm).toMatchObject({ kind: 'gs-r', n: 1, jobId: 'test-page', reply: { paperNearEnd: false, paperOut: false } });

    const receipts = r.printer?.printer.receipts() ?? [];
    expect(receipts).toHaveLength(1);
    const [page] = receipts;
    expect(page?.cutKind).not.toBeNull();
    expect(page?.lines[0]?.trim()).toBe('Kassa test page');
    expect(page?.lines.some((l) => l.includes('收银小票打印测试'))).toBe(true);
    expect(page?.qrs).toEqual(['KASSA TEST generic-80-gbk']);
    expect(page?.barcodes.map((b) => b.data)).toEqual(['KASSA-TEST']);
    expect(page?.columns).toBe(48);

    for (const n of [1, 2, 3, 4] as const) reader.expect({ kind: 'dle-eot', n });
    await t.write(Uint8Array.from([...dleEot(1), ...dleEot(2), ...dleEot(3), ...dleEot(4)]));
    await until(() => got.length >= 4, 'four DLE EOT replies');
    expect(reader.push(Uint8Array.from(got.splice(0))).map((e) => e.kind)).toEqual(['dle-eot', 'dle-eot', 'dle-eot', 'dle-eot']);
    expect(r.printer?.counters.lostReplies).toBe(0);
  });

  it.skipIf(!socatFound)(`paper out in the middle of a receipt: ASB tells the host, the rest prints once paper is loaded${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['printer'] });
    const device = r.printer;
    if (device === null) throw new Error('no printer');
    const { t, got } = await host(r.path('printer'));
    await t.write(enableAsb({ online: true, paper: true }));
    await until(() => got.length >= 4, 'the first ASB frame');
    got.splice(0);
    device.outOfPaperAfterLines(3);
    await t.write(encodeTestPage(PRINTER_PROFILES['generic-80-gbk']));
    await until(() => got.length >= 4, 'ASB paper out');
    expect(parseAsb(Uint8Array.from(got))).toMatchObject({ paperOut: true, offline: true });
    expect(device.printer.receipts()[0]?.lines).toHaveLength(3);
    got.splice(0);
    device.setPaper('ok');
    // Back online (ASB), then the held GS r 1 is answered.
    await until(() => got.length >= 5, 'ASB back online and the GS r reply');
    expect(parseAsb(Uint8Array.from(got))).toMatchObject({ paperOut: false, offline: false });
    expect(got[4]).toBe(0x00);
    const [page] = device.printer.receipts();
    expect(page?.interrupted).toBe(true);
    expect(page?.qrs).toEqual(['KASSA TEST generic-80-gbk']);
  });

  it.skipIf(!socatFound)(`the display shows what the host encodes; the scale answers W with the weight on it${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['display', 'scale'], displayCommandSet: 'cd5220' });
    const display = await host(r.path('display'));
    await display.t.write(encodeInit('cd5220', { charset: 'cp437-yen' }));
    await display.t.write(encodeScreen('cd5220', { line1: 'APPLES', line2: 'TOTAL ¥12.50' }, { charset: 'cp437-yen' }));
    await until(() => r.display?.screen().line1 === fitLine('APPLES', 'cp437-yen'), 'the display line');
    expect(r.display?.screen().line2).toBe(fitLine('TOTAL ¥12.50', 'cp437-yen'));

    const scale = await host(r.path('scale'));
    r.scale?.place(455);
    await scale.t.write(requestWeight());
    await until(() => scale.got.includes(0x0d), 'the weight reply');
    const events = new ScaleReader({ unit: 'kg' }).push(Uint8Array.from(scale.got), 0);
    expect(events).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 455 }]);
  });

  it.skipIf(!socatFound)(`unplug kills socat (the host's port hangs up); replug brings it back with the device's state kept${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['printer', 'scanner'] });
    const printer = await host(r.path('printer'));
    await printer.t.write(Uint8Array.from([...'BEFORE\n'].map((c) => c.charCodeAt(0)).concat([0x1d, 0x56, 0x01])));
    await until(() => (r.printer?.printer.receipts().length ?? 0) === 1, 'the first receipt');
    const scanner = await host(r.path('scanner'));
    const reasons: Array<Error | null> = [];
    scanner.t.onClose((reason) => reasons.push(reason));

    const pidBefore = r.links().find((l) => l.device === 'scanner')?.socatPid;
    const down = await r.unplug('scanner');
    expect(down).toMatchObject({ device: 'scanner', state: 'unplugged', socatPid: null, unplugs: 1 });
    await until(() => reasons.length === 1, 'the host port closing');
    expect(reasons[0]).toMatchObject({ code: 'io' });
    await expect(r.scan('123')).rejects.toBeInstanceOf(SimRigError);
    await expect(r.scan('123')).rejects.toMatchObject({ code: 'unplugged' });
    await expect(scanner.t.open()).rejects.toMatchObject({ code: 'not-found' });
    // Unplugging again changes nothing.
    expect((await r.unplug('scanner')).unplugs).toBe(1);

    const up = await r.replug('scanner');
    expect(up).toMatchObject({ state: 'plugged', replugs: 1 });
    expect(up.socatPid).not.toBe(pidBefore);
    await scanner.t.open();
    await r.scan('AFTER');
    await until(() => scanner.got.length >= 6, 'a scan after replug');
    expect(latin1(scanner.got)).toBe('AFTER\r');

    await r.unplug('printer');
    await r.replug('printer');
    await printer.t.open();
    await printer.t.write(dleEot(2));
    await until(() => printer.got.length >= 1, 'DLE EOT after replug');
    expect(printer.got).toEqual([0x12]);
    expect(r.printer?.printer.receipts()[0]?.lines).toEqual(['BEFORE']);
  });

  it.skipIf(!socatFound)(`a socat killed from outside shows as a lost link; replug restores it${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['display'] });
    const pid = r.links()[0]?.socatPid;
    if (pid === null || pid === undefined) throw new Error('no socat pid');
    process.kill(pid, 'SIGKILL');
    await until(() => r.links()[0]?.state === 'lost', 'the lost state');
    expect(await r.replug('display')).toMatchObject({ state: 'plugged', unplugs: 0, replugs: 1 });
    const display = await host(r.path('display'));
    await display.t.write(encodeScreen('epson-dmd', { line1: 'BACK', line2: '' }, { charset: 'cp437-yen' }));
    await until(() => r.display?.screen().line1 === fitLine('BACK', 'cp437-yen'), 'the display after replug');
  });

  it.skipIf(!socatFound)(`the devices block validates with parseConfig and points at the links${skipNote}`, SLOW, async () => {
    const r = await rig({ printerProfile: 'xprinter-58', displayCommandSet: 'cd5220', scannerSuffix: 'LF' });
    const block = r.configBlock();
    const config = parseConfig({ devices: block });
    expect(config.devices.map((d) => [d.type, d.transport === 'serial' ? d.path : null])).toEqual([
      ['printer', join(base, 'sim', 'printer')],
      ['scanner', join(base, 'sim', 'scanner')],
      ['display', join(base, 'sim', 'display')],
      ['scale', join(base, 'sim', 'scale')],
    ]);
    expect(config.devices[0]).toMatchObject({ profile: 'xprinter-58', drawer: { pin: 2, polarity: 'high-is-open' } });
    expect(config.devices[1]).toMatchObject({ suffix: 'LF', aim: false });
    expect(config.devices[2]).toMatchObject({ commandSet: 'cd5220' });
    expect(r.printer?.printer.columns).toBe(32);
    expect(r.printer?.printer.paperMm).toBe(58);
    for (const d of block) expect(existsSync(d.path)).toBe(true);
  });

  it.skipIf(!socatFound)(`one rig per directory; stop() removes links and lock, and its own temporary directory${skipNote}`, SLOW, async () => {
    const r = await rig({ devices: ['display'] });
    await expect(startSimRig({ dir: join(base, 'sim'), devices: ['scale'] })).rejects.toMatchObject({ code: 'busy', message: expect.stringContaining('is used by another simulator') });
    await r.stop();
    await r.stop();
    expect(readdirSync(join(base, 'sim'))).toEqual([]);
    await expect(r.replug('display')).rejects.toMatchObject({ code: 'stopped' });

    const temp = await startSimRig({ devices: ['scale'] });
    rigs.push(temp);
    expect(existsSync(join(temp.dir, 'scale'))).toBe(true);
    await temp.stop();
    expect(existsSync(temp.dir)).toBe(false);
  });

  it('refuses options it cannot simulate, naming them', async () => {
    await expect(startSimRig({ printerProfile: 'star-tsp100' })).rejects.toThrow(/speaks star-prnt; the virtual printer speaks ESC\/POS only/);
    await expect(startSimRig({ printerProfile: 'nope' })).rejects.toThrow(/unknown printer profile "nope"/);
    await expect(startSimRig({ printerProfile: 'xprinter-58', paperMm: 80 })).rejects.toThrow(/is for 58 mm paper, not 80 mm/);
    await expect(startSimRig({ devices: ['till' as never] })).rejects.toMatchObject({ code: 'bad-option' });
    await expect(startSimRig({ socatPath: join(base, 'no-socat') })).rejects.toMatchObject({ code: 'no-socat', message: expect.stringContaining('install it') });
  });
});
