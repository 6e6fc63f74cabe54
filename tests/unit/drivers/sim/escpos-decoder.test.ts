// ESC/POS decoder: byte sequences from shared/reference/hardware.md §1 and receipt-printer-encoder
// output, GBK text, symbols, images, real-time commands, unknown commands, then fast-check.
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { realtimeQueriesIn } from '../../../../drivers/printer/escpos-status.ts';
import { decodeEscPos, DEFAULT_STYLE, EscPosDecoder } from '../../../../drivers/sim/escpos-decoder.ts';
import type { DecodedItem, DecodedText } from '../../../../drivers/sim/escpos-decoder.ts';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.split(/\s+/).filter((h) => h !== '').map((h) => Number.parseInt(h, 16)));
const ascii = (text: string): Uint8Array => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const texts = (items: DecodedItem[]): string[] => items.filter((i): i is DecodedText => i.kind === 'text').map((i) => i.text);
const kinds = (items: DecodedItem[]): string[] => items.map((i) => i.kind);
const decodeHex = (hex: string): DecodedItem[] => decodeEscPos(bytes(hex));

describe('hardware.md §1 samples', () => {
  it('decodes the receipt-printer-encoder QR + pulse + cut sample (model 2, size 6, ec M)', () => {
    const url = 'https://kassa.example/r/001'; // 27 bytes, so pL = 27 + 3 = 0x1E
    expect(url.length).toBe(27);
    const stream = cat(
      bytes('1D 28 6B 04 00 31 41 32 00  1D 28 6B 03 00 31 43 06  1D 28 6B 03 00 31 45 31  1D 28 6B 1E 00 31 50 30'),
      ascii(url),
      bytes('1D 28 6B 03 00 31 51 30  1B 70 00 32 FA  1D 56 00'),
    );
    expect(decodeEscPos(stream)).toEqual([
      { kind: 'qr', payload: url, data: ascii(url), model: 2, size: 6, ec: 'M', align: 'left' },
      { kind: 'pulse', pin: 2, onMs: 100, offMs: 500, realtime: false },
      { kind: 'cut', mode: 'full', feedDots: 0 },
    ]);
  });

  it("takes receipt-printer-encoder's initialize() (1B 40 1C 2E 1B 4D 00) silently", () => {
    expect(decodeHex('1B 40 1C 2E 1B 4D 00')).toEqual([]);
  });

  it('reads the drawer kick 1B 70 00 19 FA as pin 2, 50 ms on, 500 ms off, and m = 1 as pin 5', () => {
    expect(decodeHex('1B 70 00 19 FA')).toEqual([{ kind: 'pulse', pin: 2, onMs: 50, offMs: 500, realtime: false }]);
    expect(decodeHex('1B 70 01 3C 78')).toEqual([{ kind: 'pulse', pin: 5, onMs: 120, offMs: 240, realtime: false }]);
  });

  it('reads the real-time pulse DLE DC4 1 m t in 100 ms units', () => {
    expect(decodeHex('10 14 01 00 05')).toEqual([{ kind: 'pulse', pin: 2, onMs: 500, offMs: 500, realtime: true }]);
    expect(decodeHex('10 14 01 01 01')).toEqual([{ kind: 'pulse', pin: 5, onMs: 100, offMs: 100, realtime: true }]);
  });

  it('reports DLE EOT 1–4, GS r (binary and ASCII n) and GS a as status queries', () => {
    expect(decodeHex('10 04 01 10 04 02 10 04 03 10 04 04 1D 72 01 1D 72 32 1D 61 0F')).toEqual([
      { kind: 'status-query', command: 'dle-eot', n: 1 },
      { kind: 'status-query', command: 'dle-eot', n: 2 },
      { kind: 'status-query', command: 'dle-eot', n: 3 },
      { kind: 'status-query', command: 'dle-eot', n: 4 },
      { kind: 'status-query', command: 'gs-r', n: 1 },
      { kind: 'status-query', command: 'gs-r', n: 2 },
      { kind: 'status-query', command: 'asb', n: 15 },
    ]);
  });
});

