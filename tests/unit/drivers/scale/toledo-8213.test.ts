// Toledo 8213 scale: request bytes, golden replies (hardware.md §5), framing across chunks,
// garbage and partial frames, the continuous format, lb → g rounding, and the stable-weight rule.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  continuousChecksum,
  requestStatus,
  requestTare,
  requestWeight,
  requestZero,
  ScaleReader,
  stableWeight,
  StableWeightPolicy,
  statusReply,
  toGrams,
  weightReply,
} from '../../../../drivers/scale/toledo-8213.ts';
import type { ScaleConfig, ScaleEvent, ScaleWeightEvent } from '../../../../drivers/scale/toledo-8213.ts';

const STX = 0x02;
const CR = 0x0d;
const bytes = (...parts: (number | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : Array.from(p, (c) => c.charCodeAt(0)))));
const read = (data: Uint8Array, config: ScaleConfig = { unit: 'kg' }, nowMs = 0): ScaleEvent[] => new ScaleReader(config).push(data, nowMs);
const weight = (grams: number, atMs = 0): ScaleWeightEvent => ({ type: 'SCALE.WEIGHT', grams, stable: true, overCapacity: false, underZero: false, atMs });
const types = (events: readonly ScaleEvent[]): string[] => events.map((e) => (e.type === 'SCALE.WARNING' ? `WARNING:${e.reason}` : e.type));

describe('requests', () => {
  it('are single ASCII characters, no terminator', () => {
    expect(Array.from(requestWeight())).toEqual([0x57]);
    expect(Array.from(requestZero())).toEqual([0x5a]);
    expect(Array.from(requestTare())).toEqual([0x54]);
    expect(Array.from(requestStatus())).toEqual([0x53]);
  });
});

describe('golden demand replies', () => {
  it('stable 1.234 kg: STX 01.234 CR', () => {
    const reply = bytes(STX, '01.234', CR);
    expect(weightReply('01.234')).toEqual(reply);
    expect(read(reply, { unit: 'kg' }, 7)).toEqual([weight(1234, 7)]);
  });

  it('in motion: STX ? 0x61 CR', () => {
    expect(statusReply({ motion: true })).toEqual(bytes(STX, '?', 0x61, CR));
    expect(read(bytes(STX, '?', 0x61, CR))).toEqual([
      { type: 'SCALE.STATUS', motion: true, overCapacity: false, underZero: false, outsideZeroCapture: false, centerOfZero: false, statusByte: 0x61, atMs: 0 },
    ]);
  });

  it('over capacity, under zero, outside zero capture and centre of zero, one bit each', () => {
    const status = (b: number) => read(bytes(STX, '?', b, CR))[0];
    expect(status(0x62)).toMatchObject({ type: 'SCALE.STATUS', overCapacity: true, motion: false, underZero: false });
    expect(status(0x64)).toMatchObject({ type: 'SCALE.STATUS', underZero: true, overCapacity: false });
    expect(status(0x68)).toMatchObject({ type: 'SCALE.STATUS', outsideZeroCapture: true });
    expect(status(0x70)).toMatchObject({ type: 'SCALE.STATUS', centerOfZero: true, motion: false });
    // Parity in bit 7 (a 7E1 scale on a port opened 8N1) changes nothing.
    expect(status(0xe1)).toMatchObject({ type: 'SCALE.STATUS', motion: true, statusByte: 0x61 });
  });

  it('lb replies: the unit from config, or the one the reply names; rounded half away from zero', () => {
    // 2.720 lb = 1233.77 g → 1234 g.
    expect(read(bytes(STX, '02.720', CR), { unit: 'lb' })).toEqual([weight(1234)]);
    // 1 lb = 453.59237 g → 454; the reply's own unit wins over config.
    expect(read(bytes(STX, '01.000LB', CR), { unit: 'kg' })).toEqual([weight(454)]);
    expect(read(bytes(STX, '  1.5 kg', CR), { unit: 'lb' })).toEqual([weight(1500)]);
    expect(read(bytes(STX, '012.5', CR), { unit: 'oz' })).toEqual([weight(354)]); // 354.369 g
    expect(read(bytes(STX, '0250', CR), { unit: 'g' })).toEqual([weight(250)]);
  });

  it('exact rounding: half a gram goes away from zero, never by float', () => {
    expect(toGrams(5, 4, 'kg')).toBe(1); // 0.0005 kg = 0.5 g
    expect(toGrams(4, 4, 'kg')).toBe(0);
    expect(toGrams(5, 4, 'kg', true)).toBe(-1);
    expect(toGrams(999_999, 3, 'lb')).toBe(453_592); // 999.999 lb = 453 591.91 g
    expect(toGrams(999_999_999, 0, 'oz')).toBe(28_349_523_097); // beyond 2^53 before division
  });

  it('a negative reading is under zero even when it rounds to 0 g', () => {
    expect(read(bytes(STX, '-0.001', CR), { unit: 'lb' })).toEqual([{ ...weight(0), underZero: true }]);
    expect(read(bytes(STX, '-0.120', CR))).toEqual([{ ...weight(-120), underZero: true }]);
  });
});

