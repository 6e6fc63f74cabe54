// The manager screen's Shift tab (issue 7 §2): open a shift with a counted float (by
// denomination on the count sheet, or as one amount), paid-in and paid-out with a reason, the
// open shift's summary, and the close with a BLIND count: the expected figure is never on this
// screen before the core has stored the count; then the core's ShiftCloseView shows counted,
// expected, over/short and the working lines a manager can check.
//
// Decisions a caller must know:
// - The shift comes from the session (app/session.tsx): every change here is answered with a
//   SessionView and pushed as the 'session' event, so another surface's change shows too.
// - Requests needing a permission the operator lacks get the approval dialog by themselves
//   (client/approving-client.ts); a refusal is shown as the core wrote it.
// - Counts are checked here only to name a bad row in the surface's language (cash-count.ts);
//   the core checks again and nothing is stored when it refuses.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DenominationView, ShiftCloseView, ShiftSummaryView } from '../../shared/api.ts';
import { usePos } from '../app/pos-context.tsx';
import { useSession } from '../app/session.tsx';
import { errorText } from '../client/pos-client.ts';
import { overShortKind, readCount, type CountReading, type CountTexts } from '../components/cash-count.ts';
import { DenominationGrid } from '../components/DenominationGrid.tsx';
import { ReasonField } from '../components/ReasonField.tsx';
import { formatAmount, formatClock, parseAmount, parsePrice } from '../format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { Translate } from '../i18n/i18n.ts';
import { TID } from '../testids.ts';

type Outcome = { readonly ok: boolean; readonly text: string } | null;

/** The first bad row of a count, as a sentence; null when every row reads. */
function countProblem(reading: CountReading, t: Translate): string | null {
  const p = reading.problems[0];
  return p ? t('count.invalid', { label: p.label, text: p.text }) : null;
}

/** "+¥10.00" / "−¥5.00": a working line's sign is part of what a manager checks. */
function signed(amount: number, currency: string): string {
  return `${amount < 0 ? '−' : '+'}${formatAmount(Math.abs(amount), currency)}`;
}

