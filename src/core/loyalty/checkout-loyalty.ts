// Promotions, coupons and members as the checkout needs them (checkout-service.ts
// CheckoutLoyalty), built from this terminal's stores: the promotions in force, cached until the
// catalog or the day changes (the cart is priced on every change, and reading and checking
// 500 definitions each time would cost more than the engine); the coupon service; the member
// service; the points rules from config.
import type { CheckoutLoyalty } from '../checkout-service.ts';
import type { KassaConfig } from '../config.ts';
import { formatMoney } from '../../domain/money.ts';
import type { Promotion } from '../../domain/promotions/promotion.ts';
import { activePromotions } from '../db/promotions.ts';
import type { Db } from '../db/open.ts';
import type { Logger } from '../logger.ts';
import { catalogVersion } from '../sync/sync-state.ts';
import { CouponService, type CouponReservationClient } from './coupon-service.ts';
import { MemberService } from './member-service.ts';

export interface CheckoutLoyaltyOptions {
  readonly db: Db;
  readonly config: KassaConfig;
  readonly logger: Logger;
  /** The store server, when this terminal syncs: single-use coupons are reserved there. */
  readonly reservations: CouponReservationClient | null;
  readonly now?: () => Date;
}

export interface TerminalLoyalty extends CheckoutLoyalty {
  readonly coupons: CouponService;
  readonly members: MemberService;
}

/**
 * The promotions that can hold on a day, read once per (day, catalog version, promotions
 * written outside sync): a catalog pull that changes them bumps the version.
 */
export function promotionCache(db: Db): (today: string) => readonly Promotion[] {
  let key = '';
  let cached: readonly Promotion[] = [];
  const count = db.prepare('SELECT count(*) AS n, coalesce(max(updated_at), \'\') AS at FROM promotions');
  return (today) => {
    const stamp = count.get() as { n: number; at: string };
    const k = `${today}|${catalogVersion(db)}|${stamp.n}|${stamp.at}`;
    if (k !== key) {
      cached = activePromotions(db, today);
      key = k;
    }
    return cached;
  };
}

export function checkoutLoyalty(options: CheckoutLoyaltyOptions): TerminalLoyalty {
  const { db, config, logger } = options;
  const coupons = new CouponService({
    db,
    terminalId: config.terminalId,
    reservations: options.reservations,
    offlinePolicy: config.loyalty.couponsOffline,
    ...(options.now ? { now: options.now } : {}),
    formatMoney: (amount) => formatMoney({ amount, currency: config.currency }),
  });
  const members = new MemberService({ db });
  const promotions = promotionCache(db);
  return {
    coupons,
    members,
    promotions,
    async redeemCoupon(input) {
      const r = await coupons.redeem(input);
      if (!r.ok && r.detail) logger.warn({ code: input.code, saleId: input.saleId, detail: r.detail }, 'coupon refused');
      return r.ok ? r : { ok: false, error: r.error };
    },
    async releaseCoupon(code, saleId) {
      const r = await coupons.release(code, saleId);
      if (r.server === 'unreachable') logger.warn({ code, saleId, error: r.error }, 'coupon released here, the store server did not confirm');
    },
    async identifyMember(raw) {
      return members.identify(raw);
    },
    pointsPerUnit: config.loyalty.pointsPerUnit,
    pointValue: config.loyalty.pointValue,
  };
}
