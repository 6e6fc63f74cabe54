import { describe, expect, it } from 'vitest';
import type { CartLineView, CheckoutView, CouponView, MemberView, SearchHitView, TerminalInfo } from '../../../../src/shared/api.ts';
import {
  cancelOrNoSale,
  cashierUiReducer,
  clearedSearch,
  couponOrRemove,
  dialogStale,
  escapeStep,
  followSelection,
  initialCashierUi,
  isAvailable,
  memberOrRemove,
  receiptUnprinted,
  searchEnter,
  selectedLine,
  type CashierUi,
} from '../../../../src/renderer/cashier/cashier-model.ts';

function line(lineNo: number, voided = false): CartLineView {
  return { lineNo, sku: `S${lineNo}`, name: `item ${lineNo}`, unit: 'each', quantityMilli: 1000, unitPrice: 100, originalUnitPrice: null, discount: 0, discountReason: null, due: voided ? 0 : 100, voided, voidReason: voided ? 'x' : null, promotions: [] };
}

function view(over: Partial<CheckoutView> = {}): CheckoutView {
  return {
    state: 'inSale.ready',
    phase: 'selling',
    busy: false,
    saleId: 'sale-1',
    currency: 'CNY',
    lines: [line(1), line(2)],
    basketDiscount: null,
    basketPromotions: [],
    coupon: null,
    member: null,
    totals: { gross: 200, discounts: 0, promotions: 0, tax: 23, total: 200, lineCount: 2 },
    tenders: [],
    due: null,
    payment: null,
    lastPayment: null,
    lastSale: null,
    parked: [],
    printer: null,
    error: null,
    notice: null,
    ...over,
  };
}

const info: TerminalInfo = { protocol: 1, terminalId: 'T01', storeId: 'S', currency: 'CNY', language: 'en', training: true, wallets: ['alipay'], quickCash: [1000, 2000], quickKeys: [], host: 'browser' };
const hit = (sku: string): SearchHitView => ({ sku, name: sku, price: 100, unit: 'each' });

describe('the selected line follows the sale', () => {
  it('selects a line as it is added', () => {
    expect(followSelection(1, [line(1), line(2)], [line(1)])).toBe(2);
  });

  it('keeps the selection while it is live', () => {
    expect(followSelection(1, [line(1), line(2)], [line(1), line(2)])).toBe(1);
  });

  it('moves to the last live line when the selected one is voided or gone', () => {
    expect(followSelection(2, [line(1), line(2, true)], [line(1), line(2)])).toBe(1);
    expect(followSelection(5, [line(1)], [line(1)])).toBe(1);
    expect(followSelection(1, [], [line(1)])).toBeNull();
  });

  it('moves with the arrows over live lines only, stopping at the ends', () => {
    const lines = [line(1), line(2, true), line(3)];
    let ui: CashierUi = { ...initialCashierUi, selectedLine: 3 };
    ui = cashierUiReducer(ui, { type: 'moveSelection', delta: -1, lines });
    expect(ui.selectedLine).toBe(1);
    ui = cashierUiReducer(ui, { type: 'moveSelection', delta: -1, lines });
    expect(ui.selectedLine).toBe(1);
    ui = cashierUiReducer(ui, { type: 'moveSelection', delta: 1, lines });
    expect(ui.selectedLine).toBe(3);
  });
});

