// The PosApi (src/shared/api.ts) on top of a running terminal: every host (Electron's core
// process, the WebSocket of `kassa serve`, the tests) hands it the messages a surface sends and
// passes on what it answers and pushes. Hosts differ only in how the bytes travel.
//
// Decisions a caller must know:
// - handle() NEVER THROWS and answers every request: the envelope and then the params are
//   checked with zod first (ARCHITECTURE.md §3 rule 7), so a handler only ever sees valid
//   params; bad input answers 'bad-request' naming the field (describeZodError), an unknown
//   name 'unknown-request', a rule that says no (no such sale, no printer, a wallet that is not
//   enabled, a drawer opening without a reason) 'refused' with a message for the cashier, and
//   anything else 'internal', logged with the request name. After close(): 'unavailable'.
// - The handler map is typed from `posRequests`, so a request without a handler does not compile.
//   The requests of issue 7 live in staff-api.ts (log-in, users, shifts) and office-api.ts
//   (reports, reconciliation, history, settlement, the journal check).
// - 'checkout.send' answers the view right after the command was applied; effects it started
//   (a lookup, a payment) may still be running, and their results come as 'checkout' events.
//   What the checkout refuses (a mistyped barcode, paying an empty sale) is in `view.error`,
//   not an API error: the command itself was valid.
// - EVENTS: 'checkout' and 'customer' are sent when a snapshot of the checkout (or of the
//   wallet payment it runs: the QR code arrives that way) changes them, coalesced to at most one
//   each per microtask and only when the view differs from the last one sent. 'devices' the
//   same on every device change. 'notice' at once for: a device going into fault or losing its
//   link, and coming back; the cash drawer left open; every wallet payment's result; the
//   checkout's receipt notices; wallet payments a crash left open, once start-up recovery has
//   resolved them. Nothing is replayed to a surface that subscribes later: the views it fetches
//   carry the state. Every listener gets every event; a listener that throws is
//   logged and the others still get it.
// - The customer display's 'paid' → 'thanks' → welcome steps are timed here
//   (`customerHoldMs`, default 8 s each, as the pole display), keyed to the finished sale.
// - WHO MAY (issue 7): once the terminal has users, every request but those a screen needs to
//   draw itself and to log in (permission-gate.ts LOGIN_FREE) answers 'login-required' until
//   somebody logs in. A request that needs a permission the operator's role lacks answers
//   'approval-required' naming it; the same request sent again with `approval` (a user who
//   has it, and their PIN) goes ahead, and StaffService journals the approval. A wrong PIN or
//   a locked approver is 'refused' with the reason. In setup mode (no users) all is allowed.
//   Handlers get the Authorization the gate granted and record `by` from it.
// - close() stops the events and refuses further requests; it does not close the terminal app,
//   which belongs to whoever opened it.
import type { z } from 'zod';
import { PrintInterruptedError } from '../../../drivers/printer/escpos-printer.ts';
import { FontError } from '../../../drivers/sim/bitmap-font.ts';
import { TransportError } from '../../../drivers/transports/byte-transport.ts';
import type { PaymentResult } from '../../../state-machines/payment.machine.ts';
import type { SyncStatus } from '../../../state-machines/sync.machine.ts';
import { productName } from '../../domain/product.ts';
import { formatMoney, MoneyError } from '../../domain/money.ts';
import {
  PROTOCOL_VERSION,
  describeZodError,
  isRequestName,
  posRequests,
  requestMessage,
  type ApiErrorCode,
  type CheckoutCommand,
  type CheckoutView,
  type CustomerView,
  type DeviceView,
  type EventMessage,
  type EventName,
  type Notice,
  type PosEvents,
  type PosRequests,
  type QuickKey,
  type RecentSale,
  type ReplyMessage,
  type RequestName,
  type ResultOf,
  type SyncView,
  type TenderView,
  type TerminalInfo,
  type Wallet,
} from '../../shared/api.ts';
import type { CheckoutSnapshot } from '../checkout-service.ts';
import { listAttempts } from '../db/payment-attempts.ts';
import { getReceiptPrint } from '../db/receipt-prints.ts';
import { getSale, listSales, SaleStoreError } from '../db/sales.ts';
import { DeviceError, type DeviceNotice } from '../devices/device-manager.ts';
import { newOutTradeNo } from '../payment-service.ts';
import { ReceiptError } from '../receipt-service.ts';
import { ReceiptInterruptedError } from '../receipt-printer.ts';
import type { TerminalApp } from '../terminal-app.ts';
import { ManagerAuthError } from '../manager-auth.ts';
import { RefundError } from '../refund-service.ts';
import { ShiftError } from '../shifts/shift-service.ts';
import { StaffAuthError, StaffError, type Authorization } from '../staff/staff-service.ts';
import { LOGIN_FREE, requiredPermission } from './permission-gate.ts';
import { SessionRefusedError, sessionView, staffHandlers } from './staff-api.ts';
import { OfficeRefusedError, officeHandlers } from './office-api.ts';
import { ReconcileError } from '../reconcile/reconcile-service.ts';
import { BillError } from '../reconcile/bill-error.ts';
import { SalesSearchError } from '../sales-history.ts';
import { ZReportError } from '../reports/z-reports.ts';
import { YearSummaryError } from '../reports/year-summary.ts';
import { ReportPdfError } from '../reports/report-pdf.ts';
import { SettlementQueryError } from '../sync/sync-client.ts';
import { SyncRequestError } from '../sync/sync-http.ts';
import { checkoutView, paymentIsWaiting, readCheckout, type CheckoutViewInput } from './checkout-view.ts';
import { customerView, type AfterSale } from './customer-view.ts';
import { receiptPreview } from './receipt-preview.ts';

