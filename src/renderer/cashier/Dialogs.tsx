// The cashier's small dialogs. Each builds its command with commands.ts and hands it to
// `onSubmit`, which sends it and closes the dialog only when the core took it (a refusal stays
// visible in the error banner with the dialog still open to correct).
import { useState } from 'react';
import type { CartLineView, CheckoutCommand, CheckoutView, CouponView, MemberView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import { amountInputText, formatAmount, formatUnitPrice, quantityInputText, type Parsed } from '../format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { TID } from '../testids.ts';
import {
  cancelCommand,
  couponCommand,
  discountCommand,
  memberCommand,
  priceCommand,
  quantityCommand,
  redeemCommand,
  removeDiscountCommand,
  voidCommand,
  weighCommand,
  type DiscountMode,
} from './commands.ts';
import { CASHIER_KEYS, shortcutRows, type CashierScreen } from './shortcuts.ts';

type Submit = (parsed: Parsed<CheckoutCommand>) => Promise<void>;

interface Common {
  readonly onClose: () => void;
  readonly onSubmit: Submit;
}

/** Shows a parse error in the dialog itself; sends otherwise. */
function useSubmit(onSubmit: Submit): { error: string | null; submit: (parsed: Parsed<CheckoutCommand>) => void } {
  const { t } = usePos();
  const [error, setError] = useState<string | null>(null);
  return {
    error,
    submit: (parsed) => {
      if (!parsed.ok) {
        setError(t(parsed.error, parsed.params));
        return;
      }
      setError(null);
      void onSubmit(parsed);
    },
  };
}

export function QuantityDialog({ line, onClose, onSubmit }: Common & { readonly line: CartLineView }) {
  const { t } = usePos();
  const [text, setText] = useState(quantityInputText(line.quantityMilli, line.unit));
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog title={t('dialog.quantity.title', { name: line.name })} onClose={onClose} onConfirm={() => submit(quantityCommand(line, text))} error={error}>
      <label className="field-label">
        {line.unit === 'kg' ? t('dialog.quantity.kilos') : t('dialog.quantity.items')}
        <input className="input input-amount" type="text" inputMode="decimal" autoComplete="off" value={text} data-testid={TID.dialogInput} onChange={(e) => setText(e.target.value)} />
      </label>
    </Dialog>
  );
}

export function WeighDialog({ item, currency, onClose, onSubmit }: Common & { readonly item: { readonly sku: string; readonly name: string; readonly price: number }; readonly currency: string }) {
  const { t } = usePos();
  const [text, setText] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog title={t('dialog.weigh.title', { name: item.name })} onClose={onClose} onConfirm={() => submit(weighCommand(item.sku, text))} error={error}>
      <p className="muted">{t('dialog.weigh.price', { price: formatAmount(item.price, currency) })}</p>
      <label className="field-label">
        {t('dialog.quantity.kilos')}
        <input className="input input-amount" type="text" inputMode="decimal" autoComplete="off" value={text} placeholder="0.500" data-testid={TID.dialogInput} onChange={(e) => setText(e.target.value)} />
      </label>
    </Dialog>
  );
}

const VOID_REASONS: readonly MessageKey[] = ['reason.customer', 'reason.wrongItem', 'reason.damaged'];
const DISCOUNT_REASONS: readonly MessageKey[] = ['reason.damaged', 'reason.loyalty', 'reason.manager'];
const PRICE_REASONS: readonly MessageKey[] = ['reason.priceTag', 'reason.damaged', 'reason.manager'];
const CANCEL_REASONS: readonly MessageKey[] = ['reason.customer', 'reason.noPay', 'reason.wrongItem'];

export function VoidDialog({ line, onClose, onSubmit }: Common & { readonly line: CartLineView }) {
  const { t } = usePos();
  const [reason, setReason] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog
      title={t('dialog.void.title', { no: line.lineNo, name: line.name })}
      onClose={onClose}
      onConfirm={() => submit(voidCommand(line.lineNo, reason))}
      confirmLabel={t('key.void')}
      confirmDanger
      error={error}
    >
      <ReasonField value={reason} onChange={setReason} presets={VOID_REASONS} />
    </Dialog>
  );
}

