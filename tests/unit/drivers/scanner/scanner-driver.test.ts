// Scanner drivers end to end in memory: VirtualScanner (or raw bytes and reports) on the device
// side of a memory pair, the driver on the host side, time on a manual clock so idle gaps are
// exact. Then fast-check over the whole path: split scans, random bytes, random reports.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HidPosScanner, SerialScanner } from '../../../../drivers/scanner/scanner-driver.ts';
import type { ScannerTimers } from '../../../../drivers/scanner/scanner-driver.ts';
import type { SerialSuffix } from '../../../../drivers/scanner/serial-scan-framer.ts';
import { scanToHidReports, scanToSerialBytes, VirtualScanner } from '../../../../drivers/sim/virtual-scanner.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import type { MemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import { createMemoryReportPair } from '../../../../drivers/transports/report-transport.ts';
import type { MemoryReportPair } from '../../../../drivers/transports/report-transport.ts';
import { classifyScan, DEFAULT_SCAN_RULES } from '../../../../src/domain/barcodes/classify-scan.ts';
import { classifiableText } from '../../../../src/shared/scan-event.ts';
import type { ScanEvent, ScanWarning } from '../../../../src/shared/scan-event.ts';

const GS = '\x1d';
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock and timers that move only when told to. */
function manualTime() {
  let now = 0;
  let nextId = 1;
  const due = new Map<number, { at: number; run: () => void }>();
  const timers: ScannerTimers = {
    setTimeout(run, ms) {
      const id = nextId++;
      due.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
  };
  return {
    now: () => now,
    timers,
    get armed(): number {
      return due.size;
    },
    /** Moves time forward, running timers in order as their time comes (bounded by the timers' count). */
    advance(ms: number): void {
      const target = now + ms;
      for (let guard = 0; guard < 10_000; guard++) {
        const next = [...due.entries()].filter(([, t]) => t.at <= target).sort((x, y) => x[1].at - y[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].run();
      }
      now = target;
    },
  };
}

interface Seen {
  scans: ScanEvent[];
  warnings: ScanWarning[];
}

function watch(scanner: SerialScanner | HidPosScanner): Seen {
  const seen: Seen = { scans: [], warnings: [] };
  scanner.onScan((s) => seen.scans.push(s));
  scanner.onWarning((w) => seen.warnings.push(w));
  return seen;
}

async function openPair(options: { chunkSize?: number } = {}): Promise<MemoryPair> {
  const pair = createMemoryPair({ name: 'scanner', ...options });
  await pair.a.open();
  await pair.b.open();
  return pair;
}

async function openReportPair(): Promise<MemoryReportPair> {
  const pair = createMemoryReportPair({ name: 'hid' });
  await pair.a.open();
  await pair.b.open();
  return pair;
}

const scan = (data: string, symbology: string | null, source: ScanEvent['source'] = 'serial'): ScanEvent => ({ type: 'SCAN', data, symbology, source });

const warningListeners: Array<(w: Error) => void> = [];
afterEach(() => {
  for (const l of warningListeners.splice(0)) process.off('warning', l);
});

describe('SerialScanner', () => {
  it('turns a VirtualScanner scan into a SCAN event inside the data callback, ready for classifyScan', async () => {
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'CR', prefix: '\x02', aim: true });
    const seen = watch(scanner);
    scanner.attach(pair.a);
    expect(scanner.transport).toBe(pair.a);
    // Subscribed after the scanner: runs right after it within the same data event.
    const scansAtDataEvent: number[] = [];
    pair.a.onData(() => scansAtDataEvent.push(seen.scans.length));
    const device = new VirtualScanner(pair.b, { suffix: 'CR', prefix: '\x02', aim: ']E0' });
    await device.scan('4006381333931');
    await settle();
    expect(seen.scans).toEqual([scan('4006381333931', ']E0')]);
    expect(scansAtDataEvent).toEqual([1]);
    expect(classifyScan(classifiableText(seen.scans[0]!), DEFAULT_SCAN_RULES, 'CNY')).toMatchObject({ kind: 'product', gtin: '04006381333931' });
    expect(scanner.stats()).toEqual({ scans: 1, warnings: 0, garbageBytes: 0 });
  });

  it('frames scans that arrive byte by byte, with any of the CR, LF and CR LF suffixes', async () => {
    for (const suffix of ['CR', 'LF', 'CRLF'] as const) {
      const pair = await openPair({ chunkSize: 1 });
      const scanner = new SerialScanner({ suffix, aim: true });
      const seen = watch(scanner);
      scanner.attach(pair.a);
      const device = new VirtualScanner(pair.b, { suffix, aim: ']C1' });
      await device.scan(`0109501101530003${GS}10ABC`);
      await device.scan('96385074', ']E4');
      await settle();
      expect(seen.scans).toEqual([scan(`0109501101530003${GS}10ABC`, ']C1'), scan('96385074', ']E4')]);
      expect(seen.warnings).toEqual([]);
    }
  });

  it("suffix 'none': the idle timer ends the frame without waiting for the next byte", async () => {
    const time = manualTime();
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'none', aim: false }, time);
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(scanToSerialBytes('6901234567892', { suffix: 'none' }));
    await settle();
    expect(seen.scans).toEqual([]);
    time.advance(49);
    expect(seen.scans).toEqual([]);
    time.advance(1);
    expect(seen.scans).toEqual([scan('6901234567892', null)]);
    expect(time.armed).toBe(0);
  });

  it("suffix 'none': bytes 10 ms apart stay one scan; the frame ends 50 ms after the last byte", async () => {
    const time = manualTime();
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'none', aim: false }, time);
    const seen = watch(scanner);
    scanner.attach(pair.a);
    const device = new VirtualScanner(pair.b, {
      suffix: 'none',
      sleep: async (ms) => {
        await settle();
        time.advance(ms);
      },
    });
    device.slowLink(10);
    await device.scan('12345678');
    await settle();
    expect(time.now()).toBe(70);
    expect(seen.scans).toEqual([]);
    time.advance(49);
    expect(seen.scans).toEqual([]);
    time.advance(1);
    expect(seen.scans).toEqual([scan('12345678', null)]);
  });

  it('a timer that fires early waits out the rest of the gap instead of cutting the frame', async () => {
    const time = manualTime();
    // Node's timers run on a millisecond loop clock that can be up to 1 ms behind the monotonic one.
    const early: ScannerTimers = { setTimeout: (run, ms) => time.timers.setTimeout(run, Math.max(1, ms - 1)), clearTimeout: time.timers.clearTimeout };
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'none', aim: false }, { now: time.now, timers: early });
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(scanToSerialBytes('1234', { suffix: 'none' }));
    await settle();
    time.advance(49);
    expect(seen.scans).toEqual([]);
    expect(time.armed).toBe(1);
    time.advance(1);
    expect(seen.scans).toEqual([scan('1234', null)]);
  });

  it('drops a frame whose terminator never comes after idleMs, with a warning, and reads the next scan', async () => {
    const time = manualTime();
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'CR', aim: false }, time);
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(Uint8Array.from('400638', (c) => c.charCodeAt(0)));
    await settle();
    time.advance(999);
    expect(seen.warnings).toEqual([]);
    time.advance(1);
    expect(seen.warnings).toEqual([expect.objectContaining({ reason: expect.stringContaining('incomplete frame'), bytes: 6 })]);
    await new VirtualScanner(pair.b, { suffix: 'CR' }).scan('96385074');
    await settle();
    expect(seen.scans).toEqual([scan('96385074', null)]);
    expect(scanner.stats()).toEqual({ scans: 1, warnings: 1, garbageBytes: 6 });
  });

  it('garbage never crashes it: garbled scans, a noise flood, an over-long line are warned about and counted', async () => {
    const time = manualTime();
    const pair = await openPair({ chunkSize: 7 });
    const scanner = new SerialScanner({ suffix: 'CR', aim: true, maxLength: 64 }, time);
    const seen = watch(scanner);
    scanner.attach(pair.a);
    const device = new VirtualScanner(pair.b, { suffix: 'CR', aim: ']E0' });
    device.garbleNext();
    await device.scan('4006381333931');
    await pair.b.write(Uint8Array.from({ length: 500 }, (_, i) => (i * 29 + 0x80) & 0xff).filter((b) => b !== 0x0d && b !== 0x0a));
    await pair.b.write(Uint8Array.of(0x0d));
    await device.scan('4006381333931');
    await settle();
    expect(seen.scans).toEqual([scan('4006381333931', ']E0')]);
    expect(seen.warnings.map((w) => w.reason)).toEqual([
      expect.stringMatching(/^byte 0xFF at position 4 .*: frame dropped$/),
      'line longer than 64 bytes: dropped up to the next terminator',
    ]);
    const stats = scanner.stats();
    expect(stats).toEqual({ scans: 1, warnings: 2, garbageBytes: seen.warnings.reduce((n, w) => n + w.bytes, 0) });
    expect(stats.garbageBytes).toBeGreaterThan(64);
  });

  it('unplugged mid-scan: the partial frame is dropped with a warning; re-attached after replug it reads again', async () => {
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'CR', aim: false });
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(Uint8Array.from('69012', (c) => c.charCodeAt(0)));
    await settle();
    pair.unplug();
    expect(seen.warnings).toEqual([{ type: 'SCAN_WARNING', reason: 'memory:scanner:a closed in the middle of a scan: 5 bytes dropped', bytes: 5 }]);
    pair.replug();
    await pair.a.open();
    await pair.b.open();
    scanner.attach(pair.a);
    await new VirtualScanner(pair.b, { suffix: 'CR' }).scan('34567');
    await settle();
    expect(seen.scans).toEqual([scan('34567', null)]);
  });

  it('detach stops reading; attach moves it to another link and leaves the old one', async () => {
    const first = await openPair();
    const second = await openPair();
    const scanner = new SerialScanner({ suffix: 'CR', aim: false });
    const seen = watch(scanner);
    scanner.attach(first.a);
    await first.b.write(Uint8Array.from('12', (c) => c.charCodeAt(0)));
    await settle();
    scanner.detach();
    expect(scanner.transport).toBeNull();
    expect(seen.warnings).toEqual([expect.objectContaining({ reason: 'memory:scanner:a detached in the middle of a scan: 2 bytes dropped' })]);
    await first.b.write(Uint8Array.from('34\r', (c) => c.charCodeAt(0)));
    await settle();
    expect(seen.scans).toEqual([]);
    scanner.attach(first.a);
    scanner.attach(second.a);
    await first.b.write(Uint8Array.from('111\r', (c) => c.charCodeAt(0)));
    await second.b.write(Uint8Array.from('222\r', (c) => c.charCodeAt(0)));
    await settle();
    expect(seen.scans).toEqual([scan('222', null)]);
    scanner.detach();
    scanner.detach();
    expect(seen.warnings).toHaveLength(1);
  });

  it('a listener that throws does not stop the other listeners or the scanner', async () => {
    const reported: Error[] = [];
    const onWarning = (w: Error): void => {
      reported.push(w);
    };
    process.on('warning', onWarning);
    warningListeners.push(onWarning);
    const pair = await openPair();
    const scanner = new SerialScanner({ suffix: 'CR', aim: false });
    scanner.onScan(() => {
      throw new Error('checkout machine bug');
    });
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(Uint8Array.from('111\r222\r', (c) => c.charCodeAt(0)));
    await settle();
    expect(seen.scans.map((s) => s.data)).toEqual(['111', '222']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reported.map((e) => e.message)).toEqual(['checkout machine bug', 'checkout machine bug']);
  });

  it('refuses a framer config that cannot work', () => {
    expect(() => new SerialScanner({ suffix: 'CR', prefix: 'A\rB', aim: false })).toThrow(RangeError);
    expect(() => new SerialScanner({ suffix: 'none', aim: false, idleMs: 0 })).toThrow(/idleMs must be positive/);
  });
});

