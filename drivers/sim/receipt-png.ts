// The virtual printer's receipts as pictures: a PrintedReceipt (virtual-printer.ts) drawn dot
// for dot at printer resolution and encoded as a grayscale PNG, so a test, a demo or a cashier
// in training sees the paper a real printer would give out (renderText() is the plain-text
// view of the same receipt). Glyphs are GNU Unifont's (./bitmap-font.ts); QR modules come from
// `qrcode`, bar patterns from `bwip-js`, PNG encoding from `pngjs`. The layout is hand-written:
// no package draws ESC/POS text styles, and receiptline/receipt-printer-encoder only produce
// printer bytes or SVG from their own markup, not from decoded printer output.
//
// Decisions a caller must know:
//  - Paper: 576 dots wide for more than 32 columns (80 mm), 384 for up to 32 (58 mm), plus
//    `margin` white dots (default 24) on every side for the paper beyond the print area. A
//    font A cell is paperDots/columns dots wide (12 for 48 and 32 columns, 13 for 42) and twice
//    that tall; the `columns` cells are centred on the paper. Fonts B–E are 9×17 cells
//    scaled the same way; a double-byte (GBK) character takes two cells, as on the printer.
//  - Glyphs are Unifont's 8×16 / 16×16 bitmaps scaled by nearest neighbour to the cell height
//    and centred in the cell; a half-width cell squeezes a 16-wide glyph. A code point the font
//    lacks draws U+FFFD. Width/height multipliers stretch the cell; characters of one line
//    stand on a common bottom line. Italic (ESC 4) is ignored, as many printers ignore it.
//  - Bold ORs each dot with its left neighbour (strokes one dot thicker to the right);
//    underline is the cell's bottom dot row(s) in the foreground colour; inverse fills the cell
//    black and draws the glyph (and underline) white.
//  - A line takes 30 dots (scaled like the cell) times its tallest height multiplier, the same
//    paper the virtual printer counts. Placement by alignment ignores trailing spaces that leave
//    no mark, as renderText() does; a wrapped line is simply the next physical line.
//  - Images are drawn bit for bit, each bit scaleX × scaleY dots. QR codes use the decoded
//    cell size and error level; the symbol is built from the exact stored bytes (byte mode), as
//    model 2 whatever the decoded model (qrcode makes no model 1 or micro QR). Barcodes use the
//    decoded module width, height and HRI position (HRI in font A); bars are full height.
//  - Marks that are not ink are drawn grey (MARK_GREY): the cut as a dashed line across the
//    whole picture (long dashes full, short dashes partial; none while the receipt is open), a
//    drawer pulse as a small "[drawer pin N]" label, and in place of anything the printer would
//    not print (a symbol wider than the print area, data the symbology refuses, an image whose
//    bits the decoder did not keep) a short label saying so. No block of a receipt throws.
//  - The font is loaded once per path per process (loadHexFont); a missing font file throws
//    FontError telling the user to install `unifont`. Bad `columns` or `margin` throw RangeError.
import bwipjs from 'bwip-js';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { loadHexFont, UNIFONT_PATH } from './bitmap-font.ts';
import type { BitmapFont, Glyph } from './bitmap-font.ts';
import type { Align, BarcodeType, DecodedBarcode, DecodedImage, DecodedQr, FontName, TextStyle } from './escpos-decoder.ts';
import { DEFAULT_STYLE } from './escpos-decoder.ts';
import type { PrintedLine, PrintedPulse, PrintedReceipt } from './virtual-printer.ts';

export interface ReceiptPngOptions {
  /** A GNU Unifont .hex file; default /usr/share/unifont/unifont.hex (Debian's `unifont`). */
  readonly fontPath?: string;
  /** White dots around the print area on every side; default 24. */
  readonly margin?: number;
}

/** Where things go on the paper, in printer dots. */
export interface PaperLayout {
  /** Print area width: 576 (80 mm) or 384 (58 mm). */
  readonly paperDots: number;
  /** One font A half-width cell. */
  readonly cellWidth: number;
  readonly cellHeight: number;
  /** Paper one line feed takes at height 1. */
  readonly lineDots: number;
  /** Left edge of column 0 within the print area, and the width of `columns` cells. */
  readonly textLeft: number;
  readonly textWidth: number;
}

