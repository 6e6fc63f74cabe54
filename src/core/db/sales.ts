// Committing, reading and cancelling sales (ARCHITECTURE.md §3 rule 2, "durable before
// visible"). Hand-written: this is the one transaction that makes a sale real — sale, lines,
// tenders, journal entry, outbox row and machine snapshot together — over our own schema; an
// ORM would add a layer without adding any of these guarantees.
import { z } from 'zod';
import { MAX_MINOR_UNITS, isSupportedCurrency } from '../../domain/money.ts';
import type { SaleLineRecord, SaleRecord, TenderMethod, TenderRecord } from '../../domain/sale-record.ts';
import { canonicalJson } from './canonical-json.ts';
import { nextCounter } from './counters.ts';
import { appendJournal } from './journal.ts';
import type { Db } from './open.ts';
import { enqueueOutbox } from './outbox.ts';
import { saveSnapshot } from './snapshots.ts';

// ---------------------------------------------------------------------------------------------
// The record schema. Structural only (types, ranges, 1-based numbering); whether the figures add
// up is `verifySaleRecord`'s job in `kassa verify`. A committed sale is money already taken, so
// a sum that does not add up is recorded and reported, never silently dropped at the till.

const minor = z.int().min(-MAX_MINOR_UNITS).max(MAX_MINOR_UNITS);
const text = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });

export const saleLineSchema = z.strictObject({
  lineNo: z.int().min(1),
  sku: text,
  name: z.string(),
  unit: z.enum(['each', 'kg']),
  quantityMilli: z.int(),
  unitPrice: minor,
  originalUnitPrice: minor.nullable(),
  overrideReason: z.string().nullable(),
  gross: minor,
  grossEmbedded: z.boolean(),
  lineDiscount: minor,
  lineDiscountReason: z.string().nullable(),
  basketDiscountShare: minor,
  amount: minor,
  taxClass: text,
  taxRateBps: z.int().min(0).max(10_000),
  taxInclusive: z.boolean(),
  tax: minor,
  voided: z.boolean(),
  voidReason: z.string().nullable(),
  source: z.string(),
});

export const tenderSchema = z.strictObject({
  seq: z.int().min(1),
  method: z.enum(['cash', 'alipay', 'wechat'] satisfies TenderMethod[]),
  amount: minor,
  received: minor,
  reference: z.string().nullable(),
});

export const uncommittedSaleSchema = z
  .strictObject({
    id: text,
    terminalId: text,
    currency: z.string().refine(isSupportedCurrency, 'is not a supported currency'),
    cashier: text,
    startedAt: timestamp,
    completedAt: timestamp,
    training: z.boolean(),
    lines: z.array(saleLineSchema).min(1),
    basketDiscount: minor,
    basketDiscountReason: z.string().nullable(),
    subtotal: minor,
    taxTotal: minor,
    total: minor,
    rounding: minor,
    tenders: z.array(tenderSchema),
    tendered: minor,
    change: minor,
  })
  .superRefine((r, ctx) => {
    // The tables key lines and tenders by these numbers: duplicates would fail mid-commit.
    r.lines.forEach((l, i) => {
      if (l.lineNo !== i + 1) ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineNo'], message: `must be ${i + 1} (lines run 1, 2, 3…)` });
    });
    r.tenders.forEach((t, i) => {
      if (t.seq !== i + 1) ctx.addIssue({ code: 'custom', path: ['tenders', i, 'seq'], message: `must be ${i + 1} (tenders run 1, 2, 3…)` });
    });
  });

// Compile-time guard: the schemas must name exactly the fields of the domain types, so a field
// added to SaleRecord fails the type check here instead of being dropped at commit.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const _lineKeys: SameKeys<z.output<typeof saleLineSchema>, SaleLineRecord> = true;
const _tenderKeys: SameKeys<z.output<typeof tenderSchema>, TenderRecord> = true;
const _saleKeys: SameKeys<z.output<typeof uncommittedSaleSchema>, Omit<SaleRecord, 'receiptNo'>> = true;
void [_lineKeys, _tenderKeys, _saleKeys];

