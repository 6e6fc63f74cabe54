// The virtual printer's receipts as PNG: real receipts from the encoder render at paper width
// with a QR code that scans back to its payload; glyphs are Unifont's, scaled to the cell;
// bold, inverse, underline, size and alignment change the dots the way a printer does; images
// are bit for bit; barcodes scan back (EAN-13 decoded from the pixels); marks that are not ink
// are grey; bad symbols, an empty receipt and a missing font are handled.
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAWER_PULSE } from '../../../../drivers/drawer/drawer-kick.ts';
import { PRINTER_PROFILES } from '../../../../drivers/printer/printer-profiles.ts';
import type { PrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import { encodeReceipt } from '../../../../drivers/printer/receipt-encoder.ts';
import { FontError, loadHexFont } from '../../../../drivers/sim/bitmap-font.ts';
import { DEFAULT_MARGIN, MARK_GREY, paperLayout, renderReceiptPng } from '../../../../drivers/sim/receipt-png.ts';
import type { ReceiptPngOptions } from '../../../../drivers/sim/receipt-png.ts';
import { VirtualPrinter } from '../../../../drivers/sim/virtual-printer.ts';
import type { PrintedReceipt, VirtualPrinterOptions } from '../../../../drivers/sim/virtual-printer.ts';
import { buildReceiptModel } from '../../../../src/domain/receipt.ts';
import type { SaleRecord } from '../../../../src/domain/sale-record.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';

const bytes = (h: string): number[] => h.split(/\s+/).filter((x) => x !== '').map((x) => Number.parseInt(x, 16));
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const job = (...parts: (number[] | string)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? ascii(p) : p)));
const LF = [0x0a];

/** GS ( k: QR model 2, cell size, error correction L, store `payload`, print. */
function qrCommands(payload: string, size: number): number[] {
  const n = payload.length + 3;
  return [
    ...bytes(`1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 ${size.toString(16)} 1D 28 6B 03 00 31 45 30`),
    ...[0x1d, 0x28, 0x6b, n & 0xff, n >> 8, 0x31, 0x50, 0x30],
    ...ascii(payload),
    ...bytes('1D 28 6B 03 00 31 51 30'),
  ];
}

function printed(data: Uint8Array, options: VirtualPrinterOptions = {}): PrintedReceipt {
  const printer = new VirtualPrinter(options);
  printer.write(data, 0);
  const receipts = printer.receipts();
  expect(receipts).toHaveLength(1);
  const [receipt] = receipts;
  if (receipt === undefined) throw new Error('no receipt');
  return receipt;
}

interface Picture {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
  gray(x: number, y: number): number;
  ink(x: number, y: number): boolean;
}

function picture(receipt: PrintedReceipt, options: ReceiptPngOptions = { margin: 0 }): Picture {
  const png = PNG.sync.read(Buffer.from(renderReceiptPng(receipt, options)));
  expect(png.colorType).toBe(0);
  const gray = (x: number, y: number): number => (x < 0 || y < 0 || x >= png.width || y >= png.height ? 255 : (png.data[(y * png.width + x) * 4] ?? 255));
  return { width: png.width, height: png.height, rgba: png.data, gray, ink: (x, y) => gray(x, y) === 0 };
}

function inkBox(p: Picture, y0 = 0, y1 = p.height): { left: number; right: number; top: number; bottom: number } | null {
  let box: { left: number; right: number; top: number; bottom: number } | null = null;
  for (let y = y0; y < y1; y += 1) {
    for (let x = 0; x < p.width; x += 1) {
      if (!p.ink(x, y)) continue;
      box = box === null ? { left: x, right: x, top: y, bottom: y } : { left: Math.min(box.left, x), right: Math.max(box.right, x), top: Math.min(box.top, y), bottom: Math.max(box.bottom, y) };
    }
  }
  return box;
}

