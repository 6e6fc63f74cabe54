// The `cash` block of kassa.config.json: defaults when left out, overrides per currency, and
// mistakes refused when the config is read, naming the field.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../../src/core/config.ts';
import { cashDenominations, maxFloatOf } from '../../../../src/core/shifts/cash-config.ts';

function problems(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('cash config', () => {
  it('defaults: the currency set, a per-currency maximum float, reasons of 2 characters', () => {
    const c = parseConfig({});
    expect(c.cash).toEqual({ denominations: {}, maxFloat: null, requireReasonMin: 2 });
    expect(cashDenominations(c.cash, 'CNY')).toHaveLength(8);
    expect(maxFloatOf(c.cash, 'CNY')).toBe(500000);
    expect(maxFloatOf(c.cash, 'JPY')).toBe(200000);
  });

  it('an override replaces the set of that currency only', () => {
    const c = parseConfig({ cash: { denominations: { CNY: { notes: ['100', '20'], coins: ['1', '0.5'] } }, maxFloat: '800.00' } });
    expect(cashDenominations(c.cash, 'CNY')).toEqual([
      { value: 10000, kind: 'note' },
      { value: 2000, kind: 'note' },
      { value: 100, kind: 'coin' },
      { value: 50, kind: 'coin' },
    ]);
    expect(cashDenominations(c.cash, 'USD')[0]).toEqual({ value: 10000, kind: 'note' });
    expect(maxFloatOf(c.cash, 'CNY')).toBe(80000);
  });

  it('refuses mistakes naming the field', () => {
    expect(problems({ cash: { denominations: { XYZ: { notes: ['1'] } } } })).toEqual(['cash.denominations.XYZ: expected a supported ISO 4217 code such as "CNY" (got {"notes":["1"]})']);
    expect(problems({ cash: { denominations: { CNY: { coins: ['0.005'] } } } })[0]).toContain('cash.denominations.CNY.coins.0: "0.005" has 3 decimals; CNY allows at most 2');
    expect(problems({ cash: { denominations: { CNY: { notes: ['10', '10'] } } } })[0]).toContain('cash.denominations.CNY: notes: 1000 is listed twice');
    expect(problems({ cash: { denominations: { CNY: {} } } })[0]).toContain('cash.denominations.CNY: expected at least one note or coin');
    expect(problems({ cash: { maxFloat: 500 } })[0]).toMatch(/^cash.maxFloat: /);
    expect(problems({ cash: { requireReasonMin: 0 } })[0]).toContain('cash.requireReasonMin: expected at least 1');
    expect(problems({ cash: { drawer: true } })[0]).toMatch(/^cash: Unrecognized key/);
  });
});
