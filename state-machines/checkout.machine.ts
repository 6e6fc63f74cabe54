// The checkout: one sale from the first scan to the printed receipt, as an XState v5 machine.
// Pure (ARCHITECTURE.md §2): it imports only xstate and src/domain; every effect (catalog lookup,
// search, the commit transaction, printing, journalling a cancel) is a named actor the host
// supplies with `machine.provide({ actors })` or `provideCheckout(effects)`.
//
// Decisions a host must know:
// - IMPURE VALUES COME IN EVENTS. Sale ids and clock times are made by the host: the events
//   that can open a sale (START, SCAN, ADD, SEARCH) carry `saleId` and `at`; they are used only when
//   the machine is idle (a host may stamp every such event). Events that can settle payment
//   (TENDER, TENDER_CASH, TENDER_WALLET) carry `at`, which becomes the sale's completedAt.
// - The sale id is fixed when the sale opens and never changes, through park/resume and
//   snapshot restores; `commitSale` and `journalCancel` must be idempotent per sale id,
//   because a restored promise actor re-runs with the same input.
// - `pendingCommit` (the full SaleRecord minus receiptNo, plus the cart) is built once, on the
//   transition into `completing`, and kept in context; a restored snapshot re-runs commitSale
//   with exactly that input. The core assigns the gapless receipt number in its transaction.
// - Domain errors (CartError, TenderError…) never stop the machine: they land in `lastError`
//   and the cart stays as it was.
// - Scans that arrive while a lookup runs are queued in context and looked up in order.
// - Default actor implementations reject loudly, so a host that forgets one finds out at once.
// - The receipt printer's state comes in `PRINTER.STATUS` events (the host's device manager
//   sends one whenever the printer's lifecycle or paper changes). A sale paid while the printer
//   is known to be out of paper stops at `noPaper` first: the cashier continues without a
//   receipt (it is listed to be reprinted later) or loads paper, which carries on by itself.
//   A terminal with no printer never sends the event and never sees the question.
// - WALLET PAYMENTS run as an invoked payment machine (./payment.machine.ts, id 'payment') in the
//   `walletPaying` state, so its snapshot is persisted inside the checkout's. PAY_WALLET carries
//   the host-made out_trade_no (a new one for every attempt) and the payment code; the amount
//   defaults to what is still due. STOP_PAYMENT and RESUME_PAYMENT are forwarded to it (the host
//   sends RESUME_PAYMENT after restoring a snapshot, see payment.machine.ts). A paid result
//   becomes a wallet tender (reference: the gateway's trade number); any other result goes back
//   to tendering with the payment's message. The host provides the payment machine's effects
//   with `provideCheckout(effects, payment)`; `lastPayment` keeps the result for the host to
//   settle its write-ahead record.
// - `printReceipt` resolves with what became of the slip (printed, unconfirmed, deferred,
//   interrupted, failed, none); anything but printed or none is shown in `notice`, because the
//   sale is saved and the receipt stays listed until it prints.
import { and, assign, fromPromise, sendTo, setup } from 'xstate';
import { paymentMachine, paymentInputProblem, type PaymentInput, type PaymentResult } from './payment.machine.ts';
import {
  addItem,
  removeCoupon,
  removeMember,
  redeemPoints,
  setCoupon,
  setMember,
  clearBasketDiscount,
  clearLineDiscount,
  computeTotals,
  DEFAULT_CART_LIMITS,
  emptyCart,
  overridePrice,
  setBasketDiscount,
  setLineDiscount,
  setQuantity,
  voidLine,
} from '../src/domain/cart.ts';
import type { Cart, CartItemInput, CartLimits, CouponInput, DiscountInput, MemberInput } from '../src/domain/cart.ts';
import { formatMoney } from '../src/domain/money.ts';
import type { Unit } from '../src/domain/product.ts';
import type { SaleRecord, TenderRecord } from '../src/domain/sale-record.ts';
import { amountDue, applyTender, buildSaleRecord, NO_CASH_ROUNDING } from '../src/domain/tender.ts';
import type { CashRounding } from '../src/domain/tender.ts';

/** Bump when a persisted snapshot of an older version can no longer be restored. */
export const checkoutMachineVersion = 1;

/** Most sales that may be parked at once on one terminal. */
export const MAX_PARKED = 20;

export interface TerminalInfo {
  readonly terminalId: string;
  readonly cashier: string;
  readonly lang: 'zh-CN' | 'en';
  readonly currency: string;
  readonly training: boolean;
}

export interface CheckoutInput {
  readonly terminal: TerminalInfo;
  readonly limits?: CartLimits;
  readonly rounding?: CashRounding;
  /** Wallet payments are refused when absent. */
  readonly wallets?: WalletSettings;
}

export interface ParkedSale {
  readonly saleId: string;
  readonly startedAt: string;
  readonly parkedAt: string | null;
  readonly cart: Cart;
}

export interface SearchHit {
  readonly sku: string;
  readonly name: string;
  /** Minor units, per item or per kg. */
  readonly price: number;
  readonly unit: Unit;
}

/**
 * What to look up: scanned data (an item, or a member card or coupon the host recognizes), a
 * sku (from search or manual entry) with a quantity typed first, a coupon code typed in, or a
 * member number / card / phone typed in. The machine adds the open sale's id and what a coupon
 * would be measured against (`spend`: goods after promotions and the cashier's discount).
 */
export interface LookupInput {
  readonly data?: string;
  readonly sku?: string;
  readonly quantityMilli?: number;
  readonly coupon?: string;
  readonly member?: string;
  readonly saleId?: string;
  readonly spend?: number;
}

