// The ESC/POS printer driver against the virtual printer on a memory pair (fake timers): the
// handshake, jobs confirmed by GS r (pipelined, in order), confirmation timeouts and late
// replies, refusals while the printer is known to be in fault, paper out / cover open mid-job
// (resume and clear-buffer modes), an unreachable printer, garbage on the back channel
// (fast-check), the drawer, detach and reattach, and printers without status.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EscPosPrinter, gsRQueriesIn, PrintInterruptedError } from '../../../../drivers/printer/escpos-printer.ts';
import type { EscPosPrinterOptions, PrinterDriverEvent, PrintResult } from '../../../../drivers/printer/escpos-printer.ts';
import { READY_STATUS, statusSeverity } from '../../../../drivers/printer/escpos-status.ts';
import { getPrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import { encodeReceiptJob } from '../../../../drivers/printer/receipt-encoder.ts';
import { VirtualPrinter } from '../../../../drivers/sim/virtual-printer.ts';
import type { VirtualPrinterOptions } from '../../../../drivers/sim/virtual-printer.ts';
import { VirtualPrinterDevice } from '../../../../drivers/sim/virtual-printer-device.ts';
import type { ByteTransport } from '../../../../drivers/transports/byte-transport.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import type { MemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import { buildReceiptModel } from '../../../../src/domain/receipt.ts';
import { goldenSale } from '../../../support/golden-bytes.ts';

const PROFILE = getPrinterProfile('epson-tm-t20');
const ascii = (text: string): Uint8Array => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const textJob = (...lines: string[]): Uint8Array => cat(ascii('\x1b@'), ...lines.map((l) => ascii(`${l}\n`)), Uint8Array.of(0x1d, 0x56, 0x01));

function receipt(receiptNo: number) {
  const record = { ...goldenSale('en'), receiptNo };
  const model = buildReceiptModel(record, { lang: 'en', header: ['Kassa Store'] });
  return encodeReceiptJob(model, PROFILE, { cut: true, barcode: `T01-${receiptNo}`, qr: `https://kassa.example/r/${receiptNo}` });
}

/** Lets the link deliver and the device answer: microtasks and a few ms of link latency. */
async function settle(): Promise<void> {
  for (let i = 0; i < 12; i += 1) await vi.advanceTimersByTimeAsync(1);
}

/** Moves the clock (bounded) until the promise settles; the driver's timers run meanwhile. */
async function finish<T>(promise: Promise<T>, maxMs = 10_000): Promise<T> {
  const state = { done: false };
  const watched = promise.finally(() => {
    state.done = true;
  });
  watched.catch(() => undefined);
  for (let waited = 0; !state.done && waited < maxMs; waited += 10) await vi.advanceTimersByTimeAsync(10);
  return watched;
}

interface Rig {
  readonly pair: MemoryPair;
  readonly printer: VirtualPrinter;
  device: VirtualPrinterDevice;
  readonly driver: EscPosPrinter;
  readonly events: PrinterDriverEvent[];
  statuses(): string[];
  warnings(): string[];
}

async function rig(options: Partial<EscPosPrinterOptions> = {}, printerOptions: VirtualPrinterOptions = {}): Promise<Rig> {
  const pair = createMemoryPair({ name: 'printer' });
  await pair.a.open();
  await pair.b.open();
  const printer = new VirtualPrinter(printerOptions);
  const device = new VirtualPrinterDevice(pair.b, printer);
  const driver = new EscPosPrinter({ profile: PROFILE, drawer: { polarity: 'high-is-open', leftOpenAlertMs: 30_000 }, ...options });
  const events: PrinterDriverEvent[] = [];
  driver.onEvent((e) => events.push(e));
  const r: Rig = {
    pair,
    printer,
    device,
    driver,
    events,
    statuses: () => events.flatMap((e) => (e.type === 'status' ? [`${e.severity}: ${e.detail}`] : [])),
    warnings: () => events.flatMap((e) => (e.type === 'warning' ? [e.reason] : [])),
  };
  rigs.push(r);
  return r;
}

/** Starts a print and records how it ended, so a test can look without awaiting. */
function track(promise: Promise<PrintResult>) {
  const state: { result: PrintResult | null; error: unknown } = { result: null, error: null };
  promise.then(
    (result) => {
      state.result = result;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return state;
}

const rigs: Rig[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  for (const r of rigs.splice(0)) {
    r.driver.detach();
    r.device.detach();
  }
  vi.useRealTimers();
});

describe('handshake', () => {
  it('enables ASB, reads DLE EOT 1–4 and resolves with a ready status', async () => {
    const r = await rig();
    const status = await r.driver.attach(r.pair.a);
    expect(status).toEqual(READY_STATUS);
    expect(r.statuses()).toEqual(['ready: ready']);
    // ASB is on: a fault is reported without any poll.
    r.device.openCover();
    await settle();
    expect(r.statuses()).toEqual(['ready: ready', 'fault: cover open']);
    expect(r.driver.status.coverOpen).toBe(true);
  });

  it('reports a printer that is out of paper at attach', async () => {
    const r = await rig();
    r.printer.setPaper('out');
    const status = await r.driver.attach(r.pair.a);
    expect(status).toMatchObject({ paperOut: true, online: false });
    expect(statusSeverity(status)).toBe('fault');
    expect(r.statuses()).toEqual(['fault: paper out']);
  });

  it('resolves offline when the printer does not answer, and becomes ready when it does', async () => {
    const r = await rig({ replyTimeoutMs: 500, pollMs: 1000 });
    r.device.detach(); // the printer is switched off: nothing answers
    const attaching = r.driver.attach(r.pair.a);
    await vi.advanceTimersByTimeAsync(500);
    const status = await attaching;
    expect(status.online).toBe(false);
    expect(r.statuses()).toEqual(['fault: offline: the printer does not answer']);
    await expect(r.driver.print(textJob('x'))).rejects.toMatchObject({ cause: 'offline', sent: false });
    r.device = new VirtualPrinterDevice(r.pair.b, r.printer); // switched on
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(r.statuses().at(-1)).toBe('ready: ready');
    expect(r.driver.stats().missedReplies).toBeGreaterThanOrEqual(4);
  });

  it('refuses a transport that is not open, and an aborted attach', async () => {
    const r = await rig();
    await r.pair.a.close();
    await expect(r.driver.attach(r.pair.a)).rejects.toThrow(/needs an open transport/);
    await r.pair.a.open();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(r.driver.attach(r.pair.a, controller.signal)).rejects.toThrow(/aborted/);
    expect(r.driver.attached).toBe(false);
  });
});

describe('printing', () => {
  it('resolves printed once the GS r reply arrives, and the printer decodes the receipt as sent', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    const job = receipt(42);
    await expect(r.driver.print(job.bytes, { jobId: 'sale-42' })).resolves.toEqual({ outcome: 'printed' });
    const [printed] = r.printer.receipts();
    expect(printed?.lines.filter((l) => l.trim() !== '')).toEqual(job.lines.filter((l) => l.trim() !== ''));
    expect(printed?.qrs).toEqual(['https://kassa.example/r/42']);
    expect(printed?.cutKind).toBe('full');
    expect(r.driver.stats()).toMatchObject({ jobsPrinted: 1, jobsUnconfirmed: 0, warnings: 0, garbageBytes: 0 });
  });

  it('appends GS r 1 to a job that does not end with one', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    await expect(r.driver.print(textJob('no gs r here'))).resolves.toEqual({ outcome: 'printed' });
    expect(r.printer.receipts()[0]?.lines).toEqual(['no gs r here']);
  });

  it('pipelines: every job reaches the printer before the first confirmation is back, and they resolve in order', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    r.pair.setLatency(50);
    const order: number[] = [];
    const jobs = [1, 2, 3, 4, 5].map((n) => r.driver.print(receipt(n).bytes, { jobId: `j${n}` }).then((res) => order.push(n) && res));
    await vi.advanceTimersByTimeAsync(50);
    // One link latency later the printer has all five, and nothing is confirmed yet.
    expect(r.printer.receipts()).toHaveLength(5);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(await Promise.all(jobs)).toEqual(Array(5).fill({ outcome: 'printed' }));
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('a backlog goes out in few writes, each confirmed by one GS r; a drawer pulse between jobs keeps its place', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    const writes: Uint8Array[] = [];
    const write = r.pair.a.write.bind(r.pair.a);
    vi.spyOn(r.pair.a, 'write').mockImplementation((bytes: Uint8Array) => {
      writes.push(Uint8Array.from(bytes));
      return write(bytes);
    });
    const jobs = [1, 2].map((n) => r.driver.print(receipt(n).bytes, { jobId: `j${n}` }));
    const drawer = r.driver.openDrawer({ pin: 2, onMs: 50, offMs: 500 });
    jobs.push(...[3, 4, 5].map((n) => r.driver.print(receipt(n).bytes, { jobId: `j${n}` })));
    await drawer;
    expect(await finish(Promise.all(jobs))).toEqual(Array(5).fill({ outcome: 'printed' }));
    const jobWrites = writes.filter((w) => w.length > 100);
    expect(jobWrites).toHaveLength(2);
    expect(jobWrites.map((w) => gsRQueriesIn(w))).toEqual([[1], [1]]);
    // Order on the wire: receipts 1–2, the pulse (ESC p), receipts 3–5.
    const pulseAt = writes.findIndex((w) => w[0] === 0x1b && w[1] === 0x70);
    expect(writes.indexOf(jobWrites[0] as Uint8Array)).toBeLessThan(pulseAt);
    expect(writes.indexOf(jobWrites[1] as Uint8Array)).toBeGreaterThan(pulseAt);
    // The printer ran the pulse after the second receipt's cut, before the third receipt.
    expect(r.printer.receipts().map((p) => p.pulses.length)).toEqual([0, 0, 1, 0, 0]);
  });

  it('resolves unconfirmed after confirmTimeoutMs; a reply that comes later is counted as late, never taken for the next job', async () => {
    const r = await rig({ confirmTimeoutMs: 2000, replyTimeoutMs: 500, pollMs: 1000 });
    await r.driver.attach(r.pair.a);
    // The job prints, but its GS r reply (a status byte) is lost on the way back.
    r.device.garbleReplies((reply) => Uint8Array.from([...reply].filter((b) => (b & 0x90) !== 0)));
    const state = track(r.driver.print(receipt(7).bytes, { jobId: 'lost-reply' }));
    await vi.advanceTimersByTimeAsync(2100);
    expect(state.result).toMatchObject({ outcome: 'unconfirmed', reason: expect.stringMatching(/did not confirm the job \(GS r\) within 2000 ms/) });
    expect(r.printer.receipts()).toHaveLength(1);
    expect(r.statuses()).toEqual(['ready: ready']);
    r.device.garbleReplies(null);
    // The next job's reply answers the oldest GS r (the lost one's): counted late; the next job
    // is confirmed by a later reply (a probe), not early.
    const next = track(r.driver.print(textJob('next'), { jobId: 'next' }));
    await settle();
    expect(r.driver.stats().lateConfirmations).toBe(1);
    expect(next.result).toBeNull();
    await finish(r.driver.print(textJob('third')).catch(() => undefined));
    expect(next.result).toEqual({ outcome: 'printed' });
    expect(r.warnings().some((w) => /lost-reply was confirmed .* after it had been reported unconfirmed/.test(w))).toBe(true);
  });

  it('polls wait behind a job crossing a slow link: never reported offline while the job is on its way', async () => {
    const r = await rig({ replyTimeoutMs: 300, pollMs: 500 });
    await r.driver.attach(r.pair.a);
    const job = receipt(8).bytes;
    r.device.slowLink(job.length / 3); // three seconds for the job to cross
    await expect(finish(r.driver.print(job))).resolves.toEqual({ outcome: 'printed' });
    expect(r.statuses()).toEqual(['ready: ready']);
    expect(r.driver.stats().missedReplies).toBe(0);
  });

  it('refuses at once while the printer is known to be out of paper, cover open or offline', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    const written = r.driver.stats().bytesWritten;
    for (const [fault, cause, fix] of [
      [() => r.device.setPaper('out'), 'paper-out', () => r.device.setPaper('ok')],
      [() => r.device.openCover(), 'cover-open', () => r.device.closeCover()],
      [() => r.device.goOffline(), 'offline', () => r.device.goOnline()],
    ] as const) {
      fault();
      await settle();
      const error = await r.driver.print(textJob('refused')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrintInterruptedError);
      expect(error).toMatchObject({ cause, sent: false });
      fix();
      await settle();
    }
    expect(r.driver.stats().bytesWritten).toBe(written);
    expect(r.printer.receipts()).toEqual([]);
    expect(r.statuses()).toEqual(['ready: ready', 'fault: paper out', 'ready: ready', 'fault: cover open', 'ready: ready', 'fault: offline', 'ready: ready']);
    expect(r.driver.stats().jobsRefused).toBe(3);
  });

  it('rejects a print before attach and after detach with cause disconnected', async () => {
    const r = await rig();
    await expect(r.driver.print(textJob('x'))).rejects.toMatchObject({ cause: 'disconnected', sent: false });
    await expect(r.driver.print(new Uint8Array(0))).rejects.toThrow(TypeError);
  });
});

