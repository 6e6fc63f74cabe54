// Pole display: golden bytes per command set, layout fitting, CJK fallback, the ¥ byte per
// charset, encode → virtual display round trips, and a decoder that survives any bytes.
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  changeScreen,
  decodeDisplayBytes,
  displayAmount,
  DisplayConfigError,
  displayName,
  displayWidth,
  encodeInit,
  encodeScreen,
  encodeText,
  fitLine,
  itemScreen,
  thankYouScreen,
  toDisplayable,
  totalScreen,
  VirtualPoleDisplay,
  welcomeScreen,
} from '../../../../drivers/display/pole-display.ts';
import type { DisplayCharset, DisplayCommandSet, DisplayItem, DisplayScreen } from '../../../../drivers/display/pole-display.ts';
import { money } from '../../../../src/domain/money.ts';

const bytes = (...parts: (number | string | readonly number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : [...p])));
const pad = (s: string): string => s.padEnd(20, ' ');
const cny = (fen: number) => money(fen, 'CNY');
/** Any UTF-16 unit, lone surrogates included. */
const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const SETS: readonly DisplayCommandSet[] = ['epson-dmd', 'cd5220'];
const CHARSETS: readonly DisplayCharset[] = ['ascii', 'cp437-yen', 'gbk'];

const apples: DisplayItem = {
  nameZh: '有机红富士苹果特级大果五斤装',
  nameEn: 'Organic Fuji Apples Premium Grade',
  unit: 'kg',
  quantityMilli: 455,
  unitPrice: cny(1280),
  amount: cny(582),
};
const cola: DisplayItem = { nameZh: '可口可乐', nameEn: 'Coca-Cola 330ml', unit: 'each', quantityMilli: 2000, unitPrice: cny(350), amount: cny(700) };

describe('golden bytes', () => {
  const total = totalScreen(cny(3650), { charset: 'cp437-yen', language: 'en' });

  it('lays out the total screen', () => {
    expect(total).toEqual({ line1: 'TOTAL         ¥36.50', line2: pad('') });
  });

  it('Epson DM-D: overwrite mode, PC437, then each line at its cursor address; ¥ is 9D', () => {
    expect(encodeScreen('epson-dmd', total, { charset: 'cp437-yen' })).toEqual(
      bytes([0x1f, 0x01], [0x1b, 0x74, 0x00], [0x1f, 0x24, 1, 1], 'TOTAL         ', 0x9d, '36.50', [0x1f, 0x24, 1, 2], pad('')),
    );
  });

  it('CD5220: ESC Q A … CR and ESC Q B … CR', () => {
    expect(encodeScreen('cd5220', total, { charset: 'cp437-yen' })).toEqual(
      bytes([0x1b, 0x51, 0x41], 'TOTAL         ', 0x9d, '36.50', 0x0d, [0x1b, 0x51, 0x42], pad(''), 0x0d),
    );
  });

  it('init per command set', () => {
    expect(encodeInit('epson-dmd', { charset: 'cp437-yen', brightness: 2 })).toEqual(
      bytes([0x1b, 0x40], [0x1f, 0x01], [0x1f, 0x43, 0x00], [0x1b, 0x74, 0x00], [0x1f, 0x58, 0x02]),
    );
    expect(encodeInit('epson-dmd', { charset: 'ascii' })).toEqual(bytes([0x1b, 0x40], [0x1f, 0x01], [0x1f, 0x43, 0x00]));
    expect(encodeInit('cd5220', { charset: 'cp437-yen', brightness: 4 })).toEqual(
      bytes(0x0c, [0x1b, 0x40], [0x1b, 0x11], [0x1b, 0x5f, 0x00], [0x1b, 0x2a, 0x04]),
    );
  });

  it('daisy-chained Epson display: ESC = 2 before, ESC = 1 after, so the printer gets the line back', () => {
    const out = encodeScreen('epson-dmd', total, { charset: 'cp437-yen', daisyChained: true });
    expect(Array.from(out.slice(0, 3))).toEqual([0x1b, 0x3d, 0x02]);
    expect(Array.from(out.slice(-3))).toEqual([0x1b, 0x3d, 0x01]);
    expect(Array.from(encodeInit('epson-dmd', { charset: 'ascii', daisyChained: true }).slice(-3))).toEqual([0x1b, 0x3d, 0x01]);
  });

  it('refuses a daisy-chained CD5220 (string mode would swallow ESC = 1)', () => {
    expect(() => encodeInit('cd5220', { charset: 'ascii', daisyChained: true })).toThrow(DisplayConfigError);
    expect(() => encodeScreen('cd5220', total, { charset: 'ascii', daisyChained: true })).toThrow(DisplayConfigError);
  });

  it('GBK: Chinese labels as double bytes, ¥ as the fullwidth ￥ A3 A4', () => {
    const s = totalScreen(cny(3650), { charset: 'gbk', language: 'zh' });
    expect(s.line1).toBe('合计         ￥36.50');
    expect(encodeScreen('cd5220', s, { charset: 'gbk' })).toEqual(
      bytes([0x1b, 0x51, 0x41], [0xba, 0xcf, 0xbc, 0xc6], '         ', [0xa3, 0xa4], '36.50', 0x0d, [0x1b, 0x51, 0x42], pad(''), 0x0d),
    );
  });
});

