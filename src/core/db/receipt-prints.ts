// What became of each sale's receipt slip: the `receipt_prints` table (migration 2).
//
// Decisions:
// - A row is written before a job goes to the printer (status 'printing', `sends` + 1) and
//   updated with the printer's answer: 'printed' only when the printer confirmed it (GS r).
// - Every status but 'printed' is "unprinted": `listUnprinted` shows it until a print is
//   confirmed, so no customer's slip is silently lost.
// - A sale with no row has never been sent (no printer, or a crash before the row was written).
import type { Db } from './open.ts';

export type ReceiptPrintStatus = 'printing' | 'printed' | 'unconfirmed' | 'interrupted' | 'deferred' | 'failed';

export interface ReceiptPrint {
  readonly saleId: string;
  readonly terminalId: string;
  readonly receiptNo: number;
  readonly status: ReceiptPrintStatus;
  /** Times the job was sent to the printer. */
  readonly sends: number;
  /** Times it was printed again, marked as a reprint. */
  readonly reprints: number;
  /** Why it is not printed, cashier-readable. */
  readonly detail: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface Row {
  sale_id: string;
  terminal_id: string;
  receipt_no: number;
  status: ReceiptPrintStatus;
  sends: number;
  reprints: number;
  detail: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): ReceiptPrint => ({
  saleId: r.sale_id,
  terminalId: r.terminal_id,
  receiptNo: r.receipt_no,
  status: r.status,
  sends: r.sends,
  reprints: r.reprints,
  detail: r.detail,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function getReceiptPrint(db: Db, saleId: string): ReceiptPrint | null {
  const row = db.prepare<[string], Row>('SELECT * FROM receipt_prints WHERE sale_id = ?').get(saleId);
  return row ? fromRow(row) : null;
}

/** Records that a job is about to be sent; returns the row as it was before (null: first time). */
export function recordSend(db: Db, sale: { saleId: string; terminalId: string; receiptNo: number }, reprint: boolean, at: string): ReceiptPrint | null {
  return db
    .transaction(() => {
      const before = getReceiptPrint(db, sale.saleId);
      db.prepare(
        `INSERT INTO receipt_prints (sale_id, terminal_id, receipt_no, status, sends, reprints, detail, created_at, updated_at)
         VALUES (@saleId, @terminalId, @receiptNo, 'printing', 1, @reprints, NULL, @at, @at)
         ON CONFLICT (sale_id) DO UPDATE SET status = 'printing', sends = sends + 1, reprints = reprints + @reprints, detail = NULL, updated_at = @at`,
      ).run({ ...sale, reprints: reprint ? 1 : 0, at });
      return before;
    })
    .immediate();
}

/** Records a slip that is deliberately not printed now (deferred) without sending anything. */
export function recordDeferred(db: Db, sale: { saleId: string; terminalId: string; receiptNo: number }, detail: string, at: string): void {
  db.prepare(
    `INSERT INTO receipt_prints (sale_id, terminal_id, receipt_no, status, sends, reprints, detail, created_at, updated_at)
     VALUES (@saleId, @terminalId, @receiptNo, 'deferred', 0, 0, @detail, @at, @at)
     ON CONFLICT (sale_id) DO UPDATE SET status = 'deferred', detail = @detail, updated_at = @at`,
  ).run({ ...sale, detail, at });
}

export function recordOutcome(db: Db, saleId: string, status: Exclude<ReceiptPrintStatus, 'printing' | 'deferred'>, detail: string | null, at: string): void {
  const changed = db
    .prepare('UPDATE receipt_prints SET status = @status, detail = @detail, updated_at = @at WHERE sale_id = @saleId')
    .run({ saleId, status, detail, at }).changes;
  if (changed !== 1) throw new Error(`no print record for sale ${saleId}`);
}

/** Every receipt not confirmed printed, oldest receipt number first. */
export function listUnprinted(db: Db, terminalId?: string): ReceiptPrint[] {
  const rows =
    terminalId === undefined
      ? db.prepare<[], Row>("SELECT * FROM receipt_prints WHERE status <> 'printed' ORDER BY receipt_no").all()
      : db.prepare<[string], Row>("SELECT * FROM receipt_prints WHERE status <> 'printed' AND terminal_id = ? ORDER BY receipt_no").all(terminalId);
  return rows.map(fromRow);
}
