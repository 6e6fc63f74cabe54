// Refunds of completed sales, stored write-ahead (ARCHITECTURE.md §3 rules 3, 4 and 6): one row
// per refund PART — the share of a refund taken back through one tender of the sale — recorded
// with its out_request_no before the wallet is asked, each change of state journalled and queued
// for sync in the same transaction, and every gateway call written before and after it is made.
// Hand-written, like the rest of the store: the rules are Kassa's own.
//
// Decisions a caller must know:
// - A part's state is `pending` (a wallet refund not confirmed yet: it is retried with the same
//   out_request_no until it is), `refunded`, `failed` (the wallet refused: nothing went back by
//   this key, so its amount is refundable again) or `manual` (a person must reconcile it with the
//   wallet's bill). Only `pending` ever changes; the other three are final.
// - Cash parts are `refunded` from the start: the money leaves the drawer at the counter.
// - Journal (hash chained) and outbox entries, each in the transaction that writes the change:
//   `refund.requested` once per refund (every part, who authorized it, why), then one of
//   `sale.refunded` / `refund.failed` / `refund.manual` per part when it settles. The outbox
//   message ('refund', key `refund:<refundId>:…`) points at its journal entry, as a sale's does.
// - What counts against what is left to refund: every part not `failed` (a pending one may still
//   go through; a manual one may have).
// - Calls are kept in refund_calls by out_request_no (the payment_calls table is keyed by
//   attempts, and a sale's wallet tender need not have one).
// - Functions that write open their own immediate transaction, or join the caller's.
import { canonicalJson } from './canonical-json.ts';
import { appendJournal, type JournalKind } from './journal.ts';
import { logCall, logCallOutcome, loggedCalls, REFUND_CALL_LOG } from './call-log.ts';
import type { Db } from './open.ts';
import { enqueueOutbox } from './outbox.ts';

export type RefundState = 'pending' | 'refunded' | 'failed' | 'manual';
export type RefundMethod = 'cash' | 'alipay' | 'wechat';

export const FINAL_REFUND_STATES: readonly RefundState[] = ['refunded', 'failed', 'manual'];

/** The outbox message type of every refund event. */
export const REFUND_MESSAGE_TYPE = 'refund';

/** Journal kind per event: the request, then how each part settled. */
export const REFUND_JOURNAL_KINDS = {
  requested: 'refund.requested',
  refunded: 'sale.refunded',
  failed: 'refund.failed',
  manual: 'refund.manual',
} as const satisfies Record<'requested' | Exclude<RefundState, 'pending'>, JournalKind>;

export const REFUNDS_SQL = `
  -- One row per refund part: the share of a refund taken back through one tender of a sale.
  -- A wallet part's out_request_no is made and stored here before the wallet is first asked,
  -- and never changes: every retry and refund query uses it (the wallet's idempotency key).
  -- requested_seq / settled_seq are its journal entries ('refund.requested', then
  -- 'sale.refunded', 'refund.failed' or 'refund.manual'); kassa verify checks the row against them.
  CREATE TABLE refunds (
    refund_id      TEXT NOT NULL,                 -- ULID + terminal id: one refund the manager authorized
    part_no        INTEGER NOT NULL CHECK (part_no >= 1),
    sale_id        TEXT NOT NULL,
    terminal_id    TEXT NOT NULL,
    receipt_no     INTEGER NOT NULL,
    tender_seq     INTEGER NOT NULL,              -- the sale's tender it goes back through
    method         TEXT NOT NULL CHECK (method IN ('cash', 'alipay', 'wechat')),
    out_trade_no   TEXT,                          -- wallet: the paid trade
    trade_no       TEXT,                          -- wallet: the gateway's trade number (the tender's reference)
    out_request_no TEXT UNIQUE,                   -- wallet: this refund's idempotency key
    amount         INTEGER NOT NULL CHECK (amount > 0),
    currency       TEXT NOT NULL,
    reason         TEXT NOT NULL,
    authorized_by  TEXT NOT NULL,
    operator       TEXT NOT NULL,
    training       INTEGER NOT NULL CHECK (training IN (0, 1)),
    state          TEXT NOT NULL CHECK (state IN ('pending', 'refunded', 'failed', 'manual')),
    detail         TEXT,
    requested_seq  INTEGER NOT NULL,
    settled_seq    INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    settled_at     TEXT,
    CHECK ((method = 'cash') = (out_request_no IS NULL)),
    CHECK ((method = 'cash') = (out_trade_no IS NULL)),
    CHECK ((state = 'pending') = (settled_seq IS NULL)),
    PRIMARY KEY (refund_id, part_no)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX refunds_by_sale ON refunds(sale_id);
  CREATE INDEX refunds_pending ON refunds(created_at) WHERE state = 'pending';

  CREATE TABLE refund_calls (
    out_request_no TEXT NOT NULL REFERENCES refunds(out_request_no),
    seq            INTEGER NOT NULL,
    call           TEXT NOT NULL,
    request        TEXT NOT NULL,               -- canonical JSON, the contract's plain fields (no keys, no signatures)
    response       TEXT,                        -- canonical JSON; null while in flight (or when the terminal stopped)
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    PRIMARY KEY (out_request_no, seq)
  ) STRICT, WITHOUT ROWID;
`;

