import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DenominationView } from '../../../../src/shared/api.ts';
import { overShortKind, readCount, readPieces, rowAmount, stepPieces } from '../../../../src/renderer/components/cash-count.ts';

const CNY: DenominationView[] = [
  { key: '100', label: '¥100', value: 10_000, kind: 'note' },
  { key: '50', label: '¥50', value: 5000, kind: 'note' },
  { key: '10', label: '¥10', value: 1000, kind: 'note' },
  { key: '1', label: '¥1', value: 100, kind: 'coin' },
  { key: '0.5', label: '¥0.5', value: 50, kind: 'coin' },
  { key: '0.1', label: '¥0.1', value: 10, kind: 'coin' },
];

describe('reading a count sheet', () => {
  it('adds up pieces × value in minor units and sends only the rows typed', () => {
    const r = readCount(CNY, { '100': '3', '50': '1', '0.5': '4', '0.1': '', '10': ' 0 ' });
    expect(r.counts).toEqual({ '100': 3, '50': 1, '10': 0, '0.5': 4 });
    expect(r.total).toBe(30_000 + 5000 + 200);
    expect(r.problems).toEqual([]);
  });

  it('names every row that is not a whole number of pieces, and leaves it out of the total', () => {
    const r = readCount(CNY, { '100': '-2', '50': '1.5', '10': 'abc', '1': '2' });
    expect(r.problems).toEqual([
      { key: '100', label: '¥100', text: '-2' },
      { key: '50', label: '¥50', text: '1.5' },
      { key: '10', label: '¥10', text: 'abc' },
    ]);
    expect(r.total).toBe(200);
    expect(r.counts).toEqual({ '1': 2 });
  });

  it('refuses more pieces than the core accepts', () => {
    expect(readPieces('1000000')).toBe(1_000_000);
    expect(readPieces('1000001')).toBeNaN();
    expect(readPieces('')).toBeNull();
  });

  it('matches an independent sum for any counts (no floats, no lost coins)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: CNY.length, maxLength: CNY.length }), (pieces) => {
        const texts = Object.fromEntries(CNY.map((d, i) => [d.key, String(pieces[i])]));
        const expected = CNY.reduce((sum, d, i) => sum + d.value * (pieces[i] ?? 0), 0);
        expect(readCount(CNY, texts).total).toBe(expected);
      }),
    );
  });
});

describe('rows and buttons', () => {
  it('shows a row amount, 0 for empty or bad rows', () => {
    expect(rowAmount({ value: 5000 }, '3')).toBe(15_000);
    expect(rowAmount({ value: 5000 }, '')).toBe(0);
    expect(rowAmount({ value: 5000 }, 'x')).toBe(0);
  });

  it('steps a row up and down, never below zero', () => {
    expect(stepPieces('', 1)).toBe('1');
    expect(stepPieces('4', -1)).toBe('3');
    expect(stepPieces('0', -1)).toBe('0');
    expect(stepPieces('junk', 1)).toBe('1');
  });

  it('says over, short or even from counted − expected', () => {
    expect(overShortKind(-1000)).toBe('short');
    expect(overShortKind(5)).toBe('over');
    expect(overShortKind(0)).toBe('even');
  });
});
