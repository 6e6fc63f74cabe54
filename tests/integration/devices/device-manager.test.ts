// The terminal's devices wired to a real checkout (SQLite folder, imported catalog) over
// in-memory links to the simulators: scans sell items, the pole display follows the sale, the
// scale weighs, and the printer's paper decides whether the cashier is asked to go on without a
// receipt; slips cut short print again, marked, once paper is back; unplugging is survived.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualPrinter } from '../../../drivers/sim/virtual-printer.ts';
import { VirtualPrinterDevice } from '../../../drivers/sim/virtual-printer-device.ts';
import { VirtualScanner } from '../../../drivers/sim/virtual-scanner.ts';
import { VirtualScale } from '../../../drivers/sim/virtual-scale.ts';
import { VirtualDisplayDevice } from '../../../drivers/sim/virtual-display.ts';
import { createMemoryPair, type MemoryPair } from '../../../drivers/transports/memory-transport.ts';
import { importCatalog } from '../../../src/core/catalog-import.ts';
import { startCheckout, type CheckoutService } from '../../../src/core/checkout-service.ts';
import { parseConfig } from '../../../src/core/config.ts';
import { listUnprinted } from '../../../src/core/db/receipt-prints.ts';
import { DeviceManager } from '../../../src/core/devices/device-manager.ts';
import { dataPaths } from '../../../src/core/paths.ts';
import { ReceiptService } from '../../../src/core/receipt-service.ts';
import { openTerminal, type Terminal } from '../../../src/core/runtime.ts';
import { verifyStore } from '../../../src/core/verify.ts';
import { until } from '../../support/until.ts';

const CATALOG_CSV = [
  'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes',
  'COLA,可口可乐 330ml,Coca-Cola 330ml,3.50,each,standard,Beverages,1,6901234567892',
  'APPLE,红富士苹果,Fuji Apple,12.80,kg,standard,Fruit,1,10001',
  '',
].join('\n');
const COLA = '6901234567892';

const CONFIG = {
  terminalId: 'T01',
  language: 'en',
  devices: [
    { type: 'printer', transport: 'serial', path: '/dev/sim-printer', profile: 'epson-tm-t88', pollMs: 100, confirmTimeoutS: 2, drawer: { pin: 2, leftOpenAlertS: 1 } },
    { type: 'scanner', transport: 'serial', path: '/dev/sim-scanner', suffix: 'CR' },
    { type: 'display', transport: 'serial', path: '/dev/sim-display', commandSet: 'epson-dmd' },
    { type: 'scale', transport: 'serial', path: '/dev/sim-scale' },
  ],
};

let dir: string;
let terminal: Terminal;
let links: Record<string, MemoryPair>;
let manager: DeviceManager;
let service: CheckoutService;
let printer: VirtualPrinterDevice;
let scanner: VirtualScanner;
let scale: VirtualScale;
let display: VirtualDisplayDevice;


beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-devices-'));
  const config = parseConfig(CONFIG);
  terminal = await openTerminal(dataPaths(dir), { log: 'silent', config });
  const csv = join(dir, 'catalog.csv');
  writeFileSync(csv, CATALOG_CSV);
  await importCatalog(terminal.db, csv, { currency: config.currency, taxClasses: config.taxClasses, defaultTaxClass: config.defaultTaxClass });

  links = {
    printer: createMemoryPair({ name: 'printer' }),
    scanner: createMemoryPair({ name: 'scanner' }),
    display: createMemoryPair({ name: 'display' }),
    scale: createMemoryPair({ name: 'scale' }),
  };
  for (const l of Object.values(links)) await l.b.open();
  printer = new VirtualPrinterDevice(links.printer!.b, new VirtualPrinter({ paperMm: 80 }));
  scanner = new VirtualScanner(links.scanner!.b, { suffix: 'CR' });
  scale = new VirtualScale(links.scale!.b);
  display = new VirtualDisplayDevice(links.display!.b, { commandSet: 'epson-dmd' });

  manager = new DeviceManager({
    config,
    db: terminal.db,
    logger: terminal.logger,
    transportFor: (d) => ({ kind: 'bytes', transport: links[d.id]!.a }),
    backoff: { initialMs: 20, maxMs: 100, factor: 2 },
    scalePollMs: 50,
    displayHoldMs: 200,
  });
  const receipts = new ReceiptService({ db: terminal.db, config, logger: terminal.logger, printer: manager.receiptPrinter });
  service = startCheckout({ db: terminal.db, config, logger: terminal.logger, printer: null, receipts, weigh: () => manager.weigh() });
  manager.bindCheckout(service);
  manager.start();
  const views = await manager.settled(3000);
  expect(views.map((v) => [v.id, v.state])).toEqual([
    ['printer', 'ready'],
    ['scanner', 'ready'],
    ['display', 'ready'],
    ['scale', 'ready'],
  ]);
});

