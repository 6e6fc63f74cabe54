// What the customer's pole display shows for each moment of the checkout: the store's welcome
// while idle, the item and its price on each scan, the total while paying, the change after a
// cash sale, then a thank-you. Pure: checkout context in, 2×20 screen out; the device manager
// writes the screen when it changes.
import {
  changeScreen,
  itemScreen,
  thankYouScreen,
  totalScreen,
  welcomeScreen,
  type DisplayLayoutOptions,
  type DisplayScreen,
} from '../../../drivers/display/pole-display.ts';
import type { CheckoutContext } from '../../../state-machines/checkout.machine.ts';
import { computeTotals } from '../../domain/cart.ts';

export interface PoleView {
  /** The state name of the checkout, e.g. 'idle', 'inSale.ready', 'tendering'. */
  readonly state: string;
  readonly context: CheckoutContext;
}

export interface PoleOptions extends DisplayLayoutOptions {
  readonly storeName: string;
}

/** The screen for this moment, or null to leave what is shown (an effect is still running). */
export function poleScreen(view: PoleView, options: PoleOptions): DisplayScreen | null {
  const { state, context } = view;
  const currency = context.cart.currency;
  if (state === 'idle') {
    const last = context.lastSale;
    if (last && last.change > 0) {
      const paid = last.total + last.rounding + last.change;
      return changeScreen({ amount: paid, currency }, { amount: last.change, currency }, options);
    }
    if (last) return thankYouScreen(options);
    return welcomeScreen({ nameZh: options.storeName, nameEn: options.storeName }, options);
  }
  if (state === 'tendering' || state === 'noPaper') {
    const totals = computeTotals(context.cart);
    const paid = context.tenders.reduce((sum, t) => sum + t.amount, 0);
    const items = context.cart.lines.filter((l) => !l.voided).length;
    return totalScreen({ amount: Math.max(0, totals.total - paid), currency }, options, items);
  }
  if (state.startsWith('inSale')) {
    const totals = computeTotals(context.cart);
    const index = context.cart.lines.findLastIndex((l) => !l.voided);
    const line = context.cart.lines[index];
    const lineTotals = totals.lines[index];
    if (!line || !lineTotals) return welcomeScreen({ nameZh: options.storeName, nameEn: options.storeName }, options);
    return itemScreen(
      {
        nameZh: line.name,
        nameEn: line.name,
        unit: line.unit,
        quantityMilli: line.quantityMilli,
        unitPrice: { amount: line.unitPrice, currency },
        amount: { amount: lineTotals.due, currency },
      },
      options,
    );
  }
  return null;
}
