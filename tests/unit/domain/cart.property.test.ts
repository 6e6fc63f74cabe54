// Properties of the cart and tender math (fast-check): order independence and no lost fen.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addItem, computeTotals, emptyCart, setBasketDiscount, setLineDiscount, voidLine } from '../../../src/domain/cart.ts';
import type { Cart, CartItemInput } from '../../../src/domain/cart.ts';
import { allocate, split } from '../../../src/domain/money.ts';
import { applyTender, buildSaleRecord, verifySaleRecord } from '../../../src/domain/tender.ts';
import type { CashRounding, TenderState } from '../../../src/domain/tender.ts';
import { item, SALES_TAX, VAT13, VAT9 } from './fixtures.ts';

const taxes = [VAT13, VAT9, SALES_TAX];

const addArb: fc.Arbitrary<CartItemInput> = fc.oneof(
  // each items from a small catalog so merges happen; price picked from two so some do not merge
  fc.record({
    sku: fc.constantFrom('A', 'B', 'C', 'D'),
    price: fc.constantFrom(1, 99, 888, 1000, 9999),
    qty: fc.integer({ min: 1, max: 5 }),
    tax: fc.constantFrom(...taxes),
  }).map(({ sku, price, qty, tax }) => item(sku, price, { quantityMilli: qty * 1000, tax: { ...tax, id: `${tax.id}` } })),
  fc.record({ sku: fc.constantFrom('K1', 'K2'), price: fc.integer({ min: 1, max: 9999 }), grams: fc.integer({ min: 1, max: 5000 }) }).map(
    ({ sku, price, grams }) => item(sku, price, { unit: 'kg', weightGrams: grams }),
  ),
  fc.record({ price: fc.integer({ min: 0, max: 50_000 }) }).map(({ price }) => item('L', 2580, { unit: 'kg', fixedGross: price })),
);

// Same sku must keep the same tax class across adds (a catalog fact); derive it from the sku.
function normalize(input: CartItemInput): CartItemInput {
  const tax = taxes[input.product.sku.charCodeAt(0) % taxes.length] ?? VAT13;
  return { ...input, taxClass: tax, product: { ...input.product, taxClass: tax.id } };
}

const scenario = fc
  .record({
    adds: fc.array(addArb.map(normalize), { minLength: 1, maxLength: 25 }),
    keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 25, maxLength: 25 }),
    basket: fc.oneof(fc.constant(null), fc.record({ percentBps: fc.integer({ min: 0, max: 10_000 }) }), fc.record({ fraction: fc.integer({ min: 0, max: 10_000 }) })),
  })
  .map(({ adds, keys, basket }) => {
    const permuted = adds.map((a, i) => ({ a, k: keys[i] ?? 0, i })).sort((x, y) => x.k - y.k || x.i - y.i).map((x) => x.a);
    return { adds, permuted, basket };
  });

function buildCart(adds: readonly CartItemInput[], basket: { percentBps: number } | { fraction: number } | null): Cart {
  let c = adds.reduce((cart, a) => addItem(cart, a), emptyCart('CNY'));
  if (basket && 'percentBps' in basket) c = setBasketDiscount(c, basket, 'promo');
  if (basket && 'fraction' in basket) {
    const base = computeTotals(c).subtotal;
    c = setBasketDiscount(c, { amount: Math.floor((base * basket.fraction) / 10_000) }, 'promo');
  }
  return c;
}

describe('cart properties', () => {
  it('totals never depend on the order in which lines were added', () => {
    fc.assert(
      fc.property(scenario, ({ adds, permuted, basket }) => {
        const a = computeTotals(buildCart(adds, basket));
        const b = computeTotals(buildCart(permuted, basket));
        expect({ subtotal: b.subtotal, taxTotal: b.taxTotal, total: b.total, basket: b.basketDiscount }).toEqual({
          subtotal: a.subtotal,
          taxTotal: a.taxTotal,
          total: a.total,
          basket: a.basketDiscount,
        });
      }),
      { numRuns: 400 },
    );
  });

  it('line figures add up exactly: gross − discounts = amount, Σ shares = basket, Σ amounts = subtotal', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.nat(), { maxLength: 3 }), ({ adds, basket }, tweaks) => {
        let c = buildCart(adds, basket);
        // a few line discounts and voids, applied where they fit
        for (const n of tweaks) {
          const line = c.lines[n % c.lines.length];
          if (!line || line.voided) continue;
          try {
            c = n % 2 === 0 ? setLineDiscount(c, line.lineNo, { percentBps: n % 10_001 }, 'x') : voidLine(c, line.lineNo, 'x');
          } catch {
            // a void may not fit a fixed basket discount: that refusal is tested elsewhere
          }
        }
        const t = computeTotals(c);
        const active = t.lines.filter((l) => !l.voided);
        for (const l of t.lines) expect(l.gross - l.lineDiscount - l.basketDiscountShare).toBe(l.amount);
        for (const l of t.lines) expect(l.amount).toBeGreaterThanOrEqual(0);
        expect(active.reduce((s, l) => s + l.basketDiscountShare, 0)).toBe(t.basketDiscount);
        expect(active.reduce((s, l) => s + l.amount, 0)).toBe(t.subtotal);
        expect(active.reduce((s, l) => s + l.tax, 0)).toBe(t.taxTotal);
        expect(t.subtotal).toBe(t.gross - t.lineDiscounts - t.basketDiscount);
      }),
      { numRuns: 300 },
    );
  });

  it('any paid cart builds a record that verify accepts', () => {
    const roundingArb = fc.record({ step: fc.constantFrom(1, 10, 50, 100), mode: fc.constantFrom<'half-up' | 'down'>('half-up', 'down') });
    fc.assert(
      fc.property(scenario, roundingArb, fc.integer({ min: 0, max: 100 }), ({ adds, basket }, rounding: CashRounding, walletPct) => {
        const cart = buildCart(adds, basket);
        const total = computeTotals(cart).total;
        let s: TenderState = { currency: 'CNY', total, rounding, tenders: [] };
        const wallet = Math.floor((total * walletPct) / 100);
        if (wallet > 0) s = applyTender(s, { method: 'alipay', amount: wallet, reference: 'ref' });
        if (total - wallet > 0 || total === 0) {
          if (total > 0) s = applyTender(s, { method: 'cash', amount: total - wallet + 1000 });
        }
        const r = buildSaleRecord({
          cart, tenders: s.tenders, rounding, id: 'S', terminalId: 'T', receiptNo: 1, cashier: 'c',
          startedAt: '2025-01-01T00:00:00Z', completedAt: '2025-01-01T00:01:00Z', training: true,
        });
        expect(verifySaleRecord(r, rounding)).toEqual([]);
        expect(verifySaleRecord(r)).toEqual([]);
        expect(Math.abs(r.rounding)).toBeLessThanOrEqual(rounding.step);
      }),
      { numRuns: 300 },
    );
  });
});

describe('money never loses a fen', () => {
  it('allocate parts add up to the total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 30 }),
        (total, weights) => {
          const parts = allocate({ amount: total, currency: 'CNY' }, weights);
          expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(total);
        },
      ),
    );
  });
  it('split parts add up and differ by at most one fen', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: 1, max: 50 }), (total, n) => {
        const parts = split({ amount: total, currency: 'CNY' }, n).map((p) => p.amount);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
