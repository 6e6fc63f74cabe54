// The manager's screen, in tabs: Devices (each device's state live from 'devices' events; test
// print, open the drawer with a reason the core journals, reconnect; the messages the core
// pushed), Shift (ShiftPanel.tsx), and the issue 7 panels (reports, reconciliation, sales
// history, users, store settlement) and issue 8's members, each a component of its own mounted
// from MANAGER_TABS.
//
// Decisions a caller must know:
// - With users on the terminal and nobody logged in, the log-in screen replaces the tabs; the
//   top bar shows who is logged in and Log out. With no users (setup mode) a banner says that
//   anyone can refund and open the drawer, on every tab.
// - The open tab is in the address (#shift), so a reload or a link keeps it. ← → move between
//   tabs when a tab has focus (the WAI-ARIA tabs pattern); Tab then goes into the panel.
// - The notice log lives here, not in the Devices tab, so it keeps what came while another tab
//   was open.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactElement } from 'react';
import type { DeviceView, Notice } from '../../shared/api.ts';
import { useLiveView } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { useSession } from '../app/session.tsx';
import { errorText } from '../client/pos-client.ts';
import { loginNeeded, setupMode } from '../client/session-model.ts';
import { ConnectionBanner } from '../components/ConnectionBanner.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { LoginScreen } from '../components/LoginScreen.tsx';
import { OperatorBadge } from '../components/OperatorBadge.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import { TrainingBadge } from '../components/TrainingBadge.tsx';
import { severityOf, sortDevices } from '../devices.ts';
import { formatClock } from '../format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { TID } from '../testids.ts';
import { SyncStatusChip, useSync } from '../components/SyncStatus.tsx';
import { MembersPanel } from './MembersPanel.tsx';
import { ReconcilePanel } from './ReconcilePanel.tsx';
import { ReportsPanel } from './ReportsPanel.tsx';
import { SalesHistoryPanel } from './SalesHistoryPanel.tsx';
import { SettlementPanel } from './SettlementPanel.tsx';
import { ShiftPanel } from './ShiftPanel.tsx';
import { UsersPanel } from './UsersPanel.tsx';

const MAX_LOG = 50;

export type ManagerTabId = 'devices' | 'shift' | 'reports' | 'reconcile' | 'history' | 'members' | 'users' | 'store';

export interface ManagerTab {
  readonly id: ManagerTabId;
  readonly label: MessageKey;
  readonly render: (shared: { readonly log: readonly Notice[] }) => ReactElement;
}

/** The tabs in order; a panel is one import and one line here, its label 'manager.tab.<id>'. */
export const MANAGER_TABS: readonly ManagerTab[] = [
  { id: 'devices', label: 'manager.tab.devices', render: ({ log }) => <DevicesTab log={log} /> },
  { id: 'shift', label: 'manager.tab.shift', render: () => <ShiftPanel /> },
  { id: 'reports', label: 'manager.tab.reports', render: () => <ReportsPanel /> },
  { id: 'reconcile', label: 'manager.tab.reconcile', render: () => <ReconcilePanel /> },
  { id: 'history', label: 'manager.tab.history', render: () => <SalesHistoryPanel /> },
  { id: 'members', label: 'manager.tab.members', render: () => <MembersPanel /> },
  { id: 'users', label: 'manager.tab.users', render: () => <UsersPanel /> },
  { id: 'store', label: 'manager.tab.store', render: () => <SettlementPanel /> },
];

