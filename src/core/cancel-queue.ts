// The durable cancel/close queue (issue 4 §3, ARCHITECTURE.md §3 rule 5): a wallet trade whose
// cancel or close the payment machine could not finish (`cancel-pending` in payment_attempts) is
// retried here with backoff (by default 5 s, 30 s, 2 min, then every 10 min) until it settles
// (cancelled, closed, found paid with its sale, …) or until the cancel window ends (24 h after the
// attempt started), when PaymentService.resolve lists it as `manual` for reconciliation with the
// wallet's bill. Each try is PaymentService.resolve: query first, then cancel or close, the same
// rules as start-up recovery.
//
// Decisions a caller must know:
// - THE DATABASE IS THE QUEUE. Membership is the attempt's state, read from payment_attempts on
//   every pass, so a restart loses nothing: start-up recovery tries every pending attempt once,
//   then `start()` picks them up again. The backoff step of each attempt is kept in memory only
//   (no column for it): after a restart the schedule begins again at the first delay. The window
//   is counted from the attempt's stored creation time, so a restart never extends it.
// - The attempt the running checkout owns (`running()`) is never touched: its payment machine
//   is still working on it (a restored snapshot resumes it by itself).
// - Only `cancel-pending` attempts are handled. An `open` attempt that no machine owns is left
//   to start-up recovery: another process on the same data folder (a command-line tool) could
//   be paying with it right now, and only a pending cancel is known to be nobody else's.
// - The queue learns of a new pending cancel at once from PaymentService.onSettled, and also
//   looks at the table every `everyMs` while idle (a pending attempt written by another process).
// - A try that throws (a wallet no longer configured, a bug) is logged and counted like a failed
//   try; the window still ends it.
// - One pass at a time; a try is given an AbortSignal that stop() fires. Timers and the clock are
//   injectable, so tests drive the schedule with fake timers.
// Hand-written rather than a job-queue library: the queue is a SELECT over a table that already
// exists, with one timer; a library would bring a second store for state SQLite already holds.
import { listAttempts, type PaymentAttempt } from './db/payment-attempts.ts';
import type { Db } from './db/open.ts';
import type { Logger } from './logger.ts';
import type { PaymentService } from './payment-service.ts';
import { DEFAULT_CANCEL_QUEUE, type CancelSchedule } from './payments-config.ts';

export interface QueueTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: QueueTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface CancelQueueOptions {
  readonly service: PaymentService;
  readonly db: Db;
  readonly logger: Logger;
  /** Backoff; the window is the service's (`cancelWindowMs`). Default 5 s, 30 s, 2 min, then every 10 min. */
  readonly schedule?: Pick<CancelSchedule, 'delaysMs' | 'everyMs'>;
  readonly now?: () => Date;
  readonly timers?: QueueTimers;
}

export interface QueuedCancel {
  readonly outTradeNo: string;
  /** Tries made by this queue since it started. */
  readonly tries: number;
  readonly dueAt: Date;
  /** When it becomes manual if it has not settled. */
  readonly windowEndsAt: Date;
}

interface Entry {
  tries: number;
  dueAt: number;
}

export class CancelQueue {
  readonly #service: PaymentService;
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #delays: readonly number[];
  readonly #everyMs: number;
  readonly #now: () => Date;
  readonly #timers: QueueTimers;
  readonly #entries = new Map<string, Entry>();
  #running: () => string | null = () => null;
  #timer: unknown = null;
  #pass: Promise<void> | null = null;
  #abort = new AbortController();
  #started = false;
  #unsubscribe: (() => void) | null = null;

  constructor(options: CancelQueueOptions) {
    this.#service = options.service;
    this.#db = options.db;
    this.#logger = options.logger;
    const schedule = options.schedule ?? { delaysMs: DEFAULT_CANCEL_QUEUE.retrySeconds.map((s) => s * 1000), everyMs: DEFAULT_CANCEL_QUEUE.everyMinutes * 60_000 };
    if (schedule.delaysMs.length === 0 || [...schedule.delaysMs, schedule.everyMs].some((ms) => !Number.isSafeInteger(ms) || ms <= 0)) {
      throw new RangeError(`cancel queue delays must be whole milliseconds above 0, got ${JSON.stringify(schedule)}`);
    }
    this.#delays = schedule.delaysMs;
    this.#everyMs = schedule.everyMs;
    this.#now = options.now ?? (() => new Date());
    this.#timers = options.timers ?? globalTimers;
  }

