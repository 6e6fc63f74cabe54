// PosApi: the one contract between the core and every surface (cashier, customer display,
// manager), whichever host carries it: Electron IPC through the preload, or the WebSocket of
// `kassa serve`. Requests are named, their params and results have zod schemas, and the core
// validates every params object before a handler sees it (ARCHITECTURE.md §1, §3 rule 7).
// Events are pushed by the core to every connected surface.
//
// Pure: zod and types only, so the renderer, the core and the tests all import it.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------- envelope

/** A surface asks the core something. `id` is unique per connection, chosen by the client. */
export const requestMessage = z.object({
  t: z.literal('req'),
  id: z.number().int().nonnegative(),
  name: z.string().min(1).max(64),
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof requestMessage>;

export const API_ERROR_CODES = [
  /** The params failed their schema; the message names the field. */
  'bad-request',
  /** No request by that name. */
  'unknown-request',
  /** A rule said no: permission, no such sale, no printer, wallet not enabled… (cashier-readable). */
  'refused',
  /** The core is starting or stopping. */
  'unavailable',
  /** Nobody is logged in at this terminal (users exist): show the log-in screen. */
  'login-required',
  /**
   * The operator's role lacks `permission`: a user who has it approves in place (user + PIN)
   * and the surface sends the same request again with `approval`.
   */
  'approval-required',
  /** A bug: logged in the core with the request name. */
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const apiError = z.object({
  code: z.enum(API_ERROR_CODES),
  message: z.string(),
  /** With 'approval-required': the permission an approver must hold. */
  permission: z.string().optional(),
});
export type ApiErrorBody = z.infer<typeof apiError>;

export const replyMessage = z.discriminatedUnion('ok', [
  z.object({ t: z.literal('res'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ t: z.literal('res'), id: z.number().int(), ok: z.literal(false), error: apiError }),
]);
export type ReplyMessage = z.infer<typeof replyMessage>;

export const eventMessage = z.object({ t: z.literal('evt'), name: z.string(), payload: z.unknown() });
export type EventMessage = z.infer<typeof eventMessage>;

export type HostMessage = ReplyMessage | EventMessage;
export const hostMessage = z.union([replyMessage, eventMessage]);

/**
 * What a host hands the renderer: Electron's preload exposes one as `window.pos`; browser mode
 * builds one over a WebSocket. The renderer never knows which.
 */
export interface PosChannel {
  readonly host: 'electron' | 'browser';
  post(message: RequestMessage): void;
  /** Every reply and event from the core; returns the unsubscribe function. */
  subscribe(listener: (message: HostMessage) => void): () => void;
}

// ---------------------------------------------------------------- shared pieces

const minor = z.number().int().safe();
const positiveMinor = minor.positive();
const lineNo = z.number().int().positive();
const reason = z.string().trim().min(1, 'give a reason').max(200);
const quantityMilli = z.number().int().positive().max(99_999_000);

export const language = z.enum(['zh-CN', 'en']);
export type Language = z.infer<typeof language>;
export const wallet = z.enum(['alipay', 'wechat']);
export type Wallet = z.infer<typeof wallet>;
export const surface = z.enum(['cashier', 'customer', 'manager']);
export type Surface = z.infer<typeof surface>;
export const role = z.enum(['cashier', 'supervisor', 'manager']);
export type Role = z.infer<typeof role>;
const tenderMethodInput = z.enum(['cash', 'alipay', 'wechat']);
const pin = z.string().regex(/^\d{4,8}$/, 'a PIN is 4 to 8 digits');
const userId = z.string().min(1).max(64);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as yyyy-mm-dd');
/**
 * A manager (or whoever holds the permission) approving in place: their user id and PIN, sent
 * with the request that needed it. The core checks it and journals who approved what.
 */
export const approval = z.object({ userId, pin }).strict();
export type ApprovalInput = z.infer<typeof approval>;
/** A cash count: how many of each denomination (keys as DenominationView.key). */
const counts = z.record(z.string().min(1).max(16), z.number().int('count whole notes and coins').min(0, 'a count cannot be negative').max(1_000_000));

const discountInput = z.union([
  z.object({ amount: positiveMinor }).strict(),
  z.object({ percentBps: z.number().int().min(1).max(10_000) }).strict(),
]);

// ---------------------------------------------------------------- checkout commands

/**
 * What a surface may ask the checkout machine to do. The core stamps sale ids, trade numbers
 * and times itself (ARCHITECTURE.md §3 rule 4): a surface never chooses them.
 */
export const checkoutCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('SCAN'), data: z.string().min(1).max(512) }).strict(),
  z.object({ type: z.literal('ADD'), sku: z.string().min(1).max(64), quantityMilli: quantityMilli.optional() }).strict(),
  z.object({ type: z.literal('SET_QUANTITY'), lineNo, quantityMilli }).strict(),
  z.object({ type: z.literal('VOID_LINE'), lineNo, reason }).strict(),
  z.object({ type: z.literal('LINE_DISCOUNT'), lineNo, discount: discountInput.nullable(), reason }).strict(),
  z.object({ type: z.literal('BASKET_DISCOUNT'), discount: discountInput.nullable(), reason }).strict(),
  z.object({ type: z.literal('OVERRIDE_PRICE'), lineNo, unitPrice: minor.nonnegative(), reason }).strict(),
  z.object({ type: z.literal('CLEAR_ERROR') }).strict(),
  z.object({ type: z.literal('TENDER') }).strict(),
  z.object({ type: z.literal('TENDER_CASH'), received: positiveMinor }).strict(),
  /** Barcode pay needs the customer's code; QR pay shows a code on the customer display. */
  z.object({ type: z.literal('PAY_WALLET'), wallet, mode: z.enum(['barcode', 'qr']), authCode: z.string().min(1).max(64).optional() }).strict(),
  z.object({ type: z.literal('STOP_PAYMENT') }).strict(),
  z.object({ type: z.literal('BACK') }).strict(),
  z.object({ type: z.literal('CANCEL'), reason }).strict(),
  z.object({ type: z.literal('PARK') }).strict(),
  z.object({ type: z.literal('RESUME'), saleId: z.string().min(1).max(80) }).strict(),
  z.object({ type: z.literal('RETRY') }).strict(),
  z.object({ type: z.literal('CONTINUE_WITHOUT_RECEIPT') }).strict(),
  /** A coupon code typed in (a scanned coupon comes as SCAN). */
  z.object({ type: z.literal('COUPON'), code: z.string().trim().min(1, 'enter the coupon code').max(64) }).strict(),
  z.object({ type: z.literal('REMOVE_COUPON') }).strict(),
  /** A member number, card or phone typed in (a scanned card comes as SCAN). */
  z.object({ type: z.literal('MEMBER'), query: z.string().trim().min(1, 'enter a member number, card or phone').max(128) }).strict(),
  z.object({ type: z.literal('REMOVE_MEMBER') }).strict(),
  /** Redeem the member's points (0 takes it back). */
  z.object({ type: z.literal('REDEEM_POINTS'), points: z.number().int('points are whole').min(0, 'points cannot be negative').max(1_000_000_000_000) }).strict(),
]);
export type CheckoutCommand = z.infer<typeof checkoutCommand>;

