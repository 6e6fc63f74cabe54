// The checkout service on a real terminal folder (SQLite file, imported catalog): what the
// cashier sees after each scan, a whole cash sale made durable (sale, journal, outbox, one
// printed receipt), cancels, and the sale in progress coming back after a restart — including
// a restart in the middle of the commit, which must not sell anything twice.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkoutMachineVersion } from '../../state-machines/checkout.machine.ts';
import { importCatalog } from '../../src/core/catalog-import.ts';
import { CHECKOUT_MACHINE_ID, startCheckout, type CheckoutService, type CheckoutSnapshot } from '../../src/core/checkout-service.ts';
import { getSale } from '../../src/core/db/sales.ts';
import { loadSnapshot, saveSnapshot, type StoredSnapshot } from '../../src/core/db/snapshots.ts';
import { dataPaths } from '../../src/core/paths.ts';
import type { ReceiptPrinter } from '../../src/core/receipt-printer.ts';
import { openTerminal, type Terminal } from '../../src/core/runtime.ts';
import { verifyStore } from '../../src/core/verify.ts';
import { encodeEmbedded } from '../../src/domain/barcodes/embedded-barcode.ts';
import { DEFAULT_SCAN_RULES, type EmbeddedLayout } from '../../src/domain/barcodes/scan-rules.ts';
import { computeTotals } from '../../src/domain/cart.ts';
import type { ReceiptModel } from '../../src/domain/receipt.ts';
import type { SaleRecord } from '../../src/domain/sale-record.ts';

// A tiny catalog with known figures.
const CATALOG_CSV = [
  'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes',
  'COLA,可口可乐 330ml,Coca-Cola 330ml,3.50,each,standard,Beverages,1,6901234567892',
  'OLD-BISCUIT,旧款饼干,Old Biscuits,5.00,each,standard,Snacks,0,6900000000014',
  'APPLE,红富士苹果,Fuji Apple,12.80,kg,standard,Fruit,1,10001',
  'RICE,东北大米 5kg,Northeast Rice 5kg,49.90,each,reduced,Grain,1,6900000000021',
  'DELI,熟食拼盘,Deli Platter,30.00,each,standard,Deli,1,20002',
  '',
].join('\n');

const COLA_EAN = '6901234567892';
const INACTIVE_EAN = '6900000000014';
const RICE_EAN = '6900000000021';
/** A valid EAN-13 no product in the catalog has. */
const UNKNOWN_EAN = '4006381333931';
const ALIPAY_CODE = '283456789012345678';

function layout(prefix: string): EmbeddedLayout {
  const l = DEFAULT_SCAN_RULES.embedded.find((x) => x.prefix === prefix);
  if (!l) throw new Error(`no default layout ${prefix}`);
  return l;
}

function label(prefix: string, item: string, value: number): string {
  const code = encodeEmbedded(layout(prefix), item, value);
  if (code === null) throw new Error(`cannot encode ${prefix}/${item}/${value}`);
  return code;
}

/** 0.455 kg of APPLE (PLU 10001), default weight layout 25. */
const APPLE_455G = label('25', '10001', 455);

interface Printed {
  readonly model: ReceiptModel;
  readonly record: SaleRecord;
}

function recordingPrinter(): ReceiptPrinter & { readonly printed: Printed[] } {
  const printed: Printed[] = [];
  return {
    printed,
    async print(model, record) {
      printed.push({ model, record });
      return { outcome: 'printed' };
    },
  };
}

let dir: string;
let terminal: Terminal;
const services: CheckoutService[] = [];

async function openWithCatalog(config?: object): Promise<Terminal> {
  if (config) writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify(config));
  const t = await openTerminal(dataPaths(dir), { log: 'silent' });
  const csv = join(dir, 'catalog.csv');
  writeFileSync(csv, CATALOG_CSV);
  const result = await importCatalog(t.db, csv, { currency: t.config.currency, taxClasses: t.config.taxClasses, defaultTaxClass: t.config.defaultTaxClass });
  expect(result.errors).toEqual([]);
  expect(result.imported).toBe(5);
  return t;
}

function start(printer: ReceiptPrinter = recordingPrinter(), extra: { onSnapshotSaved?: (s: CheckoutSnapshot) => void } = {}): CheckoutService {
  const service = startCheckout({ db: terminal.db, config: terminal.config, logger: terminal.logger, printer, ...extra });
  services.push(service);
  return service;
}