describe('HidPosScanner', () => {
  const QR = `https://pay.example.cn/q/${'7'.repeat(120)}`;

  it('assembles a multi-report message into one SCAN inside the report callback', async () => {
    const pair = await openReportPair();
    const scanner = new HidPosScanner();
    const seen = watch(scanner);
    scanner.attach(pair.a);
    const atReport: number[] = [];
    pair.a.onReport(() => atReport.push(seen.scans.length));
    const reports = scanToHidReports(QR, { aim: ']Q1' });
    expect(reports).toHaveLength(3);
    for (const r of reports) await pair.b.write(r);
    await settle();
    expect(seen.scans).toEqual([scan(QR, ']Q1', 'hid-pos')]);
    expect(atReport).toEqual([0, 0, 1]);
    expect(scanner.stats()).toEqual({ scans: 1, warnings: 0, garbageBytes: 0 });
  });

  it('garbage reports are warned about and counted; the next scan still reads', async () => {
    const pair = await openReportPair();
    const scanner = new HidPosScanner();
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(Uint8Array.of(0x02, 0x05, 0x31));
    await pair.b.write(Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? 0x07 : i)));
    const lying = scanToHidReports('12345678')[0]!;
    lying[1] = 90;
    await pair.b.write(lying);
    await pair.b.write(scanToHidReports('96385074', { aim: ']E4' })[0]!);
    await settle();
    expect(seen.scans).toEqual([scan('96385074', ']E4', 'hid-pos')]);
    expect(seen.warnings.map((w) => w.reason)).toEqual([
      expect.stringContaining('shorter than'),
      expect.stringContaining('report id 0x07'),
      expect.stringContaining('length byte says 90'),
    ]);
    expect(scanner.stats()).toEqual({ scans: 1, warnings: 3, garbageBytes: 3 + 64 + 64 });
  });

  it('unplugged mid-message: the partial message is dropped with a warning, not glued to the next scan', async () => {
    const pair = await openReportPair();
    const scanner = new HidPosScanner();
    const seen = watch(scanner);
    scanner.attach(pair.a);
    const [first] = scanToHidReports(QR, { aim: ']Q1' });
    await pair.b.write(first!);
    // A status report of another id in between does not end the message.
    await pair.b.write(Uint8Array.of(0x04, 0x00));
    await settle();
    pair.unplug();
    expect(seen.warnings.at(-1)).toEqual({ type: 'SCAN_WARNING', reason: 'memory:hid:a closed in the middle of a multi-report message: 64 bytes dropped', bytes: 64 });
    pair.replug();
    await pair.a.open();
    await pair.b.open();
    scanner.attach(pair.a);
    await pair.b.write(scanToHidReports('4006381333931', { aim: ']E0' })[0]!);
    await settle();
    expect(seen.scans).toEqual([scan('4006381333931', ']E0', 'hid-pos')]);
  });

  it('a message whose last report never came is dropped when the next scan starts after the gap', async () => {
    const time = manualTime();
    const pair = await openReportPair();
    const scanner = new HidPosScanner({ now: time.now });
    const seen = watch(scanner);
    scanner.attach(pair.a);
    await pair.b.write(scanToHidReports(QR, { aim: ']Q1' })[0]!);
    await settle();
    time.advance(300);
    await pair.b.write(scanToHidReports('96385074', { aim: ']E4' })[0]!);
    await settle();
    expect(seen.warnings).toEqual([{ type: 'SCAN_WARNING', reason: 'incomplete message: no final report within 250 ms, 64 bytes dropped', bytes: 64 }]);
    expect(seen.scans).toEqual([scan('96385074', ']E4', 'hid-pos')]);
  });

  it('reports of one message a few ms apart stay one message', async () => {
    const time = manualTime();
    const pair = await openReportPair();
    const scanner = new HidPosScanner({ now: time.now });
    const seen = watch(scanner);
    scanner.attach(pair.a);
    for (const r of scanToHidReports(QR, { aim: ']Q1' })) {
      await pair.b.write(r);
      await settle();
      time.advance(8);
    }
    expect(seen.scans).toEqual([scan(QR, ']Q1', 'hid-pos')]);
    expect(seen.warnings).toEqual([]);
  });

  it('refuses options that cannot work', () => {
    expect(() => new HidPosScanner({ reportGapMs: 0 })).toThrow(/reportGapMs must be positive/);
    expect(() => new HidPosScanner({ maxMessage: 0 })).toThrow(RangeError);
  });
});

