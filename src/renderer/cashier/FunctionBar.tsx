// The F-key bar: the current screen's shortcuts as touch buttons, so every action has a button
// and every button shows its key.
import { usePos } from '../app/pos-context.tsx';
import { TID } from '../testids.ts';
import { barFor, keyName, type CashierScreen, type ShortcutAction } from './shortcuts.ts';

export function FunctionBar({ screen, available, run }: { readonly screen: CashierScreen; readonly available: (a: ShortcutAction) => boolean; readonly run: (a: ShortcutAction) => void }) {
  const { t } = usePos();
  return (
    <nav className="function-bar" data-testid={TID.functionBar}>
      {barFor(screen).map((s) => (
        <button
          key={`${s.key}-${s.action}`}
          type="button"
          className={s.action === 'pay' ? 'fkey fkey-pay' : s.action === 'cancelSale' ? 'fkey fkey-danger' : 'fkey'}
          tabIndex={-1}
          disabled={!available(s.action)}
          data-testid={TID.fkey(s.action)}
          onClick={() => run(s.action)}
        >
          <kbd>{keyName(s.key)}</kbd>
          <span>{t(s.label)}</span>
        </button>
      ))}
    </nav>
  );
}
