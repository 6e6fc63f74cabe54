// The 2×20 VFD customer pole display: screen layouts, the two command sets found in the field
// (Epson DM-D and CD5220, usually picked by DIP switch, so a strategy chosen in config), and
// a virtual display that applies those bytes to a 2×20 buffer for the simulator and tests.
// Hand-written: npm has no package for either display command set (none under pole, VFD,
// customer display or CD5220), and the ESC/POS printer libraries know neither US $ x y nor
// ESC Q A, nor decode anything back; the command sets are a dozen bytes each (hardware.md §4).
//
// Sources: Epson DM-D110 specification (ESC t n range 0–5, 16–19, default page 0 = PC437;
// ESC @ clears and homes; ESC = n selects the device), the CD5220 user manual command list
// (ESC Q A/B … CR string mode, ESC l x y, ESC * n, ESC _ n, ESC = n; "while using ESC Q A
// or ESC Q B, other commands cannot be used except CLR or CAN"), both cited in hardware.md.
//
// Pure: strings in, bytes out and back. No I/O, no timers.
import iconv from 'iconv-lite';
import { displayMoney, formatMoney } from '../../src/domain/money.ts';
import type { Money } from '../../src/domain/money.ts';
import type { Unit } from '../../src/domain/product.ts';

export const DISPLAY_COLUMNS = 20;
export const DISPLAY_ROWS = 2;

export type DisplayCommandSet = 'epson-dmd' | 'cd5220';

/**
 * What the display's font can show.
 * - `ascii`: 0x20–0x7E only. No currency sign is shown; amounts are bare digits.
 * - `cp437-yen`: code page PC437 (Epson page 0, the power-on default of DM-D and CD5220
 *   displays), which has ¥ at 0x9D. PC850/PC858 also have it (at 0xBE) but are not every
 *   display's default, and JIS X0201's ¥ at 0x5C costs the backslash; PC437 needs no switch.
 * - `gbk`: a Chinese-font display: ASCII single bytes plus GBK double bytes, each two columns
 *   wide. GBK has no ¥ (U+00A5 is a four-byte GB18030 code), so the fullwidth ￥ (A3 A4) is used.
 */
export type DisplayCharset = 'ascii' | 'cp437-yen' | 'gbk';

/** Labels and name choice. Chinese needs a `gbk` display; on any other charset English is used. */
export type DisplayLanguage = 'en' | 'zh';

/** Exactly what the two lines show: each exactly 20 columns (a GBK character counts two). */
export interface DisplayScreen {
  readonly line1: string;
  readonly line2: string;
}

export interface DisplayLayoutOptions {
  readonly charset: DisplayCharset;
  readonly language: DisplayLanguage;
}

export interface PoleDisplayOptions {
  readonly charset: DisplayCharset;
  /** VFD brightness 1–4; left as the display has it when absent. */
  readonly brightness?: 1 | 2 | 3 | 4;
  /**
   * Epson DM-D only: the display sits between host and printer on one serial line, so every
   * write is wrapped in ESC = 2 (display) … ESC = 1 (printer, so receipts keep printing).
   * Refused for CD5220: it ignores every command but CLR/CAN while in string mode, so the
   * closing ESC = 1 would be lost and the printer left deselected.
   */
  readonly daisyChained?: boolean;
}

export class DisplayConfigError extends Error {
  override name = 'DisplayConfigError';
}

/** Chinese and English names of a product or store; either may be empty. */
export interface BilingualName {
  readonly nameZh: string;
  readonly nameEn: string;
}

/** One scanned or weighed line as the customer sees it. */
export interface DisplayItem extends BilingualName {
  readonly unit: Unit;
  /** Items × 1000 for `each`, grams for `kg` (as in the cart). */
  readonly quantityMilli: number;
  /** Per item or per kg. */
  readonly unitPrice: Money;
  /** The line's amount. */
  readonly amount: Money;
}

// ---------------------------------------------------------------------------------------
// Characters

interface Glyph {
  readonly bytes: readonly number[];
  readonly width: 1 | 2;
}

const glyphCache: Record<DisplayCharset, Map<string, Glyph | null>> = { ascii: new Map(), 'cp437-yen': new Map(), gbk: new Map() };

function isPrivateUse(cp: number): boolean {
  return cp >= 0xe000 && cp <= 0xf8ff;
}