describe('paper out and cover open mid-job', () => {
  it('resume mode: the printing job rejects sent=true, status goes fault; with paper back the rest prints and the next job waits its turn', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    r.device.outOfPaperAfterLines(5);
    // Both jobs are written before the printer's ASB (paper out) can come back.
    r.pair.setLatency(5);
    const first = track(r.driver.print(receipt(1).bytes, { jobId: 'first' }));
    const second = track(r.driver.print(receipt(2).bytes, { jobId: 'second' }));
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(first.error).toBeInstanceOf(PrintInterruptedError);
    expect(first.error).toMatchObject({ cause: 'paper-out', sent: true, jobId: 'first' });
    expect(second.error).toBeNull();
    expect(second.result).toBeNull();
    expect(r.statuses()).toEqual(['ready: ready', 'fault: paper out']);
    expect(r.printer.receipts()[0]).toMatchObject({ interrupted: true, cutKind: null });

    r.device.setPaper('ok');
    await settle();
    expect(r.statuses().at(-1)).toBe('ready: ready');
    expect(second.result).toEqual({ outcome: 'printed' });
    // The rest of the first receipt printed (the printer resumed by itself), then the second.
    expect(r.printer.receipts().map((p) => p.cutKind)).toEqual(['full', 'full']);
    expect(r.driver.stats()).toMatchObject({ jobsInterrupted: 1, jobsPrinted: 1, interruptedRestsPrinted: 1 });
  });

  it('clear-buffer mode: DLE DC4 8 drops what the printer holds, every job in flight rejects sent=true, nothing prints later', async () => {
    const r = await rig({ clearBufferOnInterrupt: true });
    await r.driver.attach(r.pair.a);
    r.device.outOfPaperAfterLines(5);
    // Both jobs are written before the printer's ASB (paper out) can come back.
    r.pair.setLatency(5);
    const first = track(r.driver.print(receipt(1).bytes, { jobId: 'first' }));
    const second = track(r.driver.print(receipt(2).bytes, { jobId: 'second' }));
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(first.error).toMatchObject({ cause: 'paper-out', sent: true });
    expect(second.error).toMatchObject({ cause: 'paper-out', sent: true, jobId: 'second' });
    expect(r.printer.heldItems).toBe(0);
    const partial = r.printer.receipts().flatMap((p) => p.lines);
    r.device.setPaper('ok');
    await settle();
    expect(r.printer.receipts().flatMap((p) => p.lines)).toEqual(partial);
    expect(r.driver.stats()).toMatchObject({ buffersCleared: 1, jobsInterrupted: 2, garbageBytes: 0 });
    // The reprint goes through normally.
    await expect(finish(r.driver.print(receipt(1).bytes))).resolves.toEqual({ outcome: 'printed' });
  });

  it('clear-buffer mode on a printer that never answers the clear: a warning, and the held jobs print when paper is back', async () => {
    const r = await rig({ clearBufferOnInterrupt: true, confirmTimeoutMs: 3000 });
    await r.driver.attach(r.pair.a);
    // A printer without DLE DC4 8 support: the clear response never comes.
    r.device.garbleReplies((reply) => Uint8Array.from([...reply].filter((b) => b !== 0x37 && b !== 0x25)));
    r.device.outOfPaperAfterLines(5);
    const first = track(r.driver.print(receipt(1).bytes));
    await settle();
    expect(first.error).toMatchObject({ cause: 'paper-out', sent: true });
    await vi.advanceTimersByTimeAsync(3000);
    expect(r.warnings().some((w) => /did not answer the buffer clear/.test(w))).toBe(true);
    r.device.garbleReplies(null);
    r.device.setPaper('ok');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(r.driver.print(textJob('after'))).resolves.toEqual({ outcome: 'printed' });
  });

  it('a cover opened while a job is still crossing the link interrupts it with cause cover-open', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    const job = receipt(3).bytes;
    r.device.slowLink(job.length); // one second to cross
    const state = track(r.driver.print(job));
    await vi.advanceTimersByTimeAsync(400);
    r.device.openCover();
    await settle();
    expect(state.error).toMatchObject({ cause: 'cover-open', sent: true });
    expect(r.statuses().at(-1)).toBe('fault: cover open');
    r.device.closeCover();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.statuses().at(-1)).toBe('ready: ready');
  });

  it('offline reported by polling alone (no ASB) interrupts the job in flight', async () => {
    const r = await rig({ pollMs: 200 });
    await r.driver.attach(r.pair.a);
    // A printer that does not do ASB: drop its frames (first byte 0x10-class and three status bytes).
    r.device.garbleReplies((reply) => (reply.length === 4 && (reply[0]! & 0x93) === 0x10 ? new Uint8Array(0) : reply));
    const job = receipt(4).bytes;
    r.device.slowLink(job.length / 2);
    const state = track(r.driver.print(job));
    await vi.advanceTimersByTimeAsync(300);
    r.device.goOffline();
    await vi.advanceTimersByTimeAsync(3000);
    expect(state.error).toMatchObject({ cause: 'offline', sent: true });
    expect(r.statuses()).toContain('fault: offline');
  });
});

