// Virtual ESC/POS receipt printer: decodes what it receives into receipts, keeps a paper roll,
// a cover and a cash drawer, answers DLE EOT, GS r and ASB like an Epson TM printer, and takes
// injected faults. For unit tests in memory; the transport hookup (socat pty, `kassa sim`) comes
// later and only has to pass bytes both ways.
// Hand-written: no npm package emulates an ESC/POS printer (hardware.md §2 lists what was
// checked; EscPosEmulator is Windows only). Decoding is ./escpos-decoder.ts; the reply bytes are
// built from the bit layouts in ../printer/escpos-status.ts and tested to parse back with it.
// Pure: no node:*, no timers; the caller passes the time with each write.
//
// Model (decisions a test can rely on):
//  - Infinitely fast: each write() is received and, when the printer can print, printed before
//    write() returns. Its return value is every byte the printer sends meanwhile, in order:
//    DLE EOT replies, GS r replies, ASB frames. Methods that change state (faults, paper, drawer)
//    return what the printer sends because of them the same way.
//  - Real-time commands act on arrival, wherever they are in the stream (even inside image
//    data, even offline, paper out or deselected): DLE EOT n is answered with the state after
//    everything before it in the stream was printed or held; DLE DC4 pulses the drawer.
//  - Everything else runs in buffer order. The printer cannot print while the cover is open,
//    the paper is out or it is offline (goOffline()): then it holds what it received, in order,
//    undecoded items included (GS r replies wait too), and resumes by itself when the cause
//    clears, as Epson printers do by default after paper is loaded. The receive buffer has no
//    size limit and never signals busy.
//  - Paper is counted in lines. A text line takes its height multiplier in lines; images,
//    barcodes and QR codes their height at 30 dots a line (Epson's default 1/6" spacing at
//    180 dpi); a QR code's version is not computed, it is taken as 33 modules. A line or symbol
//    started with any paper left prints whole; the printer stops before the next one. A fresh
//    roll has `paperLines` lines (default unlimited). The near-end sensor is on while at most
//    `nearEndLines` lines remain (default 0: only setPaper('near-end') turns it on), and always
//    when the paper is out, as on Epson printers (DLE EOT 4 → 7E).
//  - A receipt is what prints between cuts. Its leading blank lines (the feed after the last
//    cut, e.g. receipt-printer-encoder's LF after GS V) are not listed, though they use paper.
//    Lines wider than the paper wrap, as the printer wraps them. receipts() includes the open
//    receipt (cutKind null) once something other than blank lines printed on it.
//  - Every cut receipt is kept (about 13 KiB of objects for a 1.2 KB receipt) unless
//    `keepReceipts` caps them: then the oldest cut ones are dropped (counted in
//    `droppedReceipts`), for a simulator that prints for days.
//  - write() is the simulator's hot path (benches push megabytes a second through it): a line
//    that fits the paper is kept as the decoder made it, only wider lines are split character by
//    character, and nothing per byte or per printed item allocates unless it has to.
//  - The drawer opens when a pulse reaches its pin (ESC p in buffer order, DLE DC4 at once) and
//    stays open until closeDrawer(), as a drawer does until someone pushes it shut.
//  - DLE DC4 fn=8 "clear buffers" (`10 14 08 01 03 14 01 06 02 08`, Epson TM-T20/TM-T88 and
//    others) is real-time like DLE EOT: wherever it arrives, everything received and not yet
//    printed is dropped (held items, a partly received command, the unfinished line) and the
//    printer answers Epson's clear response `37 25 00`. Settings (ASB, styles, code page) and
//    what already printed stay; the paper, cover and offline state do not change.
import { READY_STATUS } from '../printer/escpos-status.ts';
import type { DleEotN, DrawerPolarity, GsRN, PrinterStatus } from '../printer/escpos-status.ts';
import { EscPosDecoder, lineStyle } from './escpos-decoder.ts';
import type {
  Align,
  DecodedBarcode,
  DecodedImage,
  DecodedItem,
  DecodedQr,
  DecodedText,
  EscPosDecoderOptions,
  FontName,
  TextRun,
  TextStyle,
} from './escpos-decoder.ts';