function computeGlyph(ch: string, charset: DisplayCharset): Glyph | null {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch.length === 1 && cp >= 0x20 && cp <= 0x7e) return { bytes: [cp], width: 1 };
  if (charset === 'ascii') return null;
  if (charset === 'cp437-yen') {
    const b = Array.from(iconv.encode(ch, 'cp437'));
    const [byte] = b;
    if (b.length !== 1 || byte === undefined || byte < 0x80) return null;
    return iconv.decode(Uint8Array.of(byte), 'cp437') === ch ? { bytes: [byte], width: 1 } : null;
  }
  const b = Array.from(iconv.encode(ch, 'gbk'));
  const [lead, trail] = b;
  if (b.length !== 2 || lead === undefined || trail === undefined || lead < 0x81 || lead > 0xfe) return null;
  // GBK's user-defined areas decode to private-use code points no display font has.
  if (isPrivateUse(cp) || iconv.decode(Uint8Array.of(lead, trail), 'gbk') !== ch) return null;
  return { bytes: [lead, trail], width: 2 };
}

function glyph(ch: string, charset: DisplayCharset): Glyph | null {
  const cache = glyphCache[charset];
  let g = cache.get(ch);
  if (g === undefined) {
    g = computeGlyph(ch, charset);
    if (cache.size < 4096) cache.set(ch, g);
  }
  return g;
}

function substitute(ch: string, charset: DisplayCharset): string {
  return charset === 'gbk' && ch === '¥' ? '￥' : ch;
}

/** True when every character of `text` shows on this charset as it is (after ¥ → ￥ on GBK). */
export function canDisplay(text: string, charset: DisplayCharset): boolean {
  for (const ch of text) if (glyph(substitute(ch, charset), charset) === null) return false;
  return true;
}

/** `text` as the display will show it: ¥ → ￥ on GBK, anything it cannot show → '?'. */
export function toDisplayable(text: string, charset: DisplayCharset): string {
  let out = '';
  for (const raw of text) {
    const ch = substitute(raw, charset);
    out += glyph(ch, charset) === null ? '?' : ch;
  }
  return out;
}

/** Columns `text` takes once made displayable (GBK double-byte characters take two). */
export function displayWidth(text: string, charset: DisplayCharset): number {
  let w = 0;
  for (const ch of toDisplayable(text, charset)) w += glyph(ch, charset)?.width ?? 1;
  return w;
}

/** The bytes that show `text` (made displayable first). */
export function encodeText(text: string, charset: DisplayCharset): number[] {
  const out: number[] = [];
  for (const ch of toDisplayable(text, charset)) out.push(...(glyph(ch, charset)?.bytes ?? [0x3f]));
  return out;
}

/** The longest prefix of displayable `text` that fits `columns`; a wide character is never split. */
function truncate(text: string, columns: number, charset: DisplayCharset): string {
  let out = '';
  let w = 0;
  for (const ch of toDisplayable(text, charset)) {
    const cw = glyph(ch, charset)?.width ?? 1;
    if (w + cw > columns) break;
    out += ch;
    w += cw;
  }
  return out;
}

/** `text` made displayable, cut to 20 columns and padded with spaces to exactly 20. */
export function fitLine(text: string, charset: DisplayCharset): string {
  const t = truncate(text, DISPLAY_COLUMNS, charset);
  return t + ' '.repeat(DISPLAY_COLUMNS - displayWidth(t, charset));
}

function centre(text: string, charset: DisplayCharset): string {
  const t = truncate(text, DISPLAY_COLUMNS, charset);
  return fitLine(' '.repeat(Math.floor((DISPLAY_COLUMNS - displayWidth(t, charset)) / 2)) + t, charset);
}

/**
 * `right` right-aligned and never cut (it is an amount), with the first of `lefts` that fits
 * beside it after at least one space. When none fits, the last is cut to the room left.
 */
function leftRight(lefts: readonly string[], right: string, charset: DisplayCharset): string {
  const r = toDisplayable(right, charset);
  const rw = displayWidth(r, charset);
  // Cannot happen below MAX_MINOR_UNITS; an amount is never shown cut, so show overflow instead.
  if (rw > DISPLAY_COLUMNS) return '*'.repeat(DISPLAY_COLUMNS);
  const room = DISPLAY_COLUMNS - rw - 1;
  let left = '';
  for (const candidate of lefts) {
    const l = toDisplayable(candidate, charset);
    if (displayWidth(l, charset) <= room) {
      left = l;
      break;
    }
    left = room > 0 ? truncate(l, room, charset) : '';
  }
  const gap = DISPLAY_COLUMNS - displayWidth(left, charset) - rw;
  return left + ' '.repeat(gap) + r;
}

