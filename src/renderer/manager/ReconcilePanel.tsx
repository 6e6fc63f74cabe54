// The Reconcile tab (issue 7 §6): the wallet's bill for a day set against the terminal's own
// payments and refunds. A summary per provider, then the items with the open problems first,
// each with both amounts and two actions: Query (asks the wallet, shows what it said under the
// item) and Mark resolved (a reason; the core journals it and answers the stored item).
//
// Decisions a caller must know:
// - The date defaults to yesterday: a wallet's bill for a day is ready the morning after.
// - Matched items are hidden unless asked for (they are there for the record).
// - A resolution replaces the item in place (reconcile-model.ts); the list is not re-run, so
//   the bill is not downloaded again for each item.
import { useState, type FormEvent, type JSX } from 'react';
import type { ReconcileItemView, ReconcileStatus, ReconcileView, Wallet } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import { formatAmount } from '../format.ts';
import type { ManagerKey } from '../i18n/manager-messages.ts';
import { addDays, formatDateTime, localDate } from './dates.ts';
import { useManagerText } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';
import { OutcomeBanner, useAction } from './parts.tsx';
import { difference, isOpen, openCount, orderItems, queryItem, ResolveInputError, resolveItem } from './reconcile-model.ts';
import './manager.css';

const STATUS_KEYS: Readonly<Record<ReconcileStatus, ManagerKey>> = {
  matched: 'mgr.reconcile.status.matched',
  'missing-locally': 'mgr.reconcile.status.missingLocally',
  'missing-at-provider': 'mgr.reconcile.status.missingAtProvider',
  'amount-mismatch': 'mgr.reconcile.status.amountMismatch',
};

type WalletChoice = '' | Wallet;

const RESOLVE_PRESETS: readonly ManagerKey[] = ['mgr.reconcile.preset.nextDay', 'mgr.reconcile.preset.cash', 'mgr.reconcile.preset.test'];

