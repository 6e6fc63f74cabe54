// The Reports tab (issue 7 §4): an X report now or for a day, the Z report that closes the day
// (after a confirmation), the stored Z reports by date, and the report itself on screen — every
// section of ReportView, an hourly sales chart, antifraud flags highlighted where they count —
// with Print (receipt printer) and Export (CSV / PDF as a download).
//
// Decisions a caller must know:
// - The Z asks first: it cannot be undone. Its print option defaults on (the shop's paper copy).
//   A Z refused for unsent sales asks for an approval by itself (the client's PIN dialog).
// - Print and Export act on the report on screen (report-model.ts): a stored Z by number, an X
//   now as such; a dated X can be exported but not printed (report.print prints only "now").
// - Stored Z reports are listed at start and after each Z; a date narrows the list.
import { useCallback, useEffect, useState, type FormEvent, type JSX } from 'react';
import type { ReportView, ZListItem } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { formatAmount } from '../format.ts';
import { formatDateTime, localDate } from './dates.ts';
import { saveExport } from './browser-download.ts';
import { HourlyChart } from './HourlyChart.tsx';
import { useManagerText, type ManagerTranslate } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';
import { OutcomeBanner, useAction } from './parts.tsx';
import { cashDifferences, exportParams, flaggedCells, formatRate, printParams, sourceOf, type CashierColumn, type ReportSource } from './report-model.ts';
import type { ManagerKey } from '../i18n/manager-messages.ts';
import './manager.css';

interface Shown {
  readonly view: ReportView;
  readonly source: ReportSource;
}

