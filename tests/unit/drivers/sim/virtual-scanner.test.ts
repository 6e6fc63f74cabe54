// Virtual scanner: encoders checked against the real host-side framers (serial and HID-POS),
// the scanner over a memory pair, its faults (garbled bytes, slow link, unplug), then fast-check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HID_POS_PROFILE, HidPosAssembler } from '../../../../drivers/scanner/hid-pos.ts';
import type { HidPosOutput, HidPosProfile } from '../../../../drivers/scanner/hid-pos.ts';
import { SerialScanFramer } from '../../../../drivers/scanner/serial-scan-framer.ts';
import type { FramerOutput, SerialSuffix } from '../../../../drivers/scanner/serial-scan-framer.ts';
import { scanToHidReports, scanToSerialBytes, VirtualScanner } from '../../../../drivers/sim/virtual-scanner.ts';
import type { Sleep } from '../../../../drivers/sim/virtual-scanner.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';

const GS1 = '0109501101020917171905081012345\x1d21ABCDEF';
const hex = (data: Uint8Array): string => [...data].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function assemble(reports: Uint8Array[], options: { profile?: HidPosProfile; reportIdIncluded?: boolean } = {}): HidPosOutput[] {
  const a = new HidPosAssembler(options);
  return reports.map((r) => a.push(r)).filter((o): o is HidPosOutput => o !== null);
}

/** A memory pair with a host-side framer fed from side a; the scanner sits on side b. */
async function rig(config: { suffix: SerialSuffix; prefix?: string; aim?: string }, sleep?: Sleep) {
  const pair = createMemoryPair({ name: 'scanner' });
  await pair.a.open();
  await pair.b.open();
  const framer = new SerialScanFramer({ suffix: config.suffix, prefix: config.prefix, aim: config.aim !== undefined });
  const out: FramerOutput[] = [];
  const chunks: Uint8Array[] = [];
  let now = 0;
  pair.a.onData((bytes) => {
    chunks.push(Uint8Array.from(bytes));
    now += 1;
    out.push(...framer.push(bytes, now));
  });
  const scanner = new VirtualScanner(pair.b, { ...config, ...(sleep ? { sleep } : {}) });
  const settle = async (): Promise<FramerOutput[]> => {
    await flush();
    now += 5000;
    out.push(...framer.tick(now));
    return out;
  };
  return { pair, scanner, out, chunks, settle };
}

describe('scanToSerialBytes', () => {
  it('writes prefix, AIM id, data and suffix', () => {
    expect(hex(scanToSerialBytes('4006381333931', { suffix: 'CRLF', prefix: '\x02', aim: ']E0' }))).toBe(
      '02 5D 45 30 34 30 30 36 33 38 31 33 33 33 39 33 31 0D 0A',
    );
    expect(hex(scanToSerialBytes('AB', { suffix: 'none' }))).toBe('41 42');
    expect(hex(scanToSerialBytes('é', { suffix: 'LF' }))).toBe('C3 A9 0A');
  });

  it('refuses what the framer could not read back', () => {
    expect(() => scanToSerialBytes('', { suffix: 'CR' })).toThrow(RangeError);
    expect(() => scanToSerialBytes('A\rB', { suffix: 'CR' })).toThrow(RangeError);
    expect(() => scanToSerialBytes('A', { suffix: 'CR', aim: 'E0' })).toThrow(RangeError);
    expect(() => scanToSerialBytes('A', { suffix: 'CR', prefix: '中' })).toThrow(RangeError);
  });
});

describe('scanToHidReports', () => {
  it('fits a short code in one 64-byte report without the more flag', () => {
    const reports = scanToHidReports('4006381333931', { aim: ']E0' });
    expect(reports).toHaveLength(1);
    const [r] = reports;
    expect(r?.length).toBe(64);
    expect(hex(r!.subarray(0, 8))).toBe('02 0D 5D 45 30 34 30 30');
    expect(r?.[63]).toBe(0);
    expect(assemble(reports)).toEqual([{ type: 'SCAN', data: '4006381333931', symbology: ']E0', source: 'hid-pos' }]);
  });

  it('splits a long code over reports with the more flag on all but the last', () => {
    const code = 'https://example.com/' + 'x'.repeat(130);
    const reports = scanToHidReports(code, { aim: ']Q1' });
    expect(reports.map((r) => [r[1], r[63]])).toEqual([
      [56, 1],
      [56, 1],
      [38, 0],
    ]);
    expect(assemble(reports)).toEqual([{ type: 'SCAN', data: code, symbology: ']Q1', source: 'hid-pos' }]);
  });

  it('round-trips GS1 data, no AIM id, and a host that strips the report id', () => {
    expect(assemble(scanToHidReports(GS1, { aim: ']C1' }))).toEqual([{ type: 'SCAN', data: GS1, symbology: ']C1', source: 'hid-pos' }]);
    expect(assemble(scanToHidReports('12345'))).toEqual([{ type: 'SCAN', data: '12345', symbology: null, source: 'hid-pos' }]);
    const stripped = scanToHidReports('x'.repeat(60), { reportIdIncluded: false });
    expect(stripped.map((r) => r.length)).toEqual([63, 63]);
    expect(assemble(stripped, { reportIdIncluded: false })).toEqual([{ type: 'SCAN', data: 'x'.repeat(60), symbology: null, source: 'hid-pos' }]);
  });

  it('follows another vendor profile', () => {
    const profile: HidPosProfile = { ...DEFAULT_HID_POS_PROFILE, reportId: 0x04, aimOffset: null, dataOffset: 2, dataMax: 10, moreFlagOffset: 15, moreFlagMask: 0x80 };
    const reports = scanToHidReports('0123456789abcdef', { aim: ']E0', profile });
    expect(reports.map((r) => r.length)).toEqual([16, 16]);
    expect(reports[0]?.[15]).toBe(0x80);
    expect(assemble(reports, { profile })).toEqual([{ type: 'SCAN', data: '0123456789abcdef', symbology: null, source: 'hid-pos' }]);
  });
});

