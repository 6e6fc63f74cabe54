// ESC/POS decoder for the virtual printer: turns the bytes a receipt printer receives into what
// it would print (styled text lines, cuts, QR payloads, barcodes, images, drawer pulses) and the
// status requests it would answer.
// Hand-written: npm has no maintained ESC/POS decoder (hardware.md §2: cobyhausrath's
// esc-pos-preview-tools is not on npm, YogurtLsn/escpos-parser's npm name is a 404,
// receipt-print-hq/escpos-tools is PHP from 2019, EscPosEmulator is Windows only), and
// receipt-printer-encoder and receiptline only encode. It covers the subset that Kassa and
// receipt-printer-encoder 4 emit, plus the lengths of common commands outside it so that they
// are skipped exactly. Pure: no node:*, no timers; text goes through iconv-lite.
//
// Streaming: push() takes any chunking and carries partial commands, a pending GBK lead byte and
// the open line over to the next call; the items depend only on the concatenated bytes. flush()
// ends the stream: what is still open comes out (an open line as text, a partial command as
// unknown). push() and flush() never throw.
//
// Speed: the virtual printer runs every byte a driver sends through push() (the print-link bench
// pushes megabytes a second), so its common cases take shortcuts that allocate nothing per byte:
// printable text is copied as UTF-16 units into a reused line buffer and becomes one string when
// the line prints; a fixed-length command that lies whole in the chunk runs at once; the
// real-time scan is a state number. Each shortcut does what the byte-by-byte path does (the tests
// decode the same streams whole and one byte at a time, where no command lies whole in a chunk).
//
// Behaviour taken from Epson's ESC/POS reference and kept on purpose, since the simulator must
// print what a real printer prints:
//  - Real-time commands (DLE EOT n, DLE DC4 1 m t) are recognised in the raw byte stream, even
//    inside image or barcode data, exactly like escpos-status.ts' realtimeQueriesIn(); they come
//    out as `status-query` / `pulse` items at the byte that completes them.
//  - Text prints at LF (or ESC d, or before a barcode, QR, raster image or cut, which start on
//    a new line). CR is ignored, so receipt-printer-encoder's LF CR newline is one line.
//  - ESC a only takes effect at the beginning of a line; mid-line it is ignored.
//  - ESC @ discards the unprinted line and resets modes, code table, Chinese mode, QR and
//    barcode settings; the receive buffer and ASB are not its business.
//  - ESC = n with bit 0 clear deselects the printer: everything but ESC = (and the real-time
//    commands) is ignored until it is selected again (a pole display daisy-chained behind it).
//
// Unknown commands never throw. An `unknown` item holds:
//  - a command this module knows the length of but does not interpret (ESC R n, GS L nL nH,
//    GS ( X pL pH …, FS p n m, …): exactly its bytes;
//  - a prefix (ESC, GS, FS, DLE) followed by a function byte it does not know: the prefix, the
//    function byte, and the parameter-like bytes after them, i.e. control bytes 00–1F other than
//    HT, LF, CR and the four prefixes (at most 64 bytes). Decoding resumes at the next printable
//    byte (20–FF) or known control byte. A printable parameter byte is therefore printed as text:
//    the length of an unknown command cannot be known, and this resyncs soonest;
//  - a prefix followed by another prefix: the first prefix alone;
//  - stray control bytes at the top level: the same parameter-like run.
import iconv from 'iconv-lite';
import { gsRFunction } from '../printer/escpos-status.ts';
import type { DleEotN, GsRN } from '../printer/escpos-status.ts';

const NUL = 0x00;
const HT = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const DLE = 0x10;
const EOT = 0x04;
const DC4 = 0x14;
const ESC = 0x1b;
const FS = 0x1c;
const GS = 0x1d;

// ---------------------------------------------------------------------------------------------
// Items

export type Align = 'left' | 'center' | 'right';
export type FontName = 'A' | 'B' | 'C' | 'D' | 'E';

export interface TextStyle {
  readonly bold: boolean;
  readonly underline: boolean;
  /** ESC 4, which receipt-printer-encoder's italic() sends; many printers ignore it. */
  readonly italic: boolean;
  readonly reverse: boolean;
  /** Character width multiplier, 1–8. */
  readonly width: number;
  /** Character height multiplier, 1–8. */
  readonly height: number;
  readonly align: Align;
  readonly font: FontName;
}

export const DEFAULT_STYLE: TextStyle = Object.freeze({
  bold: false,
  underline: false,
  italic: false,
  reverse: false,
  width: 1,
  height: 1,
  align: 'left',
  font: 'A',
});

/** A stretch of one line in one style. `wide` marks double-byte (GBK) characters, two cells each. */
export interface TextRun {
  readonly text: string;
  readonly style: TextStyle;
  readonly wide: boolean;
}

export type BarcodeType =
  | 'upca'
  | 'upce'
  | 'ean13'
  | 'ean8'
  | 'code39'
  | 'itf'
  | 'codabar'
  | 'code93'
  | 'code128'
  | 'gs1-128'
  | 'gs1-databar-omni'
  | 'gs1-databar-truncated'
  | 'gs1-databar-limited'
  | 'gs1-databar-expanded'
  | 'code128-auto'
  | 'pdf417';

export type HriPosition = 'none' | 'above' | 'below' | 'both';
export type QrErrorLevel = 'L' | 'M' | 'Q' | 'H';
export type QrModel = 1 | 2 | 'micro';

/**
 * One printed line. `style` is the style of its first non-space character (so a title centred
 * with spaces reads as bold), else of its first character, else the style current at LF.
 */
export interface DecodedText {
  readonly kind: 'text';
  readonly text: string;
  readonly style: TextStyle;
  readonly runs: readonly TextRun[];
}

export interface DecodedCut {
  readonly kind: 'cut';
  readonly mode: 'full' | 'partial';
  /** Paper fed before the cut (GS V 65/66/97/98 n), in motion units (dots on most printers). */
  readonly feedDots: number;
}

export interface DecodedQr {
  readonly kind: 'qr';
  /** The stored data as text: UTF-8 when it is valid UTF-8, else ISO-8859-1 (byte for byte). */
  readonly payload: string;
  readonly data: Uint8Array;
  readonly model: QrModel;
  /** Module size in dots, 1–16. */
  readonly size: number;
  readonly ec: QrErrorLevel;
  readonly align: Align;
}

export interface DecodedBarcode {
  readonly kind: 'barcode';
  readonly type: BarcodeType;
  /** Code 128's code-set prefixes ({A {B {C) and function codes are decoded away. */
  readonly data: string;
  readonly height: number;
  readonly moduleWidth: number;
  readonly hri: HriPosition;
  readonly align: Align;
}

