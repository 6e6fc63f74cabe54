import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerialScanFramer } from '../../../../drivers/scanner/serial-scan-framer.ts';
import type { FramerOutput, SerialFramerConfig, SerialSuffix } from '../../../../drivers/scanner/serial-scan-framer.ts';
import { classifyScan, DEFAULT_SCAN_RULES } from '../../../../src/domain/barcodes/classify-scan.ts';
import { classifiableText } from '../../../../src/shared/scan-event.ts';

const GS = '\x1d';
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const scan = (data: string, symbology: string | null = null): FramerOutput => ({ type: 'SCAN', data, symbology, source: 'serial' });

function feed(config: SerialFramerConfig, chunks: string[], nowMs = 0): FramerOutput[] {
  const framer = new SerialScanFramer(config);
  return chunks.flatMap((c) => framer.push(bytes(c), nowMs));
}

const kinds = (out: FramerOutput[]): string[] => out.map((o) => (o.type === 'SCAN' ? `SCAN ${o.data}` : 'WARN'));

describe('serial scan framer: suffixes', () => {
  it('frames an EAN-13 with AIM ]E0 and a CR suffix', () => {
    expect(feed({ suffix: 'CR', aim: true }, [']E04006381333931\r'])).toEqual([scan('4006381333931', ']E0')]);
  });

  it('frames several scans in one chunk and one scan over many chunks', () => {
    expect(feed({ suffix: 'LF', aim: false }, ['96385074\n4006381333931\n'])).toEqual([scan('96385074'), scan('4006381333931')]);
    expect(feed({ suffix: 'CR', aim: false }, [...'4006381333931\r'])).toEqual([scan('4006381333931')]);
  });

  it('does not make an empty frame of a CR LF split across chunks', () => {
    expect(feed({ suffix: 'CRLF', aim: true }, [']E04006381333931\r', '\n', ']E496385074\r', '\n'])).toEqual([
      scan('4006381333931', ']E0'),
      scan('96385074', ']E4'),
    ]);
  });

  it('tolerates a scanner suffix that disagrees with the config', () => {
    expect(feed({ suffix: 'CR', aim: false }, ['4006381333931\r\n96385074\n'])).toEqual([scan('4006381333931'), scan('96385074')]);
    expect(feed({ suffix: 'CRLF', aim: false }, ['4006381333931\r96385074\r'])).toEqual([scan('4006381333931'), scan('96385074')]);
  });

  it('warns about empty frames: a lone terminator, CR CR, LF LF', () => {
    expect(kinds(feed({ suffix: 'CR', aim: false }, ['\r']))).toEqual(['WARN']);
    expect(kinds(feed({ suffix: 'CRLF', aim: false }, ['\r\n']))).toEqual(['WARN']);
    expect(kinds(feed({ suffix: 'LF', aim: false }, ['123456\n\n', '\n']))).toEqual(['SCAN 123456', 'WARN', 'WARN']);
    expect(feed({ suffix: 'CR', aim: false }, ['\r'])[0]).toMatchObject({ type: 'SCAN_WARNING', bytes: 0 });
  });
});

describe('serial scan framer: suffix none', () => {
  it('ends a frame after the idle gap, through tick or the next push', () => {
    const framer = new SerialScanFramer({ suffix: 'none', aim: true, idleMs: 50 });
    expect(framer.push(bytes(']E0400638'), 1000)).toEqual([]);
    expect(framer.push(bytes('1333931'), 1010)).toEqual([]);
    expect(framer.tick(1059)).toEqual([]);
    expect(framer.tick(1060)).toEqual([scan('4006381333931', ']E0')]);
    expect(framer.tick(5000)).toEqual([]);
    expect(framer.push(bytes(']E496385074'), 6000)).toEqual([]);
    expect(framer.push(bytes(']E04006381333931'), 6100)).toEqual([scan('96385074', ']E4')]);
    expect(framer.tick(6150)).toEqual([scan('4006381333931', ']E0')]);
  });

  it('defaults to a 50 ms gap and still honours CR or LF', () => {
    const framer = new SerialScanFramer({ suffix: 'none', aim: false });
    expect(framer.push(bytes('96385074'), 0)).toEqual([]);
    expect(framer.tick(49)).toEqual([]);
    expect(framer.tick(50)).toEqual([scan('96385074')]);
    expect(framer.push(bytes('4006381333931\r'), 100)).toEqual([scan('4006381333931')]);
    expect(framer.tick(1000)).toEqual([]);
  });
});

