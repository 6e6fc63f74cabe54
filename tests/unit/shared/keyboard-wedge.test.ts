import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WedgeDetector } from '../../../src/shared/keyboard-wedge.ts';
import type { WedgeConfig, WedgeKey, WedgeOutput } from '../../../src/shared/keyboard-wedge.ts';

const scan = (data: string): WedgeOutput => ({ type: 'SCAN', data, symbology: null, source: 'keyboard' });
const typed = (text: string): WedgeOutput => ({ type: 'TYPED', text });

/** Keys of `text` starting at `start`, `gap` ms apart, then `end` (if any) `gap` ms after the last. */
function keys(text: string, start: number, gap: number, end?: string): WedgeKey[] {
  const out = [...text].map((key, i) => ({ key, timeMs: start + i * gap }));
  if (end !== undefined) out.push({ key: end, timeMs: start + text.length * gap });
  return out;
}

/** Feeds keys and a final flush well after the last one; returns everything emitted. */
function run(detector: WedgeDetector, ks: WedgeKey[]): WedgeOutput[] {
  const out: WedgeOutput[] = [];
  for (const k of ks) {
    const o = detector.key(k);
    if (o !== null) out.push(o);
  }
  const last = ks.at(-1)?.timeMs ?? 0;
  const f = detector.flush(last + 10_000);
  if (f !== null) out.push(f);
  return out;
}

const joined = (out: WedgeOutput[]): string => out.filter((o) => o.type === 'TYPED').map((o) => (o.type === 'TYPED' ? o.text : '')).join('');

describe('keyboard wedge: scanners', () => {
  it.each([10, 30, 50])('takes 13 digits at %i ms per key plus Enter as a scan', (gap) => {
    expect(run(new WedgeDetector(), keys('4006381333931', 1000, gap, 'Enter'))).toEqual([scan('4006381333931')]);
  });

  it('holds the keys of a burst and returns nothing until it ends', () => {
    const d = new WedgeDetector();
    expect(keys('4006381333931', 0, 10).map((k) => d.key(k))).toEqual(Array(13).fill(null));
    expect(d.flush(140)).toBeNull();
    expect(d.key({ key: 'Enter', timeMs: 170 })).toEqual(scan('4006381333931'));
  });

  it('takes Tab as a terminator', () => {
    expect(run(new WedgeDetector(), keys('96385074', 0, 20, 'Tab'))).toEqual([scan('96385074')]);
  });

  it('takes exactly minLength characters', () => {
    expect(run(new WedgeDetector(), keys('123456', 0, 20, 'Enter'))).toEqual([scan('123456')]);
  });

  it('ignores Shift between a scanner\'s capitals', () => {
    const ks: WedgeKey[] = [
      { key: 'Shift', timeMs: 0 },
      { key: 'A', timeMs: 5 },
      { key: 'Shift', timeMs: 10 },
      { key: 'B', timeMs: 15 },
      ...keys('C-1234', 30, 15, 'Enter'),
    ];
    expect(run(new WedgeDetector(), ks)).toEqual([scan('ABC-1234')]);
  });

  it('follows configured terminators, length and interval', () => {
    const config: Partial<WedgeConfig> = { minLength: 4, maxCharIntervalMs: 30, terminators: ['Enter'] };
    expect(run(new WedgeDetector(config), keys('1234', 0, 30, 'Enter'))).toEqual([scan('1234')]);
    expect(run(new WedgeDetector(config), keys('1234', 0, 31, 'Enter'))).toEqual([typed('1'), typed('2'), typed('3'), typed('4')]);
    expect(run(new WedgeDetector(config), keys('1234', 0, 10, 'Tab'))).toEqual([typed('1234')]);
  });
});

