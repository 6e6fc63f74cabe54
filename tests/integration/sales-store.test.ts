// The sale store end to end on real SQLite files: commit is one all-or-nothing transaction,
// re-commits are idempotent, and verifyStore finds every kind of damage we can think of.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/db/canonical-json.ts';
import { currentCounter } from '../../src/core/db/counters.ts';
import { journalRowsFor, verifyJournal } from '../../src/core/db/journal.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import type { Db } from '../../src/core/db/open.ts';
import { countPending, getOutbox } from '../../src/core/db/outbox.ts';
import {
  SaleConflictError,
  SaleRecordError,
  SaleStateError,
  cancelSale,
  commitSale,
  getSale,
  listSales,
} from '../../src/core/db/sales.ts';
import { loadSnapshot } from '../../src/core/db/snapshots.ts';
import { verifyStore } from '../../src/core/verify.ts';
import type { VerifyProgress } from '../../src/core/verify.ts';
import { verifySaleRecord } from '../../src/domain/tender.ts';
import { SNAPSHOT, TERMINAL, makeSale, newSaleId, tempDbFile } from '../support/sale-fixtures.ts';
import type { UncommittedSale } from '../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-sales-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const AT = '2025-03-01T10:01:31.000Z';
const commit = (record: UncommittedSale, snapshot: { machineId: string; version: number; value: unknown } = SNAPSHOT) =>
  commitSale(db, { record, snapshot, at: AT });

function counts() {
  const n = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return {
    sales: n('sales'),
    lines: n('sale_lines'),
    tenders: n('tenders'),
    journal: n('journal'),
    outbox: n('outbox'),
    snapshots: n('machine_snapshots'),
    receipt: currentCounter(db, TERMINAL, 'receipt'),
  };
}

describe('fixtures', () => {
  it('are consistent by the domain rules', () => {
    const sales = [
      makeSale(),
      makeSale({ basketDiscount: 333 }),
      makeSale({ lines: [{ sku: 'A', unitPrice: 1000 }, { sku: 'B', unitPrice: 555, voided: true }, { sku: 'C', unitPrice: 1, quantityMilli: 3000 }], basketDiscount: 7 }),
      makeSale({ tenders: [{ method: 'alipay', amount: 1000 }, { method: 'cash', received: 5000 }] }),
    ];
    for (const s of sales) expect(verifySaleRecord({ ...s, receiptNo: 1 })).toEqual([]);
  });
});

