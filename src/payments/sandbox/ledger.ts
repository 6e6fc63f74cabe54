// The sandbox gateway's own books (SQLite via better-sqlite3): merchants, buyers and their
// balances, the payment codes issued to them, QR orders made by precreate, trades, refunds and
// reversals. It is the "Alipay side" a test compares the terminal's ledger with, fen for fen.
//
// Decisions:
// - Amounts are integer fen (CNY only, as the face-to-face products are); CHECK constraints
//   keep balances ≥ 0 and refunds ≤ the trade total, so a rule bug fails loudly instead of
//   leaving books that do not add up.
// - Every gateway call runs in one transaction (`transaction()`), so a trade, its code, the
//   buyer's balance and any refund change together or not at all.
// - A file ledger runs WAL with synchronous=NORMAL: atomic and safe against a killed process
//   (what the torture tests do), not against a power cut, which a test peer does not need.
// - `check()` recomputes every balance and trade from first principles (money in, payments,
//   refunds) and lists each disagreement; tests assert it is empty.
// - Rows come back camelCased and plain (JSON-ready); times are epoch milliseconds.
import Database from 'better-sqlite3';

export type Wallet = 'alipay' | 'wechat';
export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
/**
 * Why a trade is TRADE_CLOSED: cancelled (alipay.trade.cancel, WeChat reverse), closed
 * (alipay.trade.close), timeout (unpaid past its time limit), revoked (WeChat's automatic
 * revoke of an unpaid micropay), declined (the buyer refused on the phone), refunded (refunds
 * reached the total), balance (the buyer could not pay: too little balance).
 */
export type CloseReason = 'cancelled' | 'closed' | 'timeout' | 'revoked' | 'declined' | 'refunded' | 'balance';

export interface MerchantRow {
  readonly id: string;
  readonly wallet: Wallet;
  /** Alipay partner id (2088…) or the WeChat mch_id: the account a bill is for. */
  readonly pid: string;
  readonly name: string;
}

export interface BuyerRow {
  readonly id: string;
  readonly name: string;
  readonly alipayUserId: string;
  readonly alipayLogonId: string;
  readonly wechatOpenid: string;
  readonly balanceFen: number;
  /** Everything ever credited from outside (opening balance, top-ups): the check's baseline. */
  readonly fundedFen: number;
  /** 1: payments need the buyer's password (10003 / USERPAYING). */
  readonly passwordRequired: 0 | 1;
  /** The buyer confirms by themselves this long after paying; null: only when told to. */
  readonly passwordAutoMs: number | null;
  readonly createdAt: number;
}

export interface CodeRow {
  readonly code: string;
  readonly wallet: Wallet;
  readonly buyerId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly tradeNo: string | null;
  readonly passwordRequired: 0 | 1;
  readonly passwordAutoMs: number | null;
}

export interface TradeRow {
  readonly tradeNo: string;
  readonly wallet: Wallet;
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly kind: 'barcode' | 'qr';
  readonly status: TradeStatus;
  readonly closeReason: CloseReason | null;
  readonly totalFen: number;
  readonly refundedFen: number;
  readonly subject: string;
  readonly storeId: string | null;
  readonly terminalId: string | null;
  readonly operatorId: string | null;
  readonly buyerId: string | null;
  readonly authCode: string | null;
  /** The request parameters that must match when the same out_trade_no comes again. */
  readonly fingerprint: string;
  readonly createdAt: number;
  readonly paidAt: number | null;
  readonly closedAt: number | null;
  /** When a waiting trade is confirmed by the buyer on their own. */
  readonly confirmDueAt: number | null;
  /** When a waiting trade closes unpaid (timeout_express, WeChat's 45 s revoke). */
  readonly expiresAt: number | null;
}

export interface QrOrderRow {
  readonly qrCode: string;
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly totalFen: number;
  readonly subject: string;
  readonly storeId: string | null;
  readonly terminalId: string | null;
  readonly operatorId: string | null;
  readonly fingerprint: string;
  readonly createdAt: number;
  readonly qrExpiresAt: number;
  /** How long the trade may wait for the buyer's password once scanned. */
  readonly tradeTimeoutMs: number;
  /** Closed or cancelled before anyone scanned it: scanning it now fails. */
  readonly closedAt: number | null;
  readonly tradeNo: string | null;
}

