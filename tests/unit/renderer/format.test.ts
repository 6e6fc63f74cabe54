import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../../src/domain/money.ts';
import {
  amountInputText,
  formatAmount,
  formatClock,
  formatCountdown,
  formatNote,
  formatQuantity,
  formatUnitPrice,
  msUntil,
  parseAmount,
  parseItems,
  parseKilos,
  parsePercent,
  parsePrice,
  parseQuantity,
  quantityInputText,
} from '../../../src/renderer/format.ts';

describe('showing amounts and quantities', () => {
  it('shows money with its symbol, exactly', () => {
    expect(formatAmount(8888, 'CNY')).toBe('¥88.88');
    expect(formatAmount(-5, 'CNY')).toBe('-¥0.05');
    expect(formatAmount(1200, 'JPY')).toBe('¥1200');
    expect(formatUnitPrice(1299, 'CNY', 'kg')).toBe('¥12.99/kg');
    expect(formatUnitPrice(1299, 'CNY', 'each')).toBe('¥12.99');
  });

  it('shows the raw minor units of a currency it does not know rather than guessing', () => {
    expect(formatAmount(123, 'XYZ')).toBe('XYZ 123');
    expect(amountInputText(123, 'XYZ')).toBe('123');
  });

  it('names banknotes without empty decimals', () => {
    expect(formatNote(10000, 'CNY')).toBe('¥100');
    expect(formatNote(50, 'CNY')).toBe('¥0.50');
  });

  it('shows items as counts and weights in kg with grams', () => {
    expect(formatQuantity(3000, 'each')).toBe('3');
    expect(formatQuantity(1500, 'each')).toBe('1.5');
    expect(formatQuantity(750, 'kg')).toBe('0.750 kg');
    expect(formatQuantity(12_345, 'kg')).toBe('12.345 kg');
    expect(quantityInputText(750, 'kg')).toBe('0.750');
    expect(quantityInputText(3000, 'each')).toBe('3');
  });

  it('counts down in m:ss, rounding up and never below zero', () => {
    expect(formatCountdown(120_000)).toBe('2:00');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(1)).toBe('0:01');
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(-5000)).toBe('0:00');
  });

  it('measures the time to a deadline, or says there is none', () => {
    const now = Date.parse('2025-01-01T10:00:00Z');
    expect(msUntil('2025-01-01T10:01:30Z', now)).toBe(90_000);
    expect(msUntil(null, now)).toBeNull();
    expect(msUntil('not a date', now)).toBeNull();
  });

  it('shows a clock time, or the text when it is not a date', () => {
    expect(formatClock('garbage')).toBe('garbage');
    expect(formatClock(new Date(2025, 0, 1, 9, 5).toISOString())).toBe('09:05');
  });
});

describe('reading what the cashier typed', () => {
  it('reads cash amounts exactly', () => {
    expect(parseAmount('50', 'CNY')).toEqual({ ok: true, value: 5000 });
    expect(parseAmount(' 12.5 ', 'CNY')).toEqual({ ok: true, value: 1250 });
    expect(parseAmount('0.01', 'CNY')).toEqual({ ok: true, value: 1 });
  });

  it('names what is wrong with an amount', () => {
    expect(parseAmount('', 'CNY')).toEqual({ ok: false, error: 'input.amountMissing' });
    expect(parseAmount('12.345', 'CNY')).toEqual({ ok: false, error: 'input.amountInvalid', params: { text: '12.345' } });
    expect(parseAmount('1e3', 'CNY')).toMatchObject({ ok: false, error: 'input.amountInvalid' });
    expect(parseAmount('0', 'CNY')).toEqual({ ok: false, error: 'input.amountNotPositive', params: { text: '0' } });
    expect(parseAmount('-5', 'CNY')).toMatchObject({ ok: false, error: 'input.amountNotPositive' });
  });

  it('reads every amount it shows back to the same minor units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000 }), (minor) => {
        expect(parseAmount(formatMoney({ amount: minor, currency: 'CNY' }), 'CNY')).toEqual({ ok: true, value: minor });
        expect(parseAmount(amountInputText(minor, 'CNY'), 'CNY')).toEqual({ ok: true, value: minor });
      }),
    );
  });

  it('allows a zero price override but not a negative one', () => {
    expect(parsePrice('0', 'CNY')).toEqual({ ok: true, value: 0 });
    expect(parsePrice('9.90', 'CNY')).toEqual({ ok: true, value: 990 });
    expect(parsePrice('-1', 'CNY')).toMatchObject({ ok: false, error: 'input.amountInvalid' });
    expect(parsePrice('', 'CNY')).toMatchObject({ ok: false, error: 'input.amountMissing' });
  });

  it('reads whole items and refuses parts and zero', () => {
    expect(parseItems('3')).toEqual({ ok: true, value: 3000 });
    expect(parseItems('1.5')).toMatchObject({ ok: false, error: 'input.itemsInvalid' });
    expect(parseItems('0')).toMatchObject({ ok: false, error: 'input.itemsInvalid' });
    expect(parseItems('')).toMatchObject({ ok: false, error: 'input.itemsInvalid' });
  });

  it('reads weights in kg to whole grams', () => {
    expect(parseKilos('0.35')).toEqual({ ok: true, value: 350 });
    expect(parseKilos('1.250')).toEqual({ ok: true, value: 1250 });
    expect(parseKilos('2')).toEqual({ ok: true, value: 2000 });
    expect(parseKilos('0.0005')).toMatchObject({ ok: false, error: 'input.kilosInvalid' });
    expect(parseKilos('0')).toMatchObject({ ok: false, error: 'input.kilosInvalid' });
    expect(parseQuantity('0.5', 'kg')).toEqual({ ok: true, value: 500 });
    expect(parseQuantity('2', 'each')).toEqual({ ok: true, value: 2000 });
  });

  it('reads back every weight it shows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999 }), (grams) => {
        expect(parseKilos(quantityInputText(grams, 'kg'))).toEqual({ ok: true, value: grams });
      }),
    );
  });

  it('reads percentages as basis points, 0.01 % to 100 %', () => {
    expect(parsePercent('10')).toEqual({ ok: true, value: 1000 });
    expect(parsePercent('12.5%')).toEqual({ ok: true, value: 1250 });
    expect(parsePercent('0.01')).toEqual({ ok: true, value: 1 });
    expect(parsePercent('100')).toEqual({ ok: true, value: 10_000 });
    expect(parsePercent('100.01')).toMatchObject({ ok: false, error: 'input.percentInvalid' });
    expect(parsePercent('0')).toMatchObject({ ok: false, error: 'input.percentInvalid' });
    expect(parsePercent('1.234')).toMatchObject({ ok: false, error: 'input.percentInvalid' });
  });
});
