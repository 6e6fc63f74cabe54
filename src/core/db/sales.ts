// Committing, reading and cancelling sales (ARCHITECTURE.md §3 rule 2, "durable before
// visible"). Hand-written: this is the one transaction that makes a sale real — sale, lines,
// tenders, journal entry, outbox row and machine snapshot together — over our own schema; an
// ORM would add a layer without adding any of these guarantees.
//
// Decisions a caller should know (the why is in the migration and tests/bench/README.md):
// - The sale's record, lines and tenders included, is stored once: it is the canonical JSON
//   payload of its 'sale.completed' journal row (hash-chained, what the outbox message points
//   at). The sales row holds what lists and lookups need and points at that row (journal_seq)
//   and at the outbox message (outbox_seq); getSale reads the two together. The sale_lines and
//   tenders views give lines and tenders as rows.
// - Receipt numbers are MAX(receipt_no) + 1 per terminal, read inside the commit's write
//   transaction: gapless, never reused while the sale holding a number is there.
// - listSales lists by commit order (walking the journal back), not by the clock.
import type { Statement, Transaction } from 'better-sqlite3';
import { z } from 'zod';
import { MAX_MINOR_UNITS, isSupportedCurrency } from '../../domain/money.ts';
import type { SaleLineRecord, SaleRecord, TenderMethod, TenderRecord } from '../../domain/sale-record.ts';
import { canonicalJson, canonicalString } from './canonical-json.ts';
import { appendJournal, appendJournalJson } from './journal.ts';
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';
import { enqueueSaleMessage } from './outbox.ts';
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

/** A promotion applied to a line or the basket (issue 8). */
const appliedPromotionSchema = z.strictObject({ promotionId: text, label: z.string(), amount: minor });

/**
 * Lines with promotions carry two more keys. They are optional so a sale without promotions is
 * recorded exactly as before (same canonical JSON, same hash, the fast path below).
 */