describe('framing', () => {
  it('reads a reply split at every byte boundary the same way', () => {
    const reply = bytes(STX, '01.234', CR, STX, '?', 0x61, CR);
    const whole = read(reply);
    for (let cut = 0; cut <= reply.length; cut += 1) {
      const reader = new ScaleReader({ unit: 'kg' });
      expect([...reader.push(reply.slice(0, cut), 0), ...reader.push(reply.slice(cut), 0)]).toEqual(whole);
    }
  });

  it('garbage, a frame cut by STX, an overlong frame, bad status bytes and unknown commands become warnings', () => {
    const reader = new ScaleReader({ unit: 'kg' });
    const events = reader.push(bytes('xyz', STX, '01.2', STX, '00.500', CR, STX, '?', 0x01, CR, STX, '?', CR, STX, '1.2.3', CR, STX, '9'.repeat(40), CR, STX, '00.100', CR), 0);
    expect(types(events)).toEqual([
      'WARNING:garbage',
      'WARNING:partial-frame',
      'SCALE.WEIGHT',
      'WARNING:bad-status-byte',
      'WARNING:unrecognized-command',
      'WARNING:bad-frame',
      'WARNING:overlong-frame',
      'SCALE.WEIGHT',
    ]);
    expect(events.filter((e) => e.type === 'SCALE.WEIGHT').map((e) => (e as ScaleWeightEvent).grams)).toEqual([500, 100]);
    expect(reader.counters).toMatchObject({ weights: 2, statuses: 0, warnings: 6, garbageBytes: 3 });
  });

  it('line ends and flow control between frames are not garbage', () => {
    expect(read(bytes(STX, '00.100', CR, 0x0a, 0x03, 0x11, 0x13, STX, '00.200', CR))).toEqual([weight(100), weight(200)]);
  });

  it('drops a frame left half-read for longer than the timeout', () => {
    const reader = new ScaleReader({ unit: 'kg', frameTimeoutMs: 500 });
    expect(reader.push(bytes(STX, '01.'), 0)).toEqual([]);
    const later = reader.push(bytes('234', CR, STX, '00.050', CR), 2000);
    expect(types(later)).toEqual(['WARNING:partial-frame', 'WARNING:garbage', 'SCALE.WEIGHT']);
    expect(later[2]).toEqual(weight(50, 2000));
    // Within the timeout the frame completes.
    const ok = new ScaleReader({ unit: 'kg', frameTimeoutMs: 500 });
    ok.push(bytes(STX, '01.'), 0);
    expect(ok.push(bytes('234', CR), 400)).toEqual([weight(1234, 400)]);
  });

  it('property: never throws on any bytes in any chunking, and chunking changes nothing', () => {
    const config = fc.record({
      unit: fc.constantFrom('kg' as const, 'lb' as const, 'g' as const, 'oz' as const),
      mode: fc.constantFrom('demand' as const, 'continuous' as const),
      checksum: fc.boolean(),
    });
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(STX, CR, 0x3f, 0x2e, 0x30, 0x31, 0x39, 0x61, 0x2d));
    fc.assert(
      fc.property(config, fc.array(byte, { maxLength: 200 }), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }), (cfg, data, cuts) => {
        const all = Uint8Array.from(data);
        const whole = new ScaleReader(cfg).push(all, 0);
        const reader = new ScaleReader(cfg);
        const chunked: ScaleEvent[] = [];
        let at = 0;
        for (let k = 0; at < all.length; k += 1) {
          const n = cuts[k % cuts.length] ?? 1;
          chunked.push(...reader.push(all.slice(at, at + n), 0));
          at += n;
        }
        // Garbage warnings are per push, so compare everything else exactly and garbage by bytes.
        const noGarbage = (es: ScaleEvent[]) => es.filter((e) => !(e.type === 'SCALE.WARNING' && e.reason === 'garbage'));
        expect(noGarbage(chunked)).toEqual(noGarbage(whole));
        for (const e of whole) if (e.type === 'SCALE.WEIGHT') expect(Number.isSafeInteger(e.grams)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('property: generated kg and lb replies decode to their weights', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999 }), fc.constantFrom(2, 3), fc.constantFrom('kg' as const, 'lb' as const), (n, decimals, unit) => {
        const digits = String(n).padStart(decimals + 2, '0');
        const text = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
        const [event] = read(weightReply(text), { unit });
        // Independent arithmetic: round half up on the exact value in 10^-5 g (positive values).
        const scale = 10n ** BigInt(decimals + 5);
        const exact = BigInt(n) * (unit === 'kg' ? 100_000_000n : 45_359_237n);
        const expected = Number((exact * 2n + scale) / (scale * 2n));
        expect(event).toEqual(weight(expected));
      }),
    );
  });
});

