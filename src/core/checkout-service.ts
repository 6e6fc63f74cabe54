// Runs the checkout machine for a terminal: provides its effects (catalog lookup, search, the
// one-transaction commit, the receipt, journalled cancels), persists its snapshot on every
// transition that changes the sale, and restores the sale in progress after a crash.
import { ulid } from 'ulid';
import { createActor, waitFor, type Actor, type SnapshotFrom } from 'xstate';
import { providePayment } from '../../state-machines/payment.machine.ts';
import {
  checkoutMachineVersion,
  provideCheckout,
  type WalletSettings,
  type CheckoutContext,
  type CheckoutEvent,
  type CheckoutInput,
  type LookupInput,
  type LookupResult,
  type SearchHit,
} from '../../state-machines/checkout.machine.ts';
import { classifyScan } from '../domain/barcodes/classify-scan.ts';
import { priceCart } from '../domain/cart-promotions.ts';
import type { Cart } from '../domain/cart.ts';
import type { Coupon } from '../domain/coupons/coupon.ts';
import { normalizeCouponCode } from '../domain/coupons/coupon.ts';
import { localDate, localDateTime } from '../domain/local-time.ts';
import type { Promotion } from '../domain/promotions/promotion.ts';
import type { CouponRedemption } from '../domain/sale-record.ts';
import type { Product } from '../domain/product.ts';
import { productName } from '../domain/product.ts';
import type { KassaConfig } from './config.ts';
import { CatalogRepository } from './db/catalog.ts';
import { appendJournal } from './db/journal.ts';
import type { Db } from './db/open.ts';
import { cancelSale, commitSale } from './db/sales.ts';
import { deleteSnapshot, loadSnapshot, saveSnapshot } from './db/snapshots.ts';
import type { Logger } from './logger.ts';
import { newOutTradeNo, type PaymentService } from './payment-service.ts';
import type { ReceiptPrinter } from './receipt-printer.ts';
import { ReceiptService } from './receipt-service.ts';

export const CHECKOUT_MACHINE_ID = 'checkout';

type CheckoutLogic = ReturnType<typeof provideCheckout>;
export type CheckoutActor = Actor<CheckoutLogic>;
export type CheckoutSnapshot = SnapshotFrom<CheckoutLogic>;

/**
 * Promotions, coupons and members at the counter (issue 8), as the checkout needs them. The
 * terminal app builds it from its stores and services; absent: no promotions, and coupon or
 * member scans are refused with a message saying so.
 */
export interface CheckoutLoyalty {
  /** The promotions that can be in force on `today` (local YYYY-MM-DD). Called on every cart change: cache. */
  promotions(today: string): readonly Promotion[];
  /** Checks a coupon for a sale and, for single use, reserves it (see core/loyalty/coupon-service.ts). */
  redeemCoupon(input: {
    readonly code: string;
    readonly saleId: string;
    readonly spend: number;
    readonly today: string;
    readonly training: boolean;
  }): Promise<{ readonly ok: true; readonly coupon: Coupon; readonly redemption: CouponRedemption } | { readonly ok: false; readonly error: string }>;
  /** Gives a coupon's hold back (the coupon left the sale, or the sale was cancelled). Never throws. */
  releaseCoupon(code: string, saleId: string): Promise<void>;
  /** Finds a member by number, card or phone; null `scanOnly` misses stay quiet (an unknown barcode). */
  identifyMember(raw: string): Promise<{ readonly ok: true; readonly member: { readonly id: string; readonly name: string; readonly points: number } } | { readonly ok: false; readonly error: string }>;
  /** Points rules (config loyalty). */
  readonly pointsPerUnit: number;
  readonly pointValue: number;
}


export interface CheckoutServiceOptions {
  readonly db: Db;
  readonly config: KassaConfig;
  readonly logger: Logger;
  /** Where receipts go; null: this terminal prints none. Ignored when `receipts` is given. */
  readonly printer: ReceiptPrinter | null;
  /** The terminal's receipt service, when the host shares one with its devices. */
  readonly receipts?: ReceiptService;
  /** Wallet payments (Alipay, WeChat Pay); absent: cash only. */
  readonly payments?: { readonly service: PaymentService; readonly settings: WalletSettings };
  /** The scale, when one is configured: a weighed item scanned or added without a weight takes its stable weight. */
  readonly weigh?: () => { readonly grams: number } | { readonly error: string };
  /** Promotions, coupons and members; absent: none. */
  readonly loyalty?: CheckoutLoyalty;
  /** Clock, for tests. */
  readonly now?: () => Date;
  /** Called right before and right after each snapshot is durably saved (the crash test reports them). */
  readonly onSnapshotSaving?: (snapshot: CheckoutSnapshot) => void;
  readonly onSnapshotSaved?: (snapshot: CheckoutSnapshot) => void;
}