/** A bit image: rows of ceil(width/8) bytes, most significant bit leftmost, 1 = black. */
export interface DecodedImage {
  readonly kind: 'image';
  /** 'raster' = GS v 0; 'column' = one ESC * band (8 or 24 dots tall). */
  readonly mode: 'raster' | 'column';
  readonly width: number;
  readonly height: number;
  readonly bitmap: Uint8Array;
  /** How many printer dots one image dot covers (GS v 0 m, ESC * density). */
  readonly scaleX: number;
  readonly scaleY: number;
  /** False when the image was larger than `maxDataBytes`: it was consumed, the bitmap is empty. */
  readonly complete: boolean;
  readonly align: Align;
}

export interface DecodedPulse {
  readonly kind: 'pulse';
  readonly pin: 2 | 5;
  readonly onMs: number;
  readonly offMs: number;
  /** DLE DC4 1 m t: executed on arrival, not in buffer order. */
  readonly realtime: boolean;
}

export type DecodedStatusQuery =
  /** DLE EOT n: real-time, answered on arrival. */
  | { readonly kind: 'status-query'; readonly command: 'dle-eot'; readonly n: DleEotN }
  /** GS r n: answered in buffer order. */
  | { readonly kind: 'status-query'; readonly command: 'gs-r'; readonly n: GsRN }
  /** GS a n: automatic status back on the changes selected by n (0 disables). */
  | { readonly kind: 'status-query'; readonly command: 'asb'; readonly n: number };

export interface DecodedUnknown {
  readonly kind: 'unknown';
  readonly bytes: Uint8Array;
}

export type DecodedItem = DecodedText | DecodedCut | DecodedQr | DecodedBarcode | DecodedImage | DecodedPulse | DecodedStatusQuery | DecodedUnknown;

// ---------------------------------------------------------------------------------------------
// Code pages

/**
 * ESC t n → code page on Epson printers: receipt-printer-encoder 4.0.1's `esc-pos/epson` table
 * (it does not export it). Names are that library's; iconv-lite knows most of them.
 */
export const EPSON_CODE_PAGES: Readonly<Record<number, string>> = Object.freeze({
  0: 'cp437', 1: 'epson/katakana', 2: 'cp850', 3: 'cp860', 4: 'cp863', 5: 'cp865',
  11: 'cp851', 12: 'cp853', 13: 'cp857', 14: 'cp737', 15: 'iso8859-7', 16: 'windows1252',
  17: 'cp866', 18: 'cp852', 19: 'cp858', 20: 'thai42', 21: 'thai11', 26: 'thai13',
  30: 'tcvn3', 31: 'tcvn3capitals', 32: 'cp720', 33: 'cp775', 34: 'cp855', 35: 'cp861',
  36: 'cp862', 37: 'cp864', 38: 'cp869', 39: 'epson/iso8859-2', 40: 'iso8859-15', 41: 'cp1098',
  42: 'cp774', 43: 'cp772', 44: 'cp1125', 45: 'windows1250', 46: 'windows1251', 47: 'windows1253',
  48: 'windows1254', 49: 'windows1255', 50: 'windows1256', 51: 'windows1257', 52: 'windows1258',
  53: 'rk1048',
});

// Where iconv-lite's table differs from what printers print (and from receipt-printer-encoder's
// own tables, so text it encodes decodes back): IBM PC pages print ⌂ at 7F, Epson's PC857 has €
// at D5, and printers' PC864 keeps ASCII % at 25.
const OVERRIDES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  cp857: { 0x7f: '\u2302', 0xd5: '€' },
  cp864: { 0x7f: '\u2302', 0x25: '%' },
};

const tables = new Map<string, readonly string[]>();

/**
 * 256 strings for a single-byte page. A page iconv-lite does not know (katakana, Thai, TCVN…)
 * decodes as ASCII with U+FFFD for 80–FF; pass a `codePages` option to map it to a known one.
 */
function byteTable(name: string | undefined): readonly string[] {
  const key = name ?? '';
  const cached = tables.get(key);
  if (cached !== undefined) return cached;
  const known = name !== undefined && iconv.encodingExists(name);
  const table: string[] = [];
  for (let b = 0; b < 256; b += 1) {
    if (known) table.push(iconv.decode(Uint8Array.of(b), name));
    else table.push(b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '\uFFFD');
  }
  if (known && /^cp\d+$/.test(name)) table[0x7f] = '\u2302';
  for (const [byte, ch] of Object.entries((known && OVERRIDES[name]) || {})) table[Number(byte)] = ch;
  tables.set(key, table);
  return table;
}

const unitTables = new Map<readonly string[], Int32Array>();

const isSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdfff;

// The same table as UTF-16 code units, so a run of text can be copied byte by byte into the line
// buffer without a string per character. -1 where an entry is not exactly one unit, or is a
// surrogate (those go through #append(), which notes them for #lineText()).
function unitTable(table: readonly string[]): Int32Array {
  let units = unitTables.get(table);
  if (units === undefined) {
    units = new Int32Array(256);
    for (let b = 0; b < 256; b += 1) {
      const ch = table[b] ?? '';
      units[b] = ch.length === 1 && !isSurrogate(ch.charCodeAt(0)) ? ch.charCodeAt(0) : -1;
    }
    unitTables.set(table, units);
  }
  return units;
}

const gbkCache = new Map<number, string>();

function gbk(lead: number, trail: number): string {
  const key = (lead << 8) | trail;
  let ch = gbkCache.get(key);
  if (ch === undefined) {
    ch = iconv.decode(Uint8Array.of(lead, trail), 'gbk');
    gbkCache.set(key, ch);
  }
  return ch;
}

const isGbkLead = (b: number): boolean => b >= 0x81 && b <= 0xfe;
const isGbkTrail = (b: number): boolean => b >= 0x40 && b <= 0xfe && b !== 0x7f;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function latin1(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 4096) out += String.fromCharCode(...data.subarray(i, i + 4096));
  return out;
}

function payloadText(data: Uint8Array): string {
  try {
    return utf8.decode(data);
  } catch {
    return latin1(data);
  }
}

// ---------------------------------------------------------------------------------------------
// Barcodes

const BARCODE_A: readonly BarcodeType[] = ['upca', 'upce', 'ean13', 'ean8', 'code39', 'itf', 'codabar'];
const BARCODE_B: readonly BarcodeType[] = [
  'upca', 'upce', 'ean13', 'ean8', 'code39', 'itf', 'codabar', 'code93', 'code128', 'gs1-128',
  'gs1-databar-omni', 'gs1-databar-truncated', 'gs1-databar-limited', 'gs1-databar-expanded', 'code128-auto',
];

/**
 * Code 128 data as Epson takes it: `{A` `{B` `{C` pick a code set, `{S` shifts, `{1`–`{4` are
 * FNC1–4, `{{` is a brace; in code set C each byte is two digits. FNC1 after the start is a
 * GS1 separator, which scanners report as GS (1D); at the start it only marks GS1-128.
 */
