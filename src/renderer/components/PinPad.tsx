// A PIN entry for log-in and approvals: one password field that takes the keyboard (digits,
// Backspace; Enter submits the form around it) and an on-screen keypad for touch. The keypad's
// buttons never take focus (tabIndex -1), so typing and tapping can be mixed. Rules: pin-model.ts.
import { usePos } from '../app/pos-context.tsx';
import { TID } from '../testids.ts';
import { PIN_KEYS, PIN_MAX, pinFromInput, pressPin, type PinKey } from './pin-model.ts';

export interface PinPadProps {
  readonly value: string;
  readonly onChange: (pin: string) => void;
  readonly label: string;
  readonly disabled?: boolean;
  /** data-testid of the field (default pin-input). */
  readonly testId?: string;
}

export function PinPad({ value, onChange, label, disabled, testId }: PinPadProps) {
  const { t } = usePos();
  const keyLabel = (k: PinKey) => (k === 'back' ? '⌫' : k === 'clear' ? t('pin.clear') : k);
  return (
    <div className="pin-pad">
      <label className="field-label">
        {label}
        <input
          className="input input-pin"
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={PIN_MAX}
          value={value}
          disabled={disabled}
          data-testid={testId ?? TID.pinInput}
          onChange={(e) => onChange(pinFromInput(e.target.value))}
        />
      </label>
      <div className="pin-keys" role="group" aria-label={t('pin.keypad')}>
        {PIN_KEYS.flat().map((k) => (
          <button
            key={k}
            type="button"
            className={k === 'back' || k === 'clear' ? 'btn pin-key pin-key-edit' : 'btn pin-key'}
            tabIndex={-1}
            disabled={disabled}
            aria-label={k === 'back' ? t('pin.back') : undefined}
            data-testid={TID.pinKey(k)}
            onClick={() => onChange(pressPin(value, k))}
          >
            {keyLabel(k)}
          </button>
        ))}
      </div>
    </div>
  );
}