export type LookupResult =
  | { readonly ok: true; readonly item: CartItemInput }
  /** A member card or number: the member goes on the sale. */
  | { readonly ok: true; readonly member: MemberInput }
  /** A coupon the host checked (and reserved, for single use) for this sale. */
  | { readonly ok: true; readonly coupon: CouponInput }
  | { readonly ok: false; readonly error: string };

/** A coupon leaving the sale: the host gives a single-use reservation back. */
export interface CouponReleaseInput {
  readonly code: string;
  readonly saleId: string;
}

/** The committed sale minus the receipt number (the core assigns it), and the cart for the journal. */
export interface CommitInput {
  readonly sale: Omit<SaleRecord, 'receiptNo'>;
  /** The cart as paid: carries what the record does not (override and discount reasons). */
  readonly cart: Cart;
}

export interface CommitOutput {
  readonly receiptNo: number;
}

export interface CancelInput {
  readonly saleId: string;
  readonly reason: string;
  readonly cart: Cart;
  readonly tenders: readonly TenderRecord[];
}

/** What happened to a finished sale's slip, as the receipt effect reports it. */
export type ReceiptStatus = 'printed' | 'unconfirmed' | 'deferred' | 'interrupted' | 'failed' | 'none';

export interface ReceiptInput {
  readonly saleId: string;
  /** The cashier chose to continue without a receipt (printer out of paper): list it, do not print. */
  readonly deferred: boolean;
}

export interface ReceiptOutput {
  readonly status: ReceiptStatus;
  /** Cashier-readable detail for anything but printed/none. */
  readonly detail?: string;
}

/** The receipt printer as the checkout sees it; null when the terminal has none. */
export interface PrinterView {
  /** Paper is out (or the cover is open, or the printer is offline): nothing can print now. */
  readonly cannotPrint: boolean;
  /** Cashier-readable, e.g. "paper out", "paper near end", "ready". */
  readonly detail: string;
}

export interface LastSale {
  readonly id: string;
  readonly receiptNo: number;
  /** The cashier chose to continue without a receipt. */
  readonly receiptDeferred?: boolean;
  /** Set when the receipt step has finished. */
  readonly receipt?: ReceiptStatus;
  /** Cash handed back. */
  readonly change: number;
  /** SaleRecord.total: amount due before cash rounding. */
  readonly total: number;
  /** SaleRecord.rounding: total + rounding is what was paid. */
  readonly rounding: number;
}

export interface CheckoutContext {
  readonly terminal: TerminalInfo;
  readonly limits: CartLimits;
  readonly rounding: CashRounding;
  readonly wallets?: WalletSettings | null;
  readonly saleId: string | null;
  readonly startedAt: string | null;
  readonly cart: Cart;
  /** Tenders applied so far to the open sale. */
  readonly tenders: readonly TenderRecord[];
  /** `at` of the tender event that settled the sale: the sale's completedAt. */
  readonly paidAt: string | null;
  readonly parked: readonly ParkedSale[];
  readonly searchResults: readonly SearchHit[];
  /** The lookup running now, and scans waiting for it. */
  readonly lookup: LookupInput | null;
  readonly lookupQueue: readonly LookupInput[];
  readonly cancelReason: string | null;
  readonly lastError: string | null;
  readonly lastSale: LastSale | null;
  readonly pendingCommit: CommitInput | null;
  /** The receipt printer, from PRINTER.STATUS; absent/null: no printer known. */
  readonly printer?: PrinterView | null;
  /** The cashier agreed to finish this sale without a receipt. */
  readonly receiptDeferred?: boolean;
  /** Something the cashier should know that is not an error (e.g. receipt 12 is listed to reprint). */
  readonly notice?: string | null;
  /** The wallet payment running now (walletPaying), as the payment machine was started. */
  readonly payment?: PaymentInput | null;
  /** How the last wallet payment attempt ended. */
  readonly lastPayment?: PaymentResult | null;
  /** The coupon reservation being given back (releasingCoupon). */
  readonly releasing?: CouponReleaseInput | null;
}

/** Carried by events that may open a sale; ignored while a sale is open. */
interface Opening {
  readonly saleId?: string;
  readonly at?: string;
}