export interface PosHost {
  /**
   * Validates the envelope and the params (zod, posRequests[name].params), runs the handler,
   * answers a ReplyMessage. Never throws: bad input → ok:false with code + message naming the field.
   */
  handle(message: unknown): Promise<ReplyMessage>;
  /** Events for every connected surface; returns the unsubscribe function. */
  subscribe(listener: (event: EventMessage) => void): () => void;
  /** What 'terminal.hello' answers (quick keys read from the catalog as it is now). */
  readonly info: TerminalInfo;
  close(): Promise<void>;
}

export interface PosHostOptions {
  readonly host: 'electron' | 'browser';
  /** How long the customer display shows 'paid', then 'thanks' (default 8000 ms each). */
  readonly customerHoldMs?: number;
}

/** A rule said no: answered as 'refused' with this message. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

/** `auth`: what the permission gate granted (null when the request needs no permission). */
type Handlers = { readonly [N in RequestName]: (params: z.output<PosRequests[N]['params']>, auth: Authorization | null) => Promise<ResultOf<N>> };

/** Errors whose message is for the cashier: a rule or a device said no, not a bug. */
const REFUSALS: readonly (abstract new (...args: never[]) => Error)[] = [
  RefusedError,
  SessionRefusedError,
  OfficeRefusedError,
  ZReportError,
  YearSummaryError,
  ReportPdfError,
  SalesSearchError,
  SettlementQueryError,
  SyncRequestError,
  ReconcileError,
  BillError,
  StaffError,
  ShiftError,
  RefundError,
  ManagerAuthError,
  MoneyError,
  DeviceError,
  ReceiptError,
  ReceiptInterruptedError,
  PrintInterruptedError,
  SaleStoreError,
  TransportError,
  FontError,
];

const WALLET_NAMES: Readonly<Record<Wallet, string>> = { alipay: 'Alipay', wechat: 'WeChat Pay' };
const DEFAULT_SEARCH_LIMIT = 20;
const DEFAULT_RECENT = 20;
const DEFAULT_HOLD_MS = 8000;

function reply(id: number, code: ApiErrorCode, message: string, permission?: string | null): ReplyMessage {
  return { t: 'res', id, ok: false, error: { code, message, ...(permission ? { permission } : {}) } };
}

/** A refused log-in or approval as the API answers it: the screen acts on the code. */
function staffReply(id: number, err: StaffAuthError): ReplyMessage {
  switch (err.code) {
    case 'login-required':
      return reply(id, 'login-required', err.message, err.permission);
    case 'approval-required':
      return reply(id, 'approval-required', err.message, err.permission);
    default:
      // wrong-pin, locked, not-permitted: the approval dialog shows the message and stays open.
      return reply(id, 'refused', err.message, err.permission);
  }
}

