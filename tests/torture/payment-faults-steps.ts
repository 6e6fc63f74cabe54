// What happens at the counter in the payment fault tests, as data (so fast-check can generate,
// print and shrink it) and as the code that plays it against a running terminal (`Pos`):
// sales paid by Alipay or WeChat Pay barcode, Alipay QR, cash, or a split of them; customers who
// must confirm on the phone, decline, never answer, run out of balance or show a used or invalid
// code; the cashier's stop button; refunds of completed sales; time jumping forward. Each step
// may also carry gateway faults and an in-process crash point (payment-faults.test.ts acts them
// out; the SIGKILL child ignores both, its faults come from the parent and its kills are real).
//
// Decisions:
// - The customer is played through `Customers`: in process it is the sandbox's SandboxWallet,
//   in the child process the sandbox's wallet API over HTTP. A QR code is read from the
//   checkout's payment machine (what the customer display shows), never from the sandbox.
// - Every wait is bounded. The cashier's side checks after each await that the terminal it
//   started on is still the one running (`live`) and stops as soon as it has crashed, so no code
//   of a dead terminal acts on the store; customers go on regardless (a phone does not care).
// - A step's shares (`percent`) are of what is due when it runs, so a shrunk sequence stays valid.
// - After its tenders a sale is always brought back to idle (`finishSale`): cash for what is
//   still due, or the sale cancelled when it has no wallet tender and the cashier prefers that.
import fc from 'fast-check';
import { newOutTradeNo } from '../../src/core/payment-service.ts';
import { RefundError } from '../../src/core/refund-service.ts';
import { stateName, type CheckoutSnapshot } from '../../src/core/checkout-service.ts';
import { computeTotals } from '../../src/domain/cart.ts';
import type { WalletId } from '../../src/domain/payment.ts';
import { amountDue } from '../../src/domain/tender.ts';
import type { FaultRuleInput } from '../../src/payments/sandbox/faults.ts';
import { CRASH_PHASES, MANAGER_TOKEN, PRODUCTS, TERMINAL_ID, type CrashPoint, type Pos, type VirtualClock } from './payment-faults-world.ts';

export type BuyerKind = 'rich' | 'auto-confirm' | 'confirms' | 'declines' | 'never-confirms' | 'poor';
export type CodeKind = 'fresh' | 'used' | 'invalid';
export type QrCustomer = 'pays' | 'scans-only' | 'ignores' | 'poor';

export type TenderAction =
  /** Part of what is due, in cash. */
  | { readonly kind: 'cash'; readonly percent: number }
  /** The customer's code; percent null: the code is scanned and pays everything due. */
  | {
      readonly kind: 'barcode';
      readonly wallet: WalletId;
      readonly buyer: BuyerKind;
      readonly code: CodeKind;
      readonly percent: number | null;
      /** When the customer acts on the phone (confirms, declines, or the password auto-confirms). */
      readonly customerMs: number;
      /** The cashier presses stop this long after starting; null: never. */
      readonly stopAfterMs: number | null;
      /** In process: the clock jumps this far while the payment runs (past WeChat's 45 s revoke, a code's or QR's life). */
      readonly jumpMs: number | null;
      readonly salt: number;
    }
  /** A QR code on the customer display (WeChat has none here: refused). */
  | {
      readonly kind: 'qr';
      readonly wallet: WalletId;
      readonly customer: QrCustomer;
      readonly percent: number | null;
      readonly customerMs: number;
      readonly stopAfterMs: number | null;
      readonly jumpMs: number | null;
    };

export interface SaleAction {
  readonly kind: 'sale';
  /** Indexes into PRODUCTS. */
  readonly items: readonly number[];
  readonly tenders: readonly TenderAction[];
  readonly finish: 'cash' | 'cancel';
}

export interface RefundAction {
  readonly kind: 'refund';
  /** Which completed sale (modulo the number of sales with something left to refund). */
  readonly pick: number;
  /** Share of what is left; null: everything left. */
  readonly percent: number | null;
}

export interface TimeAction {
  readonly kind: 'time';
  readonly ms: number;
}

export type Action = SaleAction | RefundAction | TimeAction;