export type CheckoutEvent =
  | { readonly type: 'START'; readonly saleId: string; readonly at: string }
  | ({ readonly type: 'SCAN'; readonly data: string } & Opening)
  | ({ readonly type: 'ADD'; readonly sku: string; readonly quantityMilli?: number } & Opening)
  /** From idle, a search opens the sale (the cashier is looking for an item to sell). */
  | ({ readonly type: 'SEARCH'; readonly query: string } & Opening)
  | { readonly type: 'SET_QUANTITY'; readonly lineNo: number; readonly quantityMilli: number }
  | { readonly type: 'VOID_LINE'; readonly lineNo: number; readonly reason: string }
  /** discount null removes it. */
  | { readonly type: 'LINE_DISCOUNT'; readonly lineNo: number; readonly discount: DiscountInput | null; readonly reason: string }
  | { readonly type: 'BASKET_DISCOUNT'; readonly discount: DiscountInput | null; readonly reason: string }
  | { readonly type: 'OVERRIDE_PRICE'; readonly lineNo: number; readonly unitPrice: number; readonly reason: string }
  | { readonly type: 'CLEAR_ERROR' }
  /** A coupon code typed in (a scanned one comes as SCAN). */
  | { readonly type: 'COUPON'; readonly code: string }
  | { readonly type: 'REMOVE_COUPON' }
  /** A member number, card or phone typed in (a scanned card comes as SCAN); may open the sale. */
  | ({ readonly type: 'MEMBER'; readonly query: string } & Opening)
  | { readonly type: 'REMOVE_MEMBER' }
  /** Redeem the member's points off the sale (0 takes it back). */
  | { readonly type: 'REDEEM_POINTS'; readonly points: number }
  | { readonly type: 'TENDER'; readonly at: string }
  | { readonly type: 'TENDER_CASH'; readonly received: number; readonly at: string }
  /** A wallet payment the host has already completed (payment machine). */
  | { readonly type: 'TENDER_WALLET'; readonly method: 'alipay' | 'wechat'; readonly amount: number; readonly reference: string; readonly at: string }
  | { readonly type: 'BACK' }
  | { readonly type: 'CANCEL'; readonly reason: string }
  | { readonly type: 'PARK'; readonly at?: string }
  | { readonly type: 'RESUME'; readonly saleId: string }
  | { readonly type: 'RETRY' }
  /** From the host's device manager; `printer: null` when the printer is removed from config. */
  | { readonly type: 'PRINTER.STATUS'; readonly printer: PrinterView | null }
  /** At the no-paper question: finish the sale and list its receipt to reprint later. */
  | { readonly type: 'CONTINUE_WITHOUT_RECEIPT' }
  /** Take a wallet payment: barcode (the customer's code) or QR (shown to the customer). */
  | {
      readonly type: 'PAY_WALLET';
      readonly wallet: 'alipay' | 'wechat';
      readonly mode: 'barcode' | 'qr';
      readonly authCode?: string;
      /** Minor units; default: everything still due. */
      readonly amount?: number;
      readonly outTradeNo: string;
      readonly at: string;
    }
  | { readonly type: 'STOP_PAYMENT'; readonly at?: string }
  | { readonly type: 'RESUME_PAYMENT'; readonly at?: string }
  /**
   * Another cashier logged in (issue 7). Only between sales: a sale records one cashier, the
   * one at the till when it was committed, so the change waits for idle (ignored otherwise;
   * the host refuses a log-in while a sale is open).
   */
  | { readonly type: 'SET_CASHIER'; readonly cashier: string };

/** What the host fills in for every wallet payment (store ids, subject, timing). */
export interface WalletSettings {
  readonly storeId: string;
  readonly subject: string;
  readonly timing?: PaymentInput['timing'];
}

function missing(name: string): never {
  throw new Error(`checkout: the host did not provide the "${name}" actor; pass it with checkoutMachine.provide({ actors: { ${name} } }) or provideCheckout()`);
}

function message(e: unknown): string {
  if (e instanceof Error) {
    const domain = ['CartError', 'TenderError', 'MoneyError', 'TaxError'].includes(e.name);
    return domain ? e.message : `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`;
  }
  return String(e);
}

function isLookupEvent(event: CheckoutEvent): event is LookupEvent {
  return event.type === 'SCAN' || event.type === 'ADD' || event.type === 'COUPON' || event.type === 'MEMBER';
}

/** What a coupon's minimum spend is measured on: the goods after promotions and the cashier's discount. */
export function couponSpend(cart: Cart): number {
  const t = computeTotals(cart);
  return t.gross - t.lineDiscounts - t.linePromotions - t.basketPromotions - t.basketDiscount;
}

/** Runs a cart operation; on a domain error keeps the cart and reports the message. */
function tryCart(context: CheckoutContext, op: (cart: Cart) => Cart): Partial<CheckoutContext> {
  try {
    return { cart: op(context.cart), lastError: null };
  } catch (e) {
    return { lastError: message(e) };
  }
}

type LookupEvent = Extract<CheckoutEvent, { type: 'SCAN' | 'ADD' | 'COUPON' | 'MEMBER' }>;

function lookupFrom(event: LookupEvent): LookupInput {
  if (event.type === 'SCAN') return { data: event.data };
  if (event.type === 'COUPON') return { coupon: event.code };
  if (event.type === 'MEMBER') return { member: event.query };
  return event.quantityMilli === undefined ? { sku: event.sku } : { sku: event.sku, quantityMilli: event.quantityMilli };
}

function tenderState(context: CheckoutContext) {
  const totals = computeTotals(context.cart);
  return { currency: context.cart.currency, total: totals.total, rounding: context.rounding, tenders: context.tenders };
}

/** Paid in full and a SaleRecord can be built: the sale may be committed. */
function isPaid(context: CheckoutContext): boolean {
  try {
    const s = tenderState(context);
    if (!amountDue(s, s.tenders, s.rounding).settled) return false;
    buildCommit(context);
    return true;
  } catch {
    return false;
  }
}

function buildCommit(context: CheckoutContext): CommitInput {
  if (context.saleId === null || context.startedAt === null) throw new Error('checkout: no open sale to commit');
  const record = buildSaleRecord({
    cart: context.cart,
    tenders: context.tenders,
    rounding: context.rounding,
    id: context.saleId,
    terminalId: context.terminal.terminalId,
    receiptNo: 0,
    cashier: context.terminal.cashier,
    startedAt: context.startedAt,
    completedAt: context.paidAt ?? '',
    training: context.terminal.training,
  });
  const { receiptNo: _receiptNo, ...sale } = record;
  return { sale, cart: context.cart };
}