// ---------------------------------------------------------------- views (core → surfaces)

/** The terminal as the surfaces need to know it, fetched once at start. */
export interface TerminalInfo {
  readonly protocol: number;
  readonly terminalId: string;
  readonly storeId: string;
  readonly currency: string;
  /** The terminal's configured language; each surface may switch its own. */
  readonly language: Language;
  /** Training: sales are flagged, wallets go to the sandbox. */
  readonly training: boolean;
  /** Wallets enabled on this terminal (empty: cash only). */
  readonly wallets: readonly Wallet[];
  /** Banknotes offered as quick cash amounts, minor units, smallest first. */
  readonly quickCash: readonly number[];
  /** One-touch items for the cashier (fruit, bags, coffee…). */
  readonly quickKeys: readonly QuickKey[];
  readonly host: 'electron' | 'browser';
}

export interface QuickKey {
  readonly sku: string;
  readonly label: string;
  readonly price: number;
  readonly unit: 'each' | 'kg';
}

export type CheckoutPhase =
  /** No sale open. */
  | 'idle'
  /** Items being added (a lookup may be running: `busy`). */
  | 'selling'
  /** The printer cannot print: the cashier fixes it or continues without a receipt. */
  | 'noPaper'
  /** Taking money. */
  | 'tendering'
  /** A wallet payment is running (see `payment`). */
  | 'paying'
  /** Paid: committing, printing. */
  | 'finishing'
  /** The commit failed (disk full…): retry. */
  | 'commitFailed'
  | 'cancelling';