describe('search as you type', () => {
  it('drops results that answer a query no longer in the box', () => {
    let ui = cashierUiReducer(initialCashierUi, { type: 'query', query: 'app' });
    ui = cashierUiReducer(ui, { type: 'query', query: 'apple' });
    ui = cashierUiReducer(ui, { type: 'results', query: 'app', hits: [hit('A1')] });
    expect(ui.results).toEqual([]);
    ui = cashierUiReducer(ui, { type: 'results', query: 'apple', hits: [hit('A1'), hit('A2')] });
    expect(ui).toMatchObject({ results: [hit('A1'), hit('A2')], resultsFor: 'apple', highlighted: 0 });
  });

  it('keeps results while only spaces change, and forgets them when the text does', () => {
    let ui = cashierUiReducer(cashierUiReducer(initialCashierUi, { type: 'query', query: 'tea' }), { type: 'results', query: 'tea', hits: [hit('T')] });
    ui = cashierUiReducer(ui, { type: 'query', query: 'tea ' });
    expect(ui.results).toHaveLength(1);
    ui = cashierUiReducer(ui, { type: 'query', query: 'teas' });
    expect(ui).toMatchObject({ results: [], resultsFor: null, highlighted: -1 });
    ui = cashierUiReducer(ui, { type: 'query', query: 'tea' });
    expect(searchEnter(ui)).toEqual({ kind: 'none' }); // not "no results": the answer is not here yet
  });

  it('moves the highlight within the results', () => {
    let ui = cashierUiReducer(cashierUiReducer(initialCashierUi, { type: 'query', query: 'x' }), { type: 'results', query: 'x', hits: [hit('1'), hit('2')] });
    ui = cashierUiReducer(ui, { type: 'moveHighlight', delta: 1 });
    ui = cashierUiReducer(ui, { type: 'moveHighlight', delta: 1 });
    expect(ui.highlighted).toBe(1);
    ui = cashierUiReducer(ui, { type: 'highlight', index: 7 });
    expect(ui.highlighted).toBe(1);
  });

  it('Enter adds the highlighted result, sends a typed barcode as a scan, and a no-result text too', () => {
    const typed = (query: string, hits: SearchHitView[] | null): CashierUi => {
      const ui = cashierUiReducer(initialCashierUi, { type: 'query', query });
      return hits === null ? ui : cashierUiReducer(ui, { type: 'results', query: query.trim(), hits });
    };
    expect(searchEnter(typed('cola', [hit('C1'), hit('C2')]))).toEqual({ kind: 'add', hit: hit('C1') });
    expect(searchEnter(typed('6900000000007', null))).toEqual({ kind: 'scan', data: '6900000000007' });
    expect(searchEnter(typed('6900000000007', [hit('X')]))).toEqual({ kind: 'scan', data: '6900000000007' });
    expect(searchEnter(typed('zzz', []))).toEqual({ kind: 'scan', data: 'zzz' });
    expect(searchEnter(typed('   ', null))).toEqual({ kind: 'none' });
    expect(clearedSearch(typed('cola', [hit('C1')]))).toMatchObject({ query: '', results: [], resultsFor: null, highlighted: -1 });
  });
});

describe('Esc closes the top-most thing', () => {
  it('closes a dialog first, then messages, then the search text, then acts on the screen', () => {
    const ui: CashierUi = { ...initialCashierUi, dialog: { kind: 'help' }, clientError: 'x', query: 'abc' };
    expect(escapeStep(ui, view({ error: 'core said no' }), 1)).toBe('closeDialog');
    expect(escapeStep({ ...ui, dialog: null }, view(), 0)).toBe('dismissMessages');
    expect(escapeStep({ ...ui, dialog: null, clientError: null }, view({ error: 'core said no' }), 0)).toBe('dismissMessages');
    expect(escapeStep({ ...ui, dialog: null, clientError: null }, view(), 2)).toBe('dismissMessages');
    expect(escapeStep({ ...ui, dialog: null, clientError: null }, view(), 0)).toBe('clearSearch');
    expect(escapeStep(initialCashierUi, view(), 0)).toBe('screen');
  });
});

describe('what can be done now', () => {
  const ui: CashierUi = { ...initialCashierUi, selectedLine: 2 };

  it('needs a selected live line for line actions', () => {
    expect(isAvailable('void', view(), ui, info)).toBe(true);
    expect(isAvailable('void', view(), initialCashierUi, info)).toBe(false);
    expect(isAvailable('quantity', view({ lines: [line(1), line(2, true)] }), ui, info)).toBe(false);
    expect(selectedLine(ui, view())?.lineNo).toBe(2);
  });

  it('pays only with live lines, and parks or resumes by phase', () => {
    expect(isAvailable('pay', view({ lines: [line(1, true)] }), ui, info)).toBe(false);
    expect(isAvailable('pay', view(), ui, info)).toBe(true);
    expect(isAvailable('park', view({ phase: 'idle', lines: [], saleId: null }), ui, info)).toBe(false);
    expect(isAvailable('park', view({ phase: 'idle', lines: [], saleId: null, parked: [{ saleId: 'p', parkedAt: null, lineCount: 1, total: 1 }] }), ui, info)).toBe(true);
  });

  it('offers only the wallets and notes the terminal has', () => {
    const tendering = view({ phase: 'tendering', due: { remaining: 200, cashDue: 200, paid: 0 } });
    expect(isAvailable('alipayQr', tendering, ui, info)).toBe(true);
    expect(isAvailable('wechatQr', tendering, ui, info)).toBe(false);
    expect(isAvailable('customerCode', tendering, ui, { ...info, wallets: [] })).toBe(false);
    expect(isAvailable('quickCash2', tendering, ui, info)).toBe(true);
    expect(isAvailable('quickCash3', tendering, ui, info)).toBe(false);
    expect(isAvailable('cashExact', tendering, ui, info)).toBe(true);
    expect(isAvailable('cashExact', view(), ui, info)).toBe(false);
  });

  it('stops a payment once', () => {
    const payment = { wallet: 'alipay' as const, mode: 'qr' as const, amount: 200, outTradeNo: 'T', qrCode: null, message: 'm', startedAt: null, deadlineAt: null, stopping: false };
    expect(isAvailable('stopPayment', view({ phase: 'paying', payment }), ui, info)).toBe(true);
    expect(isAvailable('stopPayment', view({ phase: 'paying', payment: { ...payment, stopping: true } }), ui, info)).toBe(false);
  });

  it('cancels an open sale, and with none open offers the no-sale drawer opening on the same key', () => {
    expect(isAvailable('cancelSale', view(), ui, info)).toBe(true);
    expect(cancelOrNoSale(view())).toBe('cancelSale');
    expect(isAvailable('cancelSale', view({ phase: 'idle', saleId: null }), ui, info)).toBe(true);
    expect(cancelOrNoSale(view({ phase: 'idle', saleId: null }))).toBe('noSale');
    expect(isAvailable('cancelSale', view({ phase: 'paying' }), ui, info)).toBe(false);
    expect(isAvailable('cancelSale', view({ phase: 'finishing' }), ui, info)).toBe(false);
  });

  it('keeps help open to everyone, even before the first view', () => {
    expect(isAvailable('help', null, ui, null)).toBe(true);
    expect(isAvailable('pay', null, ui, null)).toBe(false);
  });

  it('calls a receipt unprinted unless it printed or there is no printer', () => {
    expect(['printed', 'none', null].map(receiptUnprinted)).toEqual([false, false, false]);
    expect(['unconfirmed', 'deferred', 'interrupted', 'failed', 'unknown'].map(receiptUnprinted)).toEqual([true, true, true, true, true]);
  });
});

