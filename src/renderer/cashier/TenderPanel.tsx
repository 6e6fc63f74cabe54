// Taking money: what is still due (large), cash typed or by note, wallets by QR on the customer
// display or by the customer's code. Tenders add up (split tenders) until the sale is paid; the
// core finishes it by itself then.
import { useState, type KeyboardEvent, type RefObject } from 'react';
import type { CheckoutView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount, formatNote } from '../format.ts';
import { TID } from '../testids.ts';
import { keyFor, type ShortcutAction } from './shortcuts.ts';

export interface TenderPanelProps {
  readonly view: CheckoutView;
  readonly cashRef: RefObject<HTMLInputElement | null>;
  readonly codeRef: RefObject<HTMLInputElement | null>;
  /** Resolves true when the core took it (the field is then cleared). */
  readonly onCash: (text: string) => Promise<boolean>;
  readonly onCode: (text: string) => Promise<boolean>;
  /** A quick-cash note beyond the four with F-keys. */
  readonly onCashAmount: (minor: number) => void;
  readonly run: (action: ShortcutAction) => void;
  readonly available: (action: ShortcutAction) => boolean;
}

const QUICK: readonly ShortcutAction[] = ['quickCash1', 'quickCash2', 'quickCash3', 'quickCash4'];

export function TenderPanel({ view, cashRef, codeRef, onCash, onCode, onCashAmount, run, available }: TenderPanelProps) {
  const { info, t } = usePos();
  const [cash, setCash] = useState('');
  const [code, setCode] = useState('');
  const money = (minor: number) => formatAmount(minor, view.currency);
  const due = view.due;

  const submitCash = (text: string) => {
    void onCash(text).then((ok) => ok && setCash(''));
  };
  const submitCode = (text: string) => {
    void onCode(text).then((ok) => ok && setCode(''));
  };
  const enter = (submit: (text: string) => void) => (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    e.stopPropagation();
    submit(e.currentTarget.value);
  };

  return (
    <div className="tender-panel" data-testid={TID.tenderPanel}>
      <div className="due">
        <span className="due-label">{t('tender.due')}</span>
        <span className="due-amount" data-testid={TID.dueAmount}>
          {money(due?.remaining ?? view.totals.total)}
        </span>
      </div>
      <div className="due-facts">
        {due && due.cashDue !== due.remaining ? (
          <span>
            {t('tender.cashDue')} {money(due.cashDue)}
          </span>
        ) : null}
        <span>
          {t('tender.total')} {money(view.totals.total)}
        </span>
        <span data-testid={TID.paidAmount}>
          {t('tender.paid')} {money(due?.paid ?? 0)}
        </span>
      </div>
      {view.tenders.length > 0 ? (
        <ul className="tender-list" data-testid={TID.tenderList} aria-label={t('tender.tenders')}>
          {view.tenders.map((tender, i) => (
            <li key={i}>
              <span>{t(`method.${tender.method}`)}</span>
              <span>{money(tender.amount)}</span>
            </li>
          ))}
        </ul>
      ) : null}

      <div className="tender-group">
        <label className="group-label" htmlFor="cash-input">
          {t('tender.cashReceived')}
        </label>
        <div className="field-row">
          <input
            id="cash-input"
            ref={cashRef}
            className="input input-amount"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={cash}
            placeholder={due ? formatAmount(due.cashDue, view.currency) : ''}
            data-testid={TID.cashInput}
            onChange={(e) => setCash(e.target.value)}
            onKeyDown={enter(submitCash)}
          />
          <button type="button" className="btn btn-primary" data-testid={TID.cashTake} onClick={() => submitCash(cash)}>
            {t('tender.take')} <kbd>Enter</kbd>
          </button>
        </div>
        <div className="cash-buttons">
          <button type="button" className="btn btn-cash" tabIndex={-1} disabled={!available('cashExact')} data-testid={TID.cashExact} onClick={() => run('cashExact')}>
            {t('tender.exact', { amount: money(due?.cashDue ?? 0) })} <kbd>F12</kbd>
          </button>
          {info.quickCash.map((amount, i) => {
            const action = QUICK[i];
            const key = action ? keyFor(action, 'tender') : null;
            return (
              <button
                key={amount}
                type="button"
                className="btn btn-cash btn-note"
                tabIndex={-1}
                data-testid={TID.quickCash(amount)}
                onClick={() => (action ? run(action) : onCashAmount(amount))}
              >
                <span>{formatNote(amount, view.currency)}</span>
                {key ? <kbd>{key}</kbd> : null}
              </button>
            );
          })}
        </div>
      </div>

      <div className="tender-group">
        <span className="group-label">{t('tender.wallets')}</span>
        {info.wallets.length === 0 ? (
          <p className="muted">{t('tender.cashOnly')}</p>
        ) : (
          <>
            <div className="wallet-buttons">
              {info.wallets.includes('alipay') ? (
                <button type="button" className="btn btn-alipay" tabIndex={-1} data-testid={TID.payAlipayQr} onClick={() => run('alipayQr')}>
                  {t('key.alipayQr')} <kbd>F2</kbd>
                </button>
              ) : null}
              {info.wallets.includes('wechat') ? (
                <button type="button" className="btn btn-wechat" tabIndex={-1} data-testid={TID.payWechatQr} onClick={() => run('wechatQr')}>
                  {t('key.wechatQr')} <kbd>F3</kbd>
                </button>
              ) : null}
            </div>
            <label className="group-label" htmlFor="customer-code">
              {t('tender.codeLabel')} <kbd>F4</kbd>
            </label>
            <div className="field-row">
              <input
                id="customer-code"
                ref={codeRef}
                className="input"
                type="text"
                inputMode="numeric"
                autoComplete="off"
                value={code}
                placeholder={t('tender.codeHint')}
                data-testid={TID.customerCodeInput}
                onChange={(e) => setCode(e.target.value)}
                onKeyDown={enter(submitCode)}
              />
              <button type="button" className="btn" tabIndex={-1} data-testid={TID.customerCodePay} onClick={() => submitCode(code)}>
                {t('tender.codePay')}
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