async function step(service: CheckoutService, event: Parameters<CheckoutService['send']>[0]): Promise<CheckoutSnapshot> {
  service.send(event);
  return service.settle();
}

const count = (sql: string, ...params: unknown[]): number => terminal.db.prepare(sql).pluck().get(...params) as number;
const journalKinds = (ref: string): string[] =>
  terminal.db.prepare('SELECT kind FROM journal WHERE ref = ? ORDER BY seq').pluck().all(ref) as string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-checkout-'));
});

afterEach(async () => {
  for (const s of services.splice(0)) s.stop();
  await terminal?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scanning into the cart', () => {
  beforeEach(async () => {
    terminal = await openWithCatalog();
  });

  it('a product barcode adds a line at the catalog price, and a second scan makes it 2', async () => {
    const service = start();
    let snap = await step(service, { type: 'SCAN', data: COLA_EAN });
    expect(snap.context.lastError).toBeNull();
    expect(snap.value).toEqual({ inSale: 'ready' });
    expect(snap.context.cart.lines).toHaveLength(1);
    expect(snap.context.cart.lines[0]).toMatchObject({ sku: 'COLA', name: '可口可乐 330ml', unit: 'each', unitPrice: 350, quantityMilli: 1000, taxRateBps: 1300 });
    snap = await step(service, { type: 'SCAN', data: COLA_EAN });
    expect(snap.context.cart.lines).toHaveLength(1);
    expect(snap.context.cart.lines[0]?.quantityMilli).toBe(2000);
    expect(computeTotals(snap.context.cart).total).toBe(700);
  });

  it('the tax class of the catalog row is the one on the line', async () => {
    const service = start();
    const snap = await step(service, { type: 'SCAN', data: RICE_EAN });
    expect(snap.context.cart.lines[0]).toMatchObject({ sku: 'RICE', unitPrice: 4990, taxClass: 'reduced', taxRateBps: 900 });
  });

  it('an unknown barcode is refused by name and leaves the cart as it was', async () => {
    const service = start();
    const before = (await step(service, { type: 'SCAN', data: COLA_EAN })).context.cart;
    const snap = await step(service, { type: 'SCAN', data: UNKNOWN_EAN });
    expect(snap.context.lastError).toContain(UNKNOWN_EAN);
    expect(snap.context.cart).toEqual(before);
  });

  it('an inactive product is not for sale', async () => {
    const service = start();
    const before = (await step(service, { type: 'SCAN', data: COLA_EAN })).context.cart;
    const snap = await step(service, { type: 'SCAN', data: INACTIVE_EAN });
    expect(snap.context.lastError).toMatch(/inactive|not for sale/);
    expect(snap.context.lastError).toContain('OLD-BISCUIT');
    expect(snap.context.cart).toEqual(before);
  });

  it('a scale label (weight-embedded, prefix 25) sells 0.455 kg of the PLU at 12.80/kg = 5.82', async () => {
    const service = start();
    const snap = await step(service, { type: 'SCAN', data: APPLE_455G });
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.cart.lines[0]).toMatchObject({ sku: 'APPLE', unit: 'kg', quantityMilli: 455, unitPrice: 1280 });
    const totals = computeTotals(snap.context.cart);
    expect(totals.lines[0]?.amount).toBe(582); // 12.80 × 0.455 = 5.824
    expect(totals.total).toBe(582);
  });

  it('a price-embedded label (prefix 20) charges the printed price, not the catalog price', async () => {
    const service = start();
    const snap = await step(service, { type: 'SCAN', data: label('20', '20002', 1234) });
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.cart.lines[0]).toMatchObject({ sku: 'DELI' });
    expect(computeTotals(snap.context.cart).total).toBe(1234);
  });

  it('a weighed product scanned by PLU alone asks for a weight instead of guessing one', async () => {
    const service = start();
    const before = (await step(service, { type: 'SCAN', data: COLA_EAN })).context.cart;
    const snap = await step(service, { type: 'SCAN', data: '10001' });
    expect(snap.context.lastError).toMatch(/weigh/);
    expect(snap.context.cart).toEqual(before);
  });

  it("a customer's Alipay payment code is not an item: the error says so and to take cash", async () => {
    const service = start();
    const before = (await step(service, { type: 'SCAN', data: COLA_EAN })).context.cart;
    const snap = await step(service, { type: 'SCAN', data: ALIPAY_CODE });
    expect(snap.context.lastError).toMatch(/Alipay/);
    expect(snap.context.lastError).toMatch(/cash/);
    expect(snap.context.cart).toEqual(before);
  });

  it('SEARCH finds products by Chinese characters and by an English prefix, never inactive ones', async () => {
    const service = start();
    await step(service, { type: 'START' });
    let snap = await step(service, { type: 'SEARCH', query: '苹果' });
    expect(snap.context.searchResults.map((h) => h.sku)).toEqual(['APPLE']);
    expect(snap.context.searchResults[0]).toMatchObject({ name: '红富士苹果', price: 1280, unit: 'kg' });
    snap = await step(service, { type: 'SEARCH', query: 'coc' });
    expect(snap.context.searchResults.map((h) => h.sku)).toEqual(['COLA']);
    snap = await step(service, { type: 'SEARCH', query: 'biscuit' });
    expect(snap.context.searchResults).toEqual([]);
    // Picking a hit adds it.
    snap = await step(service, { type: 'ADD', sku: 'COLA' });
    expect(snap.context.cart.lines.map((l) => l.sku)).toEqual(['COLA']);
  });
});

