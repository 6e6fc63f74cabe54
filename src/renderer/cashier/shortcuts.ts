// The cashier's keyboard shortcuts, as data: the screen dispatches from this table, the F1 help
// and the function bar are drawn from it, and the README's table is copied from it, so the
// three never disagree.
//
// Decisions a caller must know:
// - F-keys mean one thing per screen (sale, tender, paying, no paper, commit failed); the
//   function bar shows the current screen's meaning, so nothing is hidden.
// - Shortcuts need no modifier (Ctrl/Alt/Meta/Shift held: not a shortcut), so a cashier with
//   one hand on the scanner can reach them.
// - F1–F12 never reach the browser on the cashier screen (F1 help page, F5 reload, F3 find,
//   F6 address bar, F7 caret browsing, F10 menu, F11 fullscreen): see `claimsKey`.
// - Every F-key of the sale screen but F11 (the window's fullscreen, never taken) was in use
//   when coupons and members came (issue 8), so those three take the navigation keys a
//   one-line field has no use for: Ins (coupon), PgUp (member), PgDn (points). Like F8 and
//   F10 the first two mean their opposite when there is one: Ins with a coupon on the sale
//   removes it, PgUp with a member on it removes the member (each asks first).
// - Esc always closes the top-most thing first: a dialog, then messages, then the search text;
//   only then does it act on the screen (tender → back to the sale; paying → STOP).
// - Scans are not shortcuts: a scan lands anywhere, even while typing (see input/key-router.ts).
import type { MessageKey } from '../i18n/messages.ts';
import type { CheckoutPhase } from '../../shared/api.ts';

export type CashierScreen = 'sale' | 'tender' | 'paying' | 'noPaper' | 'commitFailed' | 'busy';

export type ShortcutAction =
  | 'help'
  | 'search'
  | 'quantity'
  | 'void'
  | 'lineDiscount'
  | 'priceOverride'
  | 'basketDiscount'
  | 'park'
  | 'recent'
  | 'cancelSale'
  | 'pay'
  | 'escape'
  | 'back'
  | 'cashExact'
  | 'quickCash1'
  | 'quickCash2'
  | 'quickCash3'
  | 'quickCash4'
  | 'alipayQr'
  | 'wechatQr'
  | 'customerCode'
  | 'stopPayment'
  | 'continueWithoutReceipt'
  | 'retry'
  | 'coupon'
  | 'member'
  | 'redeemPoints';

export interface Shortcut {
  /** `KeyboardEvent.key`. */
  readonly key: string;
  readonly screens: readonly CashierScreen[];
  readonly action: ShortcutAction;
  /** Short label for buttons and the function bar. */
  readonly label: MessageKey;
  /** One sentence for the F1 help and the README. */
  readonly help: MessageKey;
  /** Drawn in the bottom function bar (the rest have big buttons on the screen itself). */
  readonly bar: boolean;
}

const ALL: readonly CashierScreen[] = ['sale', 'tender', 'paying', 'noPaper', 'commitFailed', 'busy'];

export const CASHIER_SHORTCUTS: readonly Shortcut[] = [
  { key: 'F1', screens: ALL, action: 'help', label: 'key.help', help: 'help.help', bar: true },
  { key: 'F2', screens: ['sale'], action: 'search', label: 'key.search', help: 'help.search', bar: true },
  { key: 'F3', screens: ['sale'], action: 'quantity', label: 'key.quantity', help: 'help.quantity', bar: true },
  { key: 'F4', screens: ['sale'], action: 'void', label: 'key.void', help: 'help.void', bar: true },
  { key: 'F5', screens: ['sale'], action: 'lineDiscount', label: 'key.lineDiscount', help: 'help.lineDiscount', bar: true },
  { key: 'F6', screens: ['sale'], action: 'priceOverride', label: 'key.priceOverride', help: 'help.priceOverride', bar: true },
  { key: 'F7', screens: ['sale'], action: 'basketDiscount', label: 'key.basketDiscount', help: 'help.basketDiscount', bar: true },
  { key: 'F8', screens: ['sale'], action: 'park', label: 'key.park', help: 'help.park', bar: true },
  { key: 'F9', screens: ['sale', 'tender'], action: 'recent', label: 'key.recent', help: 'help.recent', bar: true },
  { key: 'F10', screens: ['sale', 'tender', 'noPaper'], action: 'cancelSale', label: 'key.cancelSale', help: 'help.cancelSale', bar: true },
  { key: 'Insert', screens: ['sale'], action: 'coupon', label: 'key.coupon', help: 'help.coupon', bar: true },
  { key: 'PageUp', screens: ['sale'], action: 'member', label: 'key.member', help: 'help.member', bar: true },
  { key: 'PageDown', screens: ['sale'], action: 'redeemPoints', label: 'key.redeemPoints', help: 'help.redeemPoints', bar: true },
  { key: 'F12', screens: ['sale'], action: 'pay', label: 'key.pay', help: 'help.pay', bar: true },
  { key: 'Escape', screens: ['sale'], action: 'escape', label: 'key.escape', help: 'help.escape', bar: false },

  { key: 'F2', screens: ['tender'], action: 'alipayQr', label: 'key.alipayQr', help: 'help.alipayQr', bar: false },
  { key: 'F3', screens: ['tender'], action: 'wechatQr', label: 'key.wechatQr', help: 'help.wechatQr', bar: false },
  { key: 'F4', screens: ['tender'], action: 'customerCode', label: 'key.customerCode', help: 'help.customerCode', bar: false },
  { key: 'F5', screens: ['tender'], action: 'quickCash1', label: 'key.quickCash', help: 'help.quickCash', bar: false },
  { key: 'F6', screens: ['tender'], action: 'quickCash2', label: 'key.quickCash', help: 'help.quickCash', bar: false },
  { key: 'F7', screens: ['tender'], action: 'quickCash3', label: 'key.quickCash', help: 'help.quickCash', bar: false },
  { key: 'F8', screens: ['tender'], action: 'quickCash4', label: 'key.quickCash', help: 'help.quickCash', bar: false },
  { key: 'F12', screens: ['tender'], action: 'cashExact', label: 'key.cashExact', help: 'help.cashExact', bar: false },
  { key: 'Escape', screens: ['tender'], action: 'back', label: 'key.back', help: 'help.back', bar: true },

  { key: 'Escape', screens: ['paying'], action: 'stopPayment', label: 'key.stopPayment', help: 'help.stopPayment', bar: false },

  { key: 'F12', screens: ['noPaper'], action: 'continueWithoutReceipt', label: 'key.continueWithoutReceipt', help: 'help.continueWithoutReceipt', bar: false },
  { key: 'Escape', screens: ['noPaper'], action: 'back', label: 'key.back', help: 'help.backFromNoPaper', bar: false },

  { key: 'F12', screens: ['commitFailed'], action: 'retry', label: 'key.retry', help: 'help.retry', bar: false },
];