export interface CartLineView {
  readonly lineNo: number;
  readonly sku: string;
  readonly name: string;
  readonly unit: 'each' | 'kg';
  /** Items × 1000, or grams. */
  readonly quantityMilli: number;
  readonly unitPrice: number;
  /** Set when the cashier overrode the price. */
  readonly originalUnitPrice: number | null;
  /** Line discount, promotions and its share of everything taken off the basket. */
  readonly discount: number;
  readonly discountReason: string | null;
  /** Promotions on this line, each with what it takes off (issue 8). */
  readonly promotions: readonly PromotionView[];
  /** What the customer pays for the line. */
  readonly due: number;
  readonly voided: boolean;
  readonly voidReason: string | null;
}

/** A promotion as the cashier and the customer see it. */
export interface PromotionView {
  readonly id: string;
  readonly label: string;
  readonly amount: number;
}

export interface CouponView {
  readonly code: string;
  readonly name: string;
  /** What it takes off now (0: the spend is below its minimum). */
  readonly amount: number;
  readonly minSpend: number;
  /** What the minimum is measured against now: the goods after promotions and the cashier's discounts. */
  readonly spend: number;
  /** How its single use was secured: reserved, offline, multi, training. */
  readonly redemption: string;
}

export interface MemberView {
  readonly id: string;
  readonly name: string;
  /** Points the member can redeem. */
  readonly points: number;
  readonly pointsRedeemed: number;
  readonly pointsDiscount: number;
  /** Most points that can be redeemed on this sale now (0: none). */
  readonly redeemable: number;
}

export interface TotalsView {
  readonly gross: number;
  /** Everything taken off: line and basket discounts, promotions, coupon, points. */
  readonly discounts: number;
  /** Of which promotions (line and basket). */
  readonly promotions: number;
  readonly tax: number;
  readonly total: number;
  readonly lineCount: number;
}

export interface TenderView {
  readonly method: 'cash' | Wallet;
  readonly amount: number;
  readonly reference: string | null;
}

export interface DueView {
  /** Still to pay, before cash rounding. */
  readonly remaining: number;
  /** What to ask in cash (rounded). */
  readonly cashDue: number;
  readonly paid: number;
}

export interface PaymentView {
  readonly wallet: Wallet;
  readonly mode: 'barcode' | 'qr';
  readonly amount: number;
  readonly outTradeNo: string;
  /** QR mode: what the customer scans, once the gateway has made it. */
  readonly qrCode: string | null;
  /** For the cashier: "waiting for the customer to confirm"… */
  readonly message: string;
  readonly startedAt: string | null;
  /** When the terminal gives up and cancels/closes the trade. */
  readonly deadlineAt: string | null;
  /** The cashier pressed stop (or the deadline passed): the trade is being ended. */
  readonly stopping: boolean;
}

export interface ParkedView {
  readonly saleId: string;
  readonly parkedAt: string | null;
  readonly lineCount: number;
  readonly total: number;
}

export interface LastSaleView {
  readonly saleId: string;
  readonly receiptNo: number;
  readonly total: number;
  readonly change: number;
  /** printed | unconfirmed | deferred | interrupted | failed | none; null while printing. */
  readonly receipt: string | null;
}

export interface CheckoutView {
  /** The machine's own state name, for diagnostics and tests. */
  readonly state: string;
  readonly phase: CheckoutPhase;
  /** A lookup, commit, print or payment is running. */
  readonly busy: boolean;
  readonly saleId: string | null;
  readonly currency: string;
  readonly lines: readonly CartLineView[];
  readonly basketDiscount: { readonly amount: number; readonly reason: string } | null;
  /** Basket-level promotions applied (issue 8). */
  readonly basketPromotions: readonly PromotionView[];
  readonly coupon: CouponView | null;
  readonly member: MemberView | null;
  readonly totals: TotalsView;
  readonly tenders: readonly TenderView[];
  readonly due: DueView | null;
  readonly payment: PaymentView | null;
  readonly lastPayment: { readonly kind: string; readonly wallet: Wallet; readonly message: string } | null;
  readonly lastSale: LastSaleView | null;
  readonly parked: readonly ParkedView[];
  readonly printer: { readonly cannotPrint: boolean; readonly detail: string } | null;
  /** Cashier-readable; cleared with CLEAR_ERROR. */
  readonly error: string | null;
  readonly notice: string | null;
}

export type CustomerPhase = 'welcome' | 'cart' | 'qr' | 'paying' | 'paid' | 'failed' | 'thanks';

