// The customer side of the sandbox: buyers with a balance, the payment codes their phone
// shows, scanning a merchant's QR code and paying, entering (or refusing) the password, and
// running out of money. Tests and trainers drive it directly or over HTTP (wallet-api.ts).
//
// Decisions:
// - A buyer can be asked for a password on every payment: `password: { afterSeconds: N }`
//   makes a barcode payment answer 10003 / USERPAYING and the trade wait until the buyer
//   confirms (confirm()) or N seconds pass (then it is paid, if the balance still allows);
//   `afterSeconds: null` waits for confirm() or decline() only. A code may override the
//   buyer's setting for one payment.
// - Codes are single-use and expire after `codeTtlMs` (default 2 minutes; real codes refresh
//   every minute). Alipay codes are 18 digits starting 28, WeChat ones 18 digits starting 13,
//   and each wallet only accepts its own.
// - Balances move only through payments, refunds and setBalance(); setBalance counts as money
//   from outside, so the ledger's check() still adds up.
// - Mistakes throw WalletError: not-found (no such buyer, trade or QR code), conflict (the
//   trade is not waiting, the QR expired or was closed, another buyer scanned it), bad-input.
import { formatMoney, MAX_MINOR_UNITS } from '../../domain/money.ts';
import { alipayLogonId, alipayUserId, paymentCode, wechatOpenid } from './ids.ts';
import type { BuyerRow, TradeRow, Wallet } from './ledger.ts';
import { WalletError } from './trade-book.ts';
import type { ConfirmResult, TradeBook } from './trade-book.ts';

export { WalletError } from './trade-book.ts';

export interface PasswordSetting {
  /** The buyer confirms by themselves after this many seconds; null: only when told to. */
  readonly afterSeconds: number | null;
}

export interface BuyerInput {
  /** [A-Za-z0-9_-]{1,64}; default "buyer-<n>". */
  readonly id?: string;
  readonly name?: string;
  readonly balanceFen: number;
  /** Ask for the password on every payment (default: never). */
  readonly password?: PasswordSetting | null;
}

export interface BuyerView {
  readonly id: string;
  readonly name: string;
  readonly balanceFen: number;
  /** "88.88" */
  readonly balance: string;
  readonly alipayUserId: string;
  readonly alipayLogonId: string;
  readonly wechatOpenid: string;
  readonly password: PasswordSetting | null;
}

export interface IssuedCode {
  readonly code: string;
  readonly wallet: Wallet;
  readonly buyerId: string;
  readonly expiresAt: number;
  readonly password: PasswordSetting | null;
}

export interface SandboxWalletOptions {
  /** How long a payment code stays valid. Default 120 000 ms. */
  readonly codeTtlMs?: number;
}

const BUYER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PASSWORD_SECONDS = 24 * 60 * 60;

function checkFen(fen: number, what: string): number {
  if (!Number.isSafeInteger(fen) || fen < 0 || fen > MAX_MINOR_UNITS) throw new WalletError('bad-input', `${what} must be a whole number of fen from 0 to ${MAX_MINOR_UNITS}, got ${fen}`);
  return fen;
}

function passwordColumns(p: PasswordSetting | null | undefined): { required: boolean; autoMs: number | null } {
  if (p === null || p === undefined) return { required: false, autoMs: null };
  const s = p.afterSeconds;
  if (s === null) return { required: true, autoMs: null };
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > MAX_PASSWORD_SECONDS) {
    throw new WalletError('bad-input', `password.afterSeconds must be a number of seconds from 0 to ${MAX_PASSWORD_SECONDS}, or null, got ${JSON.stringify(s)}`);
  }
  return { required: true, autoMs: Math.round(s * 1000) };
}

function passwordOf(required: 0 | 1, autoMs: number | null): PasswordSetting | null {
  return required === 1 ? { afterSeconds: autoMs === null ? null : autoMs / 1000 } : null;
}

export function buyerView(b: BuyerRow): BuyerView {
  return {
    id: b.id,
    name: b.name,
    balanceFen: b.balanceFen,
    balance: formatMoney({ amount: b.balanceFen, currency: 'CNY' }),
    alipayUserId: b.alipayUserId,
    alipayLogonId: b.alipayLogonId,
    wechatOpenid: b.wechatOpenid,
    password: passwordOf(b.passwordRequired, b.passwordAutoMs),
  };
}

export class SandboxWallet {
  readonly codeTtlMs: number;

  constructor(
    private readonly book: TradeBook,
    options: SandboxWalletOptions = {},
  ) {
    this.codeTtlMs = options.codeTtlMs ?? 120_000;
  }

