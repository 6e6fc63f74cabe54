import { describe, expect, it } from 'vitest';
import {
  addItem,
  CartError,
  clearBasketDiscount,
  clearLineDiscount,
  computeTotals,
  DEFAULT_CART_LIMITS,
  emptyCart,
  overridePrice,
  setBasketDiscount,
  setLineDiscount,
  setQuantity,
  voidLine,
} from '../../../src/domain/cart.ts';
import type { Cart } from '../../../src/domain/cart.ts';
import { item, SALES_TAX, VAT9 } from './fixtures.ts';

const cny = () => emptyCart('CNY');
const build = (...items: Parameters<typeof addItem>[1][]): Cart => items.reduce((c, i) => addItem(c, i), cny());

describe('emptyCart', () => {
  it('is plain JSON', () => {
    const c = cny();
    expect(c).toEqual({ currency: 'CNY', lines: [], basketDiscount: null, nextLineNo: 1 });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
  it('refuses an unknown currency', () => {
    expect(() => emptyCart('XXX')).toThrow(/unknown currency "XXX"/);
  });
});

describe('addItem', () => {
  it('adds a line with the product name in the terminal language and the tax class', () => {
    const c = addItem(cny(), item('A', 888, { lang: 'zh-CN', nameZh: '可乐' }));
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]).toMatchObject({
      lineNo: 1,
      sku: 'A',
      name: '可乐',
      unit: 'each',
      quantityMilli: 1000,
      unitPrice: 888,
      originalUnitPrice: null,
      fixedGross: null,
      lineDiscount: null,
      taxClass: 'standard',
      taxRateBps: 1300,
      taxInclusive: true,
      voided: false,
      source: 'scan:A',
    });
    expect(c.nextLineNo).toBe(2);
  });

  it('does not modify the cart it was given', () => {
    const c = cny();
    const frozen = JSON.stringify(c);
    addItem(c, item('A', 100));
    expect(JSON.stringify(c)).toBe(frozen);
  });

  it('merges a plain each line: scanning 3 times equals setting quantity 3', () => {
    const thrice = build(item('A', 888), item('A', 888), item('A', 888));
    const once = setQuantity(build(item('A', 888)), 1, 3000);
    expect(thrice.lines).toHaveLength(1);
    expect(thrice.lines[0]?.quantityMilli).toBe(3000);
    expect(computeTotals(thrice)).toEqual(computeTotals(once));
  });

  it('adds a quantity typed before the scan to the existing line', () => {
    const c = build(item('A', 100), item('A', 100, { quantityMilli: 5000 }));
    expect(c.lines[0]?.quantityMilli).toBe(6000);
  });

  it('does not merge into a voided, discounted, overridden or price-labelled line', () => {
    let c = build(item('A', 100));
    c = setLineDiscount(c, 1, { amount: 10 }, 'damaged');
    c = addItem(c, item('A', 100));
    expect(c.lines).toHaveLength(2);
    c = overridePrice(c, 2, 90, 'price match');
    c = addItem(c, item('A', 100));
    expect(c.lines).toHaveLength(3);
    c = voidLine(c, 3, 'wrong item');
    c = addItem(c, item('A', 100));
    expect(c.lines).toHaveLength(4);
    c = addItem(c, item('A', 100, { fixedGross: 95 }));
    c = addItem(c, item('A', 100));
    expect(c.lines.map((l) => l.quantityMilli)).toEqual([1000, 1000, 1000, 2000, 1000]);
  });

  it('does not merge when the price differs (catalog changed mid-sale)', () => {
    expect(build(item('A', 100), item('A', 120)).lines).toHaveLength(2);
  });

  it('never merges weighed lines', () => {
    const c = build(item('B', 2580, { unit: 'kg', weightGrams: 512 }), item('B', 2580, { unit: 'kg', weightGrams: 300 }));
    expect(c.lines.map((l) => l.quantityMilli)).toEqual([512, 300]);
    // 25.80/kg × 0.512 kg = 13.2096 → 13.21
    expect(computeTotals(c).lines[0]?.gross).toBe(1321);
  });

  it('requires a weight for a weighed product unless its label carries the price', () => {
    expect(() => addItem(cny(), item('B', 2580, { unit: 'kg' }))).toThrow(/sold by weight/);
    const c = addItem(cny(), item('B', 2580, { unit: 'kg', fixedGross: 1234 }));
    expect(c.lines[0]).toMatchObject({ unit: 'each', quantityMilli: 1000, fixedGross: 1234 });
    expect(computeTotals(c).total).toBe(1234);
  });

  it('uses the embedded price as the line amount, keeping the weight when known', () => {
    const c = addItem(cny(), item('B', 2580, { unit: 'kg', weightGrams: 500, fixedGross: 1300 }));
    expect(c.lines[0]).toMatchObject({ unit: 'kg', quantityMilli: 500, fixedGross: 1300 });
    expect(computeTotals(c).lines[0]?.gross).toBe(1300);
  });

  it('refuses a product in another currency or with a mismatched tax class', () => {
    expect(() => addItem(cny(), item('A', 100, { currency: 'USD' }))).toThrow(/priced in USD but this sale is in CNY/);
    const bad = { ...item('A', 100), taxClass: VAT9 };
    expect(() => addItem(cny(), bad)).toThrow(/tax class "standard" but tax class "reduced"/);
  });

  it('refuses negative or fractional prices', () => {
    expect(() => addItem(cny(), item('A', -1))).toThrow(/price of A -1 is not valid/);
    expect(() => addItem(cny(), item('A', 1.5))).toThrow(CartError);
  });
});