export class RefundRecordError extends Error {
  override name = 'RefundRecordError';
}

export interface RefundPart {
  readonly refundId: string;
  readonly partNo: number;
  readonly saleId: string;
  readonly terminalId: string;
  readonly receiptNo: number;
  readonly tenderSeq: number;
  readonly method: RefundMethod;
  readonly outTradeNo: string | null;
  readonly tradeNo: string | null;
  readonly outRequestNo: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
  readonly authorizedBy: string;
  readonly operator: string;
  readonly training: boolean;
  readonly state: RefundState;
  readonly detail: string | null;
  readonly requestedSeq: number;
  readonly settledSeq: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly settledAt: string | null;
}

interface RefundRow {
  refund_id: string;
  part_no: number;
  sale_id: string;
  terminal_id: string;
  receipt_no: number;
  tender_seq: number;
  method: RefundMethod;
  out_trade_no: string | null;
  trade_no: string | null;
  out_request_no: string | null;
  amount: number;
  currency: string;
  reason: string;
  authorized_by: string;
  operator: string;
  training: number;
  state: RefundState;
  detail: string | null;
  requested_seq: number;
  settled_seq: number | null;
  created_at: string;
  updated_at: string;
  settled_at: string | null;
}

const fromRow = (r: RefundRow): RefundPart => ({
  refundId: r.refund_id,
  partNo: r.part_no,
  saleId: r.sale_id,
  terminalId: r.terminal_id,
  receiptNo: r.receipt_no,
  tenderSeq: r.tender_seq,
  method: r.method,
  outTradeNo: r.out_trade_no,
  tradeNo: r.trade_no,
  outRequestNo: r.out_request_no,
  amount: r.amount,
  currency: r.currency,
  reason: r.reason,
  authorizedBy: r.authorized_by,
  operator: r.operator,
  training: r.training === 1,
  state: r.state,
  detail: r.detail,
  requestedSeq: r.requested_seq,
  settledSeq: r.settled_seq,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  settledAt: r.settled_at,
});

export interface NewRefundPart {
  readonly tenderSeq: number;
  readonly method: RefundMethod;
  /** Wallet parts: the paid trade, its gateway number and this part's out_request_no. */
  readonly outTradeNo?: string;
  readonly tradeNo?: string | null;
  readonly outRequestNo?: string;
  readonly amount: number;
}

export interface NewRefund {
  readonly refundId: string;
  readonly saleId: string;
  readonly terminalId: string;
  readonly receiptNo: number;
  readonly currency: string;
  readonly reason: string;
  readonly authorizedBy: string;
  readonly operator: string;
  readonly training: boolean;
  readonly parts: readonly NewRefundPart[];
  readonly at: string;
}

/** The journal payload of 'refund.requested' (what sync sends, what verify checks the rows against). */
export interface RefundRequestedPayload {
  readonly refundId: string;
  readonly saleId: string;
  readonly receiptNo: number;
  readonly currency: string;
  readonly amount: number;
  readonly reason: string;
  readonly authorizedBy: string;
  readonly operator: string;
  readonly training: boolean;
  readonly parts: readonly {
    readonly partNo: number;
    readonly tenderSeq: number;
    readonly method: RefundMethod;
    readonly outTradeNo: string | null;
    readonly outRequestNo: string | null;
    readonly amount: number;
  }[];
}

/** The journal payload of a part's settling entry. */
export interface RefundSettledPayload {
  readonly refundId: string;
  readonly partNo: number;
  readonly saleId: string;
  readonly receiptNo: number;
  readonly tenderSeq: number;
  readonly method: RefundMethod;
  readonly outTradeNo: string | null;
  readonly outRequestNo: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly state: Exclude<RefundState, 'pending'>;
  readonly detail: string | null;
}

