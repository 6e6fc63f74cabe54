// Parked sales: park the open one, or resume one when no sale is open (the core allows resume
// only then, and the dialog says so instead of offering a button that would be refused).
import type { CheckoutView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { formatAmount, formatClock } from '../format.ts';
import { TID } from '../testids.ts';

export function ParkedDialog({ view, onClose, onPark, onResume }: { readonly view: CheckoutView; readonly onClose: () => void; readonly onPark: () => void; readonly onResume: (saleId: string) => void }) {
  const { t } = usePos();
  const canPark = view.phase === 'selling' && view.lines.length > 0;
  const canResume = view.phase === 'idle';
  const first = view.parked[0];
  return (
    <Dialog
      title={t('parked.title')}
      onClose={onClose}
      onConfirm={canPark ? onPark : canResume && first ? () => onResume(first.saleId) : undefined}
      confirmLabel={canPark ? t('parked.park') : t('parked.resume')}
      testId={TID.parkedSales}
    >
      {view.parked.length === 0 ? <p className="muted">{t('parked.empty')}</p> : null}
      {!canResume && view.parked.length > 0 ? <p className="hint">{t('parked.finishFirst')}</p> : null}
      <ul className="parked-list">
        {view.parked.map((p) => (
          <li key={p.saleId} data-testid={TID.parked(p.saleId)}>
            <span>{t('parked.item', { count: p.lineCount, total: formatAmount(p.total, view.currency), time: p.parkedAt ? formatClock(p.parkedAt) : '' })}</span>
            <button type="button" className="btn btn-primary" disabled={!canResume} onClick={() => onResume(p.saleId)}>
              {t('parked.resume')}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
