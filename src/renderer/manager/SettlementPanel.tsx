// The Store tab (issue 7 §5): the store server's settlement for a day — per terminal its sales,
// refunds and net, by tender, and flags a manager must chase ('unsent': the terminal still holds
// sales it has not sent; 'receipt-gap': receipt numbers missing; 'silent': not heard from) —
// then the store's totals per currency.
//
// Decisions a caller must know:
// - store.settlement answers null when this terminal does not sync with a store server: the
//   panel says so instead of showing empty totals.
// - Flagged terminals are listed first (settlement-model.ts); a flag without words here is
//   shown by its raw name, still highlighted.
import { useCallback, useEffect, useState, type FormEvent, type JSX } from 'react';
import type { StoreSettlementView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount } from '../format.ts';
import type { ManagerKey } from '../i18n/manager-messages.ts';
import { formatDateTime, localDate } from './dates.ts';
import { useManagerText } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';
import { OutcomeBanner, useAction } from './parts.tsx';
import { flaggedCount, isKnownFlag, methodFigures, orderTerminals, type KnownFlag } from './settlement-model.ts';
import './manager.css';

const FLAG_KEYS: Readonly<Record<KnownFlag, ManagerKey>> = { unsent: 'mgr.store.flag.unsent', 'receipt-gap': 'mgr.store.flag.receiptGap', silent: 'mgr.store.flag.silent' };
const METHODS = ['cash', 'alipay', 'wechat'] as const;

type Loaded = { readonly date: string; readonly view: StoreSettlementView | null };

export function SettlementPanel(): JSX.Element {
  const { client, epoch, t } = usePos();
  const m = useManagerText();
  const action = useAction();
  const [date, setDate] = useState(() => localDate(new Date()));
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  const load = useCallback(
    (day: string) =>
      void action.run('load', async () => {
        const view = await client.request('store.settlement', day === '' ? {} : { date: day });
        setLoaded({ date: day, view });
        return null;
      }),
    // action.run is stable (useCallback with no deps)
    [client, action.run],
  );
  // Today's settlement at start and after a reconnect; the date typed later is loaded on Enter.
  const [firstDate] = useState(date);
  useEffect(() => load(firstDate), [load, firstDate, epoch]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    load(date);
  };

  const view = loaded?.view ?? null;
  const busy = action.busy !== null;
  const flagText = (flag: string) => (isKnownFlag(flag) ? m(FLAG_KEYS[flag]) : flag);

  return (
    <section className="panel mgr-panel" data-testid={MTID.storePanel} aria-busy={busy}>
      <div className="section-head">
        <h2>{m('mgr.store.title')}</h2>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.storeResult} onDismiss={() => action.setOutcome(null)} dismissLabel={m('mgr.common.dismiss')} />
      <form className="mgr-toolbar" onSubmit={submit}>
        <label className="field-label">
          {m('mgr.reports.date')}
          <input className="input" type="date" value={date} disabled={busy} data-testid={MTID.storeDate} onChange={(e) => setDate(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={MTID.storeLoad}>
          {m('mgr.store.load')} <kbd>Enter</kbd>
        </button>
      </form>

      {loaded === null ? (
        <p className="muted">{m('mgr.common.loading')}</p>
      ) : view === null ? (
        <p className="banner banner-info" data-testid={MTID.storeNone}>
          {m('mgr.store.none')}
        </p>
      ) : (
        <>
          <p className="muted">
            {m('mgr.store.header', { store: view.storeId, at: formatDateTime(view.generatedAt), date: loaded.date === '' ? m('mgr.store.today') : loaded.date })}
          </p>
          {flaggedCount(view) > 0 ? (
            <p className="banner banner-warn" role="alert">
              {m('mgr.store.flagged', { n: flaggedCount(view) })}
            </p>
          ) : null}
          <table className="working mgr-table" data-testid={MTID.storeTerminals}>
            <thead>
              <tr>
                <th scope="col">{m('mgr.store.terminal')}</th>
                <th scope="col" className="num">{m('mgr.col.sales')}</th>
                <th scope="col" className="num">{m('mgr.store.salesTotal')}</th>
                <th scope="col" className="num">{m('mgr.store.refundTotal')}</th>
                <th scope="col" className="num">{m('mgr.store.net')}</th>
                {METHODS.map((x) => (
                  <th key={x} scope="col" className="num">
                    {t(`method.${x}`)}
                  </th>
                ))}
                <th scope="col">{m('mgr.store.flags')}</th>
              </tr>
            </thead>
            <tbody>
              {view.terminals.length === 0 ? (
                <tr>
                  <td colSpan={6 + METHODS.length} className="muted">
                    {m('mgr.store.noTerminals')}
                  </td>
                </tr>
              ) : null}
              {orderTerminals(view.terminals).map((row) => {
                const money = (n: number) => formatAmount(n, row.currency);
                return (
                  <tr key={row.terminalId} className={row.flags.length > 0 ? 'flagged' : undefined} data-testid={MTID.storeTerminal(row.terminalId)} data-flags={row.flags.join(' ')}>
                    <th scope="row" className="mono">
                      {row.terminalId}
                    </th>
                    <td className="num">{row.saleCount}</td>
                    <td className="num">{money(row.salesTotal)}</td>
                    <td className="num">{money(row.refundTotal)}</td>
                    <td className="num">
                      <strong>{money(row.net)}</strong>
                    </td>
                    {METHODS.map((x) => {
                      const f = methodFigures(row, x);
                      return (
                        <td key={x} className="num">
                          {money(f.taken)}
                          {f.refunded > 0 ? <span className="muted small"> −{money(f.refunded)}</span> : null}
                        </td>
                      );
                    })}
                    <td>
                      {row.flags.length === 0 ? <span className="chip-status ok">{m('mgr.store.ok')}</span> : null}
                      {row.flags.map((flag) => (
                        <span key={flag} className="chip-status bad" data-testid={MTID.storeFlag(row.terminalId, flag)}>
                          {flagText(flag)}
                        </span>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>

          <table className="working mgr-table" data-testid={MTID.storeTotals}>
            <caption>{m('mgr.store.totals')}</caption>
            <thead>
              <tr>
                <th scope="col">{m('mgr.store.currency')}</th>
                <th scope="col" className="num">{m('mgr.store.terminals')}</th>
                <th scope="col" className="num">{m('mgr.col.sales')}</th>
                <th scope="col" className="num">{m('mgr.store.salesTotal')}</th>
                <th scope="col" className="num">{m('mgr.store.refundTotal')}</th>
                <th scope="col" className="num">{m('mgr.store.net')}</th>
              </tr>
            </thead>
            <tbody>
              {view.store.map((s) => (
                <tr key={s.currency} data-testid={MTID.storeTotal(s.currency)}>
                  <th scope="row">{s.currency}</th>
                  <td className="num">{s.terminalCount}</td>
                  <td className="num">{s.saleCount}</td>
                  <td className="num">{formatAmount(s.salesTotal, s.currency)}</td>
                  <td className="num">{formatAmount(s.refundTotal, s.currency)}</td>
                  <td className="num">
                    <strong>{formatAmount(s.net, s.currency)}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