  createBuyer(input: BuyerInput): BuyerView {
    const balance = checkFen(input.balanceFen, 'balance');
    const pw = passwordColumns(input.password);
    if (input.id !== undefined && !BUYER_ID.test(input.id)) throw new WalletError('bad-input', `buyer id must be 1–64 of [A-Za-z0-9_-], got ${JSON.stringify(input.id)}`);
    return this.book.run((now) => {
      const l = this.book.ledger;
      const seq = l.nextSeq('buyer');
      const id = input.id ?? `buyer-${seq}`;
      if (l.buyer(id) !== undefined) throw new WalletError('conflict', `a buyer "${id}" already exists`);
      l.insertBuyer({
        id,
        name: input.name ?? `Sandbox buyer ${seq}`,
        alipayUserId: alipayUserId(seq),
        alipayLogonId: alipayLogonId(seq),
        wechatOpenid: wechatOpenid(),
        balanceFen: balance,
        fundedFen: balance,
        passwordRequired: pw.required ? 1 : 0,
        passwordAutoMs: pw.autoMs,
        createdAt: now,
      });
      return buyerView(this.row(id));
    });
  }

  private row(id: string): BuyerRow {
    const b = this.book.ledger.buyer(id);
    if (b === undefined) throw new WalletError('not-found', `no buyer "${id}"`);
    return b;
  }

  buyer(id: string): BuyerView {
    return this.book.run(() => buyerView(this.row(id)));
  }

  /** Sets the balance (money from outside: a top-up, or some taken away). */
  setBalance(id: string, balanceFen: number): BuyerView {
    checkFen(balanceFen, 'balance');
    return this.book.run(() => {
      const b = this.row(id);
      this.book.ledger.fund(id, balanceFen - b.balanceFen);
      return buyerView(this.row(id));
    });
  }

  setPassword(id: string, password: PasswordSetting | null): BuyerView {
    const pw = passwordColumns(password);
    return this.book.run(() => {
      this.row(id);
      this.book.ledger.setPassword(id, pw.required, pw.autoMs);
      return buyerView(this.row(id));
    });
  }

  /** A fresh payment code for `buyerId` (`password` overrides the buyer's setting for it). */
  issueCode(buyerId: string, wallet: Wallet, options: { readonly password?: PasswordSetting | null } = {}): IssuedCode {
    const [code] = this.issueCodes(buyerId, wallet, 1, options);
    if (code === undefined) throw new Error('issueCodes returned nothing');
    return code;
  }

  issueCodes(buyerId: string, wallet: Wallet, count: number, options: { readonly password?: PasswordSetting | null } = {}): IssuedCode[] {
    if (wallet !== 'alipay' && wallet !== 'wechat') throw new WalletError('bad-input', `wallet must be "alipay" or "wechat", got ${JSON.stringify(wallet)}`);
    if (!Number.isSafeInteger(count) || count < 1 || count > 10_000) throw new WalletError('bad-input', `count must be a whole number from 1 to 10000, got ${count}`);
    const override = options.password === undefined ? undefined : passwordColumns(options.password);
    return this.book.run((now) => {
      const l = this.book.ledger;
      const b = this.row(buyerId);
      const required = override === undefined ? b.passwordRequired === 1 : override.required;
      const autoMs = override === undefined ? b.passwordAutoMs : override.autoMs;
      const out: IssuedCode[] = [];
      for (let i = 0; i < count; i += 1) {
        let code = paymentCode(wallet);
        for (let tries = 0; l.code(code) !== undefined; tries += 1) {
          if (tries > 100) throw new Error('could not find an unused payment code');
          code = paymentCode(wallet);
        }
        const expiresAt = now + this.codeTtlMs;
        l.insertCode({ code, wallet, buyerId, issuedAt: now, expiresAt, passwordRequired: required ? 1 : 0, passwordAutoMs: required ? autoMs : null });
        out.push({ code, wallet, buyerId, expiresAt, password: passwordOf(required ? 1 : 0, autoMs) });
      }
      return out;
    });
  }

  /**
   * The buyer scans a precreated QR code: the Alipay trade is created now (WAIT_BUYER_PAY), and
   * with `confirm` (default) paid at once, or left waiting if the balance is too low.
   */
  scan(qrCode: string, buyerId: string, options: { readonly confirm?: boolean } = {}): ConfirmResult {
    return this.book.scan(qrCode, buyerId, options.confirm ?? true);
  }

  /** The buyer enters the password for a waiting trade. */
  confirm(tradeNo: string): ConfirmResult {
    return this.book.confirm(tradeNo);
  }

  /** The buyer refuses a waiting trade on the phone. */
  decline(tradeNo: string): TradeRow {
    return this.book.decline(tradeNo);
  }

  /** Trades waiting for this buyer's password, oldest first. */
  pending(buyerId: string): TradeRow[] {
    this.buyer(buyerId);
    return this.book.pendingFor(buyerId);
  }
}
