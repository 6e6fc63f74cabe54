// A modal dialog for the cashier: Enter confirms (it is a form), Esc closes, focus starts in the
// first field (or the confirm button) and returns to where the screen wants it on close. Esc is
// claimed here so the screen's own Esc (back, stop) never fires underneath a dialog.
import { useEffect, useRef, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { usePos } from '../app/pos-context.tsx';
import { TID } from '../testids.ts';

export interface DialogProps {
  readonly title: string;
  readonly onClose: () => void;
  /** Called on Enter / the confirm button; absent: the dialog only informs. */
  readonly onConfirm?: () => void;
  readonly confirmLabel?: string;
  readonly confirmDanger?: boolean;
  readonly confirmDisabled?: boolean;
  /** Shown above the buttons: a field the cashier got wrong. */
  readonly error?: string | null;
  readonly wide?: boolean;
  readonly testId?: string;
  /** data-testid of the confirm button (default dialog-confirm). */
  readonly confirmTestId?: string;
  readonly children?: ReactNode;
  /** Extra buttons left of the confirm button. */
  readonly extra?: ReactNode;
}

export function Dialog({ title, onClose, onConfirm, confirmLabel, confirmDanger, confirmDisabled, error, wide, testId, confirmTestId, children, extra }: DialogProps) {
  const { t } = usePos();
  const ref = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const form = ref.current;
    if (!form) return;
    const first = form.querySelector<HTMLElement>('input:not([disabled]), textarea, [data-autofocus]') ?? form.querySelector<HTMLElement>('button[type="submit"]');
    (first ?? form).focus();
    if (first instanceof HTMLInputElement) first.select();
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (onConfirm && !confirmDisabled) onConfirm();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      e.preventDefault();
      onClose();
    }
  };

  return (
    <div className="overlay" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form
        ref={ref}
        className={wide ? 'dialog dialog-wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-dialog=""
        tabIndex={-1}
        data-testid={testId ?? TID.dialog}
        onSubmit={submit}
        onKeyDown={onKeyDown}
      >
        <h2 className="dialog-title">{title}</h2>
        <div className="dialog-body">{children}</div>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-buttons">
          {extra}
          <span className="spacer" />
          <button type="button" className="btn" data-testid={TID.dialogCancel} onClick={onClose}>
            {onConfirm ? t('dialog.back') : t('app.close')} <kbd>Esc</kbd>
          </button>
          {onConfirm ? (
            <button type="submit" className={confirmDanger ? 'btn btn-danger' : 'btn btn-primary'} disabled={confirmDisabled} data-testid={confirmTestId ?? TID.dialogConfirm}>
              {confirmLabel ?? t('dialog.confirm')} <kbd>Enter</kbd>
            </button>
          ) : null}
        </div>
      </form>
    </div>
  );
}