describe('an unreachable printer', () => {
  it('goes offline when polls get no reply, refuses jobs, warns once, and recovers when the printer answers again', async () => {
    const r = await rig({ pollMs: 1000, replyTimeoutMs: 500 });
    await r.driver.attach(r.pair.a);
    r.device.detach();
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.statuses()).toEqual(['ready: ready', 'fault: offline: the printer does not answer']);
    expect(r.warnings().filter((w) => /no valid reply to a status query/.test(w))).toHaveLength(1);
    await expect(r.driver.print(textJob('x'))).rejects.toMatchObject({ cause: 'offline', sent: false });
    r.device = new VirtualPrinterDevice(r.pair.b, r.printer);
    await vi.advanceTimersByTimeAsync(1500);
    expect(r.statuses().at(-1)).toBe('ready: ready');
    await expect(r.driver.print(textJob('back'))).resolves.toEqual({ outcome: 'printed' });
  });
});

describe('garbage on the back channel', () => {
  it('a printer whose every reply is garbled (wrong baud rate) is offline, not ready', async () => {
    const r = await rig({ replyTimeoutMs: 500 });
    r.device.garbleReplies((reply) => reply.map((b) => (b * 7 + 0x81) & 0xff));
    const attaching = r.driver.attach(r.pair.a);
    await vi.advanceTimersByTimeAsync(500);
    const status = await attaching;
    expect(status.online).toBe(false);
    expect(r.statuses()).toEqual([expect.stringMatching(/^fault: offline: the printer's replies are garbled/)]);
    expect(r.driver.stats().garbageBytes).toBeGreaterThan(0);
    await expect(r.driver.print(textJob('x'))).rejects.toMatchObject({ cause: 'offline', sent: false });
  });

  it('counts garbled replies as warnings, and confirmations resume once the line is clean (a probe recovers a lost reply)', async () => {
    const r = await rig({ pollMs: 1000, replyTimeoutMs: 500, confirmTimeoutMs: 10_000 });
    await r.driver.attach(r.pair.a);
    r.device.garbleReplies((reply) => reply.map((b) => b | 0x80));
    const state = track(r.driver.print(textJob('garbled')));
    await settle();
    expect(state.result).toBeNull();
    expect(r.driver.stats().garbageBytes).toBeGreaterThan(0);
    expect(r.warnings().some((w) => /unexpected byte/.test(w))).toBe(true);
    r.device.garbleReplies(null);
    await vi.advanceTimersByTimeAsync(2000);
    expect(state.result).toEqual({ outcome: 'printed' });
    expect(r.driver.stats().probes).toBeGreaterThanOrEqual(1);
    await expect(finish(r.driver.print(textJob('clean')))).resolves.toEqual({ outcome: 'printed' });
  });

  it('never throws and counts every byte, whatever arrives (fast-check)', async () => {
    const thrown = vi.spyOn(process, 'emitWarning');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 25 }), fc.boolean(), async (chunks, clearMode) => {
        const pair = createMemoryPair();
        await pair.a.open();
        await pair.b.open();
        const printer = new VirtualPrinter();
        const device = new VirtualPrinterDevice(pair.b, printer);
        const driver = new EscPosPrinter({ profile: PROFILE, drawer: { polarity: 'high-is-closed', leftOpenAlertMs: 100 }, clearBufferOnInterrupt: clearMode, pollMs: 100, replyTimeoutMs: 50, confirmTimeoutMs: 300 });
        let warnings = 0;
        driver.onEvent((e) => {
          if (e.type === 'warning') warnings += 1;
          if (e.type === 'status') expect(statusSeverity(e.status)).toBe(e.severity);
        });
        await driver.attach(pair.a);
        const received = driver.stats().bytesReceived;
        const job = track(driver.print(textJob('a', 'b')));
        let sent = 0;
        for (const chunk of chunks) {
          await pair.b.write(chunk);
          sent += chunk.length;
          await vi.advanceTimersByTimeAsync(37);
        }
        await vi.advanceTimersByTimeAsync(400);
        const stats = driver.stats();
        expect(stats.bytesReceived - received).toBeGreaterThanOrEqual(sent);
        expect(stats.garbageBytes).toBeLessThanOrEqual(stats.bytesReceived);
        if (stats.garbageBytes > 0) expect(warnings).toBeGreaterThan(0);
        // The job always settled one way or another.
        expect(job.result !== null || job.error instanceof PrintInterruptedError).toBe(true);
        driver.detach();
        device.detach();
      }),
      { numRuns: 60 },
    );
    expect(thrown.mock.calls.filter((call) => ['PrinterListenerError', 'TransportListenerError'].includes(String(call[1])))).toEqual([]);
    thrown.mockRestore();
  });
});