/** Grayscale picture, row by row: INK, PAPER or MARK_GREY. */
export interface ReceiptRaster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

export const INK = 0;
export const PAPER = 255;
/** Marks that are not printed: cuts, drawer pulses, notes. */
export const MARK_GREY = 0x99;
export const DEFAULT_MARGIN = 24;

// Epson font A is 12×24 dots, fonts B–E 9×17; default line spacing is 30 dots.
const FONT_A = { w: 12, h: 24 };
const FONT_SMALL = { w: 9, h: 17 };
const LINE_DOTS = 30;
const MAX_MARGIN = 1000;
const GLYPH_CACHE_LIMIT = 20_000;
const REPLACEMENT = 0xfffd;
// Unscaled 8×16 glyphs for grey labels.
const LABEL_HEIGHT = 16;
const LABEL_GAP = 4;

/** The paper layout for a receipt printed `columns` font A characters wide. */
export function paperLayout(columns: number): PaperLayout {
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`receipt columns must be a positive whole number; got ${String(columns)}`);
  const paperDots = columns <= 32 ? 384 : 576;
  const cellWidth = Math.floor(paperDots / columns);
  if (cellWidth < 4) throw new RangeError(`${columns} columns do not fit ${paperDots} dots of paper (cells under 4 dots)`);
  const scale = cellWidth / FONT_A.w;
  const textWidth = cellWidth * columns;
  return {
    paperDots,
    cellWidth,
    cellHeight: Math.round(FONT_A.h * scale),
    lineDots: Math.round(LINE_DOTS * scale),
    textLeft: Math.floor((paperDots - textWidth) / 2),
    textWidth,
  };
}

/** The receipt as a grayscale PNG at printer resolution. */
export function renderReceiptPng(receipt: PrintedReceipt, options: ReceiptPngOptions = {}): Uint8Array {
  const raster = renderReceiptRaster(receipt, options);
  const png = new PNG();
  png.width = raster.width;
  png.height = raster.height;
  png.data = Buffer.from(raster.pixels.buffer, raster.pixels.byteOffset, raster.pixels.length);
  // Filter "none" and level 6: pages of flat white compress well either way, and the adaptive
  // filter search at level 9 costs several times the drawing.
  const bytes = PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8, filterType: 0, deflateLevel: 6 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The receipt drawn into a grayscale raster (what renderReceiptPng encodes). */
export function renderReceiptRaster(receipt: PrintedReceipt, options: ReceiptPngOptions = {}): ReceiptRaster {
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!Number.isInteger(margin) || margin < 0 || margin > MAX_MARGIN) throw new RangeError(`margin must be a whole number of dots from 0 to ${MAX_MARGIN}; got ${String(margin)}`);
  const layout = paperLayout(receipt.columns);
  const font = loadHexFont(options.fontPath ?? UNIFONT_PATH);
  const ctx: Ctx = { layout, font, left: margin + layout.textLeft, scale: layout.cellWidth / FONT_A.w };

  const pieces: Piece[] = receipt.blocks.map((block) => {
    switch (block.kind) {
      case 'line':
        return linePiece(ctx, block);
      case 'qr':
        return qrPiece(ctx, block);
      case 'barcode':
        return barcodePiece(ctx, block);
      case 'image':
        return imagePiece(ctx, block);
      case 'pulse':
        return pulsePiece(ctx, block);
    }
  });
  if (receipt.cutKind !== null) pieces.push(cutPiece(receipt.cutKind));
  const content = Math.max(layout.lineDots, pieces.reduce((sum, p) => sum + p.height, 0));
  const canvas = new Canvas(layout.paperDots + 2 * margin, content + 2 * margin);
  let y = margin;
  for (const piece of pieces) {
    piece.draw(canvas, y);
    y += piece.height;
  }
  return { width: canvas.width, height: canvas.height, pixels: canvas.pixels };
}

// ---------------------------------------------------------------------------------------------
// Canvas

