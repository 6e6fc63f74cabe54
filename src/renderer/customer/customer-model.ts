// What the customer display derives from the core's CustomerView: which lines fit, how big the
// QR is drawn, what the headline says. Pure.
//
// Decisions a caller must know:
// - The QR is drawn at a whole number of pixels per module and shown at its natural size: a
//   scaled (blurred) code is what phone cameras and jsQR fail on. The quiet zone is the
//   standard 4 modules, on white.
// - Only the newest lines are shown (the customer watches items arrive); the rest are counted.
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