describe('cash drawer', () => {
  it('reports open and closed, and alerts once per opening after leftOpenAlertMs', async () => {
    const r = await rig({ drawer: { polarity: 'high-is-open', leftOpenAlertMs: 30_000 } });
    await r.driver.attach(r.pair.a);
    await r.driver.openDrawer({ pin: 2, onMs: 50, offMs: 500 });
    await settle();
    expect(r.printer.drawerOpen).toBe(true);
    expect(r.events.filter((e) => e.type === 'drawer')).toEqual([{ type: 'drawer', open: true }]);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(r.events.filter((e) => e.type === 'drawer-left-open')).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.events.filter((e) => e.type === 'drawer-left-open')).toEqual([{ type: 'drawer-left-open', openForMs: 30_000 }]);
    r.device.closeDrawer();
    await settle();
    await r.driver.openDrawer({ pin: 2, onMs: 50, offMs: 500 });
    await settle();
    r.device.closeDrawer();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.events.filter((e) => e.type === 'drawer')).toEqual([
      { type: 'drawer', open: true },
      { type: 'drawer', open: false },
      { type: 'drawer', open: true },
      { type: 'drawer', open: false },
    ]);
    expect(r.events.filter((e) => e.type === 'drawer-left-open')).toHaveLength(1);
  });

  it('applies the configured polarity, never alerts with leftOpenAlertMs 0, and reads a drawer open at attach', async () => {
    const r = await rig({ drawer: { polarity: 'high-is-closed', leftOpenAlertMs: 0 } }, { drawerPolarity: 'high-is-closed' });
    r.printer.write(Uint8Array.of(0x1b, 0x70, 0x00, 0x19, 0xfa), 0);
    const status = await r.driver.attach(r.pair.a);
    expect(status.drawerOpen).toBe(true);
    expect(r.events.filter((e) => e.type === 'drawer')).toEqual([{ type: 'drawer', open: true }]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(r.events.filter((e) => e.type === 'drawer-left-open')).toEqual([]);
  });

  it('kicks with the real-time pulse while the printer holds its buffer (paper out)', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    r.device.setPaper('out');
    await settle();
    await r.driver.openDrawer({ pin: 2, onMs: 120, offMs: 500 });
    await settle();
    expect(r.printer.drawerOpen).toBe(true);
    const pulses = r.printer.receipts().flatMap((p) => p.pulses);
    expect(pulses).toMatchObject([{ pin: 2, realtime: true, onMs: 100 }]);
  });

  it('watches no drawer when none is configured', async () => {
    const r = await rig({ drawer: null });
    await r.driver.attach(r.pair.a);
    await r.driver.openDrawer({ pin: 2, onMs: 50, offMs: 500 });
    await settle();
    expect(r.printer.drawerOpen).toBe(true);
    expect(r.driver.status.drawerOpen).toBe(false);
    expect(r.events.filter((e) => e.type === 'drawer')).toEqual([]);
  });
});