describe('text', () => {
  it('prints a line at LF and ignores CR (LF CR is one line)', () => {
    expect(texts(decodeEscPos(cat(ascii('Coffee'), bytes('0A 0D'), ascii('Tea'), bytes('0D 0A'))))).toEqual(['Coffee', 'Tea']);
  });

  it('prints an empty line for a bare LF, and ESC d n as n lines', () => {
    expect(texts(decodeEscPos(cat(bytes('0A'), ascii('x'), bytes('1B 64 03'))))).toEqual(['', 'x', '', '']);
  });

  it('keeps an unterminated line until flush()', () => {
    const d = new EscPosDecoder();
    expect(d.push(ascii('half'))).toEqual([]);
    expect(texts(d.flush())).toEqual(['half']);
  });

  it('applies ESC E, ESC -, GS B, GS !, ESC M and ESC a, with one run per style', () => {
    const items = decodeHex('1B 61 01 1B 45 01 41 1B 45 00 1B 2D 01 42 1B 2D 00 1D 42 01 43 1D 42 00 1D 21 21 44 1D 21 00 1B 4D 01 45 0A');
    expect(items).toHaveLength(1);
    const line = items[0] as DecodedText;
    expect(line.text).toBe('ABCDE');
    const centre = { ...DEFAULT_STYLE, align: 'center' };
    expect(line.runs).toEqual([
      { text: 'A', style: { ...centre, bold: true }, wide: false },
      { text: 'B', style: { ...centre, underline: true }, wide: false },
      { text: 'C', style: { ...centre, reverse: true }, wide: false },
      { text: 'D', style: { ...centre, width: 3, height: 2 }, wide: false },
      { text: 'E', style: { ...centre, font: 'B' }, wide: false },
    ]);
    expect(line.style).toEqual({ ...centre, bold: true });
  });

  it('decodes ESC ! bits: font B, bold, double height, double width, underline', () => {
    const [line] = decodeHex('1B 21 B9 58 0A') as DecodedText[];
    expect(line?.style).toEqual({ ...DEFAULT_STYLE, font: 'B', bold: true, height: 2, width: 2, underline: true });
  });

  it('ignores ESC a in the middle of a line, as Epson printers do', () => {
    const items = decodeHex('41 1B 61 02 42 0A 43 0A') as DecodedText[];
    expect(items.map((l) => l.style.align)).toEqual(['left', 'left']);
    expect(decodeHex('1B 61 32 43 0A').map((l) => (l as DecodedText).style.align)).toEqual(['right']);
  });

  it("gives a space-padded line the style of its first visible character (receipt-printer-encoder's centring)", () => {
    const encoded = new ReceiptPrinterEncoder({ columns: 42 }).initialize().align('center').bold(true).line('SHOP').encode();
    const [line] = decodeEscPos(encoded) as DecodedText[];
    expect(line?.text.trim()).toBe('SHOP');
    expect(line?.style.bold).toBe(true);
  });

  it('expands HT to the next multiple of 8 columns', () => {
    expect(texts(decodeHex('41 09 42 0A'))).toEqual(['A       B']);
  });

  it('discards the unprinted line and resets modes on ESC @', () => {
    const items = decodeHex('1B 45 01 1B 74 10 6C 6F 73 74 1B 40 80 0A') as DecodedText[];
    expect(items).toHaveLength(1);
    expect(items[0]?.text).toBe('Ç'); // cp437 again
    expect(items[0]?.style).toEqual(DEFAULT_STYLE);
  });

  it('consumes ESC 3 n and ESC 2 (line spacing) without items', () => {
    expect(decodeHex('1B 33 18 1B 32')).toEqual([]);
  });
});

describe('code pages', () => {
  it('decodes cp437 by default and switches with ESC t (Epson numbering)', () => {
    expect(texts(decodeHex('82 0A 1B 74 10 80 0A 1B 74 13 D5 0A 1B 74 11 80 0A'))).toEqual(['é', '€', '€', 'А']);
  });

  it("round-trips receipt-printer-encoder's automatic code pages with the epson mapping", () => {
    const encoded = new ReceiptPrinterEncoder({ columns: 42, codepageMapping: 'epson' }).initialize().codepage('auto').line('Café €5 ÄÖ ß').encode();
    expect(texts(decodeEscPos(encoded))).toEqual(['Café €5 ÄÖ ß']);
  });

  it('takes another ESC t table from the options', () => {
    expect(texts(decodeEscPos(bytes('1B 74 06 E9 0A'), { codePages: { 6: 'iso8859-1' } }))).toEqual(['é']);
  });

  it('prints a page iconv-lite does not know as ASCII with U+FFFD', () => {
    expect(texts(decodeHex('1B 74 01 41 B1 0A'))).toEqual(['A\uFFFD']);
  });
});

