// The cashier's picture of the checkout (api.ts CheckoutView), made from the checkout machine's
// snapshot by pure functions so every host shows the same thing and a unit test can check it
// without a database. The pos host (./pos-host.ts) calls them on every snapshot.
//
// Decisions a caller must know:
// - TWO STEPS: `readCheckout(snapshot)` reads what the view needs from the running actors (the
//   checkout's state and context, and the invoked payment machine's, which changes without the
//   checkout's snapshot changing: the QR code arrives that way), and `checkoutView(input)` is a
//   pure function of that plain input.
// - The payment deadline is not in either machine (the deadline timer starts inside the payment
//   machine when the customer is asked to confirm or the QR is shown, and XState does not expose
//   when): the host stamps it from its own clock and passes it in `paymentDeadlineAt`.
// - `due` is given while a sale is open and has something to pay; a tender list that cannot be
//   replayed (it cannot happen: the machine applies tenders with the same rules) gives null
//   rather than a wrong figure.
// - Line `discount` is the line's own discount plus its share of the basket discount, and
//   `discountReason` the line's reason, else the basket's when the line carries a share.
import { couponSpend, type CheckoutContext } from '../../../state-machines/checkout.machine.ts';
import type { PaymentContext } from '../../../state-machines/payment.machine.ts';
import { computeTotals, type Cart, type CartTotals } from '../../domain/cart.ts';
import { maxRedeemablePoints } from '../../domain/members/member.ts';
import { amountDue } from '../../domain/tender.ts';
import type { CartLineView, CheckoutPhase, CheckoutView, DueView, MemberView, ParkedView, PaymentView, TenderView, TotalsView } from '../../shared/api.ts';
import { isSettled, stateName, type CheckoutSnapshot } from '../checkout-service.ts';

/** The running payment machine, as far as the screens need it. */
export interface PaymentProgress {
  /** Its state as one name, e.g. 'qr.showing.waiting', 'barcode.polling.querying'. */
  readonly state: string;
  readonly qrCode: string | null;
  readonly message: string;
  /** The trade is being ended early (cashier stop, deadline, unclear answer). */
  readonly stopping: boolean;
  /** How long the customer gets once asked to confirm or shown the QR code. */
  readonly deadlineMs: number;
}

export interface CheckoutViewInput {
  readonly state: string;
  /** An effect is running (lookup, commit, print, payment, cancel). */
  readonly busy: boolean;
  readonly context: CheckoutContext;
  readonly payment: PaymentProgress | null;
  /** When the running payment gives up, by the host's clock; null when not known yet. */
  readonly paymentDeadlineAt: string | null;
}

/** The payment machine is waiting for the customer (its deadline runs): polling or showing the QR. */
export function paymentIsWaiting(progress: Pick<PaymentProgress, 'state'> | null): boolean {
  if (progress === null) return false;
  return progress.state.startsWith('barcode.polling') || progress.state.startsWith('qr.showing');
}

/** The QR code is on show for the customer to scan (payment.machine.ts: only in `qr.showing`). */
export function qrShowing(progress: PaymentProgress | null): progress is PaymentProgress & { readonly qrCode: string } {
  return progress !== null && progress.qrCode !== null && progress.state.startsWith('qr.showing');
}

function valueName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, sub]) => (sub === undefined || (typeof sub === 'object' && sub !== null && Object.keys(sub).length === 0) ? k : `${k}.${valueName(sub)}`))
    .join(',');
}

/** Reads the invoked payment machine (child 'payment' of the checkout), if one runs. */
export function readPayment(snapshot: Pick<CheckoutSnapshot, 'children'>): PaymentProgress | null {
  const children = snapshot.children as Record<string, { getSnapshot(): unknown } | undefined>;
  const child = children.payment;
  if (child === undefined) return null;
  const snap = child.getSnapshot() as { value?: unknown; context?: Partial<PaymentContext> } | undefined;
  const c = snap?.context;
  if (!snap || !c) return null;
  return {
    state: valueName(snap.value),
    qrCode: c.qrCode ?? null,
    message: c.message ?? '',
    stopping: (c.stoppedBy ?? null) !== null,
    deadlineMs: c.timing?.deadlineMs ?? 0,
  };
}

/** What `checkoutView` needs from a live snapshot; the host adds the payment deadline. */
export function readCheckout(snapshot: CheckoutSnapshot): Omit<CheckoutViewInput, 'paymentDeadlineAt'> {
  return { state: stateName(snapshot), busy: !isSettled(snapshot), context: snapshot.context, payment: readPayment(snapshot) };
}

export function checkoutPhase(state: string): CheckoutPhase {
  const top = state.split(/[.,]/)[0] ?? state;
  switch (top) {
    case 'idle':
      return 'idle';
    case 'inSale':
      return 'selling';
    case 'noPaper':
      return 'noPaper';
    case 'tendering':
      return 'tendering';
    case 'walletPaying':
      return 'paying';
    case 'completing':
    case 'receipt':
      return 'finishing';
    case 'commitFailed':
      return 'commitFailed';
    case 'cancelling':
      return 'cancelling';
    default:
      return 'idle';
  }
}