/** The context of an idle terminal: no open sale, nothing pending. */
function closedSale(context: CheckoutContext): Partial<CheckoutContext> {
  return {
    saleId: null,
    startedAt: null,
    cart: emptyCart(context.terminal.currency),
    tenders: [],
    paidAt: null,
    searchResults: [],
    lookup: null,
    lookupQueue: [],
    cancelReason: null,
    pendingCommit: null,
    receiptDeferred: false,
  };
}

const hasActiveLines = (context: CheckoutContext) => context.cart.lines.some((l) => !l.voided);

export const checkoutMachine = setup({
  types: {
    context: {} as CheckoutContext,
    events: {} as CheckoutEvent,
    input: {} as CheckoutInput,
  },
  actors: {
    lookupItem: fromPromise<LookupResult, LookupInput>(async () => missing('lookupItem')),
    searchCatalog: fromPromise<SearchHit[], { query: string }>(async () => missing('searchCatalog')),
    commitSale: fromPromise<CommitOutput, CommitInput>(async () => missing('commitSale')),
    printReceipt: fromPromise<ReceiptOutput, ReceiptInput>(async () => missing('printReceipt')),
    journalCancel: fromPromise<void, CancelInput>(async () => missing('journalCancel')),
    // A host without coupons never puts one on a sale, so it never runs this.
    releaseCoupon: fromPromise<void, CouponReleaseInput>(async () => missing('releaseCoupon')),
    payment: paymentMachine,
  },
  guards: {
    opensSale: ({ event }) =>
      'saleId' in event && typeof event.saleId === 'string' && event.saleId !== '' && 'at' in event && typeof event.at === 'string' && event.at !== '',
    hasActiveLines: ({ context }) => hasActiveLines(context),
    hasLines: ({ context }) => context.cart.lines.length > 0,
    hasNoTenders: ({ context }) => context.tenders.length === 0,
    hasTenders: ({ context }) => context.tenders.length > 0,
    noWalletTender: ({ context }) => context.tenders.every((t) => t.method === 'cash'),
    isPaid: ({ context }) => isPaid(context),
    canPark: ({ context }) => context.parked.length < MAX_PARKED,
    isParked: ({ context, event }) => event.type === 'RESUME' && context.parked.some((p) => p.saleId === event.saleId),
    hasQueuedLookup: ({ context }) => context.lookupQueue.length > 0,
    printerCannotPrint: ({ context }) => context.printer?.cannotPrint === true && context.receiptDeferred !== true,
    printerCanPrint: ({ context }) => context.printer?.cannotPrint !== true,
  },
  actions: {
    openSale: assign(({ context, event }) => {
      const e = event as Opening;
      return { ...closedSale(context), saleId: e.saleId ?? null, startedAt: e.at ?? null, lastError: null, lastSale: null, notice: null };
    }),
    refuseOpen: assign({ lastError: 'internal: the host must pass saleId and at with the event that opens a sale' }),
    startLookup: assign(({ event }) => {
      if (!isLookupEvent(event)) return {};
      return { lookup: lookupFrom(event), searchResults: [] };
    }),
    queueLookup: assign(({ context, event }) => {
      if (!isLookupEvent(event)) return {};
      return { lookupQueue: [...context.lookupQueue, lookupFrom(event)] };
    }),
    /**
     * Prices the cart with the store's promotions after every change to it. The default prices
     * nothing (no promotions); the host provides its own with `provideCheckout(…, pricing)`.
     */
    price: assign({}),
    nextLookup: assign(({ context }) => ({ lookup: context.lookupQueue[0] ?? null, lookupQueue: context.lookupQueue.slice(1) })),
    closeSale: assign(({ context }) => closedSale(context)),
    clearError: assign({ lastError: null }),
    printerStatus: assign(({ event }) => (event.type === 'PRINTER.STATUS' ? { printer: event.printer } : {})),
  },
}).createMachine({
  id: 'checkout',
  context: ({ input }) => ({
    terminal: input.terminal,
    limits: input.limits ?? DEFAULT_CART_LIMITS,
    rounding: input.rounding ?? NO_CASH_ROUNDING,
    wallets: input.wallets ?? null,
    saleId: null,
    startedAt: null,
    cart: emptyCart(input.terminal.currency),
    tenders: [],
    paidAt: null,
    parked: [],
    searchResults: [],
    lookup: null,
    lookupQueue: [],
    cancelReason: null,
    lastError: null,
    lastSale: null,
    pendingCommit: null,
    printer: null,
    receiptDeferred: false,
    notice: null,
    payment: null,
    lastPayment: null,
  }),
  initial: 'idle',
  on: {
    'PRINTER.STATUS': { actions: 'printerStatus' },
  },
  states: {
    idle: {
      on: {
        START: [{ guard: 'opensSale', target: 'inSale.ready', actions: 'openSale' }, { actions: 'refuseOpen' }],
        SCAN: [{ guard: 'opensSale', target: 'inSale.lookingUp', actions: ['openSale', 'startLookup'] }, { actions: 'refuseOpen' }],
        ADD: [{ guard: 'opensSale', target: 'inSale.lookingUp', actions: ['openSale', 'startLookup'] }, { actions: 'refuseOpen' }],
        SEARCH: [{ guard: 'opensSale', target: 'inSale.searching', actions: 'openSale' }, { actions: 'refuseOpen' }],
        MEMBER: [{ guard: 'opensSale', target: 'inSale.lookingUp', actions: ['openSale', 'startLookup'] }, { actions: 'refuseOpen' }],
        COUPON: { actions: assign({ lastError: 'add the items first: a coupon is checked against what the customer buys' }) },
        RESUME: [
          {
            guard: 'isParked',
            target: 'inSale.ready',
            actions: assign(({ context, event }) => {
              const p = context.parked.find((x) => x.saleId === event.saleId);
              if (!p) return {};
              return {
                ...closedSale(context),
                saleId: p.saleId,
                startedAt: p.startedAt,
                cart: p.cart,
                parked: context.parked.filter((x) => x.saleId !== event.saleId),
                lastError: null,
              };
            }),
          },
          { actions: assign(({ event }) => ({ lastError: `there is no parked sale ${event.saleId}` })) },
        ],
        CLEAR_ERROR: { actions: 'clearError' },
        SET_CASHIER: { actions: assign(({ context, event }) => ({ terminal: { ...context.terminal, cashier: event.cashier } })) },
      },
    },

    inSale: {
      initial: 'ready',
      on: {
        SET_QUANTITY: {
          actions: [assign(({ context, event }) => tryCart(context, (c) => setQuantity(c, event.lineNo, event.quantityMilli, context.limits))), 'price'],
        },
        VOID_LINE: { actions: [assign(({ context, event }) => tryCart(context, (c) => voidLine(c, event.lineNo, event.reason))), 'price'] },
        LINE_DISCOUNT: {
          actions: [
            assign(({ context, event }) =>
              tryCart(context, (c) =>
                event.discount === null ? clearLineDiscount(c, event.lineNo) : setLineDiscount(c, event.lineNo, event.discount, event.reason),
              ),
            ),
            'price',
          ],
        },
        BASKET_DISCOUNT: {
          actions: assign(({ context, event }) =>
            tryCart(context, (c) => (event.discount === null ? clearBasketDiscount(c) : setBasketDiscount(c, event.discount, event.reason))),
          ),
        },
        OVERRIDE_PRICE: {
          actions: [
            assign(({ context, event }) => tryCart(context, (c) => overridePrice(c, event.lineNo, event.unitPrice, event.reason, context.limits))),
            'price',
          ],
        },
        REMOVE_MEMBER: { actions: [assign(({ context }) => tryCart(context, (c) => removeMember(c))), 'price'] },
        REDEEM_POINTS: { actions: assign(({ context, event }) => tryCart(context, (c) => redeemPoints(c, event.points))) },
        CANCEL: { target: 'cancelling', actions: assign(({ event }) => ({ cancelReason: event.reason, lastError: null })) },
        CLEAR_ERROR: { actions: 'clearError' },
      },
      states: {
        ready: {
          on: {
            SCAN: { target: 'lookingUp', actions: 'startLookup' },
            ADD: { target: 'lookingUp', actions: 'startLookup' },
            COUPON: [
              { guard: ({ context }) => Boolean(context.cart.coupon), actions: assign(({ context }) => ({ lastError: `coupon ${context.cart.coupon?.code ?? ''} is already on this sale: remove it first (one coupon per sale)` })) },
              { guard: 'hasActiveLines', target: 'lookingUp', actions: 'startLookup' },
              { actions: assign({ lastError: 'add the items first: a coupon is checked against what the customer buys' }) },
            ],
            MEMBER: { target: 'lookingUp', actions: 'startLookup' },
            REMOVE_COUPON: [
              { guard: ({ context }) => Boolean(context.cart.coupon), target: 'releasingCoupon' },
              { actions: assign({ lastError: 'there is no coupon on this sale' }) },
            ],
            SEARCH: { target: 'searching' },
            TENDER: [
              {
                guard: ({ context }) => context.cart.coupon?.amount === 0,
                actions: assign(({ context }) => ({
                  lastError: `coupon ${context.cart.coupon?.code ?? ''} needs a spend of at least ${formatMoney({ amount: context.cart.coupon?.minSpend ?? 0, currency: context.cart.currency })}: add items or remove the coupon`,
                })),
              },
              {
                guard: and(['hasActiveLines', 'printerCannotPrint']),
                target: '#checkout.noPaper',
                actions: assign(({ event }) => ({ paidAt: event.at, lastError: null, searchResults: [] })),
              },
              {
                guard: 'hasActiveLines',
                target: '#checkout.tendering',
                actions: assign(({ event }) => ({ paidAt: event.at, lastError: null, searchResults: [] })),
              },
              { actions: assign({ lastError: 'the sale has no items to pay for' }) },
            ],
            PARK: [
              {
                guard: and(['hasLines', 'canPark']),
                target: '#checkout.idle',
                actions: assign(({ context, event }) => {
                  const parked: ParkedSale = {
                    saleId: context.saleId ?? '',
                    startedAt: context.startedAt ?? '',
                    parkedAt: event.at ?? null,
                    cart: context.cart,
                  };
                  return { ...closedSale(context), parked: [...context.parked, parked], lastError: null };
                }),
              },
              { guard: 'hasLines', actions: assign({ lastError: `${MAX_PARKED} sales are already parked: resume or cancel one first` }) },
              { actions: assign({ lastError: 'the sale has no items to park' }) },
            ],
          },
        },
        lookingUp: {
          invoke: {
            id: 'lookupItem',
            src: 'lookupItem',
            input: ({ context }) => ({ ...(context.lookup ?? {}), ...(context.saleId !== null ? { saleId: context.saleId } : {}), spend: couponSpend(context.cart) }),
            onDone: [
              {
                guard: 'hasQueuedLookup',
                target: 'lookingUp',
                reenter: true,
                actions: [assign(({ context, event }) => applyLookup(context, event.output)), 'price', 'nextLookup'],
              },
              { target: 'ready', actions: [assign(({ context, event }) => ({ ...applyLookup(context, event.output), lookup: null })), 'price'] },
            ],
            onError: [
              {
                guard: 'hasQueuedLookup',
                target: 'lookingUp',
                reenter: true,
                actions: [assign(({ event }) => ({ lastError: `lookup failed: ${message(event.error)}` })), 'nextLookup'],
              },
              { target: 'ready', actions: assign(({ event }) => ({ lastError: `lookup failed: ${message(event.error)}`, lookup: null })) },
            ],
          },
          on: {
            SCAN: { actions: 'queueLookup' },
            ADD: { actions: 'queueLookup' },
            COUPON: { actions: 'queueLookup' },
            MEMBER: { actions: 'queueLookup' },
          },
        },
        /** The coupon is off the sale; its single-use reservation is being given back. */
        releasingCoupon: {
          entry: [assign(({ context }) => ({ releasing: context.cart.coupon ? { code: context.cart.coupon.code, saleId: context.saleId ?? '' } : null })), assign(({ context }) => tryCart(context, (c) => removeCoupon(c)))],
          invoke: {
            id: 'releaseCoupon',
            src: 'releaseCoupon',
            input: ({ context }) => context.releasing ?? { code: '', saleId: '' },
            // The coupon is off the sale either way; a reservation the server keeps is listed there.
            onDone: { target: 'ready', actions: assign({ releasing: null }) },
            onError: { target: 'ready', actions: assign(({ event }) => ({ releasing: null, notice: `the coupon is removed, but the store server did not confirm its release: ${message(event.error)}` })) },
          },
        },
        searching: {
          invoke: {
            id: 'searchCatalog',
            src: 'searchCatalog',
            input: ({ event }) => ({ query: event.type === 'SEARCH' ? event.query : '' }),
            onDone: { target: 'ready', actions: assign(({ event }) => ({ searchResults: event.output, lastError: null })) },
            onError: { target: 'ready', actions: assign(({ event }) => ({ lastError: `search failed: ${message(event.error)}` })) },
          },
          on: {
            // A scan wins over a search in progress.
            SCAN: { target: 'lookingUp', actions: 'startLookup' },
            ADD: { target: 'lookingUp', actions: 'startLookup' },
            SEARCH: { target: 'searching', reenter: true },
          },
        },
      },
    },

    /** The printer cannot print: continue without a receipt, or load paper (which carries on). */
    noPaper: {
      on: {
        CONTINUE_WITHOUT_RECEIPT: { target: 'tendering', actions: assign({ receiptDeferred: true, lastError: null }) },
        'PRINTER.STATUS': [
          { guard: ({ event }) => event.printer?.cannotPrint !== true, target: 'tendering', actions: 'printerStatus' },
          { actions: 'printerStatus' },
        ],
        BACK: { target: 'inSale.ready', actions: 'clearError' },
        CANCEL: { target: 'cancelling', actions: assign(({ event }) => ({ cancelReason: event.reason, lastError: null })) },
        SCAN: { actions: assign({ lastError: 'the printer is out of paper: continue without a receipt, load paper, or go back' }) },
        ADD: { actions: assign({ lastError: 'the printer is out of paper: continue without a receipt, load paper, or go back' }) },
        CLEAR_ERROR: { actions: 'clearError' },
      },
    },

    tendering: {
      always: {
        guard: 'isPaid',
        target: 'completing',
        actions: assign(({ context }) => ({ pendingCommit: buildCommit(context) })),
      },
      on: {
        TENDER_CASH: {
          actions: assign(({ context, event }) => {
            try {
              const next = applyTender(tenderState(context), { method: 'cash', amount: event.received });
              return { tenders: next.tenders, paidAt: event.at, lastError: null };
            } catch (e) {
              return { lastError: message(e) };
            }
          }),
        },
        PAY_WALLET: [
          {
            guard: ({ context, event }) => walletRequest(context, event).ok,
            target: 'walletPaying',
            actions: assign(({ context, event }) => {
              const r = walletRequest(context, event);
              return r.ok ? { payment: r.input, lastError: null, notice: null, lastPayment: null } : {};
            }),
          },
          {
            actions: assign(({ context, event }) => {
              const r = walletRequest(context, event);
              return { lastError: r.ok ? null : r.error };
            }),
          },
        ],
        TENDER_WALLET: {
          actions: assign(({ context, event }) => {
            try {
              const next = applyTender(tenderState(context), { method: event.method, amount: event.amount, reference: event.reference });
              return { tenders: next.tenders, paidAt: event.at, lastError: null };
            } catch (e) {
              return { lastError: message(e) };
            }
          }),
        },
        BACK: [
          { guard: 'hasNoTenders', target: 'inSale.ready', actions: 'clearError' },
          { actions: assign({ lastError: 'a payment was already taken: finish paying or cancel the sale' }) },
        ],
        CANCEL: [
          { guard: 'noWalletTender', target: 'cancelling', actions: assign(({ event }) => ({ cancelReason: event.reason, lastError: null })) },
          { actions: assign({ lastError: 'a wallet payment was taken: refund it before cancelling the sale' }) },
        ],
        SCAN: { actions: assign({ lastError: 'the sale is being paid: go back to add items' }) },
        ADD: { actions: assign({ lastError: 'the sale is being paid: go back to add items' }) },
        CLEAR_ERROR: { actions: 'clearError' },
      },
    },

    /** A wallet payment attempt is running; the sale waits for its result. */
    walletPaying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => {
          if (!context.payment) throw new Error('checkout: walletPaying without a payment');
          return context.payment;
        },
        onDone: {
          target: 'tendering',
          actions: assign(({ context, event }) => applyPayment(context, event.output as PaymentResult)),
        },
        onError: {
          target: 'tendering',
          actions: assign(({ event }) => ({ payment: null, lastError: `the wallet payment stopped: ${message(event.error)}` })),
        },
      },
      on: {
        STOP_PAYMENT: { actions: sendTo('payment', ({ event }) => ({ type: 'STOP' as const, ...(event.at !== undefined ? { at: event.at } : {}) })) },
        RESUME_PAYMENT: { actions: sendTo('payment', ({ event }) => ({ type: 'RESUME' as const, ...(event.at !== undefined ? { at: event.at } : {}) })) },
        CANCEL: { actions: assign({ lastError: 'a wallet payment is in progress: stop it first' }) },
        BACK: { actions: assign({ lastError: 'a wallet payment is in progress: stop it first' }) },
        SCAN: { actions: assign({ lastError: 'a wallet payment is in progress: wait for it or stop it' }) },
        ADD: { actions: assign({ lastError: 'a wallet payment is in progress: wait for it or stop it' }) },
        CLEAR_ERROR: { actions: 'clearError' },
      },
    },

    completing: {
      invoke: {
        id: 'commitSale',
        src: 'commitSale',
        input: ({ context }) => {
          if (!context.pendingCommit) throw new Error('checkout: completing without a pending commit');
          return context.pendingCommit;
        },
        onDone: {
          target: 'receipt',
          actions: assign(({ context, event }) => {
            const sale = context.pendingCommit?.sale;
            return {
              ...closedSale(context),
              lastError: null,
              notice: null,
              lastSale: {
                id: sale?.id ?? '',
                receiptNo: event.output.receiptNo,
                receiptDeferred: context.receiptDeferred === true,
                change: sale?.change ?? 0,
                total: sale?.total ?? 0,
                rounding: sale?.rounding ?? 0,
              },
            };
          }),
        },
        onError: { target: 'commitFailed', actions: assign(({ event }) => ({ lastError: `the sale could not be saved: ${message(event.error)}` })) },
      },
    },

    /** The sale is paid but not durable: only retrying is safe (same sale id, same input). */
    commitFailed: {
      on: {
        RETRY: { target: 'completing', actions: 'clearError' },
        CLEAR_ERROR: { actions: 'clearError' },
      },
    },

    receipt: {
      invoke: {
        id: 'printReceipt',
        src: 'printReceipt',
        input: ({ context }) => ({ saleId: context.lastSale?.id ?? '', deferred: context.lastSale?.receiptDeferred === true }),
        onDone: {
          target: 'idle',
          actions: assign(({ context, event }) => ({
            lastSale: context.lastSale ? { ...context.lastSale, receipt: event.output.status } : null,
            notice: receiptNotice(context.lastSale?.receiptNo ?? 0, event.output),
          })),
        },
        // The sale is committed; a printer fault must not lose it. Reprint from the journal.
        onError: {
          target: 'idle',
          actions: assign(({ context, event }) => ({
            lastSale: context.lastSale ? { ...context.lastSale, receipt: 'failed' as const } : null,
            lastError: `receipt ${context.lastSale?.receiptNo ?? '?'} did not print: ${message(event.error)}; the sale is saved, reprint it`,
          })),
        },
      },
    },

    cancelling: {
      invoke: {
        id: 'journalCancel',
        src: 'journalCancel',
        input: ({ context }) => ({
          saleId: context.saleId ?? '',
          reason: context.cancelReason ?? '',
          cart: context.cart,
          tenders: context.tenders,
        }),
        onDone: { target: 'idle', actions: ['closeSale', 'clearError'] },
        // Not recorded: keep the sale so the cashier can try again.
        onError: [
          {
            guard: 'hasTenders',
            target: 'tendering',
            actions: assign(({ event }) => ({ lastError: `the cancellation could not be recorded: ${message(event.error)}` })),
          },
          { target: 'inSale', actions: assign(({ event }) => ({ lastError: `the cancellation could not be recorded: ${message(event.error)}` })) },
        ],
      },
    },
  },
});

