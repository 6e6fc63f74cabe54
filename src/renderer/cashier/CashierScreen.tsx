// The cashier screen: the sale on the left, what to do next on the right, the F-key bar below.
// This component wires keys, scans and buttons to checkout commands; what each key means is in
// shortcuts.ts and cashier-model.ts, and every piece it draws is a thin component.
//
// Decisions a caller must know:
// - Scans (any scanner) always go to the core as SCAN: the core decides what they are (an item,
//   a customer's payment code while paying, or an error it words itself).
// - Focus has a home per screen (search box while selling, cash box while tendering, the open
//   dialog's first field); when focus falls to nowhere after a mouse or keyboard action it goes
//   home. Touch taps do not pull focus (that would pop a tablet's on-screen keyboard).
// - Errors: the core's CheckoutView.error and any refused request are shown as they are, in the
//   red banner; Esc dismisses them. A coupon or member the core refuses (unknown, expired,
//   used) comes back the same way, after the dialog closed: the cart is unchanged.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { CheckoutCommand, DeviceView, SearchHitView } from '../../shared/api.ts';
import { useCheckout, useLiveView, useNotices } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import type { Parsed } from '../format.ts';
import { asTextField, useWedge, type TextField } from '../input/use-wedge.ts';
import { TID } from '../testids.ts';
import { CartPanel } from './CartPanel.tsx';
import { NoSaleDialog } from './NoSaleDialog.tsx';
import { cashCommand, customerCodeCommand } from './commands.ts';
import { CashierBanners, CashierHeader } from './CashierHeader.tsx';
import {
  cashierUiReducer,
  cancelOrNoSale,
  clearedSearch,
  couponOrRemove,
  dialogStale,
  memberOrRemove,
  escapeStep,
  initialCashierUi,
  isAvailable,
  searchEnter,
  selectedLine,
  type CashierDialog,
  type CashierUi,
  type CashierUiAction,
} from './cashier-model.ts';
import {
  CancelSaleDialog,
  CouponDialog,
  DiscountDialog,
  HelpDialog,
  MemberDialog,
  PriceDialog,
  QuantityDialog,
  RedeemDialog,
  RemoveCouponDialog,
  RemoveMemberDialog,
  VoidDialog,
  WeighDialog,
} from './Dialogs.tsx';
import { FunctionBar } from './FunctionBar.tsx';
import { ParkedDialog } from './ParkedDialog.tsx';
import { RecentSalesDialog } from './RecentSalesDialog.tsx';
import { SellPanel } from './SellPanel.tsx';
import { claimsKey, quickCashIndex, screenOf, shortcutFor, type ShortcutAction } from './shortcuts.ts';
import { BusyPanel, CommitFailedPanel, NoPaperPanel, PaymentPanel } from './StatusPanels.tsx';
import { TenderPanel } from './TenderPanel.tsx';

const SEARCH_DELAY_MS = 80;

/** The screen's state with a reducer that also clears the search after an add. */
function reducer(state: CashierUi, action: CashierUiAction | { type: 'clearSearch' }): CashierUi {
  return action.type === 'clearSearch' ? clearedSearch(state) : cashierUiReducer(state, action);
}

