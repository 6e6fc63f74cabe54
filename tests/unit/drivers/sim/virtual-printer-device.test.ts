// Virtual printer on the device side of a memory pair: what a driver on the host side sees.
// Receipts decoded from the host's bytes, DLE EOT / GS r / ASB answers arriving on the host
// side and parsing with escpos-status.ts, faults that speak up by ASB, paper out mid-job, a slow
// link (fake timers), garbled replies, and an unplug that loses replies without throwing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dleEot, enableAsb, gsR, parseAsb, StatusReader } from '../../../../drivers/printer/escpos-status.ts';
import { VirtualPrinter } from '../../../../drivers/sim/virtual-printer.ts';
import { VirtualPrinterDevice } from '../../../../drivers/sim/virtual-printer-device.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';
import type { MemoryPairOptions } from '../../../../drivers/transports/memory-transport.ts';

const ascii = (text: string): Uint8Array => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const job = (...lines: string[]): Uint8Array => cat(...lines.map((l) => cat(ascii(l), Uint8Array.of(0x0a))));
const CUT = Uint8Array.of(0x1d, 0x56, 0x01);
const PULSE_PIN2 = Uint8Array.of(0x1b, 0x70, 0x00, 0x32, 0xfa);

/** Lets the memory pair deliver (microtasks) and the device write its replies back. */
const settle = async (device: VirtualPrinterDevice): Promise<void> => {
  for (let i = 0; i < 4; i += 1) {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await device.idle();
  }
  await new Promise<void>((resolve) => queueMicrotask(resolve));
};