/** The payment machine's input for a PAY_WALLET, or why it cannot start. */
function walletRequest(
  context: CheckoutContext,
  event: CheckoutEvent,
): { readonly ok: true; readonly input: PaymentInput } | { readonly ok: false; readonly error: string } {
  if (event.type !== 'PAY_WALLET') return { ok: false, error: 'internal: not a wallet payment' };
  const wallets = context.wallets;
  if (!wallets) return { ok: false, error: 'wallet payments are not set up on this terminal: take cash' };
  let due: number;
  try {
    const s = tenderState(context);
    due = amountDue(s, s.tenders, s.rounding).remaining;
  } catch (e) {
    return { ok: false, error: message(e) };
  }
  const amount = event.amount ?? due;
  const fmt = (a: number) => formatMoney({ amount: a, currency: context.cart.currency });
  if (amount > due) return { ok: false, error: `${event.wallet} ${fmt(amount)} is more than the ${fmt(due)} still to pay` };
  const input: PaymentInput = {
    wallet: event.wallet,
    mode: event.mode,
    outTradeNo: event.outTradeNo,
    amount,
    currency: context.cart.currency,
    ...(event.authCode !== undefined ? { authCode: event.authCode } : {}),
    subject: wallets.subject,
    storeId: wallets.storeId,
    terminalId: context.terminal.terminalId,
    operatorId: context.terminal.cashier,
    startedAt: event.at,
    ...(wallets.timing ? { timing: wallets.timing } : {}),
  };
  const problem = paymentInputProblem(input);
  return problem === null ? { ok: true, input } : { ok: false, error: problem };
}

