import { describe, expect, it } from 'vitest';
import { addItem, computeTotals, emptyCart, setBasketDiscount, setLineDiscount, overridePrice, voidLine } from '../../../src/domain/cart.ts';
import type { Cart } from '../../../src/domain/cart.ts';
import type { SaleRecord, TenderRecord } from '../../../src/domain/sale-record.ts';
import {
  amountDue,
  applyTender,
  buildSaleRecord,
  completeSale,
  NO_CASH_ROUNDING,
  roundCash,
  TenderError,
  verifySaleRecord,
} from '../../../src/domain/tender.ts';
import type { CashRounding, TenderInput, TenderState } from '../../../src/domain/tender.ts';
import { item, SALES_TAX } from './fixtures.ts';

const HALF_UP_10: CashRounding = { step: 10, mode: 'half-up' };
const DOWN_10: CashRounding = { step: 10, mode: 'down' };

function pay(total: number, rounding: CashRounding, ...inputs: TenderInput[]): TenderState {
  return inputs.reduce((s, i) => applyTender(s, i), { currency: 'CNY', total, rounding, tenders: [] } as TenderState);
}
const cash = (amount: number): TenderInput => ({ method: 'cash', amount });

describe('roundCash', () => {
  const table: [number, CashRounding, number][] = [
    [8888, HALF_UP_10, 8890],
    [8885, HALF_UP_10, 8890],
    [8884, HALF_UP_10, 8880],
    [8880, HALF_UP_10, 8880],
    [5, HALF_UP_10, 10],
    [4, HALF_UP_10, 0],
    [-4, HALF_UP_10, 0],
    [-5, HALF_UP_10, -10],
    [-8885, HALF_UP_10, -8890],
    [-8884, HALF_UP_10, -8880],
    [8888, DOWN_10, 8880],
    [8889, DOWN_10, 8880],
    [9, DOWN_10, 0],
    [-9, DOWN_10, 0],
    [-8889, DOWN_10, -8880],
    [8875, { step: 50, mode: 'half-up' }, 8900],
    [8874, { step: 50, mode: 'half-up' }, 8850],
    [8899, { step: 100, mode: 'down' }, 8800],
    [8888, NO_CASH_ROUNDING, 8888],
    [-1, NO_CASH_ROUNDING, -1],
  ];
  it.each(table)('%i with %o → %i', (amount, r, expected) => {
    expect(roundCash(amount, r)).toBe(expected);
  });
  it('refuses a bad setting', () => {
    expect(() => roundCash(1, { step: 0, mode: 'down' })).toThrow(TenderError);
    expect(() => roundCash(1, { step: 2.5, mode: 'down' })).toThrow(/step must be a whole number/);
  });
});