// ---------------------------------------------------------------------------------------
// Layouts

const LABELS = {
  en: { welcome: 'WELCOME', total: 'TOTAL', items: 'ITEMS', paid: 'PAID', change: 'CHANGE', thanks: 'THANK YOU', again: 'PLEASE COME AGAIN' },
  zh: { welcome: '欢迎光临', total: '合计', items: '件数', paid: '实收', change: '找零', thanks: '谢谢惠顾', again: '欢迎再次光临' },
} as const;

function language(opts: DisplayLayoutOptions): DisplayLanguage {
  return opts.language === 'zh' && opts.charset === 'gbk' ? 'zh' : 'en';
}

/**
 * The name to show: in the display's language first, else the other one; a name the font
 * cannot show (Chinese on a Latin VFD) gives way to the other. When neither shows, the
 * preferred one is shown with '?' for what cannot be drawn.
 */
export function displayName(name: BilingualName, opts: DisplayLayoutOptions): string {
  const order = language(opts) === 'zh' ? [name.nameZh, name.nameEn] : [name.nameEn, name.nameZh];
  const present = order.map((n) => n.trim()).filter((n) => n.length > 0);
  const shown = present.find((n) => canDisplay(n, opts.charset)) ?? present[0] ?? '';
  return toDisplayable(shown, opts.charset);
}

/** "¥12.50" when the sign can be shown, else "12.50" (and "￥12.50" on GBK). */
export function displayAmount(m: Money, charset: DisplayCharset): string {
  const withSign = displayMoney(m);
  return canDisplay(withSign, charset) ? toDisplayable(withSign, charset) : formatMoney(m);
}

/** Items × 1000 as "2", "1.5", "0.25"; grams as "0.455kg". */
function quantityText(unit: Unit, quantityMilli: number): string {
  const sign = quantityMilli < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(quantityMilli));
  const whole = Math.floor(abs / 1000);
  const frac = String(abs % 1000).padStart(3, '0');
  if (unit === 'kg') return `${sign}${whole}.${frac}kg`;
  const trimmed = frac.replace(/0+$/, '');
  return `${sign}${whole}${trimmed ? `.${trimmed}` : ''}`;
}

export function blankScreen(): DisplayScreen {
  return { line1: ' '.repeat(DISPLAY_COLUMNS), line2: ' '.repeat(DISPLAY_COLUMNS) };
}

/** Idle: the store's name and a welcome, centred. */
export function welcomeScreen(store: BilingualName, opts: DisplayLayoutOptions): DisplayScreen {
  return { line1: centre(displayName(store, opts), opts.charset), line2: centre(LABELS[language(opts)].welcome, opts.charset) };
}

/**
 * A scanned or weighed item: its name on line 1 (cut at 20 columns), and on line 2 the
 * quantity × unit price at the left and the line amount at the right. The amount is never
 * cut; the left part drops the currency sign, then its spaces, then the price, to make room.
 */
export function itemScreen(item: DisplayItem, opts: DisplayLayoutOptions): DisplayScreen {
  const { charset } = opts;
  const q = quantityText(item.unit, item.quantityMilli);
  const price = displayAmount(item.unitPrice, charset);
  const bare = formatMoney(item.unitPrice);
  const lefts = [`${q} x ${price}`, `${q} x ${bare}`, `${q}x${bare}`, q];
  return { line1: fitLine(displayName(item, opts), charset), line2: leftRight(lefts, displayAmount(item.amount, charset), charset) };
}

/** The amount due: "TOTAL" / 合计 and the amount; the item count below when given. */
export function totalScreen(total: Money, opts: DisplayLayoutOptions, itemCount?: number): DisplayScreen {
  const labels = LABELS[language(opts)];
  return {
    line1: leftRight([labels.total], displayAmount(total, opts.charset), opts.charset),
    line2: itemCount === undefined ? blankScreen().line2 : leftRight([labels.items], String(itemCount), opts.charset),
  };
}

/** After a cash payment: what was tendered, and the change. */
export function changeScreen(tendered: Money, change: Money, opts: DisplayLayoutOptions): DisplayScreen {
  const labels = LABELS[language(opts)];
  return {
    line1: leftRight([labels.paid], displayAmount(tendered, opts.charset), opts.charset),
    line2: leftRight([labels.change], displayAmount(change, opts.charset), opts.charset),
  };
}