function countValues(p: Picture): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < p.width * p.height; i += 1) {
    const v = p.rgba[i * 4] ?? -1;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

// jsqr is CommonJS with `exports.default`; under NodeNext the default import is the module.
const jsQR = jsQRModule.default;
const scanQr = (p: Picture): ReturnType<typeof jsQR> => jsQR(new Uint8ClampedArray(p.rgba.buffer, p.rgba.byteOffset, p.rgba.length), p.width, p.height);

const EMPTY: PrintedReceipt = {
  lines: [],
  styledLines: [],
  qrs: [],
  qrCodes: [],
  barcodes: [],
  images: [],
  pulses: [],
  cutKind: null,
  reprintBanner: false,
  interrupted: false,
  unknown: [],
  blocks: [],
  columns: 48,
};

describe('paper', () => {
  it('is 576 dots for 80 mm columns and 384 for 58 mm, plus the margin on each side', () => {
    expect(picture(printed(job('x', LF)), {}).width).toBe(576 + 2 * DEFAULT_MARGIN);
    expect(picture(printed(job('x', LF))).width).toBe(576);
    expect(picture(printed(job('x', LF), { paperMm: 58 }), { margin: 10 }).width).toBe(384 + 20);
    expect(picture(printed(job('x', LF), { columns: 42 })).width).toBe(576);
  });

  it('gives font A cells that fill the print area: 12 dots at 48 and 32 columns, 13 at 42 (centred)', () => {
    expect(paperLayout(48)).toMatchObject({ paperDots: 576, cellWidth: 12, cellHeight: 24, lineDots: 30, textLeft: 0, textWidth: 576 });
    expect(paperLayout(32)).toMatchObject({ paperDots: 384, cellWidth: 12, cellHeight: 24, textLeft: 0 });
    expect(paperLayout(42)).toMatchObject({ paperDots: 576, cellWidth: 13, cellHeight: 26, lineDots: 33, textLeft: 15, textWidth: 546 });
    // A full line of 48 columns reaches the last dot of the paper.
    const full = picture(printed(job('H'.repeat(48), LF)));
    const box = inkBox(full);
    expect(box?.right).toBeGreaterThan(576 - 12);
    expect(box?.left).toBeLessThan(12);
  });

  it('refuses columns or a margin that make no paper', () => {
    expect(() => paperLayout(0)).toThrow(RangeError);
    expect(() => renderReceiptPng({ ...EMPTY, columns: 1.5 })).toThrow(/columns must be a positive whole number; got 1.5/);
    expect(() => renderReceiptPng(EMPTY, { margin: -1 })).toThrow(/margin must be a whole number of dots/);
  });

  it('renders an empty receipt as blank paper', () => {
    const p = picture(EMPTY, {});
    expect(p.width).toBe(576 + 2 * DEFAULT_MARGIN);
    expect(p.height).toBeGreaterThan(2 * DEFAULT_MARGIN);
    expect([...countValues(p).keys()]).toEqual([255]);
  });

  it('says clearly that the font is missing and how to install it', () => {
    const receipt = printed(job('x', LF));
    const render = (): Uint8Array => renderReceiptPng(receipt, { fontPath: '/nonexistent/unifont.hex' });
    expect(render).toThrow(FontError);
    expect(render).toThrow(/\/nonexistent\/unifont\.hex not found.*apt install unifont/);
  });
});

// ---------------------------------------------------------------------------------------------

const record = (spec: Parameters<typeof makeSale>[0]): SaleRecord => ({ ...makeSale(spec), receiptNo: 1234 });

describe('receipts from the real encoder', () => {
  const sale = record({
    lines: [
      { sku: '6901234567892', unitPrice: 350, quantityMilli: 2000, name: '农夫山泉 550ml' },
      { sku: 'APPLE-KG', unit: 'kg', unitPrice: 1298, quantityMilli: 537, name: '红富士苹果' },
      { sku: '6909999000017', unitPrice: 1999, lineDiscount: 200, name: 'Dove chocolate' },
    ],
    tenders: [{ method: 'cash', received: 5000 }],
  });
  const profiles: PrinterProfile[] = [PRINTER_PROFILES['generic-80-gbk'], PRINTER_PROFILES['xprinter-58'], PRINTER_PROFILES['epson-tm-t88']];

  for (const profile of profiles) {
    it(`${profile.id}: paper width, a QR code that scans back to its payload, grey drawer and cut marks`, () => {
      const lang = profile.cjk === 'gbk-fs' ? 'zh-CN' : 'en';
      const model = buildReceiptModel(sale, { lang, header: ['Kassa 测试店'], footer: ['谢谢惠顾 Thank you'] });
      const qr = `https://kassa.example/r/${sale.id}`;
      const data = encodeReceipt(model, profile, { qr, barcode: `T01-${sale.receiptNo}`, cut: profile.cutter, drawerPulse: DEFAULT_DRAWER_PULSE });
      const receipt = printed(data, { paperMm: profile.paperMm, columns: profile.columns });
      expect(receipt.qrs).toEqual([qr]);

      const p = picture(receipt, {});
      expect(p.width).toBe((profile.paperMm === 58 ? 384 : 576) + 2 * DEFAULT_MARGIN);
      const code = scanQr(p);
      expect(code?.data).toBe(qr);
      // The symbol is drawn with the decoded cell size: its finder patterns are 7 cells wide.
      const cell = receipt.qrCodes[0]?.size ?? 0;
      const tl = code?.location.topLeftFinderPattern;
      const tr = code?.location.topRightFinderPattern;
      const modules = 17 + 4 * (code?.version ?? 0);
      expect(Math.round(((tr?.x ?? 0) - (tl?.x ?? 0)) / cell)).toBe(modules - 7);

      // Ink, paper, and grey for the drawer pulse (and the cut where the printer has a cutter).
      const values = countValues(p);
      expect([...values.keys()].sort((a, b) => a - b)).toEqual([0, MARK_GREY, 255]);
      expect(values.get(0)).toBeGreaterThan(1000);
    });
  }

  it('draws the cut as a grey dashed line across the whole picture, and no cut on an open receipt', () => {
    const model = buildReceiptModel(sale, { lang: 'en' });
    const profile = PRINTER_PROFILES['epson-tm-t20'];
    const cut = picture(printed(encodeReceipt(model, profile, { cut: true }), { columns: 48 }), { margin: 8 });
    const dashedRows = Array.from({ length: cut.height }, (_, y) => y).filter((y) => {
      let grey = 0;
      for (let x = 0; x < cut.width; x += 1) if (cut.gray(x, y) === MARK_GREY) grey += 1;
      return grey > cut.width / 2;
    });
    expect(dashedRows.length).toBeGreaterThan(0);
    const row = dashedRows[0] ?? 0;
    expect(cut.gray(0, row)).toBe(MARK_GREY);
    const greys = [...Array(cut.width).keys()].filter((x) => cut.gray(x, row) === MARK_GREY);
    // Within one dash and gap (18 dots) of the right edge.
    expect(greys.at(-1)).toBeGreaterThan(cut.width - 18);
    // Dashes: paper shows between them.
    expect([...Array(cut.width).keys()].some((x) => cut.gray(x, row) === 255)).toBe(true);

    const open = picture(printed(job('no cut yet', LF)), { margin: 8 });
    expect(countValues(open).has(MARK_GREY)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe('text', () => {
  const font = loadHexFont();

  it('draws a Chinese line with Unifont glyphs scaled to two 24×24 cells each', () => {
    // FS & (Chinese mode), GBK 中文, FS .
    const receipt = printed(job(bytes('1C 26 D6 D0 CE C4 1C 2E'), LF));
    expect(receipt.lines).toEqual(['中文']);
    const p = picture(receipt);
    [...'中文'].forEach((ch, i) => {
      const glyph = font.glyph(ch.codePointAt(0) ?? 0);
      expect(glyph?.width).toBe(16);
      if (glyph === null) return;
      // Each font dot becomes a 1.5 × 1.5 block; the centre of that block has the font's bit.
      for (let gy = 0; gy < 16; gy += 1) {
        for (let gx = 0; gx < 16; gx += 1) {
          const x = i * 24 + Math.floor((gx + 0.5) * 1.5);
          const y = Math.floor((gy + 0.5) * 1.5);
          expect(p.ink(x, y), `${ch} dot ${gx},${gy}`).toBe(glyph.pixels[gy * 16 + gx] === 1);
        }
      }
    });
    expect(inkBox(p)?.right).toBeLessThan(48);
  });

  it('draws a code point the font lacks as U+FFFD, not as nothing', () => {
    const missing = picture({ ...EMPTY, blocks: [lineBlock('\u{E000}')] });
    const replacement = picture({ ...EMPTY, blocks: [lineBlock('\uFFFD')] });
    expect(font.has(0xe000)).toBe(false);
    expect(inkBox(missing)).not.toBeNull();
    expect(missing.rgba).toEqual(replacement.rgba);
  });

  // Line 1 plain "AB", line 2 the same in a style; lines are 30 dots apart, cells 12×24.
  const styled = (on: string, off: string): Picture => picture(printed(job('AB', LF, bytes(on), 'AB', bytes(off), LF)));
  const cellDots = (p: Picture, top: number, f: (x: number, y: number) => void): void => {
    for (let y = 0; y < 24; y += 1) for (let x = 0; x < 24; x += 1) f(x, top + y);
  };

  it('inverse prints the cells white on black: the exact negative of the plain line', () => {
    const p = styled('1D 42 01', '1D 42 00');
    cellDots(p, 0, (x, y) => expect(p.ink(x, y + 30)).toBe(!p.ink(x, y)));
    expect(inkBox(p, 30, 60)).toEqual({ left: 0, right: 23, top: 30, bottom: 53 });
  });

  it('bold strikes every dot twice, one dot to the right', () => {
    const p = styled('1B 45 01', '1B 45 00');
    let added = 0;
    cellDots(p, 0, (x, y) => {
      const expected = p.ink(x, y) || (x % 12 !== 0 && p.ink(x - 1, y));
      expect(p.ink(x, y + 30), `dot ${x},${y}`).toBe(expected);
      if (expected && !p.ink(x, y)) added += 1;
    });
    expect(added).toBeGreaterThan(20);
  });

  it('underline inks the bottom row of the cells and changes nothing else', () => {
    const p = styled('1B 2D 01', '1B 2D 00');
    cellDots(p, 0, (x, y) => expect(p.ink(x, y + 30)).toBe(y === 23 ? true : p.ink(x, y)));
  });

  it('double width and height repeat each dot of the normal glyph 2 × 2, on a line twice as tall', () => {
    const p = picture(printed(job('A', LF, bytes('1D 21 11'), 'A', bytes('1D 21 00'), LF, 'A', LF)));
    for (let y = 0; y < 24; y += 1) {
      for (let x = 0; x < 12; x += 1) {
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) expect(p.ink(2 * x + dx, 30 + 2 * y + dy)).toBe(p.ink(x, y));
      }
    }
    // The third line starts after 30 + 60 dots and looks like the first.
    cellDots(p, 0, (x, y) => expect(p.ink(x, y + 90)).toBe(p.ink(x, y)));
  });

  it('places lines by alignment: centred and right-aligned text is the same dots, moved', () => {
    const p = picture(printed(job('AB', LF, bytes('1B 61 01'), 'AB', LF, bytes('1B 61 02'), 'AB', LF)));
    const centre = (576 - 24) / 2;
    cellDots(p, 0, (x, y) => {
      expect(p.ink(x + centre, y + 30)).toBe(p.ink(x, y));
      expect(p.ink(x + 552, y + 60)).toBe(p.ink(x, y));
    });
    expect(inkBox(p, 30, 60)?.left).toBeGreaterThanOrEqual(centre);
    expect(inkBox(p, 30, 60)?.right).toBeLessThan(centre + 24);
  });

  it('draws a wrapped line as the next physical line', () => {
    const p = picture(printed(job('W'.repeat(50), LF)));
    expect(inkBox(p, 0, 30)?.right).toBeGreaterThan(570);
    cellDots(p, 0, (x, y) => expect(p.ink(x, y + 30)).toBe(x < 12 ? p.ink(x, y) : p.ink(x - 12, y)));
    expect(inkBox(p, 30, 60)?.right).toBeLessThan(24);
  });
});

function lineBlock(text: string): PrintedReceipt['blocks'][number] {
  const style = { bold: false, underline: false, italic: false, reverse: false, width: 1, height: 1, align: 'left', font: 'A' } as const;
  return { kind: 'line', text, style, runs: [{ text, style, wide: false }], wrapped: false };
}

// ---------------------------------------------------------------------------------------------

// EAN-13 read back from the dots of one scan line: widths in modules, L/G/R digit patterns,
// first digit from the L/G parity.
const EAN_L = ['3211', '2221', '2122', '1411', '1132', '1231', '1114', '1312', '1213', '3112'];
const EAN_PARITY = ['LLLLLL', 'LLGLGG', 'LLGGLG', 'LLGGGL', 'LGLLGG', 'LGGLLG', 'LGGGLL', 'LGLGLG', 'LGLGGL', 'LGGLGL'];

function readEan13(p: Picture, y: number, module: number): string | null {
  const runs: number[] = [];
  let x = 0;
  while (x < p.width && !p.ink(x, y)) x += 1;
  let last = x;
  while (last < p.width) {
    let end = last;
    const ink = p.ink(last, y);
    while (end < p.width && p.ink(end, y) === ink) end += 1;
    if (!ink && end >= p.width) break;
    runs.push((end - last) / module);
    last = end;
  }
  if (runs.length !== 59 || runs.some((r) => !Number.isInteger(r))) return null;
  const digit = (w: number[]): { d: number; set: 'L' | 'G' } | null => {
    const s = w.join('');
    const l = EAN_L.indexOf(s);
    if (l >= 0) return { d: l, set: 'L' };
    const g = EAN_L.indexOf([...s].reverse().join(''));
    return g >= 0 ? { d: g, set: 'G' } : null;
  };
  let parity = '';
  let out = '';
  for (let i = 0; i < 6; i += 1) {
    const d = digit(runs.slice(3 + i * 4, 7 + i * 4));
    if (d === null) return null;
    parity += d.set;
    out += d.d;
  }
  for (let i = 0; i < 6; i += 1) {
    const d = digit(runs.slice(32 + i * 4, 36 + i * 4));
    if (d === null || d.set !== 'L') return null;
    out += d.d;
  }
  const first = EAN_PARITY.indexOf(parity);
  return first < 0 ? null : `${first}${out}`;
}

describe('symbols and images', () => {
  it('draws an EAN-13 with the decoded module width and height that reads back, HRI below', () => {
    // GS h 50, GS w 2, GS H 2 (HRI below), GS k 67 13 digits.
    const receipt = printed(job(bytes('1D 68 32 1D 77 02 1D 48 02 1D 6B 43 0D'), '4006381333931'));
    expect(receipt.barcodes[0]).toMatchObject({ type: 'ean13', height: 50, moduleWidth: 2, hri: 'below' });
    const p = picture(receipt);
    expect(readEan13(p, 25, 2)).toBe('4006381333931');
    const bars = inkBox(p, 0, 50);
    expect(bars).toMatchObject({ left: 0, top: 0, bottom: 49, right: 95 * 2 - 1 });
    // HRI characters under the bars.
    const hri = inkBox(p, 50, p.height);
    expect(hri).not.toBeNull();
    expect(hri?.top).toBeGreaterThan(50);
  });

  it('prints no HRI when it is off, and centres the symbol when asked', () => {
    const p = picture(printed(job(bytes('1B 61 01 1D 68 28 1D 77 03 1D 6B 43 0D'), '4006381333931')));
    expect(inkBox(p)).toEqual({ left: (576 - 95 * 3) >> 1, right: ((576 - 95 * 3) >> 1) + 95 * 3 - 1, top: 0, bottom: 39 });
    expect(readEan13(p, 20, 3)).toBe('4006381333931');
  });

  it('draws a QR code with its decoded cell size; it scans back', () => {
    const payload = 'https://kassa.example/pay?id=42&sum=68.70';
    const data = new ReceiptPrinterEncoder({ columns: 48 }).initialize().qrcode(payload, { model: 2, size: 4, errorlevel: 'h' }).encode();
    const receipt = printed(data);
    expect(receipt.qrCodes[0]).toMatchObject({ size: 4, ec: 'H' });
    const p = picture(receipt, {});
    const code = scanQr(p);
    expect(code?.data).toBe(payload);
    const box = inkBox(p);
    expect((box?.right ?? 0) - (box?.left ?? 0) + 1).toBe((17 + 4 * (code?.version ?? 0)) * 4);
  });

  it('draws raster images bit for bit, each bit scaleX × scaleY dots', () => {
    // GS v 0 m=0: 2 bytes × 3 rows, then m=3 (double width and height) with the same bits.
    const bits = '81 FF 3C 00 AA 55';
    const p = picture(printed(job(bytes(`1D 76 30 00 02 00 03 00 ${bits}`), bytes(`1D 76 30 03 02 00 03 00 ${bits}`))));
    const rows = bytes(bits);
    const bit = (x: number, y: number): boolean => (((rows[y * 2 + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1) === 1;
    for (let y = 0; y < 3; y += 1) {
      for (let x = 0; x < 16; x += 1) {
        expect(p.ink(x, y)).toBe(bit(x, y));
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) expect(p.ink(2 * x + dx, 3 + 2 * y + dy)).toBe(bit(x, y));
      }
    }
    expect(inkBox(p)).toMatchObject({ top: 0, bottom: 8 });
  });

  it('marks a drawer pulse with a small grey label, never with ink', () => {
    const p = picture(printed(job(bytes('1B 70 00 19 FA'))));
    const values = countValues(p);
    expect(values.has(0)).toBe(false);
    expect(values.get(MARK_GREY)).toBeGreaterThan(50);
  });

  it('shows in grey, without ink, a symbol the printer would not print, and carries on', () => {
    // EAN-13 with letters, then a QR code too large for the paper at cell size 16, then text.
    const receipt = printed(job(bytes('1D 6B 43 0D'), 'ABCDEFGHIJKLM', qrCommands('X'.repeat(300), 16), 'after', LF));
    expect(receipt.barcodes).toHaveLength(1);
    expect(receipt.qrCodes[0]?.size).toBe(16);
    const p = picture(receipt);
    expect(countValues(p).get(MARK_GREY)).toBeGreaterThan(100);
    // Only the text line is ink.
    const ink = inkBox(p);
    expect((ink?.bottom ?? 0) - (ink?.top ?? 0)).toBeLessThan(24);
  });
});
