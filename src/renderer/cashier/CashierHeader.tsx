// The cashier's top bar (terminal, training, devices that need attention, who is logged in with
// the Log out button, language, help) and the message banners under it. Every device fault and
// every error is visible here.
import type { CheckoutView, DeviceView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { ConnectionBanner } from '../components/ConnectionBanner.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { OperatorBadge } from '../components/OperatorBadge.tsx';
import { SyncStatusChip, useSync } from '../components/SyncStatus.tsx';
import { TrainingBadge } from '../components/TrainingBadge.tsx';
import { needingAttention, severityOf } from '../devices.ts';
import { notRepeating, type NoticeList } from '../notices.ts';
import { TID } from '../testids.ts';
import type { CashierUi } from './cashier-model.ts';

export function CashierHeader({
  devices,
  printer,
  onHelp,
  onError,
}: {
  readonly devices: readonly DeviceView[];
  readonly printer: CheckoutView['printer'];
  readonly onHelp: () => void;
  /** A refused log-out (a sale is open): shown in the error banner. */
  readonly onError: (message: string) => void;
}) {
  const { info, t } = usePos();
  const sync = useSync();
  const alerts = needingAttention(devices);
  // The checkout's own printer view and the printer device say the same thing: one chip.
  const printerAlert = alerts.find((d) => d.type === 'printer');
  return (
    <header className="topbar">
      <span className="brand">{t('app.name')}</span>
      <span className="terminal">{t('app.terminal', { id: info.terminalId })}</span>
      <TrainingBadge />
      <span className="device-alerts" data-testid={TID.deviceAlerts}>
        {printer?.cannotPrint && !printerAlert ? (
          <span className="chip-status bad" data-testid={TID.printerStatus} title={printer.detail}>
            {t('printer.status', { detail: printer.detail })}
          </span>
        ) : null}
        {alerts.map((d) => (
          <span
            key={d.id}
            className={`chip-status ${severityOf(d.state)}`}
            title={d.detail}
            data-testid={d === printerAlert && printer?.cannotPrint ? TID.printerStatus : undefined}
          >
            {t(`device.type.${d.type}`)}: {t(`device.state.${d.state}`)}
            {d.detail ? ` · ${d.detail}` : ''}
          </span>
        ))}
        <SyncStatusChip sync={sync} />
      </span>
      <span className="spacer" />
      <OperatorBadge onError={onError} />
      <LanguageSwitch />
      <button type="button" className="btn btn-small btn-ghost" tabIndex={-1} onClick={onHelp}>
        <kbd>F1</kbd> {t('key.help')}
      </button>
    </header>
  );
}

export function CashierBanners({
  view,
  ui,
  notices,
  onDismissError,
  onDismissNotice,
}: {
  readonly view: CheckoutView | null;
  readonly ui: CashierUi;
  readonly notices: NoticeList;
  readonly onDismissError: () => void;
  readonly onDismissNotice: (id: number) => void;
}) {
  const { t } = usePos();
  const errors = [view?.error ?? null, ui.clientError].filter((e): e is string => e !== null);
  return (
    <div className="banners">
      <ConnectionBanner />
      {errors.length > 0 && (
        <div className="banner banner-error" role="alert" data-testid={TID.errorBanner}>
          <span className="banner-text">{errors.join(' · ')}</span>
          <button type="button" className="btn btn-small btn-on-dark" tabIndex={-1} data-testid={TID.errorDismiss} onClick={onDismissError}>
            {t('app.dismiss')} <kbd>Esc</kbd>
          </button>
        </div>
      )}
      {view?.notice ? (
        <div className="banner banner-warn" role="status" data-testid={TID.noticeBanner}>
          <span className="banner-text">{view.notice}</span>
        </div>
      ) : null}
      {ui.info ? (
        <div className="banner banner-info" role="status" data-testid={TID.infoBanner}>
          <span className="banner-text">{ui.info}</span>
        </div>
      ) : null}
      {notRepeating(notices.items, [...errors, view?.notice ?? null, ui.info]).map((n) => (
        <div key={n.id} className={`banner banner-${n.level === 'error' ? 'error' : n.level === 'warning' ? 'warn' : 'info'}`} role={n.level === 'info' ? 'status' : 'alert'} data-testid={TID.deviceNotice}>
          <span className="banner-text">
            {n.message}
            {n.count > 1 ? ` ×${n.count}` : ''}
          </span>
          <button type="button" className="btn btn-small btn-ghost" tabIndex={-1} onClick={() => onDismissNotice(n.id)}>
            {t('app.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}