function queue(db: Db, key: string, kind: JournalKind, journalSeq: number, refundId: string, saleId: string, at: string): void {
  enqueueOutbox(db, { idempotencyKey: key, type: REFUND_MESSAGE_TYPE, payload: { journalSeq, kind, refundId, saleId }, createdAt: at });
}

function settledPayload(p: RefundPart, state: Exclude<RefundState, 'pending'>, detail: string | null): RefundSettledPayload {
  return {
    refundId: p.refundId,
    partNo: p.partNo,
    saleId: p.saleId,
    receiptNo: p.receiptNo,
    tenderSeq: p.tenderSeq,
    method: p.method,
    outTradeNo: p.outTradeNo,
    outRequestNo: p.outRequestNo,
    amount: p.amount,
    currency: p.currency,
    state,
    detail,
  };
}

function checkNewRefund(r: NewRefund): void {
  if (r.parts.length === 0) throw new RefundRecordError(`refund ${r.refundId} has no parts`);
  for (const [field, value] of [['refundId', r.refundId], ['saleId', r.saleId], ['terminalId', r.terminalId], ['reason', r.reason], ['authorizedBy', r.authorizedBy], ['operator', r.operator]] as const) {
    if (value.trim() === '') throw new RefundRecordError(`refund ${r.refundId || '(no id)'}: ${field} must not be empty`);
  }
  for (const p of r.parts) {
    if (!Number.isSafeInteger(p.amount) || p.amount <= 0) throw new RefundRecordError(`refund ${r.refundId}: a part's amount must be a positive whole number of minor units; got ${p.amount}`);
    const wallet = p.method !== 'cash';
    if (wallet !== (p.outRequestNo !== undefined && p.outTradeNo !== undefined)) {
      throw new RefundRecordError(`refund ${r.refundId}: a ${p.method} part ${wallet ? 'needs' : 'takes no'} out_trade_no and out_request_no`);
    }
  }
}

/**
 * Records a refund: its 'refund.requested' journal entry and outbox message, a row per part
 * (wallet parts `pending`, cash parts `refunded` with their 'sale.refunded' entries), all in one
 * transaction (the caller's, when it has one: it must check what is left to refund in that same
 * transaction). An out_request_no already used is refused (SQLite's UNIQUE constraint).
 */
export function recordRefund(db: Db, r: NewRefund): RefundPart[] {
  checkNewRefund(r);
  return db
    .transaction(() => {
      const payload: RefundRequestedPayload = {
        refundId: r.refundId,
        saleId: r.saleId,
        receiptNo: r.receiptNo,
        currency: r.currency,
        amount: r.parts.reduce((s, p) => s + p.amount, 0),
        reason: r.reason,
        authorizedBy: r.authorizedBy,
        operator: r.operator,
        training: r.training,
        parts: r.parts.map((p, i) => ({
          partNo: i + 1,
          tenderSeq: p.tenderSeq,
          method: p.method,
          outTradeNo: p.outTradeNo ?? null,
          outRequestNo: p.outRequestNo ?? null,
          amount: p.amount,
        })),
      };
      const kind = REFUND_JOURNAL_KINDS.requested;
      const entry = appendJournal(db, { terminalId: r.terminalId, kind, ref: r.saleId, payload, at: r.at });
      queue(db, `refund:${r.refundId}:requested`, kind, entry.seq, r.refundId, r.saleId, r.at);
      const insert = db.prepare(
        `INSERT INTO refunds (refund_id, part_no, sale_id, terminal_id, receipt_no, tender_seq, method, out_trade_no, trade_no, out_request_no,
                              amount, currency, reason, authorized_by, operator, training, state, detail, requested_seq, created_at, updated_at)
         VALUES (@refundId, @partNo, @saleId, @terminalId, @receiptNo, @tenderSeq, @method, @outTradeNo, @tradeNo, @outRequestNo,
                 @amount, @currency, @reason, @authorizedBy, @operator, @training, 'pending', @detail, @requestedSeq, @at, @at)`,
      );
      r.parts.forEach((p, i) => {
        insert.run({
          refundId: r.refundId,
          partNo: i + 1,
          saleId: r.saleId,
          terminalId: r.terminalId,
          receiptNo: r.receiptNo,
          tenderSeq: p.tenderSeq,
          method: p.method,
          outTradeNo: p.outTradeNo ?? null,
          tradeNo: p.tradeNo ?? null,
          outRequestNo: p.outRequestNo ?? null,
          amount: p.amount,
          currency: r.currency,
          reason: r.reason,
          authorizedBy: r.authorizedBy,
          operator: r.operator,
          training: r.training ? 1 : 0,
          detail: p.method === 'cash' ? null : 'recorded; the wallet has not been asked yet',
          requestedSeq: entry.seq,
          at: r.at,
        });
      });
      for (const p of r.parts.map((_, i) => i + 1)) {
        const part = getRefundPart(db, r.refundId, p);
        if (part?.method === 'cash') settleRefundPart(db, r.refundId, p, 'refunded', { detail: 'cash handed back at the counter', at: r.at });
      }
      return refundParts(db, r.refundId);
    })
    .immediate();
}

