// The terminal's sync client: the two effects of state-machines/sync.machine.ts (push one batch
// of the outbox, pull one page of catalog changes) over SQLite and the store server's HTTP API,
// plus `syncOnce` for `kassa sync now`.
//
// Decisions a caller must know:
// - EXACTLY ONCE comes from the idempotency keys (ARCHITECTURE.md §3 rules 3–4): the key is in
//   the outbox row before anything is sent, a message stays pending until the server has
//   answered for it, and a re-send of something the server already has is answered `duplicate`
//   and marked sent. A lost answer therefore costs a re-send, never a second sale.
// - ONE TRANSACTION PER ANSWER: the server's per-item answers for a batch are written together
//   (sent / dead with the reason, the outbox cursor, the last success), so a crash leaves the
//   batch either settled whole or pending whole.
// - ORDER: a batch is the oldest pending messages after the cursor, in seq order; nothing is
//   sent while an earlier message is unsettled, except that a batch may pass messages that
//   could not be built (dead-lettered as 'unreadable', outbox-items.ts).
// - A failed request counts an attempt on the batch's messages and records the failure
//   (sync-state.ts) before the error goes to the machine, so `kassa sync status` run by another
//   process sees why the backlog is not moving.
// - Two senders at once (the app and `kassa sync now`) are safe: settling skips messages
//   already settled, the cursor never moves back, and a catalog change at or below the applied
//   version is skipped.
// - COUPON RESERVATIONS (issue 8 §2): reserveCoupon/releaseCoupon ask the store server at the
//   counter, outside the sync machine. An answer (reserved, used, unknown, not single-use) is
//   returned; no answer is thrown as a SyncRequestError whose `kind` says why ('offline': no
//   connection or no answer in time, the caller's offline policy decides; 'transient' /
//   'refused': the server could not or would not answer). They write nothing locally (the
//   coupon holds are coupon-service's) and are not recorded as sync failures.
// - EVERY REQUEST REPORTS how the terminal stands (Kassa-Terminal-Report: the backlog not in
//   this request, the last receipt number, the clock), so the store's settlement can flag a
//   terminal that still holds sales (issue 7 §5). Two indexed reads per request.
import { randomUUID } from 'node:crypto';
import {
  couponReleaseRequest,
  couponReserveRequest,
  DEFAULT_CATALOG_PULL,
  MAX_BATCH_ITEMS,
  settlementQuery,
  type CouponReleaseResponse,
  type CouponReserveResponse,
  type ItemResult,
  type PushItem,
  type SettlementQuery,
  type SettlementResponse,
} from '../../shared/sync-protocol.ts';
import type { PullCatalogOutput, PushBatchOutput, SyncEffects } from '../../../state-machines/sync.machine.ts';
import type { Db } from '../db/open.ts';
import { countOutboxAttempt, countPendingAfter, pendingOutboxAfter, settleOutbox, type OutboxRow } from '../db/outbox.ts';
import { applyCatalogChanges } from './catalog-apply.ts';
import { outboxItems } from './outbox-items.ts';
import { SyncHttp, SyncRequestError, type ReportFields, type SyncHttpOptions } from './sync-http.ts';
import {
  addDeadLetter,
  advanceOutboxCursor,
  backlog,
  catalogVersion,
  countDeadLetters,
  outboxCursor,
  recordFailure,
  recordSuccess,
} from './sync-state.ts';

export interface SyncClientOptions extends Omit<SyncHttpOptions, 'terminalId'> {
  readonly db: Db;
  readonly terminalId: string;
  /** The terminal's currency and tax class ids: catalog changes that do not fit are skipped. */
  readonly currency: string;
  readonly taxClasses: readonly string[];
  /** Catalog changes per pull (default the protocol's DEFAULT_CATALOG_PULL). */
  readonly catalogPageSize?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

export interface SyncOnceResult {
  readonly applied: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly backlog: number;
  readonly deadLetters: number;
  readonly catalogApplied: number;
  readonly catalogVersion: number;
  readonly batches: number;
}

/** A settlement asked for with a bad range; the message names the field. */
export class SettlementQueryError extends Error {
  override name = 'SettlementQueryError';
}

/** A coupon request the protocol would refuse (nothing was sent); the message names the field. */
export class CouponRequestError extends Error {
  override name = 'CouponRequestError';
}

function describeIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return `${issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue?.message ?? 'invalid'}`;
}

export class SyncClient {
  readonly #db: Db;
  readonly #http: SyncHttp;
  readonly #terminalId: string;
  readonly #currency: string;
  readonly #taxClasses: readonly string[];
  readonly #pageSize: number;
  readonly #now: () => Date;

  constructor(options: SyncClientOptions) {
    this.#db = options.db;
    this.#http = new SyncHttp(options);
    this.#terminalId = options.terminalId;
    this.#currency = options.currency;
    this.#taxClasses = options.taxClasses;
    this.#pageSize = options.catalogPageSize ?? DEFAULT_CATALOG_PULL;
    this.#now = options.now ?? (() => new Date());
  }