describe('commitSale', () => {
  it('writes sale, lines, tenders, journal, outbox and snapshot, and reads the sale back', () => {
    const record = makeSale({ basketDiscount: 150, tenders: [{ method: 'wechat', amount: 1000 }, { method: 'cash', received: 5000 }] });
    const result = commit(record);
    expect(result).toEqual({ receiptNo: 1, alreadyCommitted: false });
    expect(counts()).toEqual({ sales: 1, lines: 3, tenders: 2, journal: 1, outbox: 1, snapshots: 1, receipt: 1 });

    const full = { ...record, receiptNo: 1 };
    expect(getSale(db, record.id)).toEqual(full);
    const [entry] = journalRowsFor(db, record.id, 'sale.completed');
    expect(entry?.payload).toBe(canonicalJson(full));
    // The outbox message points at the journal entry that holds the record (stored once).
    expect(getOutbox(db, record.id)).toMatchObject({
      type: 'sale',
      payload: canonicalJson({ saleId: record.id, journalSeq: entry?.seq }),
      createdAt: AT,
      status: 'pending',
    });
    expect(JSON.parse(getOutbox(db, record.id)?.payload ?? '')).toEqual({ journalSeq: 1, saleId: record.id });
    expect(loadSnapshot(db, 'checkout')).toEqual({ version: 1, snapshot: SNAPSHOT.value, updatedAt: AT });
    // Every line field has its own column.
    const line3 = db.prepare('SELECT * FROM sale_lines WHERE sale_id = ? AND line_no = 3').get(record.id) as Record<string, unknown>;
    const l3 = record.lines[2];
    expect(line3).toEqual({
      sale_id: record.id,
      line_no: 3,
      sku: l3?.sku,
      name: l3?.name,
      unit: l3?.unit,
      quantity_milli: l3?.quantityMilli,
      unit_price: l3?.unitPrice,
      original_unit_price: null,
      override_reason: null,
      gross: l3?.gross,
      gross_embedded: 0,
      line_discount: 200,
      line_discount_reason: 'damaged packaging',
      basket_discount_share: l3?.basketDiscountShare,
      amount: l3?.amount,
      tax_class: 'standard',
      tax_rate_bps: 1300,
      tax_inclusive: 1,
      tax: l3?.tax,
      voided: 0,
      void_reason: null,
      source: 'scan',
    });
    expect(l3?.basketDiscountShare).toBeGreaterThan(0);
    expect(getSale(db, 'no-such-sale')).toBeNull();
  });

  it('numbers receipts 1, 2, 3… per terminal', () => {
    expect(commit(makeSale()).receiptNo).toBe(1);
    expect(commit(makeSale()).receiptNo).toBe(2);
    expect(commit(makeSale({ terminalId: 'T02' })).receiptNo).toBe(1);
    expect(commit(makeSale()).receiptNo).toBe(3);
  });

  it('is idempotent: the same sale again returns its receipt number and writes nothing', () => {
    const record = makeSale();
    commit(record);
    commit(makeSale());
    const before = counts();
    const snapshotBefore = loadSnapshot(db, 'checkout');
    const again = commitSale(db, { record, snapshot: { machineId: 'checkout', version: 9, value: { value: 'other' } }, at: '2025-03-01T11:00:00.000Z' });
    expect(again).toEqual({ receiptNo: 1, alreadyCommitted: true });
    expect(counts()).toEqual(before);
    expect(loadSnapshot(db, 'checkout')).toEqual(snapshotBefore);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('refuses the same sale id with different content, writing nothing', () => {
    const record = makeSale();
    commit(record);
    const before = counts();
    expect(() => commit({ ...record, cashier: 'bob' })).toThrow(SaleConflictError);
    expect(() => commit({ ...record, cashier: 'bob' })).toThrow('cashier: "alice" ≠ "bob"');
    expect(counts()).toEqual(before);
  });

  it('validates the record first and names the bad field; nothing is written', () => {
    commit(makeSale());
    const before = counts();
    const good = makeSale();
    const cases: [unknown, string][] = [
      [{ ...good, lines: good.lines.map((l, i) => (i === 1 ? { ...l, amount: 12.5 } : l)) }, 'lines[1].amount'],
      [{ ...good, tenders: [{ ...good.tenders[0], method: 'bitcoin' }] }, 'tenders[0].method'],
      [{ ...good, tenders: [{ ...good.tenders[0], seq: 2 }] }, 'tenders[0].seq: must be 1'],
      [{ ...good, currency: 'XYZ' }, 'currency: is not a supported currency'],
      [{ ...good, completedAt: '2025-03-01 10:00' }, 'completedAt'],
      [{ ...good, lines: [] }, 'lines'],
      [{ ...good, receiptNo: 5 }, 'receiptNo'],
      [{ ...good, id: '' }, 'id'],
    ];
    for (const [record, field] of cases) {
      let error: unknown;
      try {
        commit(record as UncommittedSale);
      } catch (err) {
        error = err;
      }
      expect(error, field).toBeInstanceOf(SaleRecordError);
      expect((error as Error).message).toContain(field);
    }
    expect(counts()).toEqual(before);
  });

  describe('is atomic', () => {
    it.each([
      ['a tender insert fails', 'CREATE TEMP TRIGGER fail_tender BEFORE INSERT ON tenders WHEN NEW.method = \'wechat\' BEGIN SELECT RAISE(ABORT, \'tender refused\'); END'],
      ['the outbox insert fails', 'CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, \'outbox refused\'); END'],
      ['the snapshot save fails', 'CREATE TEMP TRIGGER fail_snapshot BEFORE INSERT ON machine_snapshots BEGIN SELECT RAISE(ABORT, \'snapshot refused\'); END'],
    ])('when %s mid-transaction: no sale, no journal row, no outbox row, counter unchanged', (_label, trigger) => {
      commit(makeSale());
      db.prepare('DELETE FROM machine_snapshots').run();
      const before = counts();
      db.exec(trigger);
      const record = makeSale({ tenders: [{ method: 'cash', amount: 500 }, { method: 'wechat' }] });
      expect(() => commit(record)).toThrow(/refused/);
      expect(counts()).toEqual(before);
      expect(getSale(db, record.id)).toBeNull();
      db.exec('DROP TRIGGER IF EXISTS temp.fail_tender; DROP TRIGGER IF EXISTS temp.fail_outbox; DROP TRIGGER IF EXISTS temp.fail_snapshot');
      // The freed number goes to the next sale: still gapless.
      expect(commit(record).receiptNo).toBe(2);
      expect(commit(makeSale()).receiptNo).toBe(3);
      expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
    });

    it('when the snapshot cannot be serialized (the last step)', () => {
      const before = counts();
      const record = makeSale();
      expect(() => commit(record, { machineId: 'checkout', version: 1, value: { big: 1n } })).toThrow();
      expect(counts()).toEqual(before);
      expect(commit(record).receiptNo).toBe(1);
    });

    it('survives closing and reopening the file in between', () => {
      const record = makeSale();
      commit(record);
      db.close();
      db = openDatabase(tmp.file);
      expect(getSale(db, record.id)?.receiptNo).toBe(1);
      expect(commit(record)).toEqual({ receiptNo: 1, alreadyCommitted: true });
      expect(commit(makeSale()).receiptNo).toBe(2);
    });
  });
});

describe('listSales', () => {
  it('lists the newest first with summary figures', () => {
    const a = makeSale({ completedAt: '2025-03-01T10:00:00.000Z' });
    const b = makeSale({ completedAt: '2025-03-01T12:00:00.000Z', cashier: 'bob', lines: [{ sku: 'A', unitPrice: 1000 }, { sku: 'B', unitPrice: 200, voided: true }], tenders: [{ method: 'cash', received: 2000 }] });
    const c = makeSale({ completedAt: '2025-03-01T11:00:00.000Z', training: true });
    commit(a);
    commit(b);
    commit(c);
    const rows = listSales(db);
    expect(rows.map((r) => r.id)).toEqual([b.id, c.id, a.id]);
    expect(rows[0]).toEqual({
      id: b.id,
      terminalId: TERMINAL,
      receiptNo: 2,
      completedAt: '2025-03-01T12:00:00.000Z',
      currency: 'CNY',
      total: 1000,
      rounding: 0,
      tendered: 1000,
      change: 1000,
      lines: 1,
      voidedLines: 1,
      cashier: 'bob',
      training: false,
    });
    expect(rows[1]?.training).toBe(true);
    expect(listSales(db, { last: 2 }).map((r) => r.receiptNo)).toEqual([2, 3]);
    expect(() => listSales(db, { last: 0 })).toThrow('positive whole number');
  });
});

describe('cancelSale', () => {
  const cart = { lines: [{ sku: 'A', quantityMilli: 1000 }] };

  it('journals the cancellation and saves the snapshot in one transaction, once per sale', () => {
    const saleId = newSaleId();
    const snapshot = { machineId: 'checkout', version: 1, value: { value: 'idle' } };
    const first = cancelSale(db, { saleId, terminalId: TERMINAL, reason: 'customer left', cart, at: AT, snapshot });
    expect(first).toEqual({ journalSeq: 1, alreadyCancelled: false });
    const [entry] = journalRowsFor(db, saleId, 'sale.cancelled');
    expect(JSON.parse(entry?.payload ?? '')).toEqual({ saleId, reason: 'customer left', cart });
    expect(loadSnapshot(db, 'checkout')?.snapshot).toEqual({ value: 'idle' });

    const again = cancelSale(db, { saleId, terminalId: TERMINAL, reason: 'again', cart, at: AT, snapshot: { ...snapshot, value: { value: 'x' } } });
    expect(again).toEqual({ journalSeq: 1, alreadyCancelled: true });
    expect(counts().journal).toBe(1);
    expect(loadSnapshot(db, 'checkout')?.snapshot).toEqual({ value: 'idle' });
    expect(verifyJournal(db)).toEqual({ ok: true, rows: 1 });
    expect(verifyStore(db).ok).toBe(true);
  });

  it('refuses to cancel a completed sale and writes nothing when the cart is not JSON', () => {
    const record = makeSale();
    commit(record);
    expect(() => cancelSale(db, { saleId: record.id, terminalId: TERMINAL, reason: 'oops', cart, at: AT })).toThrow(SaleStateError);
    expect(() => cancelSale(db, { saleId: 'S2', terminalId: TERMINAL, reason: 'oops', cart: { w: 0.5 }, at: AT, snapshot: SNAPSHOT })).toThrow('$.cart.w');
    expect(counts().journal).toBe(1);
  });
});

describe('verifyStore', () => {
  function seed(n = 5) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = makeSale({ basketDiscount: i * 10, tenders: i % 2 ? [{ method: 'alipay', amount: 500 }, { method: 'cash', received: 10_000 }] : undefined });
      commit(r);
      ids.push(r.id);
    }
    commit(makeSale({ terminalId: 'T02' }));
    return ids;
  }
  const idOf = (ids: string[], i: number) => ids[i] ?? '';

  it('passes a healthy store, read-only, and reports progress', () => {
    seed();
    cancelSale(db, { saleId: 'S-x', terminalId: TERMINAL, reason: 'left', cart: {}, at: AT });
    db.close();
    db = openDatabase(tmp.file, { readonly: true });
    const phases: VerifyProgress[] = [];
    const report = verifyStore(db, { onProgress: (p) => phases.push(p) });
    expect(report).toEqual({ ok: true, checked: { journalRows: 7, sales: 6, receipts: 6 }, problems: [] });
    expect(phases).toContainEqual({ phase: 'journal', done: 7, total: 7 });
    expect(phases).toContainEqual({ phase: 'sales', done: 6, total: 6 });
  });

  it('passes an empty store', () => {
    expect(verifyStore(db)).toEqual({ ok: true, checked: { journalRows: 0, sales: 0, receipts: 0 }, problems: [] });
  });

  it('names a sale whose stored total was edited', () => {
    const ids = seed();
    db.prepare('UPDATE sales SET total = total + 100 WHERE id = ?').run(idOf(ids, 2));
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    const mine = report.problems.filter((p) => p.saleId === idOf(ids, 2));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((p) => p.where === 'sale' && p.receiptNo === 3)).toBe(true);
    expect(mine.map((p) => p.message).join('\n')).toMatch(/total .* should be/);
    expect(mine.map((p) => p.message).join('\n')).toMatch(/tables disagree with journal row 3: total: /);
    expect(report.problems.every((p) => p.saleId === idOf(ids, 2))).toBe(true);
  });

  it('names a line edited consistently in the columns (only the journal can tell)', () => {
    const ids = seed();
    db.prepare('UPDATE sale_lines SET name = ? WHERE sale_id = ? AND line_no = 1').run('Other', idOf(ids, 0));
    const problems = verifyStore(db).problems;
    // The tables hold each line once (no JSON copy to disagree with): the journal names the field.
    expect(problems).toEqual([expect.objectContaining({ where: 'sale', saleId: idOf(ids, 0), seq: 1 })]);
    expect(problems.map((p) => p.message).some((m) => m.includes('lines[0].name: "Other" ≠'))).toBe(true);
  });

  it.each([
    ['gross_embedded', 1, 'lines[1].grossEmbedded: true ≠ false'],
    ['line_discount_reason', "'other reason'", 'lines[1].lineDiscountReason: "other reason" ≠ "damaged packaging"'],
    ['original_unit_price', 2100, 'lines[1].originalUnitPrice: 2100 ≠ null'],
    ['override_reason', "'manager said so'", 'lines[1].overrideReason: "manager said so" ≠ null'],
    ['void_reason', "'x'", 'lines[1].voidReason: "x" ≠ null'],
    ['source', "'manual'", 'lines[1].source: "manual" ≠ "scan"'],
    ['basket_discount_share', 'basket_discount_share + 1', 'lines[1].basketDiscountShare: '],
    ['line_discount', 'line_discount + 1', 'lines[1].lineDiscount: 201 ≠ 200'],
    ['gross', 'gross + 1', 'lines[1].gross: '],
  ])('names an edit of the line column %s, made without touching any other column', (column, value, diff) => {
    const record = makeSale({ lines: [{ sku: 'A', unitPrice: 500 }, { sku: 'B', unitPrice: 2000, lineDiscount: 200 }], basketDiscount: 30 });
    commit(record);
    db.prepare(`UPDATE sale_lines SET ${column} = ${value} WHERE sale_id = ? AND line_no = 2`).run(record.id);
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    expect(report.problems.every((p) => p.saleId === record.id)).toBe(true);
    const messages = report.problems.map((p) => p.message).join('\n');
    expect(messages).toContain('tables disagree with journal row 1');
    expect(messages).toContain(diff);
  });

  it("names a sale whose outbox message does not point at its journal entry", () => {
    const ids = seed(2);
    db.prepare('UPDATE outbox SET payload = ? WHERE idempotency_key = ?').run(canonicalJson({ saleId: idOf(ids, 1), journalSeq: 1 }), idOf(ids, 1));
    const report = verifyStore(db);
    expect(report.problems).toEqual([
      expect.objectContaining({ where: 'sale', saleId: idOf(ids, 1), seq: 2, message: expect.stringContaining('its outbox message is sale {"journalSeq":1,') }),
    ]);
    expect(report.problems[0]?.message).toContain('expected sale {"journalSeq":2,');
    // A sale whose message is gone (sent and pruned, one day) is not a finding.
    db.prepare('DELETE FROM outbox WHERE idempotency_key = ?').run(idOf(ids, 1));
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('names a tender edited in place', () => {
    const ids = seed();
    db.prepare("UPDATE tenders SET method = 'wechat' WHERE sale_id = ? AND seq = 1").run(idOf(ids, 1));
    const report = verifyStore(db);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ where: 'sale', saleId: idOf(ids, 1), seq: 2 });
    expect(report.problems[0]?.message).toContain('tenders[0].method: "wechat" ≠ "alipay"');
  });

  it('names the first missing receipt number when a sale is deleted, and its orphaned journal entry', () => {
    const ids = seed();
    const gone = idOf(ids, 2);
    db.prepare('DELETE FROM sale_lines WHERE sale_id = ?').run(gone);
    db.prepare('DELETE FROM tenders WHERE sale_id = ?').run(gone);
    db.prepare('DELETE FROM sales WHERE id = ?').run(gone);
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'receipts', receiptNo: 3, message: expect.stringContaining('terminal T01: receipt 3 missing (next is 4)') }));
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'journal', seq: 3, saleId: gone }));
    expect(report.problems).toHaveLength(2);
  });

  it('names a range of missing receipts and a counter ahead of the last receipt', () => {
    const ids = seed();
    for (const i of [1, 2, 4]) {
      db.prepare('DELETE FROM sale_lines WHERE sale_id = ?').run(idOf(ids, i));
      db.prepare('DELETE FROM tenders WHERE sale_id = ?').run(idOf(ids, i));
      db.prepare('DELETE FROM sales WHERE id = ?').run(idOf(ids, i));
    }
    const report = verifyStore(db);
    expect(report.problems.filter((p) => p.where === 'receipts')).toEqual([
      expect.objectContaining({ receiptNo: 2, message: expect.stringContaining('receipt 2..3 missing (next is 4)') }),
    ]);
    expect(report.problems.filter((p) => p.where === 'counters')).toEqual([
      expect.objectContaining({ receiptNo: 5, message: expect.stringContaining('the receipt counter is at 5 but the highest receipt is 4') }),
    ]);
    expect(report.checked.receipts).toBe(6);
  });

  it('names a counter behind the receipts (the next sale would reuse a number)', () => {
    seed();
    db.exec("UPDATE counters SET value = 3 WHERE terminal_id = 'T01' AND name = 'receipt'");
    expect(verifyStore(db).problems).toEqual([
      expect.objectContaining({ where: 'counters', receiptNo: 5, message: expect.stringContaining('would reuse a number') }),
    ]);
    db.exec("DELETE FROM counters WHERE terminal_id = 'T02'");
    expect(verifyStore(db).problems.map((p) => p.message)).toContain('terminal T02: has receipts up to 1 but no receipt counter');
  });

  it('names a sale without a journal entry (and the chain gap the deletion left)', () => {
    const ids = seed();
    db.prepare("DELETE FROM journal WHERE kind = 'sale.completed' AND ref = ?").run(idOf(ids, 4));
    const report = verifyStore(db);
    expect(report.problems).toContainEqual({ where: 'journal', seq: 5, message: expect.stringContaining('journal row 5 is missing') });
    expect(report.problems).toContainEqual(
      expect.objectContaining({ where: 'sale', saleId: idOf(ids, 4), receiptNo: 5, message: expect.stringContaining("has no 'sale.completed' journal entry") }),
    );
    // Exactly these two: the chain gap and the sale without its entry.
    expect(report.problems).toHaveLength(2);
  });

  it('names the journal row whose sale payload was edited', () => {
    const ids = seed();
    const payload = JSON.parse(db.prepare('SELECT payload FROM journal WHERE seq = 2').pluck().get() as string) as { total: number };
    payload.total += 1;
    db.prepare('UPDATE journal SET payload = ? WHERE seq = 2').run(canonicalJson(payload));
    const report = verifyStore(db);
    expect(report.problems[0]).toMatchObject({ where: 'journal', seq: 2 });
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'sale', saleId: idOf(ids, 1), seq: 2 }));
  });

  it('names a sale journalled twice', () => {
    const ids = seed(1);
    db.exec("INSERT INTO journal (seq, at, terminal_id, kind, ref, payload, prev_hash, hash) SELECT 99, at, terminal_id, kind, ref, payload, prev_hash, 'dup' FROM journal WHERE seq = 1");
    const report = verifyStore(db);
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'sale', saleId: idOf(ids, 0), message: expect.stringContaining('journalled 2 times (journal rows 1, 99)') }));
  });

  it('reports a badly damaged sale and carries on with the rest', () => {
    const ids = seed();
    db.prepare("UPDATE sales SET currency = 'XYZ' WHERE id = ?").run(idOf(ids, 1));
    db.prepare("UPDATE tenders SET method = 'bitcoin' WHERE sale_id = ?").run(idOf(ids, 3));
    const report = verifyStore(db);
    expect(report.checked.sales).toBe(6);
    expect(new Set(report.problems.map((p) => p.saleId))).toEqual(new Set([idOf(ids, 1), idOf(ids, 3)]));
    expect(report.problems.map((p) => p.message).join('\n')).toContain('currency "XYZ" is not supported');
  });

  it('caps the list of problems', () => {
    seed(5);
    db.exec('UPDATE sales SET cashier = cashier || \'!\'');
    const report = verifyStore(db, { maxProblems: 3 });
    expect(report.problems).toHaveLength(4);
    expect(report.problems[3]).toEqual({ where: 'verify', message: '3 more problems not listed' });
  });

  it('streams a store with many sales', () => {
    const n = 1200;
    const insert = db.transaction(() => {
      for (let i = 0; i < n; i++) commit(makeSale({ basketDiscount: i % 50 }));
    });
    insert.immediate();
    let calls = 0;
    const report = verifyStore(db, { onProgress: () => (calls += 1) });
    expect(report).toMatchObject({ ok: true, checked: { journalRows: n, sales: n, receipts: n } });
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(countPending(db)).toBe(n);
  });
});
