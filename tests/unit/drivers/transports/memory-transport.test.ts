import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransportError } from '../../../../drivers/transports/byte-transport.ts';
import type { ByteTransport } from '../../../../drivers/transports/byte-transport.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

function collect(t: ByteTransport): { chunks: Uint8Array[]; bytes: () => number[] } {
  const chunks: Uint8Array[] = [];
  t.onData((b) => chunks.push(Uint8Array.from(b)));
  return { chunks, bytes: () => chunks.flatMap((c) => [...c]) };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('memory pair', () => {
  it('carries every byte value both ways, asynchronously', async () => {
    const { a, b } = createMemoryPair();
    await a.open();
    await b.open();
    const atA = collect(a);
    const atB = collect(b);
    const written = a.write(allBytes);
    expect(atB.chunks).toEqual([]); // never inside the writer's call
    await written;
    await b.write(Uint8Array.of(0x12));
    await settle();
    expect(atB.bytes()).toEqual([...allBytes]);
    expect(atA.bytes()).toEqual([0x12]);
  });

  it('copies written bytes so the caller can reuse its buffer', async () => {
    const { a, b } = createMemoryPair();
    await a.open();
    await b.open();
    const atB = collect(b);
    const buffer = Uint8Array.of(1, 2, 3);
    await a.write(buffer);
    buffer.fill(9);
    await settle();
    expect(atB.bytes()).toEqual([1, 2, 3]);
  });

  it('splits writes into chunks of chunkSize', async () => {
    const { a, b } = createMemoryPair({ chunkSize: 3 });
    await a.open();
    await b.open();
    const atB = collect(b);
    await a.write(Uint8Array.of(1, 2, 3, 4, 5, 6, 7));
    await settle();
    expect(atB.chunks.map((c) => [...c])).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('any writes and any chunk size arrive complete and in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), fc.integer({ min: 1, max: 17 }), async (writes, chunkSize) => {
        const { a, b } = createMemoryPair({ chunkSize });
        await a.open();
        await b.open();
        const atB = collect(b);
        for (const w of writes) await a.write(w);
        await settle();
        expect(atB.bytes()).toEqual(writes.flatMap((w) => [...w]));
        expect(atB.chunks.every((c) => c.length >= 1 && c.length <= chunkSize)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('delivers after latencyMs, and keeps order when the latency is shortened mid-stream', async () => {
    vi.useFakeTimers();
    const pair = createMemoryPair({ latencyMs: 100 });
    await pair.a.open();
    await pair.b.open();
    const atB = collect(pair.b);
    await pair.a.write(Uint8Array.of(1));
    pair.setLatency(10);
    await pair.a.write(Uint8Array.of(2));
    await vi.advanceTimersByTimeAsync(9);
    expect(atB.bytes()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(atB.bytes()).toEqual([1, 2]); // 2 carries 1 with it instead of overtaking
    await vi.advanceTimersByTimeAsync(200);
    expect(atB.bytes()).toEqual([1, 2]);
  });

  it('garbles bytes in flight, with the writing side, until reset', async () => {
    const pair = createMemoryPair();
    await pair.a.open();
    await pair.b.open();
    const atA = collect(pair.a);
    const atB = collect(pair.b);
    const seen: string[] = [];
    pair.garble((bytes, from) => {
      seen.push(from);
      return bytes.map((x) => x ^ 0xff);
    });
    await pair.a.write(Uint8Array.of(0x00, 0x0f));
    await pair.b.write(Uint8Array.of(0xff));
    pair.garble(null);
    await pair.a.write(Uint8Array.of(0x01));
    await settle();
    expect(atB.bytes()).toEqual([0xff, 0xf0, 0x01]);
    expect(atA.bytes()).toEqual([0x00]);
    expect(seen).toEqual(['a', 'b']);
  });

  it('unplug closes both sides with an error, drops bytes in flight, and blocks open until replug', async () => {
    vi.useFakeTimers();
    const pair = createMemoryPair({ latencyMs: 50 });
    await pair.a.open();
    await pair.b.open();
    const atB = collect(pair.b);
    const reasons: Array<Error | null> = [];
    pair.a.onClose((r) => reasons.push(r));
    pair.b.onClose((r) => reasons.push(r));
    await pair.a.write(Uint8Array.of(1, 2, 3));
    pair.unplug();
    expect(pair.plugged).toBe(false);
    expect(pair.a.isOpen).toBe(false);
    expect(reasons).toHaveLength(2);
    for (const r of reasons) {
      expect(r).toBeInstanceOf(TransportError);
      expect((r as TransportError).code).toBe('io');
      expect(r?.message).toMatch(/^memory:[ab]: unplugged$/);
    }
    await expect(pair.a.write(Uint8Array.of(4))).rejects.toMatchObject({ code: 'closed' });
    await expect(pair.a.open()).rejects.toMatchObject({ code: 'not-found', message: 'memory:a: unplugged' });

    pair.replug();
    await pair.a.open();
    await pair.b.open();
    await pair.a.write(Uint8Array.of(5));
    await vi.advanceTimersByTimeAsync(100);
    expect(atB.bytes()).toEqual([5]);
  });

  it('close is onClose(null) on that side only; bytes to a closed side are dropped', async () => {
    const { a, b } = createMemoryPair({ name: 'printer' });
    expect([a.id, b.id]).toEqual(['memory:printer:a', 'memory:printer:b']);
    await a.open();
    await b.open();
    const atB = collect(b);
    const reasons: Array<Error | null> = [];
    b.onClose((r) => reasons.push(r));
    await b.close();
    await b.close();
    expect(reasons).toEqual([null]);
    expect(a.isOpen).toBe(true);
    await a.write(Uint8Array.of(1));
    await settle();
    await b.open();
    await settle();
    expect(atB.bytes()).toEqual([]);
  });

  it('rejects an aborted open and bad options', async () => {
    const { a } = createMemoryPair();
    await expect(a.open(AbortSignal.abort())).rejects.toMatchObject({ code: 'closed' });
    expect(() => createMemoryPair({ chunkSize: 0 })).toThrow(RangeError);
    expect(() => createMemoryPair({ latencyMs: -1 })).toThrow(RangeError);
  });

  it('keeps delivering to other listeners when one throws, and unsubscribes', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const { a, b } = createMemoryPair();
      await a.open();
      await b.open();
      b.onData(() => {
        throw new Error('framer bug');
      });
      const atB = collect(b);
      const off = b.onData(() => undefined);
      off();
      await a.write(Uint8Array.of(7));
      await settle();
      expect(atB.bytes()).toEqual([7]);
      await settle();
      expect(warnings.map((w) => w.message)).toContain('framer bug');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