/** The request id to answer under, even when the envelope is bad (-1: none could be read). */
function idOf(message: unknown): number {
  const id = message !== null && typeof message === 'object' ? (message as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : -1;
}

/** The checkout event a surface's command becomes; the core stamps ids and times (§3 rule 4). */
function commandEvent(command: CheckoutCommand, terminalId: string): Parameters<TerminalApp['checkout']['send']>[0] {
  switch (command.type) {
    case 'PAY_WALLET':
      return {
        type: 'PAY_WALLET',
        wallet: command.wallet,
        mode: command.mode,
        ...(command.authCode !== undefined ? { authCode: command.authCode } : {}),
        outTradeNo: newOutTradeNo(terminalId),
      };
    case 'ADD':
      return command.quantityMilli === undefined ? { type: 'ADD', sku: command.sku } : { type: 'ADD', sku: command.sku, quantityMilli: command.quantityMilli };
    default:
      return command;
  }
}

function deviceName(v: Pick<DeviceView, 'id' | 'type'>): string {
  return v.id === v.type ? `the ${v.type}` : `the ${v.type} "${v.id}"`;
}

/** A device's state change worth telling the cashier about, or null. */
function deviceNotice(before: DeviceView['state'] | undefined, v: DeviceView, at: string): Notice | null {
  const up = (s: DeviceView['state'] | undefined) => s === 'ready' || s === 'degraded';
  if (before === undefined || before === v.state) return null;
  if (v.state === 'fault') return { level: 'error', message: `${deviceName(v)}: ${v.detail || 'fault'}`, at };
  if (v.state === 'reconnecting' && before !== 'connecting') return { level: 'warning', message: `${deviceName(v)} is disconnected${v.detail ? ` (${v.detail})` : ''}: reconnecting`, at };
  if (v.state === 'degraded' && before === 'ready') return { level: 'warning', message: `${deviceName(v)}: ${v.detail || 'degraded'}`, at };
  if (up(v.state) && (before === 'fault' || before === 'reconnecting')) return { level: 'info', message: `${deviceName(v)} is ready again`, at };
  return null;
}

function paymentNotice(result: PaymentResult, at: string): Notice {
  const level: Notice['level'] = result.kind === 'paid' ? (result.unwanted ? 'warning' : 'info') : result.kind === 'manualReconcile' ? 'error' : 'warning';
  return { level, message: `${WALLET_NAMES[result.wallet]}: ${result.message}`, at };
}

function syncView(status: SyncStatus): SyncView {
  return {
    state: status.state,
    backlog: status.backlog,
    deadLetters: status.deadLetters,
    lastSuccessAt: status.lastSuccessAt,
    lastError: status.lastError?.message ?? null,
    retryInMs: status.retryInMs,
  };
}

function drawerNotice(notice: DeviceNotice, at: string): Notice | null {
  if (notice.type !== 'drawer-left-open') return null;
  return { level: 'warning', message: `the cash drawer has been open for ${notice.openForS} s: close it`, at };
}

export function createPosHost(app: TerminalApp, options: PosHostOptions = { host: 'browser' }): PosHost {
  const { config, logger, checkout } = app;
  const holdMs = options.customerHoldMs ?? DEFAULT_HOLD_MS;
  const listeners = new Set<(event: EventMessage) => void>();
  const cleanups: (() => void)[] = [];
  let closed = false;
  const at = () => app.now().toISOString();

  // ------------------------------------------------------------------ state the views need

  let deadline: { outTradeNo: string; at: string } | null = null;
  let seenPayment: PaymentResult | null = checkout.actor.getSnapshot().context.lastPayment ?? null;
  let lastPaymentSaleId: string | null = null;
  let seenNotice: string | null = checkout.actor.getSnapshot().context.notice ?? null;
  let afterSale: { saleId: string | null; stage: AfterSale } = { saleId: checkout.actor.getSnapshot().context.lastSale?.id ?? null, stage: 'over' };
  const stageTimers: ReturnType<typeof setTimeout>[] = [];

  function viewInput(snapshot: CheckoutSnapshot = checkout.actor.getSnapshot()): CheckoutViewInput {
    const read = readCheckout(snapshot);
    const attempt = read.context.payment ?? null;
    if (attempt && paymentIsWaiting(read.payment)) {
      if (deadline?.outTradeNo !== attempt.outTradeNo) {
        deadline = { outTradeNo: attempt.outTradeNo, at: new Date(app.now().getTime() + (read.payment?.deadlineMs ?? 0)).toISOString() };
      }
    }
    const paymentDeadlineAt = attempt && deadline?.outTradeNo === attempt.outTradeNo ? deadline.at : null;
    return { ...read, paymentDeadlineAt };
  }
  const makeCheckoutView = (input: CheckoutViewInput = viewInput()): CheckoutView => checkoutView(input);
  const makeCustomerView = (input: CheckoutViewInput = viewInput()): CustomerView => customerView({ ...input, afterSale: afterSale.stage, lastPaymentSaleId });

  // ------------------------------------------------------------------ events

  function emit<E extends EventName>(name: E, payload: PosEvents[E]): void {
    if (closed) return;
    const event: EventMessage = { t: 'evt', name, payload };
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch (err) {
        logger.error({ err, event: name }, 'a surface listener threw');
      }
    }
  }
  const notice = (n: Notice | null): void => {
    if (n) emit('notice', n);
  };

  const sent = new Map<EventName, string>();
  function emitIfChanged<E extends EventName>(name: E, payload: PosEvents[E]): void {
    const key = JSON.stringify(payload);
    if (sent.get(name) === key) return;
    sent.set(name, key);
    emit(name, payload);
  }

  let viewsQueued = false;
  function queueViews(): void {
    if (viewsQueued || closed) return;
    viewsQueued = true;
    queueMicrotask(() => {
      viewsQueued = false;
      if (closed) return;
      try {
        const input = viewInput();
        emitIfChanged('checkout', makeCheckoutView(input));
        emitIfChanged('customer', makeCustomerView(input));
      } catch (err) {
        logger.error({ err }, 'making the checkout views failed');
      }
    });
  }

  let sessionQueued = false;
  /** The 'session' event, once per microtask, only when it changed. */
  function queueSession(): void {
    if (sessionQueued || closed) return;
    sessionQueued = true;
    queueMicrotask(() => {
      sessionQueued = false;
      if (closed) return;
      try {
        emitIfChanged('session', sessionView(app));
      } catch (err) {
        logger.error({ err }, 'making the session view failed');
      }
    });
  }
  cleanups.push(app.staff.onChange(() => queueSession()));

  function afterSaleStep(saleId: string | null): void {
    for (const t of stageTimers.splice(0)) clearTimeout(t);
    afterSale = { saleId, stage: saleId === null ? 'over' : 'paid' };
    if (saleId === null) return;
    const step = (stage: AfterSale, delay: number) => {
      const timer = setTimeout(() => {
        if (afterSale.saleId !== saleId) return;
        afterSale = { saleId, stage };
        queueViews();
      }, delay);
      timer.unref?.();
      stageTimers.push(timer);
    };
    step('thanks', holdMs);
    step('over', 2 * holdMs);
  }

  // The payment machine runs as the checkout's child: its changes (the QR code) do not change
  // the checkout's snapshot, so it is watched on its own while it runs.
  let paymentChild: { ref: unknown; unsubscribe: () => void } | null = null;
  function watchPayment(snapshot: CheckoutSnapshot): void {
    const ref = (snapshot.children as Record<string, { subscribe?: (o: () => void) => { unsubscribe(): void } } | undefined>).payment ?? null;
    if (ref === (paymentChild?.ref ?? null)) return;
    paymentChild?.unsubscribe();
    paymentChild = null;
    if (ref?.subscribe) {
      const sub = ref.subscribe(() => queueViews());
      paymentChild = { ref, unsubscribe: () => sub.unsubscribe() };
    }
  }

  function onSnapshot(snapshot: CheckoutSnapshot): void {
    const c = snapshot.context;
    const result = c.lastPayment ?? null;
    if (result !== seenPayment) {
      seenPayment = result;
      if (result !== null) {
        lastPaymentSaleId = c.saleId;
        notice(paymentNotice(result, at()));
      }
    }
    const n = c.notice ?? null;
    if (n !== seenNotice) {
      seenNotice = n;
      if (n !== null) notice({ level: 'warning', message: n, at: at() });
    }
    const saleId = c.lastSale?.id ?? null;
    if (saleId !== afterSale.saleId) afterSaleStep(saleId);
    watchPayment(snapshot);
    queueViews();
  }

  const sub = checkout.actor.subscribe({ next: onSnapshot, error: () => undefined });
  cleanups.push(() => sub.unsubscribe());
  watchPayment(checkout.actor.getSnapshot());
  cleanups.push(() => paymentChild?.unsubscribe());

  const devices = app.devices;
  if (devices) {
    const states = new Map(devices.list().map((v) => [v.id, v.state]));
    let devicesQueued = false;
    cleanups.push(
      devices.onChange((views) => {
        for (const v of views) {
          notice(deviceNotice(states.get(v.id), v, at()));
          states.set(v.id, v.state);
        }
        if (devicesQueued) return;
        devicesQueued = true;
        queueMicrotask(() => {
          devicesQueued = false;
          emitIfChanged('devices', devices.list());
        });
      }),
    );
    cleanups.push(devices.onNotice((n) => notice(drawerNotice(n, at()))));
  }

  // A trade whose cancel was left to the background queue (the cashier was told "do not treat
  // it as paid") gets a notice when the queue settles it, so the cashier hears the end of it.
  const payments = app.payments;
  if (payments) {
    const pending = new Set(listAttempts(app.db, 'cancel-pending').map((a) => a.outTradeNo));
    cleanups.push(
      payments.service.onSettled((a) => {
        if (a.state === 'cancel-pending') {
          pending.add(a.outTradeNo);
          return;
        }
        if (!pending.delete(a.outTradeNo)) return;
        const wallet = WALLET_NAMES[a.wallet];
        const detail = a.detail ? ` (${a.detail})` : '';
        if (a.state === 'manual') notice({ level: 'error', message: `${wallet} trade ${a.outTradeNo} could not be cancelled automatically: reconcile it with the bill (kassa payments)${detail}`, at: at() });
        else if (a.state === 'paid') notice({ level: 'warning', message: `${wallet} trade ${a.outTradeNo} turned out paid and belongs to a sale${detail}`, at: at() });
        else notice({ level: 'info', message: `${wallet} trade ${a.outTradeNo} is now ${a.state} in the background: the customer keeps their money${detail}`, at: at() });
      }),
    );
  }

  // Store sync: its state and backlog, as the screens show it (and its progress while a backlog drains).
  if (app.sync) cleanups.push(app.sync.onStatus((status) => emitIfChanged('sync', syncView(status))));

  // Wallet payments a crash left open are resolved in the background after start-up.
  void app.recovery.then((attempts) => {
    for (const a of attempts) {
      notice({
        level: a.state === 'manual' ? 'error' : 'warning',
        message: `a ${WALLET_NAMES[a.wallet]} payment left open by the last run (${a.outTradeNo}) was resolved: ${a.state}${a.detail ? `, ${a.detail}` : ''}`,
        at: at(),
      });
    }
  });

  // ------------------------------------------------------------------ info

  function quickKeys(): QuickKey[] {
    const keys: QuickKey[] = [];
    for (const k of config.ui.quickKeys) {
      const p = app.catalog.findBySku(k.sku);
      if (!p || !p.active || p.price.currency !== config.currency) {
        logger.warn({ sku: k.sku, found: p !== null }, 'quick key left out: no active product with that SKU in this currency');
        continue;
      }
      keys.push({ sku: p.sku, label: k.label ?? productName(p, config.language), price: p.price.amount, unit: p.unit });
    }
    return keys;
  }

  function info(): TerminalInfo {
    return {
      protocol: PROTOCOL_VERSION,
      terminalId: config.terminalId,
      storeId: config.payments.storeId ?? config.terminalId,
      currency: config.currency,
      language: config.language,
      training: config.training,
      wallets: app.payments?.service.wallets ?? [],
      quickCash: [...config.ui.quickCash],
      quickKeys: quickKeys(),
      host: options.host,
    };
  }

  // ------------------------------------------------------------------ requests

  /** Who an action is recorded under: the operator (or the approver with nobody logged in). */
  function byWhom(auth: Authorization | null): string {
    return auth?.by ?? app.staff.operator()?.name ?? config.cashier;
  }

  function devicesOrRefuse() {
    if (!app.devices) throw new RefusedError('no devices are configured on this terminal: add them to the "devices" block of kassa.config.json');
    return app.devices;
  }

  const tendersOf = app.db.prepare<[string], { method: TenderView['method']; amount: number; reference: string | null }>(
    'SELECT method, amount, reference FROM tenders WHERE sale_id = ? ORDER BY seq',
  );

  const handlers: Handlers = {
    async 'terminal.hello'({ surface }) {
      logger.info({ surface, host: options.host }, 'a surface connected');
      return info();
    },
    async 'checkout.view'() {
      return makeCheckoutView();
    },
    async 'checkout.send'({ command }) {
      if (command.type === 'PAY_WALLET') {
        const wallets = app.payments?.service.wallets ?? [];
        if (!wallets.includes(command.wallet)) {
          throw new RefusedError(
            wallets.length === 0
              ? `${WALLET_NAMES[command.wallet]} is not enabled: this terminal takes cash only`
              : `${WALLET_NAMES[command.wallet]} is not enabled on this terminal (it takes ${wallets.map((w) => WALLET_NAMES[w]).join(' and ')})`,
          );
        }
      }
      checkout.send(commandEvent(command, config.terminalId));
      return makeCheckoutView();
    },
    async 'customer.view'() {
      return makeCustomerView();
    },
    async 'catalog.search'({ query, limit }) {
      const max = limit ?? DEFAULT_SEARCH_LIMIT;
      const byCode = /^\d{8,14}$/.test(query) ? app.catalog.findByBarcode(query.padStart(14, '0')) ?? app.catalog.findByBarcode(query) : null;
      const found = app.catalog.searchProducts(query, { limit: max });
      const products = byCode && byCode.active ? [byCode, ...found.filter((p) => p.sku !== byCode.sku)].slice(0, max) : found;
      return products.map((p) => ({ sku: p.sku, name: productName(p, config.language), price: p.price.amount, unit: p.unit }));
    },
    async 'sales.recent'({ limit }) {
      const hasPrinter = app.receipts.hasPrinter;
      return listSales(app.db, { last: limit ?? DEFAULT_RECENT }).map(
        (s): RecentSale => {
          const print = getReceiptPrint(app.db, s.id);
          const receipt = print === null ? (hasPrinter ? 'unknown' : 'none') : print.status === 'printing' ? 'unknown' : print.status;
          return {
            saleId: s.id,
            receiptNo: s.receiptNo,
            completedAt: s.completedAt,
            total: s.total,
            currency: s.currency,
            tenders: tendersOf.all(s.id).map((t) => ({ method: t.method, amount: t.amount, reference: t.reference })),
            receipt,
            training: s.training,
          };
        },
      );
    },
    async 'sales.receipt'({ saleId }) {
      const record = getSale(app.db, saleId);
      if (record === null) throw new RefusedError(`there is no sale ${saleId} on this terminal`);
      return receiptPreview(record, config);
    },
    async 'sales.reprint'({ saleId }) {
      if (getSale(app.db, saleId) === null) throw new RefusedError(`there is no sale ${saleId} on this terminal`);
      const out = await app.receipts.reprint({ saleId }, 'manual');
      return { receiptNo: out.receiptNo, status: out.status, detail: out.detail ?? null };
    },
    async 'devices.list'() {
      return app.devices?.list() ?? [];
    },
    async 'devices.testPrint'() {
      const d = devicesOrRefuse();
      try {
        const result = await d.testPrint(config.cashier);
        return result.outcome === 'printed' ? { status: 'printed', detail: null } : { status: 'unconfirmed', detail: result.reason };
      } catch (err) {
        if (err instanceof PrintInterruptedError) return { status: 'interrupted', detail: err.message };
        throw err;
      }
    },
    async 'devices.openDrawer'({ reason }, auth) {
      await devicesOrRefuse().openDrawer(byWhom(auth), reason);
      return { opened: true };
    },
    async 'devices.reconnect'({ id }) {
      return devicesOrRefuse().reconnect(id);
    },
    async 'sync.view'() {
      return app.sync ? syncView(app.sync.status()) : null;
    },
    async 'members.find'({ query }) {
      const found = app.loyalty.members.lookup(query);
      if (!found.ok) throw new RefusedError(found.error);
      const m = found.member;
      const purchases = app.loyalty.members.purchases(m.id, 50).filter((p) => !p.training);
      return {
        id: m.id,
        name: m.name,
        phone: m.phone,
        active: m.active,
        points: found.points,
        purchases: purchases.map((p) => ({ saleId: p.saleId, receiptNo: p.receiptNo, completedAt: p.completedAt, paid: p.paid, pointsEarned: p.pointsEarned, pointsRedeemed: p.pointsRedeemed })),
      };
    },
    async 'sales.refund'({ saleId, amount, reason }, auth) {
      if (auth === null) throw new RefusedError('a refund needs a manager\'s approval');
      const sale = getSale(app.db, saleId);
      if (sale === null) throw new RefusedError(`there is no sale ${saleId} on this terminal`);
      const r = await app.refunds.refund({
        saleId,
        ...(amount !== undefined ? { amount: formatMoney({ amount, currency: sale.currency }) } : {}),
        reason,
        authorization: auth,
        operator: byWhom(auth),
      });
      if (r.openDrawer && app.devices) {
        await app.devices.openDrawer(byWhom(auth), `refund ${r.receipt}`).catch((err: unknown) => {
          notice({ level: 'warning', message: `the drawer did not open for the refund: ${(err as Error).message}`, at: at() });
        });
      }
      return { receipt: r.receipt, amount: r.amount, cash: r.cash, refunded: r.refunded, pending: r.pending, failed: r.failed, message: r.message };
    },
    ...staffHandlers({ app, checkoutPhase: () => makeCheckoutView().phase, changed: () => queueSession() }),
    ...officeHandlers({ app, byWhom, notice: (n) => notice(n) }),
  };

  async function handle(message: unknown): Promise<ReplyMessage> {
    const id = idOf(message);
    let name = '?';
    try {
      const envelope = requestMessage.safeParse(message);
      if (!envelope.success) {
        const whole = envelope.error.issues[0]?.path.length === 0;
        return reply(id, 'bad-request', whole ? 'not a request: expected an object {"t":"req","id","name","params"}' : describeZodError(envelope.error));
      }
      name = envelope.data.name;
      if (!isRequestName(name)) return reply(id, 'unknown-request', `there is no request "${name}"`);
      if (closed) return reply(id, 'unavailable', 'the terminal is stopping');
      const params = posRequests[name].params.safeParse(envelope.data.params ?? {});
      if (!params.success) return reply(id, 'bad-request', describeZodError(params.error));
      const handler = handlers[name] as (p: unknown, auth: Authorization | null) => Promise<unknown>;
      // Who may: log-in first (once users exist), then the request's permission, or an approval.
      const need = requiredPermission(name, params.data as Record<string, unknown>, { checkout: makeCheckoutView(), discountLimitBps: config.staff.discountLimitBps });
      const approval = (params.data as { approval?: { userId: string; pin: string } }).approval;
      // With nobody logged in, only an approval for a permission the request needs stands in
      // for a log-in (StaffService.authorize checks the approver); anything else: log in.
      if (!LOGIN_FREE.has(name) && app.staff.operator() === null && (need === null || approval === undefined)) {
        return reply(id, 'login-required', 'nobody is logged in at this terminal: log in first');
      }
      const auth = need === null ? null : await app.staff.authorize(need.permission as Parameters<typeof app.staff.authorize>[0], approval, need.what, need.ref);
      const result = await handler(params.data, auth);
      return { t: 'res', id, ok: true, result };
    } catch (err) {
      if (err instanceof StaffAuthError) return staffReply(id, err);
      if (REFUSALS.some((E) => err instanceof E)) return reply(id, 'refused', (err as Error).message);
      logger.error({ err, request: name }, 'a request failed');
      return reply(id, 'internal', `${name} failed: ${err instanceof Error ? err.message : String(err)} (the error is logged)`);
    }
  }

  return {
    handle,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get info() {
      return info();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of stageTimers.splice(0)) clearTimeout(t);
      for (const c of cleanups.splice(0)) c();
      listeners.clear();
    },
  };
}