describe('GBK (FS & … FS .)', () => {
  it('decodes 合计 = BA CF BC C6 as two double-byte characters', () => {
    const [line] = decodeHex('1C 26 BA CF BC C6 1C 2E 20 31 32 2E 35 30 0A') as DecodedText[];
    expect(line?.text).toBe('合计 12.50');
    expect(line?.runs.map((r) => [r.text, r.wide])).toEqual([
      ['合计', true],
      [' 12.50', false],
    ]);
  });

  it('reads the same bytes as cp437 outside Chinese mode', () => {
    expect(texts(decodeHex('BA CF BC C6 0A'))).toEqual(['║╧╝╞']);
  });

  it('keeps ASCII single-byte inside Chinese mode and holds a lead byte across chunks', () => {
    const d = new EscPosDecoder();
    const items = [...d.push(bytes('1C 26 41 BA')), ...d.push(bytes('CF 42 0A'))];
    expect(texts(items)).toEqual(['A合B']);
  });

  it('replaces a lead byte without a trail byte and goes on with the next byte', () => {
    expect(texts(decodeHex('1C 26 BA 0A 1C 26 BA 1C 2E 41 0A'))).toEqual(['\uFFFD', '\uFFFDA']);
  });

  it('can start in Chinese mode, as many Chinese printers do', () => {
    expect(texts(decodeEscPos(bytes('BA CF 0A'), { chineseModeAtInit: true }))).toEqual(['合']);
  });
});

