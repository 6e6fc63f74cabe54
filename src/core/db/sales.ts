// Committing, reading and cancelling sales (ARCHITECTURE.md §3 rule 2, "durable before
// visible"). Hand-written: this is the one transaction that makes a sale real — sale, lines,
// tenders, journal entry, outbox row and machine snapshot together — over our own schema; an
// ORM would add a layer without adding any of these guarantees.
import type { Statement, Transaction } from 'better-sqlite3';
import { z } from 'zod';
import { MAX_MINOR_UNITS, isSupportedCurrency } from '../../domain/money.ts';
import type { SaleLineRecord, SaleRecord, TenderMethod, TenderRecord } from '../../domain/sale-record.ts';
import { canonicalJson } from './canonical-json.ts';
import { nextCounter } from './counters.ts';
import { appendJournal, appendJournalJson } from './journal.ts';
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';
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

// ---------------------------------------------------------------------------------------------
// The fast path. Every commit validates its record, and zod's parse of a 10-line sale costs
// about as much as the rest of the commit's JavaScript, so a hand-written check runs first. It
// only ever says "valid" for a record the schema accepts as is (plain objects, exactly the
// schema's keys, every value in range; tests/unit/core/db/sale-record-check.test.ts holds it to
// that against the schema); anything else, even a record zod would accept after all, goes to
// zod, which decides and writes the messages. So zod stays the one definition of a valid record.

const isMinor = (v: unknown): boolean => Number.isSafeInteger(v) && Math.abs(v as number) <= MAX_MINOR_UNITS;
const isMinorOrNull = (v: unknown): boolean => v === null || isMinor(v);
const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isStringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};
const LINE_KEYS = Object.keys(saleLineSchema.shape).length;
const TENDER_KEYS = Object.keys(tenderSchema.shape).length;
const SALE_KEYS = Object.keys(uncommittedSaleSchema.shape).length;

function isValidLine(l: unknown, lineNo: number): boolean {
  if (!isPlain(l)) return false;
  let n = 0;
  for (const _k in l) n += 1;
  return (
    n === LINE_KEYS &&
    l.lineNo === lineNo &&
    isText(l.sku) &&
    typeof l.name === 'string' &&
    (l.unit === 'each' || l.unit === 'kg') &&
    Number.isSafeInteger(l.quantityMilli) &&
    isMinor(l.unitPrice) &&
    isMinorOrNull(l.originalUnitPrice) &&
    isStringOrNull(l.overrideReason) &&
    isMinor(l.gross) &&
    typeof l.grossEmbedded === 'boolean' &&
    isMinor(l.lineDiscount) &&
    isStringOrNull(l.lineDiscountReason) &&
    isMinor(l.basketDiscountShare) &&
    isMinor(l.amount) &&
    isText(l.taxClass) &&
    Number.isSafeInteger(l.taxRateBps) &&
    (l.taxRateBps as number) >= 0 &&
    (l.taxRateBps as number) <= 10_000 &&
    typeof l.taxInclusive === 'boolean' &&
    isMinor(l.tax) &&
    typeof l.voided === 'boolean' &&
    isStringOrNull(l.voidReason) &&
    typeof l.source === 'string'
  );
}

function isValidTender(t: unknown, seq: number): boolean {
  if (!isPlain(t)) return false;
  let n = 0;
  for (const _k in t) n += 1;
  return (
    n === TENDER_KEYS &&
    t.seq === seq &&
    (t.method === 'cash' || t.method === 'alipay' || t.method === 'wechat') &&
    isMinor(t.amount) &&
    isMinor(t.received) &&
    isStringOrNull(t.reference)
  );
}