const promotedLineSchema = saleLineSchema.extend({
  promotions: z.array(appliedPromotionSchema).optional(),
  promotionDiscount: minor.optional(),
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
    lines: z.array(promotedLineSchema).min(1),
    basketDiscount: minor,
    basketDiscountReason: z.string().nullable(),
    // Issue 8: absent on a sale without promotions, coupon or member.
    basketPromotions: z.array(appliedPromotionSchema).optional(),
    coupon: z
      .strictObject({
        code: text,
        name: z.string(),
        use: z.enum(['single', 'multi']),
        amount: minor,
        redemption: z.enum(['reserved', 'offline', 'multi', 'training']),
      })
      .nullable()
      .optional(),
    member: z
      .strictObject({
        id: text,
        name: z.string(),
        pointsRedeemed: z.int().min(0),
        pointsDiscount: minor,
        pointsEarned: z.int().min(0),
      })
      .nullable()
      .optional(),
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
const _lineKeys: SameKeys<z.output<typeof promotedLineSchema>, SaleLineRecord> = true;
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
// The fast path takes only records without the optional (issue 8) keys: exactly the required ones.
const requiredKeys = (shape: Record<string, z.ZodType>): number => Object.values(shape).filter((t) => !t.safeParse(undefined).success).length;
const LINE_KEYS = requiredKeys(saleLineSchema.shape);
const TENDER_KEYS = requiredKeys(tenderSchema.shape);
const SALE_KEYS = requiredKeys(uncommittedSaleSchema.shape);

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
// The record's canonical JSON, written by a template. canonicalJson is generic (it finds each
// object's keys, sorts them by shape, checks every value); a record the schema has accepted
// has exactly the schema's keys and value types, so its canonical text can be written straight
// out with the keys in their canonical (UTF-16) order: about twice as fast, on every commit.
// tests/unit/core/db/sale-record-json.test.ts holds it to canonicalJson's output for any
// record the schema accepts.

const str = canonicalString;
const strOrNull = (v: string | null): string => (v === null ? 'null' : str(v));
const int = (v: number): string => (v === 0 ? '0' : String(v));
const intOrNull = (v: number | null): string => (v === null ? 'null' : int(v));

function lineJson(l: SaleLineRecord): string {
  return (
    `{"amount":${int(l.amount)},"basketDiscountShare":${int(l.basketDiscountShare)},"gross":${int(l.gross)},` +
    `"grossEmbedded":${l.grossEmbedded},"lineDiscount":${int(l.lineDiscount)},"lineDiscountReason":${strOrNull(l.lineDiscountReason)},` +
    `"lineNo":${int(l.lineNo)},"name":${str(l.name)},"originalUnitPrice":${intOrNull(l.originalUnitPrice)},` +
    `"overrideReason":${strOrNull(l.overrideReason)},"quantityMilli":${int(l.quantityMilli)},"sku":${str(l.sku)},` +
    `"source":${str(l.source)},"tax":${int(l.tax)},"taxClass":${str(l.taxClass)},"taxInclusive":${l.taxInclusive},` +
    `"taxRateBps":${int(l.taxRateBps)},"unit":${str(l.unit)},"unitPrice":${int(l.unitPrice)},` +
    `"voidReason":${strOrNull(l.voidReason)},"voided":${l.voided}}`
  );
}

/** A record with any issue-8 key (promotions, coupon, member): the template does not write those. */
function hasPromotionKeys(r: UncommittedSale): boolean {
  if (r.basketPromotions !== undefined || r.coupon !== undefined || r.member !== undefined) return true;
  for (const l of r.lines) if (l.promotions !== undefined || l.promotionDiscount !== undefined) return true;
  return false;
}

function tenderJson(t: TenderRecord): string {
  return `{"amount":${int(t.amount)},"method":${str(t.method)},"received":${int(t.received)},"reference":${strOrNull(t.reference)},"seq":${int(t.seq)}}`;
}

/**
 * canonicalJson({ ...record, receiptNo }) for a record parseUncommittedSale returned (anything
 * else: use canonicalJson).
 */
export function saleRecordJson(record: UncommittedSale, receiptNo: number): string {
  if (hasPromotionKeys(record)) return canonicalJson({ ...record, receiptNo });
  let lines = '';
  for (const l of record.lines) lines += lines === '' ? lineJson(l) : `,${lineJson(l)}`;
  let tenders = '';
  for (const t of record.tenders) tenders += tenders === '' ? tenderJson(t) : `,${tenderJson(t)}`;
  return (
    `{"basketDiscount":${int(record.basketDiscount)},"basketDiscountReason":${strOrNull(record.basketDiscountReason)},` +
    `"cashier":${str(record.cashier)},"change":${int(record.change)},"completedAt":${str(record.completedAt)},` +
    `"currency":${str(record.currency)},"id":${str(record.id)},"lines":[${lines}],"receiptNo":${int(receiptNo)},` +
    `"rounding":${int(record.rounding)},"startedAt":${str(record.startedAt)},"subtotal":${int(record.subtotal)},` +
    `"taxTotal":${int(record.taxTotal)},"tendered":${int(record.tendered)},"tenders":[${tenders}],` +
    `"terminalId":${str(record.terminalId)},"total":${int(record.total)},"training":${record.training}}`
  );
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
  /** [receipt number of this sale id if committed, highest receipt number of the terminal]. */
  readonly lookup: Statement;
  readonly insertSale: Statement;
  /** The whole commit as one better-sqlite3 transaction function (call `.immediate`). */
  readonly commit: Transaction<(record: UncommittedSale, input: CommitSaleInput) => CommitSaleResult>;
}

// Prepared once per connection: preparing the statements (and wrapping the transaction) cost
// more than running them.
const committerFor = perConnection((db): Committer => {
  const statements = {
    // One statement for both reads: the id on the primary key, the number on the UNIQUE index.
    lookup: db
      .prepare(
        `SELECT (SELECT receipt_no FROM sales WHERE id = ?),
                (SELECT max(receipt_no) FROM sales WHERE terminal_id = ?)`,
      )
      .raw(),
    insertSale: db.prepare(
      `INSERT INTO sales (id, terminal_id, receipt_no, journal_seq, outbox_seq, completed_at, currency, subtotal, tax_total,
                          total, rounding, tendered, change_given, cashier, training)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
  const self: Committer = {
    ...statements,
    commit: db.transaction((record: UncommittedSale, input: CommitSaleInput) => commitRows(db, self, record, input)),
  };
  return self;
});

/**
 * Commits a paid sale in ONE immediate transaction: receipt number (gapless per terminal),
 * journal 'sale.completed' holding the record, outbox 'sale', sales row, snapshot — all or
 * nothing. Idempotent: committing the same sale id again (a restored XState promise actor
 * re-running) returns the first receipt number and writes nothing; the same id with different
 * content throws SaleConflictError.
 *
 * The record is written out once: its canonical JSON is the journal payload (and what the
 * journal hash covers). The sales row holds the figures lists need and points at that entry;
 * the outbox message points at it too ({"journalSeq","saleId"}).
 */
export function commitSale(db: Db, input: CommitSaleInput): CommitSaleResult {
  const record = parseUncommittedSale(input.record);
  return committerFor(db).commit.immediate(record, input);
}

// The body of commitSale's transaction.
function commitRows(db: Db, c: Committer, record: UncommittedSale, input: CommitSaleInput): CommitSaleResult {
  const [existing, last] = c.lookup.get(record.id, record.terminalId) as [number | null, number | null];
  if (existing !== null) {
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

  // The write lock is held (BEGIN IMMEDIATE), so no other commit can take the same number.
  const receiptNo = (last ?? 0) + 1;
  const entry = appendJournalJson(db, {
    terminalId: record.terminalId,
    kind: 'sale.completed',
    ref: record.id,
    payloadJson: saleRecordJson(record, receiptNo),
    at: input.at,
  });
  const outboxSeq = enqueueSaleMessage(db, record.id, salePointer(record.id, entry.seq), input.at);
  c.insertSale.run(
    record.id,
    record.terminalId,
    receiptNo,
    entry.seq,
    outboxSeq,
    record.completedAt,
    record.currency,
    record.subtotal,
    record.taxTotal,
    record.total,
    record.rounding,
    record.tendered,
    record.change,
    record.cashier,
    record.training ? 1 : 0,
  );
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
  /** Who was at the till (issue 7: voids are counted per cashier); absent in older callers. */
  readonly cashier?: string;
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
 * Finding an earlier cancel uses the journal_by_ref index (partial: its WHERE must be named).
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
        .prepare("SELECT seq FROM journal WHERE kind = 'sale.cancelled' AND kind <> 'sale.completed' AND ref = ? ORDER BY seq LIMIT 1")
        .pluck()
        .get(input.saleId) as number | undefined;
      if (earlier !== undefined) return { journalSeq: earlier, alreadyCancelled: true };
      const row = appendJournal(db, {
        terminalId: input.terminalId,
        kind: 'sale.cancelled',
        ref: input.saleId,
        payload: { saleId: input.saleId, reason: input.reason, cart: input.cart, ...(input.cashier !== undefined ? { cashier: input.cashier } : {}) },
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

/**
 * The newest sales first: the most recently committed, found by walking the journal back from
 * its end (a sale's 'sale.completed' entry is its commit), so no index on completion time has to
 * be written with every sale. Rows are plain data in minor units, ready for JSON. Line counts
 * come from each sale's journal record (0 when it cannot be read: `kassa verify` names such a
 * sale).
 */
export function listSales(db: Db, options: ListSalesOptions = {}): SaleSummary[] {
  const last = options.last ?? 20;
  if (!Number.isSafeInteger(last) || last < 1) throw new RangeError(`last must be a positive whole number, got ${last}`);
  const rows = db
    .prepare(
      `SELECT s.id, s.terminal_id, s.receipt_no, s.completed_at, s.currency, s.total, s.rounding, s.tendered, s.change_given,
              s.cashier, s.training,
              (SELECT count(*) FROM json_each(CASE WHEN json_valid(j.payload) THEN j.payload END, '$.lines') l
               WHERE l.value ->> 'voided' = 0) AS lines,
              (SELECT count(*) FROM json_each(CASE WHEN json_valid(j.payload) THEN j.payload END, '$.lines') l
               WHERE l.value ->> 'voided' = 1) AS voided_lines
       FROM journal j CROSS JOIN sales s ON s.id = j.ref AND s.journal_seq = j.seq
       WHERE j.kind = 'sale.completed'
       ORDER BY j.seq DESC LIMIT ?`,
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
  journal_seq: number;
  outbox_seq: number;
  completed_at: string;
  currency: string;
  subtotal: number;
  tax_total: number;
  total: number;
  rounding: number;
  tendered: number;
  change_given: number;
  cashier: string;
  training: number;
}

/** The journal row a sales row points at (journal_seq), as far as it is needed to read the sale. */
export interface SaleJournalEntry {
  readonly seq: number;
  readonly kind: string;
  readonly ref: string | null;
  readonly terminalId: string;
  /** The stored canonical JSON text. */
  readonly payload: string;
}

export type StoredSale =
  | {
      readonly ok: true;
      /** The record as stored: the journal record with the sales row's columns in their fields. */
      readonly record: SaleRecord;
      /** The journal entry's record as written (equal to `record` unless a sales column was changed). */
      readonly journalled: SaleRecord;
    }
  | {
      readonly ok: false;
      /** Why the record cannot be read, e.g. its journal row is missing. */
      readonly problem: string;
      /** The journal row at fault, when there is one. */
      readonly seq?: number;
    };

/**
 * Reads a sale from its row and the journal entry the row points at (null when that journal row
 * is missing). The lines and tenders exist only in the entry's record; the sales row's columns
 * are laid over the record's fields, so a column edited after the commit shows (and kassa verify
 * names it by diffing `record` against `journalled`).
 */
export function assembleSale(sale: SaleRow, entry: SaleJournalEntry | null): StoredSale {
  const seq = sale.journal_seq;
  if (entry === null) return { ok: false, problem: `has no 'sale.completed' journal entry (its journal row ${seq} is missing)`, seq };
  if (entry.kind !== 'sale.completed' || entry.ref !== sale.id) {
    return { ok: false, problem: `its journal row ${seq} is not its 'sale.completed' entry (it is ${entry.kind} ${entry.ref ?? '(no ref)'})`, seq };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.payload);
  } catch {
    return { ok: false, problem: `journal row ${seq}'s payload is not readable JSON`, seq };
  }
  const journalled = parseSaleRecord(parsed);
  if (typeof journalled === 'string') return { ok: false, problem: `journal row ${seq} does not hold a valid sale record: ${journalled}`, seq };
  const record: SaleRecord = {
    ...journalled,
    id: sale.id,
    terminalId: sale.terminal_id,
    receiptNo: sale.receipt_no,
    completedAt: sale.completed_at,
    currency: sale.currency,
    subtotal: sale.subtotal,
    taxTotal: sale.tax_total,
    total: sale.total,
    rounding: sale.rounding,
    tendered: sale.tendered,
    change: sale.change_given,
    cashier: sale.cashier,
    training: sale.training === 1,
  };
  return { ok: true, record, journalled };
}

/** A stored record checked against the record schema (plus its receipt number); a string says what is wrong. */
function parseSaleRecord(value: unknown): SaleRecord | string {
  if (!isPlain(value)) return 'not an object';
  const { receiptNo, ...rest } = value;
  if (!Number.isSafeInteger(receiptNo) || (receiptNo as number) < 1) return `receiptNo: ${JSON.stringify(receiptNo) ?? 'missing'} is not a receipt number`;
  try {
    return { ...parseUncommittedSale(rest), receiptNo: receiptNo as number };
  } catch (err) {
    if (err instanceof SaleRecordError) return err.issues.slice(0, 3).join('; ');
    throw err;
  }
}

/** A sale row joined with its journal row, as readStoredSale and kassa verify read it. */
export interface SaleWithEntryRow extends SaleRow {
  j_seq: number | null;
  j_kind: string | null;
  j_ref: string | null;
  j_terminal_id: string | null;
  j_payload: string | null;
}

/** The columns of a SaleWithEntryRow, over SALE_WITH_ENTRY_JOIN (callers add WHERE / ORDER BY). */
export const SALE_WITH_ENTRY_COLUMNS = 's.*, j.seq AS j_seq, j.kind AS j_kind, j.ref AS j_ref, j.terminal_id AS j_terminal_id, j.payload AS j_payload';
export const SALE_WITH_ENTRY_JOIN = 'sales s LEFT JOIN journal j ON j.seq = s.journal_seq';

/** Splits a joined row into the sales row and its journal entry (null when missing). */
export function splitSaleWithEntry(row: SaleWithEntryRow): { sale: SaleRow; entry: SaleJournalEntry | null } {
  const { j_seq: seq, j_kind: kind, j_ref: ref, j_terminal_id: terminalId, j_payload: payload, ...sale } = row;
  const entry = seq === null || kind === null || terminalId === null || payload === null ? null : { seq, kind, ref, terminalId, payload };
  return { sale, entry };
}

const readSaleFor = perConnection((db): Statement => db.prepare(`SELECT ${SALE_WITH_ENTRY_COLUMNS} FROM ${SALE_WITH_ENTRY_JOIN} WHERE s.id = ?`));

/** The sale, or why it cannot be read; null when there is no such sale. */
export function readStoredSale(db: Db, id: string): StoredSale | null {
  const row = readSaleFor(db).get(id) as SaleWithEntryRow | undefined;
  if (!row) return null;
  const { sale, entry } = splitSaleWithEntry(row);
  return assembleSale(sale, entry);
}

/** A sale row whose record cannot be read (damaged store: `kassa verify` says more). */
export class SaleStoreError extends Error {
  override name = 'SaleStoreError';
}

/** The committed sale, or null when there is none; throws SaleStoreError when its record cannot be read. */
export function getSale(db: Db, id: string): SaleRecord | null {
  const stored = readStoredSale(db, id);
  if (stored === null) return null;
  if (!stored.ok) throw new SaleStoreError(`sale ${id} cannot be read (${stored.problem}): run kassa verify`);
  return stored.record;
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