  get terminalId(): string {
    return this.#terminalId;
  }

  /** The store's settlement from the store server: totals per terminal and store, with flags. */
  async settlement(query: SettlementQuery = {}, signal?: AbortSignal): Promise<SettlementResponse> {
    const parsed = settlementQuery.safeParse(query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SettlementQueryError(`settlement: ${issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'} (expected ISO times with an offset, from before to)`);
    }
    return this.#http.settlement(parsed.data, signal, this.#report(backlog(this.#db)));
  }

  /**
   * Reserves a single-use coupon for a sale on the store server. Throws SyncRequestError when
   * there is no answer (see the header) and CouponRequestError for a request the protocol
   * refuses (a code or sale id too long): nothing was sent.
   */
  async reserveCoupon(request: { readonly code: string; readonly saleId: string; readonly at: string }, signal?: AbortSignal): Promise<CouponReserveResponse> {
    const parsed = couponReserveRequest.safeParse(request);
    if (!parsed.success) throw new CouponRequestError(`coupon reservation: ${describeIssue(parsed.error)}`);
    const answer = await this.#http.reserveCoupon(parsed.data, signal, this.#report(backlog(this.#db)));
    if (answer.code !== parsed.data.code) {
      throw new SyncRequestError(`asked to reserve coupon ${parsed.data.code}, the store server answered for ${answer.code}`, 'transient');
    }
    if (answer.status === 'reserved' && answer.saleId !== parsed.data.saleId) {
      throw new SyncRequestError(`asked to reserve coupon ${parsed.data.code} for sale ${parsed.data.saleId}, the store server answered for sale ${answer.saleId}`, 'transient');
    }
    return answer;
  }

  /** Gives a coupon reservation back; throws like reserveCoupon. */
  async releaseCoupon(request: { readonly code: string; readonly saleId: string }, signal?: AbortSignal): Promise<CouponReleaseResponse> {
    const parsed = couponReleaseRequest.safeParse(request);
    if (!parsed.success) throw new CouponRequestError(`coupon release: ${describeIssue(parsed.error)}`);
    const answer = await this.#http.releaseCoupon(parsed.data, signal, this.#report(backlog(this.#db)));
    if (answer.code !== parsed.data.code) {
      throw new SyncRequestError(`asked to release coupon ${parsed.data.code}, the store server answered for ${answer.code}`, 'transient');
    }
    return answer;
  }

  /** What this request reports: `waiting` items not in it, the last receipt, the clock. */
  #report(waiting: number): ReportFields {
    const last = this.#db.prepare('SELECT max(receipt_no) FROM sales WHERE terminal_id = ?').pluck().get(this.#terminalId) as number | null;
    return { backlog: Math.max(0, waiting), lastReceiptNo: last ?? null, at: this.#iso() };
  }

  /** The effects for provideSync(). */
  effects(): SyncEffects {
    return {
      pushBatch: (input, signal) => this.pushBatch(input.batchSize, signal),
      pullCatalog: (_input, signal) => this.pullCatalog(signal),
    };
  }

