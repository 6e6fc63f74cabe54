// The sale as the core sees it: lines (selected one highlighted, voids struck through) with
// their promotions under them, then the basket's promotions, the coupon and the member, totals
// with the total large; after a sale, the change in very large type and the receipt's fate.
// What each saving shows is derived in savings.ts.
import { useEffect, useRef } from 'react';
import type { CartLineView, CheckoutView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount, formatQuantity, formatUnitPrice } from '../format.ts';
import { TID } from '../testids.ts';
import { receiptUnprinted } from './cashier-model.ts';
import { couponState, discountsBesidePromotions, hasSavingsBlock, lineDiscountNote } from './savings.ts';

export interface CartPanelProps {
  readonly view: CheckoutView;
  readonly selected: number | null;
  readonly onSelect: (lineNo: number) => void;
  readonly onReprint: (saleId: string) => void;
  readonly reprinting: boolean;
  /** The × on the coupon and member rows (they ask first, as Ins and PgUp do). */
  readonly onRemoveCoupon?: () => void;
  readonly onRemoveMember?: () => void;
  /** The member row's redeem button (PgDn); absent or not offered: no button. */
  readonly onRedeem?: () => void;
  readonly canRedeem?: boolean;
}

export function CartPanel({ view, selected, onSelect, onReprint, reprinting, onRemoveCoupon, onRemoveMember, onRedeem, canRedeem }: CartPanelProps) {
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
      {hasSavingsBlock(view) ? (
        <SavingsBlock view={view} onRemoveCoupon={onRemoveCoupon} onRemoveMember={onRemoveMember} onRedeem={canRedeem ? onRedeem : undefined} />
      ) : null}
      <div className={view.lines.length === 0 ? 'totals empty' : 'totals'}>
        <div className="totals-small">
          <span data-testid={TID.totalLines}>{t('totals.lines', { count: view.totals.lineCount })}</span>
          <span>
            {t('totals.gross')} {money(view.totals.gross)}
          </span>
          {view.totals.promotions > 0 ? (
            <span className="promotions" data-testid={TID.totalPromotions}>
              {t('totals.promotions')} −{money(view.totals.promotions)}
            </span>
          ) : null}
          {discountsBesidePromotions(view.totals) !== 0 ? (
            <span className="discounts" data-testid={TID.totalDiscounts}>
              {t('totals.discounts')} −{money(discountsBesidePromotions(view.totals))}
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
  const discountNote = lineDiscountNote(line);
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
          {discountNote !== null ? (
            <span className="note discount">
              {t('cart.discount', { amount: formatAmount(discountNote, currency) })}
              {line.discountReason ? ` · ${line.discountReason}` : ''}
            </span>
          ) : null}
          {line.voidReason ? <span className="note">{line.voidReason}</span> : null}
        </span>
        {line.promotions.length > 0 ? (
          <ul className="line-promotions" data-testid={TID.linePromotions(line.lineNo)}>
            {line.promotions.map((p) => (
              <li key={p.id} className="saving" data-testid={TID.linePromotion(line.lineNo, p.id)}>
                <span className="saving-label">{p.label}</span>
                <span className="saving-amount">−{formatAmount(p.amount, currency)}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </td>
      <td className="col-qty">{formatQuantity(line.quantityMilli, line.unit)}</td>
      <td className="col-price">{formatUnitPrice(line.unitPrice, currency, line.unit)}</td>
      <td className="col-amount">{formatAmount(line.due, currency)}</td>
    </tr>
  );
}

interface SavingsProps {
  readonly view: CheckoutView;
  readonly onRemoveCoupon: (() => void) | undefined;
  readonly onRemoveMember: (() => void) | undefined;
  readonly onRedeem: (() => void) | undefined;
}

/** Below the lines: the basket's promotions, the coupon and the member with their points. */
function SavingsBlock({ view, onRemoveCoupon, onRemoveMember, onRedeem }: SavingsProps) {
  const { t } = usePos();
  const money = (minor: number) => formatAmount(minor, view.currency);
  const coupon = view.coupon;
  const member = view.member;
  const state = coupon ? couponState(coupon, coupon.spend) : null;
  return (
    <div className="savings" data-testid={TID.cartSavings}>
      {view.basketPromotions.map((p) => (
        <p key={p.id} className="saving" data-testid={TID.basketPromotion(p.id)}>
          <span className="saving-label">{p.label}</span>
          <span className="saving-amount">−{money(p.amount)}</span>
        </p>
      ))}
      {coupon && state ? (
        <p className={state.kind === 'applied' ? 'saving coupon' : 'saving coupon pending'} data-testid={TID.cartCoupon} data-code={coupon.code} data-state={state.kind}>
          <span className="saving-label">
            <span className="tag tag-coupon">{t('cart.coupon')}</span> <span className="mono">{coupon.code}</span> · {coupon.name}
            {state.kind === 'belowMinimum' ? (
              <span className="saving-warning" data-testid={TID.cartCouponMinimum}>
                {state.missing > 0 ? t('cart.couponBelowMinimum', { min: money(state.minSpend), missing: money(state.missing) }) : t('cart.couponNotReached', { min: money(state.minSpend) })}
              </span>
            ) : null}
          </span>
          <span className="saving-amount">{state.kind === 'applied' ? `−${money(state.amount)}` : money(0)}</span>
          {onRemoveCoupon ? (
            <button type="button" className="btn btn-small" tabIndex={-1} title={t('cart.removeCoupon')} aria-label={t('cart.removeCoupon')} data-testid={TID.cartCouponRemove} onClick={onRemoveCoupon}>
              ×
            </button>
          ) : null}
        </p>
      ) : null}
      {member ? (
        <div className="saving member" data-testid={TID.cartMember} data-member={member.id}>
          <span className="saving-label">
            <span className="tag tag-member">{t('cart.member')}</span> {member.name} · <span className="mono">{member.id}</span>
            <span className="member-points" data-testid={TID.cartMemberPoints}>
              {t('cart.pointsAvailable', { points: member.points })}
            </span>
            {member.pointsRedeemed > 0 ? (
              <span className="member-redeemed" data-testid={TID.cartPointsRedeemed}>
                {t('cart.pointsRedeemed', { points: member.pointsRedeemed })}
              </span>
            ) : null}
          </span>
          <span className="saving-amount">{member.pointsDiscount > 0 ? `−${money(member.pointsDiscount)}` : ''}</span>
          {onRedeem ? (
            <button type="button" className="btn btn-small" tabIndex={-1} data-testid={TID.cartRedeem} onClick={onRedeem}>
              {t('key.redeemPoints')}
            </button>
          ) : null}
          {onRemoveMember ? (
            <button type="button" className="btn btn-small" tabIndex={-1} title={t('cart.removeMember')} aria-label={t('cart.removeMember')} data-testid={TID.cartMemberRemove} onClick={onRemoveMember}>
              ×
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
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