export function DiscountDialog({ line, view, onClose, onSubmit }: Common & { readonly line: CartLineView | null; readonly view: CheckoutView }) {
  const { t } = usePos();
  const [mode, setMode] = useState<DiscountMode>('percent');
  const [value, setValue] = useState('');
  const existingReason = line ? line.discountReason : (view.basketDiscount?.reason ?? null);
  const [reason, setReason] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  const lineNo = line?.lineNo ?? null;
  const title = line ? t('dialog.lineDiscount.title', { no: line.lineNo, name: line.name }) : t('dialog.basketDiscount.title');
  return (
    <Dialog
      title={title}
      onClose={onClose}
      onConfirm={() => submit(discountCommand(lineNo, mode, value, reason, view.currency))}
      error={error}
      extra={
        existingReason !== null ? (
          <button type="button" className="btn btn-danger" data-testid={TID.discountRemove} onClick={() => submit(removeDiscountCommand(lineNo, reason.trim() === '' ? existingReason : reason))}>
            {t('dialog.discount.remove')}
          </button>
        ) : undefined
      }
    >
      <div className="segmented" role="group">
        <button type="button" className={mode === 'percent' ? 'seg on' : 'seg'} aria-pressed={mode === 'percent'} data-testid={TID.discountModePercent} onClick={() => setMode('percent')}>
          {t('dialog.discount.percent')} %
        </button>
        <button type="button" className={mode === 'amount' ? 'seg on' : 'seg'} aria-pressed={mode === 'amount'} data-testid={TID.discountModeAmount} onClick={() => setMode('amount')}>
          {t('dialog.discount.amount')} {formatAmount(0, view.currency).replace(/[\d.,]+/g, '')}
        </button>
      </div>
      <label className="field-label">
        {t('dialog.discount.value')} ({mode === 'percent' ? '%' : view.currency})
        <input className="input input-amount" type="text" inputMode="decimal" autoComplete="off" value={value} data-testid={TID.dialogInput} onChange={(e) => setValue(e.target.value)} />
      </label>
      <ReasonField value={reason} onChange={setReason} presets={DISCOUNT_REASONS} />
    </Dialog>
  );
}

export function PriceDialog({ line, currency, onClose, onSubmit }: Common & { readonly line: CartLineView; readonly currency: string }) {
  const { t } = usePos();
  const [price, setPrice] = useState(amountInputText(line.unitPrice, currency));
  const [reason, setReason] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog title={t('dialog.price.title', { no: line.lineNo, name: line.name })} onClose={onClose} onConfirm={() => submit(priceCommand(line.lineNo, price, reason, currency))} error={error}>
      <p className="muted">{t('dialog.price.now', { price: formatUnitPrice(line.unitPrice, currency, line.unit) })}</p>
      <label className="field-label">
        {t('dialog.price.new')} ({line.unit === 'kg' ? `${currency}/kg` : currency})
        <input className="input input-amount" type="text" inputMode="decimal" autoComplete="off" value={price} data-testid={TID.dialogInput} onChange={(e) => setPrice(e.target.value)} />
      </label>
      <ReasonField value={reason} onChange={setReason} presets={PRICE_REASONS} />
    </Dialog>
  );
}

export function CancelSaleDialog({ view, onClose, onSubmit }: Common & { readonly view: CheckoutView }) {
  const { t } = usePos();
  const [reason, setReason] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog title={t('dialog.cancel.title')} onClose={onClose} onConfirm={() => submit(cancelCommand(reason))} confirmLabel={t('dialog.cancel.confirm')} confirmDanger error={error}>
      <p className="cancel-summary">
        {t('totals.lines', { count: view.totals.lineCount })} · {formatAmount(view.totals.total, view.currency)}
      </p>
      <ReasonField value={reason} onChange={setReason} presets={CANCEL_REASONS} />
    </Dialog>
  );
}

/** Ins: a coupon code typed in (a scanned coupon needs no dialog). */
export function CouponDialog({ onClose, onSubmit }: Common) {
  const { t } = usePos();
  const [code, setCode] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog title={t('dialog.coupon.title')} onClose={onClose} onConfirm={() => submit(couponCommand(code))} confirmLabel={t('dialog.coupon.apply')} error={error} testId={TID.couponDialog}>
      <p className="muted">{t('dialog.coupon.hint')}</p>
      <label className="field-label">
        {t('dialog.coupon.code')}
        <input className="input mono" type="text" autoComplete="off" spellCheck={false} maxLength={64} value={code} data-testid={TID.dialogInput} onChange={(e) => setCode(e.target.value)} />
      </label>
    </Dialog>
  );
}

/** PgUp: a member by number, card or phone (with no sale open, this opens one). */
export function MemberDialog({ onClose, onSubmit }: Common) {
  const { t } = usePos();
  const [query, setQuery] = useState('');
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog title={t('dialog.member.title')} onClose={onClose} onConfirm={() => submit(memberCommand(query))} confirmLabel={t('dialog.member.find')} error={error} testId={TID.memberDialog}>
      <p className="muted">{t('dialog.member.hint')}</p>
      <label className="field-label">
        {t('dialog.member.query')}
        <input className="input" type="text" autoComplete="off" spellCheck={false} maxLength={128} value={query} data-testid={TID.dialogInput} onChange={(e) => setQuery(e.target.value)} />
      </label>
    </Dialog>
  );
}