function code128Text(bytes: Uint8Array): string {
  let out = '';
  let setC = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i] ?? 0;
    const next = bytes[i + 1];
    if (b === 0x7b && next !== undefined) {
      i += 1;
      if (next === 0x41 || next === 0x42) setC = false;
      else if (next === 0x43) setC = true;
      else if (next === 0x31) out += out.length > 0 ? '\x1d' : '';
      else if (next === 0x7b) out += '{';
      else if (next !== 0x53 && next !== 0x32 && next !== 0x33 && next !== 0x34) out += `{${String.fromCharCode(next)}`;
      continue;
    }
    out += setC && b < 100 ? String(b).padStart(2, '0') : String.fromCharCode(b);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command lengths

// Commands outside the subset whose length is fixed: total bytes including the prefix. They come
// out as exact `unknown` items.
const FIXED_UNKNOWN: Readonly<Record<number, ReadonlyMap<number, number>>> = {
  [ESC]: new Map([
    [0x0c, 2], [0x0e, 2], [0x14, 2], [0x3c, 2], [0x4c, 2], [0x53, 2], [0x76, 2],
    [0x20, 3], [0x25, 3], [0x3f, 3], [0x47, 3], [0x4a, 3], [0x4b, 3], [0x52, 3], [0x54, 3],
    [0x55, 3], [0x56, 3], [0x65, 3], [0x72, 3], [0x75, 3], [0x7b, 3],
    [0x24, 4], [0x5c, 4], [0x63, 4], [0x57, 10],
  ]),
  [GS]: new Map([
    [0x3a, 2], [0x2f, 3], [0x49, 3], [0x54, 3], [0x62, 3], [0x66, 3], [0x6a, 3],
    [0x24, 4], [0x4c, 4], [0x57, 4], [0x5c, 4], [0x5e, 5], [0x67, 6],
  ]),
  [FS]: new Map([[0x21, 3], [0x2d, 3], [0x43, 3], [0x57, 3], [0x53, 4], [0x70, 4], [0x32, 76]]),
  [DLE]: new Map([[0x05, 3]]),
};

// Length of the handled commands that have a fixed length.
const FIXED_HANDLED: Readonly<Record<number, ReadonlyMap<number, number>>> = {
  [ESC]: new Map([
    [0x40, 2], [0x32, 2], [0x69, 2], [0x6d, 2],
    [0x21, 3], [0x45, 3], [0x2d, 3], [0x34, 3], [0x61, 3], [0x74, 3], [0x4d, 3], [0x64, 3],
    [0x3d, 3], [0x33, 3], [0x70, 5],
  ]),
  [GS]: new Map([[0x42, 3], [0x21, 3], [0x68, 3], [0x77, 3], [0x48, 3], [0x61, 3], [0x72, 3], [0x50, 4]]),
  [FS]: new Map([[0x26, 2], [0x2e, 2]]),
  [DLE]: new Map([[EOT, 3]]),
};

// FIXED_HANDLED as one flat table, (prefix << 8 | fn) → length (0: not a fixed handled command),
// for push()'s shortcut.
const HANDLED_LENGTH = new Uint8Array(0x2000);
for (const [prefix, lengths] of Object.entries(FIXED_HANDLED)) for (const [fn, length] of lengths) HANDLED_LENGTH[(Number(prefix) << 8) | fn] = length;
const LONGEST_HANDLED = Math.max(...HANDLED_LENGTH);

const MAX_UNKNOWN_RUN = 64;
const MAX_NUL_DATA = 255;

const isPrefix = (b: number): boolean => b === ESC || b === GS || b === FS || b === DLE;
// A byte that may still belong to an unknown command's parameters (see the header).
const isParamLike = (b: number): boolean => b < 0x20 && b !== HT && b !== LF && b !== CR && !isPrefix(b);

// ---------------------------------------------------------------------------------------------
// Real-time commands

// What the real-time scan has seen of a pattern so far. It looks at every byte that is not
// printable text, so it is a state number, not a list of bytes.
const RT_IDLE = 0;
const RT_DLE = 1;
const RT_DLE_EOT = 2;
const RT_DLE_DC4 = 3;
const RT_DLE_DC4_1 = 4;
const RT_PULSE_PIN2 = 5;
const RT_PULSE_PIN5 = 6;

// Finds DLE EOT n (n 1–4) and DLE DC4 1 m t (m 0/1, t 1–8) anywhere in the stream. Every DLE
// starts a fresh attempt, which matches realtimeQueriesIn()'s scan; the pulse pattern holds no
// DLE after its first byte, so the two never overlap.
class RealtimeScanner {
  /** RT_IDLE after any byte that cannot continue a pattern, except a DLE (RT_DLE). */
  state = RT_IDLE;

  step(b: number): DecodedItem | null {
    let next = RT_IDLE;
    let item: DecodedItem | null = null;
    switch (this.state) {
      case RT_IDLE:
        break;
      case RT_DLE:
        next = b === EOT ? RT_DLE_EOT : b === DC4 ? RT_DLE_DC4 : RT_IDLE;
        break;
      case RT_DLE_EOT:
        if (b >= 1 && b <= 4) item = { kind: 'status-query', command: 'dle-eot', n: b as DleEotN };
        break;
      case RT_DLE_DC4:
        if (b === 1) next = RT_DLE_DC4_1;
        break;
      case RT_DLE_DC4_1:
        next = b === 0 ? RT_PULSE_PIN2 : b === 1 ? RT_PULSE_PIN5 : RT_IDLE;
        break;
      default:
        if (b >= 1 && b <= 8) item = { kind: 'pulse', pin: this.state === RT_PULSE_PIN5 ? 5 : 2, onMs: b * 100, offMs: b * 100, realtime: true };
    }
    this.state = next === RT_IDLE && b === DLE ? RT_DLE : next;
    return item;
  }