export function ReportsPanel(): JSX.Element {
  const { client, epoch } = usePos();
  const m = useManagerText();
  const action = useAction();
  const [shown, setShown] = useState<Shown | null>(null);
  const [date, setDate] = useState(() => localDate(new Date()));
  const [zList, setZList] = useState<readonly ZListItem[] | null>(null);
  const [zListDate, setZListDate] = useState('');
  const [zListError, setZListError] = useState<string | null>(null);
  const [confirmZ, setConfirmZ] = useState(false);
  const [zPrint, setZPrint] = useState(true);

  const loadZList = useCallback(
    (day: string) => {
      setZListError(null);
      client.request('report.zList', day === '' ? {} : { date: day }).then(setZList, (e: unknown) => setZListError(errorText(e)));
    },
    [client],
  );
  // The whole list at start, and again after the channel comes back (epoch).
  useEffect(() => loadZList(''), [loadZList, epoch]);

  const show = (view: ReportView, source: ReportSource) => setShown({ view, source });

  const xNow = () =>
    void action.run('x', async () => {
      show(await client.request('report.x', {}), { kind: 'x', date: null });
      return null;
    });
  const xForDate = (e: FormEvent) => {
    e.preventDefault();
    if (date === '') {
      action.setOutcome({ ok: false, text: m('mgr.reports.dateMissing') });
      return;
    }
    void action.run('x-date', async () => {
      show(await client.request('report.x', { date }), { kind: 'x', date });
      return null;
    });
  };
  const closeDay = () => {
    setConfirmZ(false);
    void action.run('z', async () => {
      const view = await client.request('report.z', { print: zPrint });
      show(view, sourceOf(view, null));
      loadZList(zListDate);
      return m('mgr.reports.zDone', { no: view.zNo ?? '?' });
    });
  };
  const openZ = (zNo: number) =>
    void action.run(`z-${zNo}`, async () => {
      const view = await client.request('report.zGet', { zNo });
      show(view, { kind: 'z', zNo });
      return null;
    });
  const print = (source: ReportSource) => {
    const params = printParams(source);
    if (params === null) return;
    void action.run('print', async () => {
      const r = await client.request('report.print', params);
      return m('mgr.reports.printed', { status: r.detail ? `${r.status} (${r.detail})` : r.status });
    });
  };
  const exportAs = (source: ReportSource, format: 'csv' | 'pdf') =>
    void action.run(`export-${format}`, async () => {
      const file = await client.request('report.export', exportParams(source, format));
      const saved = saveExport(file);
      return m('mgr.reports.exported', { file: saved.filename, size: saved.bytes });
    });

  const busy = action.busy !== null;
  return (
    <section className="panel mgr-panel" data-testid={MTID.reportsPanel} aria-busy={busy}>
      <div className="section-head">
        <h2>{m('mgr.reports.title')}</h2>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.reportResult} onDismiss={() => action.setOutcome(null)} dismissLabel={m('mgr.common.dismiss')} />
      <div className="mgr-toolbar">
        <button type="button" className="btn btn-primary" disabled={busy} data-testid={MTID.reportXNow} onClick={xNow}>
          {m('mgr.reports.xNow')}
        </button>
        <form className="mgr-inline-form" onSubmit={xForDate}>
          <label className="field-label">
            {m('mgr.reports.date')}
            <input className="input" type="date" value={date} disabled={busy} data-testid={MTID.reportDate} onChange={(e) => setDate(e.target.value)} />
          </label>
          <button type="submit" className="btn" disabled={busy} data-testid={MTID.reportXDate}>
            {m('mgr.reports.xForDate')} <kbd>Enter</kbd>
          </button>
        </form>
        <span className="spacer" />
        <button type="button" className="btn btn-danger" disabled={busy} data-testid={MTID.reportZ} onClick={() => setConfirmZ(true)}>
          {m('mgr.reports.zClose')}
        </button>
      </div>
      <div className="mgr-split">
        <ZListBox
          list={zList}
          error={zListError}
          date={zListDate}
          busy={busy}
          onDate={setZListDate}
          onRefresh={() => loadZList(zListDate)}
          onOpen={openZ}
          openZNo={shown?.source.kind === 'z' ? shown.source.zNo : null}
        />
        <div className="mgr-main-col">
          {shown === null ? (
            <p className="muted">{action.busy !== null ? m('mgr.common.loading') : m('mgr.reports.nothingShown')}</p>
          ) : (
            <ReportBody
              report={shown.view}
              source={shown.source}
              busy={busy}
              onPrint={() => print(shown.source)}
              onExport={(format) => exportAs(shown.source, format)}
            />
          )}
        </div>
      </div>
      {confirmZ ? (
        <Dialog title={m('mgr.reports.zConfirmTitle')} onClose={() => setConfirmZ(false)} onConfirm={closeDay} confirmLabel={m('mgr.reports.zConfirm')} confirmDanger testId={MTID.reportZDialog}>
          <p>{m('mgr.reports.zConfirmText')}</p>
          <label className="mgr-check">
            <input type="checkbox" checked={zPrint} data-testid={MTID.reportZPrint} data-autofocus="" onChange={(e) => setZPrint(e.target.checked)} />
            {m('mgr.reports.zPrint')}
          </label>
        </Dialog>
      ) : null}
    </section>
  );
}