describe('coupons and members on the sale screen (issue 8)', () => {
  const coupon: CouponView = { code: 'SAVE10', name: '10 off 100', amount: 1000, minSpend: 10000, spend: 12000, redemption: 'reserved' };
  const member = (over: Partial<MemberView> = {}): MemberView => ({ id: 'M1', name: 'Li Na', points: 1200, pointsRedeemed: 0, pointsDiscount: 0, redeemable: 1200, ...over });
  const ui = initialCashierUi;

  it('takes a coupon only once something is bought, and Ins removes the one on the sale', () => {
    expect(isAvailable('coupon', view(), ui, info)).toBe(true);
    expect(isAvailable('coupon', view({ lines: [line(1, true)] }), ui, info)).toBe(false);
    expect(isAvailable('coupon', view({ phase: 'idle', saleId: null, lines: [] }), ui, info)).toBe(false);
    expect(isAvailable('coupon', view({ phase: 'tendering' }), ui, info)).toBe(false);
    expect(couponOrRemove(view())).toBe('coupon');
    expect(couponOrRemove(view({ coupon }))).toBe('removeCoupon');
  });

  it('identifies a member with no sale open too (that opens one), and PgUp removes the one on the sale', () => {
    expect(isAvailable('member', view({ phase: 'idle', saleId: null, lines: [] }), ui, info)).toBe(true);
    expect(isAvailable('member', view(), ui, info)).toBe(true);
    expect(isAvailable('member', view({ phase: 'tendering' }), ui, info)).toBe(false);
    expect(isAvailable('member', view({ phase: 'paying' }), ui, info)).toBe(false);
    expect(memberOrRemove(view())).toBe('member');
    expect(memberOrRemove(view({ member: member() }))).toBe('removeMember');
  });

  it('offers points only while some can go on the sale or some are redeemed', () => {
    expect(isAvailable('redeemPoints', view(), ui, info)).toBe(false);
    expect(isAvailable('redeemPoints', view({ member: member() }), ui, info)).toBe(true);
    expect(isAvailable('redeemPoints', view({ member: member({ points: 0, redeemable: 0 }) }), ui, info)).toBe(false);
    expect(isAvailable('redeemPoints', view({ member: member({ redeemable: 0, pointsRedeemed: 300, pointsDiscount: 300 }) }), ui, info)).toBe(true);
    expect(isAvailable('redeemPoints', view({ phase: 'tendering', member: member() }), ui, info)).toBe(false);
  });

  it('closes a dialog whose coupon or member went off the sale', () => {
    expect(dialogStale({ kind: 'removeCoupon' }, view())).toBe(true);
    expect(dialogStale({ kind: 'removeCoupon' }, view({ coupon }))).toBe(false);
    expect(dialogStale({ kind: 'removeMember' }, view())).toBe(true);
    expect(dialogStale({ kind: 'redeemPoints' }, view())).toBe(true);
    expect(dialogStale({ kind: 'redeemPoints' }, view({ member: member() }))).toBe(false);
    expect(dialogStale({ kind: 'coupon' }, view())).toBe(false);
    expect(dialogStale(null, view())).toBe(false);
  });
});
