// F9: the last sales with their receipt's fate, the printed slip as the virtual printer decodes
// it (PNG from the core), and reprint. ↑ ↓ choose (the preview follows), Enter reprints.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ReceiptPreview, RecentSale } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { formatAmount, formatClock } from '../format.ts';
import { TID } from '../testids.ts';
import { receiptUnprinted } from './cashier-model.ts';
import { receiptStatusText } from './CartPanel.tsx';

export function RecentSalesDialog({ onClose, onReprint }: { readonly onClose: () => void; readonly onReprint: (saleId: string) => void }) {
  const { client, t } = usePos();
  const [sales, setSales] = useState<readonly RecentSale[] | null>(null);
  const [index, setIndex] = useState(0);
  const [preview, setPreview] = useState<ReceiptPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    client.request('sales.recent', { limit: 30 }).then(setSales, (e: unknown) => setError(errorText(e)));
  }, [client]);

  const selected = sales?.[index] ?? null;
  useEffect(() => {
    if (!selected) return;
    let stale = false;
    setPreview(null);
    client.request('sales.receipt', { saleId: selected.saleId }).then(
      (p) => {
        if (!stale) setPreview(p);
      },
      (e: unknown) => {
        if (!stale) setError(errorText(e));
      },
    );
    return () => {
      stale = true;
    };
  }, [client, selected]);

  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!sales || sales.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      e.stopPropagation();
      setIndex((i) => Math.min(sales.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1))));
    } else if (e.key === 'Enter' && selected && e.target === listRef.current) {
      e.preventDefault();
      e.stopPropagation();
      onReprint(selected.saleId);
    }
  };

  return (
    <Dialog
      title={t('recent.title')}
      onClose={onClose}
      onConfirm={selected ? () => onReprint(selected.saleId) : undefined}
      confirmLabel={t('receipt.reprint')}
      confirmTestId={TID.reprintButton}
      error={error}
      wide
      testId={TID.recentSales}
    >
      <div className="recent" onKeyDown={onKeyDown}>
        <div className="recent-list-wrap">
          {sales === null ? <p className="muted">{t('recent.loading')}</p> : sales.length === 0 ? <p className="muted">{t('recent.empty')}</p> : null}
          <ul className="recent-list" ref={listRef} role="listbox" data-autofocus="" tabIndex={0}>
            {(sales ?? []).map((s, i) => (
              <li key={s.saleId} role="option" aria-selected={i === index}>
                <button type="button" tabIndex={-1} className={i === index ? 'recent-row on' : 'recent-row'} data-testid={TID.recentSale(s.saleId)} onClick={() => setIndex(i)}>
                  <span className="r-no">#{s.receiptNo}</span>
                  <span className="r-time">{formatClock(s.completedAt)}</span>
                  <span className="r-total">{formatAmount(s.total, s.currency)}</span>
                  <span className="r-tenders">{[...new Set(s.tenders.map((x) => t(`method.${x.method}`)))].join(' + ')}</span>
                  <span className={receiptUnprinted(s.receipt) ? 'r-receipt bad' : 'r-receipt'}>{receiptStatusText(t, s.receipt)}</span>
                  {s.training ? <span className="tag">{t('recent.training')}</span> : null}
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div className="receipt-preview" data-testid={TID.receiptPreview}>
          {selected === null ? (
            <p className="muted">{t('recent.select')}</p>
          ) : preview === null ? (
            <p className="muted">{t('recent.loading')}</p>
          ) : (
            <img src={preview.png} alt={preview.text.join('\n')} data-testid={TID.receiptPreviewImage} />
          )}
        </div>
      </div>
      <p className="hint">{t('recent.keys')}</p>
    </Dialog>
  );
}