class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(PAPER);
  }

  fill(x: number, y: number, w: number, h: number, value: number): void {
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    if (x1 <= x0) return;
    for (let row = Math.max(0, y); row < Math.min(this.height, y + h); row += 1) this.pixels.fill(value, row * this.width + x0, row * this.width + x1);
  }

  /** Sets `value` where `mask` (w × h, row by row) is 1. */
  mask(x: number, y: number, w: number, h: number, mask: Uint8Array, value: number): void {
    const x0 = Math.max(0, -x);
    const x1 = Math.min(w, this.width - x);
    const y0 = Math.max(0, -y);
    const y1 = Math.min(h, this.height - y);
    const px = this.pixels;
    for (let row = y0; row < y1; row += 1) {
      const src = row * w;
      const dst = (y + row) * this.width + x;
      for (let col = x0; col < x1; col += 1) if (mask[src + col] === 1) px[dst + col] = value;
    }
  }
}

interface Ctx {
  readonly layout: PaperLayout;
  readonly font: BitmapFont;
  /** Canvas x of column 0. */
  readonly left: number;
  readonly scale: number;
}

interface Piece {
  readonly height: number;
  draw(canvas: Canvas, top: number): void;
}

/** Canvas x of something `width` dots wide placed by `align` in the text area. */
function placeX(ctx: Ctx, width: number, align: Align): number {
  const free = Math.max(0, ctx.layout.textWidth - width);
  return ctx.left + (align === 'center' ? Math.floor(free / 2) : align === 'right' ? free : 0);
}

// ---------------------------------------------------------------------------------------------
// Text

interface Cell {
  readonly codePoint: number;
  readonly style: TextStyle;
  /** Cell size before the width/height multipliers. */
  readonly baseW: number;
  readonly baseH: number;
  readonly w: number;
  readonly h: number;
}

function cellsOf(ctx: Ctx, runs: PrintedLine['runs']): Cell[] {
  const cells: Cell[] = [];
  for (const run of runs) {
    const box = run.wide ? { w: 2 * ctx.layout.cellWidth, h: ctx.layout.cellHeight } : fontBox(ctx, run.style.font);
    const width = clampMultiplier(run.style.width);
    const height = clampMultiplier(run.style.height);
    for (const ch of run.text) {
      cells.push({ codePoint: ch.codePointAt(0) ?? REPLACEMENT, style: run.style, baseW: box.w, baseH: box.h, w: box.w * width, h: box.h * height });
    }
  }
  return cells;
}

function fontBox(ctx: Ctx, font: FontName): { w: number; h: number } {
  if (font === 'A') return { w: ctx.layout.cellWidth, h: ctx.layout.cellHeight };
  return { w: Math.round(FONT_SMALL.w * ctx.scale), h: Math.round(FONT_SMALL.h * ctx.scale) };
}

function clampMultiplier(n: number): number {
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 8) : 1;
}

function leavesMark(cell: Cell): boolean {
  return cell.codePoint !== 0x20 || cell.style.reverse || cell.style.underline;
}

function linePiece(ctx: Ctx, line: PrintedLine): Piece {
  const cells = cellsOf(ctx, line.runs);
  const tallest = Math.max(1, ...line.runs.map((r) => clampMultiplier(r.style.height)));
  const height = ctx.layout.lineDots * tallest;
  return {
    height,
    draw(canvas, top) {
      drawCells(ctx, canvas, cells, line.style.align, top);
    },
  };
}

/** Draws one line of cells, placed by `align`, with its top at `top`. */
function drawCells(ctx: Ctx, canvas: Canvas, cells: readonly Cell[], align: Align, top: number): void {
  let marked = cells.length;
  while (marked > 0 && !leavesMark(cells[marked - 1] as Cell)) marked -= 1;
  if (marked === 0) return;
  const used = cells.slice(0, marked).reduce((sum, c) => sum + c.w, 0);
  const bottom = top + Math.max(...cells.map((c) => c.h));
  let x = placeX(ctx, used, align);
  for (const cell of cells) {
    drawCell(ctx, canvas, cell, x, bottom - cell.h);
    x += cell.w;
  }
}

function drawCell(ctx: Ctx, canvas: Canvas, cell: Cell, x: number, y: number): void {
  const { style } = cell;
  const ink = style.reverse ? PAPER : INK;
  if (style.reverse) canvas.fill(x, y, cell.w, cell.h, INK);
  if (cell.codePoint !== 0x20) canvas.mask(x, y, cell.w, cell.h, cellMask(ctx.font, cell, style.bold), ink);
  if (style.underline) {
    const thickness = Math.max(1, Math.round(ctx.scale));
    canvas.fill(x, y + cell.h - thickness, cell.w, thickness, ink);
  }
}