describe('finishing and cancelling sales', () => {
  beforeEach(async () => {
    terminal = await openWithCatalog();
  });

  it('a cash sale is committed once, with change, a journal entry, an outbox row and one printed receipt', async () => {
    const printer = recordingPrinter();
    const service = start(printer);
    await step(service, { type: 'SCAN', data: COLA_EAN });
    await step(service, { type: 'SCAN', data: COLA_EAN });
    let snap = await step(service, { type: 'SCAN', data: APPLE_455G });
    const saleId = snap.context.saleId ?? '';
    expect(saleId).toMatch(/-T01$/);
    expect(computeTotals(snap.context.cart).total).toBe(1282); // 7.00 + 5.82
    snap = await step(service, { type: 'TENDER' });
    expect(snap.value).toBe('tendering');
    expect(count('SELECT count(*) FROM sales')).toBe(0); // nothing is a sale until it is paid
    snap = await step(service, { type: 'TENDER_CASH', received: 2000 });

    expect(snap.value).toBe('idle');
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.lastSale).toMatchObject({ id: saleId, receiptNo: 1, change: 718, total: 1282 });
    expect(snap.context.cart.lines).toEqual([]);

    const record = getSale(terminal.db, saleId);
    expect(record).not.toBeNull();
    expect(record).toMatchObject({ receiptNo: 1, total: 1282, rounding: 0, tendered: 1282, change: 718, terminalId: 'T01' });
    expect(record?.lines.map((l) => [l.sku, l.quantityMilli, l.amount])).toEqual([
      ['COLA', 2000, 700],
      ['APPLE', 455, 582],
    ]);
    expect(record?.tenders).toEqual([{ seq: 1, method: 'cash', amount: 1282, received: 2000, reference: null }]);

    expect(printer.printed).toHaveLength(1);
    expect(printer.printed[0]?.model.receiptNo).toBe(1);
    expect(printer.printed[0]?.record.id).toBe(saleId);

    expect(count("SELECT count(*) FROM outbox WHERE idempotency_key = ? AND type = 'sale' AND status = 'pending'", saleId)).toBe(1);
    expect(journalKinds(saleId)).toEqual(['sale.completed']);
    expect(verifyStore(terminal.db).ok).toBe(true);
    // Idle with nothing open is what a restart would come back to.
    expect(loadSnapshot(terminal.db, CHECKOUT_MACHINE_ID)?.snapshot).toMatchObject({ value: 'idle' });
  });

  it('receipt numbers follow on from sale to sale', async () => {
    const service = start();
    for (const expected of [1, 2, 3]) {
      await step(service, { type: 'SCAN', data: RICE_EAN });
      await step(service, { type: 'TENDER' });
      const snap = await step(service, { type: 'TENDER_CASH', received: 5000 });
      expect(snap.context.lastSale?.receiptNo).toBe(expected);
      expect(snap.context.lastSale?.change).toBe(10);
    }
    expect(terminal.db.prepare('SELECT receipt_no FROM sales ORDER BY receipt_no').pluck().all()).toEqual([1, 2, 3]);
  });

  it('too little cash leaves the sale open and unpaid', async () => {
    const service = start();
    await step(service, { type: 'SCAN', data: RICE_EAN });
    await step(service, { type: 'TENDER' });
    const snap = await step(service, { type: 'TENDER_CASH', received: 2000 });
    expect(snap.value).toBe('tendering');
    expect(count('SELECT count(*) FROM sales')).toBe(0);
  });

  it('cancelling journals sale.cancelled with the reason, sells nothing and returns to idle', async () => {
    const printer = recordingPrinter();
    const service = start(printer);
    const saleId = (await step(service, { type: 'SCAN', data: COLA_EAN })).context.saleId ?? '';
    const snap = await step(service, { type: 'CANCEL', reason: 'customer left' });
    expect(snap.value).toBe('idle');
    expect(snap.context.cart.lines).toEqual([]);
    expect(journalKinds(saleId)).toEqual(['sale.cancelled']);
    const payload = JSON.parse(terminal.db.prepare("SELECT payload FROM journal WHERE kind = 'sale.cancelled'").pluck().get() as string) as { reason: string };
    expect(payload.reason).toBe('customer left');
    expect(count('SELECT count(*) FROM sales')).toBe(0);
    expect(printer.printed).toEqual([]);
    expect(verifyStore(terminal.db).ok).toBe(true);
  });
});