export type PaperState = 'ok' | 'near-end' | 'out';
export type PaperWidth = 58 | 80;

export interface VirtualPrinterOptions {
  /** Default 80. */
  readonly paperMm?: PaperWidth;
  /** Font A columns: default 48 for 80 mm (576 dots), 32 for 58 mm (384 dots). */
  readonly columns?: number;
  /** Lines on a fresh roll; default Infinity. */
  readonly paperLines?: number;
  /** The near-end sensor is on while at most this many lines remain; default 0. */
  readonly nearEndLines?: number;
  /** The kick-out pin the drawer hangs on; pulses to the other pin change nothing. Default 2. */
  readonly drawerPin?: 2 | 5;
  /** Which switch level means "open" (escpos-status.ts); default 'high-is-open'. */
  readonly drawerPolarity?: DrawerPolarity;
  /** A printed line matching this marks the receipt as a reprint. Default /\bREPRINT\b|重印|补打/i. */
  readonly reprintPattern?: RegExp;
  /** Cut receipts kept for receipts(), newest last; older ones are dropped. An integer >= 0, default Infinity. */
  readonly keepReceipts?: number;
  readonly decoder?: EscPosDecoderOptions;
}

/** One physical line on the paper. `wrapped` marks the continuation of a line too wide for the paper. */
export interface PrintedLine {
  readonly kind: 'line';
  readonly text: string;
  readonly style: TextStyle;
  readonly runs: readonly TextRun[];
  readonly wrapped: boolean;
}

export interface PrintedPulse {
  readonly kind: 'pulse';
  readonly pin: 2 | 5;
  readonly onMs: number;
  readonly offMs: number;
  readonly realtime: boolean;
  readonly atMs: number;
  /** Whether this pulse opened the drawer (closed drawer on this pin). */
  readonly opened: boolean;
}

export type ReceiptBlock = PrintedLine | DecodedQr | DecodedBarcode | DecodedImage | PrintedPulse;

export interface PrintedReceipt {
  /** Plain text of each physical line, as printed. */
  readonly lines: readonly string[];
  readonly styledLines: readonly PrintedLine[];
  /** QR payloads in print order. */
  readonly qrs: readonly string[];
  readonly qrCodes: readonly DecodedQr[];
  readonly barcodes: readonly DecodedBarcode[];
  /** Consecutive ESC * bands of one width are joined into one image. */
  readonly images: readonly DecodedImage[];
  readonly pulses: readonly PrintedPulse[];
  /** How the receipt was cut; null while it is still open. */
  readonly cutKind: 'full' | 'partial' | null;
  /** A line matches the reprint pattern. */
  readonly reprintBanner: boolean;
  /** The paper ran out while this receipt was being printed (the rest printed when it came back). */
  readonly interrupted: boolean;
  /** Commands the printer did not understand, in order. */
  readonly unknown: readonly Uint8Array[];
  /** Everything on the paper in order (pulses where they ran). */
  readonly blocks: readonly ReceiptBlock[];
  /** Font A columns of the paper it was printed on. */
  readonly columns: number;
}

// Epson's default line spacing (1/6") at 180 dpi, to turn dots into lines of paper.
const LINE_DOTS = 30;
const QR_MODULES = 33;
const FONT_DOTS: Readonly<Record<FontName, number>> = { A: 12, B: 9, C: 9, D: 9, E: 9 };
const WIDE_DOTS = 24;

const DEFAULT_REPRINT = /\bREPRINT\b|重印|补打/i;

const CLEAR_BUFFERS: readonly number[] = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08];
const CLEAR_BUFFERS_FIRST = 0x10;
const CLEAR_RESPONSE: readonly number[] = [0x37, 0x25, 0x00];

interface OpenReceipt {
  blocks: ReceiptBlock[];
  unknown: Uint8Array[];
  interrupted: boolean;
  cutKind: 'full' | 'partial' | null;
}

