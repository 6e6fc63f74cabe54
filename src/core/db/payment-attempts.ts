// Write-ahead records of wallet payment attempts (ARCHITECTURE.md §3 rule 3, issue 4 §4): every
// attempt is stored with its out_trade_no, amount and state before the first call, and every
// call's request and outcome before and after it is made, so a crash or a lost response is
// resolved on restart by asking the gateway, never by guessing.
//
// Decisions:
// - Payment codes are bearer instruments: only their last four digits are stored. Keys and
//   signatures never reach these tables (the provider's requests are the contract's plain
//   fields, not the signed wire text).
// - An attempt is "open" until it reaches a final state; `listOpenAttempts` is what start-up
//   recovery works through. Final states stay final, with one exception: a `paid` attempt
//   whose sale was never completed (the terminal lost the sale in progress) may still be
//   reversed: `cancel-pending`, `cancelled` or `manual` (`listUnsoldPaidAttempts`).
import { logCall, logCallOutcome, loggedCalls, PAYMENT_CALL_LOG } from './call-log.ts';
import type { Db } from './open.ts';

export type AttemptState =
  /** Recorded, calls may be in flight: the outcome is not known yet. */
  | 'open'
  | 'paid'
  | 'failed'
  | 'cancelled'
  | 'expired'
  /** The cancel or close must still be retried (durable queue, for 24 h). */
  | 'cancel-pending'
  /** Nothing more can be done automatically: a person reconciles it with the bill. */
  | 'manual';

export const FINAL_ATTEMPT_STATES: readonly AttemptState[] = ['paid', 'failed', 'cancelled', 'expired', 'manual'];