export function thankYouScreen(opts: DisplayLayoutOptions): DisplayScreen {
  const labels = LABELS[language(opts)];
  return { line1: centre(labels.thanks, opts.charset), line2: centre(labels.again, opts.charset) };
}

// ---------------------------------------------------------------------------------------
// Encoding

const ESC = 0x1b;
const US = 0x1f;
const CR = 0x0d;
const CLR = 0x0c;

/** Epson ESC t n page numbers for the tables this module can decode (DM-D110 spec §4.3). */
const CODE_TABLES: Readonly<Record<number, string>> = {
  0: 'cp437',
  2: 'cp850',
  3: 'cp860',
  4: 'cp863',
  5: 'cp865',
  16: 'windows1252',
  17: 'cp866',
  18: 'cp852',
  19: 'cp858',
};
const KATAKANA_TABLE = 1;
const PC437_TABLE = 0;

function checkOptions(commandSet: DisplayCommandSet, opts: PoleDisplayOptions): void {
  if (commandSet === 'cd5220' && opts.daisyChained) {
    throw new DisplayConfigError('a CD5220 display cannot be daisy-chained in front of the printer by Kassa: in string mode it ignores ESC = 1, which would leave the printer deselected; connect it to its own port or use the Epson DM-D command set');
  }
}

function chained(commandSet: DisplayCommandSet, opts: PoleDisplayOptions, body: number[]): Uint8Array {
  checkOptions(commandSet, opts);
  return Uint8Array.from(opts.daisyChained ? [ESC, 0x3d, 0x02, ...body, ESC, 0x3d, 0x01] : body);
}

/**
 * Puts the display in a known state: initialise (which clears it), overwrite mode, cursor
 * off, the code page with ¥ on Epson, and brightness. CD5220: CLR first, because a display
 * left in string mode ignores ESC @; no code-table command, since the CD5220 command list
 * has none (ESC t is Epson's) and its power-on font is PC437.
 */
export function encodeInit(commandSet: DisplayCommandSet, opts: PoleDisplayOptions): Uint8Array {
  const body: number[] = [];
  if (commandSet === 'epson-dmd') {
    body.push(ESC, 0x40, US, 0x01, US, 0x43, 0x00);
    if (opts.charset === 'cp437-yen') body.push(ESC, 0x74, PC437_TABLE);
    if (opts.brightness !== undefined) body.push(US, 0x58, opts.brightness);
  } else {
    body.push(CLR, ESC, 0x40, ESC, 0x11, ESC, 0x5f, 0x00);
    if (opts.brightness !== undefined) body.push(ESC, 0x2a, opts.brightness);
  }
  return chained(commandSet, opts, body);
}

/**
 * The bytes that draw `screen`, each line first made displayable and fitted to 20 columns.
 * Epson: overwrite mode and the code page again (cheap, and right even after a display
 * power cycle), then each line at its own cursor address; every cell is written, so no clear
 * and no flicker. CD5220: the two string-mode lines, ESC Q A … CR and ESC Q B … CR.
 */
export function encodeScreen(commandSet: DisplayCommandSet, screen: DisplayScreen, opts: PoleDisplayOptions): Uint8Array {
  const l1 = encodeText(fitLine(screen.line1, opts.charset), opts.charset);
  const l2 = encodeText(fitLine(screen.line2, opts.charset), opts.charset);
  const body: number[] = [];
  if (commandSet === 'epson-dmd') {
    body.push(US, 0x01);
    if (opts.charset === 'cp437-yen') body.push(ESC, 0x74, PC437_TABLE);
    body.push(US, 0x24, 1, 1, ...l1, US, 0x24, 1, 2, ...l2);
  } else {
    body.push(ESC, 0x51, 0x41, ...l1, CR, ESC, 0x51, 0x42, ...l2, CR);
  }
  return chained(commandSet, opts, body);
}

// ---------------------------------------------------------------------------------------
// Virtual display

export type DisplayMode = 'overwrite' | 'vertical-scroll' | 'horizontal-scroll';

export interface VirtualDisplayCounters {
  bytes: number;
  /** Bytes that were not text and not a command this model knows, or arrived while deselected. */
  ignored: number;
}

/** Longest unfinished sequence kept across writes (ESC & user characters can be ~1.3 kB). */
const MAX_PENDING = 2048;
/** CD5220 string mode: at most this many bytes before CR (ESC Q D allows 40). */
const MAX_STRING = 64;

/** How many bytes a step used; 0 means the sequence is not complete yet. */
type Step = number;