describe('detach and reattach', () => {
  it('detach rejects pending jobs with disconnected (sent=true once written), and the next attach works', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    const job = receipt(5).bytes;
    r.device.slowLink(100);
    const a = track(r.driver.print(job));
    const b = track(r.driver.print(job));
    await settle();
    r.pair.unplug();
    await settle();
    expect(a.error).toMatchObject({ cause: 'disconnected', sent: true });
    expect(b.error).toMatchObject({ cause: 'disconnected' });
    expect(r.driver.attached).toBe(false);
    expect(r.driver.status.online).toBe(false);

    r.pair.replug();
    await r.pair.a.open();
    await r.pair.b.open();
    r.device.detach();
    r.device = new VirtualPrinterDevice(r.pair.b, new VirtualPrinter());
    await expect(r.driver.attach(r.pair.a)).resolves.toEqual(READY_STATUS);
    await expect(r.driver.print(textJob('after replug'))).resolves.toEqual({ outcome: 'printed' });
  });

  it('detach() while a drawer pulse waits in line rejects it', async () => {
    const r = await rig();
    await r.driver.attach(r.pair.a);
    r.driver.detach();
    await expect(r.driver.openDrawer({ pin: 2, onMs: 50, offMs: 500 })).rejects.toMatchObject({ cause: 'disconnected' });
  });
});