async function rig(options: MemoryPairOptions = {}, printer = new VirtualPrinter(), now?: () => number) {
  const pair = createMemoryPair({ name: 'printer', ...options });
  await pair.a.open();
  await pair.b.open();
  const device = new VirtualPrinterDevice(pair.b, printer, now === undefined ? {} : { now });
  const host: number[] = [];
  pair.a.onData((b) => host.push(...b));
  return { pair, host: pair.a, device, printer, atHost: host };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('VirtualPrinterDevice', () => {
  it('decodes what the host writes, even a byte at a time, and answers DLE EOT on the host side', async () => {
    const { host, device, atHost } = await rig({ chunkSize: 1 }, new VirtualPrinter(), () => 4242);
    const receiptBytes = cat(job('KASSA DEMO', 'Coffee   3.50'), PULSE_PIN2, CUT);
    await host.write(receiptBytes);
    await settle(device);
    const [receipt] = device.printer.receipts();
    expect(receipt?.lines).toEqual(['KASSA DEMO', 'Coffee   3.50']);
    expect(receipt?.cutKind).toBe('partial');
    expect(receipt?.pulses.map((p) => [p.pin, p.atMs])).toEqual([[2, 4242]]);

    const reader = new StatusReader();
    for (const n of [1, 2, 3, 4] as const) reader.expect({ kind: 'dle-eot', n });
    await host.write(cat(dleEot(1), dleEot(2), dleEot(3), dleEot(4)));
    await settle(device);
    expect(atHost).toHaveLength(4);
    const events = reader.push(Uint8Array.from(atHost));
    expect(events.map((e) => e.kind)).toEqual(['dle-eot', 'dle-eot', 'dle-eot', 'dle-eot']);
    // The pulse opened the drawer: DLE EOT 1 reports pin 3 high (drawer open, default polarity).
    expect(atHost[0]).toBe(0x16);
    expect(atHost.slice(1)).toEqual([0x12, 0x12, 0x12]);
    expect(device.counters).toMatchObject({ received: receiptBytes.length + 12, fed: receiptBytes.length + 12, replied: 4, lostReplies: 0 });
  });

  it('sends ASB frames for injected faults once the host enabled ASB', async () => {
    const { host, device, atHost } = await rig();
    await host.write(enableAsb({ drawer: true, online: true, error: true, paper: true }));
    await settle(device);
    // Enabling ASB makes the printer report its current state once.
    expect(atHost).toHaveLength(4);
    atHost.length = 0;

    device.openCover();
    await settle(device);
    expect(parseAsb(Uint8Array.from(atHost))).toMatchObject({ coverOpen: true, offline: true });
    atHost.length = 0;
    device.closeCover();
    device.setPaper('near-end');
    await settle(device);
    expect(atHost).toHaveLength(8);
    expect(parseAsb(Uint8Array.from(atHost), 0)).toMatchObject({ coverOpen: false, offline: false });
    expect(parseAsb(Uint8Array.from(atHost), 4)).toMatchObject({ paperNearEnd: true, paperOut: false });
    atHost.length = 0;

    await host.write(PULSE_PIN2);
    await settle(device);
    expect(device.printer.drawerOpen).toBe(true);
    atHost.length = 0;
    device.closeDrawer();
    await settle(device);
    expect(device.printer.drawerOpen).toBe(false);
    expect(atHost).toHaveLength(4);
    expect(atHost[0]! & 0x04).toBe(0);
  });

  it('paper out mid-job holds the rest; loading paper prints it and the receipt is marked interrupted', async () => {
    const { host, device, atHost } = await rig();
    device.outOfPaperAfterLines(2);
    await host.write(cat(job('L1', 'L2', 'L3', 'L4'), CUT, gsR(1)));
    await settle(device);
    expect(device.printer.receipts()[0]?.lines).toEqual(['L1', 'L2']);
    // GS r waits in the buffer behind the held lines; DLE EOT 4 answers at once: paper out.
    expect(atHost).toEqual([]);
    await host.write(dleEot(4));
    await settle(device);
    expect(atHost).toEqual([0x7e]);
    atHost.length = 0;

    device.setPaper('ok');
    await settle(device);
    const [receipt] = device.printer.receipts();
    expect(receipt?.lines).toEqual(['L1', 'L2', 'L3', 'L4']);
    expect(receipt?.interrupted).toBe(true);
    expect(receipt?.cutKind).toBe('partial');
    // Now the GS r 1 behind the cut is answered: paper present.
    expect(atHost).toEqual([0x00]);
  });

  it('offline holds the job; DLE EOT 1 says offline; back online it prints', async () => {
    const { host, device, atHost } = await rig();
    device.goOffline();
    await host.write(cat(job('HELD'), CUT, dleEot(1)));
    await settle(device);
    expect(device.printer.receipts()).toEqual([]);
    expect(atHost).toEqual([0x1a]);
    device.goOnline();
    await settle(device);
    expect(device.printer.receipts()[0]?.lines).toEqual(['HELD']);
  });

  it('garbleReplies rewrites what reaches the host until turned off', async () => {
    const { host, device, atHost } = await rig();
    device.garbleReplies((reply) => reply.map((b) => b ^ 0xff));
    await host.write(dleEot(2));
    await settle(device);
    expect(atHost).toEqual([0x12 ^ 0xff]);
    const reader = new StatusReader();
    reader.expect({ kind: 'dle-eot', n: 2 });
    expect(reader.push(Uint8Array.from(atHost)).map((e) => e.kind)).toEqual(['garbage']);
    device.garbleReplies(null);
    await host.write(dleEot(2));
    await settle(device);
    expect(atHost).toEqual([0x12 ^ 0xff, 0x12]);
  });

  it('a slow link feeds the printer at the set rate, in order; slowLink(null) lets the rest through', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { host, device, atHost } = await rig();
    device.slowLink(1000);
    const bytes = cat(job('0123456789'.repeat(4), 'ABCDEFGHIJ'.repeat(4)), CUT, dleEot(1));
    expect(bytes.length).toBe(88);
    await host.write(bytes);
    await Promise.resolve();
    await Promise.resolve();
    expect(device.counters.received).toBe(88);
    expect(device.counters.fed).toBe(0);

    await vi.advanceTimersByTimeAsync(40);
    expect(device.counters.fed).toBe(40);
    expect(device.pendingBytes).toBe(48);
    expect(device.printer.receipts()).toEqual([]);
    await vi.advanceTimersByTimeAsync(42);
    expect(device.printer.receipts()[0]?.lines).toEqual(['0123456789'.repeat(4)]);
    // The DLE EOT waits behind the data on a slow wire.
    expect(atHost).toEqual([]);

    let idle = false;
    void device.idle().then(() => {
      idle = true;
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(idle).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(device.pendingBytes).toBe(0);
    expect(idle).toBe(true);
    expect(atHost).toEqual([0x12]);
    expect(device.printer.receipts()[0]?.lines).toEqual(['0123456789'.repeat(4), 'ABCDEFGHIJ'.repeat(4)]);

    await host.write(cat(job('FAST'), CUT));
    await Promise.resolve();
    await Promise.resolve();
    expect(device.pendingBytes).toBe(8);
    device.slowLink(null);
    expect(device.pendingBytes).toBe(0);
    expect(device.printer.receipts()[1]?.lines).toEqual(['FAST']);
  });

  it('a slow link below 100 B/s sends single bytes spaced out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { host, device } = await rig();
    device.slowLink(20);
    await host.write(job('ABCD'));
    await Promise.resolve();
    await Promise.resolve();
    await vi.advanceTimersByTimeAsync(149);
    expect(device.counters.fed).toBe(2);
    await vi.advanceTimersByTimeAsync(101);
    expect(device.counters.fed).toBe(5);
  });

  it('refuses a rate that is not a positive number', async () => {
    const { device } = await rig();
    expect(() => device.slowLink(0)).toThrow(/bytesPerSecond must be a finite number > 0 or null, got 0/);
    expect(() => device.slowLink(Number.NaN)).toThrow(RangeError);
    expect(() => device.outOfPaperAfterLines(-1)).toThrow(/lines must be a number >= 0/);
  });

  it('an unplugged link loses the replies, counted, without throwing; detach stops listening', async () => {
    const { pair, host, device } = await rig();
    await host.write(enableAsb({ online: true }));
    await settle(device);
    pair.unplug();
    device.openCover();
    await settle(device);
    expect(device.counters.lostReplies).toBe(1);
    expect(device.printer.status().coverOpen).toBe(true);

    pair.replug();
    await pair.a.open();
    await pair.b.open();
    device.detach();
    await pair.a.write(cat(job('AFTER DETACH'), CUT));
    await settle(device);
    expect(device.printer.receipts()).toEqual([]);
  });
});