/** true only for a record uncommittedSaleSchema accepts unchanged (false: ask zod). */
export function isPlainValidSale(r: unknown): r is UncommittedSale {
  if (!isPlain(r)) return false;
  let n = 0;
  for (const _k in r) n += 1;
  if (
    !(
      n === SALE_KEYS &&
      isText(r.id) &&
      isText(r.terminalId) &&
      typeof r.currency === 'string' &&
      isSupportedCurrency(r.currency) &&
      isText(r.cashier) &&
      typeof r.training === 'boolean' &&
      isMinor(r.basketDiscount) &&
      isStringOrNull(r.basketDiscountReason) &&
      isMinor(r.subtotal) &&
      isMinor(r.taxTotal) &&
      isMinor(r.total) &&
      isMinor(r.rounding) &&
      isMinor(r.tendered) &&
      isMinor(r.change) &&
      Array.isArray(r.lines) &&
      r.lines.length > 0 &&
      Array.isArray(r.tenders)
    )
  ) {
    return false;
  }
  const lines = r.lines as unknown[];
  for (let i = 0; i < lines.length; i++) if (!isValidLine(lines[i], i + 1)) return false;
  const tenders = r.tenders as unknown[];
  for (let i = 0; i < tenders.length; i++) if (!isValidTender(tenders[i], i + 1)) return false;
  // The ISO timestamp rule is zod's own (a long regex): ask it for just these two strings.
  return timestamp.safeParse(r.startedAt).success && timestamp.safeParse(r.completedAt).success;
}

/**
 * Checks a record's shape; throws SaleRecordError naming each bad field. A valid plain record
 * is returned as is (the caller must not change it while the commit runs); anything else is
 * parsed by zod into a fresh copy.
 */