describe('the ¥ sign per charset', () => {
  it('PC437 0x9D, GBK A3 A4, and no sign at all on an ASCII-only display', () => {
    expect(encodeText('¥', 'cp437-yen')).toEqual([0x9d]);
    expect(encodeText('¥', 'gbk')).toEqual([0xa3, 0xa4]);
    expect(encodeText('¥', 'ascii')).toEqual([0x3f]);
    expect(displayAmount(cny(1250), 'cp437-yen')).toBe('¥12.50');
    expect(displayAmount(cny(1250), 'gbk')).toBe('￥12.50');
    expect(displayAmount(cny(1250), 'ascii')).toBe('12.50');
    expect(displayAmount(cny(-5), 'cp437-yen')).toBe('-¥0.05');
    expect(displayAmount(money(1250, 'EUR'), 'cp437-yen')).toBe('12.50'); // no € in PC437
    expect(iconv.decode(Buffer.from([0x9d]), 'cp437')).toBe('¥');
  });

  it('anything the font lacks becomes ?, and control characters never reach the wire', () => {
    expect(toDisplayable('é€\u0007😀', 'cp437-yen')).toBe('é???');
    expect(toDisplayable('苹果', 'cp437-yen')).toBe('??');
    expect(encodeText('a\u001bb\rc', 'ascii')).toEqual([0x61, 0x3f, 0x62, 0x3f, 0x63]);
    expect(toDisplayable('\ue4c5', 'gbk')).toBe('?'); // GBK user-defined area
  });
});

describe('layouts', () => {
  const en = { charset: 'cp437-yen', language: 'en' } as const;

  it('item: name on line 1, quantity × price left and the amount right on line 2', () => {
    expect(itemScreen(cola, en)).toEqual({ line1: pad('Coca-Cola 330ml'), line2: '2 x ¥3.50      ¥7.00' });
    expect(itemScreen({ ...cola, quantityMilli: 1500 }, en).line2.startsWith('1.5 x ¥3.50')).toBe(true);
  });

  it('cuts a long name at 20 columns and shrinks the quantity part before it ever cuts an amount', () => {
    const s = itemScreen(apples, en);
    expect(s.line1).toBe('Organic Fuji Apples ');
    expect(s.line2).toBe('0.455kgx12.80  ¥5.82');
    const big = itemScreen({ ...apples, quantityMilli: 999_999, unitPrice: cny(999_999), amount: cny(99_999_900) }, en);
    expect(big.line2.endsWith('¥999999.00')).toBe(true);
    expect(big.line2).toHaveLength(20);
  });

  it('Chinese names on a GBK display, two columns a character, never half a character', () => {
    const zh = { charset: 'gbk', language: 'zh' } as const;
    const s = itemScreen(apples, zh);
    expect(s.line1).toBe('有机红富士苹果特级大');
    expect(displayWidth(s.line1, 'gbk')).toBe(20);
    // 10.5 characters' room: the 11th is not split, a space pads instead.
    expect(fitLine('a有机红富士苹果特级大', 'gbk')).toBe('a有机红富士苹果特级 ');
  });

  it('falls back to the English name and labels when the display has no Chinese font', () => {
    const latin = { charset: 'cp437-yen', language: 'zh' } as const;
    expect(itemScreen(cola, latin).line1).toBe(pad('Coca-Cola 330ml'));
    expect(totalScreen(cny(100), latin).line1.startsWith('TOTAL')).toBe(true);
    expect(displayName({ nameZh: '可乐', nameEn: '' }, latin)).toBe('??');
    // And to the Chinese name on an English terminal when there is no English one.
    expect(displayName({ nameZh: '可乐', nameEn: ' ' }, { charset: 'gbk', language: 'en' })).toBe('可乐');
  });

  it('welcome, change and thank-you screens', () => {
    expect(welcomeScreen({ nameZh: '快乐超市', nameEn: 'Happy Mart' }, en)).toEqual({ line1: '     Happy Mart     ', line2: '      WELCOME       ' });
    expect(changeScreen(cny(5000), cny(1350), en)).toEqual({ line1: 'PAID          ¥50.00', line2: 'CHANGE        ¥13.50' });
    expect(changeScreen(cny(5000), cny(1350), { charset: 'gbk', language: 'zh' })).toEqual({ line1: '实收         ￥50.00', line2: '找零         ￥13.50' });
    expect(thankYouScreen({ charset: 'ascii', language: 'en' })).toEqual({ line1: '     THANK YOU      ', line2: ' PLEASE COME AGAIN  ' });
    expect(totalScreen(cny(100), en, 3).line2).toBe('ITEMS              3');
  });

  it('property: every line is 20 columns and ends with the whole amount', () => {
    const charset = fc.constantFrom<DisplayCharset>(...CHARSETS);
    const name = fc.string({ unit: fc.oneof(fc.constantFrom('苹', 'é', '¥', '\u0001'), anyChar), maxLength: 40 });
    fc.assert(
      fc.property(charset, fc.constantFrom<'en' | 'zh'>('en', 'zh'), name, name, fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 0, max: 10_000_000_000_000 }), fc.constantFrom<'each' | 'kg'>('each', 'kg'), (cs, language, nameZh, nameEn, q, amount, unit) => {
        const opts = { charset: cs, language };
        const s = itemScreen({ nameZh, nameEn, unit, quantityMilli: q, unitPrice: cny(amount), amount: cny(amount) }, opts);
        for (const line of [s.line1, s.line2]) expect(displayWidth(line, cs)).toBe(20);
        expect(s.line2.endsWith(displayAmount(cny(amount), cs))).toBe(true);
        const t = totalScreen(cny(amount), opts);
        expect(t.line1.endsWith(displayAmount(cny(amount), cs))).toBe(true);
      }),
    );
  });
});

