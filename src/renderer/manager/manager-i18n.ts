// The manager panels' strings (i18n/manager-messages.ts, keys "mgr.…") in the surface's
// language. The shell merges them into t()'s tables (messages.ts), so the panels use t() itself,
// typed here to the panels' own keys so a panel cannot show a key that has no translation of
// its own in manager-messages.ts.
import { usePos } from '../app/pos-context.tsx';
import type { ManagerKey } from '../i18n/manager-messages.ts';

export type ManagerParams = Readonly<Record<string, string | number>>;
export type ManagerTranslate = (key: ManagerKey, params?: ManagerParams) => string;

export function useManagerText(): ManagerTranslate {
  return usePos().t;
}
