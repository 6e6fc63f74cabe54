// The approval dialog (issue 7 §1): drawn over whatever screen asked, whenever the approving
// client (client/approving-client.ts) holds a request the core wants approved. Title: what needs
// approving (the permission's label); a list of the users who hold that permission; the PIN pad.
// Enter sends the same request again with the approval; a wrong PIN shows the core's message and
// clears the PIN for another try; Esc cancels (the request is not done).
import { useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import type { UserChoice } from '../../shared/api.ts';
import { useNow } from '../app/hooks.ts';
import { usePos } from '../app/pos-context.tsx';
import { useSession } from '../app/session.tsx';
import type { PendingApproval } from '../client/approving-client.ts';
import { approversFor, firstChoosable, isLocked, moveChoice, permissionLabel } from '../client/session-model.ts';
import { TID } from '../testids.ts';
import { Dialog } from './Dialog.tsx';
import { PinPad } from './PinPad.tsx';
import { pinComplete } from './pin-model.ts';
import { UserPicker } from './UserPicker.tsx';

/** Mount once per surface that can need approvals (cashier, manager). */
export function ApprovalHost() {
  const { approvals } = usePos();
  const pending = useSyncExternalStore(
    (listener) => approvals.subscribe(listener),
    () => approvals.pending,
  );
  const session = useSession();
  if (pending === null) return null;
  return <ApprovalDialog key={pending.id} pending={pending} users={approversFor(session.view?.users ?? [], pending.permission)} />;
}

function ApprovalDialog({ pending, users }: { readonly pending: PendingApproval; readonly users: readonly UserChoice[] }) {
  const { approvals, t, language } = usePos();
  const now = useNow(true, 5000);
  const [selected, setSelected] = useState(() => firstChoosable(users, Date.now()));
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const user = users[selected] ?? null;

  const confirm = () => {
    if (pending.busy) return;
    if (!user || isLocked(user, Date.now())) {
      setProblem(t('approval.chooseUser'));
      return;
    }
    if (!pinComplete(pin)) {
      setProblem(t('pin.tooShort'));
      return;
    }
    setProblem(null);
    void approvals.submit({ userId: user.id, pin }).then(() => setPin(''));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && users.length > 0) {
      e.preventDefault();
      e.stopPropagation();
      setSelected((i) => moveChoice(users, i, e.key === 'ArrowDown' ? 1 : -1, Date.now()));
    }
  };

  return (
    <Dialog
      title={t('approval.title', { what: permissionLabel(pending.permission, language) })}
      onClose={() => approvals.cancel()}
      onConfirm={confirm}
      confirmLabel={t('approval.approve')}
      confirmDisabled={pending.busy}
      error={problem ?? pending.error}
      testId={TID.approvalDialog}
      wide
      confirmTestId={TID.approvalConfirm}
    >
      <div className="approval" data-approval={pending.permission} onKeyDown={onKeyDown}>
        <div className="approval-who">
          <p className="approval-why" data-testid={TID.approvalMessage}>
            {pending.message}
          </p>
          {users.length === 0 ? (
            <p className="field-error">{t('approval.nobody')}</p>
          ) : (
            <>
              <p className="muted">{t('approval.who')}</p>
              <UserPicker users={users} selected={selected} onSelect={setSelected} now={now} />
            </>
          )}
        </div>
        <PinPad value={pin} onChange={setPin} label={user ? t('approval.pinOf', { name: user.name }) : t('pin.label')} disabled={pending.busy} testId={TID.approvalPin} />
      </div>
      <p className="hint">{t('approval.keys')}</p>
    </Dialog>
  );
}