export function lineViews(context: Pick<CheckoutContext, 'cart'>, totals: CartTotals = computeTotals(context.cart)): CartLineView[] {
  const basketReason = context.cart.basketDiscount?.reason ?? null;
  return context.cart.lines.map((line, i) => {
    const t = totals.lines[i];
    const share = t?.basketDiscountShare ?? 0;
    const own = t?.lineDiscount ?? line.lineDiscount?.amount ?? 0;
    const promotions = line.voided ? [] : (context.cart.promotions?.lines.find((x) => x.lineNo === line.lineNo)?.discounts ?? []);
    return {
      lineNo: line.lineNo,
      sku: line.sku,
      name: line.name,
      unit: line.unit,
      quantityMilli: line.quantityMilli,
      unitPrice: line.unitPrice,
      originalUnitPrice: line.originalUnitPrice,
      discount: own + (t?.promotionDiscount ?? 0) + share,
      discountReason: line.lineDiscount?.reason ?? (share > 0 ? basketReason : null),
      promotions: promotions.map((d) => ({ id: d.promotionId, label: d.label, amount: d.amount })),
      due: t?.due ?? 0,
      voided: line.voided,
      voidReason: line.voidReason,
    };
  });
}

function memberView(cart: Cart, totals: CartTotals): MemberView | null {
  const m = cart.member;
  if (!m) return null;
  // What points could take: what is left to pay once everything else is off, plus what they take now.
  const left = totals.subtotal + m.pointsDiscount;
  const redeemable = maxRedeemablePoints(m.points, left, { earnPerUnit: m.earnPerUnit ?? 0, pointValue: m.pointValue });
  return { id: m.id, name: m.name, points: m.points, pointsRedeemed: m.pointsRedeemed, pointsDiscount: m.pointsDiscount, redeemable };
}

export function totalsView(totals: CartTotals): TotalsView {
  return {
    gross: totals.gross,
    discounts: totals.lineDiscounts + totals.linePromotions + totals.basketDeductions,
    promotions: totals.linePromotions + totals.basketPromotions,
    tax: totals.taxTotal,
    total: totals.total,
    lineCount: totals.lineCount,
  };
}

/** What is still due on the open sale, or null when no sale is open or nothing is due yet. */
export function dueView(context: Pick<CheckoutContext, 'saleId' | 'cart' | 'tenders' | 'rounding'>, totals: CartTotals = computeTotals(context.cart)): DueView | null {
  if (context.saleId === null || (totals.lineCount === 0 && context.tenders.length === 0)) return null;
  try {
    const due = amountDue(totals, context.tenders, context.rounding);
    return { remaining: due.remaining, cashDue: due.cashDue, paid: due.tendered };
  } catch {
    return null;
  }
}

function paymentView(input: CheckoutViewInput): PaymentView | null {
  const attempt = input.context.payment;
  if (!attempt || checkoutPhase(input.state) !== 'paying') return null;
  const progress = input.payment;
  return {
    wallet: attempt.wallet,
    mode: attempt.mode,
    amount: attempt.amount,
    outTradeNo: attempt.outTradeNo,
    qrCode: qrShowing(progress) ? progress.qrCode : null,
    message: progress?.message ?? '',
    startedAt: attempt.startedAt ?? null,
    deadlineAt: input.paymentDeadlineAt,
    stopping: progress?.stopping ?? false,
  };
}

export function checkoutView(input: CheckoutViewInput): CheckoutView {
  const c = input.context;
  const totals = computeTotals(c.cart);
  const tenders: TenderView[] = c.tenders.map((t) => ({ method: t.method, amount: t.amount, reference: t.reference }));
  const parked: ParkedView[] = c.parked.map((p) => {
    const t = computeTotals(p.cart);
    return { saleId: p.saleId, parkedAt: p.parkedAt, lineCount: t.lineCount, total: t.total };
  });
  const last = c.lastSale;
  const lastPayment = c.lastPayment ?? null;
  const phase = checkoutPhase(input.state);
  return {
    state: input.state,
    phase,
    busy: input.busy,
    saleId: c.saleId,
    currency: c.cart.currency,
    lines: lineViews(c, totals),
    basketDiscount: c.cart.basketDiscount ? { amount: c.cart.basketDiscount.amount, reason: c.cart.basketDiscount.reason } : null,
    basketPromotions: (c.cart.promotions?.basket ?? []).map((d) => ({ id: d.promotionId, label: d.label, amount: d.amount })),
    coupon: c.cart.coupon
      ? {
          code: c.cart.coupon.code,
          name: c.cart.coupon.name,
          amount: c.cart.coupon.amount,
          minSpend: c.cart.coupon.minSpend,
          spend: couponSpend(c.cart),
          redemption: c.cart.coupon.redemption,
        }
      : null,
    member: memberView(c.cart, totals),
    totals: totalsView(totals),
    tenders,
    due: phase === 'finishing' ? null : dueView(c, totals),
    payment: paymentView(input),
    lastPayment: lastPayment ? { kind: lastPayment.kind, wallet: lastPayment.wallet, message: lastPayment.message } : null,
    lastSale: last ? { saleId: last.id, receiptNo: last.receiptNo, total: last.total, change: last.change, receipt: last.receipt ?? null } : null,
    parked,
    printer: c.printer ? { cannotPrint: c.printer.cannotPrint, detail: c.printer.detail } : null,
    error: c.lastError,
    notice: c.notice ?? null,
  };
}
