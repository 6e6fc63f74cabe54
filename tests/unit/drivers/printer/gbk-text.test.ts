// GBK text for FS & printers: the byte layout (hardware.md §1/§2: 合计 = BA CF BC C6), the
// substitutions, and the column rule against textWidth, by example and with fast-check.
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { encodeGbkText, segmentGbkText, toGbkPrintable } from '../../../../drivers/printer/gbk-text.ts';
import { textWidth } from '../../../../src/domain/receipt.ts';

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');

/** Test-side decoder: ASCII outside FS & … FS ., GBK pairs inside; every byte must be accounted for. */
function decode(bytes: Uint8Array): string {
  let out = '';
  let cjk = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x1c && bytes[i + 1] === 0x26 && !cjk) {
      cjk = true;
      i += 1;
    } else if (b === 0x1c && bytes[i + 1] === 0x2e && cjk) {
      cjk = false;
      i += 1;
    } else if (cjk) {
      expect(b).toBeGreaterThanOrEqual(0x81);
      out += iconv.decode(Buffer.from(bytes.subarray(i, i + 2)), 'gbk');
      i += 1;
    } else {
      expect(b).toBeGreaterThanOrEqual(0x20);
      expect(b).toBeLessThanOrEqual(0x7e);
      out += String.fromCharCode(b);
    }
  }
  expect(cjk).toBe(false);
  return out;
}

describe('encodeGbkText', () => {
  it('wraps a CJK run in FS & … FS .: 合计 = 1C 26 BA CF BC C6 1C 2E (hardware.md §2)', () => {
    const line = encodeGbkText('合计');
    expect(hex(line.bytes)).toBe('1C 26 BA CF BC C6 1C 2E');
    expect(line).toMatchObject({ columns: 4, replaced: 0 });
  });

  it('keeps ASCII single-byte, outside Chinese mode', () => {
    expect(hex(encodeGbkText('TOTAL 68.70').bytes)).toBe('54 4F 54 41 4C 20 36 38 2E 37 30');
    expect(hex(encodeGbkText('应付 68.70').bytes)).toBe('1C 26 D3 A6 B8 B6 1C 2E 20 36 38 2E 37 30');
    expect(hex(encodeGbkText('A合B计C').bytes)).toBe('41 1C 26 BA CF 1C 2E 42 1C 26 BC C6 1C 2E 43');
  });

  it('prints ¥ as the fullwidth ￥ (A3 A4), two columns', () => {
    const line = encodeGbkText('¥12');
    expect(hex(line.bytes)).toBe('1C 26 A3 A4 1C 2E 31 32');
    expect(line.columns).toBe(4);
    expect(toGbkPrintable('¥12')).toBe('￥12');
    expect(textWidth(toGbkPrintable('¥12'))).toBe(4);
  });

  it('prints fullwidth punctuation and the ideographic space from GBK', () => {
    expect(hex(encodeGbkText('（小）').bytes)).toBe('1C 26 A3 A8 D0 A1 A3 A9 1C 2E');
    expect(hex(encodeGbkText('\u3000').bytes)).toBe('1C 26 A1 A1 1C 2E');
  });

  it('replaces a wide character GBK lacks with ？ (A3 BF), keeping its two columns, and counts it', () => {
    for (const ch of ['😀', '한', '𠀀']) {
      const line = encodeGbkText(`a${ch}b`);
      expect(hex(line.bytes)).toBe('61 1C 26 A3 BF 1C 2E 62');
      expect(line).toMatchObject({ columns: 4, replaced: 1 });
    }
  });

  it('prints a narrow non-ASCII character as "?" (it would be two columns in GBK) and counts it', () => {
    const line = encodeGbkText('Café ×2');
    expect(hex(line.bytes)).toBe('43 61 66 3F 20 3F 32');
    expect(line).toMatchObject({ columns: 7, replaced: 2 });
  });

  it('drops controls and zero-width characters, so a product name cannot smuggle in ESC/GS commands', () => {
    expect(hex(encodeGbkText('a\u001b@b\u001dV\u0000\n\t\u200b').bytes)).toBe('61 40 62 56');
    expect(encodeGbkText('\u001b\u0040').columns).toBe(1);
  });
});

describe('segmentGbkText', () => {
  it('hands narrow non-ASCII runs back for the single-byte code page', () => {
    const segs = segmentGbkText('德芙 ×2 é');
    expect(segs.map((s) => [s.kind, s.text])).toEqual([
      ['gbk', '德芙'],
      ['ascii', ' '],
      ['narrow', '×'],
      ['ascii', '2 '],
      ['narrow', 'é'],
    ]);
    const first = segs[0];
    expect(first?.kind === 'gbk' && hex(first.bytes)).toBe('1C 26 B5 C2 DC BD 1C 2E');
  });

  it('reports the printed text of a run, replacements included', () => {
    expect(segmentGbkText('¥😀').map((s) => s.text)).toEqual(['￥？']);
  });
});

describe('toGbkPrintable', () => {
  it('composes (NFC) and drops what has no width', () => {
    expect(toGbkPrintable('Cafe\u0301\u0007')).toBe('Café');
    expect(toGbkPrintable('合\u200d计\ufe0f')).toBe('合计');
  });
});

describe('properties', () => {
  const alphabet = fc.constantFrom(
    ...'aZ 09.,-:/%()',
    ...'合计应付找零现金香蕉德芙重印',
    '¥', '￥', '（', '）', '　', '£', 'é', '×', '·', '€',
    '😀', '한', '𠀀', 'ー', '・',
    '\u001b', '\u001d', '\u001c', '\n', '\u0301', '\u200b', '\u007f', '\u0085',
  );
  const text = fc.array(alphabet, { maxLength: 40 }).map((cs) => cs.join(''));

  it('occupies exactly textWidth(toGbkPrintable(text)) columns', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(encodeGbkText(s).columns).toBe(textWidth(toGbkPrintable(s)));
        expect(textWidth(toGbkPrintable(s))).toBe(textWidth(toGbkPrintable(toGbkPrintable(s))));
      }),
    );
  });

  it('emits no control byte but balanced FS & / FS ., and decodes to the printable text', () => {
    fc.assert(
      fc.property(text, (s) => {
        const line = encodeGbkText(s);
        const decoded = decode(line.bytes);
        // Everything the printer shows is the text with its replacements, nothing else.
        const expected = [...s]
          .map((ch) => (ch === '¥' ? '￥' : ch))
          .filter((ch) => textWidth(ch) > 0)
          .map((ch) => (textWidth(ch) === 2 ? (iconv.encode(ch, 'gbk').length === 2 ? ch : '？') : ch.charCodeAt(0) <= 0x7e ? ch : '?'))
          .join('');
        expect(decoded).toBe(expected);
      }),
    );
  });
});