describe('continuous output', () => {
  // SWA 0x2D: bit5 set, decimal code 5 (XXX.XXX), increment x1. SWB 0x30: bit5 set, kg, stable.
  const frame = (swa: number, swb: number, weight6: string, tare6 = ''): number[] => [STX, swa, swb, 0x20, ...Array.from(weight6 + tare6, (c) => c.charCodeAt(0)), CR];

  it('reads weight, sign, motion and range from the status words', () => {
    const cfg: ScaleConfig = { unit: 'lb', mode: 'continuous' };
    expect(read(Uint8Array.from(frame(0x2d, 0x30, '001234', '000000')), cfg)).toEqual([weight(1234)]);
    expect(read(Uint8Array.from(frame(0x2d, 0x38, '001234')), cfg)).toEqual([{ ...weight(1234), stable: false }]);
    expect(read(Uint8Array.from(frame(0x2d, 0x32, '000120')), cfg)).toEqual([{ ...weight(-120), underZero: true }]);
    expect(read(Uint8Array.from(frame(0x2d, 0x34, '999999')), cfg)).toEqual([{ ...weight(999_999), overCapacity: true }]);
    // SWB bit 4 clear: lb. 002.720 lb = 1233.77 g.
    expect(read(Uint8Array.from(frame(0x2d, 0x20, '002720')), cfg)).toEqual([weight(1234)]);
    // Decimal code 4 (XXXX.XX): 0123.45 kg. Code 1 (XXXXX0): the digits are tens, 5 → 50 kg.
    expect(read(Uint8Array.from(frame(0x2c, 0x30, '012345')), cfg)).toEqual([weight(123_450)]);
    expect(read(Uint8Array.from(frame(0x29, 0x30, '000005')), cfg)).toEqual([weight(50_000)]);
    // Leading blanks read as zeros; a status word A without bit 5 is not a frame.
    expect(read(Uint8Array.from(frame(0x2d, 0x30, '  1234')), cfg)).toEqual([weight(1234)]);
    expect(types(read(Uint8Array.from(frame(0x05, 0x30, '001234')), cfg))).toEqual(['WARNING:bad-frame']);
  });

  it('checks the checksum when configured', () => {
    const f = frame(0x2d, 0x30, '001234');
    const cfg: ScaleConfig = { unit: 'kg', mode: 'continuous', checksum: true };
    expect(read(Uint8Array.from([...f, continuousChecksum(f)]), cfg)).toEqual([weight(1234)]);
    expect(types(read(Uint8Array.from([...f, (continuousChecksum(f) + 1) & 0x7f]), cfg))).toEqual(['WARNING:bad-checksum']);
    // The 7-bit sum of every byte including the checksum is 0 mod 128.
    expect([...f, continuousChecksum(f)].reduce((s, b) => s + (b & 0x7f), 0) % 128).toBe(0);
  });
});

describe('stable weight rule', () => {
  it('takes a weight after three equal stable readings, and not before', () => {
    const p = new StableWeightPolicy();
    p.observe(weight(455, 0));
    p.observe(weight(455, 200));
    expect(p.stableGrams(200)).toBeNull();
    p.observe(weight(455, 400));
    expect(p.stableGrams(400)).toBe(455);
  });

  it('restarts on a different weight, motion, over capacity, under zero or a status record', () => {
    const base = [weight(455, 0), weight(455, 200)];
    expect(stableWeight([...base, weight(456, 400)], 400)).toBeNull();
    expect(stableWeight([...base, { ...weight(455, 300), stable: false }, weight(455, 400)], 400)).toBeNull();
    expect(stableWeight([...base, { ...weight(455, 300), overCapacity: true }, weight(455, 400)], 400)).toBeNull();
    expect(stableWeight([...base, { ...weight(455, 300), underZero: true }, weight(455, 400)], 400)).toBeNull();
    const motion = read(bytes(STX, '?', 0x61, CR), { unit: 'kg' }, 300);
    expect(stableWeight([...base, ...motion, weight(455, 400)], 400)).toBeNull();
    // A garbled frame says nothing about the load: the run goes on.
    const garbage = read(bytes('zz'), { unit: 'kg' }, 300);
    expect(stableWeight([...base, ...garbage, weight(455, 400)], 400)).toBe(455);
  });

  it('refuses readings spread too far, a stale weight, and an empty platform', () => {
    expect(stableWeight([weight(455, 0), weight(455, 1000), weight(455, 2000)], 2000)).toBeNull();
    expect(stableWeight([weight(455, 0), weight(455, 200), weight(455, 400)], 1401)).toBeNull();
    expect(stableWeight([weight(0, 0), weight(0, 200), weight(0, 400)], 400)).toBeNull();
    expect(stableWeight([weight(5, 0), weight(5, 200), weight(5, 400)], 400, { minGrams: 10 })).toBeNull();
    expect(stableWeight([weight(455, 0), weight(455, 200)], 200, { readings: 2 })).toBe(455);
  });

  it('works end to end from bytes', () => {
    const reader = new ScaleReader({ unit: 'kg' });
    const policy = new StableWeightPolicy();
    const reply = weightReply('00.455');
    for (const t of [0, 200, 400]) for (const e of reader.push(reply, t)) policy.observe(e);
    expect(policy.stableGrams(450)).toBe(455);
  });
});