function tabFromHash(hash: string): ManagerTabId {
  const id = hash.replace(/^#/, '');
  return MANAGER_TABS.find((tab) => tab.id === id)?.id ?? 'devices';
}

export function ManagerScreen() {
  const { client, info, t } = usePos();
  const session = useSession();
  const sync = useSync();
  const [tab, setTab] = useState<ManagerTabId>(() => tabFromHash(window.location.hash));
  const [log, setLog] = useState<readonly Notice[]>([]);
  const [headerError, setHeaderError] = useState<string | null>(null);
  const tabsRef = useRef<HTMLDivElement>(null);

  useEffect(() => client.on('notice', (n) => setLog((l) => [n, ...l].slice(0, MAX_LOG))), [client]);

  const choose = useCallback((id: ManagerTabId, focus: boolean) => {
    setTab(id);
    window.history.replaceState(null, '', `#${id}`);
    if (focus) tabsRef.current?.querySelector<HTMLButtonElement>(`[data-tab="${id}"]`)?.focus();
  }, []);

  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const at = MANAGER_TABS.findIndex((x) => x.id === tab);
    const n = MANAGER_TABS.length;
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : (at + (e.key === 'ArrowRight' ? 1 : -1) + n) % n;
    const target = MANAGER_TABS[next];
    if (target) choose(target.id, true);
  };

  const needLogin = loginNeeded(session.view);
  const current = MANAGER_TABS.find((x) => x.id === tab) ?? MANAGER_TABS[0];

  return (
    <div className="manager" data-testid={TID.managerScreen} data-session={needLogin ? 'login' : session.view === null && session.error === null ? 'loading' : 'ready'}>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <span className="terminal">
          {t('manager.title')} · {t('app.terminal', { id: info.terminalId })}
        </span>
        <TrainingBadge />
        <SyncStatusChip sync={sync} always />
        <span className="spacer" />
        <nav className="nav">
          <a href="/">{t('nav.cashier')}</a>
          <a href="/customer">{t('nav.customer')}</a>
        </nav>
        <OperatorBadge onError={setHeaderError} />
        <LanguageSwitch />
      </header>
      <ConnectionBanner />
      {headerError !== null ? (
        <div className="banner banner-error" role="alert" data-testid={TID.managerHeaderError}>
          <span className="banner-text">{headerError}</span>
          <button type="button" className="btn btn-small btn-on-dark" onClick={() => setHeaderError(null)}>
            {t('app.dismiss')}
          </button>
        </div>
      ) : null}
      {setupMode(session.view) ? (
        <div className="banner banner-warn" role="status" data-testid={TID.setupBanner}>
          <span className="banner-text">{t('setup.banner')}</span>
        </div>
      ) : null}
      {session.view === null && session.error === null ? (
        <div className="boot">
          <p data-testid={TID.appLoading}>{t('app.connecting')}</p>
        </div>
      ) : needLogin ? (
        <LoginScreen />
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label={t('manager.title')} ref={tabsRef} onKeyDown={onTabKey}>
            {MANAGER_TABS.map((x) => (
              <button
                key={x.id}
                type="button"
                role="tab"
                className={x.id === tab ? 'tab on' : 'tab'}
                aria-selected={x.id === tab}
                tabIndex={x.id === tab ? 0 : -1}
                data-tab={x.id}
                data-testid={TID.managerTab(x.id)}
                onClick={() => choose(x.id, false)}
              >
                {t(x.label)}
              </button>
            ))}
          </div>
          <div className="tab-body" role="tabpanel" data-testid={TID.managerTabPanel(tab)}>
            {current?.render({ log })}
          </div>
        </>
      )}
    </div>
  );
}

type Result = { readonly ok: boolean; readonly text: string } | null;

