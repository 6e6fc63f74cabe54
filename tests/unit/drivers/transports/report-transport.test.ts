import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransportError } from '../../../../drivers/transports/byte-transport.ts';
import { createMemoryReportPair } from '../../../../drivers/transports/report-transport.ts';
import type { ReportTransport } from '../../../../drivers/transports/report-transport.ts';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function collect(t: ReportTransport): number[][] {
  const got: number[][] = [];
  t.onReport((r) => got.push([...r]));
  return got;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('memory report pair', () => {
  it('carries each report whole, in order, both ways, never inside the writer call', async () => {
    const { a, b } = createMemoryReportPair();
    expect([a.id, b.id]).toEqual(['memory:reports:a', 'memory:reports:b']);
    await a.open();
    await b.open();
    const atA = collect(a);
    const atB = collect(b);
    const report = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    const sent = b.write(report);
    expect(atA).toEqual([]);
    await sent;
    await b.write(Uint8Array.of(0x02, 0x01, 0x41));
    await a.write(Uint8Array.of(0x04, 0x16, 0x54, 0x0d));
    await settle();
    expect(atA).toEqual([[...report], [0x02, 0x01, 0x41]]);
    expect(atB).toEqual([[0x04, 0x16, 0x54, 0x0d]]);
  });

  it('copies a report on write, so the sender may reuse its buffer', async () => {
    const { a, b } = createMemoryReportPair({ name: 'scanner' });
    expect(b.id).toBe('memory:scanner:b');
    await a.open();
    await b.open();
    const atA = collect(a);
    const buffer = Uint8Array.of(0x02, 0x02, 0x31, 0x32);
    await b.write(buffer);
    buffer.fill(0);
    await settle();
    expect(atA).toEqual([[0x02, 0x02, 0x31, 0x32]]);
  });

  it('refuses an empty report and a write on a closed side', async () => {
    const { a, b } = createMemoryReportPair();
    await expect(b.write(new Uint8Array(0))).rejects.toThrow(RangeError);
    await expect(b.write(Uint8Array.of(2))).rejects.toMatchObject({ code: 'closed' });
    await b.open();
    await expect(b.write(new Uint8Array(0))).rejects.toThrow(/memory:reports:b: a report cannot be empty/);
    expect(a.isOpen).toBe(false);
  });

  it('unplug closes both sides with an error and drops reports in flight; replug lets them open again', async () => {
    const pair = createMemoryReportPair();
    const { a, b } = pair;
    await a.open();
    await b.open();
    const atA = collect(a);
    const reasons: Array<Error | null> = [];
    a.onClose((r) => reasons.push(r));
    b.onClose((r) => reasons.push(r));
    const inFlight = b.write(Uint8Array.of(0x02, 0x01, 0x39));
    pair.unplug();
    await inFlight;
    await settle();
    expect(atA).toEqual([]);
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => r instanceof TransportError && r.code === 'io')).toBe(true);
    expect(pair.plugged).toBe(false);
    await expect(a.open()).rejects.toMatchObject({ code: 'not-found' });
    pair.replug();
    await a.open();
    await b.open();
    await b.write(Uint8Array.of(0x02, 0x01, 0x38));
    await settle();
    expect(atA).toEqual([[0x02, 0x01, 0x38]]);
    await a.close();
    expect(reasons.at(-1)).toBeNull();
  });

  it('garbles reports in flight until told to stop', async () => {
    const pair = createMemoryReportPair();
    await pair.a.open();
    await pair.b.open();
    const atA = collect(pair.a);
    const froms: string[] = [];
    pair.garble((r, from) => {
      froms.push(from);
      return r.subarray(0, 2);
    });
    await pair.b.write(Uint8Array.of(0x02, 0x03, 0x31, 0x32, 0x33));
    pair.garble(null);
    await pair.b.write(Uint8Array.of(0x02, 0x01, 0x34));
    await settle();
    expect(froms).toEqual(['b']);
    expect(atA).toEqual([[0x02, 0x03], [0x02, 0x01, 0x34]]);
  });

  it('delays reports by latencyMs', async () => {
    vi.useFakeTimers();
    const { a, b } = createMemoryReportPair({ latencyMs: 20 });
    await a.open();
    await b.open();
    const atA = collect(a);
    await b.write(Uint8Array.of(0x02));
    await vi.advanceTimersByTimeAsync(19);
    expect(atA).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(atA).toEqual([[0x02]]);
  });

  it('any sequence of reports arrives as the same sequence: none split, merged or reordered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 80 }), { maxLength: 30 }), async (reports) => {
        const { a, b } = createMemoryReportPair();
        await a.open();
        await b.open();
        const atA = collect(a);
        for (const r of reports) await b.write(r);
        await settle();
        expect(atA).toEqual(reports.map((r) => [...r]));
      }),
      { numRuns: 100 },
    );
  });
});