/** A finished attempt: a paid one becomes a tender; anything else is told to the cashier. */
function applyPayment(context: CheckoutContext, result: PaymentResult): Partial<CheckoutContext> {
  const base = { payment: null, lastPayment: result };
  const attempt = context.payment;
  if (result.kind !== 'paid' || !attempt) {
    const pending = result.kind === 'cancelPending' || result.kind === 'closePending' || result.kind === 'manualReconcile';
    return { ...base, lastError: pending ? null : result.message, notice: pending ? result.message : null };
  }
  try {
    const next = applyTender(tenderState(context), { method: attempt.wallet, amount: attempt.amount, reference: result.trade.tradeNo });
    return { ...base, tenders: next.tenders, paidAt: attempt.startedAt ?? context.paidAt, lastError: null, notice: result.unwanted ? `${result.message}; it was kept as this sale's payment` : null };
  } catch (e) {
    return { ...base, lastError: `the ${attempt.wallet} payment ${result.trade.tradeNo} was taken but could not be applied: ${message(e)}; refund it` };
  }
}

function receiptNotice(receiptNo: number, output: ReceiptOutput): string | null {
  switch (output.status) {
    case 'printed':
    case 'none':
      return null;
    case 'deferred':
      return `sale saved without a receipt: receipt ${receiptNo} is listed to reprint`;
    case 'unconfirmed':
      return `receipt ${receiptNo} was sent but the printer did not confirm it${output.detail ? ` (${output.detail})` : ''}: check the slip, it stays listed until it prints`;
    case 'interrupted':
      return `receipt ${receiptNo} was cut short${output.detail ? ` (${output.detail})` : ''}: it reprints when the printer is ready`;
    case 'failed':
      return `receipt ${receiptNo} did not print${output.detail ? ` (${output.detail})` : ''}: the sale is saved, the receipt stays listed to reprint`;
  }
}

