// A reason the core requires (void, discount, price change, cancel, drawer): typed, or one tap
// on a common one. The chips are in the surface's language; the core journals the text as given.
import { usePos } from '../app/pos-context.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { TID } from '../testids.ts';

export function ReasonField({ value, onChange, presets, label }: { readonly value: string; readonly onChange: (v: string) => void; readonly presets: readonly MessageKey[]; readonly label?: string }) {
  const { t } = usePos();
  return (
    <div className="field">
      <label className="field-label">
        {label ?? t('dialog.reason')}
        <input className="input" type="text" value={value} maxLength={200} autoComplete="off" data-testid={TID.dialogReason} onChange={(e) => onChange(e.target.value)} />
      </label>
      <div className="chips">
        {presets.map((key, i) => (
          <button key={key} type="button" className="chip" tabIndex={-1} data-testid={TID.reasonChip(i + 1)} onClick={() => onChange(t(key))}>
            {t(key)}
          </button>
        ))}
      </div>
    </div>
  );
}
