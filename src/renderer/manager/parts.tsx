// Small pieces the manager panels share: the outcome line under a panel's head and the hook
// that runs one request at a time and says how it went.
import { useCallback, useRef, useState } from 'react';
import { errorText } from '../client/pos-client.ts';

export type Outcome = { readonly ok: boolean; readonly text: string } | null;

export function OutcomeBanner({ outcome, testId, onDismiss, dismissLabel }: { readonly outcome: Outcome; readonly testId: string; readonly onDismiss?: () => void; readonly dismissLabel?: string }) {
  if (outcome === null) return null;
  return (
    <div className={outcome.ok ? 'banner banner-info' : 'banner banner-error'} role={outcome.ok ? 'status' : 'alert'} data-testid={testId} data-ok={outcome.ok ? 'true' : 'false'}>
      <span className="banner-text">{outcome.text}</span>
      {onDismiss ? (
        <button type="button" className={outcome.ok ? 'btn btn-small' : 'btn btn-small btn-on-dark'} onClick={onDismiss}>
          {dismissLabel ?? '×'}
        </button>
      ) : null}
    </div>
  );
}

export interface Action {
  /** What is running (a label the caller chose), or null. */
  readonly busy: string | null;
  readonly outcome: Outcome;
  setOutcome(outcome: Outcome): void;
  /**
   * Runs `job` unless another is running; its answer (a sentence, or null for none) becomes
   * the outcome, a rejection the error outcome. Resolves true when the job succeeded.
   */
  run(what: string, job: () => Promise<string | null>): Promise<boolean>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const running = useRef(false);
  const run = useCallback(async (what: string, job: () => Promise<string | null>) => {
    if (running.current) return false;
    running.current = true;
    setBusy(what);
    setOutcome(null);
    try {
      const text = await job();
      if (text !== null) setOutcome({ ok: true, text });
      return true;
    } catch (e) {
      setOutcome({ ok: false, text: errorText(e) });
      return false;
    } finally {
      running.current = false;
      setBusy(null);
    }
  }, []);
  return { busy, outcome, setOutcome, run };
}