function applyLookup(context: CheckoutContext, result: LookupResult): Partial<CheckoutContext> {
  if (!result.ok) return { lastError: result.error };
  if ('member' in result) return tryCart(context, (c) => setMember(c, result.member));
  if ('coupon' in result) return tryCart(context, (c) => setCoupon(c, result.coupon));
  const asked = context.lookup?.quantityMilli;
  const item: CartItemInput =
    asked !== undefined && result.item.quantityMilli === undefined && result.item.weightGrams === undefined
      ? { ...result.item, quantityMilli: asked }
      : result.item;
  return tryCart(context, (c) => addItem(c, item, context.limits));
}

// ---------------------------------------------------------------------------------------------
// Host wiring

/** The effects a host implements; each receives an AbortSignal that fires when the state is left. */
export interface CheckoutEffects {
  lookupItem(input: LookupInput, signal: AbortSignal): Promise<LookupResult>;
  searchCatalog(input: { query: string }, signal: AbortSignal): Promise<SearchHit[]>;
  /** Idempotent per sale id: a restored snapshot re-runs it with the same input. */
  commitSale(input: CommitInput, signal: AbortSignal): Promise<CommitOutput>;
  /** What became of the slip; never undoes the sale. Idempotent per sale id (reprints are marked). */
  printReceipt(input: ReceiptInput, signal: AbortSignal): Promise<ReceiptOutput>;
  /** Idempotent per sale id. */
  journalCancel(input: CancelInput, signal: AbortSignal): Promise<void>;
  /** Gives a coupon's single-use reservation back (best effort; the coupon is off the sale already). Default: nothing to give back. */
  releaseCoupon?(input: CouponReleaseInput, signal: AbortSignal): Promise<void>;
}

