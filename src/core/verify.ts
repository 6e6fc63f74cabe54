// `kassa verify`: proves the store is whole (ARCHITECTURE.md §3 rule 6). Hand-written: the
// checks are Kassa's own invariants — the journal chain, every sale re-added from its lines and
// tenders (verifySaleRecord), sale rows against their journal entries field by field, the
// sale's outbox message against its journal entry, gapless receipt numbers per terminal and
// the receipt counter. Everything streams: one pass over the journal, one over
// the sales (with the journal joined in SQL), so memory stays flat however big the store is.
// Read-only: it can run on a database opened with { readonly: true }.
import { verifySaleRecord } from '../domain/tender.ts';
import { canonicalJson } from './db/canonical-json.ts';
import { verifyJournal } from './db/journal.ts';
import type { Db } from './db/open.ts';
import { assembleSale, diffPaths, salePointer } from './db/sales.ts';
import type { SaleLineRow, SaleRow, TenderRow } from './db/sales.ts';

export interface VerifyProblem {
  /** 'journal' | 'sale' | 'receipts' | 'counters' | 'verify' */
  readonly where: string;
  readonly seq?: number;
  readonly saleId?: string;
  readonly receiptNo?: number;
  readonly message: string;
}

export interface VerifyProgress {
  readonly phase: 'journal' | 'sales' | 'counters';
  readonly done: number;
  readonly total: number;
}

export interface VerifyOptions {
  readonly onProgress?: (p: VerifyProgress) => void;
  /** Stop listing after this many problems (default 1000); the last entry says how many were left out. */
  readonly maxProblems?: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: {
    readonly journalRows: number;
    readonly sales: number;
    /** Receipt numbers accounted for: per terminal, 1 up to the highest issued (counter or sale). */
    readonly receipts: number;
  };
  readonly problems: readonly VerifyProblem[];
}

const PROGRESS_EVERY = 1000;

interface SaleJoinRow extends SaleRow {
  j_seq: number | null;
  o_type: string | null;
  o_payload: string | null;
}

interface OutboxRef {
  readonly type: string;
  readonly payload: string;
}

