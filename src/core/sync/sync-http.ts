// The terminal's HTTP calls to the store server (src/shared/sync-protocol.ts), with the
// terminal's token, and what each failure means for the sync machine. Hand-written over
// Node's fetch: three JSON requests; an HTTP client library would add nothing the protocol's
// zod schemas and an AbortSignal do not already give.
//
// Decisions a caller must know:
// - Every failure is a SyncRequestError with a `kind` the sync machine reads:
//   'offline' — no connection, a reset, or no answer within the timeout (a lost answer after
//   the server applied a batch looks exactly like this; re-sending is safe, the server answers
//   `duplicate`); 'transient' — the server (or a proxy in front of it) answered 5xx, 408 or
//   429, or an answer that is not the protocol's; 'refused' — the server refused the request
//   for a reason a person must fix (bad token, unknown terminal, newer schema: ERROR_ADVICE
//   'blocked' or 'bug'). Nothing is dead-lettered for any of these: only an item's own
//   `rejected` answer does that.
// - An answer is checked with the protocol's schema before anything acts on it.
// - Each call may carry the terminal's report (backlog, last receipt) in the optional
//   Kassa-Terminal-Report header; a server that predates it ignores it.
import type { z } from 'zod';
import {
  catalogPullResponse,
  couponReleaseResponse,
  couponReserveResponse,
  encodeTerminalReport,
  ERROR_ADVICE,
  errorResponse,
  pushResponse,
  settlementResponse,
  SYNC_PATHS,
  TERMINAL_REPORT_HEADER,
  terminalHeaders,
  type CatalogPullResponse,
  type CouponReleaseRequest,
  type CouponReleaseResponse,
  type CouponReserveRequest,
  type CouponReserveResponse,
  type PushRequest,
  type PushResponse,
  type SettlementQuery,
  type SettlementResponse,
  type SyncErrorCode,
  type TerminalReport,
} from '../../shared/sync-protocol.ts';

export type SyncErrorKind = 'offline' | 'transient' | 'refused';

export class SyncRequestError extends Error {
  override name = 'SyncRequestError';
  constructor(
    message: string,
    readonly kind: SyncErrorKind,
    /** The protocol's error code when the server gave one. */
    readonly code: SyncErrorCode | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface SyncHttpOptions {
  /** e.g. http://127.0.0.1:8787 (a path prefix is kept: https://store.example/kassa). */
  readonly serverUrl: string;
  readonly terminalId: string;
  readonly token: string;
  /** Per request (default 15 s). */
  readonly timeoutMs?: number;
  /** For tests. */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** What a request reports of the terminal (the header's fields without its version). */
export type ReportFields = Omit<TerminalReport, 'v'>;

/** Why fetch failed, from the error chain ("ECONNREFUSED", "UND_ERR_SOCKET"…). */
function causeOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    const message = (e as { message?: unknown }).message;
    if (typeof code === 'string') parts.push(code);
    else if (typeof message === 'string' && depth > 0) parts.push(message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(': ') : String((err as Error)?.message ?? err);
}

export class SyncHttp {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: SyncHttpOptions) {
    this.#base = options.serverUrl.replace(/\/+$/, '');
    this.#headers = terminalHeaders(options.terminalId, options.token);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
  }

  push(request: PushRequest, signal?: AbortSignal, report?: ReportFields): Promise<PushResponse> {
    return this.#call('POST', SYNC_PATHS.push, JSON.stringify(request), pushResponse, signal, report);
  }

  pullCatalog(since: number, limit: number, signal?: AbortSignal, report?: ReportFields): Promise<CatalogPullResponse> {
    return this.#call('GET', `${SYNC_PATHS.catalog}?since=${since}&limit=${limit}`, undefined, catalogPullResponse, signal, report);
  }

  /** The settlement of the terminal's own store. */
  settlement(query: SettlementQuery, signal?: AbortSignal, report?: ReportFields): Promise<SettlementResponse> {
    const params = new URLSearchParams();
    if (query.from !== undefined) params.set('from', query.from);
    if (query.to !== undefined) params.set('to', query.to);
    if (query.silentAfterSeconds !== undefined) params.set('silentAfterSeconds', String(query.silentAfterSeconds));
    const search = params.toString();
    return this.#call('GET', `${SYNC_PATHS.settlement}${search === '' ? '' : `?${search}`}`, undefined, settlementResponse, signal, report);
  }

  /** Reserves a single-use coupon for a sale (issue 8 §2); the answer says reserved, used (by whom), unknown or not single-use. */
  reserveCoupon(request: CouponReserveRequest, signal?: AbortSignal, report?: ReportFields): Promise<CouponReserveResponse> {
    return this.#call('POST', SYNC_PATHS.couponReserve, JSON.stringify(request), couponReserveResponse, signal, report);
  }

  /** Gives a reservation back (the sale was cancelled or the coupon removed). */
  releaseCoupon(request: CouponReleaseRequest, signal?: AbortSignal, report?: ReportFields): Promise<CouponReleaseResponse> {
    return this.#call('POST', SYNC_PATHS.couponRelease, JSON.stringify(request), couponReleaseResponse, signal, report);
  }

  async #call<T>(method: string, path: string, body: string | undefined, schema: z.ZodType<T, unknown>, signal?: AbortSignal, report?: ReportFields): Promise<T> {
    const url = `${this.#base}${path}`;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers = report === undefined ? this.#headers : { ...this.#headers, [TERMINAL_REPORT_HEADER]: encodeTerminalReport(report) };
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, { method, headers, body, signal: combined });
      text = await response.text();
    } catch (err) {
      if (timeout.aborted) throw new SyncRequestError(`no answer from ${url} within ${this.#timeoutMs} ms`, 'offline');
      if (signal?.aborted) throw new SyncRequestError(`${method} ${url} was stopped`, 'offline');
      const cause = causeOf(err);
      // fetch refuses the ports browsers block (e.g. 6000, 6665–6669, 10080): retrying is useless.
      if (/\bbad port\b/i.test(cause)) {
        throw new SyncRequestError(`cannot use ${this.#base}: its port is one that fetch refuses (a port browsers block); run the store server on another port`, 'refused');
      }
      throw new SyncRequestError(`cannot reach the store server at ${url} (${cause})`, 'offline');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const refusal = errorResponse.safeParse(json);
      const status = response.status;
      if (refusal.success) {
        const { code, message } = refusal.data.error;
        const kind: SyncErrorKind = ERROR_ADVICE[code] === 'retry' ? 'transient' : 'refused';
        throw new SyncRequestError(`the store server refused ${method} ${path}: ${code}: ${message}`, kind, code, status);
      }
      const kind: SyncErrorKind = status >= 500 || status === 408 || status === 429 ? 'transient' : 'refused';
      throw new SyncRequestError(`the store server answered ${method} ${path} with HTTP ${status}${text ? `: ${text.slice(0, 120)}` : ''}`, kind, null, status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      throw new SyncRequestError(
        `the answer to ${method} ${path} is not the sync protocol's${where}: ${issue?.message ?? 'not JSON'} (is ${this.#base} a Kassa store server?)`,
        'transient',
        null,
        response.status,
      );
    }
    return parsed.data;
  }
}
