import { describe, expect, it } from 'vitest';
import { antifraudFlags, createAntifraudCounter, UNKNOWN_CASHIER, type AntifraudThresholds } from '../../../src/domain/antifraud.ts';

const T: AntifraudThresholds = { voids: 2, refunds: 1, noSales: 1, priceOverrides: 1, manualEntries: 3 };
const line = (lineNo: number, extra: { voided?: boolean; originalUnitPrice?: number | null; source?: string } = {}) => ({ lineNo, source: 'scan', ...extra });

describe('antifraud counter', () => {
  it('counts voided, overridden and keyed-in lines of a sale against its cashier', () => {
    const c = createAntifraudCounter();
    c.addSale(5, {
      id: 'S1',
      cashier: 'alice',
      lines: [line(1, { voided: true }), line(2, { originalUnitPrice: 500 }), line(3, { source: 'manual' }), line(4, { source: 'search', voided: true }), line(5)],
    });
    expect(c.finish(T).counts).toEqual([{ cashier: 'alice', shiftId: null, voids: 2, refunds: 0, noSales: 0, priceOverrides: 1, manualEntries: 2 }]);
  });

  it('has no row for a cashier with nothing to count, fed every sale or only some', () => {
    const c = createAntifraudCounter();
    c.addSale(1, { id: 'S1', cashier: 'carol', lines: [line(1), line(2)] });
    c.addLineVoided(2, 'dave', 'S2', 1);
    c.addSale(3, { id: 'S2', cashier: 'erin', lines: [line(1, { voided: true })] }); // already counted for dave
    expect(c.finish(T).counts.map((r) => [r.cashier, r.voids])).toEqual([['dave', 1]]);
  });

  it('counts every line of a cancelled sale as a void', () => {
    const c = createAntifraudCounter();
    c.addCancelledSale(3, { id: 'S9', cashier: 'bob', lines: [line(1), line(2, { voided: true }), line(3, { source: 'manual' })] });
    expect(c.finish(T).counts[0]).toMatchObject({ cashier: 'bob', voids: 3, manualEntries: 1 });
  });

  it('counts a line once when both a journal row and the sale record report it', () => {
    const c = createAntifraudCounter();
    c.addLineVoided(4, 'alice', 'S1', 2);
    c.addPriceOverride(4, 'alice', 'S1', 3);
    c.addSale(9, { id: 'S1', cashier: 'alice', lines: [line(2, { voided: true }), line(3, { originalUnitPrice: 100 })] });
    expect(c.finish(T).counts[0]).toMatchObject({ voids: 1, priceOverrides: 1 });
  });

  it('splits counts by the shift whose (openedSeq, closedSeq] holds the event, null outside shifts', () => {
    const shifts = [
      { id: 'B', openedSeq: 20, closedSeq: null },
      { id: 'A', openedSeq: 10, closedSeq: 15 },
    ];
    const c = createAntifraudCounter(shifts);
    c.addNoSale(10, 'alice'); // the opening row itself: before shift A
    c.addNoSale(11, 'alice');
    c.addNoSale(15, 'alice'); // closing seq: still A
    c.addNoSale(16, 'alice'); // between shifts
    c.addNoSale(21, 'alice');
    c.addRefund(99, 'bob');
    const { counts } = c.finish(T);
    expect(counts.map((r) => [r.shiftId, r.cashier, r.noSales, r.refunds])).toEqual([
      [null, 'alice', 2, 0],
      ['A', 'alice', 2, 0],
      ['B', 'alice', 1, 0],
      ['B', 'bob', 0, 1],
    ]);
  });

  it('flags counts over the threshold, not equal to it, and never for a null threshold', () => {
    const c = createAntifraudCounter([{ id: 'S', openedSeq: 0, closedSeq: null }]);
    c.addNoSale(1, 'alice'); // 1 = threshold: not flagged
    for (let i = 0; i < 2; i++) c.addRefund(2 + i, 'bob'); // 2 > 1: flagged
    for (let i = 0; i < 50; i++) c.addNoSale(10 + i, 'carol');
    const summary = c.finish({ ...T, noSales: 1 });
    expect(summary.flags).toEqual([
      { cashier: 'bob', shiftId: 'S', signal: 'refunds', count: 2, threshold: 1 },
      { cashier: 'carol', shiftId: 'S', signal: 'noSales', count: 50, threshold: 1 },
    ]);
    expect(antifraudFlags(summary.counts, { ...T, noSales: null, refunds: null })).toEqual([]);
  });

  it('puts an empty cashier name under "not recorded" and refuses a shift that closes before it opens', () => {
    const c = createAntifraudCounter();
    c.addNoSale(1, '  ');
    expect(c.finish(T).counts[0]?.cashier).toBe(UNKNOWN_CASHIER);
    expect(() => createAntifraudCounter([{ id: 'X', openedSeq: 10, closedSeq: 5 }])).toThrow(/shift X: closedSeq must be .* ≥ openedSeq \(10\), got 5/);
  });
});
