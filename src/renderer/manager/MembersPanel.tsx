// The Members tab (issue 8): find a member by number, card or phone (`members.find`) and see
// who they are, the points they can redeem now and their purchases at this terminal: receipt,
// time, paid, points earned and redeemed, with a totals row.
//
// Decisions a caller must know:
// - The query is checked by members-model.ts (named in the manager's language); the core checks
//   again. Enter in the box searches.
// - A member not found is said plainly with the query and the core's words, and what was shown
//   before is cleared (members-model.ts); other failures are shown as the core wrote them.
// - Purchases are this terminal's only; the note under the table says where all of them are
//   (the store server's `kassa store-server members show`).
import { useRef, useState, type FormEvent, type JSX } from 'react';
import type { MemberHistoryView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { formatAmount } from '../format.ts';
import { formatDateTime } from './dates.ts';
import { useManagerText } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';
import { MEMBER_QUERY_MAX, memberQuery, memberSearchFailure, purchaseTotals } from './members-model.ts';
import { OutcomeBanner, useAction } from './parts.tsx';
import './manager.css';

export function MembersPanel(): JSX.Element {
  const { client, info } = usePos();
  const m = useManagerText();
  const action = useAction();
  const [text, setText] = useState('');
  const [member, setMember] = useState<MemberHistoryView | null>(null);
  const [notFound, setNotFound] = useState<{ readonly text: string; readonly detail: string } | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const built = memberQuery(text);
    if (!built.ok) {
      action.setOutcome({ ok: false, text: m(built.error, built.params) });
      inputRef.current?.focus();
      return;
    }
    const { query } = built.value;
    void action.run('find', async () => {
      setNotFound(null);
      try {
        setMember(await client.request('members.find', built.value));
        return null;
      } catch (error) {
        setMember(null);
        const failure = memberSearchFailure(error, query);
        if (failure.notFound && failure.key !== null) {
          setNotFound({ text: m(failure.key, failure.params), detail: failure.detail });
          return null;
        }
        throw error;
      }
    });
  };

  const money = (minor: number) => formatAmount(minor, info.currency);
  const busy = action.busy !== null;

  return (
    <section className="panel mgr-panel" data-testid={MTID.membersPanel} aria-busy={busy}>
      <div className="section-head">
        <h2>{m('mgr.members.title')}</h2>
      </div>
      <OutcomeBanner outcome={action.outcome} testId={MTID.membersResult} onDismiss={() => action.setOutcome(null)} dismissLabel={m('mgr.common.dismiss')} />
      <form className="mgr-member-search" data-testid={MTID.membersForm} onSubmit={search}>
        <label className="field-label">
          {m('mgr.members.query')}
          <input
            ref={inputRef}
            className="input"
            type="search"
            autoComplete="off"
            spellCheck={false}
            maxLength={MEMBER_QUERY_MAX + 16}
            value={text}
            data-testid={MTID.membersQuery}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={MTID.membersSearch}>
          {m('mgr.members.search')} <kbd>Enter</kbd>
        </button>
      </form>

      {notFound !== null ? (
        <div className="banner banner-warn" role="status" data-testid={MTID.membersNotFound}>
          <span className="banner-text">
            <strong>{notFound.text}</strong> <span className="muted">({notFound.detail})</span>
          </span>
        </div>
      ) : null}

      {member === null ? (
        notFound === null ? <p className="muted">{action.busy === 'find' ? m('mgr.common.loading') : m('mgr.members.hint')}</p> : null
      ) : (
        <MemberDetails member={member} money={money} />
      )}
    </section>
  );
}

function MemberDetails({ member, money }: { readonly member: MemberHistoryView; readonly money: (minor: number) => string }) {
  const m = useManagerText();
  const totals = purchaseTotals(member.purchases);
  const facts: readonly [string, string, string][] = [
    [m('mgr.members.name'), member.name, 'name'],
    [m('mgr.members.number'), member.id, 'number'],
    [m('mgr.members.phone'), member.phone ?? '—', 'phone'],
    [m('mgr.members.status'), member.active ? m('mgr.members.active') : m('mgr.members.inactive'), 'status'],
    [m('mgr.members.points'), String(member.points), 'points'],
  ];
  return (
    <div className="mgr-member" data-testid={MTID.membersDetails} data-member={member.id} data-active={member.active ? 'true' : 'false'}>
      <dl className="facts">
        {facts.map(([label, value, id]) => (
          <div key={id} className="fact">
            <dt>{label}</dt>
            <dd data-testid={MTID.membersFact(id)}>{value}</dd>
          </div>
        ))}
      </dl>
      <h3>{m('mgr.members.purchases')}</h3>
      {member.purchases.length === 0 ? (
        <p className="muted" data-testid={MTID.membersNoPurchases}>
          {m('mgr.members.noPurchases')}
        </p>
      ) : (
        <table className="working mgr-table" data-testid={MTID.membersPurchases}>
          <thead>
            <tr>
              <th scope="col">{m('mgr.history.receipt')}</th>
              <th scope="col">{m('mgr.history.time')}</th>
              <th scope="col" className="num">
                {m('mgr.members.paid')}
              </th>
              <th scope="col" className="num">
                {m('mgr.members.earned')}
              </th>
              <th scope="col" className="num">
                {m('mgr.members.redeemed')}
              </th>
            </tr>
          </thead>
          <tbody>
            {member.purchases.map((p) => (
              <tr key={p.saleId} data-testid={MTID.membersPurchase(p.saleId)}>
                <th scope="row" className="mono">
                  {p.receiptNo}
                </th>
                <td>{formatDateTime(p.completedAt)}</td>
                <td className="num">{money(p.paid)}</td>
                <td className="num">{p.pointsEarned > 0 ? `+${p.pointsEarned}` : '0'}</td>
                <td className="num">{p.pointsRedeemed > 0 ? `−${p.pointsRedeemed}` : '0'}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid={MTID.membersTotals}>
              <th scope="row">{m('mgr.members.total', { count: totals.count })}</th>
              <td />
              <td className="num">{money(totals.paid)}</td>
              <td className="num">{totals.pointsEarned > 0 ? `+${totals.pointsEarned}` : '0'}</td>
              <td className="num">{totals.pointsRedeemed > 0 ? `−${totals.pointsRedeemed}` : '0'}</td>
            </tr>
          </tfoot>
        </table>
      )}
      <p className="hint">{m('mgr.members.thisTerminal')}</p>
    </div>
  );
}
