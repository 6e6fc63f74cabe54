// antifraudSignals on a real SQLite file, with the rows written by the code that writes them in
// use: commitSale, cancelSale, recordRefund, and a 'drawer.opened' entry as the device manager
// journals it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendJournal } from '../../../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { recordRefund } from '../../../../src/core/db/refunds.ts';
import { cancelSale, commitSale } from '../../../../src/core/db/sales.ts';
import { antifraudSignals, AntifraudRangeError } from '../../../../src/core/reports/antifraud-source.ts';
import { antifraudConfigSchema } from '../../../../src/core/reports/antifraud-config.ts';
import { UNKNOWN_CASHIER } from '../../../../src/domain/antifraud.ts';
import { makeSale, SNAPSHOT, TERMINAL, newSaleId, tempDbFile, type LineSpec } from '../../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-antifraud-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const AT = '2025-03-01T10:01:31.000Z';
const THRESHOLDS = antifraudConfigSchema.parse({}).thresholds;
const lastSeq = () => db.prepare('SELECT max(seq) FROM journal').pluck().get() as number;

function sell(cashier: string, lines: readonly LineSpec[]): { id: string; receiptNo: number; seq: number } {
  const record = makeSale({ cashier, lines });
  const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: AT });
  return { id: record.id, receiptNo, seq: lastSeq() };
}

function manual(record: ReturnType<typeof makeSale>, lineNos: readonly number[], source: string) {
  return { ...record, lines: record.lines.map((l) => (lineNos.includes(l.lineNo) ? { ...l, source } : l)) };
}

function noSale(by: string): number {
  return db.transaction(() => appendJournal(db, { terminalId: TERMINAL, kind: 'drawer.opened', ref: 'printer', payload: { device: 'printer', pin: 2, by, reason: 'change' }, at: AT }).seq).immediate();
}

function refund(saleId: string, receiptNo: number, operator: string, n: number): void {
  recordRefund(db, {
    refundId: `R${n}-${TERMINAL}`,
    saleId,
    terminalId: TERMINAL,
    receiptNo,
    currency: 'CNY',
    reason: 'faulty',
    authorizedBy: 'manager',
    operator,
    training: false,
    parts: [{ tenderSeq: 1, method: 'cash', amount: 100 }],
    at: AT,
  });
}

describe('antifraudSignals', () => {
  it('counts each signal against the cashier the row names and flags what is over the defaults', () => {
    const a = sell('alice', [
      { sku: 'A', unitPrice: 500, voided: true },
      { sku: 'B', unitPrice: 300, originalUnitPrice: 450 },
      { sku: 'C', unitPrice: 200 },
    ]);
    // Keyed-in lines: made by the fixture as scans, then marked as the checkout marks them.
    const keyed = makeSale({ cashier: 'bob', lines: [{ sku: 'K', unitPrice: 100 }, { sku: 'L', unitPrice: 100 }, { sku: 'M', unitPrice: 100 }] });
    commitSale(db, { record: manual(keyed, [1, 2], 'manual'), snapshot: SNAPSHOT, at: AT });
    const searched = makeSale({ cashier: 'bob', lines: [{ sku: 'S', unitPrice: 100 }] });
    commitSale(db, { record: manual(searched, [1], 'search'), snapshot: SNAPSHOT, at: AT });
    for (let i = 0; i < 6; i++) noSale('bob');
    for (let i = 0; i < 6; i++) refund(a.id, a.receiptNo, 'carol', i);
    cancelSale(db, { saleId: newSaleId(), terminalId: TERMINAL, reason: 'customer left', cart: { lines: [{ lineNo: 1, source: '690' }, { lineNo: 2, voided: true, source: 'manual' }] }, at: AT });

    const s = antifraudSignals(db, { fromSeq: 0, toSeq: lastSeq() }, THRESHOLDS);
    expect(s.unreadable).toBe(0);
    const by = Object.fromEntries(s.counts.map((c) => [c.cashier, c]));
    expect(by['alice']).toMatchObject({ voids: 1, priceOverrides: 1, manualEntries: 0, refunds: 0, noSales: 0 });
    expect(by['bob']).toMatchObject({ voids: 0, manualEntries: 3, noSales: 6 });
    expect(by['carol']).toMatchObject({ refunds: 6 });
    // The cancel's payload does not say who (yet): both its lines are voids of nobody named.
    expect(by[UNKNOWN_CASHIER]).toMatchObject({ voids: 2, manualEntries: 1 });
    expect(s.flags).toEqual([
      { cashier: 'bob', shiftId: null, signal: 'noSales', count: 6, threshold: 5 },
      { cashier: 'carol', shiftId: null, signal: 'refunds', count: 6, threshold: 5 },
    ]);
  });

  it('reads only the range (fromSeq, toSeq] and splits it by shift', () => {
    const first = noSale('alice');
    const opened = noSale('alice');
    const inShift = noSale('alice');
    const closed = noSale('alice');
    noSale('alice');
    const shifts = [{ id: 'shift-1', openedSeq: opened, closedSeq: closed }];
    const s = antifraudSignals(db, { fromSeq: first, toSeq: closed }, THRESHOLDS, shifts);
    expect(inShift).toBe(opened + 1);
    expect(s.counts.map((c) => [c.shiftId, c.noSales])).toEqual([
      [null, 1], // `opened` itself is before the shift's range
      ['shift-1', 2],
    ]);
  });

  it('skips and counts a payload that is not JSON (a tampered file) instead of failing', () => {
    noSale('alice');
    noSale('alice');
    db.prepare("UPDATE journal SET payload = '{broken' WHERE seq = 1").run();
    const s = antifraudSignals(db, { fromSeq: 0, toSeq: 2 }, THRESHOLDS);
    expect(s.unreadable).toBe(1);
    expect(s.counts).toEqual([expect.objectContaining({ cashier: 'alice', noSales: 1 })]);
  });

  it('refuses a range that ends before it starts, naming both ends', () => {
    expect(() => antifraudSignals(db, { fromSeq: 10, toSeq: 4 }, THRESHOLDS)).toThrow(AntifraudRangeError);
    expect(() => antifraudSignals(db, { fromSeq: 10, toSeq: 4 }, THRESHOLDS)).toThrow('toSeq must be a whole number ≥ fromSeq (10), got 4');
  });
});

describe('antifraud config', () => {
  it('defaults every threshold and names a bad one', () => {
    expect(THRESHOLDS).toEqual({ voids: 10, refunds: 5, noSales: 5, priceOverrides: 5, manualEntries: 20 });
    expect(antifraudConfigSchema.parse({ thresholds: { refunds: null } }).thresholds.refunds).toBeNull();
    const bad = antifraudConfigSchema.safeParse({ thresholds: { voids: -1, noSale: 3 } });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages).toContain('thresholds.voids: expected 0 or more (0 flags the first one)');
    expect(messages.some((m) => m.includes('noSale'))).toBe(true);
  });
});
