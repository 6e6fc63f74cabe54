// The History tab (issue 7 §9): find a sale by receipt number, date range, amount range, tender
// or cashier; page back through older ones; open one to see its receipt as printed (the core's
// PNG of the slip), reprint it, or refund it (all or part, with a reason) and see what the
// refund did: cash to hand back now, wallet parts still pending.
//
// Decisions a caller must know:
// - The form is checked by history-search.ts (named in the manager's language); the core
//   checks again. Enter in any field searches.
// - "More" asks for the page before the last row (`before: next`); a new search starts again
//   from the newest sale.
// - Reprint and refund need their permission; without it the client asks for an approval in
//   place. After a refund the current search runs again so "refunded" is the core's figure.
import { useEffect, useState, type FormEvent, type JSX } from 'react';
import type { ReceiptPreview, RefundResultView, SaleHistoryRow } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import { formatAmount } from '../format.ts';
import { formatDateTime } from './dates.ts';
import { buildSearchParams, EMPTY_SEARCH, nextPageParams, readRefundAmount, refundable, type SearchForm, type SearchParams, type TenderFilter } from './history-search.ts';
import { useManagerText } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';
import { OutcomeBanner, useAction } from './parts.tsx';
import './manager.css';

export function SalesHistoryPanel(): JSX.Element {
  const { client, info, t } = usePos();
  const m = useManagerText();
  const action = useAction();
  const [form, setForm] = useState<SearchForm>(EMPTY_SEARCH);
  const [params, setParams] = useState<SearchParams | null>(null);
  const [rows, setRows] = useState<readonly SaleHistoryRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [open, setOpen] = useState<SaleHistoryRow | null>(null);

  const set = <K extends keyof SearchForm>(key: K) => (value: SearchForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const runSearch = (p: SearchParams) =>
    action.run('search', async () => {
      const r = await client.request('sales.search', p);
      setParams(p);
      setRows(r.rows);
      setNext(r.next);
      return null;
    });

  const search = (e: FormEvent) => {
    e.preventDefault();
    const built = buildSearchParams(form, info.currency);
    if (!built.ok) {
      action.setOutcome({ ok: false, text: m(built.error, built.params) });
      return;
    }
    void runSearch(built.value);
  };

  const more = () => {
    if (params === null || next === null) return;
    const p = nextPageParams(params, next);
    void action.run('more', async () => {
      const r = await client.request('sales.search', p);
      setRows((old) => [...(old ?? []), ...r.rows]);
      setNext(r.next);
      return null;
    });
  };

  const busy = action.busy !== null;
  const field = (key: 'receipt' | 'cashier' | 'amountMin' | 'amountMax', label: string, testId: string, decimal = false) => (
    <label className="field-label">
      {label}
      <input
        className="input"
        type="text"
        inputMode={decimal ? 'decimal' : undefined}
        autoComplete="off"
        value={form[key]}
        data-testid={testId}
        onChange={(e) => set(key)(e.target.value)}
      />
    </label>
  );

  return (
    <section className="panel mgr-panel" data-testid={MTID.historyPanel} aria-busy={busy}>
      <div className="section-head">
        <h2>{m('mgr.history.title')}</h2>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.historyResult} onDismiss={() => action.setOutcome(null)} dismissLabel={m('mgr.common.dismiss')} />
      <form className="mgr-search" data-testid={MTID.historyForm} onSubmit={search}>
        {field('receipt', m('mgr.history.receipt'), MTID.historyReceipt)}
        <label className="field-label">
          {m('mgr.history.from')}
          <input className="input" type="date" value={form.from} data-testid={MTID.historyFrom} onChange={(e) => set('from')(e.target.value)} />
        </label>
        <label className="field-label">
          {m('mgr.history.to')}
          <input className="input" type="date" value={form.to} data-testid={MTID.historyTo} onChange={(e) => set('to')(e.target.value)} />
        </label>
        {field('amountMin', m('mgr.history.amountMin', { currency: info.currency }), MTID.historyMin, true)}
        {field('amountMax', m('mgr.history.amountMax', { currency: info.currency }), MTID.historyMax, true)}
        <label className="field-label">
          {m('mgr.history.tender')}
          <select className="input" value={form.tender} data-testid={MTID.historyTender} onChange={(e) => set('tender')(e.target.value as TenderFilter)}>
            <option value="">{m('mgr.history.anyTender')}</option>
            <option value="cash">{t('method.cash')}</option>
            <option value="alipay">{t('method.alipay')}</option>
            <option value="wechat">{t('method.wechat')}</option>
          </select>
        </label>
        {field('cashier', m('mgr.history.cashier'), MTID.historyCashier)}
        <div className="form-buttons mgr-search-buttons">
          <button
            type="button"
            className="btn"
            data-testid={MTID.historyClear}
            onClick={() => {
              setForm(EMPTY_SEARCH);
              action.setOutcome(null);
            }}
          >
            {m('mgr.history.clear')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid={MTID.historySearch}>
            {m('mgr.history.search')} <kbd>Enter</kbd>
          </button>
        </div>
      </form>

      {rows === null ? (
        <p className="muted">{action.busy === 'search' ? m('mgr.common.loading') : m('mgr.history.hint')}</p>
      ) : rows.length === 0 ? (
        <p className="muted" data-testid={MTID.historyEmpty}>
          {m('mgr.history.empty')}
        </p>
      ) : (
        <table className="working mgr-table" data-testid={MTID.historyRows}>
          <thead>
            <tr>
              <th scope="col">{m('mgr.history.receipt')}</th>
              <th scope="col">{m('mgr.history.time')}</th>
              <th scope="col" className="num">{m('mgr.col.amount')}</th>
              <th scope="col">{m('mgr.history.tenders')}</th>
              <th scope="col">{m('mgr.history.cashier')}</th>
              <th scope="col" className="num">{m('mgr.col.refunded')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.saleId} data-testid={MTID.historyRow(r.saleId)} className={r.refunded > 0 ? 'refunded clickable' : 'clickable'} onClick={() => setOpen(r)}>
                <th scope="row">
                  <button
                    type="button"
                    className="btn btn-small mono"
                    title={m('mgr.history.open')}
                    onClick={(e) => {
                      e.stopPropagation();
                      setOpen(r);
                    }}
                  >
                    {r.receipt}
                  </button>
                  {r.training ? <span className="tag">{m('mgr.history.training')}</span> : null}
                </th>
                <td>{formatDateTime(r.completedAt)}</td>
                <td className="num">{formatAmount(r.total, r.currency)}</td>
                <td>{r.tenders.map((x) => `${t(`method.${x.method}`)} ${formatAmount(x.amount, r.currency)}`).join(' + ')}</td>
                <td>{r.cashier}</td>
                <td className="num">{r.refunded > 0 ? formatAmount(r.refunded, r.currency) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows !== null && next !== null ? (
        <div className="form-buttons">
          <button type="button" className="btn" disabled={busy} data-testid={MTID.historyMore} onClick={more}>
            {action.busy === 'more' ? m('mgr.common.loading') : m('mgr.history.more')}
          </button>
        </div>
      ) : null}

      {open !== null ? (
        <SaleDialog
          row={open}
          onClose={() => setOpen(null)}
          onRefunded={() => {
            if (params !== null) void runSearch(params);
          }}
        />
      ) : null}
    </section>
  );
}

type Mode = 'view' | 'refund';

function SaleDialog({ row, onClose, onRefunded }: { readonly row: SaleHistoryRow; readonly onClose: () => void; readonly onRefunded: () => void }) {
  const { client, t } = usePos();
  const m = useManagerText();
  const [preview, setPreview] = useState<ReceiptPreview | null>(null);
  const [mode, setMode] = useState<Mode>('view');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [result, setResult] = useState<RefundResultView | null>(null);
  const [busy, setBusy] = useState(false);
  const left = refundable(row);
  const money = (n: number) => formatAmount(n, row.currency);

  useEffect(() => {
    let stale = false;
    client.request('sales.receipt', { saleId: row.saleId }).then(
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
  }, [client, row.saleId]);

  const reprint = () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setInfo(null);
    client
      .request('sales.reprint', { saleId: row.saleId })
      .then(
        (r) => setInfo(m('mgr.history.reprinted', { no: r.receiptNo, status: r.detail ? `${r.status} (${r.detail})` : r.status })),
        (e: unknown) => setError(errorText(e)),
      )
      .finally(() => setBusy(false));
  };

  const refund = () => {
    if (busy) return;
    const parsed = readRefundAmount(amount, row.currency, left);
    if (!parsed.ok) {
      setError(m(parsed.error, { ...parsed.params, left: money(left) }));
      return;
    }
    const r = reason.trim();
    if (r === '') {
      setError(m('mgr.refund.reasonMissing'));
      return;
    }
    setBusy(true);
    setError(null);
    client
      .request('sales.refund', parsed.value === undefined ? { saleId: row.saleId, reason: r.slice(0, 200) } : { saleId: row.saleId, amount: parsed.value, reason: r.slice(0, 200) })
      .then(
        (res) => {
          setResult(res);
          onRefunded();
        },
        (e: unknown) => setError(errorText(e)),
      )
      .finally(() => setBusy(false));
  };

  if (result !== null) {
    return (
      <Dialog key="result" title={m('mgr.refund.doneTitle', { receipt: result.receipt })} onClose={onClose} testId={MTID.saleDialog}>
        <div className="refund-result" data-testid={MTID.refundResult}>
          <dl className="facts facts-big">
            <div className="fact over-short over">
              <dt>{m('mgr.refund.cashBack')}</dt>
              <dd data-testid={MTID.refundCash}>{money(result.cash)}</dd>
            </div>
            <div className="fact">
              <dt>{m('mgr.refund.amount')}</dt>
              <dd>{money(result.amount)}</dd>
            </div>
            <div className="fact">
              <dt>{m('mgr.refund.refunded')}</dt>
              <dd>{money(result.refunded)}</dd>
            </div>
            <div className={result.pending > 0 ? 'fact over-short over' : 'fact'}>
              <dt>{m('mgr.refund.pending')}</dt>
              <dd data-testid={MTID.refundPending}>{money(result.pending)}</dd>
            </div>
            {result.failed > 0 ? (
              <div className="fact over-short short">
                <dt>{m('mgr.refund.failed')}</dt>
                <dd>{money(result.failed)}</dd>
              </div>
            ) : null}
          </dl>
          <p>{result.message}</p>
          {result.cash > 0 ? <p className="banner banner-warn">{m('mgr.refund.handBack', { amount: money(result.cash) })}</p> : null}
        </div>
      </Dialog>
    );
  }

  if (mode === 'refund') {
    return (
      <Dialog
        key="refund"
        title={m('mgr.refund.title', { receipt: row.receipt })}
        onClose={() => setMode('view')}
        onConfirm={refund}
        confirmLabel={m('mgr.refund.submit')}
        confirmDanger
        confirmDisabled={busy || left <= 0}
        confirmTestId={MTID.refundSubmit}
        error={error}
        testId={MTID.saleDialog}
      >
        <p>{m('mgr.refund.left', { total: money(row.total), refunded: money(row.refunded), left: money(left) })}</p>
        <label className="field-label">
          {m('mgr.refund.amountLabel', { currency: row.currency })}
          <input
            className="input input-amount"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            placeholder={m('mgr.refund.amountPlaceholder', { left: money(left) })}
            value={amount}
            disabled={busy}
            data-testid={MTID.refundAmount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
        <ReasonField value={reason} onChange={setReason} presets={['reason.customer', 'reason.damaged', 'reason.wrongItem']} />
        <p className="hint">{m('mgr.refund.hint')}</p>
      </Dialog>
    );
  }

  return (
    <Dialog
      key="view"
      title={m('mgr.history.saleTitle', { receipt: row.receipt })}
      onClose={onClose}
      error={error}
      wide
      testId={MTID.saleDialog}
      extra={
        <>
          <button type="button" className="btn" disabled={busy} data-testid={MTID.saleReprint} onClick={reprint}>
            {m('mgr.history.reprint')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy || left <= 0}
            data-testid={MTID.saleRefund}
            onClick={() => {
              setError(null);
              setMode('refund');
            }}
          >
            {m('mgr.history.refund')}
          </button>
        </>
      }
    >
      <div className="sale-view">
        <dl className="facts">
          <div className="fact">
            <dt>{m('mgr.history.time')}</dt>
            <dd>{formatDateTime(row.completedAt)}</dd>
          </div>
          <div className="fact">
            <dt>{m('mgr.col.amount')}</dt>
            <dd>{money(row.total)}</dd>
          </div>
          <div className="fact">
            <dt>{m('mgr.history.cashier')}</dt>
            <dd>{row.cashier}</dd>
          </div>
          <div className="fact">
            <dt>{m('mgr.col.refunded')}</dt>
            <dd>{money(row.refunded)}</dd>
          </div>
          <div className="fact">
            <dt>{m('mgr.history.tenders')}</dt>
            <dd>{row.tenders.map((x) => t(`method.${x.method}`)).join(' + ')}</dd>
          </div>
        </dl>
        {info !== null ? (
          <p className="banner banner-info" role="status">
            {info}
          </p>
        ) : null}
        <div className="receipt-preview mgr-receipt">
          {preview === null ? (
            <p className="muted">{error === null ? m('mgr.common.loading') : ''}</p>
          ) : (
            <img src={preview.png} alt={preview.text.join('\n')} data-testid={MTID.salePreview} />
          )}
        </div>
      </div>
    </Dialog>
  );
}
