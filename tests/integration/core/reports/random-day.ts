// Random sales of one local day (UTC+8) with everything a report counts: voids, discounts,
// price overrides, split tenders, training sales, refunds of every outcome, cancelled sales and
// no-sale drawer openings. Shared by the Z report and year summary tests.
import { appendJournal } from '../../../../src/core/db/journal.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { recordRefund, settleRefundPart } from '../../../../src/core/db/refunds.ts';
import { cancelSale, commitSale } from '../../../../src/core/db/sales.ts';
import type { TenderMethod } from '../../../../src/domain/sale-record.ts';
import { seededRandom } from '../../../../src/shared/seeded-random.ts';
import { SNAPSHOT, TERMINAL, makeSale, type LineSpec, type TenderSpec } from '../../../support/sale-fixtures.ts';

const CASHIERS = ['alice', 'bob', '王芳'];

/** n random sales (and their refunds, cancels, no-sale openings) on 2025-03-02 local time. */
export function sellRandomDay(db: Db, n: number, seed: number, dayIso = '2025-03-02'): void {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  for (let i = 0; i < n; i++) {
    const lines: LineSpec[] = Array.from({ length: 1 + Math.floor(rnd() * 5) }, (_, k) => ({
      sku: `SKU-${k}-${Math.floor(rnd() * 50)}`,
      unitPrice: 100 + Math.floor(rnd() * 5000),
      quantityMilli: 1000 * (1 + Math.floor(rnd() * 3)),
      ...(rnd() < 0.15 ? { lineDiscount: 50 } : {}),
      ...(rnd() < 0.1 ? { voided: true } : {}),
      ...(rnd() < 0.05 ? { originalUnitPrice: 9999 } : {}),
    }));
    if (lines.every((l) => l.voided)) lines.push({ sku: 'SKU-X', unitPrice: 500 });
    const tenders: TenderSpec[] = rnd() < 0.2 ? [{ method: 'alipay', amount: 100, reference: `T${i}` }, { method: pick<TenderMethod>(['cash', 'wechat']) }] : [{ method: pick<TenderMethod>(['cash', 'alipay', 'wechat']) }];
    // UTC+8: local 08:00–21:59 of dayIso.
    const minute = Math.floor(rnd() * 14 * 60);
    const completedAt = new Date(Date.parse(`${dayIso}T00:00:00.000Z`) + (minute - 0) * 60_000).toISOString();
    const record = makeSale({
      cashier: pick(CASHIERS),
      lines,
      basketDiscount: rnd() < 0.1 ? 30 : 0,
      tenders,
      completedAt,
      training: rnd() < 0.02,
    });
    const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: completedAt });
    if (rnd() < 0.08 && !record.training) {
      const t = record.tenders[record.tenders.length - 1];
      if (t && t.amount > 1) {
        const wallet = t.method !== 'cash';
        const refundId = `R${seed}-${i}`;
        recordRefund(db, {
          refundId,
          saleId: record.id,
          terminalId: TERMINAL,
          receiptNo,
          currency: 'CNY',
          reason: 'faulty',
          authorizedBy: 'mia',
          operator: pick(CASHIERS),
          training: false,
          parts: [{ tenderSeq: t.seq, method: t.method, amount: Math.ceil(t.amount / 2), ...(wallet ? { outTradeNo: `O${seed}-${i}`, outRequestNo: `Q${seed}-${i}` } : {}) }],
          at: completedAt,
        });
        if (wallet) settleRefundPart(db, refundId, 1, pick(['refunded', 'refunded', 'failed', 'manual'] as const), { detail: null, at: completedAt });
      }
    }
    if (rnd() < 0.03) cancelSale(db, { saleId: `C${seed}-${i}`, terminalId: TERMINAL, reason: 'customer left', cart: {}, at: completedAt });
    if (rnd() < 0.03) {
      db.transaction(() =>
        appendJournal(db, { terminalId: TERMINAL, kind: 'drawer.opened', ref: 'printer', payload: { device: 'printer', pin: 2, by: pick(CASHIERS), reason: 'change' }, at: completedAt }),
      ).immediate();
    }
  }
}