  reset(): void {
    this.state = RT_IDLE;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder

export interface EscPosDecoderOptions {
  /** ESC t n → code page name (receipt-printer-encoder / iconv-lite names). Default EPSON_CODE_PAGES. */
  readonly codePages?: Readonly<Record<number, string>>;
  /** Start (and return on ESC @) in Chinese double-byte mode, as many Chinese printers do. Default false. */
  readonly chineseModeAtInit?: boolean;
  /** Data kept per command (images, unknown bulk data); the rest is consumed and dropped. Default 1 MiB. */
  readonly maxDataBytes?: number;
}

type BulkDone = (header: readonly number[], data: Uint8Array, out: DecodedItem[]) => void;

type Mode =
  | { readonly kind: 'top' }
  | { readonly kind: 'cmd'; readonly bytes: number[] }
  | { readonly kind: 'bulk'; readonly header: number[]; readonly data: Uint8Array; filled: number; remaining: number; readonly done: BulkDone }
  | { readonly kind: 'nul'; readonly header: number[]; readonly data: number[]; readonly done: (header: number[], data: number[], out: DecodedItem[]) => void }
  | { readonly kind: 'unknown'; readonly bytes: number[] };

// What a command's bytes so far amount to.
type Step =
  | { readonly t: 'more' }
  | { readonly t: 'done' }
  | { readonly t: 'unknown-exact' }
  | { readonly t: 'unknown-run' }
  | { readonly t: 'retry' }
  | { readonly t: 'bulk'; readonly n: number; readonly done: BulkDone }
  | { readonly t: 'nul'; readonly done: (header: number[], data: number[], out: DecodedItem[]) => void };

const MORE: Step = { t: 'more' };
const DONE: Step = { t: 'done' };
const UNKNOWN_EXACT: Step = { t: 'unknown-exact' };
const UNKNOWN_RUN: Step = { t: 'unknown-run' };
const RETRY: Step = { t: 'retry' };
const TOP: Mode = { kind: 'top' };

type MutableStyle = { -readonly [K in keyof TextStyle]: TextStyle[K] };

// Lines are built as UTF-16 code units and made into one string when they print: by a UTF-16
// TextDecoder in the platform's byte order (BOM kept), or, for a line holding a surrogate (which
// the decoder would replace), String.fromCharCode in slices (engines cap argument counts).
const LINE_BUFFER_UNITS = 256;
const UNITS_PER_CALL = 8192;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf16 = new TextDecoder(LITTLE_ENDIAN ? 'utf-16le' : 'utf-16be', { ignoreBOM: true });

export class EscPosDecoder {
  readonly #codePages: Readonly<Record<number, string>>;
  readonly #chineseAtInit: boolean;
  readonly #maxData: number;
  readonly #realtime = new RealtimeScanner();
  #mode: Mode = TOP;
  #style: MutableStyle = { ...DEFAULT_STYLE };
  #frozen: TextStyle | null = DEFAULT_STYLE;
  #table: readonly string[] = byteTable('cp437');
  #units: Int32Array = unitTable(this.#table);
  #chinese = false;
  #lead: number | null = null;
  #enabled = true;
  #select: number[] = [];
  // The open line: #line[0 … #lineLength) as UTF-16 code units, in #runCount runs; run r starts
  // at #runStart[r] and ends where the next one starts. The arrays are reused line after line
  // (only #runCount says how much of them is the open line), so text allocates nothing until
  // the line prints.
  #runCount = 0;
  readonly #runStart: number[] = [];
  readonly #runStyle: TextStyle[] = [];
  readonly #runWide: boolean[] = [];
  #line = new Uint16Array(LINE_BUFFER_UNITS);
  #lineLength = 0;
  #lineSurrogates = false;
  // One array per command length for #wholeCommand(), reused (#handled() keeps none of them).
  readonly #scratch: number[][] = Array.from({ length: LONGEST_HANDLED + 1 }, (_, n) => new Array<number>(n).fill(0));
  #graphicLine = false;
  #qr: { model: QrModel; size: number; ec: QrErrorLevel; data: Uint8Array | null } = { model: 2, size: 3, ec: 'L', data: null };
  #pdf417: Uint8Array | null = null;
  #barcode: { height: number; width: number; hri: HriPosition } = { height: 162, width: 3, hri: 'none' };
  // Completions of bulk and NUL-ended commands, made once per decoder rather than per command;
  // a barcode's type is read back from its header (GS k m …).
  readonly #unknownBulkDone: BulkDone = (header, data, out) => this.#unknownBulk(header, data, out);
  readonly #symbolDone: BulkDone = (header, data, out) => this.#symbol(header, data, out);
  readonly #barcodeNulDone = (header: number[], data: number[], out: DecodedItem[]): void => {
    const type = BARCODE_A[header[2] ?? 0xff];
    if (data.length === 0 || type === undefined) this.#unknown([...header, NUL], out);
    else this.#emitBarcode(type, Uint8Array.from(data), out);
  };
  readonly #barcodeBulkDone: BulkDone = (header, data, out) => {
    const type = BARCODE_B[(header[2] ?? 0) - 65];
    if (data.length === 0 || type === undefined) this.#unknown(header, out);
    else this.#emitBarcode(type, data, out);
  };

  constructor(options: EscPosDecoderOptions = {}) {
    this.#codePages = options.codePages ?? EPSON_CODE_PAGES;
    this.#chineseAtInit = options.chineseModeAtInit ?? false;
    const max = options.maxDataBytes ?? 1 << 20;
    this.#maxData = Number.isFinite(max) && max >= 0 ? Math.floor(max) : 1 << 20;
    this.#init();
  }

  push(bytes: Uint8Array): DecodedItem[] {
    const out: DecodedItem[] = [];
    const realtime = this.#realtime;
    const end = bytes.length;
    let i = 0;
    while (i < end) {
      const b = bytes[i] ?? 0;
      if (b >= 0x20 && this.#mode === TOP && this.#enabled) {
        // Printable text, the bulk of a receipt. A byte 20–FF never continues a real-time
        // command (their bytes are all below 20), so the scan is only reset.
        realtime.state = RT_IDLE;
        i = this.#textRun(bytes, i);
        continue;
      }
      if ((b === ESC || b === GS || b === FS) && this.#mode === TOP && this.#enabled && i + 1 < end) {
        const taken = this.#wholeCommand(bytes, i, out);
        if (taken > 0) {
          i += taken;
          continue;
        }
      }
      if (realtime.state !== RT_IDLE || b === DLE) {
        const item = realtime.step(b);
        if (item !== null) out.push(item);
      }
      this.#byte(b, out);
      i += 1;
    }
    return out;
  }