/**
 * A 2×20 display that applies Epson DM-D or CD5220 bytes the way the manuals describe. It
 * accepts bytes in any chunking, never throws, and ignores (and counts) what it does not
 * know. Simplifications: horizontal scroll shifts the line one cell per overflowing
 * character; blink, windows and user-defined characters are parsed and skipped; ESC Q D
 * (marquee) shows its first 20 columns; international character sets are ignored.
 */
export class VirtualPoleDisplay {
  readonly commandSet: DisplayCommandSet;
  readonly charset: DisplayCharset;
  readonly counters: VirtualDisplayCounters = { bytes: 0, ignored: 0 };
  mode: DisplayMode = 'overwrite';
  codeTable = PC437_TABLE;
  brightness = 4;
  cursorVisible = true;
  /** ESC = n: whether data is for the display (daisy chain). */
  selected = true;
  /** CD5220 string mode (after ESC Q A/B/D): only ESC Q, CLR and CAN are obeyed. */
  stringMode = false;
  #cells: string[][];
  #row = 0;
  #col = 0;
  /** The cursor sits past the last column; the wrap (or scroll) happens on the next character. */
  #pendingWrap = false;
  #pending: number[] = [];

  /** `charset` is the display's font: `gbk` for a Chinese-font display, else the code page decides. */
  constructor(commandSet: DisplayCommandSet, charset: DisplayCharset = 'cp437-yen') {
    this.commandSet = commandSet;
    this.charset = charset;
    this.#cells = [blankRow(), blankRow()];
  }

  get cursor(): { row: number; col: number } {
    return { row: this.#row, col: this.#col };
  }

  screen(): DisplayScreen {
    const line = (r: string[] | undefined): string => (r ?? blankRow()).join('');
    return { line1: line(this.#cells[0]), line2: line(this.#cells[1]) };
  }

  write(bytes: Uint8Array): void {
    this.counters.bytes += bytes.length;
    const data = this.#pending.length > 0 ? [...this.#pending, ...bytes] : Array.from(bytes);
    this.#pending = [];
    let i = 0;
    while (i < data.length) {
      const used = this.#step(data, i);
      if (used > 0) {
        i += used;
        continue;
      }
      if (data.length - i > MAX_PENDING) {
        // A sequence that never completes: give up on its first byte and read on.
        this.counters.ignored += 1;
        i += 1;
        continue;
      }
      this.#pending = data.slice(i);
      break;
    }
  }

  #step(d: readonly number[], i: number): Step {
    const b = d[i] ?? 0;
    if (!this.selected) return this.#deselected(d, i);
    if (this.commandSet === 'cd5220' && this.stringMode) return this.#stringModeStep(d, i);
    if (b === ESC) return this.commandSet === 'epson-dmd' ? this.#epsonEsc(d, i) : this.#cdEsc(d, i);
    if (b === US) return this.#us(d, i);
    if (b < 0x20 || b === 0x7f) return this.#control(b);
    const t = this.#readChar(d, i);
    if (t === null) return 0;
    this.#put(t.ch, t.width);
    return t.used;
  }

  #deselected(d: readonly number[], i: number): Step {
    if (d[i] !== ESC) return this.#ignore(1);
    if (i + 1 >= d.length) return 0;
    if (d[i + 1] !== 0x3d) return this.#ignore(1);
    if (i + 2 >= d.length) return 0;
    this.selected = ((d[i + 2] ?? 0) & 0x02) !== 0;
    return 3;
  }

  #ignore(n: number): Step {
    this.counters.ignored += n;
    return n;
  }

