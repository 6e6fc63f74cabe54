// Refunds of completed sales (issue 4 §6), full or partial, for cash and for wallets, authorized
// by a manager in the core (ARCHITECTURE.md §3 rule 7). The refund is planned and recorded in one
// transaction (every part with its out_request_no, journalled, queued for sync) before any wallet
// is asked (rule 3); each wallet part then runs state-machines/refund.machine.ts with every
// gateway call written before and after it is made.
//
// Decisions a caller must know:
// - HOW AN AMOUNT IS SPLIT over the sale's tenders: wallet tenders first (in tender order), cash
//   last. Money goes back the way it came, and electronically first: a wallet refund lands in the
//   account that paid and shows in the wallet's bill, whereas cash out of the drawer for a sale
//   paid by wallet is the classic refund-fraud path, so POS practice is to pay cash back only for
//   what was paid in cash. It also opens the drawer only when cash is owed, and a full refund hands
//   back exactly the cash tender (already cash-rounded at the sale); no cash rounding is applied
//   to refunds. A wallet part never exceeds what its trade paid minus what was already refunded or
//   is pending on it.
// - What is left to refund counts every part not `failed` (db/refunds.ts). A wallet tender whose
//   trade has no paid payment attempt on this terminal (so no out_trade_no) cannot be refunded
//   through the wallet from here, and is left out of what is refundable, with the reason given.
// - Bad input (unknown receipt, a training sale on a real terminal or the other way round, an
//   amount ≤ 0 or with too many decimals, more than is left, nothing left, a wallet that is not
//   set up) throws RefundError naming what was wrong, before anything is written; a missing or
//   wrong manager token throws ManagerAuthError (manager-auth.ts), also before anything is written.
// - AUTHORIZATION is either the manager token (text) or an Authorization for 'refund' made by
//   StaffService.authorize (staff/staff-service.ts: the operator may refund, or someone who may
//   approved with their PIN, or setup mode); one rebuilt from JSON or for another permission is
//   refused with ManagerAuthError. The refund records who: "Li (user 01J…, approval #812)".
// - Cash parts are `refunded` at once. The core touches no device: the result says how much cash
//   to hand back (`cash`, `openDrawer`) and the host opens the drawer.
// - Wallet parts end `refunded`, `failed` (the wallet refused; the amount is refundable again) or
//   stay `pending` (still unclear after the machine's bounded tries). `resumePending()` retries
//   every pending part with the same out_request_no (idempotent at the wallet); a host calls it at
//   start-up and then periodically. A part still unconfirmed `pendingWindowMs` (default 7 days)
//   after it was recorded, or confirmed by refund query for a different amount, becomes `manual`:
//   listed for a person to reconcile with the wallet's bill.
// - A part already being run by this service is not started twice; a second process re-running
//   it is harmless (same out_request_no; settling is idempotent).
// - A receipt number is "T01-000123" (terminal id, dash, number) or just "123" for this terminal.
import { ulid } from 'ulid';
import { createActor } from 'xstate';
import { provideRefund, type RefundEffects, type RefundInput, type RefundResult, type RefundTiming } from '../../state-machines/refund.machine.ts';
import { displayMoney, MoneyError, parseMoney } from '../domain/money.ts';
import type { WalletId } from '../domain/payment.ts';
import type { SaleRecord } from '../domain/sale-record.ts';
import { attemptsForSale } from './db/payment-attempts.ts';
import type { Db } from './db/open.ts';
import {
  notePending,
  pendingRefundParts,
  recordRefund,
  recordRefundCall,
  recordRefundCallOutcome,
  refundedByTender,
  refundParts,
  settleRefundPart,
  type NewRefundPart,
  type RefundPart,
} from './db/refunds.ts';
import { getSale } from './db/sales.ts';
import type { Logger } from './logger.ts';
import { authorizeManager, ManagerAuthError } from './manager-auth.ts';
import { newOutTradeNo } from './payment-service.ts';
import { isIssuedAuthorization, type Authorization } from './staff/staff-service.ts';
import type { PaymentProvider } from '../payments/provider.ts';

/** Bad refund input, named; nothing was written. */
export class RefundError extends Error {
  override name = 'RefundError';
}

export const DEFAULT_PENDING_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

const WALLET_NAMES: Record<WalletId, string> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