export function ShiftPanel() {
  const { client, info, t } = usePos();
  const session = useSession();
  const [denominations, setDenominations] = useState<readonly DenominationView[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [closed, setClosed] = useState<ShiftCloseView | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let stale = false;
    client.request('shift.denominations', {}).then(
      (d) => {
        if (!stale) setDenominations(d);
      },
      (e: unknown) => {
        if (!stale) setOutcome({ ok: false, text: errorText(e) });
      },
    );
    return () => {
      stale = true;
    };
  }, [client]);

  /** Runs a request; the outcome line says what happened. Resolves true when it was done. */
  const act = async (run: () => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setOutcome(null);
    try {
      setOutcome({ ok: true, text: await run() });
      return true;
    } catch (e) {
      setOutcome({ ok: false, text: errorText(e) });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const view = session.view;
  const shift = view?.shift ?? null;
  const currency = info.currency;

  return (
    <section className="panel shift-panel" data-testid={TID.shiftPanel} data-shift={shift ? 'open' : 'closed'}>
      {outcome ? (
        <p className={outcome.ok ? 'banner banner-info' : 'banner banner-error'} role={outcome.ok ? 'status' : 'alert'} data-testid={TID.shiftResult}>
          {outcome.text}
        </p>
      ) : null}
      {view === null ? (
        <p className="muted">{session.error ?? t('app.connecting')}</p>
      ) : closed ? (
        <CloseResult result={closed} currency={currency} onDone={() => setClosed(null)} />
      ) : shift === null ? (
        <OpenShift
          denominations={denominations}
          currency={currency}
          busy={busy}
          onOpen={(params) =>
            act(async () => {
              const v = await session.track(() => client.request('shift.open', params));
              return t('shift.opened', { float: formatAmount(v.shift?.float ?? 0, currency) });
            })
          }
          onProblem={(text) => setOutcome({ ok: false, text })}
        />
      ) : (
        <>
          <ShiftSummary shift={shift} currency={currency} />
          <div className="shift-columns">
            <CashMovement
              currency={currency}
              busy={busy}
              onSubmit={(kind, amount, reason) =>
                act(async () => {
                  await session.track(() => client.request('shift.cash', { kind, amount, reason }));
                  return t(kind === 'paid-in' ? 'shift.paidInDone' : 'shift.paidOutDone', { amount: formatAmount(amount, currency), reason });
                })
              }
              onProblem={(text) => setOutcome({ ok: false, text })}
            />
            <CloseShift
              denominations={denominations}
              currency={currency}
              busy={busy}
              onClose={(counts) =>
                act(async () => {
                  const result = await client.request('shift.close', { counts });
                  setClosed(result);
                  session.refresh();
                  return t('shift.closed');
                })
              }
              onProblem={(text) => setOutcome({ ok: false, text })}
            />
          </div>
        </>
      )}
    </section>
  );
}

function ShiftSummary({ shift, currency }: { readonly shift: ShiftSummaryView; readonly currency: string }) {
  const { t } = usePos();
  const rows: readonly [MessageKey, string, string][] = [
    ['shift.openedAt', formatClock(shift.openedAt), 'opened-at'],
    ['shift.openedBy', shift.openedBy, 'opened-by'],
    ['shift.cashier', shift.cashier, 'cashier'],
    ['shift.float', formatAmount(shift.float, currency), 'float'],
    ['shift.paidIn', formatAmount(shift.paidIn, currency), 'paid-in'],
    ['shift.paidOut', formatAmount(shift.paidOut, currency), 'paid-out'],
    ['shift.sales', String(shift.sales), 'sales'],
  ];
  return (
    <div className="shift-summary" data-testid={TID.shiftSummary}>
      <h2>{t('shift.current')}</h2>
      <dl className="facts">
        {rows.map(([label, value, id]) => (
          <div key={id} className="fact">
            <dt>{t(label)}</dt>
            <dd data-testid={TID.shiftFact(id)}>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

type FloatMode = 'count' | 'amount';

function OpenShift({
  denominations,
  currency,
  busy,
  onOpen,
  onProblem,
}: {
  readonly denominations: readonly DenominationView[] | null;
  readonly currency: string;
  readonly busy: boolean;
  readonly onOpen: (params: { counts: Record<string, number> } | { float: number }) => Promise<boolean>;
  readonly onProblem: (text: string) => void;
}) {
  const { t } = usePos();
  const [mode, setMode] = useState<FloatMode>('count');
  const [texts, setTexts] = useState<CountTexts>({});
  const [amount, setAmount] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (mode === 'amount') {
      const parsed = parsePrice(amount, currency);
      if (!parsed.ok) return onProblem(t(parsed.error, parsed.params));
      void onOpen({ float: parsed.value });
      return;
    }
    const reading = readCount(denominations ?? [], texts);
    const problem = countProblem(reading, t);
    if (problem !== null) return onProblem(problem);
    void onOpen({ counts: { ...reading.counts } });
  };

  return (
    <form className="shift-form" data-testid={TID.shiftOpenForm} onSubmit={submit}>
      <h2>{t('shift.openTitle')}</h2>
      <p className="muted">{t('shift.openHint')}</p>
      <div className="segmented" role="group">
        <button type="button" className={mode === 'count' ? 'seg on' : 'seg'} aria-pressed={mode === 'count'} data-testid={TID.floatModeCount} onClick={() => setMode('count')}>
          {t('shift.byDenomination')}
        </button>
        <button type="button" className={mode === 'amount' ? 'seg on' : 'seg'} aria-pressed={mode === 'amount'} data-testid={TID.floatModeAmount} onClick={() => setMode('amount')}>
          {t('shift.oneAmount')}
        </button>
      </div>
      {mode === 'amount' ? (
        <label className="field-label">
          {t('shift.float')} ({currency})
          <input className="input input-amount" type="text" inputMode="decimal" autoComplete="off" value={amount} disabled={busy} data-testid={TID.floatAmount} onChange={(e) => setAmount(e.target.value)} />
        </label>
      ) : denominations === null ? (
        <p className="muted">{t('recent.loading')}</p>
      ) : (
        <DenominationGrid denominations={denominations} currency={currency} texts={texts} onChange={setTexts} disabled={busy} testIdPrefix="float" />
      )}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={TID.shiftOpen}>
          {t('shift.open')} <kbd>Enter</kbd>
        </button>
      </div>
    </form>
  );
}

const CASH_REASONS: Readonly<Record<'paid-in' | 'paid-out', readonly MessageKey[]>> = {
  'paid-in': ['reason.float', 'reason.change', 'reason.manager'],
  'paid-out': ['reason.supplier', 'reason.bank', 'reason.manager'],
};

function CashMovement({
  currency,
  busy,
  onSubmit,
  onProblem,
}: {
  readonly currency: string;
  readonly busy: boolean;
  readonly onSubmit: (kind: 'paid-in' | 'paid-out', amount: number, reason: string) => Promise<boolean>;
  readonly onProblem: (text: string) => void;
}) {
  const { t } = usePos();
  const [kind, setKind] = useState<'paid-in' | 'paid-out'>('paid-out');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const parsed = parseAmount(amount, currency);
    if (!parsed.ok) return onProblem(t(parsed.error, parsed.params));
    const r = reason.trim();
    if (r === '') return onProblem(t('input.reasonMissing'));
    void onSubmit(kind, parsed.value, r.slice(0, 200)).then((done) => {
      if (!done) return;
      setAmount('');
      setReason('');
    });
  };

  return (
    <form className="shift-form" data-testid={TID.cashMovementForm} onSubmit={submit}>
      <h2>{t('shift.cashTitle')}</h2>
      <div className="segmented" role="group">
        <button type="button" className={kind === 'paid-in' ? 'seg on' : 'seg'} aria-pressed={kind === 'paid-in'} data-testid={TID.cashKind('paid-in')} onClick={() => setKind('paid-in')}>
          {t('shift.paidIn')}
        </button>
        <button type="button" className={kind === 'paid-out' ? 'seg on' : 'seg'} aria-pressed={kind === 'paid-out'} data-testid={TID.cashKind('paid-out')} onClick={() => setKind('paid-out')}>
          {t('shift.paidOut')}
        </button>
      </div>
      <label className="field-label">
        {t('shift.amount')} ({currency})
        <input className="input input-amount" type="text" inputMode="decimal" autoComplete="off" value={amount} disabled={busy} data-testid={TID.cashAmount} onChange={(e) => setAmount(e.target.value)} />
      </label>
      <ReasonField value={reason} onChange={setReason} presets={CASH_REASONS[kind]} />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={TID.cashSubmit}>
          {t(kind === 'paid-in' ? 'shift.doPaidIn' : 'shift.doPaidOut')} <kbd>Enter</kbd>
        </button>
      </div>
    </form>
  );
}

function CloseShift({
  denominations,
  currency,
  busy,
  onClose,
  onProblem,
}: {
  readonly denominations: readonly DenominationView[] | null;
  readonly currency: string;
  readonly busy: boolean;
  readonly onClose: (counts: Record<string, number>) => Promise<boolean>;
  readonly onProblem: (text: string) => void;
}) {
  const { t } = usePos();
  const [texts, setTexts] = useState<CountTexts>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy || denominations === null) return;
    const reading = readCount(denominations, texts);
    const problem = countProblem(reading, t);
    if (problem !== null) return onProblem(problem);
    void onClose({ ...reading.counts }).then((done) => {
      if (done) setTexts({});
    });
  };

  return (
    <form className="shift-form" data-testid={TID.shiftCloseForm} onSubmit={submit}>
      <h2>{t('shift.closeTitle')}</h2>
      <p className="muted">{t('shift.blindHint')}</p>
      {denominations === null ? (
        <p className="muted">{t('recent.loading')}</p>
      ) : (
        <DenominationGrid denominations={denominations} currency={currency} texts={texts} onChange={setTexts} disabled={busy} testIdPrefix="close" />
      )}
      <div className="form-buttons">
        <button type="submit" className="btn btn-danger" disabled={busy || denominations === null} data-testid={TID.shiftClose}>
          {t('shift.close')} <kbd>Enter</kbd>
        </button>
      </div>
    </form>
  );
}

function CloseResult({ result, currency, onDone }: { readonly result: ShiftCloseView; readonly currency: string; readonly onDone: () => void }) {
  const { t } = usePos();
  const kind = overShortKind(result.overShort);
  const doneRef = useRef<HTMLButtonElement>(null);
  useEffect(() => doneRef.current?.focus(), []);
  const overShortText = kind === 'even' ? t('shift.even') : t(kind === 'short' ? 'shift.short' : 'shift.over', { amount: formatAmount(Math.abs(result.overShort), currency) });
  return (
    <div className="close-result" data-testid={TID.shiftCloseResult} data-over-short={kind}>
      <h2>{t('shift.closedTitle')}</h2>
      <dl className="facts facts-big">
        <div className="fact">
          <dt>{t('shift.counted')}</dt>
          <dd data-testid={TID.shiftCounted}>{formatAmount(result.counted, currency)}</dd>
        </div>
        <div className="fact">
          <dt>{t('shift.expected')}</dt>
          <dd data-testid={TID.shiftExpected}>{formatAmount(result.expected, currency)}</dd>
        </div>
        <div className={`fact over-short ${kind}`}>
          <dt>{t('shift.overShort')}</dt>
          <dd data-testid={TID.shiftOverShort}>{overShortText}</dd>
        </div>
      </dl>
      <h3>{t('shift.working')}</h3>
      <table className="working" data-testid={TID.shiftWorking}>
        <tbody>
          {result.working.map((w, i) => (
            <tr key={`${i}-${w.label}`}>
              <th scope="row">{w.label}</th>
              <td className="num">{signed(w.amount, currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('shift.expected')}</th>
            <td className="num">{formatAmount(result.expected, currency)}</td>
          </tr>
        </tfoot>
      </table>
      <div className="form-buttons">
        <button ref={doneRef} type="button" className="btn btn-primary" data-testid={TID.shiftCloseDone} onClick={onDone}>
          {t('shift.done')}
        </button>
      </div>
    </div>
  );
}
