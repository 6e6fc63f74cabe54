// What the customer display shows (api.ts CustomerView), made in the core by a pure function so
// the Electron customer window, a /customer browser tab and a test all show the same thing.
//
// Decisions a caller must know:
// - Phases follow the sale: 'welcome' (no sale), 'cart' (items, and tendering), 'qr' (the wallet
//   QR code is on show: only while the payment machine is in `qr.showing`, never a code that
//   was stopped or closed), 'paying' (a wallet payment runs without a code to show, or the paid
//   sale is being saved), 'failed' (the last wallet attempt of the open sale did not pay, until
//   the cashier goes back to the cart or takes another payment),
//   'paid' (the sale is paid: total, what was handed over, the change), then 'thanks'.
// - How long 'paid' and 'thanks' stay up is the host's clock, not the machine's: the host passes
//   `afterSale` ('paid' when the sale has just finished, 'thanks' after a while, 'over' once the
//   display should welcome the next customer). It is keyed to the finished sale by the host.
// - `paid` is the money handed over so far (cash received, wallet amounts), so in 'paid' it is
//   total + rounding + change.
// - Messages are short, in the terminal's language (the surfaces can switch their own labels,
//   the phase says what to draw); the cashier's detailed messages are never shown here.
import type { CheckoutContext } from '../../../state-machines/checkout.machine.ts';
import { computeTotals } from '../../domain/cart.ts';
import type { CustomerPhase, CustomerView, Language, Wallet } from '../../shared/api.ts';
import { checkoutPhase, qrShowing, type CheckoutViewInput } from './checkout-view.ts';

export type AfterSale = 'paid' | 'thanks' | 'over';

export interface CustomerViewInput extends CheckoutViewInput {
  /** How far the display has got past the last finished sale (see the header). */
  readonly afterSale: AfterSale;
  /**
   * The sale that was open when `context.lastPayment` arrived (the host notes it): the machine
   * keeps the last result across sales, and only the open sale's failure is the customer's.
   */
  readonly lastPaymentSaleId: string | null;
}

const WALLET_NAMES: Readonly<Record<Language, Readonly<Record<Wallet, string>>>> = {
  'zh-CN': { alipay: '支付宝', wechat: '微信' },
  en: { alipay: 'Alipay', wechat: 'WeChat Pay' },
};

const TEXT = {
  'zh-CN': {
    welcome: '欢迎光临',
    scan: (w: string) => `请使用${w}扫码付款`,
    paying: '正在支付，请稍候',
    saving: '支付成功，请稍候',
    failed: '支付未完成，请与收银员确认',
    paid: '支付成功，谢谢',
    thanks: '谢谢惠顾，欢迎再次光临',
  },
  en: {
    welcome: 'Welcome',
    scan: (w: string) => `Please scan with ${w}`,
    paying: 'Paying, one moment please',
    saving: 'Paid, one moment please',
    failed: 'The payment did not go through: please ask the cashier',
    paid: 'Paid, thank you',
    thanks: 'Thank you, see you again',
  },
} as const;

function languageOf(context: CheckoutContext): Language {
  return context.terminal.lang === 'en' ? 'en' : 'zh-CN';
}

export function customerView(input: CustomerViewInput): CustomerView {
  const c = input.context;
  const lang = languageOf(c);
  const text = TEXT[lang];
  const currency = c.cart.currency;
  const phase = checkoutPhase(input.state);
  const view = (phase: CustomerPhase, fields: Partial<Omit<CustomerView, 'phase' | 'currency'>>): CustomerView => ({
    phase,
    currency,
    lines: [],
    total: 0,
    paid: 0,
    change: null,
    qr: null,
    message: null,
    ...fields,
  });

  // A paid sale: being saved (completing: the figures are in pendingCommit), or finished.
  if (phase === 'finishing' || phase === 'commitFailed' || (phase === 'idle' && c.lastSale !== null && input.afterSale !== 'over')) {
    const sale = c.lastSale ?? c.pendingCommit?.sale ?? null;
    if (sale === null) return view('paying', { message: text.saving });
    const total = sale.total + sale.rounding;
    const fields = { total, paid: total + sale.change, change: sale.change };
    if (phase !== 'idle') return view('paid', { ...fields, message: phase === 'finishing' && c.lastSale ? text.paid : text.saving });
    return input.afterSale === 'paid' ? view('paid', { ...fields, message: text.paid }) : view('thanks', { ...fields, message: text.thanks });
  }
  if (phase === 'idle' || c.saleId === null) return view('welcome', { message: text.welcome });

  const totals = computeTotals(c.cart);
  const lines = c.cart.lines
    .map((line, i) => ({ line, due: totals.lines[i]?.due ?? 0 }))
    .filter(({ line }) => !line.voided)
    .map(({ line, due }) => {
      const promotions = c.cart.promotions?.lines.find((x) => x.lineNo === line.lineNo)?.discounts ?? [];
      return {
        name: line.name,
        quantityMilli: line.quantityMilli,
        unit: line.unit,
        due,
        ...(promotions.length > 0 ? { promotions: promotions.map((d) => ({ label: d.label, amount: d.amount })) } : {}),
      };
    });
  const paid = c.tenders.reduce((sum, t) => sum + t.received, 0);
  // What the customer saves is shown on the display (issue 8: promotions, coupon, points, discounts).
  const savings = totals.lineDiscounts + totals.linePromotions + totals.basketDeductions;
  const member = c.cart.member ? { name: c.cart.member.name, points: c.cart.member.points } : null;
  const base = { lines, total: totals.total, paid, savings, member };

  if (phase === 'paying') {
    const attempt = c.payment;
    if (attempt && qrShowing(input.payment)) {
      return view('qr', {
        ...base,
        qr: { wallet: attempt.wallet, payload: input.payment.qrCode, amount: attempt.amount, deadlineAt: input.paymentDeadlineAt },
        message: text.scan(WALLET_NAMES[lang][attempt.wallet]),
      });
    }
    return view('paying', { ...base, message: text.paying });
  }
  const last = c.lastPayment ?? null;
  if (phase === 'tendering' && last !== null && last.kind !== 'paid' && input.lastPaymentSaleId === c.saleId) return view('failed', { ...base, message: text.failed });
  return view('cart', base);
}
