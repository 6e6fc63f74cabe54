// Turns outbox rows into the items of a push (src/shared/sync-protocol.ts). An outbox payload
// says which record to send, not the record: a sale's is {saleId, journalSeq} and the item's
// payload is the SaleRecord as committed (read here, when sending); a refund's is
// {journalSeq, kind, refundId, saleId} and the item carries that journal entry.
//
// Decisions a caller must know:
// - A row whose record cannot be read (its journal row is missing or damaged: `kassa verify`
//   says more) becomes an `unreadable` answer instead of an item. The caller dead-letters it
//   with that reason: one damaged record must not hold every later sale back, and the manager
//   sees it in the dead letters.
// - A refund's `training` flag is its sale's (a refund settles money of that sale).
// - Types this module does not know are sent with their stored payload as they are, so a newer
//   message type queued by a newer module reaches the server, which accepts or rejects it.
import { z } from 'zod';
import { SYNC_SCHEMA_VERSION, type PushItem } from '../../shared/sync-protocol.ts';
import type { Db } from '../db/open.ts';
import type { OutboxRow } from '../db/outbox.ts';
import { SALE_MESSAGE_TYPE } from '../db/outbox.ts';
import { REFUND_MESSAGE_TYPE } from '../db/refunds.ts';
import { readStoredSale } from '../db/sales.ts';

export type ItemOrProblem =
  | { readonly ok: true; readonly row: OutboxRow; readonly item: PushItem }
  | { readonly ok: false; readonly row: OutboxRow; readonly message: string };

const salePointer = z.object({ saleId: z.string().min(1), journalSeq: z.int().positive() });
const refundPointer = z.object({ journalSeq: z.int().positive(), kind: z.string().min(1), refundId: z.string().min(1), saleId: z.string().min(1) });
const plainObject = z.record(z.string(), z.unknown());

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function item(row: OutboxRow, payload: Record<string, unknown>): ItemOrProblem {
  return {
    ok: true,
    row,
    item: { idempotencyKey: row.idempotencyKey, seq: row.seq, type: row.type, schemaVersion: SYNC_SCHEMA_VERSION, createdAt: row.createdAt, payload },
  };
}

function problem(row: OutboxRow, message: string): ItemOrProblem {
  return { ok: false, row, message };
}

function saleItem(db: Db, row: OutboxRow): ItemOrProblem {
  const pointer = salePointer.safeParse(parseJson(row.payload));
  if (!pointer.success) return problem(row, `its outbox payload does not name a sale (${row.payload.slice(0, 80)})`);
  const stored = readStoredSale(db, pointer.data.saleId);
  if (stored === null) return problem(row, `sale ${pointer.data.saleId} is not in the sales table`);
  if (!stored.ok) return problem(row, `sale ${pointer.data.saleId} cannot be read (${stored.problem}): run kassa verify`);
  return item(row, { ...stored.record });
}

interface JournalAt {
  at: string;
  kind: string;
  ref: string | null;
  payload: string;
}

function refundItem(db: Db, row: OutboxRow): ItemOrProblem {
  const pointer = refundPointer.safeParse(parseJson(row.payload));
  if (!pointer.success) return problem(row, `its outbox payload does not name a refund journal entry (${row.payload.slice(0, 80)})`);
  const p = pointer.data;
  const entry = db.prepare('SELECT at, kind, ref, payload FROM journal WHERE seq = ?').get(p.journalSeq) as JournalAt | undefined;
  if (entry === undefined) return problem(row, `refund ${p.refundId}: journal row ${p.journalSeq} is missing: run kassa verify`);
  if (entry.kind !== p.kind) return problem(row, `refund ${p.refundId}: journal row ${p.journalSeq} is a ${entry.kind}, not the ${p.kind} it should be: run kassa verify`);
  const payload = plainObject.safeParse(parseJson(entry.payload));
  if (!payload.success) return problem(row, `refund ${p.refundId}: journal row ${p.journalSeq} does not hold a readable entry: run kassa verify`);
  const training = db.prepare('SELECT training FROM sales WHERE id = ?').pluck().get(p.saleId) as number | undefined;
  if (training === undefined) return problem(row, `refund ${p.refundId}: its sale ${p.saleId} is not in the sales table`);
  return item(row, { kind: p.kind, at: entry.at, training: training === 1, journalSeq: p.journalSeq, entry: payload.data });
}

function otherItem(row: OutboxRow): ItemOrProblem {
  const payload = plainObject.safeParse(parseJson(row.payload));
  if (!payload.success) return problem(row, `its outbox payload is not a JSON object (${row.payload.slice(0, 80)})`);
  return item(row, payload.data);
}

/** The push item for each row, in the rows' order, or why it cannot be built. */
export function outboxItems(db: Db, rows: readonly OutboxRow[]): ItemOrProblem[] {
  return rows.map((row) => {
    if (row.type === SALE_MESSAGE_TYPE) return saleItem(db, row);
    if (row.type === REFUND_MESSAGE_TYPE) return refundItem(db, row);
    return otherItem(row);
  });
}
