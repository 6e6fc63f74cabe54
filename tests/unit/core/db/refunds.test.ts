// Refund storage: migration 4 on an existing store, parts recorded write-ahead with their journal
// entries and outbox messages in the same transaction, final states final, calls kept without
// secrets, and kassa verify catching refund rows that were changed or removed.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../../../src/core/db/migrations.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import {
  listRefundParts,
  notePending,
  pendingRefundParts,
  recordRefund,
  recordRefundCall,
  recordRefundCallOutcome,
  refundCallsFor,
  refundedByTender,
  refundPartByRequestNo,
  refundsForSale,
  RefundRecordError,
  settleRefundPart,
  verifyRefunds,
  type NewRefund,
} from '../../../../src/core/db/refunds.ts';
import { commitSale, getSale } from '../../../../src/core/db/sales.ts';
import { verifyStore } from '../../../../src/core/verify.ts';
import { makeSale, SNAPSHOT, tempDbFile, TERMINAL } from '../../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-refunds-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const AT = '2025-03-02T09:00:00.000Z';
const LATER = '2025-03-02T09:05:00.000Z';

/** A committed sale of 31.96: 20.00 by Alipay (tender 1), 11.96 in cash (tender 2). */
function splitSale() {
  const record = makeSale({ tenders: [{ method: 'alipay', amount: 2000, reference: '2025030222001' }, { method: 'cash' }] });
  const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: AT });
  return { ...record, receiptNo };
}

function refundOf(sale: ReturnType<typeof splitSale>, parts: NewRefund['parts'], refundId = 'R1-T01'): NewRefund {
  return {
    refundId,
    saleId: sale.id,
    terminalId: TERMINAL,
    receiptNo: sale.receiptNo,
    currency: 'CNY',
    reason: 'damaged item',
    authorizedBy: 'manager token 0a1b2c3d',
    operator: 'alice',
    training: false,
    parts,
    at: AT,
  };
}

const walletPart = (amount: number, outRequestNo = 'T01_REQ1') => ({ tenderSeq: 1, method: 'alipay' as const, outTradeNo: 'T01_PAY1', tradeNo: '2025030222001', outRequestNo, amount });
const cashPart = (amount: number) => ({ tenderSeq: 2, method: 'cash' as const, amount });

const journalKinds = () => db.prepare('SELECT kind FROM journal ORDER BY seq').pluck().all() as string[];
const outboxRows = () => db.prepare("SELECT idempotency_key AS key, type, payload FROM outbox WHERE type <> 'sale' ORDER BY seq").all() as { key: string; type: string; payload: string }[];

