// Expected cash as tables (issue 7 "Tests"): floats, refunds, paid-in and paid-out, rounding with
// a 0.10 cash rounding step, a cashier change mid-shift. Each row's expected figure is worked out
// by hand in the row itself, never by the code under test; the working must add up to it and
// read as a manager would check it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedCash, ExpectedCashError, overShort, tallyCash, type CashEvent, type ExpectedCashInput } from '../../../src/domain/expected-cash.ts';
import { roundCash } from '../../../src/domain/tender.ts';

const NONE = { float: 0, cashSales: 0, rounding: 0, cashRefunds: 0, paidIn: 0, paidOut: 0 };
const signed = (l: { amount: number; sign: '+' | '-' }) => (l.sign === '-' ? -l.amount : l.amount);

describe('expectedCash: float + cash sales − cash refunds + paid-in − paid-out ± rounding', () => {
  const table: [string, Partial<ExpectedCashInput>, number][] = [
    ['nothing happened: the float alone', { float: 20000 }, 20000],
    ['no float, no sales', {}, 0],
    ['a 200.00 float and 88.80 of cash sales', { float: 20000, cashSales: 8880 }, 28880],
    ['a refund of 12.50 in cash', { float: 20000, cashSales: 8880, cashRefunds: 1250 }, 27630],
    ['a paid-in of 100.00 (change from the bank)', { float: 20000, paidIn: 10000 }, 30000],
    ['a paid-out of 35.00 (window cleaner)', { float: 20000, cashSales: 5000, paidOut: 3500 }, 21500],
    ['everything at once', { float: 50000, cashSales: 123450, cashRefunds: 2000, paidIn: 5000, paidOut: 7550 }, 168900],
    // Rounding sits inside the cash tender amounts: 88.88 due, paid 88.90 in cash (+0.02); the
    // expected figure is what is in the drawer, 88.90 — the rounding is not added twice.
    ['rounded up: 88.88 paid as 88.90 in cash', { float: 20000, cashSales: 8890, rounding: 2 }, 28890],
    ['rounded down: 88.84 paid as 88.80 in cash', { float: 20000, cashSales: 8880, rounding: -4 }, 28880],
    ['a refund after a rounded sale hands back the rounded tender', { float: 0, cashSales: 8890, rounding: 2, cashRefunds: 8890 }, 0],
    ['the drawer emptied by a paid-out', { float: 10000, cashSales: 2000, paidOut: 12000 }, 0],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => {
      const r = expectedCash({ ...NONE, ...input });
      expect(r.expected).toBe(expected);
      expect(r.working.reduce((s, l) => s + signed(l), 0)).toBe(expected);
    });
  }

  it('shows its working: one labelled line per step, goods in cash apart from the rounding', () => {
    const r = expectedCash({ float: 20000, cashSales: 8890, rounding: -4 + 6, cashRefunds: 1250, paidIn: 5000, paidOut: 3500, counts: { sales: 2, refunds: 1, paidIn: 1, paidOut: 1 } });
    expect(r.working).toEqual([
      { key: 'float', label: 'float', amount: 20000, sign: '+' },
      { key: 'cash-sales', label: 'cash sales', amount: 8888, sign: '+', count: 2 },
      { key: 'cash-refunds', label: 'cash refunds', amount: 1250, sign: '-', count: 1 },
      { key: 'paid-in', label: 'paid in', amount: 5000, sign: '+', count: 1 },
      { key: 'paid-out', label: 'paid out', amount: 3500, sign: '-', count: 1 },
      { key: 'rounding', label: 'cash rounding', amount: 2, sign: '+' },
    ]);
    expect(r.expected).toBe(20000 + 8888 - 1250 + 5000 - 3500 + 2);
  });

  it('a negative rounding reads as "− 0.04", never "+ −0.04"', () => {
    const line = expectedCash({ ...NONE, cashSales: 8880, rounding: -4 }).working.find((l) => l.key === 'rounding');
    expect(line).toMatchObject({ amount: 4, sign: '-' });
  });

  it('labels in Chinese', () => {
    expect(expectedCash({ ...NONE, float: 100 }, 'zh-CN').working.map((l) => l.label)).toEqual(['备用金', '现金销售', '现金退款', '存入', '支出', '现金抹零/进位']);
  });

  it('refuses bad input naming the field', () => {
    expect(() => expectedCash({ ...NONE, float: -1 })).toThrow(new ExpectedCashError('float: expected an amount ≥ 0, got -1'));
    expect(() => expectedCash({ ...NONE, paidOut: 1.5 })).toThrow(new ExpectedCashError('paidOut: expected a whole number of minor units, got 1.5'));
    expect(() => expectedCash({ ...NONE, cashRefunds: Number.NaN })).toThrow(/cashRefunds/);
    expect(() => expectedCash({ ...NONE, cashSales: 3, rounding: 4 })).toThrow(/rounding: 4 is more than the cash sales/);
  });
});

