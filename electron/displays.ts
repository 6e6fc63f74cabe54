// Which screen the customer display window goes on, and what to do with the window when
// screens come and go. Pure, so the rules are tested without Electron's `screen` module.
//
// Decisions a caller must know:
// - A configured display id (config `ui.customerDisplay`) wins when that display is connected.
// - Otherwise (no id configured, or that display unplugged) the first display that is not the
//   primary one is used: the cashier's window is on the primary display.
// - The primary display is never used, even when configured: a fullscreen window that cannot
//   take focus would cover the cashier's screen. With one screen there is no customer window.
// - The choice is re-made on display-added, display-removed and display-metrics-changed; the
//   window is moved when its display or that display's bounds changed, closed when none is left.

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The part of Electron's `Display` the choice needs. */
export interface DisplayLike {
  readonly id: number;
  readonly bounds: Rect;
  readonly label?: string;
}

/** Display ids are numbers in Electron; a config file may hold them as strings. */
export type ConfiguredDisplay = number | string | null | undefined;

export type DisplayChoice = { readonly display: DisplayLike; readonly reason: string } | { readonly display: null; readonly reason: string };

function describe(d: DisplayLike): string {
  const size = `${d.bounds.width}x${d.bounds.height}`;
  return d.label ? `display ${d.id} (${d.label}, ${size})` : `display ${d.id} (${size})`;
}

export function chooseCustomerDisplay(displays: readonly DisplayLike[], primaryId: number, configured: ConfiguredDisplay): DisplayChoice {
  const others = displays.filter((d) => d.id !== primaryId);
  const wanted = configured === null || configured === undefined || String(configured).trim() === '' ? null : String(configured).trim();
  let fallbackReason = 'no customer display configured';
  if (wanted !== null) {
    const match = displays.find((d) => String(d.id) === wanted);
    if (match && match.id === primaryId) {
      return { display: null, reason: `configured ${describe(match)} is the primary display, where the cashier works: no customer window` };
    }
    if (match) return { display: match, reason: `configured ${describe(match)}` };
    fallbackReason = `configured display ${wanted} is not connected`;
  }
  const first = others[0];
  if (!first) return { display: null, reason: `${fallbackReason}, and there is no second display: no customer window` };
  return { display: first, reason: `${fallbackReason}: using ${describe(first)}, the first that is not primary` };
}

/** Where the customer window is now, or null when there is none. */
export interface CustomerWindowPlace {
  readonly displayId: number;
  readonly bounds: Rect;
}

export type CustomerWindowAction =
  | { readonly kind: 'keep' }
  | { readonly kind: 'open'; readonly display: DisplayLike; readonly reason: string }
  | { readonly kind: 'move'; readonly display: DisplayLike; readonly reason: string }
  | { readonly kind: 'close'; readonly reason: string };

function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

export function planCustomerWindow(current: CustomerWindowPlace | null, choice: DisplayChoice): CustomerWindowAction {
  if (!choice.display) return current ? { kind: 'close', reason: choice.reason } : { kind: 'keep' };
  if (!current) return { kind: 'open', display: choice.display, reason: choice.reason };
  if (current.displayId !== choice.display.id || !sameRect(current.bounds, choice.display.bounds)) {
    return { kind: 'move', display: choice.display, reason: choice.reason };
  }
  return { kind: 'keep' };
}