describe('VirtualScanner over a memory pair', () => {
  it('delivers scans the host framer reads back, AIM ids and GS1 included', async () => {
    const { scanner, settle } = await rig({ suffix: 'CR', prefix: '\x02', aim: ']E0' });
    await scanner.scan('4006381333931');
    await scanner.scan(GS1, ']C1');
    await scanner.scan('héllo 中文', ']Q1');
    expect(await settle()).toEqual([
      { type: 'SCAN', data: '4006381333931', symbology: ']E0', source: 'serial' },
      { type: 'SCAN', data: GS1, symbology: ']C1', source: 'serial' },
      { type: 'SCAN', data: 'héllo 中文', symbology: ']Q1', source: 'serial' },
    ]);
    expect(scanner.counters.scans).toBe(3);
  });

  it('works without a suffix (idle gap) and without AIM ids', async () => {
    const { scanner, settle } = await rig({ suffix: 'none' });
    await scanner.scan('12345670');
    expect(await settle()).toEqual([{ type: 'SCAN', data: '12345670', symbology: null, source: 'serial' }]);
  });

  it('garbleNext spoils only the next scan, which the framer drops with a warning', async () => {
    const { scanner, settle } = await rig({ suffix: 'CRLF', aim: ']E0' });
    scanner.garbleNext();
    await scanner.scan('4006381333931');
    await scanner.scan('4006381333931');
    const out = await settle();
    expect(out.map((o) => o.type)).toEqual(['SCAN_WARNING', 'SCAN']);
    expect(out[0]).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('0xFF') });
    expect(scanner.counters.garbled).toBe(1);
  });

  it('slowLink writes byte by byte with the injected waits', async () => {
    const waits: number[] = [];
    const sleep: Sleep = async (ms) => {
      waits.push(ms);
      await flush();
    };
    const { scanner, chunks, settle } = await rig({ suffix: 'CR', aim: ']E0' }, sleep);
    scanner.slowLink(7);
    const first = scanner.scan('96385074');
    const second = scanner.scan('12345670');
    await Promise.all([first, second]);
    const out = await settle();
    expect(out).toEqual([
      { type: 'SCAN', data: '96385074', symbology: ']E0', source: 'serial' },
      { type: 'SCAN', data: '12345670', symbology: ']E0', source: 'serial' },
    ]);
    expect(chunks.every((c) => c.length === 1)).toBe(true);
    expect(chunks).toHaveLength(24);
    expect(waits).toEqual(new Array<number>(22).fill(7));
    scanner.slowLink(0);
    await scanner.scan('1');
    await settle();
    expect(chunks.at(-1)?.length).toBe(5);
    expect(() => scanner.slowLink(-1)).toThrow(RangeError);
  });

  it('unplug fires the host side onClose and later scans reject', async () => {
    const { pair, scanner } = await rig({ suffix: 'CR' });
    const closed: Array<Error | null> = [];
    pair.a.onClose((reason) => closed.push(reason));
    pair.unplug();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toBeInstanceOf(Error);
    await expect(scanner.scan('123')).rejects.toMatchObject({ code: 'closed' });
    pair.replug();
    await pair.b.open();
    await expect(scanner.scan('123')).resolves.toBeUndefined();
  });
});

describe('round trip (fast-check)', () => {
  const ch = fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.constantFrom('\x1d', 'é', '中', '😀', 'ß') },
  );
  const code = fc.array(ch, { minLength: 1, maxLength: 250 }).map((a) => a.join(''));
  const aim = fc.option(fc.constantFrom(']E0', ']C1', ']Q1', ']d2', ']A0'), { nil: undefined });

  it('serial: encode then SerialScanFramer gives the code back', () => {
    fc.assert(
      fc.property(code, fc.constantFrom<SerialSuffix>('CR', 'LF', 'CRLF', 'none'), fc.constantFrom(undefined, '\x02', 'P'), aim, (data, suffix, prefix, aimId) => {
        const framer = new SerialScanFramer({ suffix, prefix, aim: aimId !== undefined, maxLength: 2048 });
        const bytes = scanToSerialBytes(data, { suffix, prefix, aim: aimId });
        const out = [...framer.push(bytes, 0), ...framer.tick(10_000)];
        expect(out).toEqual([{ type: 'SCAN', data, symbology: aimId ?? null, source: 'serial' }]);
      }),
      { numRuns: 300 },
    );
  });

  it('HID-POS: encode then HidPosAssembler gives the code back', () => {
    fc.assert(
      fc.property(code, aim, (data, aimId) => {
        expect(assemble(scanToHidReports(data, { aim: aimId }))).toEqual([{ type: 'SCAN', data, symbology: aimId ?? null, source: 'hid-pos' }]);
      }),
      { numRuns: 300 },
    );
  });
});