describe('keyboard wedge: typing is never a scan', () => {
  it.each([60, 80, 100, 150])('hands back digits typed at %i ms per key, Enter included, one by one', (gap) => {
    const out = run(new WedgeDetector(), keys('4006381333931', 0, gap, 'Enter'));
    expect(out.every((o) => o.type === 'TYPED')).toBe(true);
    expect(out).toEqual([...'4006381333931'].map(typed));
  });

  it('gives back 5 fast characters plus Enter (too short) as text; the Enter is the caller\'s', () => {
    const d = new WedgeDetector();
    const out = keys('12345', 0, 10, 'Enter').map((k) => d.key(k));
    expect(out).toEqual([null, null, null, null, null, typed('12345')]);
  });

  it('gives back 8 fast characters without Enter once the interval has passed', () => {
    const d = new WedgeDetector();
    expect(keys('12345678', 0, 10).map((k) => d.key(k)).every((o) => o === null)).toBe(true);
    expect(d.flush(120)).toBeNull(); // 50 ms after the last key: a terminator could still come
    expect(d.flush(121)).toEqual(typed('12345678'));
    expect(d.flush(500)).toBeNull();
    expect(d.key({ key: 'Enter', timeMs: 130 })).toBeNull();
  });

  it('gives back 8 fast characters whose Enter comes too late', () => {
    expect(run(new WedgeDetector(), keys('12345678', 0, 10, undefined).concat({ key: 'Enter', timeMs: 70 + 51 }))).toEqual([typed('12345678')]);
  });

  it('gives back a fast run broken by a slow key, and what follows', () => {
    const ks = [...keys('123', 0, 10), ...keys('456789', 200, 10)];
    expect(run(new WedgeDetector(), ks)).toEqual([typed('123'), typed('456789')]);
  });

  it('treats a held key (auto-repeat) as typing even when fast and ended by Enter', () => {
    const ks: WedgeKey[] = [{ key: '1', timeMs: 0 }, ...Array.from({ length: 8 }, (_, i) => ({ key: '1', timeMs: 500 + i * 33, repeat: true })), { key: 'Enter', timeMs: 800 }];
    const out = run(new WedgeDetector(), ks);
    expect(out.some((o) => o.type === 'SCAN')).toBe(false);
    expect(joined(out)).toBe('111111111');
  });

  it('hands held text back before a key it does not hold (Backspace), keeping order', () => {
    const d = new WedgeDetector();
    expect(d.key({ key: 'a', timeMs: 0 })).toBeNull();
    expect(d.key({ key: 'b', timeMs: 10 })).toBeNull();
    expect(d.key({ key: 'Backspace', timeMs: 20 })).toEqual(typed('ab'));
    expect(d.key({ key: 'Enter', timeMs: 25 })).toBeNull();
  });

  it('releases everything held on demand', () => {
    const d = new WedgeDetector();
    d.key({ key: 'x', timeMs: 0 });
    expect(d.release()).toEqual(typed('x'));
    expect(d.release()).toBeNull();
  });

  it('never counts keys with a clock that runs backwards as fast', () => {
    const ks = [...'4006381333931'].map((key, i) => ({ key, timeMs: 1000 - i * 10 }));
    const out = run(new WedgeDetector(), [...ks, { key: 'Enter', timeMs: 800 }]);
    expect(out.some((o) => o.type === 'SCAN')).toBe(false);
  });
});

describe('keyboard wedge: typing, then a scan', () => {
  it('hands back the slow prefix as text and takes the burst as the scan', () => {
    const ks = [...keys('ab', 0, 200), ...keys('4006381333931', 1000, 10, 'Enter')];
    expect(run(new WedgeDetector(), ks)).toEqual([typed('a'), typed('b'), scan('4006381333931')]);
  });

  it('hands back a fast typed fragment before the burst', () => {
    const ks = [...keys('qty', 0, 40), ...keys('96385074', 300, 8, 'Tab'), ...keys('2', 900, 100, 'Enter')];
    expect(run(new WedgeDetector(), ks)).toEqual([typed('qty'), scan('96385074'), typed('2')]);
  });

  it('lets a key pressed within the interval of the burst join it (documented limit)', () => {
    const ks = [{ key: 'b', timeMs: 0 }, ...keys('4006381333931', 30, 10, 'Enter')];
    expect(run(new WedgeDetector(), ks)).toEqual([scan('b4006381333931')]);
  });
});

describe('keyboard wedge: properties', () => {
  const keyArb = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...'0123456789abcXYZ-. ') },
    { weight: 2, arbitrary: fc.constantFrom('Enter', 'Tab') },
    { weight: 1, arbitrary: fc.constantFrom('Shift', 'Backspace', 'ArrowLeft', 'Escape', 'é', '价') },
  );

  it('never emits SCAN when every gap between keys exceeds maxCharIntervalMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.record({ key: keyArb, extra: fc.integer({ min: 1, max: 400 }), repeat: fc.boolean(), flush: fc.boolean() }), { maxLength: 60 }),
        (minLength, interval, steps) => {
          const d = new WedgeDetector({ minLength, maxCharIntervalMs: interval });
          let t = 0;
          for (const s of steps) {
            t += interval + s.extra;
            const out = d.key({ key: s.key, timeMs: t, repeat: s.repeat && s.key.length === 1 });
            expect(out?.type).not.toBe('SCAN');
            if (s.flush) expect(d.flush(t + Math.floor(s.extra / 2))?.type).not.toBe('SCAN');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('loses and invents no text: TYPED and SCAN data together are every printable key, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: keyArb, gap: fc.integer({ min: 0, max: 120 }) }), { maxLength: 80 }), (steps) => {
        const d = new WedgeDetector();
        let t = 0;
        let text = '';
        let expected = '';
        for (const s of steps) {
          t += s.gap;
          if ([...s.key].length === 1) expected += s.key;
          const out = d.key({ key: s.key, timeMs: t });
          if (out !== null) text += out.type === 'TYPED' ? out.text : out.data;
        }
        const rest = d.release();
        if (rest !== null) text += rest.text;
        expect(text).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('finds any scanner burst after any slow typing', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abc123 '), maxLength: 10 }),
        fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF-'), minLength: 6, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 41, maxLength: 41 }),
        fc.constantFrom('Enter', 'Tab'),
        (typedText, code, gaps, end) => {
          const ks: WedgeKey[] = [...keys(typedText, 0, 120)];
          let t = typedText.length * 120 + 60;
          for (const [i, key] of [...code].entries()) {
            ks.push({ key, timeMs: t });
            t += gaps[i] ?? 0;
          }
          ks.push({ key: end, timeMs: t });
          const out = run(new WedgeDetector(), ks);
          expect(out.at(-1)).toEqual(scan(code));
          expect(joined(out)).toBe(typedText);
        },
      ),
      { numRuns: 500 },
    );
  });
});
