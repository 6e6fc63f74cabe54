// A small Z report with Chinese and CSV-unfriendly cashier names, shifts and a flag: the
// input of the text, CSV, PDF and printing tests.
import { createReportAccumulator, fixedOffsetClock, type ReportData } from '../../../../src/domain/reports/day-report.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';

export function sampleReport(): ReportData {
  const acc = createReportAccumulator({ currency: 'CNY', clock: fixedOffsetClock(480) });
  acc.addSale(makeSale({ cashier: '王芳', completedAt: '2025-03-02T01:10:00.000Z', lines: [{ sku: 'A', unitPrice: 1000 }], tenders: [{ method: 'cash' }] }));
  acc.addSale(makeSale({ cashier: 'Lee, "Bob"', completedAt: '2025-03-02T03:10:00.000Z', lines: [{ sku: 'B', unitPrice: 4000 }], tenders: [{ method: 'alipay' }] }));
  acc.addSale(makeSale({ cashier: 'Lee, "Bob"', completedAt: '2025-03-02T03:40:00.000Z', lines: [{ sku: 'C', unitPrice: 2000 }], tenders: [{ method: 'wechat' }] }));
  return acc.finish({
    kind: 'Z',
    zNo: 12,
    terminalId: 'T01',
    createdAt: '2025-03-02T14:00:00.000Z',
    createdBy: 'mia',
    range: { fromSeq: 10, toSeq: 20, from: '2025-03-02T01:00:00.000Z', to: '2025-03-02T13:00:00.000Z' },
    cash: {
      shifts: [{ shiftId: 'S1', openedAt: '2025-03-02T00:30:00.000Z', openedBy: 'alice', closedAt: '2025-03-02T13:00:00.000Z', closedBy: 'alice', float: 20000, expected: 21000, counted: 20000, overShort: -1000, working: [] }],
      outsideShifts: null,
    },
    flags: [{ cashier: 'alice', shiftId: 'S1', signal: 'voids', count: 12, threshold: 10 }],
  });
}
