// The cashier screen's own state (what is open, which line is selected, the search box) and the
// rules that decide what a key or button does, as pure functions. The sale itself is never
// kept here: it is the core's CheckoutView, replaced whole on every event.
//
// Decisions a caller must know:
// - The selected line follows the sale: a new line is selected as it appears, a line that is
//   voided or gone hands the selection to the last live line. Voided lines are skipped.
// - Search results are kept with the query they answer; a late answer to an older query is
//   dropped, so typing fast never shows results for text no longer in the box.
// - Enter in the search box: a typed barcode (8+ digits) is sent as a scan (the label would not
//   scan); otherwise the highlighted result is added; with no results the text is sent as a
//   scan so the core says what it is.
// - Esc closes the top-most thing: dialog, then messages, then search text, then the screen's
//   own meaning (see shortcuts.ts).
// - F10 cancels the open sale; with no sale open it is the no-sale drawer opening (like F8 parks
//   or resumes): both ask for a reason, so one key never opens the drawer by itself.
// - Coupons and members (issue 8): Ins enters a coupon code, or with a coupon on the sale asks
//   to remove it; PgUp identifies a member (with no sale open too: that opens one), or with a
//   member on the sale asks to remove them; PgDn redeems points, offered only while the member
//   has points that can go on this sale (or some are redeemed, to change or take back).
import type { CartLineView, CheckoutView, SearchHitView, TerminalInfo } from '../../shared/api.ts';
import { quickCashIndex, type ShortcutAction } from './shortcuts.ts';

export type CashierDialog =
  | { readonly kind: 'help' }
  | { readonly kind: 'quantity'; readonly lineNo: number }
  | { readonly kind: 'weigh'; readonly sku: string; readonly name: string; readonly price: number }
  | { readonly kind: 'void'; readonly lineNo: number }
  | { readonly kind: 'lineDiscount'; readonly lineNo: number }
  | { readonly kind: 'price'; readonly lineNo: number }
  | { readonly kind: 'basketDiscount' }
  | { readonly kind: 'cancelSale' }
  | { readonly kind: 'noSale' }
  | { readonly kind: 'recent' }
  | { readonly kind: 'parked' }
  | { readonly kind: 'coupon' }
  | { readonly kind: 'removeCoupon' }
  | { readonly kind: 'member' }
  | { readonly kind: 'removeMember' }
  | { readonly kind: 'redeemPoints' };

export interface CashierUi {
  readonly dialog: CashierDialog | null;
  /** lineNo of the selected cart line. */
  readonly selectedLine: number | null;
  readonly query: string;
  readonly results: readonly SearchHitView[];
  /** The (trimmed) query `results` answer; null while none has answered the query in the box. */
  readonly resultsFor: string | null;
  /** Index into results; -1 when there are none. */
  readonly highlighted: number;
  /** A request the core refused (ApiError message, verbatim) or a field the cashier got wrong. */
  readonly clientError: string | null;
  /** Something done that the cashier should see once (a reprint's outcome). */
  readonly info: string | null;
}

export const initialCashierUi: CashierUi = {
  dialog: null,
  selectedLine: null,
  query: '',
  results: [],
  resultsFor: null,
  highlighted: -1,
  clientError: null,
  info: null,
};

export type CashierUiAction =
  | { readonly type: 'lines'; readonly lines: readonly CartLineView[]; readonly previous: readonly CartLineView[] }
  | { readonly type: 'select'; readonly lineNo: number }
  | { readonly type: 'moveSelection'; readonly delta: 1 | -1; readonly lines: readonly CartLineView[] }
  | { readonly type: 'query'; readonly query: string }
  | { readonly type: 'results'; readonly query: string; readonly hits: readonly SearchHitView[] }
  | { readonly type: 'moveHighlight'; readonly delta: 1 | -1 }
  | { readonly type: 'highlight'; readonly index: number }
  | { readonly type: 'open'; readonly dialog: CashierDialog }
  | { readonly type: 'close' }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'clearError' }
  | { readonly type: 'info'; readonly message: string }
  | { readonly type: 'clearInfo' };