export type UncommittedSale = Omit<SaleRecord, 'receiptNo'>;

export class SaleRecordError extends Error {
  override name = 'SaleRecordError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** A sale id committed before with different content: a bug upstream, never silently accepted. */
export class SaleConflictError extends Error {
  override name = 'SaleConflictError';
}

/** Asked to do something the sale's state does not allow (e.g. cancel a completed sale). */
export class SaleStateError extends Error {
  override name = 'SaleStateError';
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(record)' : out;
}

/** Checks a record's shape; throws SaleRecordError naming each bad field. */
export function parseUncommittedSale(record: unknown): UncommittedSale {
  const parsed = uncommittedSaleSchema.safeParse(record);
  if (parsed.success) return parsed.data satisfies UncommittedSale;
  const issues = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw new SaleRecordError(`sale record is invalid: ${issues.slice(0, 5).join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`, issues);
}

// ---------------------------------------------------------------------------------------------
// Commit

export interface SnapshotInput {
  readonly machineId: string;
  readonly version: number;
  readonly value: unknown;
}

export interface CommitSaleInput {
  readonly record: UncommittedSale;
  /** The checkout machine's snapshot after the sale, saved in the same transaction. */
  readonly snapshot: SnapshotInput;
  /** When the commit happens (journal, outbox, snapshot timestamps). */
  readonly at: string;
}

export interface CommitSaleResult {
  readonly receiptNo: number;
  /** true: this sale id was committed before; nothing was written this time. */
  readonly alreadyCommitted: boolean;
}

/**
 * Commits a paid sale in ONE immediate transaction: receipt number (gapless per terminal),
 * sale, lines, tenders, journal 'sale.completed', outbox 'sale', snapshot — all or nothing.
 * Idempotent: committing the same sale id again (a restored XState promise actor re-running)
 * returns the first receipt number and writes nothing; the same id with different content
 * throws SaleConflictError.
 */
export function commitSale(db: Db, input: CommitSaleInput): CommitSaleResult {
  const record = parseUncommittedSale(input.record);
  return db
    .transaction((): CommitSaleResult => {
      const existing = db.prepare('SELECT receipt_no FROM sales WHERE id = ?').pluck().get(record.id) as number | undefined;
      if (existing !== undefined) {
        const stored = getSale(db, record.id);
        if (stored) {
          const { receiptNo: _receiptNo, ...storedRest } = stored;
          const differences = diffPaths(storedRest, record);
          if (differences.length > 0) {
            throw new SaleConflictError(
              `sale ${record.id} was already committed as receipt ${existing} with different content (${differences.join('; ')}); nothing was written`,
            );
          }
        }
        return { receiptNo: existing, alreadyCommitted: true };
      }

      const receiptNo = nextCounter(db, record.terminalId, 'receipt');
      const full: SaleRecord = { ...record, receiptNo };
      db.prepare(
        `INSERT INTO sales (id, terminal_id, receipt_no, status, currency, subtotal, tax_total, total, rounding,
                            basket_discount, basket_discount_reason, tendered, change_given, cashier, started_at,
                            completed_at, training)
         VALUES (?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        full.id,
        full.terminalId,
        receiptNo,
        full.currency,
        full.subtotal,
        full.taxTotal,
        full.total,
        full.rounding,
        full.basketDiscount,
        full.basketDiscountReason,
        full.tendered,
        full.change,
        full.cashier,
        full.startedAt,
        full.completedAt,
        full.training ? 1 : 0,
      );
      const insertLine = db.prepare(
        `INSERT INTO sale_lines (sale_id, line_no, sku, name, unit, quantity_milli, unit_price, price_override, discount,
                                 amount, tax_class, tax_rate_bps, tax_inclusive, tax, voided, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const l of full.lines) {
        insertLine.run(
          full.id,
          l.lineNo,
          l.sku,
          l.name,
          l.unit,
          l.quantityMilli,
          l.unitPrice,
          l.originalUnitPrice === null ? 0 : 1,
          l.lineDiscount + l.basketDiscountShare,
          l.amount,
          l.taxClass,
          l.taxRateBps,
          l.taxInclusive ? 1 : 0,
          l.tax,
          l.voided ? 1 : 0,
          canonicalJson(l),
        );
      }
      const insertTender = db.prepare('INSERT INTO tenders (sale_id, seq, method, amount, received, reference) VALUES (?, ?, ?, ?, ?, ?)');
      for (const t of full.tenders) insertTender.run(full.id, t.seq, t.method, t.amount, t.received, t.reference);

      appendJournal(db, { terminalId: full.terminalId, kind: 'sale.completed', ref: full.id, payload: full, at: input.at });
      enqueueOutbox(db, { idempotencyKey: full.id, type: 'sale', payload: full, createdAt: input.at });
      saveSnapshot(db, input.snapshot.machineId, input.snapshot.version, input.snapshot.value, input.at);
      return { receiptNo, alreadyCommitted: false };
    })
    .immediate();
}

// ---------------------------------------------------------------------------------------------
// Cancel

export interface CancelSaleInput {
  readonly saleId: string;
  readonly terminalId: string;
  readonly reason: string;
  /** The cart as it was when cancelled (plain JSON, whole numbers), kept in the journal. */
  readonly cart: unknown;
  readonly at: string;
  readonly snapshot?: SnapshotInput;
}

export interface CancelSaleResult {
  /** Journal seq of the 'sale.cancelled' entry (the earlier one when already cancelled). */
  readonly journalSeq: number;
  readonly alreadyCancelled: boolean;
}

/**
 * Journals an unfinished sale's cancellation (and saves the snapshot) in one transaction.
 * Idempotent per sale id: a second cancel writes nothing. A completed sale cannot be cancelled
 * (that is a refund) and throws SaleStateError.
 * Note: finding an earlier cancel scans the journal (schema v1 has no index on journal.ref).
 */
export function cancelSale(db: Db, input: CancelSaleInput): CancelSaleResult {
  if (input.saleId === '') throw new SaleStateError('cancelSale needs a sale id');
  if (input.reason.trim() === '') throw new SaleStateError(`cancelling sale ${input.saleId} needs a reason`);
  return db
    .transaction((): CancelSaleResult => {
      const completed = db.prepare('SELECT receipt_no FROM sales WHERE id = ?').pluck().get(input.saleId) as number | undefined;
      if (completed !== undefined) {
        throw new SaleStateError(`sale ${input.saleId} is already completed as receipt ${completed}: refund it instead of cancelling`);
      }
      const earlier = db
        .prepare("SELECT seq FROM journal WHERE kind = 'sale.cancelled' AND ref = ? ORDER BY seq LIMIT 1")
        .pluck()
        .get(input.saleId) as number | undefined;
      if (earlier !== undefined) return { journalSeq: earlier, alreadyCancelled: true };
      const row = appendJournal(db, {
        terminalId: input.terminalId,
        kind: 'sale.cancelled',
        ref: input.saleId,
        payload: { saleId: input.saleId, reason: input.reason, cart: input.cart },
        at: input.at,
      });
      if (input.snapshot) saveSnapshot(db, input.snapshot.machineId, input.snapshot.version, input.snapshot.value, input.at);
      return { journalSeq: row.seq, alreadyCancelled: false };
    })
    .immediate();
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface SaleSummary {
  readonly id: string;
  readonly terminalId: string;
  readonly receiptNo: number;
  readonly completedAt: string;
  readonly currency: string;
  readonly total: number;
  readonly rounding: number;
  readonly tendered: number;
  readonly change: number;
  /** Non-void lines. */
  readonly lines: number;
  readonly voidedLines: number;
  readonly cashier: string;
  readonly training: boolean;
}

export interface ListSalesOptions {
  /** How many of the newest sales (default 20). */
  readonly last?: number;
}

/** The newest sales first (by completion time). Rows are plain data in minor units, ready for JSON. */
export function listSales(db: Db, options: ListSalesOptions = {}): SaleSummary[] {
  const last = options.last ?? 20;
  if (!Number.isSafeInteger(last) || last < 1) throw new RangeError(`last must be a positive whole number, got ${last}`);
  const rows = db
    .prepare(
      `SELECT s.id, s.terminal_id, s.receipt_no, s.completed_at, s.currency, s.total, s.rounding, s.tendered, s.change_given,
              s.cashier, s.training,
              (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id AND l.voided = 0) AS lines,
              (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id AND l.voided = 1) AS voided_lines
       FROM sales s ORDER BY s.completed_at DESC, s.rowid DESC LIMIT ?`,
    )
    .all(last) as {
    id: string;
    terminal_id: string;
    receipt_no: number;
    completed_at: string;
    currency: string;
    total: number;
    rounding: number;
    tendered: number;
    change_given: number;
    cashier: string;
    training: number;
    lines: number;
    voided_lines: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    terminalId: r.terminal_id,
    receiptNo: r.receipt_no,
    completedAt: r.completed_at,
    currency: r.currency,
    total: r.total,
    rounding: r.rounding,
    tendered: r.tendered,
    change: r.change_given,
    lines: r.lines,
    voidedLines: r.voided_lines,
    cashier: r.cashier,
    training: r.training === 1,
  }));
}

export interface SaleRow {
  id: string;
  terminal_id: string;
  receipt_no: number;
  status: string;
  currency: string;
  subtotal: number;
  tax_total: number;
  total: number;
  rounding: number;
  basket_discount: number;
  basket_discount_reason: string | null;
  tendered: number;
  change_given: number;
  cashier: string;
  started_at: string;
  completed_at: string;
  training: number;
}

export interface SaleLineRow {
  sale_id: string;
  line_no: number;
  sku: string;
  name: string;
  unit: 'each' | 'kg';
  quantity_milli: number;
  unit_price: number;
  price_override: number;
  discount: number;
  amount: number;
  tax_class: string;
  tax_rate_bps: number;
  tax_inclusive: number;
  tax: number;
  voided: number;
  detail: string;
}

export interface TenderRow {
  sale_id: string;
  seq: number;
  method: TenderMethod;
  amount: number;
  received: number;
  reference: string | null;
}

export interface StoredSale {
  readonly record: SaleRecord;
  /** Where the rows disagree with each other (columns vs line detail, missing basket data). */
  readonly issues: readonly string[];
}

function lineFromRow(row: SaleLineRow, issues: string[]): SaleLineRecord {
  const at = `line ${row.line_no}`;
  let detail: Partial<SaleLineRecord> = {};
  try {
    const parsed = saleLineSchema.safeParse(JSON.parse(row.detail));
    if (parsed.success) detail = parsed.data;
    else issues.push(`${at}: stored detail is not a valid line (${parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')})`);
  } catch {
    issues.push(`${at}: stored detail is not readable JSON`);
  }
  // Columns are authoritative for what they hold (reports query them); the detail supplies the rest.
  const line: SaleLineRecord = {
    lineNo: row.line_no,
    sku: row.sku,
    name: row.name,
    unit: row.unit,
    quantityMilli: row.quantity_milli,
    unitPrice: row.unit_price,
    originalUnitPrice: detail.originalUnitPrice ?? null,
    overrideReason: detail.overrideReason ?? null,
    gross: detail.gross ?? row.amount + row.discount,
    grossEmbedded: detail.grossEmbedded ?? false,
    lineDiscount: detail.lineDiscount ?? row.discount,
    lineDiscountReason: detail.lineDiscountReason ?? null,
    basketDiscountShare: detail.basketDiscountShare ?? 0,
    amount: row.amount,
    taxClass: row.tax_class,
    taxRateBps: row.tax_rate_bps,
    taxInclusive: row.tax_inclusive === 1,
    tax: row.tax,
    voided: row.voided === 1,
    voidReason: detail.voidReason ?? null,
    source: detail.source ?? '',
  };
  if (Object.keys(detail).length > 0) {
    for (const key of ['lineNo', 'sku', 'name', 'unit', 'quantityMilli', 'unitPrice', 'amount', 'taxClass', 'taxRateBps', 'taxInclusive', 'tax', 'voided'] as const) {
      if (detail[key] !== line[key]) issues.push(`${at}: column ${key} is ${String(line[key])} but the line detail says ${String(detail[key])}`);
    }
  }
  if ((row.price_override === 1) !== (line.originalUnitPrice !== null)) {
    issues.push(`${at}: price_override is ${row.price_override} but the detail ${line.originalUnitPrice === null ? 'has no' : 'has an'} original price`);
  }
  if (row.discount !== line.lineDiscount + line.basketDiscountShare) {
    issues.push(`${at}: discount column ${row.discount} is not line discount ${line.lineDiscount} + basket share ${line.basketDiscountShare}`);
  }
  return line;
}

/** Builds a SaleRecord from its rows, noting where they disagree with each other. */
export function assembleSale(sale: SaleRow, lines: readonly SaleLineRow[], tenders: readonly TenderRow[]): StoredSale {
  const issues: string[] = [];
  const lineRecords = lines.map((l) => lineFromRow(l, issues));
  const basketDiscount = sale.basket_discount;
  const basketDiscountReason = sale.basket_discount_reason;
  if (sale.status !== 'completed') issues.push(`status is "${sale.status}"`);
  const record: SaleRecord = {
    id: sale.id,
    terminalId: sale.terminal_id,
    receiptNo: sale.receipt_no,
    currency: sale.currency,
    cashier: sale.cashier,
    startedAt: sale.started_at,
    completedAt: sale.completed_at,
    training: sale.training === 1,
    lines: lineRecords,
    basketDiscount,
    basketDiscountReason,
    subtotal: sale.subtotal,
    taxTotal: sale.tax_total,
    total: sale.total,
    rounding: sale.rounding,
    tenders: tenders.map((t) => ({ seq: t.seq, method: t.method, amount: t.amount, received: t.received, reference: t.reference })),
    tendered: sale.tendered,
    change: sale.change_given,
  };
  return { record, issues };
}

/** The sale and any disagreement between its rows, or null when there is no such sale. */
export function readStoredSale(db: Db, id: string): StoredSale | null {
  const sale = db.prepare('SELECT * FROM sales WHERE id = ?').get(id) as SaleRow | undefined;
  if (!sale) return null;
  const lines = db.prepare('SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY line_no').all(id) as SaleLineRow[];
  const tenders = db.prepare('SELECT * FROM tenders WHERE sale_id = ? ORDER BY seq').all(id) as TenderRow[];
  return assembleSale(sale, lines, tenders);
}

/** The committed sale reconstructed from the tables, or null. */
export function getSale(db: Db, id: string): SaleRecord | null {
  return readStoredSale(db, id)?.record ?? null;
}

// ---------------------------------------------------------------------------------------------

/** Paths where two JSON values differ ("lines[1].amount: 500 ≠ 450"), at most `max`. */
export function diffPaths(a: unknown, b: unknown, max = 5): string[] {
  const out: string[] = [];
  const show = (v: unknown) => {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 40 ? `${s.slice(0, 37)}…` : s;
  };
  const walk = (x: unknown, y: unknown, path: string) => {
    if (out.length >= max) return;
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && Array.isArray(x) === Array.isArray(y)) {
      if (Array.isArray(x) && Array.isArray(y)) {
        if (x.length !== y.length) out.push(`${path || '(record)'}: ${x.length} items ≠ ${y.length}`);
        for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`);
        return;
      }
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(xo), ...Object.keys(yo)])].sort()) walk(xo[k], yo[k], path ? `${path}.${k}` : k);
      return;
    }
    if (!Object.is(x, y)) out.push(`${path || '(record)'}: ${show(x)} ≠ ${show(y)}`);
  };
  walk(a, b, '');
  return out;
}