/**
 * Settles a pending part (journal entry, outbox message and row change in one transaction).
 * Settling again to the same state changes nothing; a final state never changes.
 */
export function settleRefundPart(db: Db, refundId: string, partNo: number, state: Exclude<RefundState, 'pending'>, fields: { detail: string | null; at: string }): RefundPart {
  return db
    .transaction(() => {
      const before = getRefundPart(db, refundId, partNo);
      if (!before) throw new RefundRecordError(`there is no refund part ${refundId}/${partNo}`);
      if (before.state === state) return before;
      if (before.state !== 'pending') throw new RefundRecordError(`refund part ${refundId}/${partNo} is already ${before.state}; it cannot become ${state}`);
      const kind = REFUND_JOURNAL_KINDS[state];
      const entry = appendJournal(db, { terminalId: before.terminalId, kind, ref: before.saleId, payload: settledPayload(before, state, fields.detail), at: fields.at });
      queue(db, `refund:${refundId}:${partNo}:${state}`, kind, entry.seq, refundId, before.saleId, fields.at);
      db.prepare(
        `UPDATE refunds SET state = ?, detail = ?, settled_seq = ?, settled_at = ?, updated_at = ? WHERE refund_id = ? AND part_no = ?`,
      ).run(state, fields.detail, entry.seq, fields.at, fields.at, refundId, partNo);
      return getRefundPart(db, refundId, partNo) as RefundPart;
    })
    .immediate();
}

/** Notes why a part is still pending (no journal entry: its state did not change). */
export function notePending(db: Db, refundId: string, partNo: number, detail: string, at: string): RefundPart {
  const changed = db.prepare(`UPDATE refunds SET detail = ?, updated_at = ? WHERE refund_id = ? AND part_no = ? AND state = 'pending'`).run(detail, at, refundId, partNo).changes;
  const part = getRefundPart(db, refundId, partNo);
  if (!part) throw new RefundRecordError(`there is no refund part ${refundId}/${partNo}`);
  if (changed === 0 && part.state !== 'pending') throw new RefundRecordError(`refund part ${refundId}/${partNo} is already ${part.state}`);
  return part;
}

export function getRefundPart(db: Db, refundId: string, partNo: number): RefundPart | null {
  const row = db.prepare<[string, number], RefundRow>('SELECT * FROM refunds WHERE refund_id = ? AND part_no = ?').get(refundId, partNo);
  return row ? fromRow(row) : null;
}

export function refundPartByRequestNo(db: Db, outRequestNo: string): RefundPart | null {
  const row = db.prepare<[string], RefundRow>('SELECT * FROM refunds WHERE out_request_no = ?').get(outRequestNo);
  return row ? fromRow(row) : null;
}

export function refundParts(db: Db, refundId: string): RefundPart[] {
  return db.prepare<[string], RefundRow>('SELECT * FROM refunds WHERE refund_id = ? ORDER BY part_no').all(refundId).map(fromRow);
}

export function refundsForSale(db: Db, saleId: string): RefundPart[] {
  return db.prepare<[string], RefundRow>('SELECT * FROM refunds WHERE sale_id = ? ORDER BY created_at, refund_id, part_no').all(saleId).map(fromRow);
}

/** Wallet parts still to confirm, oldest first. */
export function pendingRefundParts(db: Db): RefundPart[] {
  return db.prepare<[], RefundRow>("SELECT * FROM refunds WHERE state = 'pending' ORDER BY created_at, refund_id, part_no").all().map(fromRow);
}

export interface ListRefundsOptions {
  readonly state?: RefundState;
  /** The newest this many parts (default 50). */
  readonly last?: number;
}

