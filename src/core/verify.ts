// `kassa verify`: proves the store is whole (ARCHITECTURE.md §3 rule 6). Hand-written: the
// checks are Kassa's own invariants — the journal chain; every sale's record (the payload of its
// 'sale.completed' journal row, the one stored copy) well-formed and re-added from its lines and
// tenders (verifySaleRecord); the sales row's columns against that record field by field; the
// sale's outbox message against its journal entry; gapless receipt numbers per terminal; and
// every 'sale.completed' entry and 'sale' outbox message belonging to exactly one sale; and the
// refunds against their journal entries and the tenders they go back through (db/refunds.ts).
// Everything streams: one pass over the journal, one over the sales (journal and outbox rows
// joined by their keys), one over the sale entries, one over the outbox, so memory stays flat
// however big the store is.
// Read-only: it can run on a database opened with { readonly: true }.
//
// Receipt numbers: each sale's number is MAX + 1 of its terminal's numbers, taken in the commit's
// write transaction, and its record is journalled. So 1..highest per terminal, each present
// once, each matching its journal record, with no 'sale.completed' entry or 'sale' message left
// without its sale, proves nothing was skipped, reused or removed — except the newest sales
// removed together with their journal rows and outbox messages from the very end, which no check
// inside the one file can tell from sales never made (the chain's own limit, see journal.ts; a
// separate receipt counter row would only be one more row to delete with them).
import { verifySaleRecord } from '../domain/tender.ts';
import { canonicalJson } from './db/canonical-json.ts';
import { verifyJournal } from './db/journal.ts';
import type { Db } from './db/open.ts';
import { SALE_MESSAGE_TYPE } from './db/outbox.ts';
import { verifyRefunds } from './db/refunds.ts';
import { SALE_WITH_ENTRY_COLUMNS, SALE_WITH_ENTRY_JOIN, assembleSale, diffPaths, salePointer, splitSaleWithEntry } from './db/sales.ts';
import type { SaleWithEntryRow } from './db/sales.ts';

export interface VerifyProblem {
  /** 'journal' | 'sale' | 'receipts' | 'outbox' | 'refund' | 'verify' */
  readonly where: string;
  readonly seq?: number;
  readonly saleId?: string;
  readonly receiptNo?: number;
  readonly message: string;
}

export interface VerifyProgress {
  readonly phase: 'journal' | 'sales' | 'entries';
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
    /** Receipt numbers accounted for: per terminal, 1 up to the highest issued. */
    readonly receipts: number;
  };
  readonly problems: readonly VerifyProblem[];
}

const PROGRESS_EVERY = 1000;

interface SaleCheckRow extends SaleWithEntryRow {
  o_type: string | null;
  o_key: string | null;
  o_payload: string | null;
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

  // 2. Every sale: its record readable and adding up, its row agreeing with it, its outbox
  // message pointing at it; receipts gapless. Walks sales in (terminal, receipt) order along the
  // UNIQUE index, so rows stream without a sort; the journal row and the outbox message (a small
  // pointer) come by their primary keys.
  const salesTotal = db.prepare('SELECT count(*) FROM sales').pluck().get() as number;
  const sales = db.prepare(
    `SELECT ${SALE_WITH_ENTRY_COLUMNS}, o.type AS o_type, o.idempotency_key AS o_key, o.payload AS o_payload
     FROM ${SALE_WITH_ENTRY_JOIN} LEFT JOIN outbox o ON o.seq = s.outbox_seq
     ORDER BY s.terminal_id, s.receipt_no`,
  );

  const maxReceipt = new Map<string, number>();
  let salesChecked = 0;
  let terminal: string | null = null;
  let expectedReceipt = 1;

  const checkSale = (row: SaleCheckRow) => {
    const { o_type: outboxType, o_key: outboxKey, o_payload: outboxPayload, ...joined } = row;
    const { sale, entry } = splitSaleWithEntry(joined);
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

    // The record: readable from its journal entry, from the same terminal.
    const stored = assembleSale(sale, entry);
    if (!stored.ok) {
      problem(stored.problem, stored.seq);
      return;
    }
    const seq = sale.journal_seq;
    if (entry && entry.terminalId !== sale.terminal_id) {
      problem(`journal row ${seq} is from terminal ${entry.terminalId}, the sale from ${sale.terminal_id}`, seq);
    }

    // Re-add every figure of the sale as stored.
    for (const message of verifySaleRecord(stored.record)) problem(message);

    // The outbox message, while there is one, must point at this sale's journal entry: the
    // sender sends the record that entry holds. (A sent message may be pruned one day, so a
    // missing one is not a finding here.)
    if (outboxType !== null && outboxPayload !== null) {
      const expected = canonicalJson(salePointer(sale.id, seq));
      if (outboxType !== SALE_MESSAGE_TYPE || outboxKey !== sale.id || outboxPayload !== expected) {
        problem(`its outbox message (row ${sale.outbox_seq}) is ${outboxType} ${outboxKey} ${outboxPayload}, expected ${SALE_MESSAGE_TYPE} ${sale.id} ${expected}`, seq);
      }
    }

    // The sales row must say what the journal says, column by column. The stored payload is
    // canonical JSON, so equal text is the common, cheap case.
    let asStored: string | null;
    try {
      asStored = canonicalJson(stored.record);
    } catch {
      asStored = null; // a column holds something canonical JSON refuses (e.g. a fraction)
    }
    if (asStored !== null && asStored === entry?.payload) return;
    const differences = diffPaths(stored.record, stored.journalled);
    if (differences.length > 0) problem(`the sales row disagrees with journal row ${seq}: ${differences.join('; ')} (sales row ≠ journal)`, seq);
    else problem(`journal row ${seq}'s payload is not in canonical form`, seq);
  };

