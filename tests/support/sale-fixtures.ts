// Hand-built SaleRecords with consistent figures, for store tests. Deliberately independent of
// the domain's cart and tender code (its own rounding and allocation), so a store test never
// passes only because the code under test agrees with itself. Rules used (CNY, China VAT):
// gross = round(unitPrice × quantityMilli / 1000); basket discount split over non-void lines by
// largest remainder in sku order (weights gross − line discount); amount = gross − discounts;
// inclusive 13 % tax = round(amount × 1300 / 11300); all rounding half away from zero.
// seedDbFile writes such sales (and no-sale openings) into a real terminal database through the
// store's own code, for the tests that then run `kassa` on that folder.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ulid } from 'ulid';
import { appendJournal } from '../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import type { SaleLineRecord, SaleRecord, TenderMethod, TenderRecord } from '../../src/domain/sale-record.ts';

export type UncommittedSale = Omit<SaleRecord, 'receiptNo'>;

export const TERMINAL = 'T01';

/** Integer a/b rounded half away from zero (b > 0). */
export function roundHalfAway(a: number, b: number): number {
  const q = Math.floor(Math.abs(a) / b);
  const r = Math.abs(a) - q * b;
  const n = r * 2 >= b ? q + 1 : q;
  return a < 0 ? -n : n;
}

export function vat13(amount: number): number {
  return roundHalfAway(amount * 1300, 11300);
}

export interface LineSpec {
  readonly sku: string;
  readonly unitPrice: number;
  readonly quantityMilli?: number;
  readonly unit?: 'each' | 'kg';
  readonly name?: string;
  readonly lineDiscount?: number;
  readonly voided?: boolean;
  readonly originalUnitPrice?: number;
}

export interface TenderSpec {
  readonly method: TenderMethod;
  /** Amount applied; the last tender defaults to whatever is still due. */
  readonly amount?: number;
  /** Handed over (cash may exceed the amount); defaults to the amount. */
  readonly received?: number;
  readonly reference?: string;
}

export interface SaleSpec {
  readonly id?: string;
  readonly terminalId?: string;
  readonly cashier?: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly training?: boolean;
  readonly lines?: readonly LineSpec[];
  readonly basketDiscount?: number;
  readonly tenders?: readonly TenderSpec[];
}

export function newSaleId(terminalId = TERMINAL): string {
  return `${ulid()}-${terminalId}`;
}

const DEFAULT_LINES: readonly LineSpec[] = [
  { sku: '6901234567892', unitPrice: 350, quantityMilli: 2000 }, // 2 × 3.50
  { sku: 'APPLE-KG', unit: 'kg', unitPrice: 1298, quantityMilli: 537 }, // 0.537 kg × 12.98
  { sku: '6909999000017', unitPrice: 1999, quantityMilli: 1000, lineDiscount: 200 },
];