describe('restart recovery', () => {
  beforeEach(async () => {
    terminal = await openWithCatalog();
  });

  it('a sale in progress comes back after a restart with the same id and cart, and is sold exactly once', async () => {
    const first = start();
    await step(first, { type: 'SCAN', data: COLA_EAN });
    const before = await step(first, { type: 'SCAN', data: APPLE_455G });
    expect(before.context.cart.lines).toHaveLength(2);
    const saleId = before.context.saleId;
    first.stop(); // the process goes away mid-sale

    const printer = recordingPrinter();
    const second = start(printer);
    expect(second.recovery).toMatchObject({ restored: true, saleId, lines: 2, discarded: null, state: 'inSale.ready' });
    const restored = second.actor.getSnapshot();
    expect(restored.context.saleId).toBe(saleId);
    expect(restored.context.cart).toEqual(before.context.cart);
    expect(journalKinds(saleId ?? '')).toEqual(['snapshot.recovered']);

    await step(second, { type: 'TENDER' });
    const done = await step(second, { type: 'TENDER_CASH', received: 1000 });
    expect(done.context.lastSale).toMatchObject({ id: saleId, receiptNo: 1, total: 932, change: 68 });
    expect(count('SELECT count(*) FROM sales')).toBe(1);
    expect(count('SELECT count(*) FROM sales WHERE id = ?', saleId)).toBe(1);
    expect(printer.printed).toHaveLength(1);
    expect(journalKinds(saleId ?? '')).toEqual(['snapshot.recovered', 'sale.completed']);
    expect(verifyStore(terminal.db).ok).toBe(true);
  });

  it('a terminal with nothing open restarts idle and journals no recovery', async () => {
    const first = start();
    await step(first, { type: 'SCAN', data: RICE_EAN });
    await step(first, { type: 'TENDER' });
    await step(first, { type: 'TENDER_CASH', received: 5000 });
    first.stop();
    const second = start();
    expect(second.recovery.saleId).toBeNull();
    expect(second.actor.getSnapshot().value).toBe('idle');
    expect(count("SELECT count(*) FROM journal WHERE kind = 'snapshot.recovered'")).toBe(0);
  });

  it('a restart while the commit was running re-runs it without a second sale or a receipt-number gap', async () => {
    let atCompleting: StoredSnapshot | null = null;
    const first = start(recordingPrinter(), {
      onSnapshotSaved: (snap) => {
        // What a crash right after this save would leave on disk.
        if (snap.value === 'completing') atCompleting = loadSnapshot(terminal.db, CHECKOUT_MACHINE_ID);
      },
    });
    await step(first, { type: 'SCAN', data: COLA_EAN });
    await step(first, { type: 'SCAN', data: RICE_EAN });
    await step(first, { type: 'TENDER' });
    const paid = await step(first, { type: 'TENDER_CASH', received: 10_000 });
    const sale = paid.context.lastSale;
    expect(sale?.receiptNo).toBe(1);
    first.stop();
    const crashed = atCompleting as StoredSnapshot | null;
    if (crashed === null) throw new Error('no snapshot was saved in the completing state');
    saveSnapshot(terminal.db, CHECKOUT_MACHINE_ID, crashed.version, crashed.snapshot, new Date().toISOString());

    const printer = recordingPrinter();
    const second = start(printer);
    expect(second.recovery).toMatchObject({ restored: true, state: 'completing', saleId: sale?.id });
    const snap = await second.settle();
    expect(snap.value).toBe('idle');
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.lastSale).toMatchObject({ id: sale?.id, receiptNo: 1, change: sale?.change });
    expect(count('SELECT count(*) FROM sales')).toBe(1);
    expect(count("SELECT count(*) FROM journal WHERE kind = 'sale.completed'")).toBe(1);
    expect(count('SELECT count(*) FROM outbox')).toBe(1);
    // The receipt of the restored sale prints (again): it is the same receipt number.
    expect(printer.printed.map((p) => p.model.receiptNo)).toEqual([1]);

    // The next sale takes the next number: no gap, no reuse.
    await step(second, { type: 'SCAN', data: COLA_EAN });
    await step(second, { type: 'TENDER' });
    const next = await step(second, { type: 'TENDER_CASH', received: 350 });
    expect(next.context.lastSale?.receiptNo).toBe(2);
    expect(terminal.db.prepare('SELECT receipt_no FROM sales ORDER BY receipt_no').pluck().all()).toEqual([1, 2]);
    const report = verifyStore(terminal.db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('a snapshot written by another checkout version is discarded and the terminal starts idle', async () => {
    const first = start();
    await step(first, { type: 'SCAN', data: COLA_EAN });
    first.stop();
    const stored = loadSnapshot(terminal.db, CHECKOUT_MACHINE_ID);
    if (!stored) throw new Error('no snapshot saved');
    saveSnapshot(terminal.db, CHECKOUT_MACHINE_ID, checkoutMachineVersion + 1, stored.snapshot, new Date().toISOString());

    const second = start();
    expect(second.recovery.restored).toBe(false);
    expect(second.recovery.discarded).toContain(String(checkoutMachineVersion + 1));
    const snap = second.actor.getSnapshot();
    expect(snap.value).toBe('idle');
    expect(snap.context.saleId).toBeNull();
    expect(snap.context.cart.lines).toEqual([]);
    expect(count("SELECT count(*) FROM journal WHERE kind = 'snapshot.recovered'")).toBe(0);
    // And it sells normally.
    const sold = await step(second, { type: 'SCAN', data: RICE_EAN });
    expect(sold.context.cart.lines.map((l) => l.sku)).toEqual(['RICE']);
  });
});

describe('cash rounding from kassa.config.json', () => {
  it('0.10 half-up: 12.35 is paid as 12.40 and the +0.05 is in the record', async () => {
    terminal = await openWithCatalog({ cashRounding: { step: '0.10', mode: 'half-up' } });
    expect(terminal.config.cashRounding).toEqual({ step: 10, mode: 'half-up' });
    const service = start();
    await step(service, { type: 'SCAN', data: label('20', '20002', 1235) });
    await step(service, { type: 'TENDER' });
    const snap = await step(service, { type: 'TENDER_CASH', received: 2000 });
    expect(snap.context.lastSale).toMatchObject({ receiptNo: 1, total: 1235, rounding: 5, change: 760 });
    const record = getSale(terminal.db, snap.context.lastSale?.id ?? '');
    expect(record).toMatchObject({ total: 1235, rounding: 5, tendered: 1240, change: 760 });
    expect(verifyStore(terminal.db).ok).toBe(true);
  });

  it('0.10 half-up rounds 9.32 down to 9.30', async () => {
    terminal = await openWithCatalog({ cashRounding: { step: '0.10', mode: 'half-up' } });
    const service = start();
    await step(service, { type: 'SCAN', data: COLA_EAN });
    await step(service, { type: 'SCAN', data: APPLE_455G });
    await step(service, { type: 'TENDER' });
    const snap = await step(service, { type: 'TENDER_CASH', received: 930 });
    expect(snap.context.lastSale).toMatchObject({ total: 932, rounding: -2, change: 0 });
    expect(getSale(terminal.db, snap.context.lastSale?.id ?? '')).toMatchObject({ rounding: -2, tendered: 930 });
  });
});
