// The report accumulator on hand-made records whose sums are worked out here by hand.
import { describe, expect, it } from 'vitest';
import { createReportAccumulator, fixedOffsetClock, nextDate, parseDate } from '../../../../src/domain/reports/day-report.ts';
import type { ReportMeta } from '../../../../src/domain/reports/day-report.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';

const META: ReportMeta = { kind: 'X', zNo: null, terminalId: 'T01', createdAt: '2025-03-02T14:00:00.000Z', createdBy: 'mia', range: { fromSeq: 0, toSeq: 9, from: null, to: null } };

describe('report accumulator', () => {
  it('adds sales, voids, discounts, tenders, refunds, hours and days as a manager would', () => {
    const acc = createReportAccumulator({ currency: 'CNY', clock: fixedOffsetClock(480) });
    // 2 × 3.50 = 7.00 and 10.00 − 2.00 discount; one voided 5.00 line. Paid 15.00 cash at 09:10 local.
    acc.addSale(
      makeSale({
        cashier: 'alice',
        completedAt: '2025-03-02T01:10:00.000Z',
        lines: [
          { sku: 'A', unitPrice: 350, quantityMilli: 2000 },
          { sku: 'B', unitPrice: 1000, lineDiscount: 200 },
          { sku: 'C', unitPrice: 500, voided: true },
        ],
        tenders: [{ method: 'cash', received: 2000 }],
      }),
    );
    // 20.00 by Alipay 5.00 + WeChat 15.00, at 23:30 local (the next UTC day is the same local day).
    acc.addSale(
      makeSale({
        cashier: 'bob',
        completedAt: '2025-03-02T15:30:00.000Z',
        lines: [{ sku: 'D', unitPrice: 2000, originalUnitPrice: 2500 }],
        tenders: [{ method: 'alipay', amount: 500 }, { method: 'wechat' }],
      }),
    );
    acc.addSale(makeSale({ training: true }));
    acc.addRefundPart({ refundId: 'R1', method: 'cash', amount: 350, currency: 'CNY', state: 'refunded', at: '2025-03-02T02:00:00.000Z' });
    acc.addRefundPart({ refundId: 'R2', method: 'wechat', amount: 1000, currency: 'CNY', state: 'manual', at: '2025-03-02T02:00:00.000Z' });
    acc.addRefundPart({ refundId: 'R3', method: 'alipay', amount: 500, currency: 'CNY', state: 'failed', at: '2025-03-02T02:00:00.000Z' });
    acc.addRefundRequest({ refundId: 'R1', operator: 'bob' });
    acc.addCancelledSale();
    acc.addNoSale('alice');
    const r = acc.finish(META);
    expect(r.sales).toEqual({ count: 2, gross: 3700, discounts: 200, net: 3500, tax: r.sales.tax, total: 3500, rounding: 0, paid: 3500, change: 500, training: 1 });
    expect(r.voids).toEqual({ lines: 1, amount: 500, salesCancelled: 1 });
    expect(r.discounts).toEqual({ count: 1, amount: 200 });
    expect(r.tenders).toEqual([
      { method: 'cash', count: 1, amount: 1500, refunded: 350, net: 1150 },
      { method: 'alipay', count: 1, amount: 500, refunded: 0, net: 500 },
      { method: 'wechat', count: 1, amount: 1500, refunded: 0, net: 1500 },
    ]);
    expect(r.wallets).toEqual([
      { provider: 'alipay', count: 1, amount: 500, refunded: 0 },
      { provider: 'wechat', count: 1, amount: 1500, refunded: 0 },
    ]);
    expect(r.returns).toEqual({ count: 1, parts: 1, amount: 350, manual: 1000, manualParts: 1 });
    expect(r.cashiers).toEqual([
      { cashier: 'alice', sales: 1, amount: 1500, refunds: 0, voids: 1, noSales: 1, overrides: 0, manual: 0 },
      { cashier: 'bob', sales: 1, amount: 2000, refunds: 1, voids: 0, noSales: 0, overrides: 1, manual: 0 },
    ]);
    expect(r.hourly.filter((h) => h.count > 0)).toEqual([
      { hour: 9, count: 1, amount: 1500 },
      { hour: 23, count: 1, amount: 2000 },
    ]);
    expect(r.days).toEqual([{ date: '2025-03-02', count: 2, amount: 3500, tax: r.sales.tax, returns: 350 }]);
    expect(r.taxByRate).toEqual([{ taxClass: 'standard', rateBps: 1300, inclusive: true, base: 3500, tax: r.sales.tax }]);
    expect(r.sales.tax).toBe(r.taxByRate[0]?.tax);
  });

  it('counts a record in another currency as unreadable instead of adding it', () => {
    const acc = createReportAccumulator({ currency: 'USD' });
    acc.addSale(makeSale());
    const r = acc.finish(META);
    expect(r.sales.count).toBe(0);
    expect(r.unreadable).toBe(1);
  });

  it('parses dates strictly and steps over month ends', () => {
    expect(nextDate('2024-02-28')).toBe('2024-02-29');
    expect(nextDate('2025-12-31')).toBe('2026-01-01');
    expect(() => parseDate('2025-02-30')).toThrow(/yyyy-mm-dd, got "2025-02-30"/);
    expect(fixedOffsetClock(480).startOfDay('2025-03-02')).toBe(Date.parse('2025-03-01T16:00:00.000Z'));
  });
});
