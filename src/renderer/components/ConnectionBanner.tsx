// Says so, on every surface, while the channel to the core is down (browser mode reconnects by
// itself; requests made meanwhile wait or fail with the core's "unavailable").
import { usePos } from '../app/pos-context.tsx';
import { TID } from '../testids.ts';

export function ConnectionBanner() {
  const { connection, t } = usePos();
  if (connection === 'open') return null;
  return (
    <div className="banner banner-error connection" role="alert" data-testid={TID.connectionLost}>
      {connection === 'connecting' ? t('conn.connecting') : t('conn.offline')}
    </div>
  );
}