  // A fixed-length handled command (ESC E n, FS &, GS r n …) that lies whole in this chunk, run
  // at once instead of byte by byte through a 'cmd' mode: what #byte() would do, without the
  // per-command arrays. Returns the bytes taken, or 0 to leave it to #byte(): only a command
  // that #handled() runs ('done') is taken. Its other answers have no side effects; the items
  // the real-time scan found are taken back, and its state needs no rollback, since the prefix
  // byte (ESC, GS or FS) leaves it idle whatever came before, so #byte() then starts over exactly.
  #wholeCommand(bytes: Uint8Array, at: number, out: DecodedItem[]): number {
    const prefix = bytes[at] ?? 0;
    const fn = bytes[at + 1] ?? 0;
    const length = HANDLED_LENGTH[(prefix << 8) | fn] ?? 0;
    if (length === 0 || at + length > bytes.length) return 0;
    const realtime = this.#realtime;
    realtime.state = RT_IDLE;
    const outLength = out.length;
    const c = this.#scratch[length] ?? [];
    c[0] = prefix;
    for (let k = 1; k < length; k += 1) {
      const b = bytes[at + k] ?? 0;
      c[k] = b;
      if (realtime.state !== RT_IDLE || b === DLE) {
        const item = realtime.step(b);
        if (item !== null) out.push(item);
      }
    }
    // What #top() does for a prefix byte.
    if (this.#lead !== null) this.#resolveLead();
    if (this.#handled(prefix, fn, c, out) === DONE) return length;
    out.length = outLength;
    return 0;
  }

  /** Ends the stream: the open line as text, a partial command or unknown run as unknown. */
  flush(): DecodedItem[] {
    const out: DecodedItem[] = [];
    const mode = this.#mode;
    this.#mode = TOP;
    switch (mode.kind) {
      case 'cmd':
      case 'unknown':
        this.#unknown(mode.bytes, out);
        break;
      case 'bulk':
        this.#unknown([...mode.header, ...mode.data.subarray(0, mode.filled)], out);
        break;
      case 'nul':
        this.#unknown([...mode.header, ...mode.data], out);
        break;
      case 'top':
        break;
    }
    this.#resolveLead();
    if (this.#runCount > 0) this.#emitLine(out);
    this.#realtime.reset();
    this.#select = [];
    return out;
  }

  /** Back to power-on state, dropping anything open. */
  reset(): void {
    this.#mode = TOP;
    this.#realtime.reset();
    this.#select = [];
    this.#init();
  }

  #init(): void {
    this.#style = { ...DEFAULT_STYLE };
    this.#frozen = DEFAULT_STYLE;
    this.#setCodeTable(0);
    this.#chinese = this.#chineseAtInit;
    this.#lead = null;
    this.#enabled = true;
    this.#runCount = 0;
    this.#lineLength = 0;
    this.#lineSurrogates = false;
    this.#graphicLine = false;
    this.#qr = { model: 2, size: 3, ec: 'L', data: null };
    this.#pdf417 = null;
    this.#barcode = { height: 162, width: 3, hri: 'none' };
  }

  #byte(b: number, out: DecodedItem[]): void {
    const mode = this.#mode;
    switch (mode.kind) {
      case 'bulk': {
        if (mode.filled < mode.data.length) {
          mode.data[mode.filled] = b;
          mode.filled += 1;
        }
        mode.remaining -= 1;
        if (mode.remaining === 0) {
          this.#mode = TOP;
          mode.done(mode.header, mode.data, out);
        }
        return;
      }
      case 'nul': {
        if (b === NUL) {
          this.#mode = TOP;
          mode.done(mode.header, mode.data, out);
          return;
        }
        mode.data.push(b);
        if (mode.data.length > MAX_NUL_DATA) {
          this.#mode = TOP;
          this.#unknown([...mode.header, ...mode.data], out);
        }
        return;
      }
      case 'unknown':
        if (isParamLike(b) && mode.bytes.length < MAX_UNKNOWN_RUN) {
          mode.bytes.push(b);
          return;
        }
        this.#mode = TOP;
        this.#unknown(mode.bytes, out);
        this.#byte(b, out);
        return;
      case 'cmd':
        mode.bytes.push(b);
        this.#step(mode.bytes, out);
        return;
      case 'top':
        this.#top(b, out);
    }
  }

  #top(b: number, out: DecodedItem[]): void {
    if (!this.#enabled) {
      this.#deselected(b);
      return;
    }
    if (b < 0x20 && this.#lead !== null) this.#resolveLead();
    if (b >= 0x20) this.#text(b);
    else if (b === LF) this.#lineFeed(out);
    else if (b === CR) return;
    else if (b === HT) this.#tab();
    else if (isPrefix(b)) this.#mode = { kind: 'cmd', bytes: [b] };
    else this.#mode = { kind: 'unknown', bytes: [b] };
  }