export interface RefundServiceOptions {
  readonly db: Db;
  readonly logger: Logger;
  /** The wallets set up on this terminal; a sale's wallet tender needs its wallet here to be refunded. */
  readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly terminalId: string;
  /** The terminal's mode: a training terminal refunds only training sales, a real one only real sales. */
  readonly training: boolean;
  readonly now?: () => Date;
  /** The refund machine's retry and query timing (tests shorten it). */
  readonly timing?: Partial<RefundTiming>;
  readonly pendingWindowMs?: number;
}

export interface RefundCommand {
  /** The sale by receipt number ("T01-000123", or "123" on this terminal)… */
  readonly receipt?: string;
  /** …or by sale id. */
  readonly saleId?: string;
  /** Decimal text in the sale's currency ("12.50"); absent: everything still refundable. */
  readonly amount?: string;
  readonly reason: string;
  /** The manager token, or a StaffService Authorization for 'refund'. */
  readonly authorization: string | Authorization | undefined;
  /** Who is at the till (cashier id), recorded with the refund. */
  readonly operator: string;
}

export interface TenderRefundable {
  readonly seq: number;
  readonly method: 'cash' | WalletId;
  /** What the tender paid (minor units). */
  readonly paid: number;
  /** Refunded or pending against it. */
  readonly taken: number;
  /** What can still go back through it from this terminal. */
  readonly left: number;
  /** Why it cannot take (all of) `paid − taken`, when it cannot. */
  readonly note: string | null;
  readonly tradeNo: string | null;
  readonly outTradeNo: string | null;
}

export interface Refundable {
  readonly saleId: string;
  readonly receiptNo: number;
  /** "T01-000123" */
  readonly receipt: string;
  readonly currency: string;
  readonly training: boolean;
  readonly paid: number;
  readonly taken: number;
  readonly left: number;
  readonly tenders: readonly TenderRefundable[];
}

export interface RefundSummary {
  readonly refundId: string;
  readonly saleId: string;
  readonly receiptNo: number;
  readonly receipt: string;
  readonly currency: string;
  /** Asked for, minor units. */
  readonly amount: number;
  readonly parts: readonly RefundPart[];
  /** Cash to hand back now, minor units. */
  readonly cash: number;
  /** The host opens the cash drawer (the core touches no device). */
  readonly openDrawer: boolean;
  readonly refunded: number;
  readonly pending: number;
  readonly failed: number;
  readonly manual: number;
  /** Still refundable on the sale after this refund (failed parts are refundable again). */
  readonly leftToRefund: number;
  /** For the manager: what happened, and what to do about anything not refunded. */
  readonly message: string;
}

/** "T01-000123". */
export function receiptLabel(terminalId: string, receiptNo: number): string {
  return `${terminalId}-${String(receiptNo).padStart(6, '0')}`;
}

/** Parses "T01-000123" or "123" (this terminal). */
export function parseReceipt(text: string, terminalId: string): { terminalId: string; receiptNo: number } {
  const m = /^(?:([A-Za-z0-9-]+)-)?0*(\d{1,12})$/.exec(text.trim());
  const no = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(no) || no < 1) {
    throw new RefundError(`"${text}" is not a receipt number (expected e.g. ${receiptLabel(terminalId, 123)}, or 123 for this terminal)`);
  }
  return { terminalId: m[1] ?? terminalId, receiptNo: no };
}

/**
 * Splits `amount` over the tenders: wallet tenders first, in tender order, then cash, each up to
 * what it has left. Returns the amount per tender seq (only tenders that take something).
 * Throws when the tenders cannot take it all (the caller checks the total first).
 */
export function splitRefund(amount: number, tenders: readonly Pick<TenderRefundable, 'seq' | 'method' | 'left'>[]): { seq: number; amount: number }[] {
  const order = [...tenders.filter((t) => t.method !== 'cash'), ...tenders.filter((t) => t.method === 'cash')];
  const out: { seq: number; amount: number }[] = [];
  let rest = amount;
  for (const t of order) {
    if (rest === 0) break;
    const take = Math.min(rest, t.left);
    if (take > 0) {
      out.push({ seq: t.seq, amount: take });
      rest -= take;
    }
  }
  if (rest !== 0) throw new RefundError(`internal: ${rest} minor units of the refund could not be placed on a tender`);
  return out;
}