  for (const row of sales.iterate() as IterableIterator<SaleCheckRow>) {
    try {
      checkSale(row);
    } catch (err) {
      // A row too damaged to even check is a finding, not a reason to stop verifying.
      report({ where: 'sale', saleId: row.id, receiptNo: row.receipt_no, message: `receipt ${row.receipt_no} (${row.id}) could not be checked: ${(err as Error).message}` });
    }
    salesChecked += 1;
    if (progress && salesChecked % PROGRESS_EVERY === 0) progress({ phase: 'sales', done: salesChecked, total: salesTotal });
  }
  progress?.({ phase: 'sales', done: salesChecked, total: salesTotal });

  // 3. Every 'sale.completed' entry is the one its sale points at: none without its sale (a
  // deleted sale row, or a receipt number freed for reuse), none journalling a sale twice.
  const entriesTotal = db.prepare("SELECT count(*) FROM journal WHERE kind = 'sale.completed'").pluck().get() as number;
  let entriesChecked = 0;
  for (const e of db
    .prepare(
      `SELECT j.seq, j.ref, j.terminal_id, s.id AS sale_id, s.journal_seq, s.receipt_no
       FROM journal j LEFT JOIN sales s ON s.id = j.ref
       WHERE j.kind = 'sale.completed'
       ORDER BY j.seq`,
    )
    .iterate() as IterableIterator<{ seq: number; ref: string | null; terminal_id: string; sale_id: string | null; journal_seq: number | null; receipt_no: number | null }>) {
    entriesChecked += 1;
    if (progress && entriesChecked % PROGRESS_EVERY === 0) progress({ phase: 'entries', done: entriesChecked, total: entriesTotal });
    if (e.sale_id === null) {
      report({
        where: 'journal',
        seq: e.seq,
        ...(e.ref === null ? {} : { saleId: e.ref }),
        message: `journal row ${e.seq} records sale ${e.ref ?? '(no ref)'} on terminal ${e.terminal_id}, but the sale is not in the sales table`,
      });
    } else if (e.journal_seq !== e.seq) {
      report({
        where: 'sale',
        seq: e.seq,
        saleId: e.sale_id,
        ...(e.receipt_no === null ? {} : { receiptNo: e.receipt_no }),
        message: `receipt ${e.receipt_no ?? '?'} (${e.sale_id}): is journalled more than once: journal row ${e.seq} records it again (its own entry is row ${e.journal_seq ?? '?'})`,
      });
    }
  }
  progress?.({ phase: 'entries', done: entriesChecked, total: entriesTotal });

  // 4. Every 'sale' outbox message is the one its sale points at: none for a sale that is not
  // there, none queued twice (their keys are kept unique by the sales table, not an index).
  for (const m of db
    .prepare(
      `SELECT o.seq, o.idempotency_key, s.id AS sale_id, s.outbox_seq, s.receipt_no
       FROM outbox o LEFT JOIN sales s ON s.id = o.idempotency_key
       WHERE o.type = '${SALE_MESSAGE_TYPE}' AND (s.id IS NULL OR s.outbox_seq IS NOT o.seq)
       ORDER BY o.seq`,
    )
    .iterate() as IterableIterator<{ seq: number; idempotency_key: string; sale_id: string | null; outbox_seq: number | null; receipt_no: number | null }>) {
    if (m.sale_id === null) {
      report({ where: 'outbox', saleId: m.idempotency_key, message: `outbox row ${m.seq} announces sale ${m.idempotency_key}, which is not in the sales table` });
    } else {
      report({
        where: 'outbox',
        saleId: m.sale_id,
        ...(m.receipt_no === null ? {} : { receiptNo: m.receipt_no }),
        message: `receipt ${m.receipt_no ?? '?'} (${m.sale_id}): outbox row ${m.seq} is a second message for it (its own is row ${m.outbox_seq ?? '?'})`,
      });
    }
  }

  // 5. Refunds: each row as its journal entries recorded it, none removed, no tender refunded
  // beyond what it paid (db/refunds.ts).
  for (const p of verifyRefunds(db)) report({ where: 'refund', ...p });

  let receipts = 0;
  for (const max of maxReceipt.values()) receipts += max;

  if (leftOut > 0) problems.push({ where: 'verify', message: `${leftOut} more problems not listed` });
  return {
    ok: problems.length === 0,
    checked: { journalRows: chain.rows, sales: salesChecked, receipts },
    problems,
  };
}