/**
 * Prices an open cart with the promotions in force (src/domain/cart-promotions.ts priceCart):
 * called after every change to the cart, with when the sale was opened. Pure in its result
 * for a given cart and time; it may read the host's current promotions.
 */
export type CartPricing = (cart: Cart, startedAt: string | null) => Cart;

/** The machine with the host's effects plugged in; `payment` is the payment machine with its effects provided. */
export function provideCheckout(effects: CheckoutEffects, payment: typeof paymentMachine = paymentMachine, pricing?: CartPricing) {
  return checkoutMachine.provide({
    actions: pricing
      ? {
          price: assign(({ context }) => {
            try {
              return { cart: pricing(context.cart, context.startedAt) };
            } catch (e) {
              return { lastError: `promotions could not be applied: ${message(e)}` };
            }
          }),
        }
      : {},
    actors: {
      releaseCoupon: fromPromise<void, CouponReleaseInput>(({ input, signal }) => (effects.releaseCoupon ? effects.releaseCoupon(input, signal) : Promise.resolve())),
      payment,
      lookupItem: fromPromise<LookupResult, LookupInput>(({ input, signal }) => effects.lookupItem(input, signal)),
      searchCatalog: fromPromise<SearchHit[], { query: string }>(({ input, signal }) => effects.searchCatalog(input, signal)),
      commitSale: fromPromise<CommitOutput, CommitInput>(({ input, signal }) => effects.commitSale(input, signal)),
      printReceipt: fromPromise<ReceiptOutput, ReceiptInput>(({ input, signal }) => effects.printReceipt(input, signal)),
      journalCancel: fromPromise<void, CancelInput>(({ input, signal }) => effects.journalCancel(input, signal)),
    },
  });
}

export type CheckoutMachine = typeof checkoutMachine;
