// The domain's receipt model as one printer job: ESC/POS for most printers, StarPRNT for Star.
// receipt-printer-encoder does the printer commands (init, code page, bold, barcode, QR, logo,
// cut, Star's whole dialect); Kassa adds what it lacks: Chinese text as GBK between FS & and
// FS . (gbk-text.ts, spliced in with the encoder's raw()), the drawer pulse from
// drivers/drawer/drawer-kick.ts, and GS r 1 at the end of every ESC/POS job so the driver can
// confirm it printed (escpos-status.ts). Pure: model in, Uint8Array out.
//
// Layout: the text is renderReceiptText(model, profile.columns) line for line (see
// receiptLines), so what prints is what the terminal and the virtual printer show. The printer
// is never asked to align or wrap text; only blocks (logo, barcode, QR) use its centring.
// Characters change BEFORE layout where that changes their width (NFC; ¥ → ￥ on GBK printers,
// gbk-text.ts), and AFTER layout only where the width stays: zero-width characters and
// controls are dropped, and a wide character the printer cannot show becomes ？ (GBK) or ??
// (single-byte), one '?' per column, so right-aligned amounts keep their column.
//
// Job order: init, drawer pulse (so the drawer opens as printing starts and a paper-out in the
// middle of the receipt cannot keep it shut), logo, reprint banner, text, barcode, QR, cut
// (or a tear-off feed), GS r 1.
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { charWidth, renderReceiptText, textWidth, wrapText } from '../../src/domain/receipt.ts';
import type { ReceiptModel } from '../../src/domain/receipt.ts';
import { drawerKick } from '../drawer/drawer-kick.ts';
import type { DrawerPulse } from '../drawer/drawer-kick.ts';
import { gsR } from './escpos-status.ts';
import { segmentGbkText, toGbkPrintable } from './gbk-text.ts';
import { validatePrinterProfile } from './printer-profiles.ts';
import type { PrinterProfile } from './printer-profiles.ts';
import { STARPRNT_DIALECT } from './starprnt.ts';

/** A monochrome logo: one byte per pixel, row by row, non-zero = black. */
export interface ReceiptLogo {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

export interface ReceiptJobOptions {
  /** E-receipt link or payment QR: printable ASCII, QR model 2, error correction M, cell size 6 (less if it would not fit). */
  readonly qr?: string;
  /** CODE128 under the text, normally the receipt number; printable ASCII without '{'. */
  readonly barcode?: string;
  readonly logo?: ReceiptLogo | null;
  /** Cut after the job (ignored on a profile without cutter, which feeds to the tear bar instead). */
  readonly cut: boolean;
  /**
   * Open the drawer at the start of the job. ESC/POS: the bytes from drawer-kick.ts (spliced in
   * as they are) or a DrawerPulse to encode with drawerKick(); StarPRNT: a DrawerPulse only.
   */
  readonly drawerPulse?: Uint8Array | DrawerPulse;
  /** Prints a "REPRINT 重印" banner above the receipt (just "REPRINT" without a GB font). */
  readonly reprint?: boolean;
  /**
   * The driver's job id. Not sent to the printer: ESC/POS has no portable way to carry one (jobs
   * are matched to GS r replies by order); accepted so callers can pass their job through.
   */
  readonly jobId?: string;
}

export interface EncodedReceipt {
  readonly bytes: Uint8Array;
  /** The text lines exactly as printed (banner and substitutions included), top to bottom. */
  readonly lines: readonly string[];
  /** Characters printed as '?' or '？' because the printer has no glyph for them. */
  readonly replaced: number;
}

/** The language-specific steps of a job; starprnt.ts has the StarPRNT one. */
export interface PrinterDialect {
  cut(encoder: ReceiptPrinterEncoder): void;
  drawer(encoder: ReceiptPrinterEncoder, pulse: DrawerPulse | Uint8Array): void;
  end(encoder: ReceiptPrinterEncoder): void;
}

const GS_R_PAPER = gsR(1);

export const ESCPOS_DIALECT: PrinterDialect = {
  cut(encoder) {
    // `1D 56 00` after the database's feedBeforeCut line feeds (4 on these models); the
    // encoder then ends the line, so `0A` follows the cut.
    encoder.cut('full');
  },
  drawer(encoder, pulse) {
    encoder.raw(pulse instanceof Uint8Array ? pulse : drawerKick(pulse));
  },
  end(encoder) {
    encoder.raw(GS_R_PAPER);
  },
};

/** Line feeds after the last line on a printer without cutter, to bring it past the tear bar. */
const TEAR_OFF_FEED_LINES = 4;
/** QR cell size in dots (hardware.md: ~6). */
const QR_CELL = 6;
const BARCODE_HEIGHT_DOTS = 60;
/** Font A is 12 dots wide on every profile; columns × 12 is the printable width in dots. */
const DOTS_PER_COLUMN = 12;
// Byte-mode capacity of QR versions 1–40 at error correction M (ISO/IEC 18004 table 7).
const QR_BYTES_M = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264,
  1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];

