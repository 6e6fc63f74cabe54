// Whole cash sales run headless through the real checkout machine and the real store: the
// engine behind `kassa simulate`, the crash test's child process and the benchmarks. It
// scans real barcodes from the catalog (scale labels for weighed goods), changes quantities,
// voids, discounts, parks and cancels now and then, and pays in cash, sometimes split.
import type { Db } from './db/open.ts';
import type { CheckoutService, CheckoutSnapshot } from './checkout-service.ts';
import type { KassaConfig } from './config.ts';
import { computeTotals } from '../domain/cart.ts';
import { amountDue } from '../domain/tender.ts';
import { encodeEmbedded } from '../domain/barcodes/embedded-barcode.ts';
import { seededRandom } from '../shared/seeded-random.ts';

export interface SimulationOptions {
  readonly sales: number;
  readonly seed: number;
  /** Most distinct scans per sale (default 8). */
  readonly maxLines?: number;
  /** Called after each finished or cancelled sale. */
  readonly onSale?: (done: number, snapshot: CheckoutSnapshot) => void;
  /** Called after every event once the machine has settled (the crash test reports states). */
  readonly onStep?: (snapshot: CheckoutSnapshot) => void;
}

export interface SimulationSummary {
  readonly sales: number;
  readonly cancelled: number;
  readonly parkedAndResumed: number;
  readonly lines: number;
  readonly voids: number;
  readonly discounts: number;
  /** Σ amount paid (total + rounding) in minor units. */
  readonly revenue: number;
  readonly tax: number;
  readonly change: number;
  readonly firstReceipt: number | null;
  readonly lastReceipt: number | null;
  readonly durationMs: number;
  /** Errors the machine reported (a healthy run has none). */
  readonly errors: readonly string[];
}

export { seededRandom };

interface Pick {
  readonly scan?: string;
  readonly sku?: string;
  readonly quantityMilli?: number;
}

class ProductPicker {
  private readonly maxRowid: number;
  private readonly bySku;
  private readonly codesOf;

  constructor(
    db: Db,
    private readonly config: KassaConfig,
    private readonly random: () => number,
  ) {
    this.maxRowid = (db.prepare('SELECT max(rowid) FROM products').pluck().get() as number | null) ?? 0;
    if (this.maxRowid === 0) throw new SimulationError('the catalog is empty: import one first (kassa demo-data --products 1000 --out demo.csv && kassa import demo.csv)');
    this.bySku = db.prepare('SELECT sku, unit, active FROM products WHERE rowid >= ? ORDER BY rowid LIMIT 1');
    this.codesOf = db.prepare('SELECT code FROM barcodes WHERE sku = ?').pluck();
  }

  next(): Pick {
    for (let attempt = 0; attempt < 50; attempt++) {
      const rowid = 1 + Math.floor(this.random() * this.maxRowid);
      const row = this.bySku.get(rowid) as { sku: string; unit: 'each' | 'kg'; active: number } | undefined;
      if (!row || row.active !== 1) continue;
      const codes = this.codesOf.all(row.sku) as string[];
      if (row.unit === 'kg') {
        const grams = 50 + Math.floor(this.random() * 2950);
        const plu = codes.find((c) => /^\d{1,7}$/.test(c));
        const layout = this.config.scan.embedded.find((l) => l.kind === 'weight' && plu !== undefined && plu.length <= l.itemDigits);
        const label = layout && plu ? encodeEmbedded(layout, plu.padStart(layout.itemDigits, '0'), grams) : null;
        return label ? { scan: label } : { sku: row.sku, quantityMilli: grams };
      }
      const gtin = codes.find((c) => /^\d{14}$/.test(c));
      if (gtin) return { scan: gtin.startsWith('0') ? gtin.slice(1) : gtin };
      return { sku: row.sku };
    }
    throw new SimulationError('could not find an active product in 50 tries: is most of the catalog inactive?');
  }
}

export class SimulationError extends Error {
  override name = 'SimulationError';
}