/** Refund parts, newest first. */
export function listRefundParts(db: Db, options: ListRefundsOptions = {}): RefundPart[] {
  const last = options.last ?? 50;
  if (!Number.isSafeInteger(last) || last < 1) throw new RangeError(`last must be a positive whole number, got ${last}`);
  const rows =
    options.state === undefined
      ? db.prepare<[number], RefundRow>('SELECT * FROM refunds ORDER BY created_at DESC, refund_id DESC, part_no LIMIT ?').all(last)
      : db.prepare<[string, number], RefundRow>('SELECT * FROM refunds WHERE state = ? ORDER BY created_at DESC, refund_id DESC, part_no LIMIT ?').all(options.state, last);
  return rows.map(fromRow);
}

/** What counts against each tender of a sale: the amounts of its parts that are not `failed`, by tender seq. */
export function refundedByTender(db: Db, saleId: string): Map<number, number> {
  const rows = db
    .prepare<[string], { tender_seq: number; amount: number }>("SELECT tender_seq, sum(amount) AS amount FROM refunds WHERE sale_id = ? AND state <> 'failed' GROUP BY tender_seq")
    .all(saleId);
  return new Map(rows.map((r) => [r.tender_seq, r.amount]));
}

// ---------------------------------------------------------------------------------------------
// Calls, written before and after each gateway call