  /** Sends the oldest pending messages (at most `batchSize`) and settles them by the answers. */
  async pushBatch(batchSize: number, signal?: AbortSignal): Promise<PushBatchOutput> {
    const size = Math.min(Math.max(1, Math.floor(batchSize)), MAX_BATCH_ITEMS);
    const db = this.#db;
    const rows = pendingOutboxAfter(db, outboxCursor(db), size);
    if (rows.length === 0) return { applied: 0, duplicates: 0, deadLettered: 0, backlog: 0, deadLetters: countDeadLetters(db), at: this.#iso() };

    const built = outboxItems(db, rows);
    const items: PushItem[] = [];
    for (const b of built) if (b.ok) items.push(b.item);
    let results: readonly ItemResult[] = [];
    if (items.length > 0) {
      const first = rows[0]?.seq ?? 0;
      const last = rows[rows.length - 1]?.seq ?? 0;
      try {
        const report = this.#report(countPendingAfter(db, outboxCursor(db)) - rows.length);
        const response = await this.#http.push({ batchId: `${this.#terminalId}-${first}-${last}-${randomUUID().slice(0, 8)}`, items }, signal, report);
        results = response.results;
        const mismatch = results.length !== items.length ? -1 : results.findIndex((r, i) => r.idempotencyKey !== items[i]?.idempotencyKey);
        if (results.length !== items.length || mismatch >= 0) {
          throw new SyncRequestError(
            `the store server answered ${results.length} items for a batch of ${items.length}${mismatch >= 0 ? ` (answer ${mismatch} names another key)` : ''}; nothing was marked`,
            'transient',
          );
        }
      } catch (err) {
        // Stopped by the host (the machine stopped): not a failure of the link.
        if (signal?.aborted) throw err;
        this.#failed(err);
        db.transaction(() => countOutboxAttempt(db, first, last)).immediate();
        throw err;
      }
    }
    return this.#settle(built.map((b) => b.row), built, results);
  }

  #settle(rows: readonly OutboxRow[], built: ReturnType<typeof outboxItems>, results: readonly ItemResult[]): PushBatchOutput {
    const db = this.#db;
    const at = this.#iso();
    let applied = 0;
    let duplicates = 0;
    let deadLettered = 0;
    return db
      .transaction((): PushBatchOutput => {
        let next = 0;
        for (const b of built) {
          if (!b.ok) {
            if (settleOutbox(db, b.row.seq, 'dead', at)) {
              addDeadLetter(db, { seq: b.row.seq, idempotencyKey: b.row.idempotencyKey, type: b.row.type, reason: 'unreadable', message: b.message, at });
            }
            deadLettered += 1;
            continue;
          }
          const r = results[next++];
          if (r === undefined) continue;
          if (r.status === 'rejected') {
            if (settleOutbox(db, b.row.seq, 'dead', at)) {
              addDeadLetter(db, { seq: b.row.seq, idempotencyKey: b.row.idempotencyKey, type: b.row.type, reason: r.reason, message: r.message, at });
            }
            deadLettered += 1;
          } else {
            settleOutbox(db, b.row.seq, 'sent', at);
            if (r.status === 'applied') applied += 1;
            else duplicates += 1;
          }
        }
        // Every row of the batch is settled now: the cursor moves to its last one.
        const last = rows[rows.length - 1];
        if (last) advanceOutboxCursor(db, last.seq, last.idempotencyKey);
        if (results.length > 0) recordSuccess(db, at);
        return { applied, duplicates, deadLettered, backlog: countPendingAfter(db, outboxCursor(db)), deadLetters: countDeadLetters(db), at };
      })
      .immediate();
  }

  /** Pulls one page of catalog changes after the applied version and applies it atomically. */
  async pullCatalog(signal?: AbortSignal): Promise<PullCatalogOutput> {
    const db = this.#db;
    const since = catalogVersion(db);
    try {
      const page = await this.#http.pullCatalog(since, this.#pageSize, signal, this.#report(backlog(db)));
      if (page.since !== since) throw new SyncRequestError(`asked for catalog changes since ${since}, the store server answered since ${page.since}`, 'transient');
      if (page.latestVersion < since) {
        throw new SyncRequestError(
          `the store server's catalog is at version ${page.latestVersion}, but this terminal has applied version ${since}: was the server's database replaced? ` +
            'Catalog changes stay stopped until it is sorted out (sales still sync)',
          'refused',
        );
      }
      const at = this.#iso();
      const result = applyCatalogChanges(db, page.changes, { currency: this.#currency, taxClasses: this.#taxClasses, journalTerminalId: this.#terminalId, at });
      recordSuccess(db, at);
      // "More" only counts when this page moved the version: a server that keeps answering with
      // changes the terminal already has must not keep the machine pulling.
      return { applied: result.applied, catalogVersion: result.version, more: page.more && result.version > since, at };
    } catch (err) {
      if (!signal?.aborted) this.#failed(err);
      throw err;
    }
  }

  /**
   * One whole round without the machine (for `kassa sync now`): pushes until the backlog is
   * empty (or a batch moves nothing), then pulls until the server has no more. Throws the first
   * failure (a SyncRequestError), after what was settled before it stays settled.
   */
  async syncOnce(batchSize: number, onBatch?: (progress: PushBatchOutput) => void): Promise<SyncOnceResult> {
    let applied = 0;
    let duplicates = 0;
    let deadLettered = 0;
    let batches = 0;
    let last: PushBatchOutput;
    do {
      last = await this.pushBatch(batchSize);
      batches += 1;
      applied += last.applied;
      duplicates += last.duplicates;
      deadLettered += last.deadLettered;
      onBatch?.(last);
    } while (last.backlog > 0 && last.applied + last.duplicates + last.deadLettered > 0);
    let catalogApplied = 0;
    let pull: PullCatalogOutput;
    do {
      pull = await this.pullCatalog();
      catalogApplied += pull.applied;
    } while (pull.more);
    return { applied, duplicates, deadLettered, backlog: last.backlog, deadLetters: last.deadLetters, catalogApplied, catalogVersion: pull.catalogVersion, batches };
  }

  #iso(): string {
    return this.#now().toISOString();
  }

  #failed(err: unknown): void {
    const e = err instanceof SyncRequestError ? err : null;
    try {
      recordFailure(this.#db, {
        at: this.#iso(),
        kind: e?.kind ?? 'transient',
        code: e?.code ?? null,
        message: err instanceof Error ? err.message : String(err),
      });
    } catch {
      // The failure goes to the machine either way; a full disk must not hide the first error.
    }
  }
}
