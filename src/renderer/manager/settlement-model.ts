// The store settlement panel's view of StoreSettlementView (issue 7 §5): terminals with a flag
// ('unsent', 'receipt-gap', 'silent') first, so a manager sees the ones to chase before the
// ones that are fine; the others keep the server's order.
//
// Decisions a caller must know:
// - A flag the screen has no words for is still shown, by its raw name, and still counts as a
//   problem: a newer server's warning is not hidden by an older screen.
import type { StoreSettlementView } from '../../shared/api.ts';

export type SettlementTerminal = StoreSettlementView['terminals'][number];

export const KNOWN_FLAGS = ['unsent', 'receipt-gap', 'silent'] as const;
export type KnownFlag = (typeof KNOWN_FLAGS)[number];

export function isKnownFlag(flag: string): flag is KnownFlag {
  return (KNOWN_FLAGS as readonly string[]).includes(flag);
}

export function orderTerminals(terminals: readonly SettlementTerminal[]): SettlementTerminal[] {
  return terminals
    .map((t, i) => ({ t, i }))
    .sort((a, b) => Number(b.t.flags.length > 0) - Number(a.t.flags.length > 0) || a.i - b.i)
    .map((x) => x.t);
}

export function flaggedCount(view: StoreSettlementView): number {
  return view.terminals.filter((t) => t.flags.length > 0).length;
}

/** The amount taken and refunded by `method` on one terminal (0 when it has none). */
export function methodFigures(terminal: SettlementTerminal, method: 'cash' | 'alipay' | 'wechat'): { readonly taken: number; readonly refunded: number } {
  let taken = 0;
  let refunded = 0;
  for (const m of terminal.byMethod) {
    if (m.method !== method) continue;
    taken += m.taken;
    refunded += m.refunded;
  }
  return { taken, refunded };
}