describe('printers without status', () => {
  it('a transport that cannot read: no queries, ready with a reason, jobs resolve unconfirmed', async () => {
    const r = await rig();
    const writeOnly: ByteTransport = Object.create(r.pair.a, { capabilities: { value: { ...r.pair.a.capabilities, readable: false } } }) as ByteTransport;
    const status = await r.driver.attach(writeOnly);
    expect(status.online).toBe(true);
    expect(r.statuses()).toEqual([expect.stringMatching(/^ready: ready \(no status: .*cannot read replies/)]);
    const job = textJob('blind');
    await expect(r.driver.print(job)).resolves.toMatchObject({ outcome: 'unconfirmed', reason: expect.stringMatching(/cannot read replies/) });
    await settle();
    expect(r.device.counters.received).toBe(job.length);
    expect(r.printer.receipts()[0]?.lines).toEqual(['blind']);
  });

  it('a StarPRNT profile: nothing ESC/POS is sent, jobs resolve unconfirmed saying why', async () => {
    const r = await rig({ profile: getPrinterProfile('star-tsp100') });
    await r.driver.attach(r.pair.a);
    await expect(r.driver.print(ascii('star job'))).resolves.toMatchObject({ outcome: 'unconfirmed', reason: expect.stringMatching(/StarPRNT/) });
    await settle();
    expect(r.device.counters.received).toBe('star job'.length);
    await r.driver.openDrawer({ pin: 2, onMs: 200, offMs: 200 });
    await settle();
    expect(r.device.counters.received).toBe('star job'.length + 5);
  });
});

describe('options and helpers', () => {
  it('rejects bad options with a message naming the field', () => {
    expect(() => new EscPosPrinter({ profile: PROFILE, pollMs: 0 })).toThrow(/pollMs/);
    expect(() => new EscPosPrinter({ profile: PROFILE, confirmTimeoutMs: Number.NaN })).toThrow(/confirmTimeoutMs/);
    expect(() => new EscPosPrinter({ profile: PROFILE, drawer: { polarity: 'high-is-open', leftOpenAlertMs: -1 } })).toThrow(/leftOpenAlertMs/);
  });

  it('finds the GS r queries a job carries', () => {
    expect(gsRQueriesIn(cat(ascii('x'), Uint8Array.of(0x1d, 0x72, 0x02, 0x1d, 0x72, 0x31, 0x1d, 0x72, 0x09)))).toEqual([2, 1]);
  });
});