const validated = new WeakSet<PrinterProfile>();

function checkedProfile(profile: PrinterProfile): PrinterProfile {
  if (!validated.has(profile)) {
    validatePrinterProfile(profile);
    validated.add(profile);
  }
  return profile;
}

function dialectOf(profile: PrinterProfile): PrinterDialect {
  return profile.language === 'star-prnt' ? STARPRNT_DIALECT : ESCPOS_DIALECT;
}

function newEncoder(profile: PrinterProfile, endsWithCut: boolean): ReceiptPrinterEncoder {
  const encoder = new ReceiptPrinterEncoder({
    printerModel: profile.encoderModel,
    columns: profile.columns,
    // LF only: the default LF CR prints an extra blank line on printers set to treat CR as LF.
    newline: '\n',
    imageMode: 'raster',
    // Throw on a QR or barcode the model cannot print, instead of console.warn and no code.
    errors: 'strict',
    // StarPRNT prints a page when it is cut; only a job without cut needs the encoder's
    // page-mode flush (`1B 1D 50 30 1B 1D 50 31`) at the end. ESC/POS ignores this option.
    autoFlush: profile.language === 'star-prnt' && !endsWithCut,
  });
  encoder.initialize();
  // After initialize(), which resets the encoder's code page.
  encoder.codepage(profile.codepage as Parameters<ReceiptPrinterEncoder['codepage']>[0]);
  return encoder;
}

// ---------------------------------------------------------------------------------------------
// Text

// Every string in the model, whatever its field: a field added to the model later is covered too.
function mapStrings<T>(value: T, f: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function beforeLayout(profile: PrinterProfile): (s: string) => string {
  return profile.cjk === 'gbk-fs' ? toGbkPrintable : (s) => s.normalize('NFC');
}

function centred(text: string, columns: number): string[] {
  return wrapText(text, columns).map((piece) => ' '.repeat(Math.floor((columns - textWidth(piece)) / 2)) + piece);
}

function reprintBanner(profile: PrinterProfile): string {
  return profile.cjk === 'gbk-fs' ? '*** REPRINT 重印 ***' : '*** REPRINT ***';
}

/** Single-byte printers: drops zero-width characters, turns each wide one into '??' (same columns). */
function singleBytePrintable(line: string): { text: string; replaced: number } {
  let text = '';
  let replaced = 0;
  for (const ch of line) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (w === 2) {
      text += '??';
      replaced += 1;
    } else if (w === 1) text += ch;
  }
  return { text, replaced };
}

interface LaidOut {
  /** Lines before the per-line substitutions. */
  readonly lines: string[];
  /** Indices of lines printed bold: the reprint banner, the first header line, the amount due. */
  readonly bold: ReadonlySet<number>;
}

function layOut(model: ReceiptModel, profile: PrinterProfile, reprint: boolean): LaidOut {
  const printable = mapStrings(model, beforeLayout(profile));
  const columns = profile.columns;
  const lines: string[] = [];
  const bold = new Set<number>();
  if (reprint) {
    for (const l of centred(beforeLayout(profile)(reprintBanner(profile)), columns)) {
      bold.add(lines.length);
      lines.push(l);
    }
  }
  const body = renderReceiptText(printable, columns);
  const first = printable.header[0];
  const headerLines = first === undefined ? 0 : wrapText(first, columns).length;
  for (let i = 0; i < headerLines; i++) bold.add(lines.length + i);
  const due = printable.totals.at(-1);
  if (due) {
    for (let i = body.length - 1; i >= 0; i--) {
      const l = body[i] ?? '';
      if (l.startsWith(due.label) && l.endsWith(due.value)) {
        bold.add(lines.length + i);
        break;
      }
    }
  }
  lines.push(...body);
  return { lines, bold };
}

/** A piece of a line: bytes we send raw, or narrow non-ASCII text for the encoder's code page. */
type Piece = { readonly raw: true; readonly ascii: boolean; readonly bytes: Uint8Array } | { readonly raw: false; readonly text: string };