export function CashierScreen() {
  const { client, approvals, info, t, connection } = usePos();
  const [ui, dispatch] = useReducer(reducer, initialCashierUi);
  const reportError = useCallback((message: string) => dispatch({ type: 'error', message }), []);
  const { view, send: sendRaw } = useCheckout(reportError);
  const { value: devices } = useLiveView('devices', () => client.request('devices.list', {}));
  const { notices, dismiss, dismissAll } = useNotices();

  const searchRef = useRef<HTMLInputElement>(null);
  const cashRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const lastPointer = useRef<string>('mouse');

  const phase = view?.phase ?? 'idle';
  const screen = screenOf(phase);

  // ---------------------------------------------------------------- sending

  const send = useCallback(
    (command: CheckoutCommand) => {
      dispatch({ type: 'clearError' });
      dispatch({ type: 'clearInfo' });
      return sendRaw(command);
    },
    [sendRaw],
  );

  /** Sends a command built from typed input, or shows why it cannot be built. */
  const sendParsed = useCallback(
    async (parsed: Parsed<CheckoutCommand>): Promise<boolean> => {
      if (!parsed.ok) {
        dispatch({ type: 'error', message: t(parsed.error, parsed.params) });
        return false;
      }
      return send(parsed.value);
    },
    [send, t],
  );

  // ---------------------------------------------------------------- selection follows the sale

  const previousLines = useRef(view?.lines ?? []);
  useEffect(() => {
    if (!view) return;
    dispatch({ type: 'lines', lines: view.lines, previous: previousLines.current });
    previousLines.current = view.lines;
  }, [view]);

  // A dialog about the coupon or the member closes when they go off the sale.
  const stale = dialogStale(ui.dialog, view);
  useEffect(() => {
    if (stale) dispatch({ type: 'close' });
  }, [stale]);

  // ---------------------------------------------------------------- search as you type

  useEffect(() => {
    const q = ui.query.trim();
    if (q === '' || ui.resultsFor === q) return;
    const timer = window.setTimeout(() => {
      client.request('catalog.search', { query: q, limit: 20 }).then(
        (hits) => dispatch({ type: 'results', query: q, hits }),
        (e: unknown) => dispatch({ type: 'error', message: errorText(e) }),
      );
    }, SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [client, ui.query, ui.resultsFor]);

  const addHit = useCallback(
    (hit: SearchHitView) => {
      dispatch({ type: 'clearSearch' });
      if (hit.unit === 'kg') dispatch({ type: 'open', dialog: { kind: 'weigh', sku: hit.sku, name: hit.name, price: hit.price } });
      else void send({ type: 'ADD', sku: hit.sku });
    },
    [send],
  );

  const onSearchEnter = useCallback((text: string) => {
    const step = searchEnter({ ...ui, query: text });
    if (step.kind === 'add') addHit(step.hit);
    else if (step.kind === 'scan') {
      dispatch({ type: 'clearSearch' });
      void send({ type: 'SCAN', data: step.data });
    }
  }, [ui, addHit, send]);

  // ---------------------------------------------------------------- focus

  const homeField = useCallback((): TextField | null => {
    // The top-most dialog (an approval drawn over a cashier dialog) is the last one in the page.
    const dialogs = document.querySelectorAll('[data-dialog]');
    const top = dialogs[dialogs.length - 1];
    if (top) {
      const dialogField = top.querySelector<HTMLInputElement>('input:not([disabled])');
      return dialogField ? asTextField(dialogField) : null;
    }
    if (screen === 'sale') return searchRef.current;
    if (screen === 'tender') return cashRef.current;
    return null;
  }, [screen]);

  const goHome = useCallback(() => {
    const field = homeField();
    if (field && document.activeElement !== field) field.focus();
  }, [homeField]);

  // A new screen, a closed dialog, or the first view drawn (the fields exist only then): focus goes home.
  const loaded = view !== null;
  useEffect(() => {
    if (loaded && ui.dialog === null && lastPointer.current !== 'touch') goHome();
  }, [loaded, screen, ui.dialog, goHome]);

  useEffect(() => {
    const onPointer = (e: PointerEvent) => {
      lastPointer.current = e.pointerType;
    };
    const onKey = () => {
      lastPointer.current = 'keyboard';
    };
    const onFocusOut = () => {
      window.setTimeout(() => {
        const nowhere = document.activeElement === null || document.activeElement === document.body;
        if (nowhere && lastPointer.current !== 'touch') goHome();
      }, 0);
    };
    window.addEventListener('pointerdown', onPointer, true);
    window.addEventListener('keydown', onKey, true);
    document.addEventListener('focusout', onFocusOut);
    return () => {
      window.removeEventListener('pointerdown', onPointer, true);
      window.removeEventListener('keydown', onKey, true);
      document.removeEventListener('focusout', onFocusOut);
    };
  }, [goHome]);

  // ---------------------------------------------------------------- scans

  useWedge({
    enabled: true,
    onScan: (data) => void send({ type: 'SCAN', data }),
    fallback: homeField,
  });

  // ---------------------------------------------------------------- actions (keys and buttons)

  const line = selectedLine(ui, view);
  const open = useCallback((dialog: CashierDialog) => dispatch({ type: 'open', dialog }), []);
  const close = useCallback(() => dispatch({ type: 'close' }), []);

  const dismissMessages = useCallback(() => {
    dispatch({ type: 'clearError' });
    dispatch({ type: 'clearInfo' });
    dismissAll();
    if (view?.error) void sendRaw({ type: 'CLEAR_ERROR' });
  }, [dismissAll, sendRaw, view?.error]);

  const run = useCallback(
    (action: ShortcutAction) => {
      if (!isAvailable(action, view, ui, info)) {
        if ((action === 'quantity' || action === 'void' || action === 'lineDiscount' || action === 'priceOverride') && phase === 'selling') {
          dispatch({ type: 'error', message: t('dialog.noLine') });
        }
        if (action === 'coupon' && phase === 'selling') dispatch({ type: 'error', message: t('dialog.coupon.noItems') });
        if (action === 'redeemPoints' && phase === 'selling') dispatch({ type: 'error', message: t(view?.member ? 'dialog.redeem.none' : 'dialog.redeem.noMember') });
        return;
      }
      const cash = quickCashIndex(action);
      if (cash !== null) {
        const amount = info.quickCash[cash];
        if (amount !== undefined) void send({ type: 'TENDER_CASH', received: amount });
        return;
      }
      switch (action) {
        case 'help':
          if (ui.dialog?.kind === 'help') close();
          else open({ kind: 'help' });
          return;
        case 'search':
          searchRef.current?.focus();
          searchRef.current?.select();
          return;
        case 'quantity':
          if (line) open({ kind: 'quantity', lineNo: line.lineNo });
          return;
        case 'void':
          if (line) open({ kind: 'void', lineNo: line.lineNo });
          return;
        case 'lineDiscount':
          if (line) open({ kind: 'lineDiscount', lineNo: line.lineNo });
          return;
        case 'priceOverride':
          if (line) open({ kind: 'price', lineNo: line.lineNo });
          return;
        case 'basketDiscount':
          open({ kind: 'basketDiscount' });
          return;
        case 'park':
          if (phase === 'selling') void send({ type: 'PARK' });
          else open({ kind: 'parked' });
          return;
        case 'recent':
          open({ kind: 'recent' });
          return;
        case 'cancelSale':
          if (view) open({ kind: cancelOrNoSale(view) });
          return;
        case 'pay':
          void send({ type: 'TENDER' });
          return;
        case 'escape':
          return;
        case 'back':
          void send({ type: 'BACK' });
          return;
        case 'cashExact':
          if (view?.due) void send({ type: 'TENDER_CASH', received: view.due.cashDue });
          return;
        case 'alipayQr':
          void send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'qr' });
          return;
        case 'wechatQr':
          void send({ type: 'PAY_WALLET', wallet: 'wechat', mode: 'qr' });
          return;
        case 'customerCode':
          codeRef.current?.focus();
          codeRef.current?.select();
          return;
        case 'stopPayment':
          void send({ type: 'STOP_PAYMENT' });
          return;
        case 'continueWithoutReceipt':
          void send({ type: 'CONTINUE_WITHOUT_RECEIPT' });
          return;
        case 'retry':
          void send({ type: 'RETRY' });
          return;
        case 'coupon':
          if (view) open({ kind: couponOrRemove(view) });
          return;
        case 'member':
          if (view) open({ kind: memberOrRemove(view) });
          return;
        case 'redeemPoints':
          open({ kind: 'redeemPoints' });
          return;
        case 'quickCash1':
        case 'quickCash2':
        case 'quickCash3':
        case 'quickCash4':
          return;
      }
    },
    [view, ui, info, phase, t, close, open, line, send],
  );

  const escape = useCallback(() => {
    const step = escapeStep(ui, view, notices.items.length);
    if (step === 'closeDialog') close();
    else if (step === 'dismissMessages') dismissMessages();
    else if (step === 'clearSearch') dispatch({ type: 'clearSearch' });
    else {
      const s = shortcutFor('Escape', { ctrlKey: false, altKey: false, metaKey: false, shiftKey: false }, screen);
      if (s) run(s.action);
    }
  }, [ui, view, notices.items.length, close, dismissMessages, screen, run]);

  // F-keys, Esc and the arrows, after the focused element had its say (bubble phase): a field
  // that uses a key itself stops it (the search box's arrows, a dialog's Esc).
  const keyState = useRef({ run, escape, ui, view });
  keyState.current = { run, escape, ui, view };
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const { run: act, escape: esc, ui: state, view: v } = keyState.current;
      if (claimsKey(e.key)) e.preventDefault();
      // An approval is being asked over the screen: its dialog has the keys.
      if (approvals.pending !== null) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        esc();
        return;
      }
      if (state.dialog !== null) {
        if (e.key === 'F1' && state.dialog.kind === 'help') act('help');
        return;
      }
      if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && v && !e.ctrlKey && !e.altKey && !e.metaKey) {
        e.preventDefault();
        dispatch({ type: 'moveSelection', delta: e.key === 'ArrowUp' ? -1 : 1, lines: v.lines });
        return;
      }
      const shortcut = shortcutFor(e.key, e, screenOf(v?.phase ?? 'idle'));
      if (shortcut) act(shortcut.action);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [approvals]);

  // ---------------------------------------------------------------- reprint of the last sale

  const [reprinting, setReprinting] = useState(false);
  const reprint = useCallback(
    (saleId: string) => {
      setReprinting(true);
      dispatch({ type: 'clearError' });
      client.request('sales.reprint', { saleId }).then(
        (r) => dispatch({ type: 'info', message: t('receipt.reprinted', { no: r.receiptNo, status: r.detail ? `${r.status} (${r.detail})` : r.status }) }),
        (e: unknown) => dispatch({ type: 'error', message: errorText(e) }),
      ).finally(() => setReprinting(false));
    },
    [client, t],
  );

  // ---------------------------------------------------------------- drawing

  const alerts: readonly DeviceView[] = devices ?? [];
  const dialog = ui.dialog;
  const dialogLine = useMemo(() => {
    if (!dialog || !('lineNo' in dialog) || !view) return null;
    return view.lines.find((l) => l.lineNo === dialog.lineNo) ?? null;
  }, [dialog, view]);

  if (!view) {
    return (
      <div className="cashier" data-testid={TID.cashierScreen}>
        <CashierHeader devices={alerts} printer={null} onHelp={() => run('help')} onError={reportError} />
        <CashierBanners view={null} ui={ui} notices={notices} onDismissError={dismissMessages} onDismissNotice={dismiss} />
        <div className="boot">
          <p data-testid={TID.appLoading}>{t('app.connecting')}</p>
        </div>
      </div>
    );
  }

  const submitAndClose = async (parsed: Parsed<CheckoutCommand>) => {
    if (await sendParsed(parsed)) close();
  };

  return (
    <div className="cashier" data-testid={TID.cashierScreen} data-phase={phase} data-state={view.state} data-connection={connection}>
      <CashierHeader devices={alerts} printer={view.printer} onHelp={() => run('help')} onError={reportError} />
      <CashierBanners view={view} ui={ui} notices={notices} onDismissError={dismissMessages} onDismissNotice={dismiss} />
      <main className="cashier-main">
        <CartPanel
          view={view}
          selected={ui.selectedLine}
          onSelect={(lineNo) => dispatch({ type: 'select', lineNo })}
          onReprint={reprint}
          reprinting={reprinting}
          onRemoveCoupon={isAvailable('coupon', view, ui, info) ? () => open({ kind: 'removeCoupon' }) : undefined}
          onRemoveMember={isAvailable('member', view, ui, info) && view.phase === 'selling' ? () => open({ kind: 'removeMember' }) : undefined}
          onRedeem={() => run('redeemPoints')}
          canRedeem={isAvailable('redeemPoints', view, ui, info)}
        />
        <section className="side">
          {screen === 'sale' && (
            <SellPanel
              view={view}
              ui={ui}
              searchRef={searchRef}
              onQuery={(query) => dispatch({ type: 'query', query })}
              onEnter={onSearchEnter}
              onMove={(delta) => dispatch({ type: 'moveHighlight', delta })}
              onHighlight={(index) => dispatch({ type: 'highlight', index })}
              onAdd={addHit}
              onQuickKey={(k) => addHit({ sku: k.sku, name: k.label, price: k.price, unit: k.unit })}
              onParked={() => open({ kind: 'parked' })}
              onPay={() => run('pay')}
              payEnabled={isAvailable('pay', view, ui, info)}
            />
          )}
          {screen === 'tender' && (
            <TenderPanel
              view={view}
              cashRef={cashRef}
              codeRef={codeRef}
              onCash={(text) => sendParsed(cashCommand(text, view.currency))}
              onCode={(text) => sendParsed(customerCodeCommand(text))}
              onCashAmount={(received) => void send({ type: 'TENDER_CASH', received })}
              run={run}
              available={(a) => isAvailable(a, view, ui, info)}
            />
          )}
          {screen === 'paying' && view.payment && <PaymentPanel payment={view.payment} currency={view.currency} onStop={() => run('stopPayment')} />}
          {(screen === 'busy' || (screen === 'paying' && !view.payment)) && <BusyPanel phase={phase} />}
          {screen === 'noPaper' && <NoPaperPanel printer={view.printer} run={run} />}
          {screen === 'commitFailed' && <CommitFailedPanel onRetry={() => run('retry')} />}
        </section>
      </main>
      <FunctionBar screen={screen} available={(a) => isAvailable(a, view, ui, info)} run={run} />

      {dialog?.kind === 'help' && <HelpDialog screen={screen} onClose={close} />}
      {dialog?.kind === 'quantity' && dialogLine && <QuantityDialog line={dialogLine} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'weigh' && <WeighDialog item={dialog} currency={view.currency} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'void' && dialogLine && <VoidDialog line={dialogLine} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'lineDiscount' && dialogLine && <DiscountDialog line={dialogLine} view={view} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'basketDiscount' && <DiscountDialog line={null} view={view} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'price' && dialogLine && <PriceDialog line={dialogLine} currency={view.currency} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'cancelSale' && <CancelSaleDialog view={view} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'coupon' && <CouponDialog onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'removeCoupon' && view.coupon && <RemoveCouponDialog coupon={view.coupon} currency={view.currency} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'member' && <MemberDialog onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'removeMember' && view.member && <RemoveMemberDialog member={view.member} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'redeemPoints' && view.member && <RedeemDialog member={view.member} currency={view.currency} onClose={close} onSubmit={submitAndClose} />}
      {dialog?.kind === 'noSale' && (
        <NoSaleDialog
          onClose={close}
          onOpened={() => {
            close();
            dispatch({ type: 'info', message: t('manager.drawerOpened') });
          }}
          onError={reportError}
        />
      )}
      {dialog?.kind === 'recent' && <RecentSalesDialog onClose={close} onReprint={reprint} />}
      {dialog?.kind === 'parked' && (
        <ParkedDialog
          view={view}
          onClose={close}
          onPark={() => void send({ type: 'PARK' }).then((ok) => ok && close())}
          onResume={(saleId) => void send({ type: 'RESUME', saleId }).then((ok) => ok && close())}
        />
      )}
    </div>
  );
}