/** What the customer display shows: built by the core so every host shows the same. */
export interface CustomerView {
  readonly phase: CustomerPhase;
  readonly currency: string;
  /** Newest last; the display shows the tail. */
  readonly lines: readonly {
    readonly name: string;
    readonly quantityMilli: number;
    readonly unit: 'each' | 'kg';
    readonly due: number;
    /** Promotion labels on the line ("Buy 2 get 1 −3.50"), absent when none. */
    readonly promotions?: readonly { readonly label: string; readonly amount: number }[];
  }[];
  /** Everything the customer saves on this sale (promotions, coupon, points, discounts); 0: none. */
  readonly savings?: number;
  /** The member greeted on the display, when identified. */
  readonly member?: { readonly name: string; readonly points: number } | null;
  readonly total: number;
  readonly paid: number;
  readonly change: number | null;
  readonly qr: { readonly wallet: Wallet; readonly payload: string; readonly amount: number; readonly deadlineAt: string | null } | null;
  /** Short, large text: "Please scan with Alipay", "Paid, thank you". */
  readonly message: string | null;
}

export type DeviceState = 'disconnected' | 'connecting' | 'ready' | 'degraded' | 'fault' | 'reconnecting';

export interface DeviceView {
  readonly id: string;
  readonly type: 'printer' | 'scanner' | 'display' | 'scale' | 'drawer';
  readonly address: string;
  readonly state: DeviceState;
  readonly detail: string;
  readonly warnings: number;
  readonly lastWarning: string | null;
  readonly since: string | null;
}

export interface RecentSale {
  readonly saleId: string;
  readonly receiptNo: number;
  readonly completedAt: string;
  readonly total: number;
  readonly currency: string;
  readonly tenders: readonly TenderView[];
  /** printed | unconfirmed | deferred | interrupted | failed | none | unknown */
  readonly receipt: string;
  readonly training: boolean;
}

export interface ReceiptPreview {
  readonly saleId: string;
  readonly receiptNo: number;
  /** The receipt as the virtual printer decodes it, one string per printed line. */
  readonly text: readonly string[];
  /** A PNG of the printed slip, as a data: URL. */
  readonly png: string;
}

export interface Notice {
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly at: string;
}

/** The terminal's sync with the store server (issue 6); null when the terminal does not sync. */
export interface SyncView {
  readonly state: 'syncing' | 'idle' | 'offline' | 'failing';
  /** Sales and refunds not yet taken by the store server. */
  readonly backlog: number;
  /** Items the server refused, listed for the manager. */
  readonly deadLetters: number;
  readonly lastSuccessAt: string | null;
  /** Why the last round failed, for people. */
  readonly lastError: string | null;
  /** offline/failing: when the next try is due. */
  readonly retryInMs: number | null;
}

// ---------------------------------------------------------------- staff, shifts, reports (issue 7)

export interface OperatorView {
  /** null in setup mode (no users on the terminal yet). */
  readonly userId: string | null;
  readonly name: string;
  readonly role: Role;
  readonly permissions: readonly string[];
}

/** Someone who can log in or approve, for the log-in list and the approval dialog. */
export interface UserChoice {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly permissions: readonly string[];
  /** Locked after wrong PINs until then (ISO); null when not locked. */
  readonly lockedUntil: string | null;
}

export interface UserView extends UserChoice {
  readonly active: boolean;
  readonly createdAt: string;
}

export interface ShiftSummaryView {
  readonly id: string;
  readonly openedAt: string;
  readonly openedBy: string;
  readonly float: number;
  /** Who is selling now (a cashier change moves this). */
  readonly cashier: string;
  readonly paidIn: number;
  readonly paidOut: number;
  /** Sales that took cash in this shift. */
  readonly sales: number;
}

/** Who is at the terminal and which shift is open; pushed as the 'session' event on every change. */
export interface SessionView {
  /** false: setup mode — no users yet, no log-in, everything is allowed (the manager screen warns). */
  readonly usersExist: boolean;
  /** null: somebody must log in first. */
  readonly operator: OperatorView | null;
  readonly shift: ShiftSummaryView | null;
  /** Active users, for the log-in list and for choosing an approver. */
  readonly users: readonly UserChoice[];
}

export interface DenominationView {
  /** The count key, e.g. "100" (yuan) or "0.5". */
  readonly key: string;
  readonly label: string;
  /** Minor units. */
  readonly value: number;
  readonly kind: 'note' | 'coin';
}

export interface WorkingLine {
  readonly label: string;
  /** Signed minor units, as it enters the sum. */
  readonly amount: number;
}