describe('quantity limits', () => {
  const cases: [string, number, RegExp][] = [
    ['zero', 0, /^quantity 0 is not allowed: enter at least 1$/],
    ['negative', -2000, /^quantity -2 is not allowed: enter at least 1$/],
    ['fractional items', 1500, /^quantity 1.5 is not allowed: enter whole items$/],
    ['absurd', 100_000_000, /^quantity 100000 is above the limit of 9999$/],
    ['NaN', Number.NaN, /^quantity NaN is not a number$/],
    ['infinite', Number.POSITIVE_INFINITY, /above the limit of 9999/],
  ];
  it.each(cases)('each: %s', (_name, q, message) => {
    expect(() => addItem(cny(), item('A', 100, { quantityMilli: q }))).toThrow(message);
    const c = build(item('A', 100));
    expect(() => setQuantity(c, 1, q)).toThrow(message);
  });

  const weights: [string, number, RegExp][] = [
    ['zero', 0, /^weight 0 g is not allowed: weigh at least 1 g$/],
    ['negative', -5, /^weight -5 g is not allowed/],
    ['fractional', 12.5, /^weight 12.5 g is not allowed: enter whole grams$/],
    ['too heavy', 1_000_000, /^weight 1000000 g is above the limit of 999999 g$/],
  ];
  it.each(weights)('kg: %s', (_name, g, message) => {
    expect(() => addItem(cny(), item('B', 2580, { unit: 'kg', weightGrams: g }))).toThrow(message);
  });

  it('accepts the limit itself, and custom limits', () => {
    expect(addItem(cny(), item('A', 1, { quantityMilli: 9_999_000 })).lines[0]?.quantityMilli).toBe(9_999_000);
    const limits = { ...DEFAULT_CART_LIMITS, maxQuantityMilli: 10_000 };
    expect(() => addItem(cny(), item('A', 1, { quantityMilli: 11_000 }), limits)).toThrow(/above the limit of 10$/);
  });

  it('refuses a merge that would pass the limit', () => {
    const c = addItem(cny(), item('A', 1, { quantityMilli: 9_999_000 }));
    expect(() => addItem(c, item('A', 1))).toThrow(/quantity 10000 of Item A on line 1 would be above the limit of 9999/);
  });

  it('limits the number of lines', () => {
    const limits = { ...DEFAULT_CART_LIMITS, maxLines: 2 };
    const c = [item('A', 1), item('B', 1)].reduce((acc, i) => addItem(acc, i, limits), cny());
    expect(() => addItem(c, item('C', 1), limits)).toThrow(/already has 2 lines, the limit of 2/);
    expect(addItem(c, item('A', 1), limits).lines).toHaveLength(2); // a merge is fine
  });

  it('limits a line amount', () => {
    const limits = { ...DEFAULT_CART_LIMITS, maxLineAmount: 10_000 };
    expect(() => addItem(cny(), item('A', 5001, { quantityMilli: 2000 }), limits)).toThrow(
      /line amount 100.02 for Item A is above the limit of 100.00/,
    );
  });
});

