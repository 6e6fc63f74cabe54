// The right-hand panel while the core is doing something the cashier waits on: a wallet
// payment (with its own words, a countdown and STOP), saving/printing, the no-paper question,
// and a commit that must be retried.
import type { CheckoutPhase, CheckoutView, PaymentView } from '../../shared/api.ts';
import { useNow } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount, formatCountdown, msUntil } from '../format.ts';
import { TID } from '../testids.ts';
import type { ShortcutAction } from './shortcuts.ts';

export function PaymentPanel({ payment, currency, onStop }: { readonly payment: PaymentView; readonly currency: string; readonly onStop: () => void }) {
  const { t } = usePos();
  const now = useNow(payment.deadlineAt !== null);
  const left = msUntil(payment.deadlineAt, now);
  const wallet = t(`method.${payment.wallet}`);
  return (
    <div className={`payment-panel wallet-${payment.wallet}`} data-testid={TID.paymentPanel} data-mode={payment.mode}>
      <h2 className="payment-title">{t('paying.title', { wallet, amount: formatAmount(payment.amount, currency) })}</h2>
      <p className="payment-sub">{payment.mode === 'qr' ? (payment.qrCode ? t('paying.qrOnDisplay') : t('paying.waitingQr')) : t('paying.barcode')}</p>
      <p className="payment-message" data-testid={TID.paymentMessage}>
        {payment.message}
      </p>
      {left !== null ? (
        <p className="payment-countdown">
          {t('paying.timeLeft')} <span data-testid={TID.paymentCountdown}>{formatCountdown(left)}</span>
        </p>
      ) : null}
      <p className="muted trade-no">{payment.outTradeNo}</p>
      {payment.stopping ? (
        <p className="payment-stopping" role="status">
          {t('paying.stopping')}
        </p>
      ) : null}
      <button type="button" className="btn btn-stop" disabled={payment.stopping} data-testid={TID.stopPayment} onClick={onStop}>
        {t('key.stopPayment')} <kbd>Esc</kbd>
      </button>
    </div>
  );
}

export function BusyPanel({ phase }: { readonly phase: CheckoutPhase }) {
  const { t } = usePos();
  return (
    <div className="busy-panel" data-testid={TID.busyPanel} role="status">
      <span className="spinner" aria-hidden="true" />
      <p>{phase === 'cancelling' ? t('busy.cancelling') : t('busy.finishing')}</p>
    </div>
  );
}

export function NoPaperPanel({ printer, run }: { readonly printer: CheckoutView['printer']; readonly run: (a: ShortcutAction) => void }) {
  const { t } = usePos();
  return (
    <div className="no-paper-panel" data-testid={TID.noPaperPanel} role="alert">
      <h2>{t('noPaper.title')}</h2>
      {printer ? <p className="printer-detail">{printer.detail}</p> : null}
      <p>{t('noPaper.text')}</p>
      <button type="button" className="btn btn-primary btn-big" data-testid={TID.continueWithoutReceipt} onClick={() => run('continueWithoutReceipt')}>
        {t('key.continueWithoutReceipt')} <kbd>F12</kbd>
      </button>
      <div className="row">
        <button type="button" className="btn" data-testid={TID.backButton} onClick={() => run('back')}>
          {t('key.back')} <kbd>Esc</kbd>
        </button>
        <button type="button" className="btn btn-danger" onClick={() => run('cancelSale')}>
          {t('key.cancelSale')} <kbd>F10</kbd>
        </button>
      </div>
    </div>
  );
}

export function CommitFailedPanel({ onRetry }: { readonly onRetry: () => void }) {
  const { t } = usePos();
  return (
    <div className="commit-failed-panel" data-testid={TID.commitFailedPanel} role="alert">
      <h2>{t('commitFailed.title')}</h2>
      <p>{t('commitFailed.text')}</p>
      <button type="button" className="btn btn-primary btn-big" data-testid={TID.retryButton} onClick={onRetry}>
        {t('key.retry')} <kbd>F12</kbd>
      </button>
    </div>
  );
}
