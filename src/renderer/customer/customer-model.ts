// What the customer display derives from the core's CustomerView: which lines fit, how big the
// QR is drawn, what the headline says. Pure.
//
// Decisions a caller must know:
// - The QR is drawn at a whole number of pixels per module and shown at its natural size: a
//   scaled (blurred) code is what phone cameras and jsQR fail on. The quiet zone is the
//   standard 4 modules, on white.
// - Only the newest lines are shown (the customer watches items arrive); the rest are counted.
//   A line's promotions are drawn under it and count as rows too, so a basket full of offers
//   still fits the screen.
// - "You save" shows only when there is a saving (promotions, coupon, points, discounts), and
//   the member greeting only when a member is on the sale (issue 8); a core that predates
//   either field sends neither, and the display shows what it did before.
import type { CustomerPhase, CustomerView } from '../../shared/api.ts';
import type { MessageKey } from '../i18n/messages.ts';

export const QR_MARGIN_MODULES = 4;

/** Pixels per module so the whole symbol (with quiet zone) fits `targetPx`; at least 2. */
export function qrScale(moduleCount: number, targetPx: number, margin = QR_MARGIN_MODULES): number {
  if (!Number.isInteger(moduleCount) || moduleCount < 21) throw new RangeError(`a QR symbol has at least 21 modules, got ${moduleCount}`);
  const total = moduleCount + 2 * margin;
  return Math.max(2, Math.floor(targetPx / total));
}

export interface ShownLines<L> {
  readonly shown: readonly L[];
  /** Older lines not shown. */
  readonly hidden: number;
}

export function tailLines<L>(lines: readonly L[], max: number): ShownLines<L> {
  if (max < 1) return { shown: [], hidden: lines.length };
  if (lines.length <= max) return { shown: lines, hidden: 0 };
  // One row goes to the "and n more" note.
  const shown = lines.slice(lines.length - (max - 1));
  return { shown, hidden: lines.length - shown.length };
}

export type DisplayLine = CustomerView['lines'][number];

/** Rows a line takes on the display: itself and one per promotion under it. */
export function lineRows(line: Pick<DisplayLine, 'name' | 'promotions'>): number {
  return 1 + (line.promotions?.length ?? 0);
}

/**
 * The newest lines that fit in `maxRows` rows, a line's promotions counted; when some do not
 * fit, one row goes to the "and n more" note. The newest line is always shown.
 */
export function tailLinesByRows<L extends Pick<DisplayLine, 'name' | 'promotions'>>(lines: readonly L[], maxRows: number): ShownLines<L> {
  const total = lines.reduce((n, l) => n + lineRows(l), 0);
  if (total <= maxRows) return { shown: lines, hidden: 0 };
  let used = 1;
  let first = lines.length;
  while (first > 0) {
    const rows = lineRows(lines[first - 1] as L);
    if (used + rows > maxRows && first < lines.length) break;
    used += rows;
    first -= 1;
  }
  return { shown: lines.slice(first), hidden: first };
}

/** What the customer saves on this sale, or null when nothing. */
export function savingsShown(view: Pick<CustomerView, 'savings'>): number | null {
  const s = view.savings ?? 0;
  return s > 0 ? s : null;
}

/** The member to greet, or null. */
export function memberShown(view: Pick<CustomerView, 'member'>): { readonly name: string; readonly points: number } | null {
  return view.member ?? null;
}

const HEADLINES: Record<CustomerPhase, MessageKey> = {
  welcome: 'customer.welcome',
  cart: 'customer.total',
  qr: 'customer.scanWith',
  paying: 'customer.paying',
  paid: 'customer.paidTitle',
  failed: 'customer.failedTitle',
  thanks: 'customer.thanks',
};

export function headlineKey(phase: CustomerPhase): MessageKey {
  return HEADLINES[phase];
}

/** The amount the customer should look at in this phase. */
export function bigAmount(view: CustomerView): number | null {
  switch (view.phase) {
    case 'welcome':
    case 'thanks':
      return null;
    case 'qr':
      return view.qr?.amount ?? view.total - view.paid;
    case 'cart':
    case 'paying':
    case 'failed':
      return view.total - view.paid;
    case 'paid':
      return view.total;
  }
}