describe('scanner drivers: properties', () => {
  const codeChar = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, { weight: 1, arbitrary: fc.constant(0x1d) });
  const codeArb = fc.array(codeChar, { minLength: 1, maxLength: 60 }).map((cs) => String.fromCharCode(...cs));
  const aimArb = fc.constantFrom(']E0', ']E4', ']C0', ']C1', ']Q1', ']d2', ']A0');

  it('any sequence of valid scans, split at random byte boundaries, yields exactly those scans', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SerialSuffix>('CR', 'LF', 'CRLF'),
        fc.constantFrom('', '\x02', '#'),
        fc.boolean(),
        fc.array(fc.record({ code: codeArb, aim: aimArb }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 25 }),
        async (suffix, prefix, aim, scans, cuts) => {
          const time = manualTime();
          const pair = await openPair();
          const scanner = new SerialScanner({ suffix, aim, ...(prefix ? { prefix } : {}) }, time);
          const seen = watch(scanner);
          scanner.attach(pair.a);
          const stream = Uint8Array.from(
            scans.flatMap(({ code, aim: id }) => [...scanToSerialBytes(code, { suffix, ...(prefix ? { prefix } : {}), ...(aim ? { aim: id } : {}) })]),
          );
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          let from = 0;
          for (const to of [...points, stream.length]) {
            if (to > from) await pair.b.write(stream.subarray(from, to));
            from = Math.max(from, to);
            time.advance(3);
          }
          await settle();
          expect(seen.warnings).toEqual([]);
          expect(seen.scans).toEqual(scans.map(({ code, aim: id }) => scan(code, aim ? id : null)));
          expect(time.armed).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random bytes at random times never throw, and the counts match what was delivered', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SerialSuffix>('CR', 'LF', 'CRLF', 'none'),
        fc.boolean(),
        fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 90 }), gap: fc.integer({ min: 0, max: 1500 }) }), { maxLength: 25 }),
        async (suffix, aim, chunks) => {
          const time = manualTime();
          const pair = await openPair();
          const scanner = new SerialScanner({ suffix, aim, maxLength: 40 }, time);
          const seen = watch(scanner);
          scanner.attach(pair.a);
          for (const { bytes, gap } of chunks) {
            await pair.b.write(bytes);
            await settle();
            time.advance(gap);
          }
          time.advance(2000);
          pair.unplug();
          const stats = scanner.stats();
          expect(stats.scans).toBe(seen.scans.length);
          expect(stats.warnings).toBe(seen.warnings.length);
          expect(stats.garbageBytes).toBe(seen.warnings.reduce((n, w) => n + w.bytes, 0));
          for (const s of seen.scans) expect(s.data.length).toBeGreaterThan(0);
          expect(time.armed).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('HID-POS: any sequence of scans yields exactly those scans; random reports never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ code: fc.array(codeChar, { minLength: 1, maxLength: 300 }).map((cs) => String.fromCharCode(...cs)), aim: aimArb }), { minLength: 1, maxLength: 6 }), async (scans) => {
        const pair = await openReportPair();
        const scanner = new HidPosScanner();
        const seen = watch(scanner);
        scanner.attach(pair.a);
        for (const { code, aim } of scans) for (const r of scanToHidReports(code, { aim })) await pair.b.write(r);
        await settle();
        expect(seen.warnings).toEqual([]);
        expect(seen.scans).toEqual(scans.map(({ code, aim }) => scan(code, aim, 'hid-pos')));
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.uint8Array({ minLength: 64, maxLength: 64 }).map((r) => Uint8Array.from(r, (b, i) => (i === 0 ? 0x02 : b)))), { maxLength: 30 }), async (reports) => {
        const pair = await openReportPair();
        const scanner = new HidPosScanner();
        const seen = watch(scanner);
        scanner.attach(pair.a);
        for (const r of reports) await pair.b.write(r);
        await settle();
        pair.unplug();
        expect(scanner.stats()).toEqual({ scans: seen.scans.length, warnings: seen.warnings.length, garbageBytes: seen.warnings.reduce((n, w) => n + w.bytes, 0) });
      }),
      { numRuns: 150 },
    );
  });
});