// What waits in the buffer: decoded items, or the physical lines of a text line that the paper
// ran out in the middle of.
type Held = DecodedItem | { readonly kind: 'rest'; readonly lines: readonly PrintedLine[] };

const newReceipt = (): OpenReceipt => ({ blocks: [], unknown: [], interrupted: false, cutKind: null });

export class VirtualPrinter {
  readonly paperMm: PaperWidth;
  readonly columns: number;
  readonly nearEndLines: number;
  readonly #freshRoll: number;
  readonly #drawerPin: 2 | 5;
  readonly #polarity: DrawerPolarity;
  readonly #reprint: RegExp;
  readonly #keepReceipts: number;
  #dropped = 0;
  readonly #decoderOptions: EscPosDecoderOptions;
  #decoder: EscPosDecoder;
  #held: Held[] = [];
  #done: OpenReceipt[] = [];
  #current: OpenReceipt = newReceipt();
  #paper: number;
  #nearEndForced = false;
  #coverOpen = false;
  #offline = false;
  #drawerOpen = false;
  #asb = 0;
  // The last ASB frame sent as b1 | b3 << 8 (its bytes 2 and 4 are always 0), -1 for none.
  #asbSent = -1;
  #garble: ((reply: Uint8Array) => Uint8Array) | null = null;
  #now = 0;
  // Bytes of CLEAR_BUFFERS matched so far (the sequence may be split across writes).
  #clearMatch = 0;

  constructor(options: VirtualPrinterOptions = {}) {
    this.paperMm = options.paperMm ?? 80;
    this.columns = options.columns ?? (this.paperMm === 58 ? 32 : 48);
    this.nearEndLines = options.nearEndLines ?? 0;
    this.#freshRoll = options.paperLines ?? Number.POSITIVE_INFINITY;
    this.#drawerPin = options.drawerPin ?? 2;
    this.#polarity = options.drawerPolarity ?? 'high-is-open';
    this.#reprint = options.reprintPattern ?? DEFAULT_REPRINT;
    const keep = options.keepReceipts ?? Number.POSITIVE_INFINITY;
    if (!(keep === Number.POSITIVE_INFINITY || (Number.isInteger(keep) && keep >= 0))) {
      throw new RangeError(`keepReceipts must be an integer >= 0 or Infinity, got ${String(options.keepReceipts)}`);
    }
    this.#keepReceipts = keep;
    this.#decoderOptions = options.decoder ?? {};
    this.#decoder = new EscPosDecoder(this.#decoderOptions);
    this.#paper = this.#freshRoll;
  }

