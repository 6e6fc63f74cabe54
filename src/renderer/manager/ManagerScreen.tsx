// The manager's screen: for now the device panel (each device's state live from 'devices'
// events; test print, open the drawer with a reason the core journals, reconnect) and the
// messages the core pushed. Shift and reports come with roles (#7).
import { useEffect, useState } from 'react';
import type { DeviceView, Notice } from '../../shared/api.ts';
import { useLiveView } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { ConnectionBanner } from '../components/ConnectionBanner.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import { TrainingBadge } from '../components/TrainingBadge.tsx';
import { severityOf, sortDevices } from '../devices.ts';
import { formatClock } from '../format.ts';
import { TID } from '../testids.ts';
import { SyncStatusChip, useSync } from '../components/SyncStatus.tsx';

const MAX_LOG = 50;

type Result = { readonly ok: boolean; readonly text: string } | null;

export function ManagerScreen() {
  const { client, info, t } = usePos();
  const [result, setResult] = useState<Result>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [log, setLog] = useState<readonly Notice[]>([]);
  const sync = useSync();
  const { value: devices } = useLiveView('devices', () => client.request('devices.list', {}), (message) => setResult({ ok: false, text: message }));

  useEffect(() => client.on('notice', (n) => setLog((l) => [n, ...l].slice(0, MAX_LOG))), [client]);

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
    <div className="manager" data-testid={TID.managerScreen}>
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
        <LanguageSwitch />
      </header>
      <ConnectionBanner />
      <main className="manager-main">
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
      </main>
      {drawerOpen ? (
        <Dialog title={t('manager.drawerTitle')} onClose={() => setDrawerOpen(false)} onConfirm={openDrawer} confirmLabel={t('manager.openDrawer')}>
          <ReasonField value={reason} onChange={setReason} presets={['reason.float', 'reason.count', 'reason.manager']} label={t('manager.drawerReason')} />
        </Dialog>
      ) : null}
    </div>
  );
}
