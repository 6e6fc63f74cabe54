// The sale store end to end on real SQLite files: commit is one all-or-nothing transaction,
// re-commits are idempotent, the record is stored once (the journal entry) and read back whole,
// and verifyStore finds every kind of damage we can think of.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/db/canonical-json.ts';
import { journalRowsFor, verifyJournal } from '../../src/core/db/journal.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import type { Db } from '../../src/core/db/open.ts';
import { countPending, getOutbox } from '../../src/core/db/outbox.ts';
import {
  SaleConflictError,
  SaleRecordError,
  SaleStateError,
  SaleStoreError,
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
    receipt: db.prepare('SELECT coalesce(max(receipt_no), 0) FROM sales WHERE terminal_id = ?').pluck().get(TERMINAL) as number,
  };
}

interface EditableRecord {
  total: number;
  lines: { name: string }[];
  tenders: { amount: number; method: string }[];
}

/** Rewrites a journal row's payload (kept canonical), as a forger without the chain would. */
function editPayload(seq: number, edit: (record: EditableRecord) => void) {
  const record = JSON.parse(db.prepare('SELECT payload FROM journal WHERE seq = ?').pluck().get(seq) as string) as EditableRecord;
  edit(record);
  db.prepare('UPDATE journal SET payload = ? WHERE seq = ?').run(canonicalJson(record), seq);
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
    // The record is stored once, as the journal entry's payload; the sales row holds the
    // figures lists need and points at the entry and at its outbox message.
    expect(db.prepare('SELECT * FROM sales').get()).toEqual({
      id: record.id,
      terminal_id: TERMINAL,
      receipt_no: 1,
      journal_seq: entry?.seq,
      outbox_seq: getOutbox(db, record.id)?.seq,
      completed_at: record.completedAt,
      currency: 'CNY',
      subtotal: record.subtotal,
      tax_total: record.taxTotal,
      total: record.total,
      rounding: 0,
      tendered: record.tendered,
      change_given: record.change,
      cashier: 'alice',
      training: 0,
    });
    // Lines and tenders still read as rows, one column per field, from that one copy.
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
    expect(db.prepare('SELECT seq, method, amount, received, reference FROM tenders WHERE sale_id = ? ORDER BY seq').all(record.id)).toEqual([
      { seq: 1, method: 'wechat', amount: 1000, received: 1000, reference: 'TRADE-1' },
      { seq: 2, method: 'cash', amount: record.total - 1000, received: 5000, reference: null },
    ]);
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
      ['the journal insert fails', "CREATE TEMP TRIGGER fail_step BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'journal refused'); END"],
      ['the outbox insert fails', "CREATE TEMP TRIGGER fail_step BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"],
      ['the sales row insert fails', "CREATE TEMP TRIGGER fail_step BEFORE INSERT ON sales WHEN NEW.receipt_no = 2 BEGIN SELECT RAISE(ABORT, 'sale refused'); END"],
      ['the snapshot save fails', "CREATE TEMP TRIGGER fail_step BEFORE INSERT ON machine_snapshots BEGIN SELECT RAISE(ABORT, 'snapshot refused'); END"],
    ])('when %s mid-transaction: no sale, no journal row, no outbox row, no receipt number used', (_label, trigger) => {
      commit(makeSale());
      db.prepare('DELETE FROM machine_snapshots').run();
      const before = counts();
      db.exec(trigger);
      const record = makeSale({ tenders: [{ method: 'cash', amount: 500 }, { method: 'wechat' }] });
      expect(() => commit(record)).toThrow(/refused/);
      expect(counts()).toEqual(before);
      expect(getSale(db, record.id)).toBeNull();
      db.exec('DROP TRIGGER temp.fail_step');
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
  it('lists the most recently committed first, with summary figures', () => {
    const a = makeSale({ completedAt: '2025-03-01T10:00:00.000Z' });
    const b = makeSale({ completedAt: '2025-03-01T12:00:00.000Z', cashier: 'bob', lines: [{ sku: 'A', unitPrice: 1000 }, { sku: 'B', unitPrice: 200, voided: true }], tenders: [{ method: 'cash', received: 2000 }] });
    const c = makeSale({ completedAt: '2025-03-01T11:00:00.000Z', training: true });
    commit(a);
    commit(b);
    // Journal entries that are not sales are skipped.
    cancelSale(db, { saleId: 'S-gone', terminalId: TERMINAL, reason: 'left', cart: {}, at: AT });
    commit(c);
    const rows = listSales(db);
    // Commit order, not the clock: a terminal whose clock was set back still lists its last sale first.
    expect(rows.map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect(rows[1]).toEqual({
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
    expect(rows[0]?.training).toBe(true);
    expect(rows[2]?.lines).toBe(3);
    expect(listSales(db, { last: 2 }).map((r) => r.receiptNo)).toEqual([3, 2]);
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
    expect(mine.map((p) => p.message).join('\n')).toMatch(/the sales row disagrees with journal row 3: total: /);
    expect(report.problems.every((p) => p.saleId === idOf(ids, 2))).toBe(true);
  });

  it.each([
    ['completed_at', "'2025-03-02T00:00:00.000Z'", 'completedAt: "2025-03-02T00:00:00.000Z" ≠ "2025-03-01T10:01:00.000Z"'],
    ['cashier', "'mallory'", 'cashier: "mallory" ≠ "alice"'],
    ['training', '1', 'training: true ≠ false'],
    ['tendered', 'tendered + 1', 'tendered: '],
    ['change_given', 'change_given + 1', 'change: '],
    ['rounding', '-1', 'rounding: -1 ≠ 0'],
    ['subtotal', 'subtotal - 1', 'subtotal: '],
    ['tax_total', 'tax_total + 1', 'taxTotal: '],
  ])('names an edit of the sales column %s, made without touching anything else', (column, value, diff) => {
    const record = makeSale({ completedAt: '2025-03-01T10:01:00.000Z' });
    commit(record);
    db.prepare(`UPDATE sales SET ${column} = ${value} WHERE id = ?`).run(record.id);
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    expect(report.problems.every((p) => p.saleId === record.id)).toBe(true);
    const messages = report.problems.map((p) => p.message).join('\n');
    expect(messages).toContain('the sales row disagrees with journal row 1');
    expect(messages).toContain(diff);
  });

  it("names a line or tender edited in the sale's record: the journal chain breaks there", () => {
    const ids = seed();
    editPayload(1, (r) => {
      for (const l of r.lines.slice(0, 1)) l.name = 'Other';
    });
    editPayload(2, (r) => {
      for (const t of r.tenders.slice(0, 1)) t.amount += 1;
    });
    const report = verifyStore(db);
    // The chain stops at the first changed row; the sale whose figures no longer add up is named too.
    expect(report.problems[0]).toMatchObject({ where: 'journal', seq: 1, message: expect.stringContaining('was changed after it was written') });
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'sale', saleId: idOf(ids, 1), message: expect.stringContaining('tendered') }));
    // The rows read from the record show the edit: the record is the only copy.
    expect(db.prepare('SELECT name FROM sale_lines WHERE sale_id = ? AND line_no = 1').pluck().get(idOf(ids, 0))).toBe('Other');
  });

  it("names a sale whose outbox message does not point at its journal entry", () => {
    const ids = seed(2);
    db.prepare('UPDATE outbox SET payload = ? WHERE idempotency_key = ?').run(canonicalJson({ saleId: idOf(ids, 1), journalSeq: 1 }), idOf(ids, 1));
    const report = verifyStore(db);
    expect(report.problems).toEqual([
      expect.objectContaining({ where: 'sale', saleId: idOf(ids, 1), seq: 2, message: expect.stringContaining(`its outbox message (row 2) is sale ${idOf(ids, 1)} {"journalSeq":1,`) }),
    ]);
    expect(report.problems[0]?.message).toContain(`expected sale ${idOf(ids, 1)} {"journalSeq":2,`);
    // A sale whose message is gone (sent and pruned, one day) is not a finding.
    db.prepare('DELETE FROM outbox WHERE idempotency_key = ?').run(idOf(ids, 1));
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('names a second outbox message for a sale, and one for a sale that is not there', () => {
    const ids = seed(2);
    db.exec(`INSERT INTO outbox (idempotency_key, type, payload, created_at) SELECT idempotency_key, type, payload, created_at FROM outbox WHERE seq = 1`);
    db.exec(`INSERT INTO outbox (idempotency_key, type, payload, created_at) VALUES ('NO-SUCH-SALE', 'sale', '{}', '${AT}')`);
    const report = verifyStore(db);
    expect(report.problems).toEqual([
      expect.objectContaining({ where: 'outbox', saleId: idOf(ids, 0), receiptNo: 1, message: expect.stringContaining('outbox row 4 is a second message for it (its own is row 1)') }),
      expect.objectContaining({ where: 'outbox', saleId: 'NO-SUCH-SALE', message: 'outbox row 5 announces sale NO-SUCH-SALE, which is not in the sales table' }),
    ]);
  });

  it('names the first missing receipt number when a sale is deleted, and what it left behind', () => {
    const ids = seed();
    const gone = idOf(ids, 2);
    db.prepare('DELETE FROM sales WHERE id = ?').run(gone);
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'receipts', receiptNo: 3, message: expect.stringContaining('terminal T01: receipt 3 missing (next is 4)') }));
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'journal', seq: 3, saleId: gone }));
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'outbox', saleId: gone, message: expect.stringContaining('not in the sales table') }));
    expect(report.problems).toHaveLength(3);
  });

  it('names a range of missing receipts', () => {
    const ids = seed();
    for (const i of [1, 2]) db.prepare('DELETE FROM sales WHERE id = ?').run(idOf(ids, i));
    const report = verifyStore(db);
    expect(report.problems.filter((p) => p.where === 'receipts')).toEqual([
      expect.objectContaining({ receiptNo: 2, message: expect.stringContaining('receipt 2..3 missing (next is 4)') }),
    ]);
    expect(report.checked.receipts).toBe(6);
  });

  it('cannot be fooled by deleting the newest sale: its number is reused, its journal entry is not', () => {
    const ids = seed();
    const gone = idOf(ids, 4);
    db.prepare('DELETE FROM sales WHERE id = ?').run(gone);
    db.prepare('DELETE FROM outbox WHERE idempotency_key = ?').run(gone);
    // Receipt numbers run 1..4 now, so the next sale takes 5 again.
    expect(commit(makeSale()).receiptNo).toBe(5);
    const report = verifyStore(db);
    expect(report.problems).toEqual([
      expect.objectContaining({ where: 'journal', seq: 5, saleId: gone, message: expect.stringContaining(`journal row 5 records sale ${gone} on terminal T01, but the sale is not in the sales table`) }),
    ]);
  });

  it('names a sale without a journal entry (and the chain gap the deletion left); reading it says why it cannot', () => {
    const ids = seed();
    db.prepare("DELETE FROM journal WHERE kind = 'sale.completed' AND ref = ?").run(idOf(ids, 4));
    const report = verifyStore(db);
    expect(report.problems).toContainEqual({ where: 'journal', seq: 5, message: expect.stringContaining('journal row 5 is missing') });
    expect(report.problems).toContainEqual(
      expect.objectContaining({ where: 'sale', saleId: idOf(ids, 4), receiptNo: 5, seq: 5, message: expect.stringContaining("has no 'sale.completed' journal entry") }),
    );
    // Exactly these two: the chain gap and the sale without its entry.
    expect(report.problems).toHaveLength(2);
    expect(() => getSale(db, idOf(ids, 4))).toThrow(SaleStoreError);
    expect(() => getSale(db, idOf(ids, 4))).toThrow("has no 'sale.completed' journal entry");
    expect(listSales(db).map((r) => r.receiptNo)).toEqual([1, 4, 3, 2, 1]);
  });

  it('names the journal row whose sale payload was edited', () => {
    const ids = seed();
    editPayload(2, (r) => {
      r.total += 1;
    });
    const report = verifyStore(db);
    expect(report.problems[0]).toMatchObject({ where: 'journal', seq: 2 });
    expect(report.problems).toContainEqual(expect.objectContaining({ where: 'sale', saleId: idOf(ids, 1), seq: 2 }));
  });

  it('names a sale journalled twice', () => {
    const ids = seed(1);
    db.exec("INSERT INTO journal (seq, at, terminal_id, kind, ref, payload, prev_hash, hash) SELECT 99, at, terminal_id, kind, ref, payload, prev_hash, 'dup' FROM journal WHERE seq = 1");
    const report = verifyStore(db);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ where: 'sale', saleId: idOf(ids, 0), seq: 99, message: expect.stringContaining('is journalled more than once: journal row 99 records it again (its own entry is row 1)') }),
    );
  });

  it("names a sales row pointing at another sale's journal row", () => {
    const ids = seed(2);
    db.prepare('UPDATE sales SET journal_seq = 1 WHERE id = ?').run(idOf(ids, 1));
    const problems = verifyStore(db).problems;
    expect(problems).toContainEqual(
      expect.objectContaining({ where: 'sale', saleId: idOf(ids, 1), seq: 1, message: expect.stringContaining(`its journal row 1 is not its 'sale.completed' entry (it is sale.completed ${idOf(ids, 0)})`) }),
    );
  });

  it('reports a badly damaged sale and carries on with the rest', () => {
    const ids = seed();
    db.prepare("UPDATE sales SET currency = 'XYZ' WHERE id = ?").run(idOf(ids, 1));
    editPayload(4, (r) => {
      for (const t of r.tenders.slice(0, 1)) t.method = 'bitcoin';
    });
    db.prepare("UPDATE journal SET payload = '{not json' WHERE seq = 5").run();
    const report = verifyStore(db);
    expect(report.checked.sales).toBe(6);
    expect(new Set(report.problems.filter((p) => p.where === 'sale').map((p) => p.saleId))).toEqual(new Set([idOf(ids, 1), idOf(ids, 3), idOf(ids, 4)]));
    const messages = report.problems.map((p) => p.message).join('\n');
    expect(messages).toContain('currency "XYZ" is not supported');
    expect(messages).toContain('journal row 4 does not hold a valid sale record: tenders[0].method');
    expect(messages).toContain("journal row 5's payload is not readable JSON");
    // kassa sales still lists every sale (no line counts where the record cannot be read).
    expect(listSales(db).map((r) => [r.receiptNo, r.lines])).toEqual([[1, 3], [5, 0], [4, 3], [3, 3], [2, 3], [1, 3]]);
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