const live = (lines: readonly CartLineView[]) => lines.filter((l) => !l.voided);

/** Where the selection goes when the sale's lines change. */
export function followSelection(selected: number | null, lines: readonly CartLineView[], previous: readonly CartLineView[]): number | null {
  const active = live(lines);
  const last = active.at(-1)?.lineNo ?? null;
  const newest = lines.at(-1);
  if (lines.length > previous.length && newest && !newest.voided) return newest.lineNo;
  if (selected !== null && active.some((l) => l.lineNo === selected)) return selected;
  return last;
}

export function cashierUiReducer(state: CashierUi, action: CashierUiAction): CashierUi {
  switch (action.type) {
    case 'lines': {
      const selectedLine = followSelection(state.selectedLine, action.lines, action.previous);
      return selectedLine === state.selectedLine ? state : { ...state, selectedLine };
    }
    case 'select':
      return { ...state, selectedLine: action.lineNo };
    case 'moveSelection': {
      const active = live(action.lines);
      if (active.length === 0) return { ...state, selectedLine: null };
      const at = active.findIndex((l) => l.lineNo === state.selectedLine);
      const next = at === -1 ? active.length - 1 : Math.min(active.length - 1, Math.max(0, at + action.delta));
      return { ...state, selectedLine: active[next]?.lineNo ?? null };
    }
    case 'query': {
      if (action.query.trim() === state.resultsFor) return { ...state, query: action.query };
      return { ...state, query: action.query, results: [], resultsFor: null, highlighted: -1 };
    }
    case 'results':
      if (action.query !== state.query.trim()) return state;
      return { ...state, results: action.hits, resultsFor: action.query, highlighted: action.hits.length > 0 ? 0 : -1 };
    case 'moveHighlight': {
      if (state.results.length === 0) return state;
      const highlighted = Math.min(state.results.length - 1, Math.max(0, state.highlighted + action.delta));
      return { ...state, highlighted };
    }
    case 'highlight':
      return action.index >= 0 && action.index < state.results.length ? { ...state, highlighted: action.index } : state;
    case 'open':
      return { ...state, dialog: action.dialog };
    case 'close':
      return state.dialog === null ? state : { ...state, dialog: null };
    case 'error':
      return { ...state, clientError: action.message, info: null };
    case 'clearError':
      return state.clientError === null ? state : { ...state, clientError: null };
    case 'info':
      return { ...state, info: action.message };
    case 'clearInfo':
      return state.info === null ? state : { ...state, info: null };
  }
}

/** The search box after an item was added from it. */
export function clearedSearch(state: CashierUi): CashierUi {
  return { ...state, query: '', results: [], resultsFor: null, highlighted: -1 };
}

export type SearchEnter =
  | { readonly kind: 'add'; readonly hit: SearchHitView }
  | { readonly kind: 'scan'; readonly data: string }
  | { readonly kind: 'none' };

const TYPED_BARCODE = /^\d{8,}$/;

/** What Enter in the search box does. */
export function searchEnter(state: CashierUi): SearchEnter {
  const q = state.query.trim();
  if (q === '') return { kind: 'none' };
  if (TYPED_BARCODE.test(q)) return { kind: 'scan', data: q };
  if (state.resultsFor !== q) return { kind: 'none' };
  const hit = state.results[state.highlighted];
  if (hit) return { kind: 'add', hit };
  return state.results.length === 0 ? { kind: 'scan', data: q } : { kind: 'none' };
}

export type EscapeStep = 'closeDialog' | 'dismissMessages' | 'clearSearch' | 'screen';

/** What Esc does now. */
export function escapeStep(state: CashierUi, view: Pick<CheckoutView, 'error'> | null, otherMessages: number): EscapeStep {
  if (state.dialog !== null) return 'closeDialog';
  if (state.clientError !== null || state.info !== null || (view?.error ?? null) !== null || otherMessages > 0) return 'dismissMessages';
  if (state.query !== '') return 'clearSearch';
  return 'screen';
}

/** The selected line, if it is live. */
export function selectedLine(state: CashierUi, view: CheckoutView | null): CartLineView | null {
  if (!view || state.selectedLine === null) return null;
  return view.lines.find((l) => l.lineNo === state.selectedLine && !l.voided) ?? null;
}