  /** Whether all `n` bytes of a fixed-length sequence have arrived. */
  #need(d: readonly number[], i: number, n: number): boolean {
    return i + n <= d.length;
  }

  #control(b: number): Step {
    switch (b) {
      case 0x08: // BS
        if (this.#pendingWrap) this.#pendingWrap = false;
        else if (this.#col > 0) this.#col -= 1;
        else if (this.#row === 1) [this.#row, this.#col] = [0, DISPLAY_COLUMNS - 1];
        return 1;
      case 0x09: // HT
        if (this.#pendingWrap || this.#col === DISPLAY_COLUMNS - 1) this.#wrap();
        else this.#col += 1;
        return 1;
      case 0x0a: // LF
        this.#pendingWrap = false;
        if (this.#row === 0) this.#row = 1;
        else if (this.mode === 'vertical-scroll') this.#scrollUp();
        else this.#row = 0;
        return 1;
      case 0x0b: // home
        this.#home();
        return 1;
      case CLR:
        this.#clearAll();
        return 1;
      case CR:
        this.#col = 0;
        this.#pendingWrap = false;
        return 1;
      case 0x18: // CAN: clear the cursor line
        this.#cells[this.#row] = blankRow();
        this.#col = 0;
        this.#pendingWrap = false;
        this.stringMode = false;
        return 1;
      default:
        return this.#ignore(1);
    }
  }

  #epsonEsc(d: readonly number[], i: number): Step {
    if (!this.#need(d, i, 2)) return 0;
    const c = d[i + 1] ?? 0;
    switch (c) {
      case 0x40:
        this.#init();
        return 2;
      case 0x74: // ESC t n
      case 0x3d: // ESC = n
      case 0x52: // ESC R n international set
      case 0x25: // ESC % n user-defined set on/off
      case 0x3f: // ESC ? n cancel user-defined character
        return this.#withArg(d, i, c);
      case 0x26:
        return this.#userChars(d, i);
      case 0x57: {
        // ESC W n m [x1 y1 x2 y2]: window; the range follows only when selecting.
        if (!this.#need(d, i, 4)) return 0;
        const m = d[i + 3] ?? 0;
        const len = m === 1 || m === 0x31 ? 8 : 4;
        return this.#need(d, i, len) ? len : 0;
      }
      default:
        return this.#ignore(2);
    }
  }

  #cdEsc(d: readonly number[], i: number): Step {
    if (!this.#need(d, i, 2)) return 0;
    const c = d[i + 1] ?? 0;
    switch (c) {
      case 0x40:
        this.#init();
        return 2;
      case 0x11:
      case 0x12:
      case 0x13:
        this.mode = c === 0x11 ? 'overwrite' : c === 0x12 ? 'vertical-scroll' : 'horizontal-scroll';
        return 2;
      case 0x51:
        return this.#stringLine(d, i);
      case 0x6c: {
        // ESC l x y
        if (!this.#need(d, i, 4)) return 0;
        this.#moveTo(d[i + 2] ?? 0, d[i + 3] ?? 0);
        return 4;
      }
      case 0x5b: {
        // ESC [ c: cursor moves
        if (!this.#need(d, i, 3)) return 0;
        this.#cursorMove(d[i + 2] ?? 0);
        return 3;
      }
      case 0x2a: // ESC * n brightness
      case 0x5f: // ESC _ n cursor on/off
      case 0x74: // ESC t n: not in the CD5220 list, but clones answer it as Epson does
      case 0x3d: // ESC = n
      case 0x66: // ESC f n international set
      case 0x63: // ESC c n ASCII/JIS font
      case 0x25:
      case 0x3f:
      case 0x23: // ESC # n command type
      case 0x73: // ESC s 1 store user characters
      case 0x64: // ESC d 1 load user characters
        return this.#withArg(d, i, c);
      case 0x26:
        return this.#userChars(d, i);
      case 0x57: // ESC W s x1 x2 y
        return this.#need(d, i, 6) ? 6 : 0;
      default:
        return this.#ignore(2);
    }
  }

  #withArg(d: readonly number[], i: number, c: number): Step {
    if (!this.#need(d, i, 3)) return 0;
    const n = d[i + 2] ?? 0;
    if (c === 0x74) this.codeTable = n;
    else if (c === 0x3d) this.selected = (n & 0x02) !== 0;
    else if (c === 0x2a && n >= 1 && n <= 4) this.brightness = n;
    else if (c === 0x5f) this.cursorVisible = (n & 0x01) !== 0;
    return 3;
  }

  /**
   * ESC & s n m, then per character n…m: a, then s × a pattern bytes. Both manuals allow only
   * s = 1 and a ≤ 5, so a valid sequence is at most 5 + 224 × 6 bytes, well inside
   * MAX_PENDING: how the bytes were chunked never changes what the display shows.
   */
  #userChars(d: readonly number[], i: number): Step {
    if (!this.#need(d, i, 5)) return 0;
    const s = d[i + 2] ?? 0;
    const first = d[i + 3] ?? 0;
    const last = d[i + 4] ?? 0;
    if (s !== 1 || first < 0x20 || last < first) return this.#ignore(5);
    let j = i + 5;
    for (let code = first; code <= last; code += 1) {
      if (j >= d.length) return 0;
      const a = d[j] ?? 0;
      if (a > 5) return this.#ignore(j + 1 - i);
      j += 1 + s * a;
      if (j > d.length) return 0;
    }
    return j - i;
  }

  #us(d: readonly number[], i: number): Step {
    if (!this.#need(d, i, 2)) return 0;
    const c = d[i + 1] ?? 0;
    switch (c) {
      case 0x01:
      case 0x02:
      case 0x03:
        this.mode = c === 0x01 ? 'overwrite' : c === 0x02 ? 'vertical-scroll' : 'horizontal-scroll';
        return 2;
      case 0x24: {
        // US $ x y
        if (!this.#need(d, i, 4)) return 0;
        this.#moveTo(d[i + 2] ?? 0, d[i + 3] ?? 0);
        return 4;
      }
      case 0x0a: // US LF: up
        this.#cursorMove(0x41);
        return 2;
      case 0x0d: // US CR: right end
        this.#cursorMove(0x52);
        return 2;
      case 0x42: // US B: bottom
        this.#cursorMove(0x4b);
        return 2;
      case 0x40: // US @ self-test
        return 2;
      case 0x43: {
        // US C n cursor display
        if (!this.#need(d, i, 3)) return 0;
        this.cursorVisible = ((d[i + 2] ?? 0) & 0x01) !== 0;
        return 3;
      }
      case 0x58: {
        // US X n brightness
        if (!this.#need(d, i, 3)) return 0;
        const n = d[i + 2] ?? 0;
        if (n >= 1 && n <= 4) this.brightness = n;
        return 3;
      }
      case 0x45: // US E n blink
      case 0x72: // US r n reverse
        return this.#need(d, i, 3) ? 3 : 0;
      default:
        return this.#ignore(2);
    }
  }

  #cursorMove(c: number): void {
    this.#pendingWrap = false;
    switch (c) {
      case 0x44: // left
        this.#control(0x08);
        break;
      case 0x43: // right
        this.#control(0x09);
        break;
      case 0x41: // up
        this.#row = 0;
        break;
      case 0x42: // down
        this.#control(0x0a);
        break;
      case 0x48: // home
        this.#home();
        break;
      case 0x4c: // left end
        this.#col = 0;
        break;
      case 0x52: // right end
        this.#col = DISPLAY_COLUMNS - 1;
        break;
      case 0x4b: // bottom (left end of the lower line)
        [this.#row, this.#col] = [1, 0];
        break;
      default:
        this.counters.ignored += 1;
    }
  }

  /** ESC Q A|B|D text CR: writes a whole line and enters string mode. */
  #stringLine(d: readonly number[], i: number): Step {
    if (!this.#need(d, i, 3)) return 0;
    const which = d[i + 2] ?? 0;
    let end = -1;
    for (let j = i + 3; j < d.length && j < i + 3 + MAX_STRING; j += 1) {
      if (d[j] === CR || d[j] === ESC) {
        end = j;
        break;
      }
    }
    if (end < 0) {
      if (d.length < i + 3 + MAX_STRING) return 0;
      end = i + 3 + MAX_STRING;
    }
    const used = end - i + (d[end] === CR ? 1 : 0);
    if (which !== 0x41 && which !== 0x42 && which !== 0x44) return this.#ignore(used);
    const row = which === 0x42 ? 1 : 0;
    const cells = blankRow();
    const text = d.slice(0, end);
    let col = 0;
    let j = i + 3;
    while (j < end) {
      const t = this.#readChar(text, j);
      if (t === null) {
        j += 1; // a lead byte cut off by CR
        if (col < DISPLAY_COLUMNS) cells[col++] = '?';
        continue;
      }
      j += t.used;
      if (col + t.width > DISPLAY_COLUMNS) break;
      cells[col] = t.ch;
      if (t.width === 2) cells[col + 1] = '';
      col += t.width;
    }
    this.#cells[row] = cells;
    this.stringMode = true;
    return used;
  }

  #stringModeStep(d: readonly number[], i: number): Step {
    const b = d[i] ?? 0;
    if (b === CLR || b === 0x18) return this.#control(b);
    if (b !== ESC) return this.#ignore(1);
    if (!this.#need(d, i, 2)) return 0;
    if (d[i + 1] === 0x51) return this.#stringLine(d, i);
    return this.#ignore(1);
  }

  /** The character at d[i] in the current font: one byte, or a GBK pair; null if the pair is cut off. */
  #readChar(d: readonly number[], i: number): { ch: string; width: 1 | 2; used: number } | null {
    const b = d[i] ?? 0;
    if (b >= 0x20 && b <= 0x7e) return { ch: String.fromCharCode(b), width: 1, used: 1 };
    if (this.charset === 'ascii') return { ch: '?', width: 1, used: 1 };
    if (this.charset === 'gbk') {
      if (b < 0x81 || b > 0xfe) return { ch: '?', width: 1, used: 1 };
      if (i + 1 >= d.length) return null;
      const t = d[i + 1] ?? 0;
      if (t < 0x40 || t === 0x7f || t > 0xfe) return { ch: '?', width: 1, used: 1 };
      const ch = iconv.decode(Uint8Array.of(b, t), 'gbk');
      const g = glyph(ch, 'gbk');
      const same = g !== null && g.bytes[0] === b && g.bytes[1] === t;
      return same ? { ch, width: 2, used: 2 } : { ch: '?', width: 1, used: 2 };
    }
    return { ch: this.#singleByte(b), width: 1, used: 1 };
  }

  #singleByte(b: number): string {
    if (this.codeTable === KATAKANA_TABLE) {
      return b >= 0xa1 && b <= 0xdf ? String.fromCharCode(0xff61 + b - 0xa1) : '?';
    }
    const table = CODE_TABLES[this.codeTable];
    if (table === undefined) return '?';
    const ch = iconv.decode(Uint8Array.of(b), table);
    const cp = ch.codePointAt(0) ?? 0;
    return ch.length !== 1 || cp < 0x20 || cp === 0xfffd || (cp >= 0x7f && cp < 0xa0) ? '?' : ch;
  }

  #put(ch: string, width: 1 | 2): void {
    if (this.#pendingWrap) this.#wrap();
    let c = ch;
    let w = width;
    if (w === 2 && this.#col === DISPLAY_COLUMNS - 1) {
      // Half a wide character cannot be drawn.
      c = '?';
      w = 1;
    }
    const row = this.#cells[this.#row] ?? blankRow();
    this.#unsplit(row, this.#col);
    if (w === 2) this.#unsplit(row, this.#col + 1);
    row[this.#col] = c;
    if (w === 2) row[this.#col + 1] = '';
    this.#cells[this.#row] = row;
    this.#col += w;
    if (this.#col >= DISPLAY_COLUMNS) {
      this.#col = DISPLAY_COLUMNS - 1;
      this.#pendingWrap = true;
    }
  }

  /** Before cell `col` is overwritten: a wide character it was half of becomes a space. */
  #unsplit(row: string[], col: number): void {
    if (row[col] === '' && col > 0) row[col - 1] = ' ';
    else if (row[col + 1] === '') row[col + 1] = ' ';
  }

  /** The character after the last column: where it goes depends on the mode. */
  #wrap(): void {
    this.#pendingWrap = false;
    if (this.mode === 'horizontal-scroll') {
      const row = this.#cells[this.#row] ?? blankRow();
      row.shift();
      row.push(' ');
      if (row[0] === '') row[0] = ' ';
      this.#cells[this.#row] = row;
      this.#col = DISPLAY_COLUMNS - 1;
      return;
    }
    this.#col = 0;
    if (this.#row === 0) this.#row = 1;
    else if (this.mode === 'vertical-scroll') this.#scrollUp();
    else this.#row = 0;
  }

  #scrollUp(): void {
    this.#cells = [this.#cells[1] ?? blankRow(), blankRow()];
    this.#row = 1;
  }

  #moveTo(x: number, y: number): void {
    if (x < 1 || x > DISPLAY_COLUMNS || y < 1 || y > DISPLAY_ROWS) {
      this.counters.ignored += 1;
      return;
    }
    this.#col = x - 1;
    this.#row = y - 1;
    this.#pendingWrap = false;
  }

  #home(): void {
    this.#row = 0;
    this.#col = 0;
    this.#pendingWrap = false;
  }

  #clearAll(): void {
    this.#cells = [blankRow(), blankRow()];
    this.#home();
    this.stringMode = false;
  }

  #init(): void {
    this.#clearAll();
    this.mode = 'overwrite';
    this.codeTable = PC437_TABLE;
    this.brightness = 4;
    this.cursorVisible = true;
  }
}

function blankRow(): string[] {
  return new Array<string>(DISPLAY_COLUMNS).fill(' ');
}

/** What a fresh display shows after `bytes`. The simulator keeps a `VirtualPoleDisplay` instead. */
export function decodeDisplayBytes(commandSet: DisplayCommandSet, bytes: Uint8Array, charset: DisplayCharset = 'cp437-yen'): DisplayScreen {
  const display = new VirtualPoleDisplay(commandSet, charset);
  display.write(bytes);
  return display.screen();
}