export interface Step {
  readonly action: Action;
  /** Gateway faults for this step and any restart in it. */
  readonly faults: readonly FaultRuleInput[];
  /** The faults last until the end of the next step too (an outage across a time jump, a restart…). */
  readonly faultsStay: boolean;
  /** In process only: crash at this gateway call of the step (or when it ends, if it makes fewer). */
  readonly crash: CrashPoint | null;
  /** And again, during the restart's own recovery. */
  readonly crashAgain: CrashPoint | null;
  /** Let the requests the dead terminal had sent arrive before restarting (else: a slow network). */
  readonly waitInflight: boolean;
  /**
   * The restart finds no checkout snapshot (as when one is discarded after an upgrade): the sale
   * in progress is gone and start-up recovery alone must close the loop of its payment.
   */
  readonly loseSnapshot: boolean;
}

// ---------------------------------------------------------------------------------------------
// Generators

const percent = fc.integer({ min: 1, max: 99 });
const sometimes = <T>(arb: fc.Arbitrary<T>, weight: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 10 - weight, arbitrary: fc.constant(null) }, { weight, arbitrary: arb });
const wallet = fc.constantFrom<WalletId>('alipay', 'wechat');

const barcodeArb: fc.Arbitrary<TenderAction> = fc.record({
  kind: fc.constant('barcode' as const),
  wallet,
  buyer: fc.oneof(
    { weight: 6, arbitrary: fc.constant<BuyerKind>('rich') },
    { weight: 2, arbitrary: fc.constant<BuyerKind>('auto-confirm') },
    { weight: 2, arbitrary: fc.constant<BuyerKind>('confirms') },
    { weight: 1, arbitrary: fc.constant<BuyerKind>('declines') },
    { weight: 1, arbitrary: fc.constant<BuyerKind>('never-confirms') },
    { weight: 1, arbitrary: fc.constant<BuyerKind>('poor') },
  ),
  code: fc.oneof({ weight: 10, arbitrary: fc.constant<CodeKind>('fresh') }, { weight: 1, arbitrary: fc.constant<CodeKind>('used') }, { weight: 1, arbitrary: fc.constant<CodeKind>('invalid') }),
  percent: sometimes(percent, 3),
  customerMs: fc.integer({ min: 0, max: 70 }),
  stopAfterMs: sometimes(fc.integer({ min: 0, max: 60 }), 2),
  jumpMs: sometimes(fc.constantFrom(50_000, 3 * 60_000), 1),
  salt: fc.nat(),
});

const qrArb: fc.Arbitrary<TenderAction> = fc.record({
  kind: fc.constant('qr' as const),
  wallet: fc.oneof({ weight: 9, arbitrary: fc.constant<WalletId>('alipay') }, { weight: 1, arbitrary: fc.constant<WalletId>('wechat') }),
  customer: fc.oneof(
    { weight: 5, arbitrary: fc.constant<QrCustomer>('pays') },
    { weight: 1, arbitrary: fc.constant<QrCustomer>('scans-only') },
    { weight: 1, arbitrary: fc.constant<QrCustomer>('ignores') },
    { weight: 1, arbitrary: fc.constant<QrCustomer>('poor') },
  ),
  percent: sometimes(percent, 3),
  customerMs: fc.integer({ min: 0, max: 70 }),
  stopAfterMs: sometimes(fc.integer({ min: 0, max: 60 }), 2),
  jumpMs: sometimes(fc.constantFrom(50_000, 3 * 60_000), 1),
});

const cashArb: fc.Arbitrary<TenderAction> = fc.record({ kind: fc.constant('cash' as const), percent });

export const saleArb: fc.Arbitrary<SaleAction> = fc.record({
  kind: fc.constant('sale' as const),
  items: fc.array(fc.integer({ min: 0, max: PRODUCTS.length - 1 }), { minLength: 1, maxLength: 3 }),
  tenders: fc.array(fc.oneof({ weight: 6, arbitrary: barcodeArb }, { weight: 3, arbitrary: qrArb }, { weight: 1, arbitrary: cashArb }), { minLength: 1, maxLength: 3 }),
  finish: fc.oneof({ weight: 3, arbitrary: fc.constant<'cash' | 'cancel'>('cash') }, { weight: 1, arbitrary: fc.constant<'cash' | 'cancel'>('cancel') }),
});

