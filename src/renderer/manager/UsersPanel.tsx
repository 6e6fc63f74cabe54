// The Users tab (issue 7 §1, §8): who may log in at this terminal and with what role; add a
// user (name, role, PIN typed twice), change a role, reset a PIN, disable / enable, unlock after
// a lockout (all users.update). Under it the Audit box: "Check the journal" runs kassa verify's
// checks (journal.verify) and shows that the chain is intact or the first problems.
//
// Decisions a caller must know:
// - Every change answers the user as stored; it replaces the row (users-model.ts). The list is
//   read again after a reconnect.
// - PINs are never shown or kept after the request: the fields are cleared whatever the answer.
// - The first user added ends setup mode: from then on the terminal asks for a log-in (the
//   hint above the form says so while no users exist).
import { useEffect, useRef, useState, type FormEvent, type JSX, type RefObject } from 'react';
import type { JournalCheckView, Role, UserView } from '../../shared/api.ts';
import { PERMISSION_LABELS, ROLE_LABELS, ROLES, isPermission } from '../../domain/permissions.ts';
import { usePos } from '../app/pos-context.tsx';
import { errorText } from '../client/pos-client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { pinFromInput, PIN_MAX } from '../components/pin-model.ts';
import { useNow } from '../app/hooks.ts';
import { formatClock } from '../format.ts';
import { formatDateTime } from './dates.ts';
import { useManagerText } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';
import { OutcomeBanner, useAction } from './parts.tsx';
import { isLocked, newUserParams, resetPinParams, upsertUser } from './users-model.ts';
import './manager.css';

function PinField({
  label,
  value,
  onChange,
  testId,
  inputRef,
}: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (v: string) => void;
  readonly testId: string;
  readonly inputRef?: RefObject<HTMLInputElement | null>;
}) {
  return (
    <label className="field-label">
      {label}
      <input ref={inputRef} className="input input-pin" type="password" inputMode="numeric" autoComplete="new-password" maxLength={PIN_MAX} value={value} data-testid={testId} onChange={(e) => onChange(pinFromInput(e.target.value))} />
    </label>
  );
}

