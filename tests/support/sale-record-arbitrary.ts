// fast-check arbitraries for sale records whose figures need not add up: every field the stored
// record has, filled from the text, amount and quantity arbitraries a test passes in, for the
// property tests that compare the hand-written sale JSON writer and scanner with the generic
// canonical JSON. (Consistent sales, for store and report tests, are makeSale in sale-fixtures.)
// Each test keeps its own choice of text, amounts, line and tender counts and timestamps.
import fc from 'fast-check';
import type { SaleLineRecord, SaleRecord, TenderRecord } from '../../src/domain/sale-record.ts';

export interface RecordValues {
  /** Names, reasons, skus and the like (filtered to non-empty where the schema wants that). */
  readonly text: fc.Arbitrary<string>;
  /** Every amount in minor units. */
  readonly minor: fc.Arbitrary<number>;
}

/** A sale line with every field but lineNo. */
export function lineFields(v: RecordValues & { readonly quantityMilli: fc.Arbitrary<number> }): fc.Arbitrary<Omit<SaleLineRecord, 'lineNo'>> {
  const { text, minor } = v;
  const nonEmpty = text.filter((s) => s.length > 0);
  return fc.record({
    sku: nonEmpty,
    name: text,
    unit: fc.constantFrom('each' as const, 'kg' as const),
    quantityMilli: v.quantityMilli,
    unitPrice: minor,
    originalUnitPrice: fc.option(minor, { nil: null }),
    overrideReason: fc.option(text, { nil: null }),
    gross: minor,
    grossEmbedded: fc.boolean(),
    lineDiscount: minor,
    lineDiscountReason: fc.option(text, { nil: null }),
    basketDiscountShare: minor,
    amount: minor,
    taxClass: nonEmpty,
    taxRateBps: fc.integer({ min: 0, max: 10_000 }),
    taxInclusive: fc.boolean(),
    tax: minor,
    voided: fc.boolean(),
    voidReason: fc.option(text, { nil: null }),
    source: text,
  });
}

/** A tender with every field but seq. */
export function tenderFields(v: RecordValues): fc.Arbitrary<Omit<TenderRecord, 'seq'>> {
  return fc.record({
    method: fc.constantFrom('cash' as const, 'alipay' as const, 'wechat' as const),
    amount: v.minor,
    received: v.minor,
    reference: fc.option(v.text, { nil: null }),
  });
}

export interface SaleValues extends RecordValues {
  readonly currency: fc.Arbitrary<string>;
  readonly startedAt: fc.Arbitrary<string>;
  readonly completedAt: fc.Arbitrary<string>;
  /** Numbered lines (lineFields with lineNo). */
  readonly lines: fc.Arbitrary<readonly SaleLineRecord[]>;
  /** Numbered tenders (tenderFields with seq). */
  readonly tenders: fc.Arbitrary<readonly TenderRecord[]>;
}

/** A sale record with every field but receiptNo (what commitSale is given). */
export function saleFields(v: SaleValues): fc.Arbitrary<Omit<SaleRecord, 'receiptNo'>> {
  const { text, minor } = v;
  const nonEmpty = text.filter((s) => s.length > 0);
  return fc.record({
    id: nonEmpty,
    terminalId: nonEmpty,
    currency: v.currency,
    cashier: nonEmpty,
    startedAt: v.startedAt,
    completedAt: v.completedAt,
    training: fc.boolean(),
    lines: v.lines,
    basketDiscount: minor,
    basketDiscountReason: fc.option(text, { nil: null }),
    subtotal: minor,
    taxTotal: minor,
    total: minor,
    rounding: minor,
    tenders: v.tenders,
    tendered: minor,
    change: minor,
  });
}

/**
 * Issue 8's optional keys for a record made by saleFields/lineFields: each one present or not,
 * so a test sees plain records, records with some of them, and records with all.
 */
export function withPromotionKeys<R extends Omit<SaleRecord, 'receiptNo'>>(v: RecordValues, record: fc.Arbitrary<R>): fc.Arbitrary<R> {
  const nonEmpty = v.text.filter((s) => s.length > 0);
  const promotion = fc.record({ promotionId: nonEmpty, label: v.text, amount: v.minor });
  const lineExtras = fc.record({ promotions: fc.array(promotion, { maxLength: 3 }), promotionDiscount: v.minor }, { requiredKeys: [] });
  const saleExtras = fc.record(
    {
      basketPromotions: fc.array(promotion, { maxLength: 2 }),
      coupon: fc.option(
        fc.record({ code: nonEmpty, name: v.text, use: fc.constantFrom('single' as const, 'multi' as const), amount: v.minor, redemption: fc.constantFrom('reserved' as const, 'offline' as const, 'multi' as const, 'training' as const) }),
        { nil: null },
      ),
      member: fc.option(
        fc.record({ id: nonEmpty, name: v.text, pointsRedeemed: fc.nat(), pointsDiscount: v.minor, pointsEarned: fc.nat() }),
        { nil: null },
      ),
    },
    { requiredKeys: [] },
  );
  return record.chain((r) =>
    fc.tuple(saleExtras, fc.tuple(...r.lines.map(() => lineExtras))).map(([extras, lines]) => ({
      ...r,
      ...extras,
      lines: r.lines.map((l, i) => ({ ...l, ...lines[i] })),
    })),
  );
}
