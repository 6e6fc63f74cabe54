// Approval in place (issue 7 §1): when the core refuses a request with 'approval-required',
// someone who holds the permission types their PIN on the same screen and the SAME request is
// sent again with `approval: { userId, pin }`. This wrapper does that for every request of every
// surface, so no screen (the cashier's void, the manager's refund, a Z with unsent sales) codes
// it itself: the screens call `request()` as before and get the result after the approval, or
// the refusal.
//
// Decisions a caller must know:
// - Only requests whose params accept `approval` (see api.ts) open an approval; any other
//   'approval-required' is passed on unchanged (resending it would be a bad request).
// - One approval is asked at a time; others wait in order (`pending` is the one to draw).
// - A resend that fails with 'approval-required' (wrong approver) or 'refused' (a wrong PIN, a
//   locked approver, or the action itself refused) keeps the approval open with the core's
//   message, so the approver can try again; any other failure ends it and rejects the request.
// - `cancel()` (Esc) ends it: the request rejects with the last refusal when there was one (the
//   screen shows the core's words), else with ApprovalCancelledError. Nothing is resent.
// - 'login-required' from any request tells the `onLoginRequired` listeners (the surface re-reads
//   the session and shows the log-in screen), then rejects as usual.
// Hand-written: a queue and a resend; the request shapes come from api.ts.
import { posRequests } from '../../shared/api.ts';
import type { ApprovalInput, EventName, ParamsOf, PosEvents, RequestName, ResultOf } from '../../shared/api.ts';
import { ApiError } from './pos-client.ts';

/** What the screens use: PosClient, or this wrapper around it. */
export interface PosRequester {
  readonly host: 'electron' | 'browser';
  request<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<ResultOf<N>>;
  on<E extends EventName>(name: E, listener: (payload: PosEvents[E]) => void): () => void;
}

/** Whether `name`'s params take an `approval` (read from the contract's own schema). */
export function acceptsApproval(name: RequestName): boolean {
  const params = posRequests[name].params as unknown as { readonly shape?: Readonly<Record<string, unknown>> };
  return params.shape !== undefined && Object.prototype.hasOwnProperty.call(params.shape, 'approval');
}

/** The approval a surface draws (the first waiting one). */
export interface PendingApproval {
  readonly id: number;
  readonly request: RequestName;
  readonly permission: string;
  /** The core's words when it asked. */
  readonly message: string;
  /** Why the last PIN did not do it (the core's words); null before the first try. */
  readonly error: string | null;
  /** A resend is on its way. */
  readonly busy: boolean;
}

export class ApprovalCancelledError extends Error {
  override name = 'ApprovalCancelledError';
}

export interface ApprovingClientOptions {
  /** The message of ApprovalCancelledError, in the surface's language. */
  readonly cancelledMessage?: () => string;
}

interface Entry {
  readonly id: number;
  readonly name: RequestName;
  readonly params: Readonly<Record<string, unknown>>;
  readonly permission: string;
  readonly message: string;
  error: ApiError | null;
  busy: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const KEEP_OPEN: readonly string[] = ['approval-required', 'refused'];

export class ApprovingClient implements PosRequester {
  private readonly queue: Entry[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly loginListeners = new Set<() => void>();
  private snapshot: PendingApproval | null = null;
  private nextId = 1;

  constructor(
    private readonly inner: PosRequester,
    private readonly options: ApprovingClientOptions = {},
  ) {}

  get host(): 'electron' | 'browser' {
    return this.inner.host;
  }

  request<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<ResultOf<N>> {
    return this.inner.request(name, params).catch((e: unknown) => {
      if (e instanceof ApiError && e.code === 'login-required') this.loginRequired();
      if (!(e instanceof ApiError) || e.code !== 'approval-required' || !acceptsApproval(name)) throw e;
      return new Promise<ResultOf<N>>((resolve, reject) => {
        this.queue.push({
          id: this.nextId++,
          name,
          params: params as Readonly<Record<string, unknown>>,
          permission: e.permission ?? '',
          message: e.message,
          error: null,
          busy: false,
          resolve: (r) => resolve(r as ResultOf<N>),
          reject,
        });
        this.changed();
      });
    });
  }

  on<E extends EventName>(name: E, listener: (payload: PosEvents[E]) => void): () => void {
    return this.inner.on(name, listener);
  }

  /** The approval to draw now, or null. The same object until something changes (for useSyncExternalStore). */
  get pending(): PendingApproval | null {
    return this.snapshot;
  }

  /** Calls `listener` whenever `pending` changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Calls `listener` when any request answered 'login-required'; returns the unsubscribe function. */
  onLoginRequired(listener: () => void): () => void {
    this.loginListeners.add(listener);
    return () => {
      this.loginListeners.delete(listener);
    };
  }

  /** Resends the waiting request with the approver's user id and PIN. Resolves when this try is over. */
  async submit(approval: ApprovalInput): Promise<void> {
    const entry = this.queue[0];
    if (!entry || entry.busy) return;
    entry.busy = true;
    this.changed();
    try {
      const result = await this.inner.request(entry.name, { ...entry.params, approval } as ParamsOf<typeof entry.name>);
      this.finish(entry);
      entry.resolve(result);
    } catch (e) {
      if (e instanceof ApiError && KEEP_OPEN.includes(e.code)) {
        entry.error = e;
        entry.busy = false;
        this.changed();
        return;
      }
      if (e instanceof ApiError && e.code === 'login-required') this.loginRequired();
      this.finish(entry);
      entry.reject(e);
    }
  }

  /** Esc: the waiting request is not done. */
  cancel(): void {
    const entry = this.queue[0];
    if (!entry || entry.busy) return;
    this.finish(entry);
    entry.reject(entry.error ?? new ApprovalCancelledError(this.options.cancelledMessage?.() ?? 'not approved: nothing was done'));
  }

  private finish(entry: Entry): void {
    const at = this.queue.indexOf(entry);
    if (at !== -1) this.queue.splice(at, 1);
    this.changed();
  }

  private loginRequired(): void {
    for (const l of [...this.loginListeners]) l();
  }

  private changed(): void {
    const e = this.queue[0];
    this.snapshot = e ? { id: e.id, request: e.name, permission: e.permission, message: e.message, error: e.error?.message ?? null, busy: e.busy } : null;
    for (const l of [...this.listeners]) l();
  }
}