export const refundArb: fc.Arbitrary<RefundAction> = fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), percent: sometimes(percent, 6) });

const timeArb: fc.Arbitrary<TimeAction> = fc.record({
  kind: fc.constant('time' as const),
  // Past a payment code's life and a QR code's (minutes), or past the 24 h cancel window.
  ms: fc.constantFrom(3 * 60_000, 25 * 3_600_000),
});

export const actionArb: fc.Arbitrary<Action> = fc.oneof({ weight: 7, arbitrary: saleArb }, { weight: 2, arbitrary: refundArb }, { weight: 1, arbitrary: timeArb });

export const FAULT_METHODS = [
  'alipay.trade.pay',
  'alipay.trade.query',
  'alipay.trade.cancel',
  'alipay.trade.close',
  'alipay.trade.precreate',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
  'wechat.micropay',
  'wechat.orderquery',
  'wechat.reverse',
  'wechat.refund',
  'wechat.refundquery',
  'alipay.trade.*',
  'wechat.*',
  '*',
] as const;

const faultArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'unavailable' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'unavailable' as const, afterCommit: true }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'system-error' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'system-error' as const, afterCommit: true }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'drop-after-commit' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'html' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'tampered-signature' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'latency' as const, ms: 20 }) },
  // Beyond the providers' 250 ms timeout: the answer is lost, the work done before or after.
  { weight: 1, arbitrary: fc.constant({ kind: 'latency' as const, ms: 300 }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'latency' as const, ms: 300, beforeCommit: true }) },
);

export const faultRuleArb: fc.Arbitrary<FaultRuleInput> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ method: fc.constantFrom(...FAULT_METHODS), fault: faultArb, count: fc.integer({ min: 1, max: 2 }) }) },
  // An outage: every such call fails while the rule lasts.
  { weight: 1, arbitrary: fc.record({ method: fc.constantFrom(...FAULT_METHODS), fault: faultArb, every: fc.constant(1) }) },
);

const crashArb: fc.Arbitrary<CrashPoint> = fc.record({ call: fc.integer({ min: 1, max: 6 }), phase: fc.constantFrom(...CRASH_PHASES) });

/** A step; `loseSnapshots`: some crashes also lose the checkout's snapshot (see Step.loseSnapshot). */
export const stepArb = (options: { readonly loseSnapshots: boolean }): fc.Arbitrary<Step> => fc.record({
  action: actionArb,
  faults: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(faultRuleArb, { minLength: 1, maxLength: 2 }) }),
  faultsStay: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  crash: sometimes(crashArb, 3),
  crashAgain: sometimes(crashArb, 1),
  waitInflight: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  loseSnapshot: options.loseSnapshots ? fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) : fc.constant(false),
});

// ---------------------------------------------------------------------------------------------
// The customer

export interface Customers {
  /** A new buyer; password null: never asked. */
  buyer(balanceFen: number, password: { readonly afterSeconds: number | null } | null): Promise<string>;
  code(buyerId: string, wallet: WalletId): Promise<string>;
  /** Trade numbers waiting for this buyer's password. */
  pending(buyerId: string): Promise<string[]>;
  /** Each answers false when the wallet refuses (the trade is no longer waiting, the QR is closed). */
  confirm(tradeNo: string): Promise<boolean>;
  decline(tradeNo: string): Promise<boolean>;
  scan(qrCode: string, buyerId: string, confirm: boolean): Promise<boolean>;
}

/** The customer over the sandbox's wallet API (wallet-api.ts). */
export function httpCustomers(walletApiUrl: string): Customers {
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${walletApiUrl}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const ok = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const r = await call(method, path, body);
    if (r.status !== 200) throw new Error(`wallet API ${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const refusable = async (path: string, body: unknown) => {
    const r = await call('POST', path, body);
    if (r.status === 409 || r.status === 404) return false;
    if (r.status !== 200) throw new Error(`wallet API POST ${path}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return true;
  };
  return {
    buyer: async (balanceFen, password) => String((await ok('POST', '/buyers', { balanceFen, password })).id),
    code: async (buyerId, wallet) => {
      const codes = (await ok('POST', '/codes', { buyer: buyerId, wallet })).codes as Array<{ code: string }>;
      const code = codes[0]?.code;
      if (code === undefined) throw new Error('the wallet API issued no code');
      return code;
    },
    pending: async (buyerId) => ((await ok('GET', `/buyers/${encodeURIComponent(buyerId)}/pending`)).trades as Array<{ tradeNo: string }>).map((t) => t.tradeNo),
    confirm: (tradeNo) => refusable('/confirm', { tradeNo }),
    decline: (tradeNo) => refusable('/decline', { tradeNo }),
    scan: (qrCode, buyerId, confirm) => refusable('/scan', { qrCode, buyer: buyerId, confirm }),
  };
}

