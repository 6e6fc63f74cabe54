// F10 with no sale open: open the drawer without a sale (change for a customer, a float top-up).
// The core journals it with the reason and needs 'drawer.no-sale', so a cashier without it gets
// the approval dialog over this one (client/approving-client.ts); a refusal stays in the error
// banner with this dialog still open.
import { useState } from 'react';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { TID } from '../testids.ts';

const NO_SALE_REASONS: readonly MessageKey[] = ['reason.change', 'reason.float', 'reason.manager'];

export function NoSaleDialog({ onClose, onOpened, onError }: { readonly onClose: () => void; readonly onOpened: () => void; readonly onError: (message: string) => void }) {
  const { client, t } = usePos();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = () => {
    const r = reason.trim();
    if (r === '') {
      setProblem(t('input.reasonMissing'));
      return;
    }
    setProblem(null);
    setBusy(true);
    client
      .request('devices.openDrawer', { reason: r.slice(0, 200) })
      .then(onOpened, (e: unknown) => onError(errorText(e)))
      .finally(() => setBusy(false));
  };
  return (
    <Dialog title={t('noSale.title')} onClose={onClose} onConfirm={confirm} confirmLabel={t('manager.openDrawer')} confirmDisabled={busy} error={problem} testId={TID.noSaleDialog}>
      <p className="muted">{t('noSale.hint')}</p>
      <ReasonField value={reason} onChange={setReason} presets={NO_SALE_REASONS} />
    </Dialog>
  );
}
