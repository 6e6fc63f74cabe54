// A sale with promotions, a coupon and a member (issue 8) committed and read back: the record's
// extra keys go through the schema and the generic canonical JSON (the template writes only
// sales without them), come back unchanged, the report reader reads them, and `kassa verify`
// finds nothing wrong. A plain sale is still written by the template, byte for byte as before.
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/core/db/canonical-json.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { commitSale, getSale, isPlainValidSale, parseUncommittedSale, saleRecordJson } from '../../../../src/core/db/sales.ts';
import { verifyStore } from '../../../../src/core/verify.ts';
import { scanSaleRecord } from '../../../../src/core/reports/report-source.ts';
import { priceCart } from '../../../../src/domain/cart-promotions.ts';
import { addItem, computeTotals, emptyCart, redeemPoints, setCoupon, setMember } from '../../../../src/domain/cart.ts';
import { ALWAYS, promotionSchema } from '../../../../src/domain/promotions/promotion.ts';
import { buildSaleRecord } from '../../../../src/domain/tender.ts';
import { makeSale, SNAPSHOT, tempDbFile } from '../../../support/sale-fixtures.ts';

const VAT = { id: 'standard', label: 'VAT 13%', rateBps: 1300, inclusive: true };
const promotions = [
  promotionSchema.parse({ id: 'p', name: '买二送一 3 for 2', kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000, target: { kind: 'item', skus: ['TEA'] }, memberOnly: false, stacking: 'stackable', group: null, priority: 0, window: ALWAYS }),
];

function promotedSale() {
  let cart = addItem(emptyCart('CNY'), { product: { sku: 'TEA', nameZh: '绿茶', nameEn: 'Green tea', price: { amount: 450, currency: 'CNY' }, unit: 'each', taxClass: 'standard' }, taxClass: VAT, quantityMilli: 6000, source: 'scan', lang: 'zh-CN' });
  cart = setMember(cart, { id: 'M9', name: '李雷', points: 40, pointValue: 1, earnPerUnit: 1 });
  cart = setCoupon(cart, { code: 'CPN-1', name: '立减1元', use: 'multi', minSpend: 0, offAmount: 100, percentBps: null, redemption: 'multi' });
  cart = priceCart(redeemPoints(cart, 40), { promotions, at: { year: 2026, month: 11, day: 26, hour: 10, minute: 0 } });
  const total = computeTotals(cart).total;
  const record = buildSaleRecord({
    cart,
    tenders: [{ seq: 1, method: 'cash', amount: total, received: total, reference: null }],
    rounding: { step: 1, mode: 'half-up' },
    id: 'SALE-PROMO-1',
    terminalId: 'T01',
    receiptNo: 0,
    cashier: 'ann',
    startedAt: '2026-11-26T02:00:00.000Z',
    completedAt: '2026-11-26T02:01:00.000Z',
    training: false,
  });
  const { receiptNo: _receiptNo, ...sale } = record;
  return sale;
}

let db: Db | null = null;
let cleanup: (() => void) | null = null;
afterEach(() => {
  db?.close();
  cleanup?.();
  db = null;
  cleanup = null;
});

describe('a sale with promotions, a coupon and a member', () => {
  it('is committed through the schema and the generic canonical JSON, read back unchanged, and verifies', () => {
    const t = tempDbFile();
    cleanup = t.cleanup;
    db = openDatabase(t.file);
    const sale = promotedSale();
    expect(sale.lines[0]?.promotionDiscount).toBe(900);
    expect(isPlainValidSale(sale)).toBe(false);
    expect(parseUncommittedSale(sale)).toEqual(sale);
    expect(saleRecordJson(sale, 1)).toBe(canonicalJson({ ...sale, receiptNo: 1 }));
    const { receiptNo } = commitSale(db, { record: sale, snapshot: SNAPSHOT, at: sale.completedAt });
    expect(getSale(db, sale.id)).toEqual({ ...sale, receiptNo });
    expect(verifyStore(db).problems).toEqual([]);
    // The fast report reader reads it too, with the promotions' part of the discounts.
    const scanned = scanSaleRecord(canonicalJson({ ...sale, receiptNo }));
    expect(scanned?.lines.map((l) => l.promotionDiscount)).toEqual([900]);
    expect(scanned).toMatchObject({ id: sale.id, total: sale.total, basketDiscount: 0 });
  });

  it('a plain sale still takes the template and the fast path', () => {
    const plain = makeSale();
    expect(isPlainValidSale(plain)).toBe(true);
    expect(scanSaleRecord(saleRecordJson(plain, 3))).not.toBeNull();
  });

  it('a promotion with an amount that is not a whole number is refused at commit, naming it', () => {
    const sale = promotedSale();
    const line = sale.lines[0];
    if (!line) throw new Error('no line');
    const bad = { ...sale, lines: [{ ...line, promotions: [{ promotionId: 'p', label: 'x', amount: 1.5 }] }] };
    expect(() => parseUncommittedSale(bad)).toThrow(/lines\[0\]\.promotions\[0\]\.amount/);
  });
});