describe('symbols and images', () => {
  it('keeps the last fn180 payload and prints it on each fn181; no data, no QR', () => {
    const store = cat(bytes('1D 28 6B 06 00 31 50 30'), ascii('abc'));
    const print = bytes('1D 28 6B 03 00 31 51 30');
    const items = decodeEscPos(cat(print, store, print, bytes('1D 28 6B 03 00 31 45 33'), print));
    expect(items.map((i) => (i.kind === 'qr' ? [i.payload, i.ec, i.size, i.model] : i.kind))).toEqual([
      ['abc', 'L', 3, 2],
      ['abc', 'H', 3, 2],
    ]);
  });

  it('decodes a UTF-8 QR payload as UTF-8 and anything else byte for byte', () => {
    const qr = (data: Uint8Array): DecodedItem[] =>
      decodeEscPos(cat(bytes(`1D 28 6B ${(data.length + 3).toString(16)} 00 31 50 30`), data, bytes('1D 28 6B 03 00 31 51 30')));
    expect(qr(new TextEncoder().encode('付款 ok'))[0]).toMatchObject({ kind: 'qr', payload: '付款 ok' });
    expect(qr(bytes('43 61 66 E9'))[0]).toMatchObject({ kind: 'qr', payload: 'Café' });
  });

  it('prints the open line before a QR code, a barcode, a raster image and a cut', () => {
    const items = decodeEscPos(cat(ascii('a'), bytes('1D 28 6B 04 00 31 50 30 51 1D 28 6B 03 00 31 51 30'), ascii('b'), bytes('1D 6B 49 02 31 32'), ascii('c'), bytes('1D 76 30 00 01 00 01 00 80'), ascii('d'), bytes('1D 56 01')));
    expect(kinds(items)).toEqual(['text', 'qr', 'text', 'barcode', 'text', 'image', 'text', 'cut']);
    expect(texts(items)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('decodes both GS k forms with the GS h / GS w / GS H settings', () => {
    const items = decodeEscPos(cat(bytes('1D 68 3C 1D 77 02 1D 48 02 1D 6B 02'), ascii('4006381333931'), bytes('00 1D 6B 44 08'), ascii('96385074')));
    expect(items).toEqual([
      { kind: 'barcode', type: 'ean13', data: '4006381333931', height: 60, moduleWidth: 2, hri: 'below', align: 'left' },
      { kind: 'barcode', type: 'ean8', data: '96385074', height: 60, moduleWidth: 2, hri: 'below', align: 'left' },
    ]);
  });

  it("strips Code 128's {B prefix and expands code set C", () => {
    const encoded = new ReceiptPrinterEncoder({ columns: 42 }).barcode('R-000123', 'code128', 60).encode();
    expect(decodeEscPos(encoded).filter((i) => i.kind === 'barcode')).toEqual([
      { kind: 'barcode', type: 'code128', data: 'R-000123', height: 60, moduleWidth: 3, hri: 'none', align: 'left' },
    ]);
    expect(decodeHex('1D 6B 49 07 7B 41 52 7B 43 0C 22')[0]).toMatchObject({ type: 'code128', data: 'R1234' });
  });

  it('decodes a GS v 0 raster image: width in dots, height in rows, the bitmap as sent', () => {
    expect(decodeHex('1D 76 30 01 02 00 02 00 FF 00 81 01')).toEqual([
      { kind: 'image', mode: 'raster', width: 16, height: 2, bitmap: bytes('FF 00 81 01'), scaleX: 2, scaleY: 1, complete: true, align: 'left' },
    ]);
  });

  it('turns an ESC * 24-dot band into rows, and its LF is no extra line', () => {
    // Two columns: the first all black, the second only its top dot.
    const items = decodeHex('1B 2A 21 02 00 FF FF FF 80 00 00 0A');
    expect(items).toHaveLength(1);
    const image = items[0];
    expect(image).toMatchObject({ kind: 'image', mode: 'column', width: 2, height: 24, scaleX: 1, scaleY: 1 });
    if (image?.kind !== 'image') throw new Error('not an image');
    expect([...image.bitmap]).toEqual([0xc0, ...Array<number>(23).fill(0x80)]);
  });

  it('reads GS V cuts: full, partial, ASCII forms and feed-then-cut', () => {
    expect(decodeHex('1D 56 00 1D 56 01 1D 56 30 1D 56 31 1D 56 41 10 1D 56 42 00')).toEqual([
      { kind: 'cut', mode: 'full', feedDots: 0 },
      { kind: 'cut', mode: 'partial', feedDots: 0 },
      { kind: 'cut', mode: 'full', feedDots: 0 },
      { kind: 'cut', mode: 'partial', feedDots: 0 },
      { kind: 'cut', mode: 'full', feedDots: 16 },
      { kind: 'cut', mode: 'partial', feedDots: 0 },
    ]);
  });
});

describe('real-time commands and device select', () => {
  it('answers DLE EOT inside raster data, and the data stays image data', () => {
    const items = decodeHex('1D 76 30 00 03 00 01 00 10 04 01');
    expect(items).toEqual([
      { kind: 'status-query', command: 'dle-eot', n: 1 },
      { kind: 'image', mode: 'raster', width: 24, height: 1, bitmap: bytes('10 04 01'), scaleX: 1, scaleY: 1, complete: true, align: 'left' },
    ]);
  });

  it('ignores everything but ESC = and real-time commands while deselected (ESC = 2)', () => {
    const items = decodeEscPos(cat(bytes('1B 3D 02'), ascii('display'), bytes('0A 1B 40 10 04 04 1B 3D 01'), ascii('paper'), bytes('0A')));
    expect(items).toEqual([
      { kind: 'status-query', command: 'dle-eot', n: 4 },
      { kind: 'text', text: 'paper', style: DEFAULT_STYLE, runs: [{ text: 'paper', style: DEFAULT_STYLE, wide: false }] },
    ]);
  });
});

describe('unknown commands', () => {
  it('keeps a known-length command outside the subset exactly', () => {
    expect(decodeHex('1B 52 30 41 0A')).toEqual([{ kind: 'unknown', bytes: bytes('1B 52 30') }, expect.objectContaining({ text: 'A' })]);
    expect(decodeHex('1D 28 41 02 00 31 32 41 0A')).toEqual([{ kind: 'unknown', bytes: bytes('1D 28 41 02 00 31 32') }, expect.objectContaining({ text: 'A' })]);
  });

  it('takes an unknown function byte with its control-byte parameters and resyncs on printable bytes', () => {
    expect(decodeHex('1B 99 01 02 42 0A')).toEqual([{ kind: 'unknown', bytes: bytes('1B 99 01 02') }, expect.objectContaining({ text: 'B' })]);
    expect(decodeHex('1D 56 58 0A')).toEqual([{ kind: 'unknown', bytes: bytes('1D 56') }, expect.objectContaining({ text: 'X' })]);
  });

  it('restarts at a prefix that follows a prefix, and collects stray control bytes', () => {
    expect(decodeHex('1B 1B 45 01 41 0A')[0]).toEqual({ kind: 'unknown', bytes: bytes('1B') });
    expect((decodeHex('1B 1B 45 01 41 0A')[1] as DecodedText).style.bold).toBe(true);
    expect(decodeHex('00 07 41 0A')).toEqual([{ kind: 'unknown', bytes: bytes('00 07') }, expect.objectContaining({ text: 'A' })]);
  });

  it('gives a partial command back as unknown on flush()', () => {
    const d = new EscPosDecoder();
    expect(d.push(bytes('1D 28 6B 10 00 31'))).toEqual([]);
    expect(d.flush()).toEqual([{ kind: 'unknown', bytes: bytes('1D 28 6B 10 00 31') }]);
  });
});

describe('fast-check', () => {
  // Byte soup biased towards the subset's prefixes and function bytes, so that commands and
  // their edge cases come up, not only text.
  const interesting = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0d, 0x10, 0x14, 0x1b, 0x1c, 0x1d, 0x21, 0x26, 0x28, 0x2a, 0x2e, 0x30, 0x31, 0x40, 0x45, 0x50, 0x51, 0x56, 0x61, 0x6b, 0x72, 0x76, 0xba, 0xcf];
  const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...interesting));
  const streamArb = fc.array(byteArb, { maxLength: 400 }).map((a) => Uint8Array.from(a));
  const cutsArb = fc.array(fc.nat({ max: 400 }), { maxLength: 12 });
  const chunked = (data: Uint8Array, cuts: number[]): Uint8Array[] => {
    const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
    return [0, ...points].map((start, i) => data.subarray(start, points[i] ?? data.length));
  };

  it('never throws, whatever the bytes and chunking', () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (data, cuts) => {
        const d = new EscPosDecoder({ maxDataBytes: 64 });
        for (const chunk of chunked(data, cuts)) d.push(chunk);
        d.flush();
      }),
      { numRuns: 500 },
    );
  });

  it('decodes the same items however the stream is chunked', () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (data, cuts) => {
        const split = new EscPosDecoder();
        const got = [...chunked(data, cuts).flatMap((c) => split.push(c)), ...split.flush()];
        expect(got).toEqual(decodeEscPos(data));
      }),
      { numRuns: 500 },
    );
  });

  // Whole commands and GBK bytes next to each other, as a receipt has them, among byte soup.
  const tokenArb = fc.oneof(
    byteArb.map((b) => [b]),
    fc.constantFrom(
      [0x1b, 0x45, 0x01], [0x1b, 0x45, 0x00], [0x1c, 0x26], [0x1c, 0x2e], [0x1b, 0x21, 0x38], [0x1d, 0x21, 0x11], [0x1b, 0x61, 0x01],
      [0x1b, 0x2d, 0x03], [0x1b, 0x4d, 0x07], [0x1d, 0x72, 0x01], [0x1b, 0x70, 0x00, 0x10, 0x04], [0x1b, 0x70, 0x10, 0x04, 0x02], [0x10, 0x04, 0x01], [0x1b, 0x3d, 0x00],
      [0x1b, 0x3d, 0x01], [0x1b, 0x40], [0x1b, 0x74, 0x10], [0xba, 0xcf], [0xba], [0x41, 0x42], [0x20, 0x20], [0x0a], [0x09],
    ),
  );
  const receiptLikeArb = fc.array(tokenArb, { maxLength: 150 }).map((tokens) => Uint8Array.from(tokens.flat()));

  it('decodes the same items fed one byte at a time, where no command lies whole in a chunk', () => {
    fc.assert(
      fc.property(fc.oneof(streamArb, receiptLikeArb), fc.boolean(), (data, chinese) => {
        const options = { chineseModeAtInit: chinese };
        const single = new EscPosDecoder(options);
        const got = [...[...data].flatMap((b) => single.push(Uint8Array.of(b))), ...single.flush()];
        expect(got).toEqual(decodeEscPos(data, options));
      }),
      { numRuns: 500 },
    );
  });

  it('reports exactly the DLE EOT queries realtimeQueriesIn() finds, in order', () => {
    fc.assert(
      fc.property(streamArb, (data) => {
        const queries = decodeEscPos(data).flatMap((i) => (i.kind === 'status-query' && i.command === 'dle-eot' ? [i.n] : []));
        expect(queries).toEqual(realtimeQueriesIn(data));
      }),
      { numRuns: 500 },
    );
  });

  it('gives back text printed through receipt-printer-encoder', () => {
    const lineArb = fc.string({ unit: fc.constantFrom(...'abcXYZ 0123456789.,-€éÄß'), maxLength: 40 });
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 8 }), (lines) => {
        const encoder = new ReceiptPrinterEncoder({ columns: 48, codepageMapping: 'epson' }).initialize().codepage('auto');
        for (const line of lines) encoder.line(line);
        expect(texts(decodeEscPos(encoder.encode())).map((l) => l.trimEnd())).toEqual(lines.map((l) => l.trimEnd()));
      }),
      { numRuns: 100 },
    );
  });
});