  /** Receives bytes at `nowMs`; returns the bytes the printer sends back meanwhile. Never throws. */
  write(bytes: Uint8Array, nowMs: number): Uint8Array {
    this.#now = nowMs;
    const out: number[] = [];
    let from = 0;
    for (let i = 0; i < bytes.length; i += 1) {
      // Nothing matched yet: only a DLE can start the sequence, so jump to the next one.
      if (this.#clearMatch === 0) {
        i = bytes.indexOf(CLEAR_BUFFERS_FIRST, i);
        if (i < 0) break;
      }
      const b = bytes[i];
      // Like the real-time scan: a DLE always starts a fresh attempt, and the sequence holds no
      // other DLE, so a mismatch never hides a match.
      if (b === CLEAR_BUFFERS[this.#clearMatch]) this.#clearMatch += 1;
      else this.#clearMatch = b === CLEAR_BUFFERS_FIRST ? 1 : 0;
      if (this.#clearMatch === CLEAR_BUFFERS.length) {
        this.#clearMatch = 0;
        this.#receive(bytes.subarray(from, i + 1), out);
        this.#clearBuffers(out);
        from = i + 1;
      }
    }
    if (from < bytes.length) this.#receive(bytes.subarray(from), out);
    return this.#send(out);
  }

  #receive(bytes: Uint8Array, out: number[]): void {
    for (const item of this.#decoder.push(bytes)) {
      if (item.kind === 'status-query' && item.command === 'dle-eot') out.push(this.#dleEotReply(item.n));
      else if (item.kind === 'pulse' && item.realtime) this.#pulse(item, out);
      else {
        this.#held.push(item);
        this.#drain(out);
      }
    }
  }

  // DLE DC4 fn=8: what flush() would still produce (the command's own first bytes, an open line)
  // is buffer content, dropped with the held items.
  #clearBuffers(out: number[]): void {
    this.#decoder.flush();
    this.#held = [];
    out.push(...CLEAR_RESPONSE);
  }

  /** Receipts printed so far, the open one last if anything printed on it. */
  receipts(): PrintedReceipt[] {
    const all = this.#current.blocks.length > 0 ? [...this.#done, this.#current] : this.#done;
    return all.map((r) => this.#receipt(r));
  }

  renderText(receipt: PrintedReceipt): string {
    return renderText(receipt);
  }

  /** The status as escpos-status.ts reads it back from DLE EOT, ASB or GS r. */
  status(): PrinterStatus {
    return {
      ...READY_STATUS,
      online: !this.#isOffline(),
      coverOpen: this.#coverOpen,
      paperNearEnd: this.#nearEnd(),
      paperOut: this.#paperOut(),
      drawerOpen: this.#drawerOpen,
    };
  }

  get paperState(): PaperState {
    return this.#paperOut() ? 'out' : this.#nearEnd() ? 'near-end' : 'ok';
  }

  get paperRemainingLines(): number {
    return Math.max(0, this.#paper);
  }

  get drawerOpen(): boolean {
    return this.#drawerOpen;
  }

  /** Cut receipts dropped because of `keepReceipts`. */
  get droppedReceipts(): number {
    return this.#dropped;
  }

  /** Items received but not printed yet (held while offline). */
  get heldItems(): number {
    return this.#held.length;
  }

  /** 'ok' loads a fresh roll; 'near-end' loads paper with the near-end sensor on; 'out' empties it. */
  setPaper(state: PaperState): Uint8Array {
    return this.#change(() => {
      if (state === 'out') this.#paper = 0;
      else if (this.#paper <= 0 || state === 'ok') this.#paper = this.#freshRoll;
      this.#nearEndForced = state === 'near-end';
    });
  }

  /** The roll ends after `lines` more lines (0 = now): the rest of a job is held until setPaper(). */
  outOfPaperAfterLines(lines: number): Uint8Array {
    return this.#change(() => {
      this.#paper = Number.isFinite(lines) ? Math.max(0, Math.floor(lines)) : this.#freshRoll;
    });
  }