export function parseUncommittedSale(record: unknown): UncommittedSale {
  if (isPlainValidSale(record)) return record;
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

interface Committer {
  readonly receiptOf: Statement;
  readonly insertSale: Statement;
  readonly insertLine: Statement;
  readonly insertTender: Statement;
  /** The whole commit as one better-sqlite3 transaction function (call `.immediate`). */
  readonly commit: Transaction<(record: UncommittedSale, input: CommitSaleInput) => CommitSaleResult>;
}

// Prepared once per connection: preparing the statements (and wrapping the transaction) cost
// more than running them.
const committerFor = perConnection((db): Committer => {
  const statements = {
    receiptOf: db.prepare('SELECT receipt_no FROM sales WHERE id = ?').pluck(),
    insertSale: db.prepare(
      `INSERT INTO sales (id, terminal_id, receipt_no, status, currency, subtotal, tax_total, total, rounding,
                          basket_discount, basket_discount_reason, tendered, change_given, cashier, started_at,
                          completed_at, training)
       VALUES (?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertLine: db.prepare(
      `INSERT INTO sale_lines (sale_id, line_no, sku, name, unit, quantity_milli, unit_price, original_unit_price,
                               override_reason, gross, gross_embedded, line_discount, line_discount_reason,
                               basket_discount_share, amount, tax_class, tax_rate_bps, tax_inclusive, tax, voided,
                               void_reason, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertTender: db.prepare('INSERT INTO tenders (sale_id, seq, method, amount, received, reference) VALUES (?, ?, ?, ?, ?, ?)'),
  };
  const self: Committer = {
    ...statements,
    commit: db.transaction((record: UncommittedSale, input: CommitSaleInput) => commitRows(db, self, record, input)),
  };
  return self;
});

/**
 * Commits a paid sale in ONE immediate transaction: receipt number (gapless per terminal),
 * sale, lines, tenders, journal 'sale.completed', outbox 'sale', snapshot — all or nothing.
 * Idempotent: committing the same sale id again (a restored XState promise actor re-running)
 * returns the first receipt number and writes nothing; the same id with different content
 * throws SaleConflictError.
 *
 * The record is written out once: its canonical JSON is the journal payload (and what the
 * journal hash covers). The outbox message only points at it ({"journalSeq","saleId"}).
 */
export function commitSale(db: Db, input: CommitSaleInput): CommitSaleResult {
  const record = parseUncommittedSale(input.record);
  return committerFor(db).commit.immediate(record, input);
}

// The body of commitSale's transaction.
function commitRows(db: Db, c: Committer, record: UncommittedSale, input: CommitSaleInput): CommitSaleResult {
  const existing = c.receiptOf.get(record.id) as number | undefined;
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
  c.insertSale.run(
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
  for (const l of full.lines) {
    c.insertLine.run(
      full.id,
      l.lineNo,
      l.sku,
      l.name,
      l.unit,
      l.quantityMilli,
      l.unitPrice,
      l.originalUnitPrice,
      l.overrideReason,
      l.gross,
      l.grossEmbedded ? 1 : 0,
      l.lineDiscount,
      l.lineDiscountReason,
      l.basketDiscountShare,
      l.amount,
      l.taxClass,
      l.taxRateBps,
      l.taxInclusive ? 1 : 0,
      l.tax,
      l.voided ? 1 : 0,
      l.voidReason,
      l.source,
    );
  }
  for (const t of full.tenders) c.insertTender.run(full.id, t.seq, t.method, t.amount, t.received, t.reference);

  const entry = appendJournalJson(db, {
    terminalId: full.terminalId,
    kind: 'sale.completed',
    ref: full.id,
    payloadJson: canonicalJson(full),
    at: input.at,
  });
  enqueueOutbox(db, { idempotencyKey: full.id, type: 'sale', payload: salePointer(full.id, entry.seq), createdAt: input.at });
  saveSnapshot(db, input.snapshot.machineId, input.snapshot.version, input.snapshot.value, input.at);
  return { receiptNo, alreadyCommitted: false };
}

/** A sale's outbox payload: which sale, and the journal row whose payload is its record. */
export interface SaleOutboxPayload {
  readonly saleId: string;
  readonly journalSeq: number;
}

export function salePointer(saleId: string, journalSeq: number): SaleOutboxPayload {
  return { saleId, journalSeq };
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
 * Finding an earlier cancel uses the journal_by_ref index.
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
       FROM sales s ORDER BY s.completed_at DESC, s.terminal_id DESC, s.receipt_no DESC LIMIT ?`,
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
  original_unit_price: number | null;
  override_reason: string | null;
  gross: number;
  gross_embedded: number;
  line_discount: number;
  line_discount_reason: string | null;
  basket_discount_share: number;
  amount: number;
  tax_class: string;
  tax_rate_bps: number;
  tax_inclusive: number;
  tax: number;
  voided: number;
  void_reason: string | null;
  source: string;
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
  /** What the rows say that no record can hold (e.g. a status other than completed). */
  readonly issues: readonly string[];
}

// Every field has its own column, so the line is read back as stored: kassa verify then
// compares it field by field with the journal entry, which catches an edit to any column.
function lineFromRow(row: SaleLineRow): SaleLineRecord {
  return {
    lineNo: row.line_no,
    sku: row.sku,
    name: row.name,
    unit: row.unit,
    quantityMilli: row.quantity_milli,
    unitPrice: row.unit_price,
    originalUnitPrice: row.original_unit_price,
    overrideReason: row.override_reason,
    gross: row.gross,
    grossEmbedded: row.gross_embedded === 1,
    lineDiscount: row.line_discount,
    lineDiscountReason: row.line_discount_reason,
    basketDiscountShare: row.basket_discount_share,
    amount: row.amount,
    taxClass: row.tax_class,
    taxRateBps: row.tax_rate_bps,
    taxInclusive: row.tax_inclusive === 1,
    tax: row.tax,
    voided: row.voided === 1,
    voidReason: row.void_reason,
    source: row.source,
  };
}

/** Builds a SaleRecord from its rows, noting where they disagree with each other. */
export function assembleSale(sale: SaleRow, lines: readonly SaleLineRow[], tenders: readonly TenderRow[]): StoredSale {
  const issues: string[] = [];
  const lineRecords = lines.map(lineFromRow);
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

interface ReadStatements {
  readonly sale: Statement;
  readonly lines: Statement;
  readonly tenders: Statement;
}

const readStatementsFor = perConnection((db): ReadStatements => ({
  sale: db.prepare('SELECT * FROM sales WHERE id = ?'),
  lines: db.prepare('SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY line_no'),
  tenders: db.prepare('SELECT * FROM tenders WHERE sale_id = ? ORDER BY seq'),
}));

/** The sale and any disagreement between its rows, or null when there is no such sale. */
export function readStoredSale(db: Db, id: string): StoredSale | null {
  const statements = readStatementsFor(db);
  const sale = statements.sale.get(id) as SaleRow | undefined;
  if (!sale) return null;
  const lines = statements.lines.all(id) as SaleLineRow[];
  const tenders = statements.tenders.all(id) as TenderRow[];
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