export interface ShiftCloseView {
  readonly shiftId: string;
  readonly counted: number;
  readonly expected: number;
  /** counted − expected: negative when short. */
  readonly overShort: number;
  /** How `expected` was reached, step by step. */
  readonly working: readonly WorkingLine[];
}

export interface ReportView {
  readonly kind: 'X' | 'Z';
  readonly zNo: number | null;
  readonly terminalId: string;
  readonly currency: string;
  /** The period covered (ISO); from is null for everything since the first sale. */
  readonly from: string | null;
  readonly to: string;
  readonly generatedAt: string;
  readonly sales: { readonly count: number; readonly gross: number; readonly discounts: number; readonly net: number; readonly tax: number; readonly total: number; readonly rounding: number };
  readonly returns: { readonly count: number; readonly amount: number };
  readonly voids: { readonly lines: number; readonly amount: number; readonly cancelledSales: number };
  readonly discounts: { readonly count: number; readonly amount: number };
  readonly taxByRate: readonly { readonly taxClass: string; readonly rateBps: number; readonly base: number; readonly tax: number }[];
  readonly tenders: readonly { readonly method: 'cash' | Wallet; readonly count: number; readonly amount: number }[];
  readonly wallets: readonly { readonly provider: Wallet; readonly count: number; readonly amount: number; readonly refunded: number }[];
  readonly cashiers: readonly {
    readonly cashier: string;
    readonly sales: number;
    readonly amount: number;
    readonly refunds: number;
    readonly voids: number;
    readonly noSales: number;
    readonly overrides: number;
    readonly manual: number;
  }[];
  /** 24 rows, hour 0..23 of the terminal's local time. */
  readonly hourly: readonly { readonly hour: number; readonly count: number; readonly amount: number }[];
  readonly cash: {
    readonly shifts: readonly {
      readonly shiftId: string;
      readonly openedAt: string;
      readonly closedAt: string | null;
      readonly expected: number;
      readonly counted: number | null;
      readonly overShort: number | null;
      readonly working: readonly WorkingLine[];
    }[];
    /** Cash taken by sales made while no shift was open. */
    readonly outsideShifts: number;
  };
  /** Antifraud counts over their thresholds. */
  readonly flags: readonly { readonly cashier: string; readonly shiftId: string | null; readonly signal: string; readonly count: number; readonly threshold: number }[];
  /** The report as it prints, one string per line. */
  readonly text: readonly string[];
}

export interface ZListItem {
  readonly zNo: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly salesTotal: number;
  readonly saleCount: number;
}

export interface ExportedFile {
  readonly filename: string;
  readonly mime: string;
  /** The file's bytes, base64. */
  readonly base64: string;
}

export type ReconcileStatus = 'matched' | 'missing-locally' | 'missing-at-provider' | 'amount-mismatch';

export interface ReconcileItemView {
  /** out_trade_no for a payment, out_request_no for a refund. */
  readonly key: string;
  readonly provider: Wallet;
  readonly kind: 'payment' | 'refund';
  readonly status: ReconcileStatus;
  readonly local: number | null;
  readonly atProvider: number | null;
  readonly resolved: { readonly reason: string; readonly by: string; readonly at: string } | null;
}

export interface ReconcileView {
  readonly date: string;
  readonly providers: readonly {
    readonly provider: Wallet;
    readonly billRows: number;
    readonly matched: number;
    readonly missingLocally: number;
    readonly missingAtProvider: number;
    readonly amountMismatch: number;
    readonly localTotal: number;
    readonly providerTotal: number;
  }[];
  /** Unmatched first; matched ones too, for the record. */
  readonly items: readonly ReconcileItemView[];
}

export interface SaleHistoryRow {
  readonly saleId: string;
  readonly receiptNo: number;
  /** "T01-000123" */
  readonly receipt: string;
  readonly completedAt: string;
  readonly total: number;
  readonly currency: string;
  readonly tenders: readonly TenderView[];
  readonly cashier: string;
  /** Refunded so far (minor units). */
  readonly refunded: number;
  readonly training: boolean;
}

export interface RefundResultView {
  readonly receipt: string;
  readonly amount: number;
  /** Cash to hand back now; the drawer is opened for it. */
  readonly cash: number;
  readonly refunded: number;
  readonly pending: number;
  readonly failed: number;
  readonly message: string;
}