describe('rounding with a 0.10 cash rounding step, through the tally', () => {
  // Sales due 12.34, 5.67, 9.95 and 3.01 paid in cash with 0.10 half-up rounding: the tender
  // amounts are 12.30 (−4), 5.70 (+3), 10.00 (+5), 3.00 (−1); a wallet-only sale of 20.00 moves
  // no cash. Drawer: 200.00 + 31.00 = 231.00; goods paid in cash 30.97, rounding +0.03.
  const step = { step: 10, mode: 'half-up' as const };
  const dues = [1234, 567, 995, 301];
  const events: CashEvent[] = [
    ...dues.map((due): CashEvent => ({ kind: 'sale', cash: roundCash(due, step), rounding: roundCash(due, step) - due, cashier: 'alice', training: false })),
    { kind: 'sale', cash: 0, rounding: 0, cashier: 'alice', training: false },
  ];

  it('adds the tenders and keeps the rounding inside them', () => {
    const t = tallyCash(events, { training: false });
    expect(t).toMatchObject({ cashSales: 1230 + 570 + 1000 + 300, rounding: -4 + 3 + 5 - 1, counts: { sales: 4, refunds: 0, paidIn: 0, paidOut: 0 } });
    const r = expectedCash({ float: 20000, ...t });
    expect(r.expected).toBe(23100);
    expect(r.working.find((l) => l.key === 'cash-sales')).toMatchObject({ amount: 3097, count: 4 });
    expect(r.working.find((l) => l.key === 'rounding')).toMatchObject({ amount: 3, sign: '+' });
  });
});

describe('a cashier change mid-shift', () => {
  // alice opens with 200.00, sells 50.00 and 30.00 in cash, pays out 20.00; bob takes the
  // drawer, sells 40.00 in cash, refunds 10.00 in cash, takes a paid-in of 15.00. One drawer:
  // 200 + 50 + 30 − 20 + 40 − 10 + 15 = 305.00.
  const events: CashEvent[] = [
    { kind: 'sale', cash: 5000, rounding: 0, cashier: 'alice', training: false },
    { kind: 'sale', cash: 3000, rounding: 0, cashier: 'alice', training: false },
    { kind: 'paid-out', amount: 2000, cashier: 'alice' },
    { kind: 'sale', cash: 4000, rounding: 0, cashier: 'bob', training: false },
    { kind: 'refund', cash: 1000, cashier: 'bob', training: false },
    { kind: 'paid-in', amount: 1500, cashier: 'bob' },
  ];

  it('does not split the drawer: one expected figure for the shift', () => {
    expect(expectedCash({ float: 20000, ...tallyCash(events, { training: false }) }).expected).toBe(30500);
  });

  it('says who did what', () => {
    expect(tallyCash(events, { training: false }).byCashier).toEqual([
      { cashier: 'alice', cashSales: 8000, sales: 2, cashRefunds: 0, refunds: 0, paidIn: 0, paidOut: 2000 },
      { cashier: 'bob', cashSales: 4000, sales: 1, cashRefunds: 1000, refunds: 1, paidIn: 1500, paidOut: 0 },
    ]);
  });
});

describe('training sales are counted apart', () => {
  const events: CashEvent[] = [
    { kind: 'sale', cash: 5000, rounding: 0, cashier: 'alice', training: false },
    { kind: 'sale', cash: 700, rounding: 0, cashier: 'trainee', training: true },
    { kind: 'refund', cash: 300, cashier: 'trainee', training: true },
  ];
  it('a real terminal keeps training sales out of the drawer and says how many there were', () => {
    const t = tallyCash(events, { training: false });
    expect(t).toMatchObject({ cashSales: 5000, cashRefunds: 0, setAside: { sales: 1, cashSales: 700, refunds: 1, cashRefunds: 300 } });
  });
  it('a training terminal counts only its training sales', () => {
    const t = tallyCash(events, { training: true });
    expect(t).toMatchObject({ cashSales: 700, cashRefunds: 300, setAside: { sales: 1, cashSales: 5000, refunds: 0, cashRefunds: 0 } });
  });
});

describe('overShort', () => {
  const table: [number, number, number, 'over' | 'short' | 'exact'][] = [
    [30500, 29500, -1000, 'short'],
    [30500, 30500, 0, 'exact'],
    [30500, 30520, 20, 'over'],
  ];
  for (const [expected, counted, d, verdict] of table) {
    it(`expected ${expected}, counted ${counted}: ${verdict} ${d}`, () => expect(overShort(expected, counted)).toEqual({ overShort: d, verdict }));
  }
});

describe('property: the working always adds up to the expected figure', () => {
  it('for any valid input', () => {
    const amount = fc.integer({ min: 0, max: 10_000_000 });
    fc.assert(
      fc.property(amount, amount, amount, amount, amount, fc.integer({ min: -5, max: 5 }), (float, cashSales, cashRefunds, paidIn, paidOut, r) => {
        const rounding = cashSales + r >= 0 && cashSales >= r ? r : 0;
        const res = expectedCash({ float, cashSales, rounding, cashRefunds, paidIn, paidOut });
        expect(res.expected).toBe(float + cashSales - cashRefunds + paidIn - paidOut);
        expect(res.working.reduce((s, l) => s + signed(l), 0)).toBe(res.expected);
        expect(res.working.every((l) => l.amount >= 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('signs', () => {
  it('refunds and paid-out read "−" even when nothing was refunded or paid out', () => {
    const r = expectedCash({ ...NONE, float: 100 });
    expect(r.working.map((l) => `${l.sign}${l.amount}`)).toEqual(['+100', '+0', '-0', '+0', '-0', '+0']);
  });
});
