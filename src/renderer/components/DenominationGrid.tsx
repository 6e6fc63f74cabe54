// The count sheet: one row per note and coin of the terminal's currency (from
// 'shift.denominations'), pieces typed per row, the row's amount and a running total. Used for
// the opening float and the blind close (ShiftPanel); rules in cash-count.ts. Keyboard: digits
// in each row, ↑ ↓ move between rows (Tab works too), Enter submits the form around the grid.
// The − / + buttons are for touch and never take focus.
import type { KeyboardEvent } from 'react';
import type { DenominationView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount } from '../format.ts';
import { TID } from '../testids.ts';
import { readCount, readPieces, rowAmount, stepPieces, type CountTexts } from './cash-count.ts';

export interface DenominationGridProps {
  readonly denominations: readonly DenominationView[];
  readonly currency: string;
  readonly texts: CountTexts;
  readonly onChange: (texts: CountTexts) => void;
  readonly disabled?: boolean;
  /** Prefix of the grid's test ids (default "count"): <prefix>-<key>, <prefix>-total. */
  readonly testIdPrefix?: string;
}

export function DenominationGrid({ denominations, currency, texts, onChange, disabled, testIdPrefix = 'count' }: DenominationGridProps) {
  const { t } = usePos();
  const reading = readCount(denominations, texts);
  const set = (key: string, text: string) => onChange({ ...texts, [key]: text });

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const inputs = [...(e.currentTarget.closest('.count-grid')?.querySelectorAll<HTMLInputElement>('input.count-input') ?? [])];
    const at = inputs.indexOf(e.currentTarget);
    const next = inputs[at + (e.key === 'ArrowDown' ? 1 : -1)];
    if (next) {
      next.focus();
      next.select();
    }
  };

  return (
    <table className="count-grid" data-testid={TID.countGrid(testIdPrefix)}>
      <thead>
        <tr>
          <th>{t('count.denomination')}</th>
          <th>{t('count.pieces')}</th>
          <th className="num">{t('count.amount')}</th>
        </tr>
      </thead>
      <tbody>
        {denominations.map((d) => {
          const text = texts[d.key] ?? '';
          const bad = Number.isNaN(readPieces(text) ?? 0);
          return (
            <tr key={d.key} className={bad ? 'bad' : undefined}>
              <th scope="row">
                {d.label} <span className="muted">{t(d.kind === 'coin' ? 'count.coin' : 'count.note')}</span>
              </th>
              <td className="count-cell">
                <button type="button" className="btn btn-small" tabIndex={-1} disabled={disabled} aria-label={t('count.less', { label: d.label })} onClick={() => set(d.key, stepPieces(text, -1))}>
                  −
                </button>
                <input
                  className="input count-input"
                  type="text"
                  inputMode="numeric"
                  autoComplete="off"
                  placeholder="0"
                  value={text}
                  disabled={disabled}
                  aria-label={t('count.piecesOf', { label: d.label })}
                  aria-invalid={bad}
                  data-testid={TID.countInput(testIdPrefix, d.key)}
                  onChange={(e) => set(d.key, e.target.value)}
                  onKeyDown={onKeyDown}
                />
                <button type="button" className="btn btn-small" tabIndex={-1} disabled={disabled} aria-label={t('count.more', { label: d.label })} onClick={() => set(d.key, stepPieces(text, 1))}>
                  +
                </button>
              </td>
              <td className="num">{formatAmount(rowAmount(d, text), currency)}</td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            {t('count.total')}
          </th>
          <td className="num count-total" data-testid={TID.countTotal(testIdPrefix)}>
            {formatAmount(reading.total, currency)}
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