export function makeSale(spec: SaleSpec = {}): UncommittedSale {
  const terminalId = spec.terminalId ?? TERMINAL;
  const specs = spec.lines ?? DEFAULT_LINES;
  const basketDiscount = spec.basketDiscount ?? 0;

  const grosses = specs.map((l) => roundHalfAway(l.unitPrice * (l.quantityMilli ?? 1000), 1000));
  // Basket discount: largest remainder over the non-void lines in sku order.
  const shares = specs.map(() => 0);
  const active = specs.map((l, i) => ({ l, i })).filter(({ l }) => !l.voided);
  active.sort((a, b) => (a.l.sku < b.l.sku ? -1 : a.l.sku > b.l.sku ? 1 : a.i - b.i));
  const weights = active.map(({ l, i }) => (grosses[i] ?? 0) - (l.lineDiscount ?? 0));
  const weightSum = weights.reduce((s, w) => s + w, 0);
  if (basketDiscount > 0 && weightSum > 0) {
    const floors = weights.map((w) => Math.floor((basketDiscount * w) / weightSum));
    let left = basketDiscount - floors.reduce((s, f) => s + f, 0);
    const order = weights.map((w, k) => ({ k, r: basketDiscount * w - (floors[k] ?? 0) * weightSum })).sort((a, b) => b.r - a.r || a.k - b.k);
    for (const { k } of order) {
      if (left <= 0) break;
      floors[k] = (floors[k] ?? 0) + 1;
      left -= 1;
    }
    active.forEach(({ i }, k) => {
      shares[i] = floors[k] ?? 0;
    });
  }

  const lines: SaleLineRecord[] = specs.map((l, i) => {
    const gross = grosses[i] ?? 0;
    const lineDiscount = l.lineDiscount ?? 0;
    const basketDiscountShare = shares[i] ?? 0;
    const amount = gross - lineDiscount - basketDiscountShare;
    return {
      lineNo: i + 1,
      sku: l.sku,
      name: l.name ?? `Item ${l.sku}`,
      unit: l.unit ?? 'each',
      quantityMilli: l.quantityMilli ?? 1000,
      unitPrice: l.unitPrice,
      originalUnitPrice: l.originalUnitPrice ?? null,
      overrideReason: l.originalUnitPrice === undefined ? null : 'price match',
      gross,
      grossEmbedded: false,
      lineDiscount,
      lineDiscountReason: lineDiscount > 0 ? 'damaged packaging' : null,
      basketDiscountShare,
      amount,
      taxClass: 'standard',
      taxRateBps: 1300,
      taxInclusive: true,
      tax: vat13(amount),
      voided: l.voided ?? false,
      voidReason: l.voided ? 'customer changed mind' : null,
      source: 'scan',
    };
  });

  const live = lines.filter((l) => !l.voided);
  const subtotal = live.reduce((s, l) => s + l.amount, 0);
  const taxTotal = live.reduce((s, l) => s + l.tax, 0);
  const total = subtotal; // inclusive tax only

  const tenderSpecs = spec.tenders ?? [{ method: 'cash' as const }];
  let due = total;
  const tenders: TenderRecord[] = tenderSpecs.map((t, i) => {
    const last = i === tenderSpecs.length - 1;
    const amount = t.amount ?? (last ? due : 0);
    due -= amount;
    return { seq: i + 1, method: t.method, amount, received: t.received ?? amount, reference: t.reference ?? (t.method === 'cash' ? null : `TRADE-${i + 1}`) };
  });
  const tendered = tenders.reduce((s, t) => s + t.amount, 0);
  const received = tenders.reduce((s, t) => s + t.received, 0);

  return {
    id: spec.id ?? newSaleId(terminalId),
    terminalId,
    currency: 'CNY',
    cashier: spec.cashier ?? 'alice',
    startedAt: spec.startedAt ?? '2025-03-01T10:00:00.000Z',
    completedAt: spec.completedAt ?? '2025-03-01T10:01:30.000Z',
    training: spec.training ?? false,
    lines,
    basketDiscount,
    basketDiscountReason: basketDiscount > 0 ? 'member day' : null,
    subtotal,
    taxTotal,
    total,
    rounding: 0,
    tenders,
    tendered,
    change: received - tendered,
  };
}

export const SNAPSHOT = { machineId: 'checkout', version: 1, value: { value: 'idle', context: { lines: [] } } } as const;

/** A fresh temp directory holding `kassa.db`; call cleanup() in afterEach. */
export function tempDbFile(prefix = 'kassa-test-'): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: join(dir, 'kassa.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a seeding callback writes a terminal's day with. */
export interface DbSeed {
  readonly db: Db;
  /** Commits `record` with SNAPSHOT, journalled at `at`; hands the record back. */
  sell(record: UncommittedSale, at: string): UncommittedSale;
  /** Journals a no-sale drawer opening (`drawer.opened`, ref printer) with `payload`, at `at`. */
  drawerOpened(payload: Record<string, unknown>, at: string): void;
}

/**
 * Creates the terminal database `file` (and its folder), lets `fill` write into it through the
 * real store code, and closes it, so a test can then run `kassa` on that folder.
 */
export function seedDbFile(file: string, fill: (seed: DbSeed) => void): void {
  mkdirSync(dirname(file), { recursive: true });
  const db = openDatabase(file);
  try {
    fill({
      db,
      sell: (record, at) => {
        commitSale(db, { record, snapshot: SNAPSHOT, at });
        return record;
      },
      drawerOpened: (payload, at) => {
        db.transaction(() => appendJournal(db, { terminalId: TERMINAL, kind: 'drawer.opened', ref: 'printer', payload, at })).immediate();
      },
    });
  } finally {
    db.close();
  }
}