const glyphCache = new WeakMap<BitmapFont, Map<string, Uint8Array>>();

/** The cell's glyph scaled into its box (w × h), bold applied; cached per font. */
function cellMask(font: BitmapFont, cell: Cell, bold: boolean): Uint8Array {
  const mulW = cell.w / cell.baseW;
  const key = `${cell.codePoint},${cell.baseW},${cell.baseH},${mulW},${cell.h / cell.baseH},${bold ? 1 : 0}`;
  let cache = glyphCache.get(font);
  if (cache === undefined) {
    cache = new Map();
    glyphCache.set(font, cache);
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const mask = new Uint8Array(cell.w * cell.h);
  const glyph = font.glyph(cell.codePoint) ?? font.glyph(REPLACEMENT);
  if (glyph === null) outline(mask, cell.w, cell.h);
  else scaleGlyph(glyph, mask, cell, mulW);
  if (bold) embolden(mask, cell.w, cell.h);
  if (cache.size >= GLYPH_CACHE_LIMIT) cache.clear();
  cache.set(key, mask);
  return mask;
}

// The glyph is scaled to the base cell first and each of those dots then repeated mulW × mulH
// times, as a printer enlarges its ROM font.
function scaleGlyph(glyph: Glyph, mask: Uint8Array, cell: Cell, mulW: number): void {
  const mulH = cell.h / cell.baseH;
  // Natural width at the cell's height, squeezed into the cell when wider, then centred.
  const natural = Math.min(cell.baseW, Math.max(1, Math.round((glyph.width * cell.baseH) / glyph.height)));
  const offset = Math.floor((cell.baseW - natural) / 2) * mulW;
  const gw = natural * mulW;
  const srcX = new Int32Array(gw);
  for (let x = 0; x < gw; x += 1) srcX[x] = Math.floor((Math.floor(x / mulW) * glyph.width) / natural);
  for (let y = 0; y < cell.h; y += 1) {
    const src = Math.floor((Math.floor(y / mulH) * glyph.height) / cell.baseH) * glyph.width;
    const dst = y * cell.w + offset;
    for (let x = 0; x < gw; x += 1) mask[dst + x] = glyph.pixels[src + (srcX[x] ?? 0)] ?? 0;
  }
}

function embolden(mask: Uint8Array, w: number, h: number): void {
  for (let y = 0; y < h; y += 1) {
    const row = y * w;
    for (let x = w - 1; x > 0; x -= 1) if (mask[row + x - 1] === 1) mask[row + x] = 1;
  }
}

// A box for a character neither it nor U+FFFD has a glyph for (only with a partial font).
function outline(mask: Uint8Array, w: number, h: number): void {
  for (let y = 1; y < h - 1; y += 1) {
    for (let x = 1; x < w - 1; x += 1) if (y === 1 || y === h - 2 || x === 1 || x === w - 2) mask[y * w + x] = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Grey marks and notes

function labelPiece(ctx: Ctx, text: string, align: Align = 'left'): Piece {
  return {
    height: LABEL_HEIGHT + 2 * LABEL_GAP,
    draw(canvas, top) {
      drawLabel(ctx, canvas, text, align, top + LABEL_GAP);
    },
  };
}

/** Unscaled 8×16 Unifont text in grey, for marks that are not printed. */
function drawLabel(ctx: Ctx, canvas: Canvas, text: string, align: Align, y: number): void {
  const glyphs = [...text].map((ch) => ctx.font.glyph(ch.codePointAt(0) ?? REPLACEMENT) ?? ctx.font.glyph(REPLACEMENT));
  const width = glyphs.reduce((sum, g) => sum + (g?.width ?? 8), 0);
  let x = placeX(ctx, width, align);
  for (const g of glyphs) {
    if (g !== null) canvas.mask(x, y, g.width, g.height, g.pixels, MARK_GREY);
    x += g?.width ?? 8;
  }
}

function pulsePiece(ctx: Ctx, pulse: PrintedPulse): Piece {
  return labelPiece(ctx, `[drawer pin ${pulse.pin}${pulse.realtime ? ', real-time' : ''}]`, 'right');
}

function cutPiece(kind: 'full' | 'partial'): Piece {
  const [dash, gap] = kind === 'full' ? [12, 6] : [4, 6];
  return {
    height: 2 * LABEL_GAP + 2,
    draw(canvas, top) {
      for (let x = 0; x < canvas.width; x += dash + gap) canvas.fill(x, top + LABEL_GAP, dash, 2, MARK_GREY);
    },
  };
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // bwip-js prefixes its messages with an internal location ("bwipp.ean13badLength#…: ").
  return message.replace(/^bwipp?\.[\w#]+:\s*/, '').slice(0, 80);
}

// ---------------------------------------------------------------------------------------------
// Symbols and images

function qrPiece(ctx: Ctx, qr: DecodedQr): Piece {
  let matrix: { size: number; get(row: number, col: number): number };
  try {
    matrix = QRCode.create([{ data: qr.data, mode: 'byte' }], { errorCorrectionLevel: qr.ec }).modules;
  } catch (error) {
    return labelPiece(ctx, `[QR not printed: ${errorText(error)}]`, qr.align);
  }
  const cell = Math.max(1, qr.size);
  const dots = matrix.size * cell;
  if (dots > ctx.layout.textWidth) return labelPiece(ctx, `[QR ${dots} dots wide, not printed: wider than ${ctx.layout.textWidth}]`, qr.align);
  return {
    height: dots,
    draw(canvas, top) {
      const x0 = placeX(ctx, dots, qr.align);
      for (let row = 0; row < matrix.size; row += 1) {
        for (let col = 0; col < matrix.size; col += 1) if (matrix.get(row, col) === 1) canvas.fill(x0 + col * cell, top + row * cell, cell, cell, INK);
      }
    },
  };
}

// bwip-js symbology per ESC/POS barcode type; GS1 data is given as ESC/POS takes it.
const BWIP_ID: Readonly<Record<BarcodeType, string>> = {
  upca: 'upca',
  upce: 'upce',
  ean13: 'ean13',
  ean8: 'ean8',
  code39: 'code39',
  itf: 'interleaved2of5',
  codabar: 'rationalizedCodabar',
  code93: 'code93',
  code128: 'code128',
  'code128-auto': 'code128',
  'gs1-128': 'gs1-128',
  'gs1-databar-omni': 'databaromni',
  'gs1-databar-truncated': 'databartruncated',
  'gs1-databar-limited': 'databarlimited',
  'gs1-databar-expanded': 'databarexpanded',
  pdf417: 'pdf417',
};

type SymbolShape = { readonly kind: 'bars'; readonly sbs: readonly number[] } | { readonly kind: 'matrix'; readonly pixs: readonly number[]; readonly cols: number; readonly rowModules: number };

function bwipText(barcode: DecodedBarcode): { bcid: string; text: string; parsefnc?: boolean } {
  const bcid = BWIP_ID[barcode.type];
  switch (barcode.type) {
    case 'gs1-128':
      // ESC/POS carries GS1-128 as Code 128 with FNC1 (decoded to GS); bwip-js wants "(AI)…"
      // for gs1-128, so data without brackets goes through plain Code 128 with FNC1 marks.
      if (barcode.data.startsWith('(')) return { bcid, text: barcode.data };
      return { bcid: 'code128', text: `^FNC1${barcode.data.replace(/\^/g, '^094').replaceAll('\x1d', '^FNC1')}`, parsefnc: true };
    case 'gs1-databar-omni':
    case 'gs1-databar-truncated':
    case 'gs1-databar-limited':
      // ESC/POS sends the 13 digits of the GTIN without AI; bwip-js wants "(01)".
      return { bcid, text: barcode.data.startsWith('(') ? barcode.data : `(01)${barcode.data}` };
    default:
      return { bcid, text: barcode.data };
  }
}

function symbolOf(barcode: DecodedBarcode): SymbolShape {
  const { bcid, text, parsefnc } = bwipText(barcode);
  const [raw] = bwipjs.raw({ bcid, text, ...(parsefnc === true ? { parsefnc: true } : {}) });
  if (raw === undefined) throw new Error('no symbol');
  if ('sbs' in raw) return { kind: 'bars', sbs: raw.sbs };
  const rows = Math.max(1, Math.round(raw.pixs.length / raw.pixx));
  return { kind: 'matrix', pixs: raw.pixs, cols: raw.pixx, rowModules: Math.max(1, Math.round(raw.pixy / rows)) };
}

function barcodePiece(ctx: Ctx, barcode: DecodedBarcode): Piece {
  let symbol: SymbolShape;
  try {
    symbol = symbolOf(barcode);
  } catch (error) {
    return labelPiece(ctx, `[${barcode.type} not printed: ${errorText(error)}]`, barcode.align);
  }
  const module = Math.max(1, barcode.moduleWidth);
  const modules = symbol.kind === 'bars' ? symbol.sbs.reduce((sum, w) => sum + w, 0) : symbol.cols;
  const width = Math.round(modules * module);
  if (width > ctx.layout.textWidth) return labelPiece(ctx, `[${barcode.type} ${width} dots wide, not printed: wider than ${ctx.layout.textWidth}]`, barcode.align);
  const rows = symbol.kind === 'matrix' ? Math.ceil(symbol.pixs.length / symbol.cols) : 0;
  const barHeight = symbol.kind === 'bars' ? Math.max(1, barcode.height) : rows * symbol.rowModules * module;
  const hriAbove = symbol.kind === 'bars' && (barcode.hri === 'above' || barcode.hri === 'both');
  const hriBelow = symbol.kind === 'bars' && (barcode.hri === 'below' || barcode.hri === 'both');
  const hri = cellsOf(ctx, [{ text: printable(barcode.data), style: DEFAULT_STYLE, wide: false }]);
  const hriLine = ctx.layout.lineDots;
  return {
    height: barHeight + (hriAbove ? hriLine : 0) + (hriBelow ? hriLine : 0),
    draw(canvas, top) {
      const x0 = placeX(ctx, width, barcode.align);
      const barsTop = top + (hriAbove ? hriLine : 0);
      if (hriAbove) drawHri(ctx, canvas, hri, x0, width, top);
      if (symbol.kind === 'bars') {
        let x = x0;
        symbol.sbs.forEach((w, i) => {
          const dots = Math.round(w * module);
          if (i % 2 === 0) canvas.fill(x, barsTop, dots, barHeight, INK);
          x += dots;
        });
      } else {
        const rowDots = symbol.rowModules * module;
        for (let r = 0; r < rows; r += 1) {
          for (let c = 0; c < symbol.cols; c += 1) if (symbol.pixs[r * symbol.cols + c] === 1) canvas.fill(x0 + c * module, barsTop + r * rowDots, module, rowDots, INK);
        }
      }
      if (hriBelow) drawHri(ctx, canvas, hri, x0, width, barsTop + barHeight);
    },
  };
}

// HRI shows the data without the control characters (GS separators) that have no glyph.
function printable(text: string): string {
  return [...text].filter((ch) => (ch.codePointAt(0) ?? 0) >= 0x20 && ch !== '\x7f').join('');
}

/** HRI characters centred under (or over) the bars. */
function drawHri(ctx: Ctx, canvas: Canvas, cells: readonly Cell[], barsX: number, barsWidth: number, top: number): void {
  const width = cells.reduce((sum, c) => sum + c.w, 0);
  let x = barsX + Math.floor((barsWidth - width) / 2);
  for (const cell of cells) {
    drawCell(ctx, canvas, cell, x, top + Math.max(0, Math.floor((ctx.layout.lineDots - cell.h) / 2)));
    x += cell.w;
  }
}

function imagePiece(ctx: Ctx, image: DecodedImage): Piece {
  const rowBytes = Math.ceil(image.width / 8);
  if (!image.complete || image.bitmap.length < rowBytes * image.height) return labelPiece(ctx, `[image ${image.width}x${image.height}: bits not kept by the simulator]`, image.align);
  const sx = Math.max(1, image.scaleX);
  const sy = Math.max(1, image.scaleY);
  const width = image.width * sx;
  return {
    height: image.height * sy,
    draw(canvas, top) {
      const x0 = placeX(ctx, width, image.align);
      for (let y = 0; y < image.height; y += 1) {
        for (let x = 0; x < image.width; x += 1) {
          if ((((image.bitmap[y * rowBytes + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1) === 1) canvas.fill(x0 + x * sx, top + y * sy, sx, sy, INK);
        }
      }
    },
  };
}
