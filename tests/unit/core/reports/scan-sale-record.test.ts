// scanSaleRecord must read exactly what JSON.parse reads from a stored sale record (for the
// fields a report uses), whatever the names, reasons and amounts hold, and must give up (null)
// on any text that is not the canonical form, so the slow path takes over.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/core/db/canonical-json.ts';
import { saleRecordJson } from '../../../../src/core/db/sales.ts';
import { scanSaleRecord, scanSaleRecordBytes } from '../../../../src/core/reports/report-source.ts';
import type { SaleLineRecord, SaleRecord, TenderRecord } from '../../../../src/domain/sale-record.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';
import { lineFields, saleFields, tenderFields, withPromotionKeys } from '../../../support/sale-record-arbitrary.ts';

const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '王', '"amount":', '},{'), fc.string({ minLength: 1, maxLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 });
const minor = fc.integer({ min: -10_000_000_000_000, max: 10_000_000_000_000 });

const values = { text, minor };
const line = (lineNo: number) => lineFields({ ...values, quantityMilli: fc.integer({ min: 0, max: 1_000_000 }) }).map((l): SaleLineRecord => ({ lineNo, ...l }));
const tender = (seq: number) => tenderFields(values).map((t): TenderRecord => ({ seq, ...t }));

const record: fc.Arbitrary<SaleRecord> = fc
  .record({ lines: fc.integer({ min: 1, max: 5 }), tenders: fc.integer({ min: 0, max: 3 }) })
  .chain(({ lines, tenders }) =>
    fc.tuple(
      // Plain records and records with issue 8's keys (promotions, coupon, member).
      withPromotionKeys(values, saleFields({
        ...values,
        currency: fc.constantFrom('CNY', 'USD', 'JPY'),
        startedAt: fc.constant('2025-03-01T10:00:00.000Z'),
        completedAt: fc.constantFrom('2025-03-01T10:01:30.000Z', '2025-03-01T18:01:30.123+08:00'),
        lines: fc.tuple(...Array.from({ length: lines }, (_, i) => line(i + 1))),
        tenders: tenders === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: tenders }, (_, i) => tender(i + 1))),
      })),
      fc.integer({ min: 1, max: 1_000_000_000 }),
    ),
  )
  .map(([sale, receiptNo]) => ({ ...sale, receiptNo }));

function projection(r: SaleRecord) {
  return {
    id: r.id,
    training: r.training,
    currency: r.currency,
    cashier: r.cashier,
    completedAt: r.completedAt,
    basketDiscount: r.basketDiscount,
    subtotal: r.subtotal,
    taxTotal: r.taxTotal,
    total: r.total,
    rounding: r.rounding,
    change: r.change,
    lines: r.lines.map((l) => ({
      amount: l.amount,
      basketDiscountShare: l.basketDiscountShare,
      gross: l.gross,
      lineDiscount: l.lineDiscount,
      lineNo: l.lineNo,
      originalUnitPrice: l.originalUnitPrice,
      source: l.source,
      tax: l.tax,
      taxClass: l.taxClass,
      taxInclusive: l.taxInclusive,
      taxRateBps: l.taxRateBps,
      voided: l.voided,
      ...(l.promotionDiscount !== undefined ? { promotionDiscount: l.promotionDiscount } : {}),
    })),
    tenders: r.tenders.map((t) => ({ method: t.method, amount: t.amount })),
  };
}

describe('scanSaleRecord', () => {
  it('reads what JSON.parse reads from the stored text of any record', () => {
    fc.assert(
      fc.property(record, (r) => {
        const { receiptNo, ...rest } = r;
        const stored = saleRecordJson(rest, receiptNo);
        expect(stored).toBe(canonicalJson(r));
        const want = projection(JSON.parse(stored) as SaleRecord);
        expect(scanSaleRecord(stored)).toEqual(want);
        expect(scanSaleRecordBytes(Buffer.from(stored, 'utf8'))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('gives up on text that is not the canonical form', () => {
    const r = { ...makeSale(), receiptNo: 7 };
    const { receiptNo, ...rest } = r;
    const stored = saleRecordJson(rest, receiptNo);
    expect(scanSaleRecord(stored)).not.toBeNull();
    expect(scanSaleRecord(JSON.stringify(r))).toBeNull(); // keys in another order
    expect(scanSaleRecord(JSON.stringify(JSON.parse(stored), null, 1))).toBeNull(); // whitespace
    expect(scanSaleRecord(stored.replace('"voided":false', '"voided":0'))).toBeNull();
    expect(scanSaleRecord(stored.replace('"method":"cash"', '"method":"card"'))).toBeNull();
    expect(scanSaleRecord(stored.slice(0, -1))).toBeNull();
    expect(scanSaleRecord(`${stored} `)).toBeNull();
    expect(scanSaleRecord('')).toBeNull();
    expect(scanSaleRecordBytes(Buffer.from(stored.replace('"tax":', '"tax" :'), 'utf8'))).toBeNull();
  });
});