export interface StoreSettlementView {
  readonly storeId: string;
  readonly generatedAt: string;
  readonly terminals: readonly {
    readonly terminalId: string;
    readonly currency: string;
    readonly saleCount: number;
    readonly salesTotal: number;
    readonly refundTotal: number;
    readonly net: number;
    readonly byMethod: readonly { readonly method: 'cash' | Wallet; readonly taken: number; readonly refunded: number }[];
    /** e.g. 'unsent', 'receipt-gap', 'silent'. */
    readonly flags: readonly string[];
  }[];
  readonly store: readonly { readonly currency: string; readonly saleCount: number; readonly salesTotal: number; readonly refundTotal: number; readonly net: number; readonly terminalCount: number }[];
}

export interface JournalCheckView {
  readonly ok: boolean;
  readonly journalRows: number;
  readonly sales: number;
  /** The first problem, e.g. "journal row 812 was changed after it was written". */
  readonly problems: readonly string[];
}

/** A member and their purchases at this terminal (manager screen, issue 8). */
export interface MemberHistoryView {
  readonly id: string;
  readonly name: string;
  readonly phone: string | null;
  readonly active: boolean;
  /** Redeemable now: the store server's balance plus this terminal's unsent sales. */
  readonly points: number;
  /** Newest first, this terminal's sales (the store server has every terminal's: `kassa store-server members show`). */
  readonly purchases: readonly {
    readonly saleId: string;
    readonly receiptNo: number;
    readonly completedAt: string;
    readonly paid: number;
    readonly pointsEarned: number;
    readonly pointsRedeemed: number;
  }[];
}

export interface SearchHitView {
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly unit: 'each' | 'kg';
}

// ---------------------------------------------------------------- requests

const empty = z.object({}).strict();

function request<P extends z.ZodType, R>(params: P): { readonly params: P; readonly result: R } {
  return { params, result: undefined as unknown as R };
}

/**
 * Every request a surface can make. The core's handlers are typed from this map, and so is the
 * renderer's client: a misspelt name or a wrong params shape is a compile error on both sides.
 */
