// Counting a drawer by denomination: the default sets, the count keys, and every kind of bad
// count refused with a message that names the denomination.
import { describe, expect, it } from 'vitest';
import { countMap, DEFAULT_CASH, defaultDenominations, denominationKey, denominationLabel, DenominationError, makeDenominations, parseCount } from '../../../src/domain/denominations.ts';

const CNY = defaultDenominations('CNY');

describe('default denominations', () => {
  it('CNY: 100, 50, 20, 10, 5 yuan notes, 1 yuan as note or coin, 5 and 1 jiao coins, largest first', () => {
    expect(CNY).toEqual([
      { value: 10000, kind: 'note' },
      { value: 5000, kind: 'note' },
      { value: 2000, kind: 'note' },
      { value: 1000, kind: 'note' },
      { value: 500, kind: 'note' },
      { value: 100, kind: 'note-or-coin' },
      { value: 50, kind: 'coin' },
      { value: 10, kind: 'coin' },
    ]);
  });

  it('every currency money.ts supports has a set', () => {
    for (const currency of Object.keys(DEFAULT_CASH)) expect(defaultDenominations(currency).length).toBeGreaterThan(3);
    expect(defaultDenominations('JPY')[0]).toEqual({ value: 10000, kind: 'note' });
  });

  it('makeDenominations refuses repeats and empty sets', () => {
    expect(() => makeDenominations([100, 100], [])).toThrow(new DenominationError('notes: 100 is listed twice'));
    expect(() => makeDenominations([], [])).toThrow(DenominationError);
    expect(() => makeDenominations([0], [])).toThrow(/at least one minor unit, got 0/);
  });
});

describe('keys and labels', () => {
  it('keys are short decimals', () => {
    expect([10000, 500, 100, 50, 10].map((v) => denominationKey(v, 'CNY'))).toEqual(['100', '5', '1', '0.5', '0.1']);
    expect(denominationKey(25, 'USD')).toBe('0.25');
    expect(denominationKey(1000, 'JPY')).toBe('1000');
  });
  it('labels say yuan and jiao', () => {
    expect(denominationLabel({ value: 500 }, 'CNY')).toBe('5 yuan');
    expect(denominationLabel({ value: 50 }, 'CNY')).toBe('5 jiao');
    expect(denominationLabel({ value: 50 }, 'CNY', 'zh-CN')).toBe('5角');
    expect(denominationLabel({ value: 25 }, 'USD')).toBe('USD 0.25');
  });
});

describe('parseCount', () => {
  it('adds up a count given as numbers or digit strings; denominations left out count 0', () => {
    const r = parseCount({ '100': 3, '50': '1', '0.5': 4, '0.10': 2 }, CNY, 'CNY');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.total).toBe(30000 + 5000 + 200 + 20);
    expect(r.lines).toHaveLength(CNY.length);
    expect(countMap(r.lines)).toEqual({ '100': 3, '50': 1, '20': 0, '10': 0, '5': 0, '1': 0, '0.5': 4, '0.1': 2 });
  });

  it('an empty count is an empty drawer', () => {
    expect(parseCount({}, CNY, 'CNY')).toMatchObject({ ok: true, total: 0 });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a negative count', { '5': -2 }, '5 yuan: expected a whole number of notes ≥ 0 (at most 1000000), got -2'],
    ['a non-numeric count', { '0.5': 'four' }, '5 jiao: expected a whole number of coins ≥ 0 (at most 1000000), got "four"'],
    ['a fractional count', { '1': 1.5 }, '1 yuan: expected a whole number of notes and coins ≥ 0 (at most 1000000), got 1.5'],
    ['a negative count as text', { '10': '-1' }, '10 yuan: expected a whole number of notes ≥ 0 (at most 1000000), got "-1"'],
    ['null', { '20': null }, '20 yuan: expected a whole number of notes ≥ 0 (at most 1000000), got null'],
    ['an unknown denomination', { '2': 1 }, '"2" is not a CNY denomination counted here; expected one of 100, 50, 20, 10, 5, 1, 0.5, 0.1'],
    ['a key that is no amount', { abc: 1 }, '"abc" is not a CNY denomination ("abc" is not a decimal amount'],
    ['the same denomination twice', { '0.5': 1, '0.50': 2 }, '5 jiao: counted twice (as "0.5" and "0.50")'],
  ];
  for (const [name, input, message] of bad) {
    it(`refuses ${name}, naming the denomination`, () => {
      const r = parseCount(input, CNY, 'CNY');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems[0]?.message).toContain(message);
    });
  }

  it('lists every problem at once', () => {
    const r = parseCount({ '100': -1, '50': 'x', '3': 1 }, CNY, 'CNY');
    expect(r.ok ? [] : r.problems.map((p) => p.key).sort()).toEqual(['100', '3', '50']);
  });
});