export interface PaymentAttempt {
  readonly outTradeNo: string;
  readonly saleId: string;
  readonly terminalId: string;
  readonly wallet: 'alipay' | 'wechat';
  readonly mode: 'barcode' | 'qr';
  readonly amount: number;
  readonly currency: string;
  /** Last four characters of the customer's payment code; null for QR pay. */
  readonly codeHint: string | null;
  readonly state: AttemptState;
  /** The gateway's trade number once known. */
  readonly tradeNo: string | null;
  /** Cashier-readable: why it failed, or what is pending. */
  readonly detail: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PaymentCall {
  readonly outTradeNo: string;
  readonly seq: number;
  readonly call: string;
  /** Canonical JSON of the request, without secrets. */
  readonly request: string;
  /** Canonical JSON of the outcome; null while the call is in flight (or was when the terminal stopped). */
  readonly response: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export const PAYMENT_ATTEMPTS_SQL = `
  CREATE TABLE payment_attempts (
    out_trade_no TEXT PRIMARY KEY NOT NULL,
    sale_id      TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    wallet       TEXT NOT NULL CHECK (wallet IN ('alipay', 'wechat')),
    mode         TEXT NOT NULL CHECK (mode IN ('barcode', 'qr')),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL,
    code_hint    TEXT,
    state        TEXT NOT NULL CHECK (state IN ('open', 'paid', 'failed', 'cancelled', 'expired', 'cancel-pending', 'manual')),
    trade_no     TEXT,
    detail       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX payment_attempts_by_sale ON payment_attempts(sale_id);
  CREATE INDEX payment_attempts_open ON payment_attempts(state) WHERE state IN ('open', 'cancel-pending');

  CREATE TABLE payment_calls (
    out_trade_no TEXT NOT NULL REFERENCES payment_attempts(out_trade_no),
    seq          INTEGER NOT NULL,
    call         TEXT NOT NULL,
    request      TEXT NOT NULL,
    response     TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    PRIMARY KEY (out_trade_no, seq)
  ) STRICT, WITHOUT ROWID;
`;

export class PaymentRecordError extends Error {
  override name = 'PaymentRecordError';
}

interface AttemptRow {
  out_trade_no: string;
  sale_id: string;
  terminal_id: string;
  wallet: 'alipay' | 'wechat';
  mode: 'barcode' | 'qr';
  amount: number;
  currency: string;
  code_hint: string | null;
  state: AttemptState;
  trade_no: string | null;
  detail: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: AttemptRow): PaymentAttempt => ({
  outTradeNo: r.out_trade_no,
  saleId: r.sale_id,
  terminalId: r.terminal_id,
  wallet: r.wallet,
  mode: r.mode,
  amount: r.amount,
  currency: r.currency,
  codeHint: r.code_hint,
  state: r.state,
  tradeNo: r.trade_no,
  detail: r.detail,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The last four characters of a payment code, the only part ever stored. */
export function codeHint(authCode: string | undefined): string | null {
  if (authCode === undefined) return null;
  const code = authCode.trim();
  return code.length <= 4 ? '****' : `…${code.slice(-4)}`;
}

export interface NewAttempt {
  readonly outTradeNo: string;
  readonly saleId: string;
  readonly terminalId: string;
  readonly wallet: 'alipay' | 'wechat';
  readonly mode: 'barcode' | 'qr';
  readonly amount: number;
  readonly currency: string;
  readonly authCode?: string;
  readonly at: string;
}

/** Records an attempt before its first call. An out_trade_no is never reused. */
export function recordAttempt(db: Db, a: NewAttempt): PaymentAttempt {
  if (!Number.isSafeInteger(a.amount) || a.amount <= 0) throw new PaymentRecordError(`a payment amount must be a positive whole number of minor units; got ${a.amount}`);
  const existing = getAttempt(db, a.outTradeNo);
  if (existing) throw new PaymentRecordError(`out_trade_no ${a.outTradeNo} is already used by an attempt for sale ${existing.saleId}: every attempt needs a new one`);
  db.prepare(
    `INSERT INTO payment_attempts (out_trade_no, sale_id, terminal_id, wallet, mode, amount, currency, code_hint, state, created_at, updated_at)
     VALUES (@outTradeNo, @saleId, @terminalId, @wallet, @mode, @amount, @currency, @codeHint, 'open', @at, @at)`,
  ).run({ ...a, codeHint: codeHint(a.authCode) });
  const row = getAttempt(db, a.outTradeNo);
  if (!row) throw new PaymentRecordError(`attempt ${a.outTradeNo} was not stored`);
  return row;
}

export function getAttempt(db: Db, outTradeNo: string): PaymentAttempt | null {
  const row = db.prepare<[string], AttemptRow>('SELECT * FROM payment_attempts WHERE out_trade_no = ?').get(outTradeNo);
  return row ? fromRow(row) : null;
}

export function attemptsForSale(db: Db, saleId: string): PaymentAttempt[] {
  return db.prepare<[string], AttemptRow>('SELECT * FROM payment_attempts WHERE sale_id = ? ORDER BY created_at, out_trade_no').all(saleId).map(fromRow);
}

/** Attempts whose outcome is not settled: open, or with a cancel still to retry. */
/** Paid attempts whose sale was never committed: money taken for a sale that is not in the books. */
export function listUnsoldPaidAttempts(db: Db): PaymentAttempt[] {
  return db
    .prepare<[], AttemptRow>("SELECT a.* FROM payment_attempts a WHERE a.state = 'paid' AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = a.sale_id) ORDER BY a.created_at")
    .all()
    .map(fromRow);
}

export function listOpenAttempts(db: Db): PaymentAttempt[] {
  return db.prepare<[], AttemptRow>("SELECT * FROM payment_attempts WHERE state IN ('open', 'cancel-pending') ORDER BY created_at").all().map(fromRow);
}

export function listAttempts(db: Db, state?: AttemptState): PaymentAttempt[] {
  return state === undefined
    ? db.prepare<[], AttemptRow>('SELECT * FROM payment_attempts ORDER BY created_at').all().map(fromRow)
    : db.prepare<[string], AttemptRow>('SELECT * FROM payment_attempts WHERE state = ? ORDER BY created_at').all(state).map(fromRow);
}

/** Moves an attempt on. A final state is final: it is never changed again. */
export function settleAttempt(db: Db, outTradeNo: string, state: AttemptState, fields: { tradeNo?: string | null; detail?: string | null; at: string }): PaymentAttempt {
  return db
    .transaction(() => {
      const before = getAttempt(db, outTradeNo);
      if (!before) throw new PaymentRecordError(`there is no payment attempt ${outTradeNo}`);
      const reversal = before.state === 'paid' && (state === 'cancel-pending' || state === 'cancelled' || state === 'manual');
      if (FINAL_ATTEMPT_STATES.includes(before.state) && before.state !== state && !reversal) {
        throw new PaymentRecordError(`payment attempt ${outTradeNo} is already ${before.state}; it cannot become ${state}`);
      }
      db.prepare(
        'UPDATE payment_attempts SET state = @state, trade_no = coalesce(@tradeNo, trade_no), detail = @detail, updated_at = @at WHERE out_trade_no = @outTradeNo',
      ).run({ outTradeNo, state, tradeNo: fields.tradeNo ?? null, detail: fields.detail ?? before.detail, at: fields.at });
      return getAttempt(db, outTradeNo) as PaymentAttempt;
    })
    .immediate();
}

/** Records a call before it is made; returns its sequence number for `recordCallOutcome`. */
export function recordCall(db: Db, outTradeNo: string, call: string, request: unknown, at: string): number {
  return logCall(db, PAYMENT_CALL_LOG, outTradeNo, call, request, at);
}

export function recordCallOutcome(db: Db, outTradeNo: string, seq: number, outcome: unknown, at: string): void {
  if (!logCallOutcome(db, PAYMENT_CALL_LOG, outTradeNo, seq, outcome, at)) throw new PaymentRecordError(`call ${seq} of ${outTradeNo} is not waiting for an outcome`);
}

export function callsFor(db: Db, outTradeNo: string): PaymentCall[] {
  return loggedCalls(db, PAYMENT_CALL_LOG, outTradeNo).map(({ key, ...rest }) => ({ outTradeNo: key, ...rest }));
}