export function verifyStore(db: Db, options: VerifyOptions = {}): VerifyReport {
  const maxProblems = options.maxProblems ?? 1000;
  const problems: VerifyProblem[] = [];
  let leftOut = 0;
  const report = (p: VerifyProblem) => {
    if (problems.length < maxProblems) problems.push(p);
    else leftOut += 1;
  };
  const progress = options.onProgress;

  // 1. The journal chain.
  const journalTotal = db.prepare('SELECT count(*) FROM journal').pluck().get() as number;
  const chain = verifyJournal(db, {
    every: PROGRESS_EVERY,
    onProgress: progress ? (done) => progress({ phase: 'journal', done, total: journalTotal }) : undefined,
  });
  if (!chain.ok) report({ where: 'journal', seq: chain.seq, message: chain.problem });

  // 2. Every sale: rows agree, figures add up, matches its one journal entry; receipts gapless.
  const salesTotal = db.prepare('SELECT count(*) FROM sales').pluck().get() as number;
  const linesOf = db.prepare('SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY line_no');
  const tendersOf = db.prepare('SELECT * FROM tenders WHERE sale_id = ? ORDER BY seq');
  // Walks sales in (terminal, receipt) order along the UNIQUE index, so rows stream without a
  // sort; the join uses the journal_by_ref index, and each payload is then read by its primary key. (Selecting payloads in the join,
  // or ordering by j.seq too, would copy every payload into temp storage first.)
  // The sale's outbox message (a small pointer, found by its unique key) comes along.
  const salesWithJournal = db.prepare(
    `SELECT s.*, j.seq AS j_seq, o.type AS o_type, o.payload AS o_payload
     FROM sales s
     LEFT JOIN journal j ON j.kind = 'sale.completed' AND j.ref = s.id
     LEFT JOIN outbox o ON o.idempotency_key = s.id
     ORDER BY s.terminal_id, s.receipt_no`,
  );
  const journalRow = db.prepare('SELECT terminal_id, payload FROM journal WHERE seq = ?');

  const maxReceipt = new Map<string, number>();
  let salesChecked = 0;
  let terminal: string | null = null;
  let expectedReceipt = 1;

  const checkSale = (sale: SaleRow, seqs: readonly number[], outbox: OutboxRef | null) => {
    const entries = [...seqs]
      .sort((a, b) => a - b)
      .map((seq) => {
        const r = journalRow.get(seq) as { terminal_id: string; payload: string };
        return { seq, terminalId: r.terminal_id, payload: r.payload };
      });
    const at = { saleId: sale.id, receiptNo: sale.receipt_no };
    const problem = (message: string, seq?: number) =>
      report({ where: 'sale', ...at, ...(seq === undefined ? {} : { seq }), message: `receipt ${sale.receipt_no} (${sale.id}): ${message}` });

    // Receipt numbering per terminal, in receipt order.
    if (sale.terminal_id !== terminal) {
      terminal = sale.terminal_id;
      expectedReceipt = 1;
    }
    if (sale.receipt_no > expectedReceipt) {
      const missing = sale.receipt_no - expectedReceipt;
      report({
        where: 'receipts',
        saleId: sale.id,
        receiptNo: expectedReceipt,
        message: `terminal ${sale.terminal_id}: receipt ${expectedReceipt}${missing > 1 ? `..${sale.receipt_no - 1}` : ''} missing (next is ${sale.receipt_no})`,
      });
    } else if (sale.receipt_no < expectedReceipt) {
      report({ where: 'receipts', ...at, message: `terminal ${sale.terminal_id}: receipt number ${sale.receipt_no} is not a positive number` });
    }
    expectedReceipt = Math.max(expectedReceipt, sale.receipt_no + 1);
    maxReceipt.set(sale.terminal_id, Math.max(maxReceipt.get(sale.terminal_id) ?? 0, sale.receipt_no));

    // Journal entry: exactly one, from the same terminal.
    const entry = entries[0];
    if (!entry) problem("has no 'sale.completed' journal entry");
    if (entries.length > 1) problem(`is journalled ${entries.length} times (journal rows ${entries.map((e) => e.seq).join(', ')})`, entries[1]?.seq);
    if (entry && entry.terminalId !== sale.terminal_id) {
      problem(`journal row ${entry.seq} is from terminal ${entry.terminalId}, the sale from ${sale.terminal_id}`, entry.seq);
    }

    // Reconstruct from the tables and re-add every figure.
    const stored = assembleSale(sale, linesOf.all(sale.id) as SaleLineRow[], tendersOf.all(sale.id) as TenderRow[]);
    for (const issue of stored.issues) problem(issue);
    for (const message of verifySaleRecord(stored.record)) problem(message);

    // The outbox message, while there is one, must point at this sale's journal entry: the
    // sender sends the record that entry holds. (A sent message may be pruned one day, so a
    // missing one is not a finding here.)
    if (outbox && entry) {
      const expected = canonicalJson(salePointer(sale.id, entry.seq));
      if (outbox.type !== 'sale' || outbox.payload !== expected) {
        problem(`its outbox message is ${outbox.type} ${outbox.payload}, expected sale ${expected}`, entry.seq);
      }
    }

    // The tables must say what the journal says, field by field.
    if (entry) {
      let tables: string | null;
      try {
        tables = canonicalJson(stored.record);
      } catch {
        tables = null; // a column holds something canonical JSON refuses (e.g. a fraction)
      }
      // The stored payload is canonical JSON, so equal text is the common, cheap case.
      if (tables !== null && tables === entry.payload) return;
      let journalled: unknown;
      try {
        journalled = JSON.parse(entry.payload);
      } catch {
        problem(`journal row ${entry.seq}'s payload is not readable JSON`, entry.seq);
        return;
      }
      let same: boolean;
      try {
        same = tables !== null && canonicalJson(journalled) === tables;
      } catch {
        same = false; // the journal payload holds something canonical JSON refuses
      }
      if (!same) {
        problem(`the tables disagree with journal row ${entry.seq}: ${diffPaths(stored.record, journalled).join('; ')} (tables ≠ journal)`, entry.seq);
      }
    }
  };

  let current: SaleRow | null = null;
  let entries: number[] = [];
  let outbox: OutboxRef | null = null;
  const flush = () => {
    if (!current) return;
    try {
      checkSale(current, entries, outbox);
    } catch (err) {
      // A row too damaged to even reconstruct is a finding, not a reason to stop verifying.
      report({ where: 'sale', saleId: current.id, receiptNo: current.receipt_no, message: `receipt ${current.receipt_no} (${current.id}) could not be checked: ${(err as Error).message}` });
    }
    salesChecked += 1;
    if (progress && salesChecked % PROGRESS_EVERY === 0) progress({ phase: 'sales', done: salesChecked, total: salesTotal });
  };
  for (const row of salesWithJournal.iterate() as IterableIterator<SaleJoinRow>) {
    if (!current || current.id !== row.id) {
      flush();
      const { j_seq: _seq, o_type: type, o_payload: payload, ...sale } = row;
      current = sale;
      entries = [];
      outbox = type === null || payload === null ? null : { type, payload };
    }
    if (row.j_seq !== null) entries.push(row.j_seq);
  }
  flush();
  progress?.({ phase: 'sales', done: salesChecked, total: salesTotal });

  // 3. Journal entries for sales that are not in the tables.
  for (const orphan of db
    .prepare(
      `SELECT seq, ref, terminal_id FROM journal j
       WHERE j.kind = 'sale.completed' AND (j.ref IS NULL OR NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = j.ref))
       ORDER BY seq`,
    )
    .iterate() as IterableIterator<{ seq: number; ref: string | null; terminal_id: string }>) {
    report({
      where: 'journal',
      seq: orphan.seq,
      ...(orphan.ref === null ? {} : { saleId: orphan.ref }),
      message: `journal row ${orphan.seq} records sale ${orphan.ref ?? '(no ref)'} on terminal ${orphan.terminal_id}, but the sale is not in the sales table`,
    });
  }
  for (const table of ['sale_lines', 'tenders'] as const) {
    for (const saleId of db
      .prepare(`SELECT DISTINCT sale_id FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = t.sale_id)`)
      .pluck()
      .iterate() as IterableIterator<string>) {
      report({ where: 'sale', saleId, message: `${table} has rows for sale ${saleId}, which is not in the sales table` });
    }
  }

  // 4. The receipt counter must equal the highest receipt number per terminal: lower would hand a
  // number out twice, higher means the newest receipts are gone.
  let receipts = 0;
  const counters = db.prepare("SELECT terminal_id, value FROM counters WHERE name = 'receipt'").all() as { terminal_id: string; value: number }[];
  const seen = new Set<string>();
  for (const c of counters) {
    seen.add(c.terminal_id);
    const max = maxReceipt.get(c.terminal_id) ?? 0;
    receipts += Math.max(max, c.value);
    if (c.value > max) {
      report({
        where: 'counters',
        receiptNo: max + 1,
        message: `terminal ${c.terminal_id}: the receipt counter is at ${c.value} but the highest receipt is ${max}: receipt ${max + 1}${c.value > max + 1 ? `..${c.value}` : ''} missing`,
      });
    } else if (c.value < max) {
      report({
        where: 'counters',
        receiptNo: max,
        message: `terminal ${c.terminal_id}: the receipt counter is at ${c.value} but receipt ${max} exists: the next sale would reuse a number`,
      });
    }
  }
  for (const [terminalId, max] of maxReceipt) {
    if (seen.has(terminalId)) continue;
    receipts += max;
    report({ where: 'counters', receiptNo: max, message: `terminal ${terminalId}: has receipts up to ${max} but no receipt counter` });
  }
  progress?.({ phase: 'counters', done: counters.length, total: counters.length });

  if (leftOut > 0) problems.push({ where: 'verify', message: `${leftOut} more problems not listed` });
  return {
    ok: problems.length === 0,
    checked: { journalRows: chain.rows, sales: salesChecked, receipts },
    problems,
  };
}
