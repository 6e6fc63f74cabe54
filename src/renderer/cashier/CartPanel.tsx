// The sale as the core sees it: lines (selected one highlighted, voids struck through), totals
// with the total large; after a sale, the change in very large type and the receipt's fate.
import { useEffect, useRef } from 'react';
import type { CartLineView, CheckoutView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount, formatQuantity, formatUnitPrice } from '../format.ts';
import { TID } from '../testids.ts';
import { receiptUnprinted } from './cashier-model.ts';

export interface CartPanelProps {
  readonly view: CheckoutView;
  readonly selected: number | null;
  readonly onSelect: (lineNo: number) => void;
  readonly onReprint: (saleId: string) => void;
  readonly reprinting: boolean;
}

export function CartPanel({ view, selected, onSelect, onReprint, reprinting }: CartPanelProps) {
  const { t } = usePos();
  const money = (minor: number) => formatAmount(minor, view.currency);
  const showDone = view.lines.length === 0 && view.lastSale !== null && (view.phase === 'idle' || view.phase === 'finishing');
  return (
    <section className="cart-panel">
      <div className="cart-scroll" data-testid={TID.cart}>
        {view.lines.length === 0 ? (
          showDone && view.lastSale ? (
            <SaleDone view={view} onReprint={onReprint} reprinting={reprinting} />
          ) : (
            <p className="cart-empty" data-testid={TID.cartEmpty}>
              {t('cart.empty')}
            </p>
          )
        ) : (
          <table className="cart-table">
            <thead>
              <tr>
                <th className="col-no">#</th>
                <th className="col-item">{t('cart.col.item')}</th>
                <th className="col-qty">{t('cart.col.qty')}</th>
                <th className="col-price">{t('cart.col.price')}</th>
                <th className="col-amount">{t('cart.col.amount')}</th>
              </tr>
            </thead>
            <tbody>
              {view.lines.map((l) => (
                <CartRow key={l.lineNo} line={l} currency={view.currency} selected={l.lineNo === selected} onSelect={onSelect} />
              ))}
            </tbody>
          </table>
        )}
        {view.busy && view.phase === 'selling' ? (
          <p className="cart-busy" data-testid={TID.cartBusy}>
            {t('cart.looking')}
          </p>
        ) : null}
      </div>
      {view.basketDiscount ? <p className="basket-discount">{t('cart.basketDiscount', { amount: money(view.basketDiscount.amount), reason: view.basketDiscount.reason })}</p> : null}
      <div className={view.lines.length === 0 ? 'totals empty' : 'totals'}>
        <div className="totals-small">
          <span data-testid={TID.totalLines}>{t('totals.lines', { count: view.totals.lineCount })}</span>
          <span>
            {t('totals.gross')} {money(view.totals.gross)}
          </span>
          {view.totals.discounts !== 0 ? (
            <span className="discounts" data-testid={TID.totalDiscounts}>
              {t('totals.discounts')} −{money(Math.abs(view.totals.discounts))}
            </span>
          ) : null}
          <span data-testid={TID.totalTax}>
            {t('totals.tax')} {money(view.totals.tax)}
          </span>
        </div>
        <div className="total-big">
          <span className="total-label">{t('totals.total')}</span>
          <span className="total-amount" data-testid={TID.totalAmount}>
            {money(view.totals.total)}
          </span>
        </div>
      </div>
    </section>
  );
}

function CartRow({ line, currency, selected, onSelect }: { readonly line: CartLineView; readonly currency: string; readonly selected: boolean; readonly onSelect: (lineNo: number) => void }) {
  const { t } = usePos();
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const cls = ['cart-row', selected ? 'selected' : '', line.voided ? 'voided' : ''].filter(Boolean).join(' ');
  return (
    <tr ref={ref} className={cls} data-testid={TID.cartLine(line.lineNo)} data-sku={line.sku} aria-selected={selected} onClick={() => !line.voided && onSelect(line.lineNo)}>
      <td className="col-no">{line.lineNo}</td>
      <td className="col-item">
        <span className="item-name">{line.name}</span>
        {line.voided ? <span className="tag tag-void">{t('cart.voided')}</span> : null}
        <span className="item-notes">
          <span className="sku">{line.sku}</span>
          {line.originalUnitPrice !== null ? <span className="note">{t('cart.override', { price: formatUnitPrice(line.originalUnitPrice, currency, line.unit) })}</span> : null}
          {line.discount !== 0 ? (
            <span className="note discount">
              {t('cart.discount', { amount: formatAmount(line.discount, currency) })}
              {line.discountReason ? ` · ${line.discountReason}` : ''}
            </span>
          ) : null}
          {line.voidReason ? <span className="note">{line.voidReason}</span> : null}
        </span>
      </td>
      <td className="col-qty">{formatQuantity(line.quantityMilli, line.unit)}</td>
      <td className="col-price">{formatUnitPrice(line.unitPrice, currency, line.unit)}</td>
      <td className="col-amount">{formatAmount(line.due, currency)}</td>
    </tr>
  );
}

function SaleDone({ view, onReprint, reprinting }: { readonly view: CheckoutView; readonly onReprint: (saleId: string) => void; readonly reprinting: boolean }) {
  const { t } = usePos();
  const sale = view.lastSale;
  if (!sale) return null;
  const money = (minor: number) => formatAmount(minor, view.currency);
  const unprinted = receiptUnprinted(sale.receipt);
  const status = sale.receipt === null ? t('receipt.printing') : unprinted ? t('receipt.unprinted', { status: receiptStatusText(t, sale.receipt) }) : sale.receipt === 'none' ? t('receipt.status.none') : t('receipt.printed');
  return (
    <div className="sale-done" data-testid={TID.saleDone}>
      <div className="change-label">{sale.change > 0 ? t('done.change') : t('done.noChange')}</div>
      <div className={sale.change > 0 ? 'change-amount' : 'change-amount zero'} data-testid={TID.changeAmount}>
        {money(sale.change)}
      </div>
      <div className="done-facts">
        <span>{t('done.total', { amount: money(sale.total) })}</span>
        <span>{t('done.receiptNo', { no: sale.receiptNo })}</span>
      </div>
      <div className={unprinted ? 'receipt-status bad' : 'receipt-status'} data-testid={TID.receiptStatus} data-status={sale.receipt ?? 'printing'}>
        {status}
        {sale.receipt !== null ? (
          <button type="button" className={unprinted ? 'btn btn-primary' : 'btn'} disabled={reprinting} data-testid={TID.reprintLast} onClick={() => onReprint(sale.saleId)}>
            {t('receipt.reprint')}
          </button>
        ) : null}
      </div>
      <p className="done-next">{t('done.next')}</p>
    </div>
  );
}

const RECEIPT_STATUSES = ['printed', 'unconfirmed', 'deferred', 'interrupted', 'failed', 'none', 'unknown'] as const;

/** A receipt status in the cashier's language; a status this page does not know is shown as the core sent it. */
export function receiptStatusText(t: ReturnType<typeof usePos>['t'], status: string): string {
  const known = RECEIPT_STATUSES.find((s) => s === status);
  return known ? t(`receipt.status.${known}`) : status;
}
