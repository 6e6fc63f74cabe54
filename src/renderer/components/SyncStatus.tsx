// The store sync as the cashier and the manager see it (issue 6): nothing while all is synced,
// a chip while sales wait, the store server is offline or the sync fails, and on the manager
// screen a line with the backlog, the refused items and the last success.
import type { SyncView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { useLiveView } from '../app/hooks.ts';
import { formatClock } from '../format.ts';
import type { Translate } from '../i18n/i18n.ts';
import { TID } from '../testids.ts';

export function useSync(): SyncView | null {
  const { client } = usePos();
  return useLiveView('sync', () => client.request('sync.view', {})).value;
}

function severity(sync: SyncView): 'ok' | 'warn' | 'bad' {
  if (sync.state === 'failing' || sync.deadLetters > 0) return 'bad';
  if (sync.state === 'offline' || sync.backlog > 0) return 'warn';
  return 'ok';
}

export function syncText(sync: SyncView, t: Translate, full: boolean): string {
  const parts = [t(`sync.state.${sync.state}`)];
  if (sync.backlog > 0) parts.push(t('sync.backlog', { count: String(sync.backlog) }));
  if (sync.deadLetters > 0) parts.push(t('sync.deadLetters', { count: String(sync.deadLetters) }));
  if (full && sync.lastSuccessAt) parts.push(t('sync.lastSuccess', { time: formatClock(sync.lastSuccessAt) }));
  if (full && sync.retryInMs !== null) parts.push(t('sync.retryIn', { seconds: String(Math.ceil(sync.retryInMs / 1000)) }));
  return parts.join(' · ');
}

/** The header chip: shown only when something waits or is wrong (`always` on the manager screen). */
export function SyncStatusChip({ sync, always = false }: { readonly sync: SyncView | null; readonly always?: boolean }) {
  const { t } = usePos();
  if (sync === null) return null;
  const level = severity(sync);
  if (level === 'ok' && !always) return null;
  return (
    <span
      className={`chip-status ${level === 'ok' ? 'ok' : level}`}
      title={sync.lastError ?? undefined}
      data-testid={TID.syncStatus}
      data-state={sync.state}
      data-backlog={sync.backlog}
    >
      {t('sync.title')}: {syncText(sync, t, always)}
    </span>
  );
}