export class RefundService {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly #terminalId: string;
  readonly #training: boolean;
  readonly #now: () => Date;
  readonly #timing: Partial<RefundTiming>;
  readonly #pendingWindowMs: number;
  /** out_request_nos this service is running now. */
  readonly #running = new Set<string>();

  constructor(options: RefundServiceOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#providers = options.providers;
    this.#terminalId = options.terminalId;
    this.#training = options.training;
    this.#now = options.now ?? (() => new Date());
    this.#timing = options.timing ?? {};
    this.#pendingWindowMs = options.pendingWindowMs ?? DEFAULT_PENDING_WINDOW_MS;
  }

  /** What can still be refunded on a sale, per tender. Throws RefundError for an unknown sale. */
  refundable(which: { receipt?: string; saleId?: string }): Refundable {
    return this.#refundable(this.#findSale(which));
  }

  /**
   * Checks and records a refund without asking any wallet: cash parts are refunded, wallet parts
   * pending. `run(refundId)` or `resumePending()` carries the wallet parts out. For a host that
   * must answer at once, and for tests of a crash right after the record.
   */
  async prepare(command: RefundCommand): Promise<RefundSummary> {
    checkCommand(command);
    const auth = await authorizeRefund(this.#db, command.authorization);
    const sale = this.#findSale(command);
    const at = this.#now().toISOString();
    const parts = this.#db
      .transaction(() => {
        // Planned inside the write transaction, so two refunds cannot both take the same money.
        const refundable = this.#refundable(sale);
        const amount = this.#amountOf(command.amount, refundable);
        const byTender = new Map(refundable.tenders.map((t) => [t.seq, t]));
        const plan: NewRefundPart[] = splitRefund(amount, refundable.tenders).map(({ seq, amount: part }) => {
          const t = byTender.get(seq) as TenderRefundable;
          if (t.method === 'cash') return { tenderSeq: seq, method: 'cash', amount: part };
          if (!this.#providers.has(t.method)) {
            throw new RefundError(
              `${WALLET_NAMES[t.method]} is not set up on this terminal, so tender ${seq} (${this.#money(t.paid, sale.currency)} by ${WALLET_NAMES[t.method]}) cannot be refunded: add it to the "payments" block of kassa.config.json`,
            );
          }
          return { tenderSeq: seq, method: t.method, outTradeNo: t.outTradeNo as string, tradeNo: t.tradeNo, outRequestNo: newOutTradeNo(this.#terminalId), amount: part };
        });
        return recordRefund(this.#db, {
          refundId: `${ulid()}-${this.#terminalId}`,
          saleId: sale.id,
          terminalId: sale.terminalId,
          receiptNo: sale.receiptNo,
          currency: sale.currency,
          reason: command.reason.trim(),
          authorizedBy: auth.authorizedBy,
          operator: command.operator.trim(),
          training: sale.training,
          parts: plan,
          at,
        });
      })
      .immediate();
    const first = parts[0] as RefundPart;
    this.#logger.info({ refundId: first.refundId, saleId: sale.id, receiptNo: sale.receiptNo, parts: parts.length, authorizedBy: auth.authorizedBy }, 'refund recorded');
    return this.#summary(first.refundId);
  }

  /** Refunds: checks, records, then asks the wallets for the wallet parts. */
  async refund(command: RefundCommand, signal?: AbortSignal): Promise<RefundSummary> {
    const prepared = await this.prepare(command);
    return this.run(prepared.refundId, signal);
  }

  /** Carries out the pending wallet parts of one refund. */
  async run(refundId: string, signal?: AbortSignal): Promise<RefundSummary> {
    const parts = refundParts(this.#db, refundId);
    if (parts.length === 0) throw new RefundError(`there is no refund ${refundId}`);
    for (const p of parts) {
      if (signal?.aborted) break;
      if (p.state === 'pending') await this.#runPart(p, signal);
    }
    return this.#summary(refundId);
  }

  /**
   * Retries every pending wallet part, oldest first (at start-up and periodically). Parts whose
   * wallet is not set up are left pending and logged. Returns each part as it is afterwards.
   */
  async resumePending(signal?: AbortSignal): Promise<RefundPart[]> {
    const out: RefundPart[] = [];
    for (const p of pendingRefundParts(this.#db)) {
      if (signal?.aborted) break;
      if (p.outRequestNo === null || this.#running.has(p.outRequestNo)) continue;
      if (!this.#providers.has(p.method as WalletId)) {
        this.#logger.error({ refundId: p.refundId, partNo: p.partNo, wallet: p.method }, 'pending refund for a wallet that is not set up; it stays pending');
        out.push(p);
        continue;
      }
      try {
        out.push(await this.#runPart(p, signal));
      } catch (err) {
        this.#logger.error({ refundId: p.refundId, partNo: p.partNo, err }, 'pending refund could not be retried; it is retried later');
      }
    }
    return out;
  }

  /** The refund as stored now. */
  summary(refundId: string): RefundSummary {
    if (refundParts(this.#db, refundId).length === 0) throw new RefundError(`there is no refund ${refundId}`);
    return this.#summary(refundId);
  }

  // -------------------------------------------------------------------------------------------

  #money(amount: number, currency: string): string {
    return displayMoney({ amount, currency });
  }

  #findSale(which: { receipt?: string; saleId?: string }): SaleRecord {
    if ((which.receipt === undefined) === (which.saleId === undefined)) throw new RefundError('name the sale to refund by its receipt number or by its sale id (one of the two)');
    let sale: SaleRecord | null;
    if (which.saleId !== undefined) {
      sale = getSale(this.#db, which.saleId);
      if (!sale) throw new RefundError(`there is no sale ${which.saleId} on this terminal`);
    } else {
      const r = parseReceipt(which.receipt as string, this.#terminalId);
      const id = this.#db.prepare('SELECT id FROM sales WHERE terminal_id = ? AND receipt_no = ?').pluck().get(r.terminalId, r.receiptNo) as string | undefined;
      sale = id === undefined ? null : getSale(this.#db, id);
      if (!sale) throw new RefundError(`there is no receipt ${receiptLabel(r.terminalId, r.receiptNo)} on this terminal`);
    }
    if (sale.training !== this.#training) {
      const label = receiptLabel(sale.terminalId, sale.receiptNo);
      throw new RefundError(
        sale.training
          ? `receipt ${label} is a training sale: it can be refunded only in training mode, never with real money`
          : `receipt ${label} is a real sale: a terminal in training mode cannot refund it`,
      );
    }
    return sale;
  }

  #refundable(sale: SaleRecord): Refundable {
    const taken = refundedByTender(this.#db, sale.id);
    const paidAttempts = attemptsForSale(this.#db, sale.id).filter((a) => a.state === 'paid' && a.tradeNo !== null);
    const tenders = sale.tenders
      .filter((t) => t.amount > 0)
      .map((t): TenderRefundable => {
        const already = taken.get(t.seq) ?? 0;
        const open = Math.max(0, t.amount - already);
        if (t.method === 'cash') return { seq: t.seq, method: 'cash', paid: t.amount, taken: already, left: open, note: null, tradeNo: null, outTradeNo: null };
        const attempt = paidAttempts.find((a) => a.wallet === t.method && a.tradeNo === t.reference);
        if (!attempt) {
          return {
            seq: t.seq,
            method: t.method,
            paid: t.amount,
            taken: already,
            left: 0,
            note: `no paid ${WALLET_NAMES[t.method]} payment of this terminal matches its trade ${t.reference ?? '(none)'}, so it cannot be refunded through the wallet from here`,
            tradeNo: t.reference,
            outTradeNo: null,
          };
        }
        return { seq: t.seq, method: t.method, paid: t.amount, taken: already, left: open, note: null, tradeNo: t.reference, outTradeNo: attempt.outTradeNo };
      });
    const sum = (f: (t: TenderRefundable) => number) => tenders.reduce((s, t) => s + f(t), 0);
    return {
      saleId: sale.id,
      receiptNo: sale.receiptNo,
      receipt: receiptLabel(sale.terminalId, sale.receiptNo),
      currency: sale.currency,
      training: sale.training,
      paid: sum((t) => t.paid),
      taken: sum((t) => t.taken),
      left: sum((t) => t.left),
      tenders,
    };
  }

  #amountOf(text: string | undefined, r: Refundable): number {
    const m = (a: number) => this.#money(a, r.currency);
    const notes = r.tenders.filter((t) => t.note !== null).map((t) => `tender ${t.seq}: ${t.note}`);
    const history = `${m(r.paid)} paid; ${m(r.taken)} already refunded or pending${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
    if (r.left === 0) throw new RefundError(`receipt ${r.receipt} has nothing left to refund (${history})`);
    if (text === undefined) return r.left;
    let amount: number;
    try {
      amount = parseMoney(text, r.currency).amount;
    } catch (err) {
      if (err instanceof MoneyError) throw new RefundError(`refund amount: ${err.message}`);
      throw err;
    }
    if (amount <= 0) throw new RefundError(`the refund amount must be above 0 (got "${text}")`);
    if (amount > r.left) throw new RefundError(`a refund of ${m(amount)} is more than the ${m(r.left)} left to refund on receipt ${r.receipt} (${history})`);
    return amount;
  }

  #effects(outRequestNo: string, provider: PaymentProvider): RefundEffects {
    const recorded = async <O>(call: string, request: object, run: () => Promise<O>): Promise<O> => {
      const seq = recordRefundCall(this.#db, outRequestNo, call, request, this.#now().toISOString());
      let outcome: O;
      try {
        outcome = await run();
      } catch (err) {
        recordRefundCallOutcome(this.#db, outRequestNo, seq, { kind: 'error', message: err instanceof Error ? err.message : String(err) }, this.#now().toISOString());
        throw err;
      }
      recordRefundCallOutcome(this.#db, outRequestNo, seq, outcome, this.#now().toISOString());
      return outcome;
    };
    return {
      refund: (request, signal) => recorded('refund', request, () => provider.refund(request, signal)),
      refundQuery: (request, signal) => recorded('refund-query', request, () => provider.refundQuery(request, signal)),
    };
  }

  async #runPart(part: RefundPart, signal?: AbortSignal): Promise<RefundPart> {
    const key = part.outRequestNo;
    const wallet = part.method as WalletId;
    const provider = this.#providers.get(wallet);
    if (key === null || part.outTradeNo === null) throw new RefundError(`refund part ${part.refundId}/${part.partNo} is not a wallet refund`);
    if (!provider) throw new RefundError(`${WALLET_NAMES[wallet]} is not set up on this terminal: refund ${key} stays pending`);
    if (this.#running.has(key)) return part;
    this.#running.add(key);
    try {
      const input: RefundInput = {
        trade: { wallet, outTradeNo: part.outTradeNo },
        outRequestNo: key,
        amount: part.amount,
        currency: part.currency,
        reason: part.reason,
        operatorId: part.operator,
        startedAt: this.#now().toISOString(),
        timing: this.#timing,
      };
      const result = await runRefundMachine(input, this.#effects(key, provider), signal);
      return this.#settle(part, result);
    } finally {
      this.#running.delete(key);
    }
  }

  #settle(part: RefundPart, result: RefundResult | null): RefundPart {
    const at = this.#now().toISOString();
    const overdue = this.#now().getTime() - Date.parse(part.createdAt) > this.#pendingWindowMs;
    let settled: RefundPart;
    if (result === null) {
      settled = notePending(this.#db, part.refundId, part.partNo, 'interrupted before the wallet answered: it is retried with the same refund number', at);
    } else if (result.kind === 'refunded' && result.amount !== part.amount) {
      settled = settleRefundPart(this.#db, part.refundId, part.partNo, 'manual', { detail: result.message, at });
    } else if (result.kind === 'refunded') {
      settled = settleRefundPart(this.#db, part.refundId, part.partNo, 'refunded', { detail: result.message, at });
    } else if (result.kind === 'failed') {
      settled = settleRefundPart(this.#db, part.refundId, part.partNo, 'failed', { detail: `${result.message} (${result.code})`, at });
    } else if (overdue) {
      const detail = `not confirmed since ${part.createdAt}: reconcile refund ${part.outRequestNo ?? ''} of trade ${part.outTradeNo ?? ''} with the wallet's bill (${result.message})`;
      settled = settleRefundPart(this.#db, part.refundId, part.partNo, 'manual', { detail, at });
    } else {
      settled = notePending(this.#db, part.refundId, part.partNo, result.message, at);
    }
    this.#logger.info({ refundId: part.refundId, partNo: part.partNo, outRequestNo: part.outRequestNo, state: settled.state }, 'wallet refund part settled');
    return settled;
  }

  #summary(refundId: string): RefundSummary {
    const parts = refundParts(this.#db, refundId);
    const first = parts[0] as RefundPart;
    const currency = first.currency;
    const sum = (f: (p: RefundPart) => boolean) => parts.filter(f).reduce((s, p) => s + p.amount, 0);
    const sale = getSale(this.#db, first.saleId);
    const left = sale ? this.#refundable(sale).left : 0;
    const cash = sum((p) => p.method === 'cash' && p.state === 'refunded');
    const m = (a: number) => this.#money(a, currency);
    const lines: string[] = [];
    for (const p of parts) {
      const how = p.method === 'cash' ? 'in cash' : `to ${WALLET_NAMES[p.method]}`;
      if (p.state === 'refunded') lines.push(`${m(p.amount)} refunded ${how}`);
      else if (p.state === 'pending') lines.push(`${m(p.amount)} ${how} is not confirmed yet: it is retried with refund number ${p.outRequestNo ?? ''}; do not refund it another way`);
      else if (p.state === 'failed') lines.push(`${m(p.amount)} ${how} was refused: ${p.detail ?? 'no reason given'}`);
      else lines.push(`${m(p.amount)} ${how} needs a person to check it: ${p.detail ?? ''}`);
    }
    if (cash > 0) lines.push(`hand back ${m(cash)} in cash`);
    return {
      refundId,
      saleId: first.saleId,
      receiptNo: first.receiptNo,
      receipt: receiptLabel(first.terminalId, first.receiptNo),
      currency,
      amount: parts.reduce((s, p) => s + p.amount, 0),
      parts,
      cash,
      openDrawer: cash > 0,
      refunded: sum((p) => p.state === 'refunded'),
      pending: sum((p) => p.state === 'pending'),
      failed: sum((p) => p.state === 'failed'),
      manual: sum((p) => p.state === 'manual'),
      leftToRefund: left,
      message: lines.join('; '),
    };
  }
}

/** Who authorized the refund: the manager token checked here, or a staff Authorization for 'refund'. */
async function authorizeRefund(db: Db, authorization: string | Authorization | undefined): Promise<{ authorizedBy: string }> {
  if (typeof authorization !== 'object' || authorization === null) return authorizeManager(db, authorization);
  if (!isIssuedAuthorization(authorization)) throw new ManagerAuthError('the refund authorization was not made by this terminal\'s staff service: log in or approve with a PIN');
  if (authorization.permission !== 'refund') throw new ManagerAuthError(`an authorization to "${authorization.permission}" cannot authorize a refund`);
  const a = authorization.approvedBy;
  if (a !== null) return { authorizedBy: `${a.name} (user ${a.userId}, approval #${a.journalSeq})` };
  return { authorizedBy: authorization.userId === null ? `${authorization.by} (setup mode: no users on the terminal)` : `${authorization.by} (user ${authorization.userId})` };
}

function checkCommand(c: RefundCommand): void {
  if (typeof c.reason !== 'string' || c.reason.trim() === '') throw new RefundError('a refund needs a reason');
  if (c.reason.trim().length > 200) throw new RefundError(`the refund reason is ${c.reason.trim().length} characters; at most 200`);
  if (typeof c.operator !== 'string' || c.operator.trim() === '') throw new RefundError('a refund needs the operator (who is at the till)');
  if ((c.receipt === undefined) === (c.saleId === undefined)) throw new RefundError('name the sale to refund by its receipt number or by its sale id (one of the two)');
}

/** Runs one refund machine to its end; null when `signal` aborted it first (the part stays pending). */
function runRefundMachine(input: RefundInput, effects: RefundEffects, signal?: AbortSignal): Promise<RefundResult | null> {
  if (signal?.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    const actor = createActor(provideRefund(effects), { input });
    const onAbort = () => {
      sub.unsubscribe();
      actor.stop();
      resolve(null);
    };
    const sub = actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status !== 'done') return;
        signal?.removeEventListener('abort', onAbort);
        resolve(snapshot.output ?? null);
      },
      error: () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(null);
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    actor.start();
  });
}