describe('applyTender / amountDue', () => {
  it('cash over the amount gives change; rounding applies to the cash that settles', () => {
    const s = pay(8888, HALF_UP_10, cash(10000));
    expect(s.tenders).toEqual([{ seq: 1, method: 'cash', amount: 8890, received: 10000, reference: null }]);
    expect(amountDue(s, s.tenders, HALF_UP_10)).toMatchObject({ settled: true, rounding: 2, change: 1110, tendered: 8890, remaining: 0 });
  });

  it('down rounding favours the customer', () => {
    const s = pay(8888, DOWN_10, cash(8880));
    expect(amountDue(s, s.tenders, DOWN_10)).toMatchObject({ settled: true, rounding: -8, change: 0 });
  });

  it('exact unrounded cash is accepted in half-up mode, without rounding', () => {
    const s = pay(8888, HALF_UP_10, cash(8888));
    expect(amountDue(s, s.tenders, HALF_UP_10)).toMatchObject({ settled: true, rounding: 0, change: 0 });
  });

  it('split tenders: part cash, part wallet, rest cash', () => {
    let s = pay(8888, HALF_UP_10, cash(5000));
    let due = amountDue(s, s.tenders, HALF_UP_10);
    expect(due).toMatchObject({ settled: false, remaining: 3888, cashDue: 3890, tendered: 5000 });
    s = applyTender(s, { method: 'alipay', amount: 1000, reference: '2024…001' });
    s = applyTender(s, cash(3000));
    due = amountDue(s, s.tenders, HALF_UP_10);
    expect(due).toMatchObject({ settled: true, rounding: 2, change: 110, tendered: 8890 });
    expect(s.tenders.map((t) => [t.seq, t.method, t.amount, t.received])).toEqual([
      [1, 'cash', 5000, 5000],
      [2, 'alipay', 1000, 1000],
      [3, 'cash', 2890, 3000],
    ]);
  });

  it('wallets may not exceed what is still due, nor be zero', () => {
    const s = pay(8888, HALF_UP_10, cash(5000));
    expect(() => applyTender(s, { method: 'wechat', amount: 3889 })).toThrow('wechat 38.89 is more than the 38.88 still to pay');
    expect(() => applyTender(s, { method: 'wechat', amount: 0 })).toThrow(/not allowed/);
    const done = applyTender(s, { method: 'wechat', amount: 3888 });
    expect(amountDue(done, done.tenders, HALF_UP_10)).toMatchObject({ settled: true, rounding: 0, change: 0 });
  });

  it('refuses tenders after the sale is paid, and bad amounts', () => {
    const s = pay(1000, NO_CASH_ROUNDING, cash(1000));
    expect(() => applyTender(s, cash(1))).toThrow('the sale is already paid (10.00 of 10.00)');
    expect(() => pay(1000, NO_CASH_ROUNDING, cash(-1))).toThrow(/cash amount -1 is not valid/);
    expect(() => pay(1000, NO_CASH_ROUNDING, cash(0))).toThrow(/cash received 0.00 is not allowed/);
    expect(() => pay(1000, NO_CASH_ROUNDING, cash(10.5))).toThrow(TenderError);
  });

  it('a remainder that rounds to nothing is settled by a zero cash tender', () => {
    let s = pay(8884, HALF_UP_10, { method: 'alipay', amount: 8880 });
    expect(amountDue(s, s.tenders, HALF_UP_10)).toMatchObject({ settled: false, remaining: 4, cashDue: 0 });
    s = applyTender(s, cash(0));
    expect(amountDue(s, s.tenders, HALF_UP_10)).toMatchObject({ settled: true, rounding: -4, tendered: 8880 });
  });

  it('amountDue refuses tender lists applyTender could not have made', () => {
    const bad: TenderRecord[] = [{ seq: 1, method: 'alipay', amount: 9000, received: 9000, reference: null }];
    expect(() => amountDue({ total: 8888, currency: 'CNY' }, bad, HALF_UP_10)).toThrow(/does not fit 88.88 still to pay/);
  });
});

describe('completeSale', () => {
  it('throws while something is due, naming what is still to pay', () => {
    const s = pay(8888, NO_CASH_ROUNDING, cash(5000));
    expect(() => completeSale(s, s.tenders, NO_CASH_ROUNDING)).toThrow(
      new TenderError('tendered 50.00 is below the amount due 88.88: 38.88 still to pay'),
    );
    const r = pay(8888, HALF_UP_10, cash(5000));
    expect(() => completeSale(r, r.tenders, HALF_UP_10)).toThrow('38.88 still to pay (38.90 in cash)');
  });
  it('a zero total completes with no tender', () => {
    expect(completeSale({ total: 0, currency: 'CNY' }, [], HALF_UP_10)).toMatchObject({ settled: true, tendered: 0 });
  });
});

function sampleCart(): Cart {
  let c = emptyCart('CNY');
  c = addItem(c, item('A', 888, { quantityMilli: 3000 }));
  c = addItem(c, item('B', 2580, { unit: 'kg', weightGrams: 512 }));
  c = addItem(c, item('C', 1999, { tax: SALES_TAX }));
  c = addItem(c, item('D', 500));
  c = addItem(c, item('E', 1, { unit: 'kg', weightGrams: 700, fixedGross: 1350 }));
  c = setLineDiscount(c, 1, { percentBps: 1000 }, 'promo');
  c = overridePrice(c, 3, 1799, 'price match');
  c = voidLine(c, 4, 'changed mind');
  c = setBasketDiscount(c, { amount: 333 }, 'loyalty');
  return c;
}

function sale(cart: Cart, rounding: CashRounding, ...inputs: TenderInput[]): SaleRecord {
  const totals = computeTotals(cart);
  const s = pay(totals.total, rounding, ...inputs);
  return buildSaleRecord({
    cart,
    tenders: s.tenders,
    rounding,
    id: '01JTEST-T1',
    terminalId: 'T1',
    receiptNo: 42,
    cashier: 'alice',
    startedAt: '2025-05-01T10:00:00.000Z',
    completedAt: '2025-05-01T10:02:00.000Z',
    training: false,
  });
}