  openCover(): Uint8Array {
    return this.#change(() => {
      this.#coverOpen = true;
    });
  }

  closeCover(): Uint8Array {
    return this.#change(() => {
      this.#coverOpen = false;
    });
  }

  /** Offline with no cause the status reports (DLE EOT 1 offline, DLE EOT 2 clear). */
  goOffline(): Uint8Array {
    return this.#change(() => {
      this.#offline = true;
    });
  }

  goOnline(): Uint8Array {
    return this.#change(() => {
      this.#offline = false;
    });
  }

  closeDrawer(): Uint8Array {
    return this.#change(() => {
      this.#drawerOpen = false;
    });
  }

  /** Passes every chunk the printer sends through `fn` (bit flips, drops, noise); null stops it. */
  garbleReplies(fn: ((reply: Uint8Array) => Uint8Array) | null): void {
    this.#garble = fn;
  }

  /** Back to the constructed state: fresh roll, no faults, drawer closed, ASB off, no receipts. */
  reset(): void {
    this.#decoder = new EscPosDecoder(this.#decoderOptions);
    this.#held = [];
    this.#done = [];
    this.#dropped = 0;
    this.#current = newReceipt();
    this.#paper = this.#freshRoll;
    this.#nearEndForced = false;
    this.#coverOpen = false;
    this.#offline = false;
    this.#drawerOpen = false;
    this.#asb = 0;
    this.#asbSent = -1;
    this.#garble = null;
    this.#now = 0;
    this.#clearMatch = 0;
  }

  // -------------------------------------------------------------------------------------------
  // State

  #paperOut(): boolean {
    return this.#paper <= 0;
  }

  #nearEnd(): boolean {
    return this.#paperOut() || this.#nearEndForced || this.#paper <= this.nearEndLines;
  }

  #isOffline(): boolean {
    return this.#coverOpen || this.#offline || this.#paperOut();
  }

  #pin3High(): boolean {
    return this.#polarity === 'high-is-open' ? this.#drawerOpen : !this.#drawerOpen;
  }

  #change(apply: () => void): Uint8Array {
    const out: number[] = [];
    apply();
    this.#statusChanged(out);
    this.#drain(out);
    return this.#send(out);
  }

  #send(out: number[]): Uint8Array {
    const bytes = Uint8Array.from(out);
    return this.#garble !== null && bytes.length > 0 ? this.#garble(bytes) : bytes;
  }

  // -------------------------------------------------------------------------------------------
  // Replies (layouts: hardware.md §1, escpos-status.ts)

  #dleEotReply(n: DleEotN): number {
    switch (n) {
      case 1:
        return 0x12 | (this.#pin3High() ? 0x04 : 0) | (this.#isOffline() ? 0x08 : 0);
      case 2:
        return 0x12 | (this.#coverOpen ? 0x04 : 0) | (this.#paperOut() ? 0x20 : 0);
      case 3:
        return 0x12;
      case 4:
        return 0x12 | (this.#nearEnd() ? 0x0c : 0) | (this.#paperOut() ? 0x60 : 0);
    }
  }

  #gsRReply(n: GsRN): number {
    if (n === 2) return this.#pin3High() ? 0x01 : 0x00;
    return (this.#nearEnd() ? 0x03 : 0) | (this.#paperOut() ? 0x0c : 0);
  }

  // ASB n bits: 0 drawer, 1 online/offline (offline, cover, FEED), 2 errors, 3 paper sensors.
  // Runs after every printed item while ASB is on, so it works on numbers, not frames.
  #statusChanged(out: number[]): void {
    const asb = this.#asb;
    if (asb === 0) return;
    const b1 = 0x10 | (this.#pin3High() ? 0x04 : 0) | (this.#isOffline() ? 0x08 : 0) | (this.#coverOpen ? 0x20 : 0);
    const b3 = (this.#nearEnd() ? 0x03 : 0) | (this.#paperOut() ? 0x0c : 0);
    const sent = this.#asbSent;
    if (sent >= 0) {
      // Error bits (byte 2) are never set, so bit 2 of n never reports a change once a frame went out.
      const d1 = b1 ^ (sent & 0xff);
      const d3 = b3 ^ (sent >> 8);
      const changed = ((asb & 0x01) !== 0 && (d1 & 0x04) !== 0) || ((asb & 0x02) !== 0 && (d1 & 0x68) !== 0) || ((asb & 0x08) !== 0 && d3 !== 0);
      if (!changed) return;
    }
    out.push(b1, 0x00, b3, 0x00);
    this.#asbSent = b1 | (b3 << 8);
  }

  // -------------------------------------------------------------------------------------------
  // Printing

  #drain(out: number[]): void {
    while (this.#held.length > 0 && !this.#isOffline()) {
      const item = this.#held.shift();
      if (item !== undefined) this.#print(item, out);
      this.#statusChanged(out);
    }
    if (this.#held.length > 0 && this.#paperOut() && this.#current.blocks.length > 0) this.#current.interrupted = true;
  }

  #print(item: Held, out: number[]): void {
    switch (item.kind) {
      case 'text':
        // Paper is never out here (#drain prints only while online), so a single line prints.
        if (item.runs.length > 0 && fitsAsDecoded(item.runs, this.columns * FONT_DOTS.A)) this.#printLine({ kind: 'line', text: item.text, style: item.style, runs: item.runs, wrapped: false });
        else this.#printLines(wrap(item, this.columns * FONT_DOTS.A));
        return;
      case 'rest':
        this.#printLines(item.lines);
        return;
      case 'qr':
        this.#usePaper(Math.ceil((item.size * QR_MODULES) / LINE_DOTS));
        this.#current.blocks.push(item);
        return;
      case 'barcode':
        this.#usePaper(Math.ceil(item.height / LINE_DOTS) + (item.hri === 'both' ? 2 : item.hri === 'none' ? 0 : 1));
        this.#current.blocks.push(item);
        return;
      case 'image':
        this.#usePaper(Math.ceil((item.height * item.scaleY) / LINE_DOTS));
        this.#addImage(item);
        return;
      case 'cut':
        this.#usePaper(Math.ceil(item.feedDots / LINE_DOTS));
        this.#current.cutKind = item.mode;
        this.#done.push(this.#current);
        if (this.#done.length > this.#keepReceipts) {
          this.#done.shift();
          this.#dropped += 1;
        }
        this.#current = newReceipt();
        return;
      case 'pulse':
        this.#pulse(item, out);
        return;
      case 'status-query':
        if (item.command === 'gs-r') out.push(this.#gsRReply(item.n));
        else if (item.command === 'asb') {
          this.#asb = item.n & 0x0f;
          this.#asbSent = -1;
        }
        // A DLE EOT never gets here: write() answers it on arrival.
        return;
      case 'unknown':
        this.#current.unknown.push(item.bytes);
    }
  }

  #printLines(lines: readonly PrintedLine[]): void {
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i];
      if (line === undefined) continue;
      if (this.#paperOut()) {
        this.#held.unshift({ kind: 'rest', lines: lines.slice(i) });
        return;
      }
      this.#printLine(line);
    }
  }

  #printLine(line: PrintedLine): void {
    let height = 1;
    for (const run of line.runs) if (run.style.height > height) height = run.style.height;
    this.#usePaper(height);
    // The feed after the previous cut is the top margin of this receipt, not a line of it.
    if (line.text !== '' || this.#current.blocks.length > 0) this.#current.blocks.push(line);
  }

  #usePaper(lines: number): void {
    this.#paper = Math.max(0, this.#paper - lines);
  }

  #addImage(image: DecodedImage): void {
    const blocks = this.#current.blocks;
    const last = blocks[blocks.length - 1];
    if (image.mode === 'column' && last?.kind === 'image' && last.mode === 'column' && last.width === image.width && last.scaleX === image.scaleX && last.scaleY === image.scaleY && last.complete && image.complete) {
      const bitmap = new Uint8Array(last.bitmap.length + image.bitmap.length);
      bitmap.set(last.bitmap);
      bitmap.set(image.bitmap, last.bitmap.length);
      blocks[blocks.length - 1] = { ...last, height: last.height + image.height, bitmap };
      return;
    }
    blocks.push(image);
  }

  #pulse(item: { pin: 2 | 5; onMs: number; offMs: number; realtime: boolean }, out: number[]): void {
    const opened = item.pin === this.#drawerPin && !this.#drawerOpen;
    if (opened) this.#drawerOpen = true;
    this.#current.blocks.push({ kind: 'pulse', pin: item.pin, onMs: item.onMs, offMs: item.offMs, realtime: item.realtime, atMs: this.#now, opened });
    this.#statusChanged(out);
  }

  #receipt(r: OpenReceipt): PrintedReceipt {
    const blocks = [...r.blocks];
    const styledLines = blocks.filter((b): b is PrintedLine => b.kind === 'line');
    const qrCodes = blocks.filter((b): b is DecodedQr => b.kind === 'qr');
    return {
      lines: styledLines.map((l) => l.text),
      styledLines,
      qrs: qrCodes.map((q) => q.payload),
      qrCodes,
      barcodes: blocks.filter((b): b is DecodedBarcode => b.kind === 'barcode'),
      images: blocks.filter((b): b is DecodedImage => b.kind === 'image'),
      pulses: blocks.filter((b): b is PrintedPulse => b.kind === 'pulse'),
      cutKind: r.cutKind,
      reprintBanner: styledLines.some((l) => this.#reprint.test(l.text)),
      interrupted: r.interrupted,
      unknown: [...r.unknown],
      blocks,
      columns: this.columns,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Layout

/** Splits a decoded line into the physical lines a printer `capacityDots` wide prints. */
function wrap(item: DecodedText, capacityDots: number): PrintedLine[] {
  if (item.runs.length === 0) return [{ kind: 'line', text: '', style: item.style, runs: [], wrapped: false }];
  const lines: PrintedLine[] = [];
  let runs: { text: string; style: TextStyle; wide: boolean }[] = [];
  let used = 0;
  const finish = (): void => {
    const frozen: TextRun[] = runs.map((r) => ({ ...r }));
    lines.push({ kind: 'line', text: frozen.map((r) => r.text).join(''), style: lineStyle(frozen, item.style), runs: frozen, wrapped: lines.length > 0 });
    runs = [];
    used = 0;
  };
  for (const run of item.runs) {
    const dots = (run.wide ? WIDE_DOTS : FONT_DOTS[run.style.font]) * run.style.width;
    for (const ch of run.text) {
      if (used > 0 && used + dots > capacityDots) finish();
      const last = runs[runs.length - 1];
      if (last !== undefined && last.style === run.style && last.wide === run.wide) last.text += ch;
      else runs.push({ text: ch, style: run.style, wide: run.wide });
      used += dots;
    }
  }
  finish();
  return lines;
}

// Most lines fit (Kassa lays text out to the paper's columns), and then the character by
// character split below would give back the decoded line itself: same runs (the decoder already
// starts a new run exactly where style object or width class change, and an empty run is the
// only one the split drops), same text, same style. The width bound uses UTF-16 units, which
// are never fewer than characters.
function fitsAsDecoded(runs: readonly TextRun[], capacityDots: number): boolean {
  let used = 0;
  let previous: TextRun | undefined;
  for (const run of runs) {
    if (run.text === '' || (previous !== undefined && previous.style === run.style && previous.wide === run.wide)) return false;
    used += run.text.length * (run.wide ? WIDE_DOTS : FONT_DOTS[run.style.font]) * run.style.width;
    previous = run;
  }
  return used <= capacityDots;
}

// Columns a string takes in plain text: double-byte characters take two.
function textWidth(runs: readonly TextRun[]): number {
  return runs.reduce((sum, r) => sum + [...r.text].length * (r.wide ? 2 : 1), 0);
}

function place(text: string, width: number, align: Align, columns: number): string {
  const free = Math.max(0, columns - width);
  const pad = align === 'center' ? Math.floor(free / 2) : align === 'right' ? free : 0;
  return ' '.repeat(pad) + text;
}

/**
 * The receipt as plain text, `columns` wide: lines placed by their alignment (characters are
 * not stretched by size), symbols and images as one bracketed line, the cut as a rule of
 * dashes (spaced dashes for a partial cut). Pulses print nothing.
 */
export function renderText(receipt: PrintedReceipt): string {
  const columns = receipt.columns;
  const out: string[] = [];
  const symbol = (text: string, align: Align): void => {
    out.push(place(text, [...text].length, align, columns));
  };
  for (const block of receipt.blocks) {
    switch (block.kind) {
      case 'line': {
        const trimmed = block.text.trimEnd();
        out.push(trimmed === '' ? '' : place(trimmed, textWidth(block.runs) - (block.text.length - trimmed.length), block.style.align, columns));
        break;
      }
      case 'qr':
        symbol(`[QR ${block.payload}]`, block.align);
        break;
      case 'barcode':
        symbol(`[${block.type} ${block.data}]`, block.align);
        break;
      case 'image':
        symbol(`[image ${block.width}x${block.height}]`, block.align);
        break;
      case 'pulse':
        break;
    }
  }
  if (receipt.cutKind === 'full') out.push('-'.repeat(columns));
  else if (receipt.cutKind === 'partial') out.push('- '.repeat(Math.floor(columns / 2)).trimEnd());
  return `${out.join('\n')}\n`;
}
