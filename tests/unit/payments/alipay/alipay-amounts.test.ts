import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALIPAY_MAX_FEN, checkOutgoingAmount, fromFenString, fromYuanString, toYuanString } from '../../../../src/payments/money-strings.ts';

describe('Alipay yuan strings', () => {
  it('writes minor units exactly as Alipay wants them', () => {
    expect(toYuanString(8888, 'CNY', 'amount')).toBe('88.88');
    expect(toYuanString(1, 'CNY', 'amount')).toBe('0.01');
    expect(toYuanString(10, 'CNY', 'amount')).toBe('0.10');
    expect(toYuanString(100, 'CNY', 'amount')).toBe('1.00');
    expect(toYuanString(ALIPAY_MAX_FEN, 'CNY', 'amount')).toBe('100000000.00');
    // The classic float trap: 0.1 + 0.2 and 1.005 never come near an amount here.
    expect(toYuanString(30, 'CNY', 'amount')).toBe('0.30');
    expect(toYuanString(100_5, 'CNY', 'amount')).toBe('10.05');
  });

  it('refuses what Alipay cannot take, naming the field', () => {
    expect(() => toYuanString(0, 'CNY', 'alipay pay amount')).toThrow(/alipay pay amount 0 must be a whole number of fen above 0/);
    expect(() => toYuanString(-5, 'CNY', 'amount')).toThrow(RangeError);
    expect(() => toYuanString(12.5, 'CNY', 'amount')).toThrow(/whole number/);
    expect(() => toYuanString(Number.NaN, 'CNY', 'amount')).toThrow(/whole number/);
    expect(() => toYuanString(ALIPAY_MAX_FEN + 1, 'CNY', 'amount')).toThrow(/over the wallet's limit/);
    expect(() => toYuanString(100, 'USD', 'refund amount')).toThrow(/refund amount: currency "USD" is not taken by this wallet/);
    expect(() => checkOutgoingAmount(100, 'JPY', 1000, 'x')).toThrow(/only CNY/);
  });

  it('reads Alipay amounts strictly', () => {
    expect(fromYuanString('88.88')).toBe(8888);
    expect(fromYuanString('88.8')).toBe(8880);
    expect(fromYuanString('88')).toBe(8800);
    expect(fromYuanString('0.00')).toBe(0);
    expect(fromYuanString('100000000.00')).toBe(10_000_000_000);
    expect(fromYuanString('99999999999.99')).toBe(9_999_999_999_999);
    for (const bad of ['999999999999.99', '88.888', '-1.00', '+1.00', '1e3', ' 1.00', '1,00', '', '.5', '5.', 'NaN', null, undefined, 88.88, {}]) {
      expect(fromYuanString(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('round-trips every amount up to the limit, fen for fen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: ALIPAY_MAX_FEN }), (fen) => {
        const text = toYuanString(fen, 'CNY', 'amount');
        expect(text).toMatch(/^\d+\.\d{2}$/);
        expect(fromYuanString(text)).toBe(fen);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('WeChat fen strings', () => {
  it('reads plain digits only', () => {
    expect(fromFenString('8888')).toBe(8888);
    expect(fromFenString('0')).toBe(0);
    expect(fromFenString('2147483647')).toBe(2_147_483_647);
    for (const bad of ['08', '-1', '1.0', '1e3', ' 1', '', '99999999999999999', null, 12]) {
      expect(fromFenString(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