/** Keys that are not shortcuts but behave the same everywhere; documented with the table. */
export const CASHIER_KEYS: readonly { readonly key: string; readonly help: MessageKey }[] = [
  { key: 'Scan', help: 'help.scan' },
  { key: 'Enter', help: 'help.enter' },
  { key: '↑ ↓', help: 'help.arrows' },
  { key: 'Tab', help: 'help.tab' },
];

export interface KeyModifiers {
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}

/** The shortcut `key` means on `screen`, or null. */
export function shortcutFor(key: string, modifiers: KeyModifiers, screen: CashierScreen): Shortcut | null {
  if (modifiers.ctrlKey || modifiers.altKey || modifiers.metaKey || modifiers.shiftKey) return null;
  return CASHIER_SHORTCUTS.find((s) => s.key === key && s.screens.includes(screen)) ?? null;
}

/** The shortcut that triggers `action` on `screen` (for the key hint on a button). */
export function keyFor(action: ShortcutAction, screen: CashierScreen): string | null {
  return CASHIER_SHORTCUTS.find((s) => s.action === action && s.screens.includes(screen))?.key ?? null;
}

/** What the function bar shows on `screen`, in key order. */
export function barFor(screen: CashierScreen): readonly Shortcut[] {
  return CASHIER_SHORTCUTS.filter((s) => s.bar && s.screens.includes(screen));
}

const F_KEY = /^F([1-9]|1[0-2])$/;

/** Keys besides the F-keys that a shortcut uses: a one-line field does nothing with them. */
const NAV_KEYS: ReadonlySet<string> = new Set(['Insert', 'PageUp', 'PageDown']);

/** Whether the cashier screen takes `key` from the browser (every F-key and Ins/PgUp/PgDn, with or without modifiers). */
export function claimsKey(key: string): boolean {
  return F_KEY.test(key) || NAV_KEYS.has(key);
}

export interface ShortcutRow {
  /** "F5–F8", "F1", "Esc". */
  readonly keys: string;
  readonly screens: readonly CashierScreen[];
  readonly help: MessageKey;
}

const KEY_NAMES: Readonly<Record<string, string>> = { Escape: 'Esc', Insert: 'Ins', PageUp: 'PgUp', PageDown: 'PgDn' };

/** A key as printed on the keycap ("Esc", "PgUp"), for the function bar and the help. */
export function keyName(key: string): string {
  return KEY_NAMES[key] ?? key;
}

/**
 * The table as people read it (F1 help, README): shortcuts that do the same on the same
 * screens share a row, and a run of F-keys is written as a range ("F5–F8").
 */
export function shortcutRows(shortcuts: readonly Shortcut[] = CASHIER_SHORTCUTS): ShortcutRow[] {
  const groups: { keys: string[]; screens: readonly CashierScreen[]; help: MessageKey }[] = [];
  for (const s of shortcuts) {
    const same = groups.find((g) => g.help === s.help && g.screens.join() === s.screens.join());
    if (same) same.keys.push(s.key);
    else groups.push({ keys: [s.key], screens: s.screens, help: s.help });
  }
  return groups.map((g) => ({ keys: joinKeys(g.keys), screens: g.screens, help: g.help }));
}

function joinKeys(keys: readonly string[]): string {
  const f = keys.map((k) => F_KEY.exec(k)?.[1]).map((n) => (n === undefined ? null : Number(n)));
  const consecutive = keys.length >= 3 && f.every((n, i) => n !== null && (i === 0 || n === (f[i - 1] ?? 0) + 1));
  if (consecutive) return `${keys[0]}–${keys.at(-1)}`;
  return keys.map(keyName).join(', ');
}

/** Which shortcut set applies for a checkout phase. */
export function screenOf(phase: CheckoutPhase): CashierScreen {
  switch (phase) {
    case 'idle':
    case 'selling':
      return 'sale';
    case 'tendering':
      return 'tender';
    case 'paying':
      return 'paying';
    case 'noPaper':
      return 'noPaper';
    case 'commitFailed':
      return 'commitFailed';
    case 'finishing':
    case 'cancelling':
      return 'busy';
  }
}

/** Tender quick-cash shortcut n (1-based) → its index into TerminalInfo.quickCash. */
export function quickCashIndex(action: ShortcutAction): number | null {
  const m = /^quickCash([1-4])$/.exec(action);
  return m ? Number(m[1]) - 1 : null;
}
