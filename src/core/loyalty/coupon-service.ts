// Using a coupon at the counter (issue 8 §2): is the code known, valid today and for this
// spend, and — for a single-use coupon — not used elsewhere. The checkout calls `redeem` when the
// cashier scans a coupon and `release` when the coupon is removed or the sale cancelled; the
// answer's `redemption` goes into the sale record's coupon. Hand-written: single use across
// terminals is Kassa's own policy over its own store server.
//
// Decisions a caller must know:
// - Order of checks: known on this terminal → couponProblem (dates, minimum spend) → the sale
//   already holds it (asked twice: the same answer, nothing sent) → training (never reserved:
//   'training') → multi-use ('multi') → used by another sale on THIS terminal (refused, naming
//   the receipt, without asking the server) → the store server's reservation.
// - The server answers 'reserved' (hold 'reserved'), 'used' (refused, naming the terminal and
//   receipt it knows), 'unknown' (refused: the store no longer has it, the terminal's copy is
//   behind) or 'not-single-use' (the store changed it to multi-use: accepted as 'multi').
// - NO ANSWER (no reservation client: the terminal does not sync; or any error: no connection,
//   no answer within `reserveTimeoutMs`, a server that refuses) is decided by the terminal's
//   `coupons.offline` policy: 'refuse' refuses the coupon, 'accept' takes it as 'offline' and the
//   store server flags a second use when the sales sync (settlement doubleRedemptions). When a
//   failed reservation is refused, the service sends a release in the background, so a
//   reservation the server made but could not answer for does not keep the coupon from the
//   customer (`settled()` waits for those).
// - Training sales are checked against this terminal's holds (a coupon used on a real sale is
//   refused there too) but never reserve, and their holds never block a real sale.
// - Every success writes the sale's hold (core/db/coupons.ts) before answering. A refusal
//   leaves an earlier hold of the same sale as it was (e.g. the spend fell below the minimum
//   after a void): taking the coupon off is the caller's `release`.
// - `release` never throws: the local hold is released first, then the server is asked (a
//   failure is returned, not thrown: the sale goes on either way).
import { couponProblem, normalizeCouponCode, type Coupon } from '../../domain/coupons/coupon.ts';
import type { CouponRedemption } from '../../domain/sale-record.ts';
import type { CouponReleaseResponse, CouponReserveResponse } from '../../shared/sync-protocol.ts';
import { activeHold, couponHold, findCoupon, holdCoupon, releaseCouponHold } from '../db/coupons.ts';
import type { Db } from '../db/open.ts';

/** What the service needs of the store server (SyncClient has these). Failing to get an answer throws. */
export interface CouponReservationClient {
  reserveCoupon(request: { readonly code: string; readonly saleId: string; readonly at: string }, signal?: AbortSignal): Promise<CouponReserveResponse>;
  releaseCoupon(request: { readonly code: string; readonly saleId: string }, signal?: AbortSignal): Promise<CouponReleaseResponse>;
}

export type CouponOfflinePolicy = 'refuse' | 'accept';

export interface CouponServiceOptions {
  readonly db: Db;
  readonly terminalId: string;
  /** Absent: the terminal does not sync, every single-use coupon goes by `offlinePolicy`. */
  readonly reservations?: CouponReservationClient | null;
  readonly offlinePolicy: CouponOfflinePolicy;
  /** How long the cashier waits for the store server (default 3 s). */
  readonly reserveTimeoutMs?: number;
  readonly now?: () => Date;
  /** Formats minor units for the cashier's messages (the terminal's currency). */
  readonly formatMoney: (minor: number) => string;
}

export interface RedeemInput {
  /** As scanned or typed (normalized here). */
  readonly code: string;
  readonly saleId: string;
  /** The goods total after promotions: what the coupon discounts and its minimum spend is judged on. */
  readonly spend: number;
  /** The local date, YYYY-MM-DD. */
  readonly today: string;
  readonly training: boolean;
}