export interface RefundCall {
  readonly outRequestNo: string;
  readonly seq: number;
  readonly call: string;
  readonly request: string;
  readonly response: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** Records a call before it is made; returns its sequence number for `recordRefundCallOutcome`. */
export function recordRefundCall(db: Db, outRequestNo: string, call: string, request: unknown, at: string): number {
  return logCall(db, REFUND_CALL_LOG, outRequestNo, call, request, at);
}

export function recordRefundCallOutcome(db: Db, outRequestNo: string, seq: number, outcome: unknown, at: string): void {
  if (!logCallOutcome(db, REFUND_CALL_LOG, outRequestNo, seq, outcome, at)) throw new RefundRecordError(`call ${seq} of refund ${outRequestNo} is not waiting for an outcome`);
}

export function refundCallsFor(db: Db, outRequestNo: string): RefundCall[] {
  return loggedCalls(db, REFUND_CALL_LOG, outRequestNo).map(({ key, ...rest }) => ({ outRequestNo: key, ...rest }));
}

// ---------------------------------------------------------------------------------------------
// kassa verify

export interface RefundProblem {
  readonly saleId?: string;
  readonly receiptNo?: number;
  readonly seq?: number;
  readonly message: string;
}

const REFUND_KINDS: readonly string[] = Object.values(REFUND_JOURNAL_KINDS);

/**
 * The refund rows against their journal entries and their sales: each part is listed, as
 * recorded, in its 'refund.requested' entry; each settled part has the settling entry of its
 * state; no refund journal entry is without its rows (rows deleted); and no tender has more
 * taken back than it paid. Read-only; a database from before refunds existed has nothing to check.
 * Memory grows with the number of refunds (their journal seqs and their sales' tenders), not
 * with the number of sales: refunds are a small share of a till's traffic.
 */
export function verifyRefunds(db: Db): RefundProblem[] {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refunds'").pluck().get() !== undefined;
  if (!hasTable) return [];
  const problems: RefundProblem[] = [];
  const at = (p: RefundPart, message: string, seq?: number) =>
    problems.push({ saleId: p.saleId, receiptNo: p.receiptNo, ...(seq === undefined ? {} : { seq }), message: `refund ${p.refundId} part ${p.partNo} (receipt ${p.receiptNo}): ${message}` });
  const entryStmt = db.prepare<[number], { seq: number; kind: string; ref: string | null; payload: string }>('SELECT seq, kind, ref, payload FROM journal WHERE seq = ?');
  const saleStmt = db.prepare<[string], { payload: string | null; receipt_no: number }>('SELECT j.payload, s.receipt_no FROM sales s LEFT JOIN journal j ON j.seq = s.journal_seq WHERE s.id = ?');
  const referenced = new Set<number>();
  const taken = new Map<string, { part: RefundPart; amount: number }>();
  const tendersOf = new Map<string, { seq: number; method: string; amount: number; reference: string | null }[] | null>();

  const readJson = (text: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  };

  for (const row of db.prepare('SELECT * FROM refunds ORDER BY requested_seq, part_no').iterate() as IterableIterator<RefundRow>) {
    const p = fromRow(row);
    referenced.add(p.requestedSeq);
    if (p.settledSeq !== null) referenced.add(p.settledSeq);

    // Its sale and tender.
    if (!tendersOf.has(p.saleId)) {
      const sale = saleStmt.get(p.saleId);
      const record = sale?.payload ? (readJson(sale.payload) as { tenders?: unknown } | null) : null;
      tendersOf.set(p.saleId, sale && Array.isArray(record?.tenders) ? (record.tenders as { seq: number; method: string; amount: number; reference: string | null }[]) : null);
      if (!sale) at(p, `its sale ${p.saleId} is not in the sales table`);
      else if (sale.receipt_no !== p.receiptNo) at(p, `it names receipt ${p.receiptNo}, but sale ${p.saleId} is receipt ${sale.receipt_no}`);
    }
    const tenders = tendersOf.get(p.saleId);
    const tender = tenders?.find((t) => t.seq === p.tenderSeq);
    if (tenders && !tender) at(p, `its sale has no tender ${p.tenderSeq}`);
    else if (tender && tender.method !== p.method) at(p, `it goes back as ${p.method}, but tender ${p.tenderSeq} was paid by ${tender.method}`);
    else if (tender && p.method !== 'cash' && p.tradeNo !== null && tender.reference !== p.tradeNo) at(p, `its trade ${p.tradeNo} is not tender ${p.tenderSeq}'s (${tender.reference ?? 'none'})`);
    if (p.state !== 'failed') {
      const key = `${p.saleId}\u0000${p.tenderSeq}`;
      const sum = taken.get(key);
      taken.set(key, { part: sum?.part ?? p, amount: (sum?.amount ?? 0) + p.amount });
    }

    // Its 'refund.requested' entry lists it as it is.
    const requested = entryStmt.get(p.requestedSeq);
    if (!requested || requested.kind !== REFUND_JOURNAL_KINDS.requested || requested.ref !== p.saleId) {
      at(p, `journal row ${p.requestedSeq} is not its '${REFUND_JOURNAL_KINDS.requested}' entry`, p.requestedSeq);
    } else {
      const payload = readJson(requested.payload) as Partial<RefundRequestedPayload> | null;
      const listed = payload?.parts?.find((x) => x.partNo === p.partNo);
      const expected = { partNo: p.partNo, tenderSeq: p.tenderSeq, method: p.method, outTradeNo: p.outTradeNo, outRequestNo: p.outRequestNo, amount: p.amount };
      if (payload?.refundId !== p.refundId || !listed || canonicalJson(listed) !== canonicalJson(expected)) {
        at(p, `the row disagrees with journal row ${p.requestedSeq}: ${canonicalJson(expected)} ≠ ${listed ? canonicalJson(listed) : 'not listed'}`, p.requestedSeq);
      } else if (payload.currency !== p.currency || payload.authorizedBy !== p.authorizedBy || payload.reason !== p.reason) {
        at(p, `its currency, reason or authorization disagree with journal row ${p.requestedSeq}`, p.requestedSeq);
      }
    }

    // A settled part has its settling entry.
    if (p.state !== 'pending') {
      const settled = p.settledSeq === null ? undefined : entryStmt.get(p.settledSeq);
      const kind = REFUND_JOURNAL_KINDS[p.state];
      const payload = settled ? (readJson(settled.payload) as Partial<RefundSettledPayload> | null) : null;
      if (!settled || settled.kind !== kind || settled.ref !== p.saleId || payload?.refundId !== p.refundId || payload.partNo !== p.partNo || payload.amount !== p.amount) {
        at(p, `it is ${p.state}, but journal row ${p.settledSeq ?? '(none)'} is not its '${kind}' entry`, p.settledSeq ?? undefined);
      }
    }
  }

  for (const { part, amount } of taken.values()) {
    const tender = tendersOf.get(part.saleId)?.find((t) => t.seq === part.tenderSeq);
    if (tender && amount > tender.amount) at(part, `tender ${part.tenderSeq} paid ${tender.amount} but ${amount} is refunded or pending against it`);
  }

  // Refund journal entries whose rows are gone.
  const kinds = REFUND_KINDS.map((k) => `'${k}'`).join(', ');
  for (const e of db.prepare(`SELECT seq, kind, ref FROM journal WHERE kind IN (${kinds}) ORDER BY seq`).iterate() as IterableIterator<{ seq: number; kind: string; ref: string | null }>) {
    if (!referenced.has(e.seq)) problems.push({ seq: e.seq, ...(e.ref === null ? {} : { saleId: e.ref }), message: `journal row ${e.seq} (${e.kind} for sale ${e.ref ?? '?'}) has no refund row pointing at it` });
  }
  return problems;
}
