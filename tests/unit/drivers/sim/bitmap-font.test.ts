// Unifont .hex loader: glyph bits as the file spells them, half- and full-width glyphs, every
// malformed line refused with its line number, the missing-font error, one load per path, and
// Debian's real Unifont (installed by .ci/run) with its CJK glyphs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FontError, loadHexFont, parseHexFont, UNIFONT_PATH } from '../../../../drivers/sim/bitmap-font.ts';
import type { Glyph } from '../../../../drivers/sim/bitmap-font.ts';

// Unifont's own lines for 'A' and '中'.
const A_HEX = '0041:0000000018242442427E424242420000';
const ZHONG_HEX = '4E2D:01000100010001003FF8210821082108210821083FF821080100010001000100';

const rows = (g: Glyph | null): string[] => {
  if (g === null) return [];
  return Array.from({ length: g.height }, (_, y) => [...g.pixels.subarray(y * g.width, (y + 1) * g.width)].map((b) => (b === 1 ? '#' : '.')).join(''));
};

describe('parseHexFont', () => {
  it('decodes an 8×16 glyph bit for bit, most significant bit leftmost', () => {
    const font = parseHexFont(`${A_HEX}\n`);
    const a = font.glyph(0x41);
    expect(a?.width).toBe(8);
    expect(a?.height).toBe(16);
    expect(rows(a)).toEqual([
      '........',
      '........',
      '........',
      '........',
      '...##...',
      '..#..#..',
      '..#..#..',
      '.#....#.',
      '.#....#.',
      '.######.',
      '.#....#.',
      '.#....#.',
      '.#....#.',
      '.#....#.',
      '........',
      '........',
    ]);
  });

  it('decodes a 16×16 (full-width) glyph', () => {
    const zhong = parseHexFont(ZHONG_HEX).glyph(0x4e2d);
    expect(zhong?.width).toBe(16);
    expect(rows(zhong).slice(3, 6)).toEqual(['.......#........', '..###########...', '..#....#....#...']);
  });

  it('knows which code points it has; a missing one is null', () => {
    const font = parseHexFont(`${A_HEX}\n${ZHONG_HEX}\n`);
    expect(font.size).toBe(2);
    expect(font.has(0x41)).toBe(true);
    expect(font.has(0x42)).toBe(false);
    expect(font.glyph(0x42)).toBeNull();
  });

  it('accepts CRLF line ends, blank lines, lower-case hex and a last line without newline', () => {
    const font = parseHexFont(`\r\n${A_HEX.toLowerCase()}\r\n\n${ZHONG_HEX}`);
    expect(font.size).toBe(2);
    expect(rows(font.glyph(0x41))).toEqual(rows(parseHexFont(A_HEX).glyph(0x41)));
  });

  it('keeps the last glyph of a code point listed twice', () => {
    const font = parseHexFont(`${A_HEX}\n0041:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n`);
    expect(font.size).toBe(1);
    expect(rows(font.glyph(0x41)).every((r) => r === '########')).toBe(true);
  });

  it.each([
    ['no colon', '0041 0000000018242442427E424242420000', /line 2: expected a code point/],
    ['a code point of 7 digits', '1000041:0000000018242442427E424242420000', /line 2: expected a code point/],
    ['a code point beyond Unicode', '110000:0000000018242442427E424242420000', /line 2: expected a code point/],
    ['31 digits', '0041:0000000018242442427E42424242000', /line 2: a glyph needs 32, 64, 96 or 128 hex digits, found 31/],
    ['a non-hex digit', '0041:0000000018242442427E4242424200G0', /line 2: unexpected character "G" in glyph data/],
    ['trailing text', '0041:0000000018242442427E424242420000 x', /line 2: unexpected character " " in glyph data/],
  ])('refuses a line with %s, naming the source and line', (_what, line, message) => {
    const parse = (): unknown => parseHexFont(`${ZHONG_HEX}\n${line}\n`, 'test.hex');
    expect(parse).toThrow(FontError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(/^test\.hex line 2/);
  });
});

describe('loadHexFont', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('tells the user to install unifont when the file is missing', () => {
    const path = join(tmpdir(), 'kassa-no-such-dir', 'unifont.hex');
    expect(() => loadHexFont(path)).toThrow(FontError);
    expect(() => loadHexFont(path)).toThrow(`bitmap font ${path} not found`);
    expect(() => loadHexFont(path)).toThrow('apt install unifont');
  });

  it('reads a path once per process and serves it from memory after that', () => {
    dir = mkdtempSync(join(tmpdir(), 'kassa-font-'));
    const path = join(dir, 'tiny.hex');
    writeFileSync(path, `${A_HEX}\n`);
    const first = loadHexFont(path);
    rmSync(path);
    expect(loadHexFont(path)).toBe(first);
    expect(first.glyph(0x41)?.width).toBe(8);
  });

  it("loads Debian's Unifont: the whole BMP with full-width CJK glyphs", () => {
    const font = loadHexFont();
    expect(font).toBe(loadHexFont(UNIFONT_PATH));
    expect(font.size).toBeGreaterThan(50_000);
    expect(rows(font.glyph(0x4e2d))).toEqual(rows(parseHexFont(ZHONG_HEX).glyph(0x4e2d)));
    expect(font.glyph(0x41)?.width).toBe(8);
    for (const ch of '收银小票合计') expect(font.glyph(ch.codePointAt(0) ?? 0)?.width).toBe(16);
    expect(font.has(0xfffd)).toBe(true);
  });
});