/** The pieces of a line and its text as printed. */
function piecesOf(profile: PrinterProfile, line: string): { pieces: Piece[]; text: string; replaced: number } {
  if (profile.cjk === 'gbk-fs') {
    const pieces: Piece[] = [];
    let text = '';
    let replaced = 0;
    for (const seg of segmentGbkText(line)) {
      text += seg.text;
      if (seg.kind === 'narrow') pieces.push({ raw: false, text: seg.text });
      else {
        pieces.push({ raw: true, ascii: seg.kind === 'ascii', bytes: seg.bytes });
        if (seg.kind === 'gbk') replaced += seg.replaced;
      }
    }
    return { pieces, text, replaced };
  }
  const printed = singleBytePrintable(line);
  const pieces: Piece[] = [];
  for (const run of printed.text.match(/[\x20-\x7e]+|[^\x20-\x7e]+/gu) ?? []) {
    const ascii = run.charCodeAt(0) <= 0x7e;
    pieces.push(ascii ? { raw: true, ascii, bytes: Uint8Array.from(run, (c) => c.charCodeAt(0)) } : { raw: false, text: run });
  }
  return { pieces, text: printed.text, replaced: printed.replaced };
}

/**
 * Writes one laid-out line; returns the text as printed and how many characters were replaced.
 * ASCII goes out raw: the encoder's text() costs ~25 µs per 48-column line (measured), which
 * alone would be 0.75 ms of a 30-line receipt; raw() costs a fifth of that.
 * Narrow non-ASCII goes through text() for the code page, which sends `ESC t n` again after any
 * raw bytes; so ASCII between two such runs ("é ü") goes through text() too, and the page is
 * selected once for the whole stretch.
 */
function writeLine(encoder: ReceiptPrinterEncoder, profile: PrinterProfile, line: string, bold: boolean): { text: string; replaced: number } {
  const { pieces, text, replaced } = piecesOf(profile, line);
  if (bold) encoder.bold(true);
  pieces.forEach((piece, k) => {
    if (!piece.raw) encoder.text(piece.text);
    else if (piece.ascii && pieces[k - 1]?.raw === false && pieces[k + 1]?.raw === false) encoder.text(String.fromCharCode(...piece.bytes));
    else encoder.raw(piece.bytes);
  });
  if (bold) encoder.bold(false);
  encoder.newline();
  return { text, replaced };
}

function writeLines(encoder: ReceiptPrinterEncoder, profile: PrinterProfile, laidOut: LaidOut): { lines: string[]; replaced: number } {
  const lines: string[] = [];
  let replaced = 0;
  laidOut.lines.forEach((line, i) => {
    const printed = writeLine(encoder, profile, line, laidOut.bold.has(i));
    lines.push(printed.text);
    replaced += printed.replaced;
  });
  return { lines, replaced };
}

/**
 * The text lines a receipt prints for this profile: renderReceiptText() of the model after the
 * before-layout substitutions, the reprint banner on top, the per-line substitutions applied.
 */
export function receiptLines(model: ReceiptModel, profile: PrinterProfile, options: { readonly reprint?: boolean } = {}): string[] {
  const laidOut = layOut(model, checkedProfile(profile), options.reprint === true);
  return laidOut.lines.map((l) => piecesOf(profile, l).text);
}

// ---------------------------------------------------------------------------------------------
// Blocks

function printableAscii(what: string, value: string, extraForbidden = ''): void {
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp > 0x7e || extraForbidden.includes(ch)) {
      throw new RangeError(`${what} must be printable ASCII${extraForbidden ? ` without ${extraForbidden}` : ''}; got ${JSON.stringify(value)}`);
    }
  }
}

/** QR cell size that keeps the symbol (byte mode, EC M) inside the paper, at most QR_CELL. */
export function qrCellSize(payloadBytes: number, columns: number): number {
  const version = QR_BYTES_M.findIndex((capacity) => capacity >= payloadBytes) + 1;
  if (version === 0) throw new RangeError(`QR payload of ${payloadBytes} bytes exceeds the 2331 a QR code holds at error correction M`);
  const modules = 17 + 4 * version;
  const cell = Math.min(QR_CELL, Math.floor((columns * DOTS_PER_COLUMN) / modules));
  if (cell < 1) throw new RangeError(`QR payload of ${payloadBytes} bytes needs ${modules} modules, wider than ${columns * DOTS_PER_COLUMN} dots of paper`);
  return cell;
}

function writeQr(encoder: ReceiptPrinterEncoder, profile: PrinterProfile, payload: string): void {
  if (payload === '') throw new RangeError('QR payload is empty');
  printableAscii('QR payload', payload);
  encoder.align('center');
  encoder.qrcode(payload, { model: 2, size: qrCellSize(payload.length, profile.columns), errorlevel: 'm' });
  encoder.align('left');
}