  /** Starts retrying; `running` names the attempt the running checkout owns (never touched). */
  start(running: () => string | null = () => null): void {
    if (this.#started) return;
    this.#started = true;
    this.#running = running;
    this.#abort = new AbortController();
    this.#unsubscribe = this.#service.onSettled((a) => {
      if (a.state === 'cancel-pending' && !this.#entries.has(a.outTradeNo)) {
        this.#entries.set(a.outTradeNo, { tries: 0, dueAt: this.#clamp(a, this.#nowMs() + this.#delayAfter(0)) });
        this.#logger.info({ outTradeNo: a.outTradeNo, wallet: a.wallet, detail: a.detail }, 'cancel queue: a wallet trade waits for its cancel/close');
        this.#arm();
      }
    });
    this.#sync();
    this.#arm();
  }

  /** Stops the timer, aborts a try in flight and waits for the pass to end. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#disarm();
    this.#abort.abort(new Error('the cancel queue stopped'));
    await this.#pass;
  }

  /** The pending cancels this queue knows, soonest first. */
  pending(): QueuedCancel[] {
    const byNo = new Map(listAttempts(this.#db, 'cancel-pending').map((a) => [a.outTradeNo, a]));
    return [...this.#entries]
      .flatMap(([outTradeNo, e]) => {
        const a = byNo.get(outTradeNo);
        return a ? [{ outTradeNo, tries: e.tries, dueAt: new Date(e.dueAt), windowEndsAt: new Date(this.#service.windowEndsAt(a)) }] : [];
      })
      .sort((x, y) => x.dueAt.getTime() - y.dueAt.getTime());
  }

  /** Tries every pending cancel that is due now (the timer calls this); returns what became of them. */
  async runDue(): Promise<PaymentAttempt[]> {
    while (this.#pass) await this.#pass;
    let results: PaymentAttempt[] = [];
    const pass = (async () => {
      results = await this.#runDue();
    })();
    this.#pass = pass;
    try {
      await pass;
    } finally {
      this.#pass = null;
    }
    return results;
  }

  async #runDue(): Promise<PaymentAttempt[]> {
    const out: PaymentAttempt[] = [];
    const attempts = this.#sync();
    for (const a of attempts) {
      if (this.#abort.signal.aborted) break;
      const e = this.#entries.get(a.outTradeNo);
      if (!e || e.dueAt > this.#nowMs()) continue;
      if (a.outTradeNo === this.#running()) {
        e.dueAt = this.#clamp(a, this.#nowMs() + this.#delayAfter(e.tries));
        continue;
      }
      e.tries += 1;
      let after: PaymentAttempt | null = null;
      try {
        after = await this.#service.resolve(a.outTradeNo, this.#abort.signal);
      } catch (err) {
        this.#logger.error({ outTradeNo: a.outTradeNo, wallet: a.wallet, tries: e.tries, err }, 'cancel queue: the try failed; it is retried');
      }
      if (after && after.state !== 'cancel-pending') {
        this.#entries.delete(a.outTradeNo);
        const fields = { outTradeNo: a.outTradeNo, wallet: a.wallet, state: after.state, tries: e.tries, detail: after.detail };
        if (after.state === 'manual') this.#logger.error(fields, 'cancel queue: gave up; the wallet trade needs manual reconciliation (kassa payments)');
        else this.#logger.info(fields, 'cancel queue: the wallet trade is settled');
        out.push(after);
        continue;
      }
      e.dueAt = this.#clamp(after ?? a, this.#nowMs() + this.#delayAfter(e.tries));
      this.#logger.warn({ outTradeNo: a.outTradeNo, wallet: a.wallet, tries: e.tries, detail: after?.detail ?? a.detail, nextTryAt: new Date(e.dueAt).toISOString() }, 'cancel queue: still pending');
      if (after) out.push(after);
    }
    return out;
  }

  /** Reads the pending attempts and brings the in-memory schedule in line with them. */
  #sync(): PaymentAttempt[] {
    const attempts = listAttempts(this.#db, 'cancel-pending');
    const live = new Set(attempts.map((a) => a.outTradeNo));
    for (const key of this.#entries.keys()) if (!live.has(key)) this.#entries.delete(key);
    for (const a of attempts) {
      if (!this.#entries.has(a.outTradeNo)) this.#entries.set(a.outTradeNo, { tries: 0, dueAt: this.#clamp(a, this.#nowMs() + this.#delayAfter(0)) });
    }
    return attempts;
  }

  /** The wait after `tries` tries: the listed delays in turn, then `everyMs`. */
  #delayAfter(tries: number): number {
    return this.#delays[tries] ?? this.#everyMs;
  }

  /**
   * A try is never scheduled after the window ends: the one at its end makes the trade manual.
   * Past the end (a try that threw), the plain schedule applies, never a tight loop.
   */
  #clamp(a: PaymentAttempt, dueAt: number): number {
    const end = this.#service.windowEndsAt(a);
    return end > this.#nowMs() ? Math.min(dueAt, end) : dueAt;
  }

  #nowMs(): number {
    return this.#now().getTime();
  }

  #arm(): void {
    if (!this.#started) return;
    this.#disarm();
    let next = this.#nowMs() + this.#everyMs;
    for (const e of this.#entries.values()) next = Math.min(next, e.dueAt);
    const wait = Math.max(0, next - this.#nowMs());
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.runDue()
        .catch((err: unknown) => this.#logger.error({ err }, 'cancel queue: a pass failed'))
        .finally(() => this.#arm());
    }, wait);
  }

  #disarm(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
