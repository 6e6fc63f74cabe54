import { describe, expect, it } from 'vitest';
import {
  cancelCommand,
  cashCommand,
  couponCommand,
  customerCodeCommand,
  discountCommand,
  memberCommand,
  priceCommand,
  quantityCommand,
  redeemCommand,
  removeDiscountCommand,
  voidCommand,
  weighCommand,
} from '../../../../src/renderer/cashier/commands.ts';
import { checkoutCommand } from '../../../../src/shared/api.ts';

/** Every command built here must pass the core's own schema. */
function valid(parsed: { ok: boolean; value?: unknown }) {
  expect(parsed.ok).toBe(true);
  expect(checkoutCommand.safeParse(parsed.value).success).toBe(true);
  return parsed.value;
}

describe('commands from what the cashier typed', () => {
  it('sets a quantity in items or grams', () => {
    expect(valid(quantityCommand({ lineNo: 2, unit: 'each' }, '3'))).toEqual({ type: 'SET_QUANTITY', lineNo: 2, quantityMilli: 3000 });
    expect(valid(quantityCommand({ lineNo: 4, unit: 'kg' }, '0.75'))).toEqual({ type: 'SET_QUANTITY', lineNo: 4, quantityMilli: 750 });
    expect(quantityCommand({ lineNo: 2, unit: 'each' }, '1.5')).toMatchObject({ ok: false, error: 'input.itemsInvalid' });
  });

  it('adds a by-weight item with its weight', () => {
    expect(valid(weighCommand('P0000049', '1.2'))).toEqual({ type: 'ADD', sku: 'P0000049', quantityMilli: 1200 });
    expect(weighCommand('P0000049', '')).toMatchObject({ ok: false, error: 'input.kilosInvalid' });
  });

  it('asks for a reason before voiding, cancelling, discounting or changing a price', () => {
    expect(voidCommand(1, '   ')).toEqual({ ok: false, error: 'input.reasonMissing' });
    expect(cancelCommand('')).toEqual({ ok: false, error: 'input.reasonMissing' });
    expect(discountCommand(1, 'percent', '10', '', 'CNY')).toEqual({ ok: false, error: 'input.reasonMissing' });
    expect(priceCommand(1, '5', ' ', 'CNY')).toEqual({ ok: false, error: 'input.reasonMissing' });
    expect(valid(voidCommand(1, ' wrong item '))).toEqual({ type: 'VOID_LINE', lineNo: 1, reason: 'wrong item' });
    expect(valid(cancelCommand('customer left'))).toEqual({ type: 'CANCEL', reason: 'customer left' });
  });

  it('cuts a reason to the 200 characters the core accepts', () => {
    expect(valid(voidCommand(1, 'x'.repeat(250)))).toMatchObject({ reason: 'x'.repeat(200) });
  });

  it('builds line and basket discounts by amount or percentage, and removals', () => {
    expect(valid(discountCommand(3, 'percent', '12.5', 'damaged', 'CNY'))).toEqual({ type: 'LINE_DISCOUNT', lineNo: 3, discount: { percentBps: 1250 }, reason: 'damaged' });
    expect(valid(discountCommand(null, 'amount', '5', 'regular', 'CNY'))).toEqual({ type: 'BASKET_DISCOUNT', discount: { amount: 500 }, reason: 'regular' });
    expect(discountCommand(null, 'amount', '0', 'x', 'CNY')).toMatchObject({ ok: false, error: 'input.amountNotPositive' });
    expect(discountCommand(1, 'percent', '150', 'x', 'CNY')).toMatchObject({ ok: false, error: 'input.percentInvalid' });
    expect(valid(removeDiscountCommand(3, 'by mistake'))).toEqual({ type: 'LINE_DISCOUNT', lineNo: 3, discount: null, reason: 'by mistake' });
    expect(valid(removeDiscountCommand(null, 'by mistake'))).toEqual({ type: 'BASKET_DISCOUNT', discount: null, reason: 'by mistake' });
  });

  it('overrides a price, to zero if need be', () => {
    expect(valid(priceCommand(2, '0', 'free sample', 'CNY'))).toEqual({ type: 'OVERRIDE_PRICE', lineNo: 2, unitPrice: 0, reason: 'free sample' });
    expect(priceCommand(2, 'abc', 'x', 'CNY')).toMatchObject({ ok: false, error: 'input.amountInvalid' });
  });

  it('takes typed cash', () => {
    expect(valid(cashCommand('100', 'CNY'))).toEqual({ type: 'TENDER_CASH', received: 10000 });
    expect(cashCommand('', 'CNY')).toMatchObject({ ok: false, error: 'input.amountMissing' });
  });

  it("reads the wallet from a customer's payment code typed by hand", () => {
    expect(valid(customerCodeCommand('2851 2345 6789 0123'))).toEqual({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: '2851234567890123' });
    expect(valid(customerCodeCommand('134567890123456789'))).toEqual({ type: 'PAY_WALLET', wallet: 'wechat', mode: 'barcode', authCode: '134567890123456789' });
    expect(customerCodeCommand('6900000000007')).toEqual({ ok: false, error: 'tender.codeUnknown', params: { code: '6900000000007' } });
    expect(customerCodeCommand('  ')).toMatchObject({ ok: false, error: 'tender.codeUnknown' });
  });
});

describe('coupons, members and points typed in (issue 8)', () => {
  it('sends a coupon code as typed, trimmed', () => {
    expect(valid(couponCommand('  SAVE10 '))).toEqual({ type: 'COUPON', code: 'SAVE10' });
    expect(couponCommand('   ')).toEqual({ ok: false, error: 'input.couponMissing' });
    expect(couponCommand('X'.repeat(65))).toEqual({ ok: false, error: 'input.couponTooLong' });
    expect(valid(couponCommand('X'.repeat(64)))).toEqual({ type: 'COUPON', code: 'X'.repeat(64) });
  });

  it('sends a member number, card or phone as typed, trimmed', () => {
    expect(valid(memberCommand(' 13800138000 '))).toEqual({ type: 'MEMBER', query: '13800138000' });
    expect(memberCommand('')).toEqual({ ok: false, error: 'input.memberMissing' });
    expect(memberCommand('9'.repeat(129))).toEqual({ ok: false, error: 'input.memberTooLong' });
  });

  it('redeems a whole number of points up to what can go on the sale, 0 taking them back', () => {
    expect(valid(redeemCommand('500', 800))).toEqual({ type: 'REDEEM_POINTS', points: 500 });
    expect(valid(redeemCommand(' 1,000 ', 1000))).toEqual({ type: 'REDEEM_POINTS', points: 1000 });
    expect(valid(redeemCommand('0', 0))).toEqual({ type: 'REDEEM_POINTS', points: 0 });
    expect(redeemCommand('801', 800)).toEqual({ ok: false, error: 'input.pointsTooMany', params: { most: '800' } });
    expect(redeemCommand('', 800)).toEqual({ ok: false, error: 'input.pointsMissing' });
    for (const bad of ['1.5', '-3', 'ten', '1e3']) expect(redeemCommand(bad, 800)).toMatchObject({ ok: false, error: 'input.pointsInvalid', params: { text: bad } });
  });
});
