// Bitmap glyphs for the virtual printer's PNG rendering, from GNU Unifont's .hex format
// (Debian's `unifont` package installs /usr/share/unifont/unifont.hex: 8×16 half-width and
// 16×16 full-width glyphs for the whole BMP, CJK included, under the GPL-2+ with font exception
// / OFL). A thermal printer's ROM font is a bitmap font too, so a bitmap font drawn dot for dot
// looks like a receipt, where an outline font would need a rasteriser and anti-aliasing.
// Hand-written: the .hex format is one line per glyph ("4E2D:0100…"), and npm has no reader
// for it (the npm `unifont` package is about web-font CDNs; @fontsource/unifontex ships a web
// font, not bitmaps), nor a BDF reader that would fit a Debian-installed font.
//
// Decisions a caller must know:
//  - loadHexFont() reads and indexes a file once per path per process and caches the result;
//    the index is one pass over the bytes (every line validated), and a glyph's bitmap is
//    decoded from the file bytes the first time it is asked for, then cached.
//  - A missing file throws FontError telling the user to `apt install unifont` (or to pass
//    another path). A malformed line throws FontError naming the file and line number.
//  - Rows are 16 pixels tall; width is 8, 16, 24 or 32 (the format's 32/64/96/128 hex digits).
//  - A code point listed twice keeps its last glyph, as the Unifont tools do when merging.
//  - Blank lines and CRLF line ends are accepted; nothing else is.
import { readFileSync } from 'node:fs';

export const UNIFONT_PATH = '/usr/share/unifont/unifont.hex';

export const GLYPH_HEIGHT = 16;

export class FontError extends Error {
  override name = 'FontError';
}

/** One glyph: `width` × 16 pixels, row by row, 1 = ink. */
export interface Glyph {
  readonly codePoint: number;
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

// Hex digit value per byte, 255 for a non-hex byte.
const HEX = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i += 1) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i += 1) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

export class BitmapFont {
  readonly source: string;
  readonly #bytes: Uint8Array;
  // Code point → offset of its bitmap digits in #bytes, and their count (32/64/96/128).
  readonly #offsets = new Map<number, number>();
  readonly #digits = new Map<number, number>();
  readonly #glyphs = new Map<number, Glyph>();

  /** Indexes a .hex font held in `bytes`; `source` names it in errors. Throws FontError on a malformed line. */
  constructor(bytes: Uint8Array, source = 'hex font') {
    this.source = source;
    this.#bytes = bytes;
    this.#index();
  }

  /** Glyphs in the font. */
  get size(): number {
    return this.#offsets.size;
  }

  has(codePoint: number): boolean {
    return this.#offsets.has(codePoint);
  }

  /** The glyph for `codePoint`, or null when the font has none. */
  glyph(codePoint: number): Glyph | null {
    const cached = this.#glyphs.get(codePoint);
    if (cached !== undefined) return cached;
    const offset = this.#offsets.get(codePoint);
    const digits = this.#digits.get(codePoint);
    if (offset === undefined || digits === undefined) return null;
    const width = digits / 4;
    const pixels = new Uint8Array(width * GLYPH_HEIGHT);
    const bytes = this.#bytes;
    for (let d = 0; d < digits; d += 1) {
      const v = HEX[bytes[offset + d] ?? 0] ?? 0;
      const p = d * 4;
      pixels[p] = (v >> 3) & 1;
      pixels[p + 1] = (v >> 2) & 1;
      pixels[p + 2] = (v >> 1) & 1;
      pixels[p + 3] = v & 1;
    }
    const glyph: Glyph = { codePoint, width, height: GLYPH_HEIGHT, pixels };
    this.#glyphs.set(codePoint, glyph);
    return glyph;
  }

  #index(): void {
    const bytes = this.#bytes;
    const end = bytes.length;
    let line = 0;
    let i = 0;
    while (i < end) {
      line += 1;
      const start = i;
      let codePoint = 0;
      let cpDigits = 0;
      while (i < end) {
        const v = HEX[bytes[i] ?? 0] ?? 255;
        if (v === 255) break;
        codePoint = codePoint * 16 + v;
        cpDigits += 1;
        i += 1;
      }
      const next = bytes[i];
      if (cpDigits === 0 && (i === end || next === LF || next === CR)) {
        // Blank line.
        i = this.#lineEnd(i, line);
        continue;
      }
      if (cpDigits < 1 || cpDigits > 6 || codePoint > 0x10ffff || next !== COLON) this.#bad(line, start, 'expected a code point of 1–6 hex digits and ":"');
      i += 1;
      const offset = i;
      while (i < end && (HEX[bytes[i] ?? 0] ?? 255) !== 255) i += 1;
      const digits = i - offset;
      const stop = bytes[i];
      if (i < end && stop !== LF && stop !== CR) this.#bad(line, start, `unexpected character ${JSON.stringify(String.fromCharCode(stop ?? 0))} in glyph data`);
      if (digits !== 32 && digits !== 64 && digits !== 96 && digits !== 128) this.#bad(line, start, `a glyph needs 32, 64, 96 or 128 hex digits, found ${digits}`);
      i = this.#lineEnd(i, line, start);
      this.#offsets.set(codePoint, offset);
      this.#digits.set(codePoint, digits);
    }
  }

  // Position after the line end at `i` (CRLF, LF or end of data); anything else is an error.
  #lineEnd(i: number, line: number, start = i): number {
    const bytes = this.#bytes;
    if (i >= bytes.length) return i;
    if (bytes[i] === CR) {
      if (i + 1 >= bytes.length) return i + 1;
      if (bytes[i + 1] === LF) return i + 2;
    } else if (bytes[i] === LF) return i + 1;
    return this.#bad(line, start, 'unexpected character in glyph data');
  }

  #bad(line: number, start: number, why: string): never {
    let stop = start;
    while (stop < this.#bytes.length && stop - start < 60 && this.#bytes[stop] !== LF && this.#bytes[stop] !== CR) stop += 1;
    const text = new TextDecoder('latin1').decode(this.#bytes.subarray(start, stop));
    throw new FontError(`${this.source} line ${line}: ${why}: "${text}"`);
  }
}

/** Indexes .hex font text or bytes (see BitmapFont). */
export function parseHexFont(data: Uint8Array | string, source?: string): BitmapFont {
  return new BitmapFont(typeof data === 'string' ? new TextEncoder().encode(data) : data, source);
}

const loaded = new Map<string, BitmapFont>();

/**
 * The font at `path` (default: Debian's Unifont), read and indexed on the first call for that
 * path and cached for the life of the process.
 */
export function loadHexFont(path: string = UNIFONT_PATH): BitmapFont {
  const cached = loaded.get(path);
  if (cached !== undefined) return cached;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FontError(
        `bitmap font ${path} not found: install GNU Unifont (\`apt install unifont\`, which provides ${UNIFONT_PATH}) or pass the path of a .hex font`,
      );
    }
    throw new FontError(`cannot read bitmap font ${path}: ${(error as Error).message}`);
  }
  const font = new BitmapFont(bytes, path);
  loaded.set(path, font);
  return font;
}