export interface RefundRow {
  readonly id: number;
  readonly tradeNo: string;
  /** refund: alipay.trade.refund / WeChat refund; reversal: a cancel/reverse of a paid trade. */
  readonly kind: 'refund' | 'reversal';
  readonly outRequestNo: string | null;
  /** WeChat's refund_id; Alipay has none. */
  readonly refundId: string | null;
  readonly amountFen: number;
  readonly reason: string;
  readonly createdAt: number;
}

export interface VoidRefRow {
  readonly wallet: Wallet;
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly at: number;
}

export interface LedgerSnapshot {
  readonly merchants: MerchantRow[];
  readonly buyers: BuyerRow[];
  readonly codes: CodeRow[];
  readonly qrOrders: QrOrderRow[];
  readonly trades: TradeRow[];
  readonly refunds: RefundRow[];
  readonly voidRefs: VoidRefRow[];
}

/** One merchant's money as the gateway sees it. */
export interface MerchantTotals {
  readonly merchant: string;
  readonly wallet: Wallet;
  /** Trades paid (whatever happened after). */
  readonly paidCount: number;
  readonly paidFen: number;
  /** Refunds and reversals. */
  readonly refundedFen: number;
  /** paid − refunded: what the merchant keeps. */
  readonly netFen: number;
  /** Trades still WAIT_BUYER_PAY. */
  readonly waitingCount: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS merchants (
  id TEXT NOT NULL, wallet TEXT NOT NULL CHECK (wallet IN ('alipay','wechat')),
  pid TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (wallet, id)
);
CREATE TABLE IF NOT EXISTS buyers (
  id TEXT PRIMARY KEY, name TEXT NOT NULL,
  alipay_user_id TEXT NOT NULL UNIQUE, alipay_logon_id TEXT NOT NULL, wechat_openid TEXT NOT NULL UNIQUE,
  balance_fen INTEGER NOT NULL CHECK (balance_fen >= 0),
  funded_fen INTEGER NOT NULL CHECK (funded_fen >= 0),
  password_required INTEGER NOT NULL CHECK (password_required IN (0,1)),
  password_auto_ms INTEGER CHECK (password_auto_ms IS NULL OR password_auto_ms >= 0),
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
  code TEXT PRIMARY KEY, wallet TEXT NOT NULL CHECK (wallet IN ('alipay','wechat')),
  buyer_id TEXT NOT NULL REFERENCES buyers(id),
  issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, trade_no TEXT,
  password_required INTEGER NOT NULL CHECK (password_required IN (0,1)),
  password_auto_ms INTEGER CHECK (password_auto_ms IS NULL OR password_auto_ms >= 0)
);
CREATE TABLE IF NOT EXISTS trades (
  trade_no TEXT PRIMARY KEY, wallet TEXT NOT NULL CHECK (wallet IN ('alipay','wechat')),
  merchant TEXT NOT NULL, out_trade_no TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('barcode','qr')),
  status TEXT NOT NULL CHECK (status IN ('WAIT_BUYER_PAY','TRADE_SUCCESS','TRADE_CLOSED','TRADE_FINISHED')),
  close_reason TEXT,
  total_fen INTEGER NOT NULL CHECK (total_fen > 0),
  refunded_fen INTEGER NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= total_fen),
  subject TEXT NOT NULL, store_id TEXT, terminal_id TEXT, operator_id TEXT,
  buyer_id TEXT REFERENCES buyers(id), auth_code TEXT, fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL, paid_at INTEGER, closed_at INTEGER,
  confirm_due_at INTEGER, expires_at INTEGER,
  UNIQUE (wallet, merchant, out_trade_no)
);
CREATE INDEX IF NOT EXISTS trades_waiting ON trades (status, confirm_due_at, expires_at);
CREATE INDEX IF NOT EXISTS trades_paid ON trades (merchant, paid_at);
CREATE INDEX IF NOT EXISTS trades_finishing ON trades (status, paid_at);
CREATE TABLE IF NOT EXISTS qr_orders (
  qr_code TEXT PRIMARY KEY, merchant TEXT NOT NULL, out_trade_no TEXT NOT NULL,
  total_fen INTEGER NOT NULL CHECK (total_fen > 0), subject TEXT NOT NULL,
  store_id TEXT, terminal_id TEXT, operator_id TEXT, fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL, qr_expires_at INTEGER NOT NULL, trade_timeout_ms INTEGER NOT NULL,
  closed_at INTEGER, trade_no TEXT REFERENCES trades(trade_no),
  UNIQUE (merchant, out_trade_no)
);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY, trade_no TEXT NOT NULL REFERENCES trades(trade_no),
  kind TEXT NOT NULL CHECK (kind IN ('refund','reversal')),
  out_request_no TEXT, refund_id TEXT, amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  reason TEXT NOT NULL, created_at INTEGER NOT NULL,
  CHECK ((kind = 'refund') = (out_request_no IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS refunds_request ON refunds (trade_no, out_request_no) WHERE kind = 'refund';
CREATE INDEX IF NOT EXISTS refunds_time ON refunds (created_at);
CREATE TABLE IF NOT EXISTS void_refs (
  wallet TEXT NOT NULL, merchant TEXT NOT NULL, out_trade_no TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (wallet, merchant, out_trade_no)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

const TRADE_COLUMNS = `trade_no AS tradeNo, wallet, merchant, out_trade_no AS outTradeNo, kind, status,
  close_reason AS closeReason, total_fen AS totalFen, refunded_fen AS refundedFen, subject,
  store_id AS storeId, terminal_id AS terminalId, operator_id AS operatorId, buyer_id AS buyerId,
  auth_code AS authCode, fingerprint, created_at AS createdAt, paid_at AS paidAt, closed_at AS closedAt,
  confirm_due_at AS confirmDueAt, expires_at AS expiresAt`;
const BUYER_COLUMNS = `id, name, alipay_user_id AS alipayUserId, alipay_logon_id AS alipayLogonId,
  wechat_openid AS wechatOpenid, balance_fen AS balanceFen, funded_fen AS fundedFen,
  password_required AS passwordRequired, password_auto_ms AS passwordAutoMs, created_at AS createdAt`;
const CODE_COLUMNS = `code, wallet, buyer_id AS buyerId, issued_at AS issuedAt, expires_at AS expiresAt,
  used_at AS usedAt, trade_no AS tradeNo, password_required AS passwordRequired, password_auto_ms AS passwordAutoMs`;
const QR_COLUMNS = `qr_code AS qrCode, merchant, out_trade_no AS outTradeNo, total_fen AS totalFen, subject,
  store_id AS storeId, terminal_id AS terminalId, operator_id AS operatorId, fingerprint,
  created_at AS createdAt, qr_expires_at AS qrExpiresAt, trade_timeout_ms AS tradeTimeoutMs,
  closed_at AS closedAt, trade_no AS tradeNo`;
const REFUND_COLUMNS = `id, trade_no AS tradeNo, kind, out_request_no AS outRequestNo, refund_id AS refundId,
  amount_fen AS amountFen, reason, created_at AS createdAt`;

export type NewTrade = Omit<TradeRow, 'refundedFen' | 'closedAt'>;
export type NewRefund = Omit<RefundRow, 'id'>;

export class Ledger {
  readonly db: Database.Database;
  readonly file: string;
  private readonly stmts;

  constructor(file = ':memory:') {
    this.file = file;
    this.db = new Database(file);
    try {
      if (file !== ':memory:') {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const db = this.db;
    this.stmts = {
      merchant: db.prepare(`SELECT id, wallet, pid, name FROM merchants WHERE wallet = ? AND id = ?`),
      insertMerchant: db.prepare(`INSERT INTO merchants (id, wallet, pid, name) VALUES (@id, @wallet, @pid, @name)`),
      buyer: db.prepare(`SELECT ${BUYER_COLUMNS} FROM buyers WHERE id = ?`),
      insertBuyer: db.prepare(`INSERT INTO buyers (id, name, alipay_user_id, alipay_logon_id, wechat_openid, balance_fen, funded_fen,
        password_required, password_auto_ms, created_at) VALUES (@id, @name, @alipayUserId, @alipayLogonId, @wechatOpenid,
        @balanceFen, @fundedFen, @passwordRequired, @passwordAutoMs, @createdAt)`),
      moveBalance: db.prepare(`UPDATE buyers SET balance_fen = balance_fen + ? WHERE id = ?`),
      fund: db.prepare(`UPDATE buyers SET balance_fen = balance_fen + @delta, funded_fen = funded_fen + @delta WHERE id = @id`),
      setPassword: db.prepare(`UPDATE buyers SET password_required = ?, password_auto_ms = ? WHERE id = ?`),
      code: db.prepare(`SELECT ${CODE_COLUMNS} FROM codes WHERE code = ?`),
      insertCode: db.prepare(`INSERT INTO codes (code, wallet, buyer_id, issued_at, expires_at, used_at, trade_no, password_required,
        password_auto_ms) VALUES (@code, @wallet, @buyerId, @issuedAt, @expiresAt, NULL, NULL, @passwordRequired, @passwordAutoMs)`),
      useCode: db.prepare(`UPDATE codes SET used_at = ?, trade_no = ? WHERE code = ? AND used_at IS NULL`),
      tradeByNo: db.prepare(`SELECT ${TRADE_COLUMNS} FROM trades WHERE trade_no = ?`),
      tradeByOut: db.prepare(`SELECT ${TRADE_COLUMNS} FROM trades WHERE wallet = ? AND merchant = ? AND out_trade_no = ?`),
      insertTrade: db.prepare(`INSERT INTO trades (trade_no, wallet, merchant, out_trade_no, kind, status, close_reason, total_fen,
        subject, store_id, terminal_id, operator_id, buyer_id, auth_code, fingerprint, created_at, paid_at, confirm_due_at, expires_at)
        VALUES (@tradeNo, @wallet, @merchant, @outTradeNo, @kind, @status, @closeReason, @totalFen, @subject, @storeId, @terminalId,
        @operatorId, @buyerId, @authCode, @fingerprint, @createdAt, @paidAt, @confirmDueAt, @expiresAt)`),
      payTrade: db.prepare(`UPDATE trades SET status = 'TRADE_SUCCESS', paid_at = ?, confirm_due_at = NULL, expires_at = NULL
        WHERE trade_no = ? AND status = 'WAIT_BUYER_PAY'`),
      closeTrade: db.prepare(`UPDATE trades SET status = 'TRADE_CLOSED', close_reason = ?, closed_at = ?, confirm_due_at = NULL,
        expires_at = NULL WHERE trade_no = ? AND status <> 'TRADE_CLOSED'`),
      addRefunded: db.prepare(`UPDATE trades SET refunded_fen = refunded_fen + ? WHERE trade_no = ?`),
      finishDue: db.prepare(`UPDATE trades SET status = 'TRADE_FINISHED' WHERE status = 'TRADE_SUCCESS' AND paid_at <= ?`),
      waitingDue: db.prepare(`SELECT ${TRADE_COLUMNS} FROM trades WHERE status = 'WAIT_BUYER_PAY'
        AND (confirm_due_at <= @now OR expires_at <= @now) ORDER BY created_at`),
      qr: db.prepare(`SELECT ${QR_COLUMNS} FROM qr_orders WHERE qr_code = ?`),
      qrByOut: db.prepare(`SELECT ${QR_COLUMNS} FROM qr_orders WHERE merchant = ? AND out_trade_no = ?`),
      insertQr: db.prepare(`INSERT INTO qr_orders (qr_code, merchant, out_trade_no, total_fen, subject, store_id, terminal_id, operator_id,
        fingerprint, created_at, qr_expires_at, trade_timeout_ms, closed_at, trade_no) VALUES (@qrCode, @merchant, @outTradeNo, @totalFen,
        @subject, @storeId, @terminalId, @operatorId, @fingerprint, @createdAt, @qrExpiresAt, @tradeTimeoutMs, NULL, NULL)`),
      closeQr: db.prepare(`UPDATE qr_orders SET closed_at = ? WHERE qr_code = ? AND closed_at IS NULL AND trade_no IS NULL`),
      scanQr: db.prepare(`UPDATE qr_orders SET trade_no = ? WHERE qr_code = ? AND trade_no IS NULL`),
      voidRef: db.prepare(`SELECT wallet, merchant, out_trade_no AS outTradeNo, at FROM void_refs WHERE wallet = ? AND merchant = ? AND out_trade_no = ?`),
      insertVoid: db.prepare(`INSERT OR IGNORE INTO void_refs (wallet, merchant, out_trade_no, at) VALUES (?, ?, ?, ?)`),
      refundByRequest: db.prepare(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE trade_no = ? AND kind = 'refund' AND out_request_no = ?`),
      refundByMerchantRequest: db.prepare(`SELECT r.id, r.trade_no AS tradeNo, r.kind, r.out_request_no AS outRequestNo, r.refund_id AS refundId,
        r.amount_fen AS amountFen, r.reason, r.created_at AS createdAt FROM refunds r JOIN trades t ON t.trade_no = r.trade_no
        WHERE t.wallet = ? AND t.merchant = ? AND r.kind = 'refund' AND r.out_request_no = ? ORDER BY r.id LIMIT 1`),
      refundById: db.prepare(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE refund_id = ?`),
      refundsOf: db.prepare(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE trade_no = ? ORDER BY id`),
      insertRefund: db.prepare(`INSERT INTO refunds (trade_no, kind, out_request_no, refund_id, amount_fen, reason, created_at)
        VALUES (@tradeNo, @kind, @outRequestNo, @refundId, @amountFen, @reason, @createdAt)`),
      paidBetween: db.prepare(`SELECT ${TRADE_COLUMNS} FROM trades WHERE wallet = ? AND merchant = ? AND paid_at >= ? AND paid_at < ?
        ORDER BY paid_at, trade_no`),
      refundsBetween: db.prepare(`SELECT r.id, r.trade_no AS tradeNo, r.kind, r.out_request_no AS outRequestNo, r.refund_id AS refundId,
        r.amount_fen AS amountFen, r.reason, r.created_at AS createdAt
        FROM refunds r JOIN trades t ON t.trade_no = r.trade_no WHERE t.wallet = ? AND t.merchant = ? AND r.created_at >= ? AND r.created_at < ?
        ORDER BY r.created_at, r.id`),
      nextSeq: db.prepare(`INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`),
    };
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  nextSeq(name: string): number {
    return (this.stmts.nextSeq.get(name) as { value: number }).value;
  }

  merchant(wallet: Wallet, id: string): MerchantRow | undefined {
    return this.stmts.merchant.get(wallet, id) as MerchantRow | undefined;
  }

  /** Registers a merchant once; later calls return the stored row unchanged. */
  ensureMerchant(row: MerchantRow): MerchantRow {
    const found = this.merchant(row.wallet, row.id);
    if (found !== undefined) return found;
    this.stmts.insertMerchant.run(row);
    return row;
  }

  buyer(id: string): BuyerRow | undefined {
    return this.stmts.buyer.get(id) as BuyerRow | undefined;
  }

  insertBuyer(row: BuyerRow): void {
    this.stmts.insertBuyer.run(row);
  }

  /** Payments (negative) and refunds (positive): the buyer's balance moves, the funding does not. */
  moveBalance(buyerId: string, deltaFen: number): void {
    this.stmts.moveBalance.run(deltaFen, buyerId);
  }

  /** Money from outside (a top-up, or taking some away): balance and funding move together. */
  fund(buyerId: string, deltaFen: number): void {
    this.stmts.fund.run({ id: buyerId, delta: deltaFen });
  }

  setPassword(buyerId: string, required: boolean, autoMs: number | null): void {
    this.stmts.setPassword.run(required ? 1 : 0, autoMs, buyerId);
  }

  code(code: string): CodeRow | undefined {
    return this.stmts.code.get(code) as CodeRow | undefined;
  }

  insertCode(row: Omit<CodeRow, 'usedAt' | 'tradeNo'>): void {
    this.stmts.insertCode.run(row);
  }

  useCode(code: string, tradeNo: string | null, at: number): void {
    if (this.stmts.useCode.run(at, tradeNo, code).changes !== 1) throw new Error(`code ${code} is unknown or already used`);
  }

  trade(tradeNo: string): TradeRow | undefined {
    return this.stmts.tradeByNo.get(tradeNo) as TradeRow | undefined;
  }

  tradeByOut(wallet: Wallet, merchant: string, outTradeNo: string): TradeRow | undefined {
    return this.stmts.tradeByOut.get(wallet, merchant, outTradeNo) as TradeRow | undefined;
  }

  insertTrade(row: NewTrade): void {
    this.stmts.insertTrade.run(row);
  }

  markPaid(tradeNo: string, at: number): void {
    if (this.stmts.payTrade.run(at, tradeNo).changes !== 1) throw new Error(`trade ${tradeNo} is not waiting for payment`);
  }

  markClosed(tradeNo: string, reason: CloseReason, at: number): void {
    if (this.stmts.closeTrade.run(reason, at, tradeNo).changes !== 1) throw new Error(`trade ${tradeNo} is unknown or already closed`);
  }

  addRefunded(tradeNo: string, fen: number): void {
    this.stmts.addRefunded.run(fen, tradeNo);
  }

  /** Paid trades whose refund window ended before `cutoff` become TRADE_FINISHED. */
  finishPaidBefore(cutoff: number): number {
    return this.stmts.finishDue.run(cutoff).changes;
  }

  /** Waiting trades due to be confirmed or to expire at `now`, oldest first. */
  waitingDue(now: number): TradeRow[] {
    return this.stmts.waitingDue.all({ now }) as TradeRow[];
  }

  qrOrder(qrCode: string): QrOrderRow | undefined {
    return this.stmts.qr.get(qrCode) as QrOrderRow | undefined;
  }

  qrOrderByOut(merchant: string, outTradeNo: string): QrOrderRow | undefined {
    return this.stmts.qrByOut.get(merchant, outTradeNo) as QrOrderRow | undefined;
  }

  insertQrOrder(row: Omit<QrOrderRow, 'closedAt' | 'tradeNo'>): void {
    this.stmts.insertQr.run(row);
  }

  closeQrOrder(qrCode: string, at: number): void {
    this.stmts.closeQr.run(at, qrCode);
  }

  linkQrOrder(qrCode: string, tradeNo: string): void {
    if (this.stmts.scanQr.run(tradeNo, qrCode).changes !== 1) throw new Error(`QR order ${qrCode} was already scanned`);
  }

  voidRef(wallet: Wallet, merchant: string, outTradeNo: string): VoidRefRow | undefined {
    return this.stmts.voidRef.get(wallet, merchant, outTradeNo) as VoidRefRow | undefined;
  }

  insertVoidRef(wallet: Wallet, merchant: string, outTradeNo: string, at: number): void {
    this.stmts.insertVoid.run(wallet, merchant, outTradeNo, at);
  }

  refundByRequest(tradeNo: string, outRequestNo: string): RefundRow | undefined {
    return this.stmts.refundByRequest.get(tradeNo, outRequestNo) as RefundRow | undefined;
  }

  /** A merchant's refund by its request number alone (WeChat refund query by out_refund_no). */
  refundByMerchantRequest(wallet: Wallet, merchant: string, outRequestNo: string): RefundRow | undefined {
    return this.stmts.refundByMerchantRequest.get(wallet, merchant, outRequestNo) as RefundRow | undefined;
  }

  refundByRefundId(refundId: string): RefundRow | undefined {
    return this.stmts.refundById.get(refundId) as RefundRow | undefined;
  }

  refundsOf(tradeNo: string): RefundRow[] {
    return this.stmts.refundsOf.all(tradeNo) as RefundRow[];
  }

  insertRefund(row: NewRefund): RefundRow {
    const id = Number(this.stmts.insertRefund.run(row).lastInsertRowid);
    return { id, ...row };
  }

  /** A merchant's trades paid in [start, end), in payment order (the bill's payment lines). */
  paidBetween(wallet: Wallet, merchant: string, start: number, end: number): TradeRow[] {
    return this.stmts.paidBetween.all(wallet, merchant, start, end) as TradeRow[];
  }

  /** A merchant's refunds and reversals made in [start, end). */
  refundsBetween(wallet: Wallet, merchant: string, start: number, end: number): RefundRow[] {
    return this.stmts.refundsBetween.all(wallet, merchant, start, end) as RefundRow[];
  }

  // --- read-outs for tests and the /sandbox/ledger route -----------------------------------

  trades(): TradeRow[] {
    return this.db.prepare(`SELECT ${TRADE_COLUMNS} FROM trades ORDER BY created_at, trade_no`).all() as TradeRow[];
  }

  refunds(): RefundRow[] {
    return this.db.prepare(`SELECT ${REFUND_COLUMNS} FROM refunds ORDER BY id`).all() as RefundRow[];
  }

  buyers(): BuyerRow[] {
    return this.db.prepare(`SELECT ${BUYER_COLUMNS} FROM buyers ORDER BY created_at, id`).all() as BuyerRow[];
  }

  snapshot(): LedgerSnapshot {
    return this.transaction(() => ({
      merchants: this.db.prepare(`SELECT id, wallet, pid, name FROM merchants ORDER BY wallet, id`).all() as MerchantRow[],
      buyers: this.buyers(),
      codes: this.db.prepare(`SELECT ${CODE_COLUMNS} FROM codes ORDER BY issued_at, code`).all() as CodeRow[],
      qrOrders: this.db.prepare(`SELECT ${QR_COLUMNS} FROM qr_orders ORDER BY created_at, qr_code`).all() as QrOrderRow[],
      trades: this.trades(),
      refunds: this.refunds(),
      voidRefs: this.db.prepare(`SELECT wallet, merchant, out_trade_no AS outTradeNo, at FROM void_refs ORDER BY at`).all() as VoidRefRow[],
    }));
  }

  /** Per merchant: what was paid, refunded and kept, and how many trades still wait. */
  totals(): MerchantTotals[] {
    return this.db
      .prepare(
        `SELECT t.merchant, t.wallet,
           SUM(t.paid_at IS NOT NULL) AS paidCount,
           COALESCE(SUM(CASE WHEN t.paid_at IS NOT NULL THEN t.total_fen END), 0) AS paidFen,
           COALESCE(SUM(t.refunded_fen), 0) AS refundedFen,
           COALESCE(SUM(CASE WHEN t.paid_at IS NOT NULL THEN t.total_fen - t.refunded_fen END), 0) AS netFen,
           SUM(t.status = 'WAIT_BUYER_PAY') AS waitingCount
         FROM trades t GROUP BY t.wallet, t.merchant ORDER BY t.wallet, t.merchant`,
      )
      .all() as MerchantTotals[];
  }

  /** Every way the books disagree with themselves; empty when they add up. */
  check(): string[] {
    const problems: string[] = [];
    const rows = (sql: string) => this.db.prepare(sql).all() as Record<string, unknown>[];
    for (const r of rows(`SELECT b.id, b.balance_fen AS balance, b.funded_fen
        - COALESCE((SELECT SUM(total_fen) FROM trades WHERE buyer_id = b.id AND paid_at IS NOT NULL), 0)
        + COALESCE((SELECT SUM(r.amount_fen) FROM refunds r JOIN trades t ON t.trade_no = r.trade_no WHERE t.buyer_id = b.id), 0) AS expected
        FROM buyers b WHERE balance <> expected`)) {
      problems.push(`buyer ${String(r.id)}: balance ${String(r.balance)} fen, but funding − payments + refunds = ${String(r.expected)} fen`);
    }
    for (const r of rows(`SELECT t.trade_no, t.refunded_fen, COALESCE(SUM(r.amount_fen), 0) AS summed FROM trades t
        LEFT JOIN refunds r ON r.trade_no = t.trade_no GROUP BY t.trade_no HAVING t.refunded_fen <> summed`)) {
      problems.push(`trade ${String(r.trade_no)}: refunded_fen ${String(r.refunded_fen)} but its refunds add up to ${String(r.summed)}`);
    }
    const statusRules: Array<[string, string]> = [
      [`status = 'WAIT_BUYER_PAY' AND (paid_at IS NOT NULL OR refunded_fen > 0)`, 'is waiting but has a payment or refund'],
      [`status IN ('TRADE_SUCCESS','TRADE_FINISHED') AND paid_at IS NULL`, 'is paid without a payment time'],
      [`status IN ('TRADE_SUCCESS','TRADE_FINISHED') AND refunded_fen >= total_fen`, 'is still paid although fully refunded'],
      [`status = 'TRADE_CLOSED' AND paid_at IS NOT NULL AND refunded_fen <> total_fen`, 'was paid and closed without giving all the money back'],
      [`status = 'TRADE_CLOSED' AND paid_at IS NULL AND refunded_fen > 0`, 'was never paid but has refunds'],
      [`status = 'TRADE_CLOSED' AND close_reason IS NULL`, 'is closed without a reason'],
      [`paid_at IS NOT NULL AND buyer_id IS NULL`, 'is paid by nobody'],
    ];
    for (const [where, what] of statusRules) {
      for (const r of rows(`SELECT trade_no FROM trades WHERE ${where}`)) problems.push(`trade ${String(r.trade_no)} ${what}`);
    }
    for (const r of rows(`SELECT c.code FROM codes c WHERE c.trade_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.trade_no = c.trade_no)`)) {
      problems.push(`code ${String(r.code)} names a trade that does not exist`);
    }
    return problems;
  }
}