  // Deselected by ESC =: only ESC = n is looked for.
  #deselected(b: number): void {
    const s = this.#select;
    if (s.length === 0) {
      if (b === ESC) s.push(b);
    } else if (s.length === 1) {
      if (b === 0x3d) s.push(b);
      else this.#select = b === ESC ? [ESC] : [];
    } else {
      this.#select = [];
      this.#enabled = (b & 1) === 1;
    }
  }

  #step(c: number[], out: DecodedItem[]): void {
    const step = this.#command(c, out);
    switch (step.t) {
      case 'more':
        return;
      case 'done':
        this.#mode = TOP;
        return;
      case 'unknown-exact':
        this.#mode = TOP;
        this.#unknown(c, out);
        return;
      case 'unknown-run': {
        // The prefix and function byte are always part of it; a later byte only if it looks like
        // a parameter, else decoding resumes at that byte.
        const last = c[c.length - 1] ?? 0;
        if (c.length > 2 && !isParamLike(last)) {
          this.#mode = TOP;
          this.#unknown(c.slice(0, -1), out);
          this.#byte(last, out);
        } else this.#mode = { kind: 'unknown', bytes: c };
        return;
      }
      case 'retry': {
        this.#mode = TOP;
        this.#unknown(c.slice(0, -1), out);
        this.#byte(c[c.length - 1] ?? 0, out);
        return;
      }
      case 'bulk':
        if (step.n === 0) {
          this.#mode = TOP;
          step.done(c, new Uint8Array(0), out);
        } else {
          this.#mode = { kind: 'bulk', header: c, data: new Uint8Array(Math.min(step.n, this.#maxData)), filled: 0, remaining: step.n, done: step.done };
        }
        return;
      case 'nul':
        this.#mode = { kind: 'nul', header: c, data: [], done: step.done };
    }
  }

  #command(c: number[], out: DecodedItem[]): Step {
    const prefix = c[0] ?? ESC;
    const fn = c[1];
    if (fn === undefined) return MORE;
    if (c.length === 2 && isPrefix(fn)) return RETRY;
    const fixed = FIXED_HANDLED[prefix]?.get(fn);
    if (fixed !== undefined) return c.length < fixed ? MORE : this.#handled(prefix, fn, c, out);
    const unknownLength = FIXED_UNKNOWN[prefix]?.get(fn);
    if (unknownLength !== undefined) return c.length < unknownLength ? MORE : UNKNOWN_EXACT;
    if (fn === 0x28) return this.#paren(prefix, c);
    switch (prefix) {
      case ESC:
        if (fn === 0x2a) return this.#columnImage(c);
        if (fn === 0x44) return { t: 'nul', done: (header, data, o) => this.#unknown([...header, ...data, NUL], o) };
        break;
      case GS:
        if (fn === 0x6b) return this.#barcodeCommand(c);
        if (fn === 0x76) return this.#raster(c);
        if (fn === 0x56) return this.#cut(c, out);
        if (fn === 0x2a) return c.length < 4 ? MORE : { t: 'bulk', n: (c[2] ?? 0) * (c[3] ?? 0) * 8, done: this.#unknownBulkDone };
        if (fn === 0x38) {
          if (c.length < 3) return MORE;
          if (c[2] !== 0x4c) return UNKNOWN_RUN;
          if (c.length < 7) return MORE;
          const n = (c[3] ?? 0) + (c[4] ?? 0) * 0x100 + (c[5] ?? 0) * 0x10000 + (c[6] ?? 0) * 0x1000000;
          return { t: 'bulk', n, done: this.#unknownBulkDone };
        }
        break;
      case DLE:
        if (fn === DC4) return this.#dleDc4(c);
        break;
    }
    return UNKNOWN_RUN;
  }

  #handled(prefix: number, fn: number, c: number[], out: DecodedItem[]): Step {
    const n = c[2] ?? 0;
    if (prefix === ESC) {
      switch (fn) {
        case 0x40:
          this.#init();
          return DONE;
        case 0x32:
        case 0x33:
          // Line spacing: the paper model counts lines, not dots, so it only needs consuming.
          return DONE;
        case 0x69:
        case 0x6d:
          // Epson's legacy cuts: both are partial ("one point" / "three points left uncut").
          this.#flushLine(out);
          out.push({ kind: 'cut', mode: 'partial', feedDots: 0 });
          return DONE;
        case 0x21:
          this.#setStyle({
            font: n & 0x01 ? 'B' : 'A',
            bold: (n & 0x08) !== 0,
            height: n & 0x10 ? 2 : 1,
            width: n & 0x20 ? 2 : 1,
            underline: (n & 0x80) !== 0,
          });
          return DONE;
        case 0x45:
          this.#setStyle({ bold: (n & 1) === 1 });
          return DONE;
        case 0x34:
          this.#setStyle({ italic: (n & 1) === 1 });
          return DONE;
        case 0x2d:
          if (n > 2 && (n < 0x30 || n > 0x32)) return UNKNOWN_EXACT;
          this.#setStyle({ underline: n !== 0 && n !== 0x30 });
          return DONE;
        case 0x61: {
          const align = n === 0 || n === 0x30 ? 'left' : n === 1 || n === 0x31 ? 'center' : n === 2 || n === 0x32 ? 'right' : null;
          if (align === null) return UNKNOWN_EXACT;
          if (this.#runCount === 0 && !this.#graphicLine) this.#setStyle({ align });
          return DONE;
        }
        case 0x74:
          this.#setCodeTable(n);
          return DONE;
        case 0x4d: {
          const font = fontName(n);
          if (font === null) return UNKNOWN_EXACT;
          this.#setStyle({ font });
          return DONE;
        }
        case 0x64:
          if (n === 0) this.#flushLine(out);
          for (let i = 0; i < n; i += 1) this.#lineFeed(out);
          return DONE;
        case 0x3d:
          this.#resolveLead();
          this.#enabled = (n & 1) === 1;
          return DONE;
        case 0x70: {
          const pin = n === 0 || n === 0x30 ? 2 : n === 1 || n === 0x31 ? 5 : null;
          if (pin === null) return UNKNOWN_EXACT;
          out.push({ kind: 'pulse', pin, onMs: (c[3] ?? 0) * 2, offMs: (c[4] ?? 0) * 2, realtime: false });
          return DONE;
        }
      }
    } else if (prefix === GS) {
      switch (fn) {
        case 0x42:
          this.#setStyle({ reverse: (n & 1) === 1 });
          return DONE;
        case 0x21:
          this.#setStyle({ width: ((n >> 4) & 0x07) + 1, height: (n & 0x07) + 1 });
          return DONE;
        case 0x68:
          if (n === 0) return UNKNOWN_EXACT;
          this.#barcode.height = n;
          return DONE;
        case 0x77:
          if (n === 0) return UNKNOWN_EXACT;
          this.#barcode.width = n;
          return DONE;
        case 0x48: {
          const hri = (['none', 'above', 'below', 'both'] as const)[n >= 0x30 ? n - 0x30 : n];
          if (hri === undefined) return UNKNOWN_EXACT;
          this.#barcode.hri = hri;
          return DONE;
        }
        case 0x61:
          out.push({ kind: 'status-query', command: 'asb', n });
          return DONE;
        case 0x72: {
          const f = gsRFunction(n);
          if (f === null) return UNKNOWN_EXACT;
          out.push({ kind: 'status-query', command: 'gs-r', n: f });
          return DONE;
        }
        case 0x50:
          // Motion units (receipt-printer-encoder sends it around column images): no effect here.
          return DONE;
      }
    } else if (prefix === FS) {
      this.#resolveLead();
      this.#chinese = fn === 0x26;
      return DONE;
    } else if (fn === EOT) {
      // Already answered by the real-time scan when n is 1–4.
      return n >= 1 && n <= 4 ? DONE : UNKNOWN_RUN;
    }
    return UNKNOWN_EXACT;
  }

  // DLE DC4 fn …: fn 1 is the real-time pulse, reported by the scan; others are unknown.
  #dleDc4(c: number[]): Step {
    if (c.length < 3) return MORE;
    if (c[2] !== 1) return UNKNOWN_RUN;
    if (c.length < 5) return MORE;
    const m = c[3] ?? 0xff;
    const t = c[4] ?? 0;
    return (m === 0 || m === 1) && t >= 1 && t <= 8 ? DONE : UNKNOWN_EXACT;
  }

  // ESC ( X / GS ( X / FS ( X pL pH d1…dp. GS ( k carries QR codes and PDF417.
  #paren(prefix: number, c: number[]): Step {
    if (c.length < 5) return MORE;
    const n = (c[3] ?? 0) + (c[4] ?? 0) * 0x100;
    return { t: 'bulk', n, done: prefix === GS && c[2] === 0x6b ? this.#symbolDone : this.#unknownBulkDone };
  }

  #symbol(header: readonly number[], data: Uint8Array, out: DecodedItem[]): void {
    const [cn, fn, p] = [data[0], data[1], data[2]];
    if (cn === 0x31) {
      const qr = this.#qr;
      if (fn === 0x41 && (p === 0x31 || p === 0x32 || p === 0x33)) {
        qr.model = p === 0x31 ? 1 : p === 0x32 ? 2 : 'micro';
        return;
      }
      if (fn === 0x43 && p !== undefined && p >= 1 && p <= 16) {
        qr.size = p;
        return;
      }
      if (fn === 0x45 && p !== undefined && p >= 0x30 && p <= 0x33) {
        qr.ec = (['L', 'M', 'Q', 'H'] as const)[p - 0x30] ?? 'L';
        return;
      }
      if (fn === 0x50 && p === 0x30) {
        qr.data = data.slice(3);
        return;
      }
      if (fn === 0x51 && p === 0x30) {
        // Epson prints nothing when no data is stored.
        if (qr.data === null) return;
        this.#flushLine(out);
        out.push({ kind: 'qr', payload: payloadText(qr.data), data: qr.data.slice(), model: qr.model, size: qr.size, ec: qr.ec, align: this.#style.align });
        return;
      }
    } else if (cn === 0x30 && fn !== undefined) {
      if (fn >= 0x41 && fn <= 0x46) return;
      if (fn === 0x50 && p === 0x30) {
        this.#pdf417 = data.slice(3);
        return;
      }
      if (fn === 0x51 && p === 0x30) {
        if (this.#pdf417 === null) return;
        this.#flushLine(out);
        out.push({ kind: 'barcode', type: 'pdf417', data: payloadText(this.#pdf417), ...this.#barcodeSettings() });
        return;
      }
    }
    this.#unknownBulk(header, data, out);
  }

  #barcodeSettings(): { height: number; moduleWidth: number; hri: HriPosition; align: Align } {
    return { height: this.#barcode.height, moduleWidth: this.#barcode.width, hri: this.#barcode.hri, align: this.#style.align };
  }

  // GS k m d1…dk NUL (m 0–6) or GS k m n d1…dn (m 65–79).
  #barcodeCommand(c: number[]): Step {
    if (c.length < 3) return MORE;
    const m = c[2] ?? 0xff;
    if (BARCODE_A[m] !== undefined) return { t: 'nul', done: this.#barcodeNulDone };
    if (BARCODE_B[m - 65] === undefined) return UNKNOWN_RUN;
    if (c.length < 4) return MORE;
    return { t: 'bulk', n: c[3] ?? 0, done: this.#barcodeBulkDone };
  }

  #emitBarcode(type: BarcodeType, data: Uint8Array, out: DecodedItem[]): void {
    this.#flushLine(out);
    const text = type === 'code128' || type === 'gs1-128' || type === 'code128-auto' ? code128Text(data) : latin1(data);
    out.push({ kind: 'barcode', type, data: text, ...this.#barcodeSettings() });
  }

  // GS v 0 m xL xH yL yH d…: (xL + xH·256) bytes per row, (yL + yH·256) rows.
  #raster(c: number[]): Step {
    if (c.length < 3) return MORE;
    if (c[2] !== 0x30) return UNKNOWN_RUN;
    if (c.length < 8) return MORE;
    const rowBytes = (c[4] ?? 0) + (c[5] ?? 0) * 0x100;
    const rows = (c[6] ?? 0) + (c[7] ?? 0) * 0x100;
    const m = c[3] ?? 0;
    return {
      t: 'bulk',
      n: rowBytes * rows,
      done: (_h, data, out) => {
        this.#flushLine(out);
        const complete = data.length === rowBytes * rows;
        out.push({
          kind: 'image',
          mode: 'raster',
          width: rowBytes * 8,
          height: rows,
          bitmap: complete ? data : new Uint8Array(0),
          scaleX: m & 1 ? 2 : 1,
          scaleY: m & 2 ? 2 : 1,
          complete,
          align: this.#style.align,
        });
      },
    };
  }

  // ESC * m nL nH d…: one band of n columns, 1 byte (8 dots) or 3 bytes (24 dots) per column.
  // Density per Epson: 8-dot modes are 60 dpi vertically (3 printer dots per image dot), single
  // density is half the horizontal resolution.
  #columnImage(c: number[]): Step {
    if (c.length < 5) return MORE;
    const m = c[2] ?? 0xff;
    if (m !== 0 && m !== 1 && m !== 32 && m !== 33) return UNKNOWN_EXACT;
    const columns = (c[3] ?? 0) + (c[4] ?? 0) * 0x100;
    const bytesPerColumn = m >= 32 ? 3 : 1;
    return {
      t: 'bulk',
      n: columns * bytesPerColumn,
      done: (_h, data, out) => {
        const height = bytesPerColumn * 8;
        const complete = data.length === columns * bytesPerColumn;
        const rowBytes = Math.ceil(columns / 8);
        const bitmap = new Uint8Array(complete ? rowBytes * height : 0);
        if (complete) {
          for (let x = 0; x < columns; x += 1) {
            for (let y = 0; y < height; y += 1) {
              const bit = ((data[x * bytesPerColumn + (y >> 3)] ?? 0) >> (7 - (y & 7))) & 1;
              if (bit === 1) bitmap[y * rowBytes + (x >> 3)] = (bitmap[y * rowBytes + (x >> 3)] ?? 0) | (0x80 >> (x & 7));
            }
          }
        }
        this.#graphicLine = true;
        out.push({ kind: 'image', mode: 'column', width: columns, height, bitmap, scaleX: m & 1 ? 1 : 2, scaleY: m >= 32 ? 1 : 3, complete, align: this.#style.align });
      },
    };
  }

  // GS V m (0/48 full, 1/49 partial) or GS V m n (65/66 and 97/98: feed n, then cut).
  #cut(c: number[], out: DecodedItem[]): Step {
    if (c.length < 3) return MORE;
    const m = c[2] ?? 0xff;
    if (m === 0 || m === 1 || m === 0x30 || m === 0x31) {
      this.#flushLine(out);
      out.push({ kind: 'cut', mode: m === 0 || m === 0x30 ? 'full' : 'partial', feedDots: 0 });
      return DONE;
    }
    if (m === 65 || m === 66 || m === 97 || m === 98 || m === 103 || m === 104) {
      if (c.length < 4) return MORE;
      if (m >= 103) return UNKNOWN_EXACT;
      this.#flushLine(out);
      out.push({ kind: 'cut', mode: m === 65 || m === 97 ? 'full' : 'partial', feedDots: c[3] ?? 0 });
      return DONE;
    }
    return UNKNOWN_RUN;
  }

  #unknown(bytes: readonly number[], out: DecodedItem[]): void {
    if (bytes.length > 0) out.push({ kind: 'unknown', bytes: Uint8Array.from(bytes) });
  }

  #unknownBulk(header: readonly number[], data: Uint8Array, out: DecodedItem[]): void {
    const bytes = new Uint8Array(header.length + data.length);
    bytes.set(header);
    bytes.set(data, header.length);
    out.push({ kind: 'unknown', bytes });
  }

  #setStyle(change: Partial<TextStyle>): void {
    Object.assign(this.#style, change);
    this.#frozen = null;
  }

  #snapshot(): TextStyle {
    if (this.#frozen === null) {
      // A literal in DEFAULT_STYLE's key order: freezing a spread copy costs ten times as much.
      const s = this.#style;
      this.#frozen = Object.freeze({ bold: s.bold, underline: s.underline, italic: s.italic, reverse: s.reverse, width: s.width, height: s.height, align: s.align, font: s.font });
    }
    return this.#frozen;
  }

  #setCodeTable(n: number): void {
    this.#table = byteTable(this.#codePages[n]);
    this.#units = unitTable(this.#table);
  }

  // Takes the printable bytes (20–FF) from `from` on, as #text() one by one would; returns the
  // index of the first byte it did not take.
  #textRun(bytes: Uint8Array, from: number): number {
    const end = bytes.length;
    let i = from;
    if (this.#chinese) {
      for (; i < end; i += 1) {
        const b = bytes[i] ?? 0;
        if (b < 0x20) break;
        this.#text(b);
      }
      return i;
    }
    this.#openRun(this.#snapshot(), false);
    this.#reserve(end - from);
    const units = this.#units;
    const line = this.#line;
    let length = this.#lineLength;
    for (; i < end; i += 1) {
      const b = bytes[i] ?? 0;
      if (b < 0x20) break;
      const unit = units[b] ?? -1;
      if (unit < 0) break;
      line[length] = unit;
      length += 1;
    }
    this.#lineLength = length;
    if (i < end && (bytes[i] ?? 0) >= 0x20) {
      this.#text(bytes[i] ?? 0);
      i += 1;
    }
    return i;
  }

  #text(b: number): void {
    if (!this.#chinese) {
      this.#append(this.#table[b] ?? '\uFFFD', false);
      return;
    }
    const lead = this.#lead;
    if (lead !== null) {
      this.#lead = null;
      if (isGbkTrail(b)) {
        this.#append(gbk(lead, b), true);
        return;
      }
      this.#append('\uFFFD', false);
    }
    if (b < 0x80) this.#append(this.#table[b] ?? '\uFFFD', false);
    else if (isGbkLead(b)) this.#lead = b;
    else this.#append('\uFFFD', false);
  }

  // A lead byte not followed by a trail byte prints as a replacement character.
  #resolveLead(): void {
    if (this.#lead === null) return;
    this.#lead = null;
    this.#append('\uFFFD', false);
  }

  // The open line's last run continues while the style object and width class stay the same.
  #openRun(style: TextStyle, wide: boolean): void {
    const last = this.#runCount - 1;
    if (last >= 0 && this.#runStyle[last] === style && this.#runWide[last] === wide) return;
    this.#runStart[this.#runCount] = this.#lineLength;
    this.#runStyle[this.#runCount] = style;
    this.#runWide[this.#runCount] = wide;
    this.#runCount += 1;
  }

  #reserve(units: number): void {
    const needed = this.#lineLength + units;
    if (needed <= this.#line.length) return;
    const grown = new Uint16Array(Math.max(needed, this.#line.length * 2));
    grown.set(this.#line.subarray(0, this.#lineLength));
    this.#line = grown;
  }

  #append(text: string, wide: boolean): void {
    this.#openRun(this.#snapshot(), wide);
    this.#reserve(text.length);
    for (let i = 0; i < text.length; i += 1) {
      const unit = text.charCodeAt(i);
      if (isSurrogate(unit)) this.#lineSurrogates = true;
      this.#line[this.#lineLength + i] = unit;
    }
    this.#lineLength += text.length;
  }

  // Default tab stops every 8 characters; characters are code points, as the runs' strings
  // would count them ([...text]), a double-byte one two columns.
  #tab(): void {
    const line = this.#line;
    let length = 0;
    for (let r = 0; r < this.#runCount; r += 1) {
      const end = r + 1 < this.#runCount ? (this.#runStart[r + 1] ?? 0) : this.#lineLength;
      let chars = 0;
      for (let i = this.#runStart[r] ?? 0; i < end; i += 1) {
        const unit = line[i] ?? 0;
        if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < end && (line[i + 1] ?? 0) >= 0xdc00 && (line[i + 1] ?? 0) <= 0xdfff) i += 1;
        chars += 1;
      }
      length += chars * (this.#runWide[r] === true ? 2 : 1);
    }
    this.#append(' '.repeat(8 - (length % 8)), false);
  }

  #lineFeed(out: DecodedItem[]): void {
    this.#resolveLead();
    if (this.#runCount === 0 && this.#graphicLine) {
      this.#graphicLine = false;
      return;
    }
    this.#emitLine(out);
  }

  #flushLine(out: DecodedItem[]): void {
    this.#resolveLead();
    if (this.#runCount > 0) this.#emitLine(out);
    this.#graphicLine = false;
  }

  #emitLine(out: DecodedItem[]): void {
    const text = this.#lineText();
    const count = this.#runCount;
    const runs: TextRun[] = [];
    for (let r = 0; r < count; r += 1) {
      const end = r + 1 < count ? (this.#runStart[r + 1] ?? 0) : text.length;
      runs.push({ text: text.slice(this.#runStart[r] ?? 0, end), style: this.#runStyle[r] ?? DEFAULT_STYLE, wide: this.#runWide[r] === true });
    }
    out.push({ kind: 'text', text, style: lineStyle(runs, this.#snapshot()), runs });
    this.#runCount = 0;
    this.#lineLength = 0;
    this.#lineSurrogates = false;
    this.#graphicLine = false;
  }

  #lineText(): string {
    const line = this.#line;
    const length = this.#lineLength;
    if (!this.#lineSurrogates) return utf16.decode(line.subarray(0, length));
    let text = '';
    for (let i = 0; i < length; i += UNITS_PER_CALL) text += String.fromCharCode.apply(null, line.subarray(i, Math.min(length, i + UNITS_PER_CALL)) as unknown as number[]);
    return text;
  }
}

/** The style a line is known by: that of its first non-space character, else its first, else `fallback`. */
export function lineStyle(runs: readonly TextRun[], fallback: TextStyle): TextStyle {
  // /\S/ is exactly "trim() leaves something" (both use WhiteSpace and LineTerminator), without
  // a trimmed copy per run.
  for (const run of runs) if (NON_SPACE.test(run.text)) return run.style;
  return runs[0]?.style ?? fallback;
}

const NON_SPACE = /\S/;

function fontName(n: number): FontName | null {
  if (n === 97) return 'A';
  if (n === 98) return 'B';
  const i = n >= 0x30 ? n - 0x30 : n;
  return (['A', 'B', 'C', 'D', 'E'] as const)[i] ?? null;
}

/** Decodes a whole stream at once (push + flush). */
export function decodeEscPos(bytes: Uint8Array, options?: EscPosDecoderOptions): DecodedItem[] {
  const decoder = new EscPosDecoder(options);
  return [...decoder.push(bytes), ...decoder.flush()];
}