function DevicesTab({ log }: { readonly log: readonly Notice[] }) {
  const { client, t } = usePos();
  const [result, setResult] = useState<Result>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { value: devices } = useLiveView('devices', () => client.request('devices.list', {}), (message) => setResult({ ok: false, text: message }));

  const act = (what: string, run: () => Promise<string>) => {
    setBusy(what);
    setResult(null);
    run()
      .then(
        (text) => setResult({ ok: true, text }),
        (e: unknown) => setResult({ ok: false, text: errorText(e) }),
      )
      .finally(() => setBusy(null));
  };

  const testPrint = () =>
    act('testPrint', async () => {
      const r = await client.request('devices.testPrint', {});
      return t('manager.testPrintResult', { status: r.detail ? `${r.status} (${r.detail})` : r.status });
    });
  const reconnect = (d: DeviceView) =>
    act(`reconnect:${d.id}`, async () => {
      const r = await client.request('devices.reconnect', { id: d.id });
      return t('manager.reconnected', { device: r.id, state: t(`device.state.${r.state}`) });
    });
  const openDrawer = () => {
    if (reason.trim() === '') {
      setResult({ ok: false, text: t('input.reasonMissing') });
      return;
    }
    setDrawerOpen(false);
    act('drawer', async () => {
      await client.request('devices.openDrawer', { reason: reason.trim() });
      setReason('');
      return t('manager.drawerOpened');
    });
  };

  const list = sortDevices(devices ?? []);
  return (
    <div className="manager-main">
      <section className="device-panel" data-testid={TID.devicePanel}>
        <div className="section-head">
          <h2>{t('manager.devices')}</h2>
          <span className="spacer" />
          <button type="button" className="btn" disabled={busy !== null} data-testid={TID.deviceTestPrint} onClick={testPrint}>
            {t('manager.testPrint')}
          </button>
          <button type="button" className="btn" disabled={busy !== null} data-testid={TID.deviceOpenDrawer} onClick={() => setDrawerOpen(true)}>
            {t('manager.openDrawer')}
          </button>
        </div>
        {result ? (
          <p className={result.ok ? 'banner banner-info' : 'banner banner-error'} role={result.ok ? 'status' : 'alert'} data-testid={TID.managerResult}>
            {result.text}
          </p>
        ) : null}
        {devices !== null && list.length === 0 ? <p className="muted">{t('manager.noDevices')}</p> : null}
        <div className="device-grid">
          {list.map((d) => (
            <article key={d.id} className={`device-card ${severityOf(d.state)}`} data-testid={TID.device(d.id)} data-state={d.state}>
              <div className="device-head">
                <span className="device-type">{t(`device.type.${d.type}`)}</span>
                <span className="device-id">{d.id}</span>
                <span className={`chip-status ${severityOf(d.state)}`} data-testid={TID.deviceState(d.id)}>
                  {t(`device.state.${d.state}`)}
                </span>
              </div>
              <p className="device-address">{d.address}</p>
              {d.detail ? <p className="device-detail">{d.detail}</p> : null}
              <p className="device-facts muted">
                {d.since ? t('manager.since', { time: formatClock(d.since) }) : null}
                {d.warnings > 0 ? ` · ${t('manager.col.warnings')}: ${d.warnings}` : null}
              </p>
              {d.lastWarning ? <p className="device-warning">{t('manager.lastWarning', { text: d.lastWarning })}</p> : null}
              <div className="device-actions">
                <button type="button" className="btn" disabled={busy !== null} data-testid={TID.deviceReconnect(d.id)} onClick={() => reconnect(d)}>
                  {t('manager.reconnect')}
                </button>
              </div>
            </article>
          ))}
        </div>
      </section>
      <section className="notice-log" data-testid={TID.managerNotices}>
        <h2>{t('manager.notices')}</h2>
        {log.length === 0 ? <p className="muted">{t('manager.noNotices')}</p> : null}
        <ul>
          {log.map((n, i) => (
            <li key={`${n.at}-${i}`} className={`log-${n.level}`}>
              <span className="log-time">{formatClock(n.at)}</span> {n.message}
            </li>
          ))}
        </ul>
      </section>
      {drawerOpen ? (
        <Dialog title={t('manager.drawerTitle')} onClose={() => setDrawerOpen(false)} onConfirm={openDrawer} confirmLabel={t('manager.openDrawer')}>
          <ReasonField value={reason} onChange={setReason} presets={['reason.float', 'reason.count', 'reason.manager']} label={t('manager.drawerReason')} />
        </Dialog>
      ) : null}
    </div>
  );
}