describe('migration 4', () => {
  /** A file at schema 3 (what Kassa wrote before refunds), not migrated further. */
  function schema3(file: string): Db {
    const raw = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) raw.exec(m.sql);
    raw.pragma('user_version = 3');
    raw.close();
    return openDatabase(file, { migrate: false });
  }

  it('adds the refund tables to a store made by schema 3, keeping its sales', () => {
    const fresh = `${tmp.dir}/v3.db`;
    const atV3 = schema3(fresh);
    const record = makeSale({});
    commitSale(atV3, { record, snapshot: SNAPSHOT, at: AT });
    expect(schemaVersion(atV3)).toBe(3);
    expect(verifyStore(atV3).ok).toBe(true);
    atV3.close();

    db = openDatabase(fresh);
    // Upgraded through every later migration too (users, shifts, Z reports, reconciliation).
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
    expect(getSale(db, record.id)?.total).toBe(record.total);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'refund%' ORDER BY name").pluck().all()).toEqual(['refund_calls', 'refunds']);
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('verify on a read-only schema-3 store finds nothing to say about refunds', () => {
    const fresh = `${tmp.dir}/v3-ro.db`;
    schema3(fresh).close();
    const ro = openDatabase(fresh, { readonly: true });
    expect(verifyRefunds(ro)).toEqual([]);
    expect(verifyStore(ro).ok).toBe(true);
    ro.close();
  });
});

describe('recording refunds', () => {
  it('records a wallet part pending and a cash part refunded, journalled and queued in the same transaction', () => {
    const sale = splitSale();
    const parts = recordRefund(db, refundOf(sale, [walletPart(2000), cashPart(500)]));
    expect(parts.map((p) => [p.partNo, p.method, p.state, p.amount, p.outRequestNo])).toEqual([
      [1, 'alipay', 'pending', 2000, 'T01_REQ1'],
      [2, 'cash', 'refunded', 500, null],
    ]);
    expect(journalKinds()).toEqual(['sale.completed', 'refund.requested', 'sale.refunded']);
    const requested = JSON.parse(db.prepare("SELECT payload FROM journal WHERE kind = 'refund.requested'").pluck().get() as string) as Record<string, unknown>;
    expect(requested).toMatchObject({ refundId: 'R1-T01', saleId: sale.id, amount: 2500, authorizedBy: 'manager token 0a1b2c3d', reason: 'damaged item' });
    expect(outboxRows().map((r) => [r.key, r.type])).toEqual([
      ['refund:R1-T01:requested', 'refund'],
      ['refund:R1-T01:2:refunded', 'refund'],
    ]);
    expect(JSON.parse(outboxRows()[0]?.payload ?? '{}')).toEqual({ journalSeq: 2, kind: 'refund.requested', refundId: 'R1-T01', saleId: sale.id });
    expect(refundedByTender(db, sale.id)).toEqual(new Map([[1, 2000], [2, 500]]));
    expect(pendingRefundParts(db).map((p) => p.outRequestNo)).toEqual(['T01_REQ1']);
    expect(refundPartByRequestNo(db, 'T01_REQ1')?.partNo).toBe(1);
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('settles a pending part once: a final state is final, settling again to it changes nothing', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [walletPart(2000)]));
    const noted = notePending(db, 'R1-T01', 1, 'no answer yet', LATER);
    expect(noted).toMatchObject({ state: 'pending', detail: 'no answer yet', updatedAt: LATER });
    expect(journalKinds()).toEqual(['sale.completed', 'refund.requested']);

    const done = settleRefundPart(db, 'R1-T01', 1, 'refunded', { detail: 'refunded', at: LATER });
    expect(done).toMatchObject({ state: 'refunded', settledAt: LATER, settledSeq: 3 });
    expect(settleRefundPart(db, 'R1-T01', 1, 'refunded', { detail: 'again', at: LATER })).toEqual(done);
    expect(() => settleRefundPart(db, 'R1-T01', 1, 'failed', { detail: 'x', at: LATER })).toThrow('refund part R1-T01/1 is already refunded; it cannot become failed');
    expect(() => notePending(db, 'R1-T01', 1, 'x', LATER)).toThrow('refund part R1-T01/1 is already refunded');
    expect(() => settleRefundPart(db, 'NOPE', 1, 'refunded', { detail: null, at: LATER })).toThrow('there is no refund part NOPE/1');
    expect(journalKinds()).toEqual(['sale.completed', 'refund.requested', 'sale.refunded']);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('a failed part no longer counts against its tender; a manual one does', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [walletPart(1500, 'T01_REQA')], 'RA-T01'));
    recordRefund(db, refundOf(sale, [walletPart(500, 'T01_REQB')], 'RB-T01'));
    settleRefundPart(db, 'RA-T01', 1, 'failed', { detail: 'refused', at: LATER });
    settleRefundPart(db, 'RB-T01', 1, 'manual', { detail: 'check it', at: LATER });
    expect(refundedByTender(db, sale.id)).toEqual(new Map([[1, 500]]));
    expect(journalKinds().slice(-2)).toEqual(['refund.failed', 'refund.manual']);
    expect(listRefundParts(db, { state: 'manual' }).map((p) => p.refundId)).toEqual(['RB-T01']);
    expect(refundsForSale(db, sale.id)).toHaveLength(2);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('refuses a reused out_request_no, an empty part list and a wallet part without its keys, writing nothing', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [walletPart(100)]));
    const before = journalKinds().length;
    expect(() => recordRefund(db, refundOf(sale, [walletPart(100)], 'R2-T01'))).toThrow(/UNIQUE constraint failed: refunds.out_request_no/);
    expect(() => recordRefund(db, refundOf(sale, [], 'R3-T01'))).toThrow(RefundRecordError);
    expect(() => recordRefund(db, refundOf(sale, [{ tenderSeq: 1, method: 'alipay', amount: 100 }], 'R4-T01'))).toThrow('a alipay part needs out_trade_no and out_request_no');
    expect(() => recordRefund(db, refundOf(sale, [cashPart(0)], 'R5-T01'))).toThrow(/positive whole number/);
    expect(journalKinds()).toHaveLength(before);
    expect(outboxRows()).toHaveLength(1);
  });

  it('keeps each gateway call before and after it is made', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [walletPart(2000)]));
    const seq = recordRefundCall(db, 'T01_REQ1', 'refund', { outRequestNo: 'T01_REQ1', amount: 2000 }, AT);
    expect(refundCallsFor(db, 'T01_REQ1')).toEqual([{ outRequestNo: 'T01_REQ1', seq: 1, call: 'refund', request: '{"amount":2000,"outRequestNo":"T01_REQ1"}', response: null, startedAt: AT, finishedAt: null }]);
    recordRefundCallOutcome(db, 'T01_REQ1', seq, { kind: 'unknown', reason: 'timeout' }, LATER);
    expect(refundCallsFor(db, 'T01_REQ1')[0]).toMatchObject({ response: '{"kind":"unknown","reason":"timeout"}', finishedAt: LATER });
    expect(() => recordRefundCallOutcome(db, 'T01_REQ1', seq, {}, LATER)).toThrow('call 1 of refund T01_REQ1 is not waiting for an outcome');
    expect(() => recordRefundCall(db, 'T01_NOPE', 'refund', {}, AT)).toThrow(/FOREIGN KEY/);
  });
});

describe('kassa verify and refunds', () => {
  it('names a refund row whose amount was changed after it was journalled', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [cashPart(500)]));
    db.prepare('UPDATE refunds SET amount = 50').run();
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message).join('\n')).toMatch(/refund R1-T01 part 1 \(receipt 1\): the row disagrees with journal row 2/);
  });

  it('names refund journal entries whose rows were deleted', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [cashPart(500)]));
    db.prepare('DELETE FROM refunds').run();
    const messages = verifyStore(db).problems.map((p) => p.message);
    expect(messages).toContain(`journal row 2 (refund.requested for sale ${sale.id}) has no refund row pointing at it`);
    expect(messages).toContain(`journal row 3 (sale.refunded for sale ${sale.id}) has no refund row pointing at it`);
  });

  it('names a tender with more taken back than it paid, and a part settled without its entry', () => {
    const sale = splitSale();
    recordRefund(db, refundOf(sale, [walletPart(2000, 'T01_A')], 'RA-T01'));
    recordRefund(db, refundOf(sale, [walletPart(10, 'T01_B')], 'RB-T01'));
    db.prepare("UPDATE refunds SET state = 'refunded', settled_seq = 2 WHERE refund_id = 'RB-T01'").run();
    const messages = verifyRefunds(db).map((p) => p.message);
    expect(messages).toContain('refund RA-T01 part 1 (receipt 1): tender 1 paid 2000 but 2010 is refunded or pending against it');
    expect(messages).toContain("refund RB-T01 part 1 (receipt 1): it is refunded, but journal row 2 is not its 'sale.refunded' entry");
  });
});