// ---------------------------------------------------------------------------------------------
// Playing the steps

export interface PlayStats {
  sales: number;
  cancelledSales: number;
  walletActions: number;
  payments: Record<string, number>;
  refunds: Record<string, number>;
  refundErrors: number;
}

export function newPlayStats(): PlayStats {
  return { sales: 0, cancelledSales: 0, walletActions: 0, payments: {}, refunds: {}, refundErrors: 0 };
}

export interface Counter {
  readonly pos: Pos;
  readonly customers: Customers;
  readonly stats: PlayStats;
  /** Codes already used, per wallet: what a customer shows again by mistake. */
  readonly usedCodes: Map<WalletId, string>;
  /** Unexpected things (a refund refused for no reason): the checks fail on them. */
  readonly findings: string[];
  /** What customers are still doing on their phones (they go on when the terminal dies). */
  readonly customersBusy: Set<Promise<void>>;
  /** The clock the sandbox and the terminal share, when they do (in process). */
  readonly clock?: VirtualClock;
}

/** Runs a customer's action beside the terminal's; its failure is a finding, never unhandled. */
function beside(counter: Counter, work: Promise<void>): Promise<void> {
  const tracked = work.catch((err: unknown) => void counter.findings.push(`the customer could not act: ${(err as Error)?.stack ?? String(err)}`));
  counter.customersBusy.add(tracked);
  void tracked.finally(() => counter.customersBusy.delete(tracked));
  return tracked;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Still due on the open sale, in fen. */
export function dueOf(snap: CheckoutSnapshot): number {
  const c = snap.context;
  const totals = computeTotals(c.cart);
  return amountDue({ total: totals.total, currency: c.cart.currency }, c.tenders, c.rounding).remaining;
}

/**
 * The cashier's side works on the terminal it started with: once that one has crashed (or been
 * replaced by a restart) it does nothing more. The customer's side follows whichever is running.
 */
function live(counter: Counter, pos: Pos): boolean {
  return counter.pos === pos && !pos.dead;
}

function customerAround(counter: Counter): boolean {
  return !counter.pos.dead;
}

function settle(pos: Pos): Promise<CheckoutSnapshot> {
  return pos.checkout.settle(20_000);
}

function paymentQr(snap: CheckoutSnapshot): string | null {
  const child = (snap.children as Record<string, { getSnapshot(): { context?: { qrCode?: string | null } } } | undefined>).payment;
  return child?.getSnapshot().context?.qrCode ?? null;
}

/** The cashier brings the terminal back to idle: cash for what is due, or cancel. Bounded. */
export async function finishSale(counter: Counter, prefer: 'cash' | 'cancel'): Promise<void> {
  const pos = counter.pos;
  const checkout = pos.checkout;
  let snap: CheckoutSnapshot | null = null;
  for (let i = 0; i < 16; i++) {
    if (!live(counter, pos)) return;
    snap = await settle(pos);
    if (!live(counter, pos)) return;
    if (snap.matches('idle')) return;
    const walletTaken = snap.context.tenders.some((t) => t.method !== 'cash');
    if (snap.matches('tendering')) {
      if (prefer === 'cancel' && !walletTaken) {
        checkout.send({ type: 'CANCEL', reason: 'the customer left' });
        counter.stats.cancelledSales++;
      } else checkout.send({ type: 'TENDER_CASH', received: dueOf(snap) });
    } else if (snap.matches('inSale')) {
      if (prefer === 'cancel' || !snap.context.cart.lines.some((l) => !l.voided)) {
        checkout.send({ type: 'CANCEL', reason: 'the customer left' });
        counter.stats.cancelledSales++;
      } else checkout.send({ type: 'TENDER' });
    } else if (snap.matches('commitFailed')) checkout.send({ type: 'RETRY' });
    else if (snap.matches('noPaper')) checkout.send({ type: 'CONTINUE_WITHOUT_RECEIPT' });
  }
  throw new Error(`the checkout did not come back to idle: it is ${snap ? stateName(snap) : '?'} (${snap?.context.lastError ?? ''})`);
}

async function codeFor(counter: Counter, t: Extract<TenderAction, { kind: 'barcode' }>, buyerId: string): Promise<string> {
  const invalid = `${t.wallet === 'alipay' ? '28' : '13'}${String(t.salt % 1e8).padStart(8, '0')}${String((t.salt * 7919) % 1e8).padStart(8, '0')}`;
  if (t.code === 'invalid') return invalid;
  if (t.code === 'used') return counter.usedCodes.get(t.wallet) ?? invalid;
  const code = await counter.customers.code(buyerId, t.wallet);
  counter.usedCodes.set(t.wallet, code);
  return code;
}

/** The customer answers the password prompt on the phone (bounded: gives up after about a second). */
async function answerPhone(counter: Counter, buyerId: string, answer: 'confirm' | 'decline', delayMs: number): Promise<void> {
  const deadline = Date.now() + 1_000;
  while (Date.now() < deadline && customerAround(counter)) {
    const waiting = await counter.customers.pending(buyerId);
    if (waiting.length > 0) {
      await sleep(delayMs);
      for (const tradeNo of waiting) await (answer === 'confirm' ? counter.customers.confirm(tradeNo) : counter.customers.decline(tradeNo));
      return;
    }
    // The payment is over (the code was refused): nothing will ever wait for this buyer.
    if (!counter.pos.checkout.actor.getSnapshot().matches('walletPaying')) return;
    await sleep(3);
  }
}

/** The customer scans the QR code the customer display shows (bounded). */
async function scanQr(counter: Counter, buyerId: string, confirm: boolean, delayMs: number): Promise<void> {
  const deadline = Date.now() + 1_000;
  while (Date.now() < deadline && customerAround(counter)) {
    const snap = counter.pos.checkout.actor.getSnapshot();
    const qr = snap.matches('walletPaying') ? paymentQr(snap) : null;
    if (qr !== null) {
      await sleep(delayMs);
      if (customerAround(counter)) await counter.customers.scan(qr, buyerId, confirm);
      return;
    }
    if (!snap.matches('walletPaying')) return;
    await sleep(2);
  }
}

function pressStopAfter(counter: Counter, pos: Pos, ms: number | null): void {
  if (ms === null) return;
  setTimeout(() => {
    const snap = pos.checkout.actor.getSnapshot();
    // Only while the payment machine runs (XState warns about events for a machine that is done).
    const payment = (snap.children as Record<string, { getSnapshot(): { status: string } } | undefined>).payment;
    if (live(counter, pos) && snap.matches('walletPaying') && payment?.getSnapshot().status === 'active') pos.checkout.send({ type: 'STOP_PAYMENT' });
  }, ms);
}

async function walletTender(counter: Counter, pos: Pos, t: Exclude<TenderAction, { kind: 'cash' }>, snap: CheckoutSnapshot): Promise<void> {
  const { customers } = counter;
  const due = dueOf(snap);
  const amount = t.percent === null ? undefined : Math.max(1, Math.floor((due * t.percent) / 100));
  const side: Promise<void>[] = [];
  counter.stats.walletActions++;
  if (t.kind === 'barcode') {
    const password =
      t.buyer === 'auto-confirm' ? { afterSeconds: t.customerMs / 1000 } : t.buyer === 'confirms' || t.buyer === 'declines' || t.buyer === 'never-confirms' ? { afterSeconds: null } : null;
    const buyerId = await customers.buyer(t.buyer === 'poor' ? Math.max(0, (amount ?? due) - 1 - (t.salt % 100)) : 10_000_000, password);
    const code = await codeFor(counter, t, buyerId);
    if (!live(counter, pos)) return;
    if (amount === undefined) pos.checkout.send({ type: 'SCAN', data: code });
    else pos.checkout.send({ type: 'PAY_WALLET', wallet: t.wallet, mode: 'barcode', authCode: code, amount, outTradeNo: newOutTradeNo(TERMINAL_ID) });
    if (t.buyer === 'confirms' || t.buyer === 'declines') side.push(beside(counter, answerPhone(counter, buyerId, t.buyer === 'confirms' ? 'confirm' : 'decline', t.customerMs)));
  } else {
    const buyerId = t.customer === 'ignores' ? null : await customers.buyer(t.customer === 'poor' ? Math.max(0, (amount ?? due) - 1) : 10_000_000, null);
    if (!live(counter, pos)) return;
    pos.checkout.send({ type: 'PAY_WALLET', wallet: t.wallet, mode: 'qr', outTradeNo: newOutTradeNo(TERMINAL_ID), ...(amount === undefined ? {} : { amount }) });
    if (buyerId !== null) side.push(beside(counter, scanQr(counter, buyerId, t.customer !== 'scans-only', t.customerMs)));
  }
  pressStopAfter(counter, pos, t.stopAfterMs);
  const clock = counter.clock;
  const jump = t.jumpMs;
  if (clock && jump !== null) setTimeout(() => clock.advance(jump), t.customerMs / 2);
  const after = await settle(pos);
  await Promise.all(side);
  if (!live(counter, pos)) return;
  const kind = after.context.lastPayment?.kind ?? (after.context.lastError !== null ? 'refused' : 'none');
  counter.stats.payments[kind] = (counter.stats.payments[kind] ?? 0) + 1;
}

/** One sale: scan the items, tender, then bring the terminal back to idle. */
export async function playSale(counter: Counter, sale: SaleAction): Promise<void> {
  await finishSale(counter, sale.finish);
  const pos = counter.pos;
  const checkout = pos.checkout;
  if (!live(counter, pos)) return;
  for (const i of sale.items) checkout.send({ type: 'SCAN', data: PRODUCTS[i % PRODUCTS.length]?.barcode ?? '' });
  await settle(pos);
  if (!live(counter, pos)) return;
  checkout.send({ type: 'TENDER' });
  for (const t of sale.tenders) {
    const snap = await settle(pos);
    if (!live(counter, pos) || !snap.matches('tendering')) break;
    if (t.kind === 'cash') checkout.send({ type: 'TENDER_CASH', received: Math.max(1, Math.floor((dueOf(snap) * t.percent) / 100)) });
    else await walletTender(counter, pos, t, snap);
  }
  if (!live(counter, pos)) return;
  const before = checkout.actor.getSnapshot().context.lastSale?.id ?? null;
  await finishSale(counter, sale.finish);
  if (live(counter, pos) && (checkout.actor.getSnapshot().context.lastSale?.id ?? null) !== before) counter.stats.sales++;
}

function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** A manager refunds part or all of what is left on a completed sale. */
export async function playRefund(counter: Counter, refund: RefundAction): Promise<void> {
  const { pos } = counter;
  const ids = pos.db.prepare('SELECT id FROM sales ORDER BY receipt_no').pluck().all() as string[];
  if (ids.length === 0) return;
  for (let k = 0; k < ids.length; k++) {
    const saleId = ids[(refund.pick + k) % ids.length] as string;
    const left = pos.refunds.refundable({ saleId }).left;
    if (left === 0) continue;
    const amount = refund.percent === null ? undefined : yuan(Math.max(1, Math.floor((left * refund.percent) / 100)));
    try {
      const summary = await pos.refunds.refund({ saleId, ...(amount === undefined ? {} : { amount }), reason: 'fault test', authorization: MANAGER_TOKEN, operator: 'cashier' });
      for (const p of summary.parts) counter.stats.refunds[`${p.method}:${p.state}`] = (counter.stats.refunds[`${p.method}:${p.state}`] ?? 0) + 1;
    } catch (err) {
      if (!live(counter, pos)) return;
      counter.stats.refundErrors++;
      const why = err instanceof RefundError ? `was refused: ${err.message}` : `threw ${(err as Error)?.stack ?? String(err)}`;
      counter.findings.push(`refund of ${amount ?? 'everything'} (of ${left} fen left) on sale ${saleId} ${why}`);
    }
    return;
  }
}