describe('buildSaleRecord', () => {
  it('produces a consistent record whose figures add up', () => {
    const cart = sampleCart();
    const t = computeTotals(cart);
    const r = sale(cart, HALF_UP_10, cash(2000), { method: 'wechat', amount: 1000, reference: 'wx1' }, cash(100_00));
    expect(r.lines).toHaveLength(5);
    expect(r.lines[0]).toMatchObject({ lineNo: 1, gross: 2664, lineDiscount: 266, lineDiscountReason: 'promo', grossEmbedded: false });
    expect(r.lines[2]).toMatchObject({ unitPrice: 1799, originalUnitPrice: 1999, taxInclusive: false });
    expect(r.lines[3]).toMatchObject({ voided: true, voidReason: 'changed mind', basketDiscountShare: 0 });
    expect(r.lines[4]).toMatchObject({ grossEmbedded: true, gross: 1350, quantityMilli: 700 });
    expect(r).toMatchObject({ subtotal: t.subtotal, taxTotal: t.taxTotal, total: t.total, basketDiscount: 333, basketDiscountReason: 'loyalty' });
    expect(r.tendered).toBe(r.total + r.rounding);
    expect(r.change).toBe(r.tenders.reduce((s, x) => s + x.received - x.amount, 0));
    expect(verifySaleRecord(r)).toEqual([]);
    expect(verifySaleRecord(r, HALF_UP_10)).toEqual([]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('refuses an unpaid or empty sale', () => {
    const cart = sampleCart();
    expect(() => sale(cart, NO_CASH_ROUNDING, cash(100))).toThrow(/is below the amount due/);
    const empty = voidLine(addItem(emptyCart('CNY'), item('A', 100)), 1, 'x');
    expect(() => sale(empty, NO_CASH_ROUNDING)).toThrow('a sale with no items cannot be completed');
  });
});

describe('verifySaleRecord catches tampering', () => {
  const good = () => sale(sampleCart(), HALF_UP_10, cash(100_00));
  type DeepMutable<T> = T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
  const tamper = (f: (r: DeepMutable<SaleRecord>) => void) => {
    const r = structuredClone(good()) as DeepMutable<SaleRecord>;
    f(r);
    return verifySaleRecord(r, HALF_UP_10);
  };

  it('accepts the untouched record', () => {
    expect(verifySaleRecord(good(), HALF_UP_10)).toEqual([]);
  });
  it('a line gross', () => {
    expect(tamper((r) => void (r.lines[0]!.gross += 1)).join('\n')).toMatch(/line 1: gross 26.65 is not unit price 8.88 × quantity 3 = 26.64/);
  });
  it('a line amount and the subtotal together', () => {
    const p = tamper((r) => {
      r.lines[1]!.amount -= 100;
      r.subtotal -= 100;
      r.total -= 100;
    });
    expect(p.join('\n')).toMatch(/line 2: amount .* is not gross − discounts/);
  });
  it('a tax figure', () => {
    expect(tamper((r) => void (r.lines[0]!.tax += 1)).join('\n')).toMatch(/line 1: tax .* should be/);
    expect(tamper((r) => void (r.taxTotal += 1)).join('\n')).toMatch(/tax total .* but the line taxes add up to/);
  });
  it('a shifted basket share', () => {
    const p = tamper((r) => {
      r.lines[0]!.basketDiscountShare += 1;
      r.lines[0]!.amount -= 1;
      r.lines[1]!.basketDiscountShare -= 1;
      r.lines[1]!.amount += 1;
    });
    expect(p.join('\n')).toMatch(/basket discount share .* should be/);
  });
  it('change, tendered and rounding', () => {
    expect(tamper((r) => void (r.change += 100)).join('\n')).toMatch(/change .* should be received − applied/);
    expect(tamper((r) => void (r.tendered -= 1)).join('\n')).toMatch(/tendered .* but the tenders add up to/);
    expect(tamper((r) => void (r.rounding += 1)).join('\n')).toMatch(/not total \+ rounding/);
  });
  it('a tender amount lowered (underpaid sale)', () => {
    const p = tamper((r) => {
      r.tenders[0]!.amount -= 1000;
      r.tendered -= 1000;
      r.change += 1000;
    });
    expect(p.length).toBeGreaterThan(0);
  });
  it('a missing void reason and a renumbered line', () => {
    expect(tamper((r) => void (r.lines[3]!.voidReason = null)).join('\n')).toMatch(/line 4: is void without a reason/);
    expect(tamper((r) => void (r.lines[0]!.lineNo = 7)).join('\n')).toMatch(/without gaps/);
  });
});