describe('serial scan framer: prefix and AIM', () => {
  it('strips a configured prefix, control characters included', () => {
    expect(feed({ suffix: 'CR', prefix: '\x02', aim: true }, ['\x02]C0ABC-123\r'])).toEqual([scan('ABC-123', ']C0')]);
    expect(feed({ suffix: 'CR', prefix: 'S:', aim: false }, ['S:96385074\r'])).toEqual([scan('96385074')]);
  });

  it('drops a frame without the prefix, with a warning giving its size', () => {
    const out = feed({ suffix: 'CR', prefix: '\x02', aim: false }, ['96385074\r', '\x024006381333931\r']);
    expect(out).toEqual([expect.objectContaining({ type: 'SCAN_WARNING', bytes: 8 }), scan('4006381333931')]);
    expect(kinds(feed({ suffix: 'CR', prefix: 'ABC', aim: false }, ['AB\r']))).toEqual(['WARN']);
    expect(kinds(feed({ suffix: 'CR', prefix: 'ABC', aim: false }, ['ABC\r']))).toEqual(['WARN']);
  });

  it('keeps a scan without AIM id when one was expected, after a warning', () => {
    const out = feed({ suffix: 'CR', aim: true }, ['4006381333931\r']);
    expect(out).toEqual([expect.objectContaining({ type: 'SCAN_WARNING', reason: expect.stringContaining('AIM') }), scan('4006381333931')]);
  });

  it('warns about an AIM id with no data after it', () => {
    const out = feed({ suffix: 'CR', aim: true }, [']E0\r']);
    expect(out).toEqual([expect.objectContaining({ type: 'SCAN_WARNING', reason: expect.stringContaining(']E0 (EAN-13/UPC)'), bytes: 3 })]);
  });

  it('passes data on as received when AIM is off', () => {
    expect(feed({ suffix: 'CR', aim: false }, [']E04006381333931\r'])).toEqual([scan(']E04006381333931')]);
  });

  it('keeps GS (FNC1) in GS1-128 data, and the result classifies with its AIM id put back', () => {
    const data = `010950110153000317261231${GS}10LOT42`;
    const out = feed({ suffix: 'CRLF', aim: true }, [`]C1${data}\r\n`]);
    expect(out).toEqual([scan(data, ']C1')]);
    const event = out[0];
    if (event?.type !== 'SCAN') throw new Error('expected a scan');
    const result = classifyScan(classifiableText(event), DEFAULT_SCAN_RULES, 'CNY');
    expect(result).toMatchObject({ kind: 'product', gtin: '09501101530003', gs1: { batch: 'LOT42', expiry: '2026-12-31' } });
  });
});

describe('serial scan framer: garbage', () => {
  it('drops an over-long line up to the next terminator with one warning', () => {
    const framer = new SerialScanFramer({ suffix: 'CR', aim: false, maxLength: 16 });
    const out = [...framer.push(bytes('X'.repeat(30)), 0), ...framer.push(bytes('Y'.repeat(30) + '\r4006381333931\r'), 1)];
    expect(out).toEqual([expect.objectContaining({ type: 'SCAN_WARNING', bytes: 17 }), scan('4006381333931')]);
  });

  it('accepts a line of exactly maxLength bytes', () => {
    expect(feed({ suffix: 'CR', aim: false, maxLength: 13 }, ['4006381333931\r'])).toEqual([scan('4006381333931')]);
  });

  it('defaults maxLength to 256', () => {
    expect(feed({ suffix: 'CR', aim: false }, ['A'.repeat(256) + '\r'])).toEqual([scan('A'.repeat(256))]);
    expect(kinds(feed({ suffix: 'CR', aim: false }, ['A'.repeat(257) + '\r']))).toEqual(['WARN']);
  });

  it('drops frames with control bytes, naming the byte', () => {
    const out = feed({ suffix: 'CR', aim: false }, ['40063\x0081333931\r', '12\x7f3456\r', '96385074\r']);
    expect(out).toEqual([
      expect.objectContaining({ type: 'SCAN_WARNING', reason: expect.stringContaining('0x00 at position 6'), bytes: 14 }),
      expect.objectContaining({ type: 'SCAN_WARNING', reason: expect.stringContaining('0x7F') }),
      scan('96385074'),
    ]);
  });

  it('drops bytes that are neither ASCII nor UTF-8 (wrong baud rate) but passes valid UTF-8 on', () => {
    const noise = new Uint8Array([0xf8, 0xe0, 0x80, 0x7e, 0xfe, 0x0d]);
    expect(new SerialScanFramer({ suffix: 'CR', aim: false }).push(noise, 0)).toEqual([
      expect.objectContaining({ type: 'SCAN_WARNING', reason: expect.stringContaining('not valid UTF-8'), bytes: 5 }),
    ]);
    const utf8 = new Uint8Array([...new TextEncoder().encode(']Q1价格 12'), 0x0d]);
    expect(new SerialScanFramer({ suffix: 'CR', aim: true }).push(utf8, 0)).toEqual([scan('价格 12', ']Q1')]);
  });

  it('drops an unterminated frame after a second of silence instead of gluing it to the next', () => {
    const framer = new SerialScanFramer({ suffix: 'CR', aim: false });
    expect(framer.push(bytes('400638'), 0)).toEqual([]);
    expect(framer.tick(999)).toEqual([]);
    expect(framer.push(bytes('96385074\r'), 2000)).toEqual([expect.objectContaining({ type: 'SCAN_WARNING', bytes: 6 }), scan('96385074')]);
  });

  it('forgets a partial frame on reset', () => {
    const framer = new SerialScanFramer({ suffix: 'CR', aim: false });
    framer.push(bytes('4006'), 0);
    framer.reset();
    expect(framer.push(bytes('96385074\r'), 1)).toEqual([scan('96385074')]);
  });

  it('refuses a prefix that cannot be sent as bytes', () => {
    expect(() => new SerialScanFramer({ suffix: 'CR', aim: false, prefix: '价' })).toThrow(RangeError);
    expect(() => new SerialScanFramer({ suffix: 'CR', aim: false, prefix: '\r' })).toThrow(RangeError);
  });
});