/** Runs `options.sales` completed sales (cancelled ones do not count toward it). */
export async function simulateSales(service: CheckoutService, db: Db, config: KassaConfig, options: SimulationOptions): Promise<SimulationSummary> {
  const random = seededRandom(options.seed);
  const picker = new ProductPicker(db, config, random);
  const maxLines = options.maxLines ?? 8;
  const started = performance.now();
  const errors: string[] = [];
  let sales = 0;
  let cancelled = 0;
  let parkedAndResumed = 0;
  let lines = 0;
  let voids = 0;
  let discounts = 0;
  let revenue = 0;
  let tax = 0;
  let change = 0;
  let firstReceipt: number | null = null;
  let lastReceipt: number | null = null;

  const step = async (event: Parameters<CheckoutService['send']>[0]): Promise<CheckoutSnapshot> => {
    service.send(event);
    const snap = await service.settle();
    if (snap.context.lastError !== null) {
      errors.push(`${event.type}: ${snap.context.lastError}`);
      service.send({ type: 'CLEAR_ERROR' });
    }
    options.onStep?.(snap);
    return snap;
  };

  // A sale restored after a crash is finished first: it is the customer at the counter.
  let snap = await service.settle();
  if (snap.value === 'commitFailed') snap = await step({ type: 'RETRY' });
  let seenReceipt = snap.context.lastSale?.receiptNo ?? null;

  while (sales < options.sales) {
    snap = service.actor.getSnapshot();
    if (snap.value === 'idle') {
      const first = picker.next();
      snap = await step(first.scan !== undefined ? { type: 'SCAN', data: first.scan } : { type: 'ADD', sku: first.sku ?? '', quantityMilli: first.quantityMilli });
    }
    if (typeof snap.value === 'object' && 'inSale' in snap.value) {
      const want = 1 + Math.floor(random() * maxLines);
      while (snap.context.cart.lines.length < want) {
        const p = picker.next();
        snap = await step(p.scan !== undefined ? { type: 'SCAN', data: p.scan } : { type: 'ADD', sku: p.sku ?? '', quantityMilli: p.quantityMilli });
      }
      const cart = snap.context.cart;
      const live = cart.lines.filter((l) => !l.voided);
      const target = live[Math.floor(random() * live.length)];
      const r = random();
      if (target && r < 0.1 && target.unit === 'each') {
        await step({ type: 'SET_QUANTITY', lineNo: target.lineNo, quantityMilli: (2 + Math.floor(random() * 4)) * 1000 });
      } else if (target && r < 0.15 && live.length > 1) {
        await step({ type: 'VOID_LINE', lineNo: target.lineNo, reason: 'customer changed mind' });
        voids++;
      } else if (target && r < 0.2) {
        await step({ type: 'LINE_DISCOUNT', lineNo: target.lineNo, discount: { percentBps: 1000 }, reason: 'damaged packaging' });
        discounts++;
      } else if (r < 0.23) {
        await step({ type: 'BASKET_DISCOUNT', discount: { percentBps: 500 }, reason: 'loyal customer' });
        discounts++;
      } else if (r < 0.25) {
        const saleId = snap.context.saleId ?? '';
        await step({ type: 'PARK' });
        await step({ type: 'RESUME', saleId });
        parkedAndResumed++;
      } else if (r < 0.27) {
        snap = await step({ type: 'CANCEL', reason: 'customer left' });
        cancelled++;
        options.onSale?.(sales, snap);
        continue;
      }
      snap = await step({ type: 'TENDER' });
    }
    if (snap.value === 'tendering') {
      const totals = computeTotals(snap.context.cart);
      let due = amountDue(totals, snap.context.tenders, config.cashRounding);
      if (snap.context.tenders.length === 0 && due.remaining > 2000 && random() < 0.2) {
        // Split: part now, the rest in a second handful of cash.
        snap = await step({ type: 'TENDER_CASH', received: Math.floor(due.remaining / 2) });
        due = amountDue(totals, snap.context.tenders, config.cashRounding);
      }
      if (snap.value === 'tendering') {
        const notes = [100, 500, 1000, 2000, 5000, 10_000];
        const note = notes[Math.floor(random() * notes.length)] ?? 10_000;
        const received = random() < 0.3 ? due.cashDue : Math.ceil(due.cashDue / note) * note;
        snap = await step({ type: 'TENDER_CASH', received });
      }
    }
    if (snap.value === 'commitFailed') snap = await step({ type: 'RETRY' });
    if (snap.value === 'idle' && snap.context.lastSale && snap.context.lastSale.receiptNo !== seenReceipt) {
      const s = snap.context.lastSale;
      seenReceipt = s.receiptNo;
      sales++;
      revenue += s.total + s.rounding;
      change += s.change;
      firstReceipt ??= s.receiptNo;
      lastReceipt = s.receiptNo;
      options.onSale?.(sales, snap);
    }
  }

  // Lines and tax are read back from the store: what was committed, not what was intended.
  if (firstReceipt !== null && lastReceipt !== null) {
    const agg = db
      .prepare(
        `SELECT count(*) AS lines, coalesce(sum(l.tax), 0) AS tax FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.terminal_id = ? AND s.receipt_no BETWEEN ? AND ? AND l.voided = 0`,
      )
      .get(config.terminalId, firstReceipt, lastReceipt) as { lines: number; tax: number };
    lines = agg.lines;
    tax = agg.tax;
  }
  return {
    sales,
    cancelled,
    parkedAndResumed,
    lines,
    voids,
    discounts,
    revenue,
    tax,
    change,
    firstReceipt,
    lastReceipt,
    durationMs: performance.now() - started,
    errors,
  };
}