afterEach(async () => {
  service.stop();
  await manager.stop();
  await terminal.close();
  rmSync(dir, { recursive: true, force: true });
});

async function sellOneCola(): Promise<void> {
  await scanner.scan(COLA);
  await until(() => service.actor.getSnapshot().context.cart.lines.length === 1, 'the cola in the cart');
  await service.settle();
}

describe('devices wired to the checkout', () => {
  it('a scan sells an item, the display follows the sale, the receipt prints with the drawer kick', async () => {
    await sellOneCola();
    await until(() => display.screen().line1.startsWith('Coca-Cola'), 'the item on the pole');
    expect(display.screen().line2).toMatch(/3\.50$/);
    service.send({ type: 'TENDER' });
    await until(() => display.screen().line1.startsWith('TOTAL'), 'the total on the pole');
    service.send({ type: 'TENDER_CASH', received: 1000 });
    const snap = await service.settle();
    expect(snap.context.lastSale).toMatchObject({ receiptNo: 1, receipt: 'printed' });
    await until(() => display.screen().line2.startsWith('CHANGE'), 'the change on the pole');
    const printed = printer.printer.receipts();
    expect(printed).toHaveLength(1);
    expect(printed[0]?.lines.join('\n')).toContain('Coca-Cola');
    expect(printed[0]?.pulses.map((p) => p.pin)).toEqual([2]);
    expect(printed[0]?.reprintBanner).toBe(false);
    expect(listUnprinted(terminal.db)).toEqual([]);
    expect(verifyStore(terminal.db).ok).toBe(true);
  });

  it('paper out: the cashier is asked; continuing lists the receipt; a reprint later is marked and journalled', async () => {
    printer.setPaper('out');
    await until(() => service.actor.getSnapshot().context.printer?.cannotPrint === true, 'the checkout to know');
    expect(manager.view('printer')).toMatchObject({ state: 'fault', detail: 'paper out' });
    await sellOneCola();
    service.send({ type: 'TENDER' });
    expect(service.actor.getSnapshot().value).toBe('noPaper');
    service.send({ type: 'CONTINUE_WITHOUT_RECEIPT' });
    service.send({ type: 'TENDER_CASH', received: 500 });
    const snap = await service.settle();
    expect(snap.context.lastSale).toMatchObject({ receiptNo: 1, receipt: 'deferred' });
    expect(snap.context.notice).toMatch(/receipt 1 is listed to reprint/);
    expect(listUnprinted(terminal.db).map((r) => [r.receiptNo, r.status])).toEqual([[1, 'deferred']]);
    expect(printer.printer.drawerOpen).toBe(true); // cash sale: the drawer opens without the slip
    printer.setPaper('ok');
    await until(() => manager.view('printer').state === 'ready', 'the printer ready');
    // deferred slips wait for a person: nothing but the drawer pulse reached the paper
    expect(printer.printer.receipts().flatMap((r) => r.lines)).toEqual([]);
    const out = await service.receipts.reprint({ receiptNo: 1 });
    expect(out.status).toBe('printed');
    expect(printer.printer.receipts().filter((r) => r.reprintBanner)).toHaveLength(1);
    expect(listUnprinted(terminal.db)).toEqual([]);
    const kinds = terminal.db.prepare("SELECT kind FROM journal WHERE kind LIKE 'receipt.%' ORDER BY seq").pluck().all();
    expect(kinds).toEqual(['receipt.deferred', 'receipt.reprinted']);
  });

  it('paper runs out in the middle of a receipt: it reprints in full, marked, once paper is back', async () => {
    printer.outOfPaperAfterLines(5);
    await sellOneCola();
    service.send({ type: 'TENDER' });
    service.send({ type: 'TENDER_CASH', received: 500 });
    const snap = await service.settle();
    expect(snap.context.lastSale?.receipt).toBe('interrupted');
    expect(listUnprinted(terminal.db).map((r) => r.status)).toEqual(['interrupted']);
    printer.setPaper('ok');
    await until(() => printer.printer.receipts().some((r) => r.reprintBanner && r.cutKind !== null), 'the reprint', 5000);
    await until(() => listUnprinted(terminal.db).length === 0, 'the record');
    const reprint = printer.printer.receipts().find((r) => r.reprintBanner);
    expect(reprint?.lines.join('\n')).toContain('Coca-Cola');
    expect(terminal.db.prepare("SELECT count(*) FROM journal WHERE kind = 'receipt.reprinted'").pluck().get()).toBe(1);
  });

  it('a weighed item takes the scale\'s stable weight, never a moving one', async () => {
    scale.setMotion(true);
    scale.place(455);
    service.send({ type: 'ADD', sku: 'APPLE' });
    let snap = await service.settle();
    expect(snap.context.lastError).toMatch(/no steady weight/);
    expect(snap.context.cart.lines).toHaveLength(0);
    service.send({ type: 'CLEAR_ERROR' });
    scale.setMotion(false);
    await until(() => 'grams' in manager.weigh(), 'a stable weight', 3000);
    service.send({ type: 'ADD', sku: 'APPLE' });
    snap = await service.settle();
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.cart.lines[0]).toMatchObject({ sku: 'APPLE', quantityMilli: 455, unit: 'kg' });
  });

  it('a pulled cable is survived: reconnecting, then ready, and scans work again', async () => {
    links.scanner!.unplug();
    await until(() => manager.view('scanner').state === 'reconnecting', 'reconnecting');
    links.scanner!.replug();
    await links.scanner!.b.open();
    await until(() => manager.view('scanner').state === 'ready', 'ready again', 3000);
    await sellOneCola();
    expect(service.actor.getSnapshot().context.cart.lines[0]?.sku).toBe('COLA');
  });

  it('garbage from the scanner is counted as a warning and sells nothing', async () => {
    scanner.garbleNext();
    await scanner.scan(COLA);
    await until(() => manager.view('scanner').warnings > 0, 'the warning');
    expect(service.actor.getSnapshot().context.cart.lines).toHaveLength(0);
    await sellOneCola();
  });

  it('open-drawer is journalled with who and why; a drawer left open raises an alert', async () => {
    const notices: string[] = [];
    manager.onNotice((n) => notices.push(n.type));
    await expect(manager.openDrawer('amy', ' ')).rejects.toThrow(/give a reason/);
    await manager.openDrawer('amy', 'change for the float');
    await until(() => printer.printer.drawerOpen, 'the drawer open');
    const row = terminal.db.prepare("SELECT payload FROM journal WHERE kind = 'drawer.opened'").pluck().get() as string;
    expect(JSON.parse(row)).toMatchObject({ by: 'amy', reason: 'change for the float', pin: 2 });
    await until(() => notices.includes('drawer-left-open'), 'the left-open alert', 4000);
    expect(terminal.db.prepare("SELECT count(*) FROM journal WHERE kind = 'drawer.left-open'").pluck().get()).toBe(1);
  });

  it('a test page prints and is confirmed', async () => {
    const result = await manager.testPrint('installer');
    expect(result).toEqual({ outcome: 'printed' });
    expect(printer.printer.receipts()).toHaveLength(1);
  });
});