describe('setQuantity / voidLine', () => {
  it('sets the quantity of a line', () => {
    const c = setQuantity(build(item('A', 250)), 1, 4000);
    expect(computeTotals(c).total).toBe(1000);
  });
  it('refuses an unknown or voided line and label-priced lines', () => {
    const c = build(item('A', 250), item('B', 100, { fixedGross: 99 }));
    expect(() => setQuantity(c, 9, 1000)).toThrow('there is no line 9 on this sale');
    expect(() => setQuantity(c, 2, 2000)).toThrow(/priced by its label/);
    const v = voidLine(c, 1, 'customer changed mind');
    expect(() => setQuantity(v, 1, 2000)).toThrow('line 1 (Item A) is void');
    expect(() => voidLine(v, 1, 'again')).toThrow(/is void/);
  });
  it('voids with a reason, keeps the line, and leaves it out of the totals', () => {
    const c = voidLine(build(item('A', 250), item('B', 100)), 1, ' wrong item ');
    expect(c.lines[0]).toMatchObject({ voided: true, voidReason: 'wrong item' });
    const t = computeTotals(c);
    expect(t.total).toBe(100);
    expect(t.lineCount).toBe(1);
    expect(t.lines[0]).toMatchObject({ voided: true, due: 0, basketDiscountShare: 0 });
    expect(() => voidLine(build(item('A', 1)), 1, '  ')).toThrow('a reason is required to void line 1');
  });
  it('line numbers are never reused', () => {
    let c = voidLine(build(item('A', 1)), 1, 'x');
    c = addItem(c, item('A', 1));
    expect(c.lines.map((l) => l.lineNo)).toEqual([1, 2]);
  });
});

describe('discounts', () => {
  it('line discount by amount or percent, with a reason', () => {
    let c = build(item('A', 1000, { quantityMilli: 2000 }));
    c = setLineDiscount(c, 1, { amount: 150 }, 'damaged box');
    expect(computeTotals(c).lines[0]).toMatchObject({ gross: 2000, lineDiscount: 150, amount: 1850 });
    c = setLineDiscount(c, 1, { percentBps: 1250 }, 'staff');
    expect(computeTotals(c).lines[0]?.lineDiscount).toBe(250);
  });

  it('a percent line discount follows the quantity; a fixed one must still fit', () => {
    let c = setLineDiscount(build(item('A', 999)), 1, { percentBps: 1000 }, 'promo');
    expect(c.lines[0]?.lineDiscount?.amount).toBe(100); // 99.9 → 100
    c = setQuantity(c, 1, 3000);
    expect(c.lines[0]?.lineDiscount?.amount).toBe(300); // 299.7 → 300
    const fixed = setLineDiscount(setQuantity(c, 1, 3000), 1, { amount: 2000 }, 'promo');
    expect(() => setQuantity(fixed, 1, 1000)).toThrow(/has a discount of 20.00, larger than its amount 9.99/);
  });

  it('refuses discounts larger than the line, negative, without reason or bad percent', () => {
    const c = build(item('A', 1000));
    expect(() => setLineDiscount(c, 1, { amount: 1001 }, 'x')).toThrow("discount 10.01 is larger than line 1's amount 10.00");
    expect(() => setLineDiscount(c, 1, { amount: -1 }, 'x')).toThrow(/discount -1 is not valid/);
    expect(() => setLineDiscount(c, 1, { amount: 100 }, '')).toThrow('a reason is required to discount line 1');
    expect(() => setLineDiscount(c, 1, { percentBps: 10_001 }, 'x')).toThrow(/0 to 10000/);
    expect(() => setLineDiscount(c, 1, { percentBps: 5.5 }, 'x')).toThrow(CartError);
  });

  it('zero removes a discount; clear removes it too', () => {
    let c = setLineDiscount(build(item('A', 1000)), 1, { amount: 100 }, 'x');
    expect(setLineDiscount(c, 1, { amount: 0 }, '').lines[0]?.lineDiscount).toBeNull();
    expect(clearLineDiscount(c, 1).lines[0]?.lineDiscount).toBeNull();
    c = setBasketDiscount(c, { amount: 100 }, 'x');
    expect(clearBasketDiscount(c).basketDiscount).toBeNull();
    expect(setBasketDiscount(c, { percentBps: 0 }, '').basketDiscount).toBeNull();
  });

  it('basket discount is allocated over non-void lines by amount after line discounts', () => {
    let c = build(item('A', 1000), item('B', 3000), item('C', 500));
    c = setLineDiscount(c, 2, { amount: 1000 }, 'promo'); // B now weighs 2000
    c = voidLine(c, 3, 'no');
    c = setBasketDiscount(c, { amount: 301 }, 'loyalty');
    const t = computeTotals(c);
    expect(t.lines.map((l) => l.basketDiscountShare)).toEqual([100, 201, 0]);
    expect(t.basketDiscount).toBe(301);
    expect(t.subtotal).toBe(1000 + 2000 - 301);
    expect(t.lines.filter((l) => !l.voided).reduce((s, l) => s + l.amount, 0)).toBe(t.subtotal);
  });

  it('basket percent discount follows the basket; a fixed one must fit', () => {
    let c = setBasketDiscount(build(item('A', 1000)), { percentBps: 1000 }, 'members');
    expect(c.basketDiscount?.amount).toBe(100);
    c = addItem(c, item('B', 555));
    expect(c.basketDiscount?.amount).toBe(156); // 155.5 → 156
    expect(() => setBasketDiscount(c, { amount: 1556 }, 'x')).toThrow('basket discount 15.56 is larger than the goods total 15.55');
    const fixed = setBasketDiscount(c, { amount: 1500 }, 'x');
    expect(() => voidLine(fixed, 1, 'x')).toThrow(/basket discount 15.00 would be larger than the goods total 5.55/);
    expect(() => setBasketDiscount(cny(), { amount: 1 }, 'x')).toThrow(/larger than the goods total 0.00/);
  });

  it('ties in the basket allocation do not depend on line order', () => {
    // Three equal weights, 1 fen to share: the canonical order (by sku) decides, not insertion.
    const a = setBasketDiscount(build(item('A', 100), item('B', 100), item('C', 100)), { amount: 1 }, 'x');
    const b = setBasketDiscount(build(item('C', 100), item('B', 100), item('A', 100)), { amount: 1 }, 'x');
    const shareOf = (c: Cart, sku: string) => {
      const t = computeTotals(c);
      const idx = c.lines.findIndex((l) => l.sku === sku);
      return t.lines[idx]?.basketDiscountShare;
    };
    expect(shareOf(a, 'A')).toBe(1);
    expect(shareOf(b, 'A')).toBe(1);
  });
});