export function UsersPanel(): JSX.Element {
  const { client, epoch, language } = usePos();
  const m = useManagerText();
  const action = useAction();
  const now = useNow(true, 30_000);
  const [users, setUsers] = useState<readonly UserView[] | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('cashier');
  const [pin, setPin] = useState('');
  const [pinAgain, setPinAgain] = useState('');
  const [pinFor, setPinFor] = useState<UserView | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let stale = false;
    client.request('users.list', {}).then(
      (list) => {
        if (!stale) setUsers([...list].sort((a, b) => a.name.localeCompare(b.name)));
      },
      (e: unknown) => {
        if (!stale) action.setOutcome({ ok: false, text: errorText(e) });
      },
    );
    return () => {
      stale = true;
    };
    // action.setOutcome is a state setter (stable); the list is read again after a reconnect.
  }, [client, epoch]);

  const roleLabel = (r: Role) => ROLE_LABELS[language][r];
  const stored = (u: UserView) => setUsers((list) => upsertUser(list ?? [], u));

  const add = (e: FormEvent) => {
    e.preventDefault();
    const built = newUserParams({ name, role, pin, pinAgain });
    if (!built.ok) {
      action.setOutcome({ ok: false, text: m(built.error) });
      if (built.error === 'mgr.users.pinMismatch') {
        setPin('');
        setPinAgain('');
        pinRef.current?.focus();
      } else if (built.error !== 'mgr.users.pinShape') nameRef.current?.focus();
      return;
    }
    setPin('');
    setPinAgain('');
    void action
      .run('add', async () => {
        const u = await client.request('users.add', built.value);
        stored(u);
        return m('mgr.users.added', { name: u.name, role: roleLabel(u.role) });
      })
      .then((ok) => {
        if (!ok) return;
        setName('');
        nameRef.current?.focus();
      });
  };

  const update = (u: UserView, change: { role?: Role; active?: boolean; unlock?: true }, done: (u: UserView) => string) =>
    void action.run(`update-${u.id}`, async () => {
      const next = await client.request('users.update', { id: u.id, ...change });
      stored(next);
      return done(next);
    });

  const busy = action.busy !== null;
  return (
    <section className="panel mgr-panel" data-testid={MTID.usersPanel} aria-busy={busy}>
      <div className="section-head">
        <h2>{m('mgr.users.title')}</h2>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.usersResult} onDismiss={() => action.setOutcome(null)} dismissLabel={m('mgr.common.dismiss')} />
      {users === null ? <p className="muted">{m('mgr.common.loading')}</p> : null}
      {users !== null && users.length === 0 ? <p className="hint">{m('mgr.users.none')}</p> : null}
      {users !== null && users.length > 0 ? (
        <table className="working mgr-table" data-testid={MTID.usersList}>
          <thead>
            <tr>
              <th scope="col">{m('mgr.users.name')}</th>
              <th scope="col">{m('mgr.users.role')}</th>
              <th scope="col">{m('mgr.users.state')}</th>
              <th scope="col">{m('mgr.users.created')}</th>
              <th scope="col">{m('mgr.reconcile.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const locked = isLocked(u, now);
              const permissions = u.permissions.map((p) => (isPermission(p) ? PERMISSION_LABELS[language][p] : p)).join(', ');
              return (
                <tr key={u.id} className={!u.active ? 'inactive' : locked ? 'flagged' : undefined} data-testid={MTID.usersRow(u.id)} data-active={u.active ? 'true' : 'false'} data-locked={locked ? 'true' : 'false'}>
                  <th scope="row">
                    {u.name}
                    <span className="muted mono user-id"> {u.id}</span>
                  </th>
                  <td>
                    <select
                      className="input input-compact"
                      value={u.role}
                      disabled={busy}
                      title={permissions}
                      aria-label={m('mgr.users.roleOf', { name: u.name })}
                      data-testid={MTID.usersRole(u.id)}
                      onChange={(e) => {
                        const r = e.target.value as Role;
                        if (r !== u.role) update(u, { role: r }, (n) => m('mgr.users.roleChanged', { name: n.name, role: roleLabel(n.role) }));
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {roleLabel(r)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <span className={u.active ? 'chip-status ok' : 'chip-status warn'}>{m(u.active ? 'mgr.users.active' : 'mgr.users.disabled')}</span>
                    {locked && u.lockedUntil !== null ? <span className="chip-status bad">{m('mgr.users.lockedUntil', { time: formatClock(u.lockedUntil) })}</span> : null}
                  </td>
                  <td>{u.createdAt === '' ? '—' : formatDateTime(u.createdAt)}</td>
                  <td>
                    <div className="rc-actions">
                    <button type="button" className="btn btn-small" disabled={busy} data-testid={MTID.usersPin(u.id)} onClick={() => setPinFor(u)}>
                      {m('mgr.users.resetPin')}
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={busy}
                      data-testid={MTID.usersToggle(u.id)}
                      onClick={() => update(u, { active: !u.active }, (n) => m(n.active ? 'mgr.users.enabledDone' : 'mgr.users.disabledDone', { name: n.name }))}
                    >
                      {m(u.active ? 'mgr.users.disable' : 'mgr.users.enable')}
                    </button>
                    {locked ? (
                      <button type="button" className="btn btn-small" disabled={busy} data-testid={MTID.usersUnlock(u.id)} onClick={() => update(u, { unlock: true }, (n) => m('mgr.users.unlocked', { name: n.name }))}>
                        {m('mgr.users.unlock')}
                      </button>
                    ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}

      <div className="mgr-columns">
        <form className="shift-form" data-testid={MTID.usersAddForm} onSubmit={add}>
          <h3>{m('mgr.users.addTitle')}</h3>
          {users !== null && users.length === 0 ? <p className="hint">{m('mgr.users.firstHint')}</p> : null}
          <label className="field-label">
            {m('mgr.users.name')}
            <input ref={nameRef} className="input" type="text" maxLength={40} autoComplete="off" value={name} data-testid={MTID.usersAddName} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field-label">
            {m('mgr.users.role')}
            <select className="input" value={role} data-testid={MTID.usersAddRole} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          </label>
          <PinField label={m('mgr.users.pin')} value={pin} onChange={setPin} testId={MTID.usersAddPin} inputRef={pinRef} />
          <PinField label={m('mgr.users.pinAgain')} value={pinAgain} onChange={setPinAgain} testId={MTID.usersAddPinAgain} />
          <div className="form-buttons">
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid={MTID.usersAddSubmit}>
              {m('mgr.users.add')} <kbd>Enter</kbd>
            </button>
          </div>
        </form>
        <AuditBox />
      </div>

      {pinFor !== null ? (
        <ResetPinDialog
          user={pinFor}
          busy={busy}
          onClose={() => setPinFor(null)}
          onSubmit={(params) =>
            void action
              .run(`pin-${pinFor.id}`, async () => {
                const n = await client.request('users.update', params);
                stored(n);
                return m('mgr.users.pinReset', { name: n.name });
              })
              .then((ok) => {
                if (ok) setPinFor(null);
              })
          }
        />
      ) : null}
    </section>
  );
}

function ResetPinDialog({
  user,
  busy,
  onClose,
  onSubmit,
}: {
  readonly user: UserView;
  readonly busy: boolean;
  readonly onClose: () => void;
  readonly onSubmit: (params: { id: string; pin?: string }) => void;
}) {
  const m = useManagerText();
  const [pin, setPin] = useState('');
  const [pinAgain, setPinAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const confirm = () => {
    const built = resetPinParams(user.id, pin, pinAgain);
    setPin('');
    setPinAgain('');
    if (!built.ok) {
      setError(m(built.error));
      // Both fields were cleared: start again at the first one.
      firstRef.current?.focus();
      return;
    }
    setError(null);
    onSubmit(built.value);
  };
  return (
    <Dialog title={m('mgr.users.resetPinTitle', { name: user.name })} onClose={onClose} onConfirm={confirm} confirmLabel={m('mgr.users.resetPin')} confirmDisabled={busy} error={error} testId={MTID.usersPinDialog}>
      <PinField label={m('mgr.users.newPin')} value={pin} onChange={setPin} testId={MTID.usersPinNew} inputRef={firstRef} />
      <PinField label={m('mgr.users.pinAgain')} value={pinAgain} onChange={setPinAgain} testId={MTID.usersPinAgain} />
    </Dialog>
  );
}

function AuditBox() {
  const { client } = usePos();
  const m = useManagerText();
  const action = useAction();
  const [check, setCheck] = useState<JournalCheckView | null>(null);
  const run = () =>
    void action.run('verify', async () => {
      setCheck(null);
      setCheck(await client.request('journal.verify', {}));
      return null;
    });
  return (
    <section className="shift-form audit-box" data-testid={MTID.auditBox}>
      <h3>{m('mgr.audit.title')}</h3>
      <p className="hint">{m('mgr.audit.hint')}</p>
      <div className="form-buttons">
        <button type="button" className="btn btn-primary" disabled={action.busy !== null} data-testid={MTID.auditRun} onClick={run}>
          {action.busy !== null ? m('mgr.audit.running') : m('mgr.audit.run')}
        </button>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.auditError} />
      {check !== null ? (
        <div className={check.ok ? 'audit-result ok' : 'audit-result bad'} role={check.ok ? 'status' : 'alert'} data-testid={MTID.auditResult} data-ok={check.ok ? 'true' : 'false'}>
          <strong>{check.ok ? m('mgr.audit.ok', { rows: check.journalRows, sales: check.sales }) : m('mgr.audit.bad', { rows: check.journalRows, sales: check.sales })}</strong>
          {check.problems.length > 0 ? (
            <ol>
              {check.problems.map((p, i) => (
                <li key={`${i}-${p}`} data-testid={MTID.auditProblem(i + 1)}>
                  {p}
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