export interface RecoveryReport {
  /** A snapshot was found and restored. */
  readonly restored: boolean;
  /** The state and sale it came back in, when a sale was open. */
  readonly state: string | null;
  readonly saleId: string | null;
  readonly lines: number;
  /** Why a snapshot was found but not restored. */
  readonly discarded: string | null;
}

export interface CheckoutService {
  readonly actor: CheckoutActor;
  readonly receipts: ReceiptService;
  readonly recovery: RecoveryReport;
  /** Sends an event, stamping sale ids and times on the events that need them. */
  send(event: DistributiveOmit<CheckoutEvent, 'saleId' | 'at'> | CheckoutEvent): void;
  /** Resolves once no effect is running (lookups, commit, receipt, cancel). */
  settle(timeoutMs?: number): Promise<CheckoutSnapshot>;
  stop(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Sale ids are made on the terminal: a ULID (time-ordered, unique) plus the terminal id. */
export function newSaleId(terminalId: string): string {
  return `${ulid()}-${terminalId}`;
}

/** The state as one name: 'idle', 'inSale.ready', 'walletPaying'. */
export function stateName(snapshot: Pick<CheckoutSnapshot, 'value'>): string {
  const v = snapshot.value;
  if (typeof v === 'string') return v;
  return Object.entries(v)
    .map(([k, sub]) => (typeof sub === 'string' ? `${k}.${sub}` : k))
    .join(',');
}

/** States in which an effect is running and the machine will move on by itself. */
const BUSY = ['inSale.lookingUp', 'inSale.searching', 'inSale.releasingCoupon', 'walletPaying', 'completing', 'receipt', 'cancelling'];

export function isSettled(snapshot: CheckoutSnapshot): boolean {
  const name = stateName(snapshot);
  return !BUSY.some((b) => name === b || name.startsWith(`${b}.`));
}

export function checkoutInput(config: KassaConfig): CheckoutInput {
  return {
    terminal: {
      terminalId: config.terminalId,
      cashier: config.cashier,
      lang: config.language,
      currency: config.currency,
      training: config.training,
    },
    limits: {
      maxQuantityMilli: config.limits.maxQuantity * 1000,
      maxWeightGrams: Math.round(config.limits.maxWeightKg * 1000),
      maxLines: config.limits.maxLines,
      maxLineAmount: 100_000_000,
    },
    rounding: config.cashRounding,
  };
}

export function startCheckout(options: CheckoutServiceOptions): CheckoutService {
  const { db, config, logger } = options;
  const receipts = options.receipts ?? new ReceiptService({ db, config, logger, printer: options.printer, ...(options.now ? { now: options.now } : {}) });
  const now = options.now ?? (() => new Date());
  const catalog = new CatalogRepository(db);
  const taxClasses = new Map(config.taxClasses.map((t) => [t.id, t]));
  // Set once the actor exists; the effects below only run after that.
  const self: { actor?: CheckoutActor } = {};

  function itemFrom(product: Product, source: string, extra: { weightGrams?: number; fixedGross?: number; quantityMilli?: number }): LookupResult {
    const name = productName(product, config.language);
    if (!product.active) return { ok: false, error: `${name} (SKU ${product.sku}) is not for sale: it is inactive in the catalog` };
    const taxClass = taxClasses.get(product.taxClass);
    if (!taxClass) return { ok: false, error: `${name} (SKU ${product.sku}) has tax class "${product.taxClass}", which this terminal's config does not define` };
    if (product.price.currency !== config.currency) {
      return { ok: false, error: `${name} (SKU ${product.sku}) is priced in ${product.price.currency}, this terminal sells in ${config.currency}` };
    }
    if (extra.weightGrams !== undefined && product.unit !== 'kg') {
      return { ok: false, error: `${name} (SKU ${product.sku}) is sold per item, but the label carries a weight` };
    }
    if (extra.weightGrams === undefined && extra.fixedGross === undefined && product.unit === 'kg' && source !== 'search' && extra.quantityMilli === undefined) {
      if (!options.weigh) return { ok: false, error: `${name} (SKU ${product.sku}) is sold by weight: weigh it or scan its scale label` };
      const weight = options.weigh();
      if ('error' in weight) return { ok: false, error: `${name} (SKU ${product.sku}) is sold by weight: ${weight.error}` };
      return { ok: true, item: { product, taxClass, source, lang: config.language, weightGrams: weight.grams } };
    }
    return { ok: true, item: { product, taxClass, source, lang: config.language, ...extra } };
  }

  function lookupByKey(key: string, altKey: string | undefined, data: string): Product | LookupResult {
    const product = catalog.findByBarcode(key) ?? (altKey ? catalog.findByBarcode(altKey) : null);
    return product ?? { ok: false, error: `unknown barcode ${data.trim()}: no product in the catalog has it` };
  }

  const loyalty = options.loyalty;

  async function redeemCoupon(raw: string, input: LookupInput): Promise<LookupResult> {
    const code = normalizeCouponCode(raw);
    if (!loyalty) return { ok: false, error: `coupon ${code} cannot be redeemed: this terminal has no promotions configured` };
    const saleId = input.saleId;
    if (saleId === undefined) return { ok: false, error: 'internal: a coupon needs an open sale' };
    const r = await loyalty.redeemCoupon({ code, saleId, spend: input.spend ?? 0, today: localDate(now()), training: config.training });
    if (!r.ok) return r;
    const c = r.coupon;
    return {
      ok: true,
      coupon: { code: c.code, name: c.name, use: c.use, minSpend: c.minSpend, offAmount: c.amount, percentBps: c.percentBps, redemption: r.redemption },
    };
  }

  async function identifyMember(raw: string): Promise<LookupResult> {
    if (!loyalty) return { ok: false, error: `member card ${raw.trim()} cannot be used: this terminal has no member programme configured` };
    const r = await loyalty.identifyMember(raw);
    if (!r.ok) return r;
    // Training sales earn and redeem nothing: the points are real, the sale is not.
    const training = config.training;
    return {
      ok: true,
      member: {
        id: r.member.id,
        name: r.member.name,
        points: r.member.points,
        pointValue: training ? 0 : loyalty.pointValue,
        earnPerUnit: training ? 0 : loyalty.pointsPerUnit,
      },
    };
  }

  async function lookupItem(input: LookupInput): Promise<LookupResult> {
    if (input.coupon !== undefined) return redeemCoupon(input.coupon, input);
    if (input.member !== undefined) return identifyMember(input.member);
    if (input.sku !== undefined) {
      const product = catalog.findBySku(input.sku);
      if (!product) return { ok: false, error: `unknown SKU "${input.sku}": no such product in the catalog` };
      const q = input.quantityMilli;
      return itemFrom(product, 'manual', product.unit === 'kg' ? (q === undefined ? {} : { weightGrams: q, quantityMilli: q }) : q === undefined ? {} : { quantityMilli: q });
    }
    const data = input.data ?? '';
    const scan = classifyScan(data, config.scan, config.currency);
    switch (scan.kind) {
      case 'product': {
        const found = lookupByKey(scan.key, scan.altKey, data);
        if ('ok' in found) {
          // Not a product: it may be a member card printed with a plain barcode.
          if (loyalty) {
            const member = await identifyMember(data);
            if (member.ok) return member;
          }
          return found;
        }
        return itemFrom(found, data, input.quantityMilli === undefined ? {} : { quantityMilli: input.quantityMilli });
      }
      case 'weighted-product': {
        const found = lookupByKey(scan.key, undefined, data);
        if ('ok' in found) return found;
        return itemFrom(found, data, { weightGrams: scan.weightGrams });
      }
      case 'priced-product': {
        const found = lookupByKey(scan.key, undefined, data);
        if ('ok' in found) return found;
        return itemFrom(found, data, { fixedGross: scan.price.amount });
      }
      case 'payment-code':
        return {
          ok: false,
          error: options.payments
            ? `this is a customer's ${scan.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} payment code, not an item: scan it when the sale is being paid`
            : `this is a customer's ${scan.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} payment code, not an item; wallet payments are not enabled on this terminal, take cash`,
        };
      case 'coupon':
        return redeemCoupon(scan.code, input);
      case 'member': {
        // Cards are matched as printed; the classifier upper-cases, so try the raw text first.
        const exact = await identifyMember(data.trim());
        return exact.ok || !loyalty ? exact : identifyMember(scan.code);
      }
      case 'unknown':
        return { ok: false, error: `cannot use this scan: ${scan.reason}` };
    }
  }

  async function searchCatalog({ query }: { query: string }): Promise<SearchHit[]> {
    return catalog.searchProducts(query, { limit: 20 }).map((p) => ({
      sku: p.sku,
      name: productName(p, config.language),
      price: p.price.amount,
      unit: p.unit,
    }));
  }

  /** The snapshot to store with a commit or cancel: the machine as it is while the effect runs. */
  async function currentSnapshot(): Promise<unknown> {
    // The invoked effect starts inside the transition; wait a tick so the parent's snapshot
    // shows the state that invoked it (restoring it re-runs the effect, which is idempotent).
    await Promise.resolve();
    return self.actor?.getPersistedSnapshot();
  }

  // The promotions in force are read per cart change through the loyalty cache; a sale is priced
  // at the local time it was opened (cart-promotions.ts).
  const pricing = loyalty
    ? (cart: Cart, startedAt: string | null): Cart => {
        const opened = startedAt !== null ? new Date(startedAt) : now();
        return priceCart(cart, { promotions: loyalty.promotions(localDate(opened)), at: localDateTime(opened) });
      }
    : undefined;

  const payments = options.payments;
  const paymentLogic = payments ? providePayment(payments.service.effects(() => self.actor?.getSnapshot().context.saleId ?? null)) : undefined;
  const logic = provideCheckout({
    lookupItem: (input) => lookupItem(input),
    searchCatalog: (input) => searchCatalog(input),
    async commitSale(input) {
      const snapshot = await currentSnapshot();
      const result = commitSale(db, {
        record: input.sale,
        snapshot: { machineId: CHECKOUT_MACHINE_ID, version: checkoutMachineVersion, value: snapshot },
        at: input.sale.completedAt,
      });
      logger.info({ saleId: input.sale.id, receiptNo: result.receiptNo, total: input.sale.total, again: result.alreadyCommitted }, 'sale committed');
      return { receiptNo: result.receiptNo };
    },
    printReceipt: ({ saleId, deferred }) => receipts.printSale(saleId, { deferred }),
    async journalCancel(input) {
      const snapshot = await currentSnapshot();
      const result = cancelSale(db, {
        saleId: input.saleId,
        terminalId: config.terminalId,
        reason: input.reason,
        cart: input.cart,
        at: now().toISOString(),
        cashier: self.actor?.getSnapshot().context.terminal.cashier ?? config.cashier,
        snapshot: { machineId: CHECKOUT_MACHINE_ID, version: checkoutMachineVersion, value: snapshot },
      });
      logger.info({ saleId: input.saleId, reason: input.reason, again: result.alreadyCancelled }, 'sale cancelled');
      if (input.cart.coupon && loyalty) await loyalty.releaseCoupon(input.cart.coupon.code, input.saleId);
    },
    async releaseCoupon({ code, saleId }) {
      if (loyalty) await loyalty.releaseCoupon(code, saleId);
    },
  }, paymentLogic, pricing);

  // Restore the machine as it was, if a snapshot was left behind.
  const input = { ...checkoutInput(config), ...(payments ? { wallets: payments.settings } : {}) };
  const stored = loadSnapshot(db, CHECKOUT_MACHINE_ID);
  let recovery: RecoveryReport = { restored: false, state: null, saleId: null, lines: 0, discarded: null };
  let created: CheckoutActor;
  const at = now().toISOString();
  if (stored && stored.version !== checkoutMachineVersion) {
    recovery = { ...recovery, discarded: `snapshot version ${stored.version} is not this Kassa's checkout version ${checkoutMachineVersion}` };
    created = createActor(logic, { input });
  } else if (stored) {
    try {
      created = createActor(logic, { input, snapshot: stored.snapshot as CheckoutSnapshot });
      const snap = created.getSnapshot();
      recovery = { restored: true, state: stateName(snap), saleId: snap.context.saleId, lines: snap.context.cart.lines.length, discarded: null };
    } catch (err) {
      recovery = { ...recovery, discarded: `snapshot could not be restored: ${(err as Error).message}` };
      created = createActor(logic, { input });
    }
  } else {
    created = createActor(logic, { input });
  }
  self.actor = created;
  if (recovery.discarded !== null) logger.error({ reason: recovery.discarded }, 'checkout snapshot discarded');
  if (recovery.restored && recovery.saleId !== null) {
    db.transaction(() =>
      appendJournal(db, {
        terminalId: config.terminalId,
        kind: 'snapshot.recovered',
        ref: recovery.saleId,
        payload: { state: recovery.state, lines: recovery.lines, parked: created.getSnapshot().context.parked.length },
        at,
      }),
    ).immediate();
    logger.warn({ saleId: recovery.saleId, state: recovery.state, lines: recovery.lines }, 'sale in progress restored after restart');
  }

  // Persist on every transition that changes the sale (or the state it is in).
  let last: { value: unknown; ctx: CheckoutContext } | null = null;
  const changed = (snap: CheckoutSnapshot): boolean => {
    const c = snap.context;
    if (!last) return true;
    const p = last.ctx;
    return (
      JSON.stringify(snap.value) !== JSON.stringify(last.value) ||
      c.saleId !== p.saleId ||
      c.cart !== p.cart ||
      c.tenders !== p.tenders ||
      c.parked !== p.parked ||
      c.pendingCommit !== p.pendingCommit ||
      c.lookupQueue !== p.lookupQueue ||
      c.payment !== p.payment ||
      c.lastPayment !== p.lastPayment
    );
  };
  let settledPayment: unknown = created.getSnapshot().context.lastPayment ?? null;
  created.subscribe({
    next(snap) {
      const lastPayment = snap.context.lastPayment ?? null;
      if (payments && lastPayment !== null && lastPayment !== settledPayment) {
        // The attempt's record first: a crash before the snapshot below re-runs the (idempotent) calls.
        payments.service.settle(lastPayment);
      }
      settledPayment = lastPayment;
      if (!changed(snap)) return;
      last = { value: snap.value, ctx: snap.context };
      options.onSnapshotSaving?.(snap);
      saveSnapshot(db, CHECKOUT_MACHINE_ID, checkoutMachineVersion, created.getPersistedSnapshot(), now().toISOString());
      options.onSnapshotSaved?.(snap);
    },
    error(err) {
      logger.error({ err }, 'checkout machine stopped with an error');
    },
  });
  created.start();
  // A restored payment waits on timers XState does not re-arm: resume it (payment.machine.ts).
  if (recovery.restored && created.getSnapshot().matches('walletPaying')) created.send({ type: 'RESUME_PAYMENT', at: now().toISOString() });

  return {
    actor: created,
    receipts,
    recovery,
    send(event) {
      const stamped = { ...event } as Record<string, unknown>;
      const t = stamped.type;
      if ((t === 'START' || t === 'SCAN' || t === 'ADD' || t === 'SEARCH' || t === 'MEMBER') && stamped.saleId === undefined) stamped.saleId = newSaleId(config.terminalId);
      if (t === 'PAY_WALLET' && stamped.outTradeNo === undefined) stamped.outTradeNo = newOutTradeNo(config.terminalId);
      if (stamped.at === undefined) stamped.at = now().toISOString();
      // A customer's payment code scanned while a sale is open pays it, when wallets are set up.
      if (t === 'SCAN' && payments && typeof stamped.data === 'string') {
        const scan = classifyScan(stamped.data, config.scan, config.currency);
        const snap = created.getSnapshot();
        if (scan.kind === 'payment-code' && (snap.matches('tendering') || snap.matches({ inSale: 'ready' }))) {
          if (snap.matches({ inSale: 'ready' })) created.send({ type: 'TENDER', at: stamped.at as string });
          if (created.getSnapshot().matches('tendering')) {
            created.send({ type: 'PAY_WALLET', wallet: scan.wallet, mode: 'barcode', authCode: scan.code, outTradeNo: newOutTradeNo(config.terminalId), at: stamped.at as string });
          }
          return;
        }
      }
      created.send(stamped as CheckoutEvent);
    },
    settle(timeoutMs = 10_000) {
      return waitFor(created, isSettled, { timeout: timeoutMs });
    },
    stop() {
      created.stop();
    },
  };
}

/** Removes a stored snapshot (used when a terminal is reset for training). */
export function forgetCheckout(db: Db): void {
  deleteSnapshot(db, CHECKOUT_MACHINE_ID);
}