export type RedeemResult =
  | { readonly ok: true; readonly coupon: Coupon; readonly redemption: CouponRedemption }
  /** `error` is for the cashier; `detail` (when the server could not be asked) says why, for the log. */
  | { readonly ok: false; readonly error: string; readonly detail?: string };

export interface ReleaseResult {
  /** A hold of this sale was released on this terminal. */
  readonly local: boolean;
  /**
   * What the store server said: 'released' / 'not-held' (it had no reservation of this sale to
   * give back, e.g. the sale was sold); 'unreachable' (no answer, `error` says why); 'not-asked'
   * (nothing to give back there: a multi-use or training hold, or no reservation client).
   */
  readonly server: 'released' | 'not-held' | 'unreachable' | 'not-asked';
  readonly error?: string;
}

const DEFAULT_RESERVE_TIMEOUT_MS = 3_000;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class CouponService {
  readonly #db: Db;
  readonly #terminalId: string;
  readonly #client: CouponReservationClient | null;
  readonly #policy: CouponOfflinePolicy;
  readonly #timeoutMs: number;
  readonly #now: () => Date;
  readonly #fmt: (minor: number) => string;
  /** Background releases after failed reservations (see the header); `settled()` waits for them. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(options: CouponServiceOptions) {
    if (options.offlinePolicy !== 'refuse' && options.offlinePolicy !== 'accept') {
      throw new TypeError(`the offline coupon policy must be "refuse" or "accept", got "${String(options.offlinePolicy)}"`);
    }
    this.#db = options.db;
    this.#terminalId = options.terminalId;
    this.#client = options.reservations ?? null;
    this.#policy = options.offlinePolicy;
    this.#timeoutMs = options.reserveTimeoutMs ?? DEFAULT_RESERVE_TIMEOUT_MS;
    this.#now = options.now ?? (() => new Date());
    this.#fmt = options.formatMoney;
  }

  /** Checks a coupon for a sale and, when it can be used, records the sale's hold (see the header). */
  async redeem(input: RedeemInput): Promise<RedeemResult> {
    const code = normalizeCouponCode(input.code);
    if (code === '') return { ok: false, error: 'no coupon code was given' };
    const coupon = findCoupon(this.#db, code);
    if (coupon === null) return { ok: false, error: `no coupon with code "${code}" on this terminal` };
    const problem = couponProblem(coupon, input.today, input.spend, this.#fmt);
    if (problem !== null) return { ok: false, error: problem };

    const own = couponHold(this.#db, code, input.saleId);
    if (own !== null && own.releasedAt === null) return { ok: true, coupon, redemption: own.redemption };

    if (coupon.use === 'multi') return this.#hold(coupon, input.saleId, input.training ? 'training' : 'multi');
    const usedHere = this.#usedHere(coupon, input.saleId);
    if (usedHere !== null) return { ok: false, error: usedHere };
    if (input.training) return this.#hold(coupon, input.saleId, 'training');

    if (this.#client === null) {
      return this.#offline(coupon, input.saleId, `this terminal is not connected to a store server, so single-use coupon ${code} cannot be checked`);
    }
    let answer: CouponReserveResponse;
    try {
      answer = await this.#client.reserveCoupon({ code, saleId: input.saleId, at: this.#iso() }, AbortSignal.timeout(this.#timeoutMs));
    } catch (err) {
      // Refused: give back a reservation the server may have made without answering. Accepted
      // offline: a reservation it made is this sale's, and the sale will sync with the coupon.
      if (this.#policy === 'refuse') this.#releaseInBackground(code, input.saleId);
      return this.#offline(coupon, input.saleId, `the store server cannot be reached to check single-use coupon ${code}`, errorText(err));
    }
    switch (answer.status) {
      case 'reserved':
        return this.#hold(coupon, input.saleId, 'reserved', true);
      case 'not-single-use':
        return this.#hold({ ...coupon, use: 'multi' }, input.saleId, 'multi');
      case 'unknown':
        return { ok: false, error: `coupon ${code} is not known to the store server (it was withdrawn): it cannot be used` };
      case 'used': {
        const by = answer.by;
        const where = by.terminalId === this.#terminalId ? 'on this terminal' : `on terminal ${by.terminalId}`;
        const what = by.receiptNo !== null ? `was already used ${where}, receipt ${by.receiptNo}` : `is already on a sale in progress ${where} (sale ${by.saleId})`;
        return { ok: false, error: `single-use coupon ${code} ${what}` };
      }
    }
  }

  /**
   * Takes the coupon off a sale: releases this terminal's hold, then gives the server's
   * reservation back (a single-use hold only). Never throws.
   */
  async release(code: string, saleId: string): Promise<ReleaseResult> {
    const normal = normalizeCouponCode(code);
    let redemption: CouponRedemption | null;
    try {
      redemption = releaseCouponHold(this.#db, normal, saleId, this.#iso());
    } catch (err) {
      return { local: false, server: 'not-asked', error: `the coupon hold could not be released on this terminal: ${errorText(err)}` };
    }
    const local = redemption !== null;
    // An 'offline' hold may have a reservation the server made but never answered for.
    if (this.#client === null || (redemption !== 'reserved' && redemption !== 'offline')) return { local, server: 'not-asked' };
    try {
      const answer = await this.#client.releaseCoupon({ code: normal, saleId }, AbortSignal.timeout(this.#timeoutMs));
      return { local, server: answer.released ? 'released' : 'not-held' };
    } catch (err) {
      return { local, server: 'unreachable', error: errorText(err) };
    }
  }

  /** Resolves when the background releases (after failed reservations) are done; for shutdown and tests. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#background]);
  }

  /** Why a single-use coupon is not available to `saleId` on this terminal; null when it is. */
  #usedHere(coupon: Coupon, saleId: string): string | null {
    const hold = activeHold(this.#db, coupon.code, saleId);
    if (hold === null) return null;
    if (hold.receiptNo !== null) return `single-use coupon ${coupon.code} was already used on this terminal, receipt ${hold.receiptNo}`;
    return `single-use coupon ${coupon.code} is already on another open sale on this terminal (sale ${hold.saleId}): take it off that sale first`;
  }

  #offline(coupon: Coupon, saleId: string, why: string, detail?: string): RedeemResult {
    if (this.#policy === 'refuse') return detail === undefined ? { ok: false, error: `${why}: it is refused while offline` } : { ok: false, error: `${why}: it is refused while offline`, detail };
    return this.#hold(coupon, saleId, 'offline');
  }

  /** Writes the hold; re-checks this terminal's holds in the same transaction (another sale may have taken it meanwhile). */
  #hold(coupon: Coupon, saleId: string, redemption: CouponRedemption, reservedOnServer = false): RedeemResult {
    const consumes = redemption === 'reserved' || redemption === 'offline';
    const conflict = this.#db
      .transaction((): string | null => {
        if (consumes) {
          const taken = this.#usedHere(coupon, saleId);
          if (taken !== null) return taken;
        }
        holdCoupon(this.#db, { code: coupon.code, saleId, redemption, at: this.#iso() });
        return null;
      })
      .immediate();
    if (conflict !== null) {
      if (reservedOnServer) this.#releaseInBackground(coupon.code, saleId);
      return { ok: false, error: conflict };
    }
    return { ok: true, coupon, redemption };
  }

  #releaseInBackground(code: string, saleId: string): void {
    const client = this.#client;
    if (client === null) return;
    const p = client.releaseCoupon({ code, saleId }, AbortSignal.timeout(this.#timeoutMs)).catch(() => undefined);
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  #iso(): string {
    return this.#now().toISOString();
  }
}