describe('virtual display', () => {
  const screens = (charset: DisplayCharset): DisplayScreen[] => {
    const opts = { charset, language: 'zh' } as const;
    return [
      welcomeScreen({ nameZh: '快乐超市', nameEn: 'Happy Mart' }, opts),
      itemScreen(apples, opts),
      itemScreen(cola, opts),
      totalScreen(cny(3650), opts, 3),
      changeScreen(cny(5000), cny(1350), opts),
      thankYouScreen(opts),
    ];
  };

  for (const set of SETS) {
    for (const charset of CHARSETS) {
      it(`round trip ${set} / ${charset}: what was encoded is what the display shows, ¥ included`, () => {
        const display = new VirtualPoleDisplay(set, charset);
        display.write(encodeInit(set, { charset }));
        expect(display.screen()).toEqual({ line1: pad(''), line2: pad('') });
        for (const s of screens(charset)) {
          display.write(encodeScreen(set, s, { charset }));
          expect(display.screen()).toEqual(s);
          expect(decodeDisplayBytes(set, encodeScreen(set, s, { charset }), charset)).toEqual(s);
        }
      });
    }
  }

  it('round trip property: any text, either command set, any charset', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('合', '¥', 'ü', '\r', '\u001b'), anyChar), maxLength: 30 });
    fc.assert(
      fc.property(fc.constantFrom(...SETS), fc.constantFrom(...CHARSETS), text, text, fc.boolean(), (set, charset, a, b, chainedOpt) => {
        const daisyChained = set === 'epson-dmd' && chainedOpt;
        const expected = { line1: fitLine(a, charset), line2: fitLine(b, charset) };
        const display = new VirtualPoleDisplay(set, charset);
        display.write(encodeInit(set, { charset, daisyChained }));
        display.write(encodeScreen(set, { line1: a, line2: b }, { charset, daisyChained }));
        expect(display.screen()).toEqual(expected);
      }),
    );
  });

  it('Epson: clear, cursor addressing, overwrite wrap and vertical scroll', () => {
    expect(decodeDisplayBytes('epson-dmd', bytes('hello', 0x0c, 'hi'))).toEqual({ line1: pad('hi'), line2: pad('') });
    expect(decodeDisplayBytes('epson-dmd', bytes([0x1f, 0x24, 5, 2], 'x', 0x0b, 'y'))).toEqual({ line1: pad('y'), line2: pad('    x') });
    // Overwrite: 45 characters wrap line 1 → line 2 → line 1.
    const abc = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS';
    expect(decodeDisplayBytes('epson-dmd', bytes([0x1f, 0x01], abc))).toEqual({ line1: abc.slice(40) + abc.slice(5, 20), line2: abc.slice(20, 40) });
    // Vertical scroll: the 41st character scrolls line 2 up.
    expect(decodeDisplayBytes('epson-dmd', bytes([0x1f, 0x02], abc))).toEqual({ line1: abc.slice(20, 40), line2: pad(abc.slice(40)) });
    // Exactly 40 characters in scroll mode do not scroll until a 41st arrives.
    expect(decodeDisplayBytes('epson-dmd', bytes([0x1f, 0x02], abc.slice(0, 40)))).toEqual({ line1: abc.slice(0, 20), line2: abc.slice(20, 40) });
    // CAN clears the cursor line only.
    expect(decodeDisplayBytes('epson-dmd', bytes('top', [0x1f, 0x24, 1, 2], 'bottom', 0x18))).toEqual({ line1: pad('top'), line2: pad('') });
  });

  it('Epson: while deselected by ESC = 1 the display ignores everything but ESC = n', () => {
    const d = new VirtualPoleDisplay('epson-dmd', 'cp437-yen');
    d.write(bytes('A', [0x1b, 0x3d, 0x01], 'receipt text', 0x0c, [0x1b, 0x40], [0x1b, 0x3d, 0x02], 'B'));
    expect(d.screen().line1).toBe(pad('AB'));
    expect(d.selected).toBe(true);
  });

  it('Epson: code table switch changes how high bytes read', () => {
    expect(decodeDisplayBytes('epson-dmd', bytes(0x9d, [0x1b, 0x74, 19], 0xbe, 0xd5, [0x1b, 0x74, 1], 0xb1, [0x1b, 0x74, 99], 0x9d)).line1).toBe(pad('¥¥€ｱ?'));
  });

  it('CD5220: string mode obeys only ESC Q, CLR and CAN', () => {
    const d = new VirtualPoleDisplay('cd5220', 'ascii');
    d.write(bytes([0x1b, 0x51, 0x41], 'short', 0x0d, 'ignored', [0x1b, 0x6c, 1, 2], 'x'));
    expect(d.screen()).toEqual({ line1: pad('short'), line2: pad('') });
    expect(d.stringMode).toBe(true);
    d.write(bytes(0x0c, [0x1b, 0x6c, 3, 2], 'ok'));
    expect(d.screen()).toEqual({ line1: pad(''), line2: pad('  ok') });
    // A line longer than 20 shows its first 20 columns.
    expect(decodeDisplayBytes('cd5220', bytes([0x1b, 0x51, 0x42], 'x'.repeat(30), 0x0d)).line2).toBe('x'.repeat(20));
  });

  it('splits and rejoins a GBK pair across writes, and never draws half a wide character', () => {
    const d = new VirtualPoleDisplay('epson-dmd', 'gbk');
    d.write(Uint8Array.of(0xba));
    expect(d.screen().line1).toBe(pad(''));
    d.write(Uint8Array.of(0xcf));
    expect(d.screen().line1).toBe(`合${' '.repeat(18)}`);
    // A wide character at the last column cannot be drawn: '?' instead.
    expect(decodeDisplayBytes('epson-dmd', bytes([0x1f, 0x24, 20, 1], [0xba, 0xcf]), 'gbk').line1).toBe(`${' '.repeat(19)}?`);
    // Overwriting half of a wide character blanks the other half.
    expect(decodeDisplayBytes('epson-dmd', bytes([0xba, 0xcf], [0x1f, 0x24, 2, 1], 'x'), 'gbk').line1).toBe(pad(' x'));
  });

  it('property: any bytes, any chunking, never throws, always 2×20, and chunking changes nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SETS),
        fc.constantFrom(...CHARSETS),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x1b, 0x1f, 0x0c, 0x0d, 0x51, 0x41, 0x3d, 0x24, 0x26)), { maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        (set, charset, data, cuts) => {
          const all = Uint8Array.from(data);
          const whole = decodeDisplayBytes(set, all, charset);
          for (const line of [whole.line1, whole.line2]) expect(displayWidth(line, charset)).toBe(20);
          const d = new VirtualPoleDisplay(set, charset);
          let at = 0;
          for (let k = 0; at < all.length; k += 1) {
            const n = cuts[k % cuts.length] ?? 1;
            d.write(all.slice(at, at + n));
            at += n;
          }
          expect(d.screen()).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });
});