function ZListBox({
  list,
  error,
  date,
  busy,
  onDate,
  onRefresh,
  onOpen,
  openZNo,
}: {
  readonly list: readonly ZListItem[] | null;
  readonly error: string | null;
  readonly date: string;
  readonly busy: boolean;
  readonly onDate: (d: string) => void;
  readonly onRefresh: () => void;
  readonly onOpen: (zNo: number) => void;
  readonly openZNo: number | null;
}) {
  const m = useManagerText();
  const { info } = usePos();
  return (
    <aside className="mgr-side" data-testid={MTID.zList}>
      <h3>{m('mgr.reports.zList')}</h3>
      <form
        className="mgr-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          onRefresh();
        }}
      >
        <label className="field-label">
          {m('mgr.reports.zListDate')}
          <input className="input" type="date" value={date} data-testid={MTID.zListDate} onChange={(e) => onDate(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-small" data-testid={MTID.zListRefresh}>
          {m('mgr.reports.zListShow')}
        </button>
      </form>
      {error !== null ? <p className="field-error">{error}</p> : null}
      {list === null && error === null ? <p className="muted">{m('mgr.common.loading')}</p> : list === null ? null : list.length === 0 ? <p className="muted">{m('mgr.reports.zNone')}</p> : null}
      <ul className="mgr-zlist">
        {(list ?? []).map((z) => (
          <li key={z.zNo} className={z.zNo === openZNo ? 'on' : undefined} data-testid={MTID.zRow(z.zNo)}>
            <button type="button" className="mgr-zrow" disabled={busy} data-testid={MTID.zOpen(z.zNo)} onClick={() => onOpen(z.zNo)}>
              <span className="z-no">Z {z.zNo}</span>
              <span className="z-when">{formatDateTime(z.createdAt)}</span>
              <span className="z-total num">{formatAmount(z.salesTotal, info.currency)}</span>
              <span className="z-meta muted">{m('mgr.reports.zMeta', { count: z.saleCount, by: z.createdBy })}</span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}

const SIGNAL_KEYS: Readonly<Record<string, ManagerKey>> = {
  voids: 'mgr.signal.voids',
  refunds: 'mgr.signal.refunds',
  noSales: 'mgr.signal.noSales',
  priceOverrides: 'mgr.signal.priceOverrides',
  manualEntries: 'mgr.signal.manualEntries',
};

export function signalLabel(m: ManagerTranslate, signal: string): string {
  const k = SIGNAL_KEYS[signal];
  return k ? m(k) : signal;
}

function ReportBody({
  report,
  source,
  busy,
  onPrint,
  onExport,
}: {
  readonly report: ReportView;
  readonly source: ReportSource;
  readonly busy: boolean;
  readonly onPrint: () => void;
  readonly onExport: (format: 'csv' | 'pdf') => void;
}) {
  const m = useManagerText();
  const { t } = usePos();
  const c = report.currency;
  const money = (n: number) => formatAmount(n, c);
  const flagged = flaggedCells(report);
  const diffs = cashDifferences(report);
  const printable = printParams(source) !== null;
  const title =
    report.kind === 'Z'
      ? m('mgr.reports.zTitle', { no: report.zNo ?? '?' })
      : source.kind === 'x' && source.date !== null
        ? m('mgr.reports.xTitleDate', { date: source.date })
        : m('mgr.reports.xTitleNow');
  const facts: readonly [string, ManagerKey, string][] = [
    ['sales-count', 'mgr.report.salesCount', String(report.sales.count)],
    ['gross', 'mgr.report.gross', money(report.sales.gross)],
    ['discounts', 'mgr.report.discounts', money(report.sales.discounts)],
    ['net', 'mgr.report.net', money(report.sales.net)],
    ['tax', 'mgr.report.tax', money(report.sales.tax)],
    ['total', 'mgr.report.total', money(report.sales.total)],
    ['rounding', 'mgr.report.rounding', money(report.sales.rounding)],
    ['returns', 'mgr.report.returns', m('mgr.report.countAmount', { count: report.returns.count, amount: money(report.returns.amount) })],
    ['voids', 'mgr.report.voids', m('mgr.report.voidsValue', { lines: report.voids.lines, amount: money(report.voids.amount), cancelled: report.voids.cancelledSales })],
    ['discount-count', 'mgr.report.discountCount', m('mgr.report.countAmount', { count: report.discounts.count, amount: money(report.discounts.amount) })],
  ];
  const cashierCell = (cashier: string, col: CashierColumn, value: number) => {
    const hot = flagged.get(cashier)?.has(col) ?? false;
    return (
      <td className={hot ? 'num flag-cell' : 'num'} title={hot ? m('mgr.report.flaggedCell') : undefined}>
        {value}
        {hot ? <span className="sr-only"> {m('mgr.report.flaggedCell')}</span> : null}
      </td>
    );
  };

  return (
    <article className="report" data-testid={MTID.reportView} data-kind={report.kind} data-z-no={report.zNo ?? ''}>
      <header className="report-head">
        <div>
          <h3 data-testid={MTID.reportTitle}>{title}</h3>
          <p className="muted">
            {m('mgr.report.period', { from: report.from === null ? m('mgr.report.beginning') : formatDateTime(report.from), to: formatDateTime(report.to) })} ·{' '}
            {m('mgr.report.generated', { at: formatDateTime(report.generatedAt), terminal: report.terminalId })}
          </p>
        </div>
        <div className="report-actions">
        <button type="button" className="btn" disabled={busy || !printable} title={printable ? undefined : m('mgr.reports.printOnlyNow')} data-testid={MTID.reportPrint} onClick={onPrint}>
          {m('mgr.reports.print')}
        </button>
        <button type="button" className="btn" disabled={busy} data-testid={MTID.reportExport('csv')} onClick={() => onExport('csv')}>
          {m('mgr.reports.exportCsv')}
        </button>
        <button type="button" className="btn" disabled={busy} data-testid={MTID.reportExport('pdf')} onClick={() => onExport('pdf')}>
          {m('mgr.reports.exportPdf')}
        </button>
        </div>
      </header>

      {report.flags.length > 0 ? (
        <div className="report-flags" role="alert" data-testid={MTID.reportFlags}>
          <strong>{m('mgr.report.flagsTitle', { n: report.flags.length })}</strong>
          <ul>
            {report.flags.map((f, i) => (
              <li key={`${f.cashier}-${f.shiftId ?? ''}-${f.signal}`} data-testid={MTID.reportFlag(i + 1)}>
                {m('mgr.report.flag', { cashier: f.cashier, signal: signalLabel(m, f.signal), count: f.count, threshold: f.threshold })}
                {f.shiftId !== null ? ` · ${m('mgr.report.flagShift', { shift: f.shiftId })}` : ''}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diffs.short + diffs.over > 0 ? <p className="banner banner-warn">{m('mgr.report.cashDiffs', { short: diffs.short, over: diffs.over })}</p> : null}

      <dl className="facts">
        {facts.map(([id, label, value]) => (
          <div key={id} className="fact">
            <dt>{m(label)}</dt>
            <dd data-testid={MTID.reportFact(id)}>{value}</dd>
          </div>
        ))}
      </dl>

      <h4>{m('mgr.report.hourly')}</h4>
      <HourlyChart hourly={report.hourly} currency={c} />

      <div className="report-grid">
        <table className="working mgr-table" data-testid={MTID.reportTenders}>
          <caption>{m('mgr.report.tenders')}</caption>
          <thead>
            <tr>
              <th scope="col">{m('mgr.col.method')}</th>
              <th scope="col" className="num">{m('mgr.col.count')}</th>
              <th scope="col" className="num">{m('mgr.col.amount')}</th>
            </tr>
          </thead>
          <tbody>
            {report.tenders.length === 0 ? <EmptyRow cols={3} /> : null}
            {report.tenders.map((x) => (
              <tr key={x.method}>
                <th scope="row">{t(`method.${x.method}`)}</th>
                <td className="num">{x.count}</td>
                <td className="num">{money(x.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <table className="working mgr-table" data-testid={MTID.reportWallets}>
          <caption>{m('mgr.report.wallets')}</caption>
          <thead>
            <tr>
              <th scope="col">{m('mgr.col.provider')}</th>
              <th scope="col" className="num">{m('mgr.col.count')}</th>
              <th scope="col" className="num">{m('mgr.col.amount')}</th>
              <th scope="col" className="num">{m('mgr.col.refunded')}</th>
            </tr>
          </thead>
          <tbody>
            {report.wallets.length === 0 ? <EmptyRow cols={4} /> : null}
            {report.wallets.map((w) => (
              <tr key={w.provider}>
                <th scope="row">{t(`method.${w.provider}`)}</th>
                <td className="num">{w.count}</td>
                <td className="num">{money(w.amount)}</td>
                <td className="num">{money(w.refunded)}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <table className="working mgr-table" data-testid={MTID.reportTax}>
          <caption>{m('mgr.report.taxByRate')}</caption>
          <thead>
            <tr>
              <th scope="col">{m('mgr.col.taxClass')}</th>
              <th scope="col" className="num">{m('mgr.col.rate')}</th>
              <th scope="col" className="num">{m('mgr.col.base')}</th>
              <th scope="col" className="num">{m('mgr.col.tax')}</th>
            </tr>
          </thead>
          <tbody>
            {report.taxByRate.length === 0 ? <EmptyRow cols={4} /> : null}
            {report.taxByRate.map((x) => (
              <tr key={`${x.taxClass}-${x.rateBps}`}>
                <th scope="row">{x.taxClass}</th>
                <td className="num">{formatRate(x.rateBps)}</td>
                <td className="num">{money(x.base)}</td>
                <td className="num">{money(x.tax)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <table className="working mgr-table" data-testid={MTID.reportCashiers}>
        <caption>{m('mgr.report.cashiers')}</caption>
        <thead>
          <tr>
            <th scope="col">{m('mgr.col.cashier')}</th>
            <th scope="col" className="num">{m('mgr.col.sales')}</th>
            <th scope="col" className="num">{m('mgr.col.amount')}</th>
            <th scope="col" className="num">{m('mgr.signal.refunds')}</th>
            <th scope="col" className="num">{m('mgr.signal.voids')}</th>
            <th scope="col" className="num">{m('mgr.signal.noSales')}</th>
            <th scope="col" className="num">{m('mgr.signal.priceOverrides')}</th>
            <th scope="col" className="num">{m('mgr.signal.manualEntries')}</th>
          </tr>
        </thead>
        <tbody>
          {report.cashiers.length === 0 ? <EmptyRow cols={8} /> : null}
          {report.cashiers.map((x) => (
            <tr key={x.cashier} className={flagged.has(x.cashier) ? 'flagged' : undefined} data-testid={MTID.reportCashier(x.cashier)} data-flagged={flagged.has(x.cashier) ? 'true' : 'false'}>
              <th scope="row">{x.cashier}</th>
              <td className="num">{x.sales}</td>
              <td className="num">{money(x.amount)}</td>
              {cashierCell(x.cashier, 'refunds', x.refunds)}
              {cashierCell(x.cashier, 'voids', x.voids)}
              {cashierCell(x.cashier, 'noSales', x.noSales)}
              {cashierCell(x.cashier, 'overrides', x.overrides)}
              {cashierCell(x.cashier, 'manual', x.manual)}
            </tr>
          ))}
        </tbody>
      </table>

      <section className="report-cash" data-testid={MTID.reportCash}>
        <h4>{m('mgr.report.cash')}</h4>
        {report.cash.shifts.length === 0 ? <p className="muted">{m('mgr.report.noShifts')}</p> : null}
        {report.cash.shifts.map((s) => {
          const kind = s.overShort === null ? 'open' : s.overShort < 0 ? 'short' : s.overShort > 0 ? 'over' : 'even';
          return (
            <details key={s.shiftId} className="report-shift" data-testid={MTID.reportShift(s.shiftId)} data-over-short={kind}>
              <summary>
                <span>{m('mgr.report.shiftSpan', { from: formatDateTime(s.openedAt), to: s.closedAt === null ? m('mgr.report.stillOpen') : formatDateTime(s.closedAt) })}</span>
                <span>{m('mgr.report.expected', { amount: money(s.expected) })}</span>
                <span>{s.counted === null ? m('mgr.report.notCounted') : m('mgr.report.counted', { amount: money(s.counted) })}</span>
                <span className={`over-short ${kind} os-chip`}>
                  {s.overShort === null
                    ? m('mgr.report.stillOpen')
                    : s.overShort === 0
                      ? m('mgr.report.even')
                      : m(s.overShort < 0 ? 'mgr.report.short' : 'mgr.report.over', { amount: money(Math.abs(s.overShort)) })}
                </span>
              </summary>
              <table className="working">
                <tbody>
                  {s.working.map((w, i) => (
                    <tr key={`${i}-${w.label}`}>
                      <th scope="row">{w.label}</th>
                      <td className="num">{`${w.amount < 0 ? '−' : '+'}${money(Math.abs(w.amount))}`}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">{m('mgr.report.expectedLabel')}</th>
                    <td className="num">{money(s.expected)}</td>
                  </tr>
                </tfoot>
              </table>
            </details>
          );
        })}
        {report.cash.outsideShifts !== 0 ? <p className="banner banner-warn">{m('mgr.report.outsideShifts', { amount: money(report.cash.outsideShifts) })}</p> : null}
      </section>

      <details className="report-text">
        <summary>{m('mgr.report.asPrinted')}</summary>
        <pre data-testid={MTID.reportText}>{report.text.join('\n')}</pre>
      </details>
    </article>
  );
}

function EmptyRow({ cols }: { readonly cols: number }) {
  const m = useManagerText();
  return (
    <tr>
      <td colSpan={cols} className="muted">
        {m('mgr.common.none')}
      </td>
    </tr>
  );
}