describe('overridePrice', () => {
  it('charges the new price and flags the catalog price', () => {
    let c = overridePrice(build(item('A', 1000)), 1, 800, 'price match');
    expect(c.lines[0]).toMatchObject({ unitPrice: 800, originalUnitPrice: 1000, overrideReason: 'price match' });
    c = overridePrice(c, 1, 750, 'manager');
    expect(c.lines[0]?.originalUnitPrice).toBe(1000);
    c = overridePrice(c, 1, 1000, 'back');
    expect(c.lines[0]).toMatchObject({ unitPrice: 1000, originalUnitPrice: null, overrideReason: null });
  });
  it('needs a reason and a valid price, and keeps a fixed discount within the line', () => {
    const c = setLineDiscount(build(item('A', 1000)), 1, { amount: 500 }, 'x');
    expect(() => overridePrice(c, 1, 800, '')).toThrow(/reason is required to change the price of line 1/);
    expect(() => overridePrice(c, 1, -5, 'x')).toThrow(/price -5 is not valid/);
    expect(() => overridePrice(c, 1, 400, 'x')).toThrow(/discount of 5.00, larger than its amount 4.00/);
  });
});

describe('computeTotals', () => {
  it('inclusive tax is contained, exclusive tax is added', () => {
    const c = build(item('A', 888), item('B', 1000, { tax: SALES_TAX }));
    const t = computeTotals(c);
    expect(t.lines.map((l) => l.tax)).toEqual([102, 83]);
    expect(t).toMatchObject({ subtotal: 1888, taxTotal: 185, exclusiveTax: 83, total: 1971, lineCount: 2 });
  });
  it('taxes each line after its share of the basket discount', () => {
    const c = setBasketDiscount(build(item('A', 1000), item('B', 1000, { tax: VAT9 })), { amount: 200 }, 'x');
    const t = computeTotals(c);
    expect(t.lines.map((l) => l.amount)).toEqual([900, 900]);
    expect(t.lines.map((l) => l.tax)).toEqual([104, 74]); // 900×13/113 = 103.5 → 104; 900×9/109 = 74.3 → 74
  });
  it('an empty cart totals zero', () => {
    expect(computeTotals(cny())).toMatchObject({ subtotal: 0, taxTotal: 0, total: 0, lineCount: 0 });
  });
});
