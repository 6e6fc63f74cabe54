// While selling: the search box (home of the keyboard), its results, the quick keys, parked
// sales and the big Pay button.
import type { KeyboardEvent, RefObject } from 'react';
import type { CheckoutView, QuickKey, SearchHitView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatUnitPrice } from '../format.ts';
import { TID } from '../testids.ts';
import type { CashierUi } from './cashier-model.ts';

export interface SellPanelProps {
  readonly view: CheckoutView;
  readonly ui: CashierUi;
  readonly searchRef: RefObject<HTMLInputElement | null>;
  readonly onQuery: (query: string) => void;
  /** Enter in the box, with the box's text as the DOM has it (typed keys may be newer than the last render). */
  readonly onEnter: (text: string) => void;
  readonly onMove: (delta: 1 | -1) => void;
  readonly onHighlight: (index: number) => void;
  readonly onAdd: (hit: SearchHitView) => void;
  readonly onQuickKey: (key: QuickKey) => void;
  readonly onParked: () => void;
  readonly onPay: () => void;
  readonly payEnabled: boolean;
}

export function SellPanel({ view, ui, searchRef, onQuery, onEnter, onMove, onHighlight, onAdd, onQuickKey, onParked, onPay, payEnabled }: SellPanelProps) {
  const { info, t } = usePos();
  const q = ui.query.trim();
  const searching = q !== '';
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      onEnter(e.currentTarget.value);
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && searching && ui.results.length > 0) {
      e.preventDefault();
      e.stopPropagation();
      onMove(e.key === 'ArrowDown' ? 1 : -1);
    }
  };
  return (
    <div className="sell-panel">
      <label className="search">
        <span className="sr-only">{t('search.label')}</span>
        <input
          ref={searchRef}
          className="input input-search"
          type="text"
          value={ui.query}
          placeholder={t('search.placeholder')}
          autoComplete="off"
          spellCheck={false}
          data-testid={TID.searchInput}
          onChange={(e) => onQuery(e.target.value)}
          onKeyDown={onKeyDown}
        />
      </label>
      {searching ? (
        <div className="results" data-testid={TID.searchResults}>
          {ui.resultsFor !== q ? (
            <p className="muted">{t('search.searching')}</p>
          ) : ui.results.length === 0 ? (
            <p className="muted">{t('search.noHits', { query: q })}</p>
          ) : (
            <>
              <ul className="hit-list" role="listbox">
                {ui.results.map((hit, i) => (
                  <li key={hit.sku} role="option" aria-selected={i === ui.highlighted}>
                    <button
                      type="button"
                      className={i === ui.highlighted ? 'hit on' : 'hit'}
                      tabIndex={-1}
                      data-testid={TID.searchHit(hit.sku)}
                      onMouseEnter={() => onHighlight(i)}
                      onClick={() => onAdd(hit)}
                    >
                      <span className="hit-name">{hit.name}</span>
                      <span className="hit-sku">{hit.sku}</span>
                      <span className="hit-price">{formatUnitPrice(hit.price, view.currency, hit.unit)}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <p className="hint">{t('search.hint')}</p>
            </>
          )}
        </div>
      ) : (
        <div className="quick-keys" data-testid={TID.quickKeys}>
          {info.quickKeys.length === 0 ? <p className="muted">{t('quick.none')}</p> : null}
          {info.quickKeys.map((k) => (
            <button key={k.sku} type="button" className="quick-key" tabIndex={-1} data-testid={TID.quickKey(k.sku)} onClick={() => onQuickKey(k)}>
              <span className="qk-label">{k.label}</span>
              <span className="qk-price">{formatUnitPrice(k.price, view.currency, k.unit)}</span>
            </button>
          ))}
        </div>
      )}
      <div className="sell-actions">
        <button type="button" className="btn btn-parked" tabIndex={-1} data-testid={TID.parkButton} onClick={onParked}>
          {t('parked.count', { count: view.parked.length })}
        </button>
        <button type="button" className="btn btn-pay" disabled={!payEnabled} data-testid={TID.payButton} onClick={onPay}>
          <span>{t('key.pay')}</span>
          <kbd>F12</kbd>
        </button>
      </div>
    </div>
  );
}