export const posRequests = {
  /** Says which surface connected; answers what it needs to draw itself. */
  'terminal.hello': request<z.ZodObject<{ surface: typeof surface }>, TerminalInfo>(z.object({ surface }).strict()),
  'checkout.view': request<typeof empty, CheckoutView>(empty),
  /** Applies one command; answers the view right after (effects may still be running). */
  /**
   * Applies one command; answers the view right after (effects may still be running). A void or
   * cancel once a tender is taken, a price override and a discount over the limit need their
   * permission, or an `approval` from someone who has it.
   */
  'checkout.send': request<z.ZodObject<{ command: typeof checkoutCommand; approval: z.ZodOptional<typeof approval> }>, CheckoutView>(
    z.object({ command: checkoutCommand, approval: approval.optional() }).strict(),
  ),
  'customer.view': request<typeof empty, CustomerView>(empty),
  /** Search as you type, straight on the catalog (does not touch the sale). */
  'catalog.search': request<z.ZodObject<{ query: z.ZodString; limit: z.ZodOptional<z.ZodNumber> }>, readonly SearchHitView[]>(
    z.object({ query: z.string().trim().min(1, 'type something to search for').max(100), limit: z.number().int().min(1).max(50).optional() }).strict(),
  ),
  'sales.recent': request<z.ZodObject<{ limit: z.ZodOptional<z.ZodNumber> }>, readonly RecentSale[]>(
    z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
  ),
  'sales.receipt': request<z.ZodObject<{ saleId: z.ZodString }>, ReceiptPreview>(z.object({ saleId: z.string().min(1).max(80) }).strict()),
  'sales.reprint': request<z.ZodObject<{ saleId: z.ZodString; approval: z.ZodOptional<typeof approval> }>, { readonly receiptNo: number; readonly status: string; readonly detail: string | null }>(
    z.object({ saleId: z.string().min(1).max(80), approval: approval.optional() }).strict(),
  ),
  'devices.list': request<typeof empty, readonly DeviceView[]>(empty),
  'devices.testPrint': request<typeof empty, { readonly status: string; readonly detail: string | null }>(empty),
  /** A no-sale opening: needs 'drawer.no-sale' (or an approval). */
  'devices.openDrawer': request<z.ZodObject<{ reason: typeof reason; approval: z.ZodOptional<typeof approval> }>, { readonly opened: true }>(
    z.object({ reason, approval: approval.optional() }).strict(),
  ),
  'devices.reconnect': request<z.ZodObject<{ id: z.ZodString }>, DeviceView>(z.object({ id: z.string().min(1).max(64) }).strict()),
  /** null: this terminal does not sync with a store server. */
  'sync.view': request<typeof empty, SyncView | null>(empty),
  /** A member by number, card or phone, with their purchases at this terminal (manager). */
  'members.find': request<z.ZodObject<{ query: z.ZodString }>, MemberHistoryView>(
    z.object({ query: z.string().trim().min(1, 'enter a member number, card or phone').max(128) }).strict(),
  ),

  // ---- staff and session (issue 7). Requests that need a permission take an optional `approval`.
  'session.view': request<typeof empty, SessionView>(empty),
  'session.login': request<z.ZodObject<{ userId: typeof userId; pin: typeof pin }>, SessionView>(z.object({ userId, pin }).strict()),
  'session.logout': request<typeof empty, SessionView>(empty),
  'users.list': request<typeof empty, readonly UserView[]>(empty),
  'users.add': request<z.ZodObject<{ name: z.ZodString; role: typeof role; pin: typeof pin; approval: z.ZodOptional<typeof approval> }>, UserView>(
    z.object({ name: z.string().trim().min(1, 'give the user a name').max(40), role, pin, approval: approval.optional() }).strict(),
  ),
  /** Change a user's role, PIN or whether they may log in; unlock after a lockout. */
  'users.update': request<
    z.ZodObject<{ id: typeof userId; role: z.ZodOptional<typeof role>; pin: z.ZodOptional<typeof pin>; active: z.ZodOptional<z.ZodBoolean>; unlock: z.ZodOptional<z.ZodLiteral<true>>; approval: z.ZodOptional<typeof approval> }>,
    UserView
  >(z.object({ id: userId, role: role.optional(), pin: pin.optional(), active: z.boolean().optional(), unlock: z.literal(true).optional(), approval: approval.optional() }).strict()),

  // ---- shifts
  'shift.denominations': request<typeof empty, readonly DenominationView[]>(empty),
  /** Open with a counted float: by denomination (`counts`) or as one amount (`float`). */
  'shift.open': request<z.ZodObject<{ counts: z.ZodOptional<typeof counts>; float: z.ZodOptional<z.ZodNumber>; approval: z.ZodOptional<typeof approval> }>, SessionView>(
    z.object({ counts: counts.optional(), float: minor.nonnegative().optional(), approval: approval.optional() }).strict().refine((p) => (p.counts === undefined) !== (p.float === undefined), { message: 'give the float either as counts or as one amount' }),
  ),
  'shift.cash': request<z.ZodObject<{ kind: z.ZodEnum<{ 'paid-in': 'paid-in'; 'paid-out': 'paid-out' }>; amount: z.ZodNumber; reason: typeof reason; approval: z.ZodOptional<typeof approval> }>, SessionView>(
    z.object({ kind: z.enum(['paid-in', 'paid-out']), amount: positiveMinor, reason, approval: approval.optional() }).strict(),
  ),
  /** Blind close: the count goes in before the expected figure comes out. */
  'shift.close': request<z.ZodObject<{ counts: typeof counts; approval: z.ZodOptional<typeof approval> }>, ShiftCloseView>(
    z.object({ counts, approval: approval.optional() }).strict(),
  ),

  // ---- reports
  /** X: since the last Z (no date) or a whole calendar day; changes nothing. */
  'report.x': request<z.ZodObject<{ date: z.ZodOptional<typeof isoDate> }>, ReportView>(z.object({ date: isoDate.optional() }).strict()),
  /** Z: closes the day; sequential, stored and journalled. */
  'report.z': request<z.ZodObject<{ approval: z.ZodOptional<typeof approval>; print: z.ZodOptional<z.ZodBoolean> }>, ReportView>(
    z.object({ approval: approval.optional(), print: z.boolean().optional() }).strict(),
  ),
  'report.zList': request<z.ZodObject<{ date: z.ZodOptional<typeof isoDate> }>, readonly ZListItem[]>(z.object({ date: isoDate.optional() }).strict()),
  'report.zGet': request<z.ZodObject<{ zNo: z.ZodNumber }>, ReportView>(z.object({ zNo: z.number().int().positive() }).strict()),
  /** Prints a stored Z (`zNo`), an X of a calendar day (`date`), or the X since the last Z. */
  'report.print': request<z.ZodObject<{ zNo: z.ZodOptional<z.ZodNumber>; date: z.ZodOptional<typeof isoDate> }>, { readonly status: string; readonly detail: string | null }>(
    z.object({ zNo: z.number().int().positive().optional(), date: isoDate.optional() }).strict(),
  ),
  'report.export': request<z.ZodObject<{ zNo: z.ZodOptional<z.ZodNumber>; date: z.ZodOptional<typeof isoDate>; format: z.ZodEnum<{ csv: 'csv'; pdf: 'pdf' }> }>, ExportedFile>(
    z.object({ zNo: z.number().int().positive().optional(), date: isoDate.optional(), format: z.enum(['csv', 'pdf']) }).strict(),
  ),

  // ---- reconciliation, store settlement, history, audit
  'reconcile.run': request<z.ZodObject<{ date: typeof isoDate; wallet: z.ZodOptional<typeof wallet> }>, ReconcileView>(z.object({ date: isoDate, wallet: wallet.optional() }).strict()),
  'reconcile.resolve': request<z.ZodObject<{ date: typeof isoDate; provider: typeof wallet; key: z.ZodString; reason: typeof reason; approval: z.ZodOptional<typeof approval> }>, ReconcileItemView>(
    z.object({ date: isoDate, provider: wallet, key: z.string().min(1).max(64), reason, approval: approval.optional() }).strict(),
  ),
  /** Asks the wallet about one item; answers what it said, for people. */
  'reconcile.query': request<z.ZodObject<{ provider: typeof wallet; key: z.ZodString }>, { readonly message: string }>(
    z.object({ provider: wallet, key: z.string().min(1).max(64) }).strict(),
  ),
  /** null: this terminal does not sync with a store server. */
  'store.settlement': request<z.ZodObject<{ date: z.ZodOptional<typeof isoDate> }>, StoreSettlementView | null>(z.object({ date: isoDate.optional() }).strict()),
  'sales.search': request<
    z.ZodObject<{
      receipt: z.ZodOptional<z.ZodString>;
      from: z.ZodOptional<typeof isoDate>;
      to: z.ZodOptional<typeof isoDate>;
      amountMin: z.ZodOptional<z.ZodNumber>;
      amountMax: z.ZodOptional<z.ZodNumber>;
      tender: z.ZodOptional<typeof tenderMethodInput>;
      cashier: z.ZodOptional<z.ZodString>;
      limit: z.ZodOptional<z.ZodNumber>;
      before: z.ZodOptional<z.ZodString>;
    }>,
    { readonly rows: readonly SaleHistoryRow[]; readonly next: string | null }
  >(
    z
      .object({
        receipt: z.string().trim().min(1).max(32).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        amountMin: minor.nonnegative().optional(),
        amountMax: minor.nonnegative().optional(),
        tender: tenderMethodInput.optional(),
        cashier: z.string().trim().min(1).max(40).optional(),
        limit: z.number().int().min(1).max(200).optional(),
        before: z.string().min(1).max(200).optional(),
      })
      .strict(),
  ),
  /** Refund a sale (whole, or `amount`); money goes back the way it came (wallets first). */
  'sales.refund': request<z.ZodObject<{ saleId: z.ZodString; amount: z.ZodOptional<z.ZodNumber>; reason: typeof reason; approval: z.ZodOptional<typeof approval> }>, RefundResultView>(
    z.object({ saleId: z.string().min(1).max(80), amount: positiveMinor.optional(), reason, approval: approval.optional() }).strict(),
  ),
  /** Runs kassa verify's checks: the journal chain and every sale against it. */
  'journal.verify': request<typeof empty, JournalCheckView>(empty),
} as const;

export type PosRequests = typeof posRequests;
export type RequestName = keyof PosRequests;
export type ParamsOf<N extends RequestName> = z.input<PosRequests[N]['params']>;
export type ResultOf<N extends RequestName> = PosRequests[N]['result'];

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(posRequests, name);
}

// ---------------------------------------------------------------- events

/** Pushed by the core to every surface; payloads are whole views, so a surface never merges. */
export interface PosEvents {
  'checkout': CheckoutView;
  'customer': CustomerView;
  'devices': readonly DeviceView[];
  'notice': Notice;
  /** On every change of the sync state or backlog (while a backlog drains: its progress). */
  'sync': SyncView;
  /** On log-in, log-out, a cashier change, and every shift event. */
  'session': SessionView;
}
export type EventName = keyof PosEvents;

/** The first problem zod found, named by field, for an error message a person can act on. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'params';
  return `${path}: ${issue.message}`;
}