export function ReconcilePanel(): JSX.Element {
  const { client, info, t } = usePos();
  const m = useManagerText();
  const action = useAction();
  const [date, setDate] = useState(() => addDays(localDate(new Date()), -1));
  const [wallet, setWallet] = useState<WalletChoice>('');
  const [view, setView] = useState<ReconcileView | null>(null);
  const [showMatched, setShowMatched] = useState(false);
  const [messages, setMessages] = useState<ReadonlyMap<string, string>>(new Map());
  const [resolving, setResolving] = useState<ReconcileItemView | null>(null);
  const [reason, setReason] = useState('');
  const [dialogError, setDialogError] = useState<string | null>(null);
  const currency = info.currency;
  const money = (n: number | null) => (n === null ? '—' : formatAmount(n, currency));
  const itemId = (i: { provider: Wallet; key: string }) => `${i.provider}/${i.key}`;

  const runReconcile = (e: FormEvent) => {
    e.preventDefault();
    if (date === '') {
      action.setOutcome({ ok: false, text: m('mgr.reports.dateMissing') });
      return;
    }
    void action.run('run', async () => {
      const v = await client.request('reconcile.run', wallet === '' ? { date } : { date, wallet });
      setView(v);
      setMessages(new Map());
      const open = openCount(v);
      return open === 0 ? m('mgr.reconcile.allMatched', { date: v.date }) : m('mgr.reconcile.openItems', { n: open, date: v.date });
    });
  };

  const query = (item: ReconcileItemView) =>
    void action.run(`query-${itemId(item)}`, async () => {
      let text: string;
      try {
        text = await queryItem(client, item);
      } catch (e) {
        text = m('mgr.reconcile.queryFailed', { message: errorText(e) });
      }
      setMessages((old) => new Map(old).set(itemId(item), text));
      return null;
    });

  const openResolve = (item: ReconcileItemView) => {
    setResolving(item);
    setReason('');
    setDialogError(null);
  };
  const resolve = () => {
    const item = resolving;
    if (!view || !item) return;
    void action.run(`resolve-${itemId(item)}`, async () => {
        try {
          const next = await resolveItem(client, view, item, reason);
          setView(next);
          setResolving(null);
          return m('mgr.reconcile.resolved', { key: item.key });
        } catch (e) {
          // Keep the dialog open with the reason typed so far; say why here.
          setDialogError(e instanceof ResolveInputError ? m(e.reasonKey) : errorText(e));
          return null;
        }
    });
  };

  const items = view ? orderItems(view.items).filter((i) => showMatched || i.status !== 'matched') : [];
  const busy = action.busy !== null;

  return (
    <section className="panel mgr-panel" data-testid={MTID.reconcilePanel} aria-busy={busy}>
      <div className="section-head">
        <h2>{m('mgr.reconcile.title')}</h2>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.reconcileResult} onDismiss={() => action.setOutcome(null)} dismissLabel={m('mgr.common.dismiss')} />
      <form className="mgr-toolbar" onSubmit={runReconcile}>
        <label className="field-label">
          {m('mgr.reports.date')}
          <input className="input" type="date" value={date} disabled={busy} data-testid={MTID.reconcileDate} onChange={(e) => setDate(e.target.value)} />
        </label>
        <label className="field-label">
          {m('mgr.reconcile.wallet')}
          <select className="input" value={wallet} disabled={busy} data-testid={MTID.reconcileWallet} onChange={(e) => setWallet(e.target.value as WalletChoice)}>
            <option value="">{m('mgr.reconcile.allWallets')}</option>
            <option value="alipay">{t('method.alipay')}</option>
            <option value="wechat">{t('method.wechat')}</option>
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={MTID.reconcileRun}>
          {action.busy === 'run' ? m('mgr.reconcile.running') : m('mgr.reconcile.run')} <kbd>Enter</kbd>
        </button>
      </form>

      {view === null ? (
        <p className="muted">{m('mgr.reconcile.hint')}</p>
      ) : (
        <>
          <table className="working mgr-table" data-testid={MTID.reconcileProviders}>
            <caption>{m('mgr.reconcile.summary', { date: view.date })}</caption>
            <thead>
              <tr>
                <th scope="col">{m('mgr.col.provider')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.billRows')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.status.matched')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.status.missingLocally')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.status.missingAtProvider')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.status.amountMismatch')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.localTotal')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.providerTotal')}</th>
              </tr>
            </thead>
            <tbody>
              {view.providers.length === 0 ? (
                <tr>
                  <td colSpan={8} className="muted">
                    {m('mgr.common.none')}
                  </td>
                </tr>
              ) : null}
              {view.providers.map((p) => {
                const problems = p.missingLocally + p.missingAtProvider + p.amountMismatch;
                return (
                  <tr key={p.provider} className={problems > 0 ? 'flagged' : undefined} data-testid={MTID.reconcileProvider(p.provider)}>
                    <th scope="row">{t(`method.${p.provider}`)}</th>
                    <td className="num">{p.billRows}</td>
                    <td className="num">{p.matched}</td>
                    <td className={p.missingLocally > 0 ? 'num flag-cell' : 'num'}>{p.missingLocally}</td>
                    <td className={p.missingAtProvider > 0 ? 'num flag-cell' : 'num'}>{p.missingAtProvider}</td>
                    <td className={p.amountMismatch > 0 ? 'num flag-cell' : 'num'}>{p.amountMismatch}</td>
                    <td className="num">{money(p.localTotal)}</td>
                    <td className={p.localTotal !== p.providerTotal ? 'num flag-cell' : 'num'}>{money(p.providerTotal)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>

          <div className="mgr-toolbar">
            <strong data-testid={MTID.reconcileOpenCount}>{m('mgr.reconcile.openCount', { n: openCount(view) })}</strong>
            <span className="spacer" />
            <label className="mgr-check">
              <input type="checkbox" checked={showMatched} data-testid={MTID.reconcileShowMatched} onChange={(e) => setShowMatched(e.target.checked)} />
              {m('mgr.reconcile.showMatched')}
            </label>
          </div>

          <table className="working mgr-table mgr-items" data-testid={MTID.reconcileItems}>
            <thead>
              <tr>
                <th scope="col">{m('mgr.reconcile.status')}</th>
                <th scope="col">{m('mgr.col.provider')}</th>
                <th scope="col">{m('mgr.reconcile.kind')}</th>
                <th scope="col">{m('mgr.reconcile.key')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.local')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.atProvider')}</th>
                <th scope="col" className="num">{m('mgr.reconcile.difference')}</th>
                <th scope="col">{m('mgr.reconcile.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.length === 0 ? (
                <tr>
                  <td colSpan={8} className="muted">
                    {m('mgr.reconcile.noItems')}
                  </td>
                </tr>
              ) : null}
              {items.map((item) => {
                const id = itemId(item);
                const diff = difference(item);
                const said = messages.get(id);
                const open = isOpen(item);
                return (
                  <tr
                    key={id}
                    className={open ? `rc-${item.status} rc-open` : `rc-${item.status}`}
                    data-testid={MTID.reconcileItem(item.provider, item.key)}
                    data-status={item.status}
                    data-resolved={item.resolved ? 'true' : 'false'}
                  >
                    <td>
                      <span className={`rc-status rc-status-${item.status}`}>{m(STATUS_KEYS[item.status])}</span>
                      {item.resolved ? (
                        <p className="rc-resolved">
                          {m('mgr.reconcile.resolvedBy', { by: item.resolved.by, at: formatDateTime(item.resolved.at), reason: item.resolved.reason })}
                        </p>
                      ) : null}
                    </td>
                    <td>{t(`method.${item.provider}`)}</td>
                    <td>{m(item.kind === 'payment' ? 'mgr.reconcile.payment' : 'mgr.reconcile.refund')}</td>
                    <td className="mono">
                      {item.key}
                      {said !== undefined ? (
                        <p className="rc-said" role="status" data-testid={MTID.reconcileMessage(item.provider, item.key)}>
                          {m('mgr.reconcile.walletSaid', { message: said })}
                        </p>
                      ) : null}
                    </td>
                    <td className="num">{money(item.local)}</td>
                    <td className="num">{money(item.atProvider)}</td>
                    <td className={diff !== null && diff !== 0 ? 'num flag-cell' : 'num'}>{diff === null ? '—' : `${diff > 0 ? '+' : diff < 0 ? '−' : ''}${money(Math.abs(diff))}`}</td>
                    <td>
                    <div className="rc-actions">
                      {item.status !== 'matched' ? (
                        <>
                          <button type="button" className="btn btn-small" disabled={busy} data-testid={MTID.reconcileQuery(item.provider, item.key)} onClick={() => query(item)}>
                            {m('mgr.reconcile.query')}
                          </button>
                          {item.resolved === null ? (
                            <button type="button" className="btn btn-small" disabled={busy} data-testid={MTID.reconcileResolve(item.provider, item.key)} onClick={() => openResolve(item)}>
                              {m('mgr.reconcile.resolve')}
                            </button>
                          ) : null}
                        </>
                      ) : null}
                    </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}

      {resolving !== null && view !== null ? (
        <Dialog
          title={m('mgr.reconcile.resolveTitle', { key: resolving.key })}
          onClose={() => setResolving(null)}
          onConfirm={resolve}
          confirmLabel={m('mgr.reconcile.resolve')}
          confirmDisabled={busy}
          error={dialogError}
          testId={MTID.reconcileResolveDialog}
        >
          <p>
            {m(STATUS_KEYS[resolving.status])} · {t(`method.${resolving.provider}`)} · {m('mgr.reconcile.local')} {money(resolving.local)} · {m('mgr.reconcile.atProvider')} {money(resolving.atProvider)}
          </p>
          <p className="hint">{m('mgr.reconcile.resolveHint')}</p>
          <ReasonField value={reason} onChange={setReason} presets={RESOLVE_PRESETS} label={m('mgr.reconcile.reason')} />
        </Dialog>
      ) : null}
    </section>
  );
}