/** CODE128 (code set B) module width option 1–2 of the encoder (2–3 dots) that fits the paper. */
function barcodeWidth(value: string, columns: number): 1 | 2 {
  // Start, data, check digit at 11 modules each, stop at 13, a 10-module quiet zone each side.
  const modules = 11 * (value.length + 2) + 13 + 20;
  const dots = columns * DOTS_PER_COLUMN;
  if (modules * 3 <= dots) return 2;
  if (modules * 2 <= dots) return 1;
  throw new RangeError(`barcode "${value}" is too long for ${columns} columns (${modules} modules)`);
}

function writeBarcode(encoder: ReceiptPrinterEncoder, profile: PrinterProfile, value: string): void {
  if (value === '') throw new RangeError('barcode value is empty');
  // '{' starts a code set switch inside ESC/POS CODE128 data.
  printableAscii('barcode value', value, '{');
  encoder.align('center');
  encoder.barcode(value, 'code128', { height: BARCODE_HEIGHT_DOTS, width: barcodeWidth(value, profile.columns), text: 'below' });
  encoder.align('left');
}

function writeLogo(encoder: ReceiptPrinterEncoder, logo: ReceiptLogo): void {
  const { width, height, pixels } = logo;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`logo size must be positive whole pixels; got ${String(width)}×${String(height)}`);
  }
  if (pixels.length !== width * height) throw new RangeError(`logo has ${pixels.length} pixels; ${width}×${height} needs ${width * height}`);
  // The encoder takes RGBA; black stays black through its flatten-and-threshold, so the dots
  // are exactly the pixels (a logo wider than the paper is scaled down by the encoder).
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] === 0 ? 255 : 0;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  encoder.align('center');
  encoder.image({ width, height, data });
  encoder.align('left');
}

// ---------------------------------------------------------------------------------------------
// Jobs

function finish(encoder: ReceiptPrinterEncoder, profile: PrinterProfile, cut: boolean): Uint8Array {
  const dialect = dialectOf(profile);
  if (cut && profile.cutter) dialect.cut(encoder);
  else encoder.newline(TEAR_OFF_FEED_LINES);
  dialect.end(encoder);
  return encoder.encode();
}

/** The receipt as one printer job, with the printed text lines and the replacement count. */
export function encodeReceiptJob(model: ReceiptModel, profile: PrinterProfile, opts: ReceiptJobOptions): EncodedReceipt {
  checkedProfile(profile);
  const encoder = newEncoder(profile, opts.cut && profile.cutter);
  if (opts.drawerPulse !== undefined) {
    if (!profile.drawer) throw new RangeError(`printer profile "${profile.id}" has no drawer port; no drawer pulse can be sent`);
    dialectOf(profile).drawer(encoder, opts.drawerPulse);
  }
  if (opts.logo) writeLogo(encoder, opts.logo);
  const printed = writeLines(encoder, profile, layOut(model, profile, opts.reprint === true));
  if (opts.barcode !== undefined || opts.qr !== undefined) encoder.newline();
  if (opts.barcode !== undefined) writeBarcode(encoder, profile, opts.barcode);
  if (opts.qr !== undefined) writeQr(encoder, profile, opts.qr);
  return { bytes: finish(encoder, profile, opts.cut), lines: printed.lines, replaced: printed.replaced };
}

/** The receipt as one printer job (ESC/POS or StarPRNT, by profile.language). */
export function encodeReceipt(model: ReceiptModel, profile: PrinterProfile, opts: ReceiptJobOptions): Uint8Array {
  return encodeReceiptJob(model, profile, opts).bytes;
}

/** `kassa devices test-print`: profile, column ruler, character sets, bold, barcode, QR, cut. */
export function encodeTestPage(profile: PrinterProfile): Uint8Array {
  checkedProfile(profile);
  const columns = profile.columns;
  const encoder = newEncoder(profile, profile.cutter);
  const ascii = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
  const prepare = beforeLayout(profile);
  const text = [
    ...centred('Kassa test page', columns),
    ...centred(prepare(profile.name), columns),
    '-'.repeat(columns),
    `profile ${profile.id}`,
    `${profile.language}, ${profile.paperMm} mm, ${columns} columns`,
    `code page ${profile.codepage}, CJK ${profile.cjk}`,
    '1234567890'.repeat(Math.ceil(columns / 10)).slice(0, columns),
    ...wrapText(ascii, columns),
    ...wrapText(prepare('Latin: é ü ñ × £ €'), columns),
    ...(profile.cjk === 'gbk-fs' ? wrapText(prepare('中文: 收银小票打印测试 合计 ¥12.34'), columns) : []),
    '-'.repeat(columns),
  ];
  const bold = new Set([0]);
  writeLines(encoder, profile, { lines: text, bold });
  encoder.newline();
  writeBarcode(encoder, profile, 'KASSA-TEST');
  writeQr(encoder, profile, `KASSA TEST ${profile.id}`);
  return finish(encoder, profile, true);
}