describe('serial scan framer: properties', () => {
  const suffixes: SerialSuffix[] = ['CR', 'LF', 'CRLF', 'none'];
  const configArb: fc.Arbitrary<SerialFramerConfig> = fc.record(
    {
      suffix: fc.constantFrom(...suffixes),
      prefix: fc.constantFrom('\x02', 'P', ''),
      aim: fc.boolean(),
      idleMs: fc.integer({ min: 1, max: 200 }),
      maxLength: fc.integer({ min: 1, max: 300 }),
    },
    { requiredKeys: ['suffix', 'aim'] },
  );

  it('never throws on arbitrary bytes, chunking and timing, and every output is well formed', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(fc.record({ chunk: fc.uint8Array({ maxLength: 80 }), dt: fc.integer({ min: -5, max: 300 }), tick: fc.boolean() }), { maxLength: 40 }),
        (config, steps) => {
          const framer = new SerialScanFramer(config);
          let now = 0;
          for (const { chunk, dt, tick } of steps) {
            now += dt;
            const out = tick ? framer.tick(now) : framer.push(chunk, now);
            for (const o of out) {
              if (o.type === 'SCAN') {
                expect(o.data.length).toBeGreaterThan(0);
                expect(o.source).toBe('serial');
              } else {
                expect(o.reason.length).toBeGreaterThan(0);
                expect(o.bytes).toBeGreaterThanOrEqual(0);
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  // Printable ASCII and GS: what real codes contain.
  const codeChar = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, { weight: 1, arbitrary: fc.constant(0x1d) });
  const codeArb = fc.array(codeChar, { minLength: 1, maxLength: 60 }).map((cs) => String.fromCharCode(...cs));
  const aimArb = fc.constantFrom(']E0', ']E4', ']C0', ']C1', ']Q1', ']Q3', ']d2', ']e0', ']A0', ']X9');

  function cut(all: Uint8Array, points: number[]): Uint8Array[] {
    const at = [...new Set(points.map((p) => p % (all.length + 1)))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const p of [...at, all.length]) {
      chunks.push(all.subarray(from, p));
      from = p;
    }
    return chunks;
  }

  it('emits exactly the framed codes, in order, however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SerialSuffix>('CR', 'LF', 'CRLF'),
        fc.constantFrom('', '\x02', '#'),
        fc.boolean(),
        fc.array(fc.record({ code: codeArb, aim: aimArb }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (suffix, prefix, aim, scans, points) => {
          const terminator = suffix === 'CR' ? '\r' : suffix === 'LF' ? '\n' : '\r\n';
          const stream = scans.map((s) => `${prefix}${aim ? s.aim : ''}${s.code}${terminator}`).join('');
          const framer = new SerialScanFramer({ suffix, prefix, aim });
          const out = cut(bytes(stream), points).flatMap((c, i) => framer.push(c, i));
          expect(out).toEqual(scans.map((s) => scan(s.code, aim ? s.aim : null)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('emits exactly the codes with suffix none when scans are idleMs apart', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ code: codeArb, points: fc.array(fc.nat(), { maxLength: 5 }), gap: fc.integer({ min: 50, max: 500 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        (scans) => {
          const framer = new SerialScanFramer({ suffix: 'none', aim: false, idleMs: 50 });
          const out: FramerOutput[] = [];
          let now = 0;
          for (const s of scans) {
            // Bytes of one scan arrive within a few ms; the next scan comes at least idleMs later.
            cut(bytes(s.code), s.points).forEach((c, i) => out.push(...framer.push(c, now + (i % 3))));
            now += 2 + s.gap;
          }
          out.push(...framer.tick(now + 50));
          expect(out).toEqual(scans.map((s) => scan(s.code)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
