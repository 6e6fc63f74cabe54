// The customer display: what was scanned, the total, the payment QR large with the amount and a
// countdown, then success or failure and a thank-you. Built for reading at 2 m: few words, very
// large type, high contrast. It only shows; it sends nothing to the sale. With issue 8 the cart
// shows each line's promotions under it, what the customer saves, and greets the member.
import { useEffect, useState } from 'react';
import type { CustomerView } from '../../shared/api.ts';
import { useLiveView, useNow } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { ConnectionBanner } from '../components/ConnectionBanner.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { TrainingBadge } from '../components/TrainingBadge.tsx';
import { formatAmount, formatCountdown, formatQuantity, msUntil } from '../format.ts';
import { TID } from '../testids.ts';
import { bigAmount, headlineKey, memberShown, savingsShown, tailLinesByRows } from './customer-model.ts';
import { QrImage } from './QrImage.tsx';

const MAX_LINES = 8;

function useQrTarget(): number {
  const measure = () => Math.max(240, Math.floor(Math.min(window.innerHeight * 0.68, window.innerWidth * 0.46)));
  const [target, setTarget] = useState(measure);
  useEffect(() => {
    const onResize = () => setTarget(measure());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return target;
}

export function CustomerScreen() {
  const { client } = usePos();
  const { value: view } = useLiveView('customer', () => client.request('customer.view', {}));
  return (
    <div className="customer" data-testid={TID.customerScreen} data-phase={view?.phase ?? 'loading'}>
      <ConnectionBanner />
      <div className="customer-top">
        <TrainingBadge />
        <span className="spacer" />
        <LanguageSwitch className="quiet" />
      </div>
      {view ? <CustomerBody view={view} /> : null}
    </div>
  );
}

function CustomerBody({ view }: { readonly view: CustomerView }) {
  const { t } = usePos();
  const target = useQrTarget();
  const now = useNow(view.phase === 'qr' && view.qr?.deadlineAt != null, 500);
  const money = (minor: number) => formatAmount(minor, view.currency);
  const amount = bigAmount(view);
  const wallet = view.qr ? t(`method.${view.qr.wallet}`) : t('customer.anyWallet');
  const headline = t(headlineKey(view.phase), { wallet });

  if (view.phase === 'qr' && view.qr) {
    const left = msUntil(view.qr.deadlineAt, now);
    return (
      <main className={`customer-qr wallet-${view.qr.wallet}`}>
        <div className="qr-card">
          <QrImage payload={view.qr.payload} targetPx={target} label={headline} />
        </div>
        <div className="qr-side">
          <h1 className="c-headline">{headline}</h1>
          <div className="c-amount" data-testid={TID.customerQrAmount}>
            {money(view.qr.amount)}
          </div>
          {left !== null ? (
            <div className={left < 30_000 ? 'c-countdown urgent' : 'c-countdown'} data-testid={TID.customerCountdown}>
              {t('customer.timeLeft', { time: formatCountdown(left) })}
            </div>
          ) : null}
        </div>
      </main>
    );
  }

  if (view.phase === 'cart') {
    const { shown, hidden } = tailLinesByRows(view.lines, MAX_LINES);
    const first = view.lines.length - shown.length;
    const savings = savingsShown(view);
    const member = memberShown(view);
    return (
      <main className="customer-cart">
        <ol className="c-lines" data-testid={TID.customerLines}>
          {hidden > 0 ? <li className="c-more">{t('customer.more', { count: hidden })}</li> : null}
          {shown.map((l, i) => (
            <li key={first + i} className="c-line" data-testid={TID.customerLine(first + i + 1)}>
              <span className="c-name">{l.name}</span>
              <span className="c-qty">{l.unit === 'kg' || l.quantityMilli !== 1000 ? `× ${formatQuantity(l.quantityMilli, l.unit)}` : ''}</span>
              <span className="c-due">{money(l.due)}</span>
              {l.promotions && l.promotions.length > 0 ? (
                <ul className="c-promotions">
                  {l.promotions.map((p, j) => (
                    <li key={j} className="c-promotion" data-testid={TID.customerLinePromotion(first + i + 1, j + 1)}>
                      <span className="c-promotion-label">{p.label}</span>
                      <span className="c-promotion-amount">−{money(p.amount)}</span>
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ol>
        <div className="c-total-box">
          {member ? (
            <p className="c-member" data-testid={TID.customerMember}>
              <span className="c-member-hello">{t('customer.memberHello', { name: member.name })}</span>
              <span className="c-member-points">{t('customer.memberPoints', { points: member.points })}</span>
            </p>
          ) : null}
          <span className="c-total-label">{view.paid > 0 ? t('customer.toPay') : t('customer.total')}</span>
          <span className="c-total" data-testid={TID.customerTotal}>
            {money(amount ?? view.total)}
          </span>
          {view.paid > 0 ? (
            <span className="c-paid">
              {t('customer.paid')} {money(view.paid)}
            </span>
          ) : null}
          {savings !== null ? (
            <span className="c-savings" data-testid={TID.customerSavings}>
              {t('customer.youSave', { amount: money(savings) })}
            </span>
          ) : null}
        </div>
      </main>
    );
  }

  const mark = view.phase === 'paid' ? '✓' : view.phase === 'failed' ? '✕' : null;
  return (
    <main className={`customer-center phase-${view.phase}`}>
      {mark ? (
        <div className="c-mark" aria-hidden="true">
          {mark}
        </div>
      ) : null}
      <h1 className="c-headline big">{headline}</h1>
      {amount !== null ? (
        <div className="c-amount" data-testid={TID.customerTotal}>
          {money(amount)}
        </div>
      ) : null}
      {view.change !== null && view.change > 0 ? (
        <div className="c-change" data-testid={TID.customerChange}>
          {t('customer.change')} {money(view.change)}
        </div>
      ) : null}
      {view.message && (view.phase === 'failed' || view.phase === 'paying') ? (
        <p className="c-message" data-testid={TID.customerMessage}>
          {view.message}
        </p>
      ) : null}
    </main>
  );
}