/** PgDn: how many of the member's points go on this sale (0 takes them back). */
export function RedeemDialog({ member, currency, onClose, onSubmit }: Common & { readonly member: MemberView; readonly currency: string }) {
  const { t } = usePos();
  const [text, setText] = useState(String(member.pointsRedeemed > 0 ? member.pointsRedeemed : member.redeemable));
  const { error, submit } = useSubmit(onSubmit);
  return (
    <Dialog
      title={t('dialog.redeem.title', { name: member.name })}
      onClose={onClose}
      onConfirm={() => submit(redeemCommand(text, member.redeemable))}
      confirmLabel={t('dialog.redeem.confirm')}
      error={error}
      testId={TID.redeemDialog}
      extra={
        member.pointsRedeemed > 0 ? (
          <button type="button" className="btn" data-testid={TID.redeemTakeBack} onClick={() => submit(redeemCommand('0', member.redeemable))}>
            {t('dialog.redeem.takeBack')}
          </button>
        ) : undefined
      }
    >
      <p className="muted">{t('dialog.redeem.available', { points: member.points, most: member.redeemable })}</p>
      {member.pointsRedeemed > 0 ? <p className="muted">{t('dialog.redeem.now', { points: member.pointsRedeemed, amount: formatAmount(member.pointsDiscount, currency) })}</p> : null}
      <label className="field-label">
        {t('dialog.redeem.points')}
        <input className="input input-amount" type="text" inputMode="numeric" autoComplete="off" value={text} data-testid={TID.dialogInput} onChange={(e) => setText(e.target.value)} />
      </label>
    </Dialog>
  );
}

/** Ins with a coupon on the sale: take it off (its single use is given back). */
export function RemoveCouponDialog({ coupon, currency, onClose, onSubmit }: Common & { readonly coupon: CouponView; readonly currency: string }) {
  const { t } = usePos();
  return (
    <Dialog
      title={t('dialog.removeCoupon.title', { code: coupon.code })}
      onClose={onClose}
      onConfirm={() => void onSubmit({ ok: true, value: { type: 'REMOVE_COUPON' } })}
      confirmLabel={t('cart.removeCoupon')}
      confirmDanger
      testId={TID.removeCouponDialog}
    >
      <p>
        {coupon.name}
        {coupon.amount > 0 ? ` · −${formatAmount(coupon.amount, currency)}` : ''}
      </p>
      <p className="muted">{t('dialog.removeCoupon.body')}</p>
    </Dialog>
  );
}

/** PgUp with a member on the sale: take them off (points redeemed on it are given back). */
export function RemoveMemberDialog({ member, onClose, onSubmit }: Common & { readonly member: MemberView }) {
  const { t } = usePos();
  return (
    <Dialog
      title={t('dialog.removeMember.title', { name: member.name })}
      onClose={onClose}
      onConfirm={() => void onSubmit({ ok: true, value: { type: 'REMOVE_MEMBER' } })}
      confirmLabel={t('cart.removeMember')}
      confirmDanger
      testId={TID.removeMemberDialog}
    >
      <p className="muted">{member.pointsRedeemed > 0 ? t('dialog.removeMember.bodyPoints', { points: member.pointsRedeemed }) : t('dialog.removeMember.body')}</p>
    </Dialog>
  );
}

const ALL_SCREENS = 6;

const SCREEN_NAMES: Record<CashierScreen, MessageKey> = {
  sale: 'help.screen.sale',
  tender: 'help.screen.tender',
  paying: 'help.screen.paying',
  noPaper: 'help.screen.noPaper',
  commitFailed: 'help.screen.commitFailed',
  busy: 'help.screen.busy',
};

/** F1: every shortcut from the table, the current screen's first. */
export function HelpDialog({ screen, onClose }: { readonly screen: CashierScreen; readonly onClose: () => void }) {
  const { t } = usePos();
  const rows = shortcutRows().sort((a, b) => Number(!a.screens.includes(screen)) - Number(!b.screens.includes(screen)));
  return (
    <Dialog title={t('help.title')} onClose={onClose} wide testId={TID.helpOverlay}>
      <table className="help-table">
        <thead>
          <tr>
            <th>{t('help.key')}</th>
            <th>{t('help.does')}</th>
            <th>{t('help.where')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.keys}:${r.help}`} className={r.screens.includes(screen) ? 'here' : ''}>
              <td>
                <kbd>{r.keys}</kbd>
              </td>
              <td>{t(r.help)}</td>
              <td className="muted">{r.screens.length === ALL_SCREENS ? t('help.everywhere') : r.screens.map((x) => t(SCREEN_NAMES[x])).join(', ')}</td>
            </tr>
          ))}
          {CASHIER_KEYS.map((k) => (
            <tr key={k.key}>
              <td>
                <kbd>{k.key}</kbd>
              </td>
              <td>{t(k.help)}</td>
              <td className="muted">{t('help.everywhere')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t('help.close')}</p>
    </Dialog>
  );
}