/** Whether an action can be taken now: the function bar greys out the rest. */
export function isAvailable(action: ShortcutAction, view: CheckoutView | null, state: CashierUi, info: TerminalInfo | null): boolean {
  if (action === 'help') return true;
  if (!view) return false;
  const phase = view.phase;
  const selling = phase === 'selling';
  const hasLive = view.lines.some((l) => !l.voided);
  const line = selectedLine(state, view) !== null;
  const wallets = info?.wallets ?? [];
  switch (action) {
    case 'search':
      return phase === 'idle' || selling;
    case 'quantity':
    case 'void':
    case 'lineDiscount':
    case 'priceOverride':
      return selling && line;
    case 'basketDiscount':
    case 'pay':
      return selling && hasLive;
    case 'park':
      return (selling && view.lines.length > 0) || (phase === 'idle' && view.parked.length > 0);
    case 'recent':
      return true;
    case 'cancelSale':
      // With no sale open the same key opens the drawer without a sale (see cancelOrNoSale).
      return phase === 'idle' || (view.saleId !== null && (selling || phase === 'tendering' || phase === 'noPaper'));
    case 'escape':
    case 'back':
      return true;
    case 'cashExact':
      return phase === 'tendering' && view.due !== null && view.due.cashDue > 0;
    case 'alipayQr':
      return phase === 'tendering' && wallets.includes('alipay');
    case 'wechatQr':
      return phase === 'tendering' && wallets.includes('wechat');
    case 'customerCode':
      return phase === 'tendering' && wallets.length > 0;
    case 'stopPayment':
      return phase === 'paying' && view.payment !== null && !view.payment.stopping;
    case 'continueWithoutReceipt':
      return phase === 'noPaper';
    case 'retry':
      return phase === 'commitFailed';
    case 'quickCash1':
    case 'quickCash2':
    case 'quickCash3':
    case 'quickCash4': {
      const i = quickCashIndex(action);
      return phase === 'tendering' && i !== null && (info?.quickCash[i] ?? null) !== null;
    }
    case 'coupon':
      // A coupon is measured against what is bought, so the core takes one only once there is something.
      return selling && (view.coupon !== null || hasLive);
    case 'member':
      return phase === 'idle' || selling;
    case 'redeemPoints':
      return selling && view.member !== null && (view.member.redeemable > 0 || view.member.pointsRedeemed > 0);
  }
}

/** Ins: enter a coupon code, or with one on the sale, remove it (asks first). */
export function couponOrRemove(view: Pick<CheckoutView, 'coupon'>): 'coupon' | 'removeCoupon' {
  return view.coupon === null ? 'coupon' : 'removeCoupon';
}

/** PgUp: identify a member, or with one on the sale, remove them (asks first). */
export function memberOrRemove(view: Pick<CheckoutView, 'member'>): 'member' | 'removeMember' {
  return view.member === null ? 'member' : 'removeMember';
}

/** F10: cancel the open sale, or with none open, a no-sale drawer opening. */
export function cancelOrNoSale(view: Pick<CheckoutView, 'phase' | 'saleId'>): 'cancelSale' | 'noSale' {
  return view.phase === 'idle' && view.saleId === null ? 'noSale' : 'cancelSale';
}

/** Receipt statuses that mean the slip is not in the customer's hand. */
export function receiptUnprinted(status: string | null): boolean {
  return status !== null && status !== 'printed' && status !== 'none';
}

/**
 * Whether the open dialog lost what it is about (the coupon or member went off the sale, the
 * points can no longer be redeemed): the screen closes it rather than leave an empty dialog
 * holding the keys.
 */
export function dialogStale(dialog: CashierDialog | null, view: Pick<CheckoutView, 'coupon' | 'member'> | null): boolean {
  if (dialog === null || view === null) return false;
  switch (dialog.kind) {
    case 'removeCoupon':
      return view.coupon === null;
    case 'removeMember':
    case 'redeemPoints':
      return view.member === null;
    default:
      return false;
  }
}
