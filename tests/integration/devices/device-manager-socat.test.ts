// The whole device path on real serial ports: `kassa sim`'s rig (virtual printer, scanner,
// pole display and scale behind socat pseudo-terminals) and the terminal's device manager with
// its real SerialTransports and drivers, wired to a checkout on a real store. Each device is
// unplugged (socat killed) and plugged back in (socat restarted); paper runs out mid-receipt;
// the printer vanishes in the middle of a job and the sale stays committed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../../drivers/sim/sim-rig.ts';
import { hasSocat } from '../../../drivers/transports/socat-pty-pair.ts';
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

const socatFound = hasSocat();
const COLA = '6901234567892';
const CATALOG_CSV = [
  'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes',
  'COLA,可口可乐 330ml,Coca-Cola 330ml,3.50,each,standard,Beverages,1,6901234567892',
  'APPLE,红富士苹果,Fuji Apple,12.80,kg,standard,Fruit,1,10001',
  '',
].join('\n');

let dir: string;
let rig: SimRig;
let terminal: Terminal;
let manager: DeviceManager;
let service: CheckoutService;


async function sale(): Promise<number> {
  await rig.scan(COLA);
  await until(() => service.actor.getSnapshot().context.cart.lines.length === 1, 'the item');
  await service.settle();
  service.send({ type: 'TENDER' });
  service.send({ type: 'TENDER_CASH', received: 500 });
  const snap = await service.settle();
  return snap.context.lastSale?.receiptNo ?? 0;
}

beforeAll(async () => {
  if (!socatFound) return;
  dir = mkdtempSync(join(tmpdir(), 'kassa-devices-socat-'));
  rig = await startSimRig({ dir: join(dir, 'sim') });
  const config = parseConfig({
    terminalId: 'T01',
    language: 'en',
    devices: rig.configBlock().map((d) => (d.type === 'printer' ? { ...d, pollMs: 100, confirmTimeoutS: 3 } : d)),
  });
  terminal = await openTerminal(dataPaths(dir), { log: 'silent', config });
  writeFileSync(join(dir, 'catalog.csv'), CATALOG_CSV);
  await importCatalog(terminal.db, join(dir, 'catalog.csv'), { currency: config.currency, taxClasses: config.taxClasses, defaultTaxClass: config.defaultTaxClass });
  manager = new DeviceManager({ config, db: terminal.db, logger: terminal.logger, backoff: { initialMs: 50, maxMs: 200, factor: 2 }, scalePollMs: 50 });
  const receipts = new ReceiptService({ db: terminal.db, config, logger: terminal.logger, printer: manager.receiptPrinter });
  service = startCheckout({ db: terminal.db, config, logger: terminal.logger, printer: null, receipts, weigh: () => manager.weigh() });
  manager.bindCheckout(service);
  manager.start();
  const views = await manager.settled(5000);
  expect(views.map((v) => v.state)).toEqual(['ready', 'ready', 'ready', 'ready']);
}, 30_000);

afterAll(async () => {
  if (!socatFound) return;
  service.stop();
  await manager.stop();
  await terminal.close();
  await rig.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!socatFound)('device manager on socat ptys', { timeout: 30_000 }, () => {
  it('a scanned sale prints a confirmed receipt and the pole display shows the change', async () => {
    const receiptNo = await sale();
    expect(service.actor.getSnapshot().context.lastSale?.receipt).toBe('printed');
    await until(() => rig.display?.screen().line2.startsWith('CHANGE') === true, 'the change on the pole');
    const printed = rig.printer?.printer.receipts() ?? [];
    expect(printed.at(-1)?.lines.join('\n')).toContain('Coca-Cola');
    expect(printed.at(-1)?.barcodes.map((b) => b.data)).toEqual([`T01-${String(receiptNo).padStart(6, '0')}`]);
  });

  it('the scale weighs over its port', async () => {
    rig.scale?.place(1234);
    await until(() => 'grams' in manager.weigh(), 'a stable weight');
    expect(manager.weigh()).toEqual({ grams: 1234 });
    rig.scale?.place(0);
  });

  for (const device of ['printer', 'scanner', 'display', 'scale'] as const) {
    it(`${device}: unplugged (socat killed) and plugged back in (socat restarted)`, async () => {
      await rig.unplug(device);
      await until(() => manager.view(device).state === 'reconnecting', `${device} lost`);
      await rig.replug(device);
      await until(() => manager.view(device).state === 'ready', `${device} back`, 10_000);
    });
  }

  it('after all that, a sale still goes through every device', async () => {
    await sale();
    expect(service.actor.getSnapshot().context.lastSale?.receipt).toBe('printed');
  });

  it('paper out in the middle of a receipt: listed, then reprinted in full when paper is loaded', async () => {
    rig.printer?.outOfPaperAfterLines(6);
    const receiptNo = await sale();
    expect(service.actor.getSnapshot().context.lastSale?.receipt).toBe('interrupted');
    expect(listUnprinted(terminal.db).map((r) => r.receiptNo)).toEqual([receiptNo]);
    rig.printer?.setPaper('ok');
    await until(() => listUnprinted(terminal.db).length === 0, 'the reprint confirmed', 10_000);
    const reprint = rig.printer?.printer.receipts().filter((r) => r.reprintBanner) ?? [];
    expect(reprint).toHaveLength(1);
    expect(reprint[0]?.lines.join('\n')).toContain('Coca-Cola');
  });

  it('the printer vanishing mid-job leaves the sale committed and its receipt listed', async () => {
    rig.printer?.slowLink(300); // the job is still crossing when the cable goes
    await rig.scan(COLA);
    await until(() => service.actor.getSnapshot().context.cart.lines.length === 1, 'the item');
    await service.settle();
    service.send({ type: 'TENDER' });
    service.send({ type: 'TENDER_CASH', received: 500 });
    await until(() => service.actor.getSnapshot().value === 'receipt', 'printing');
    await new Promise((r) => setTimeout(r, 100));
    await rig.unplug('printer');
    const snap = await service.settle(10_000);
    const receiptNo = snap.context.lastSale?.receiptNo ?? 0;
    expect(snap.context.lastSale?.receipt).toBe('interrupted');
    expect(listUnprinted(terminal.db).map((r) => [r.receiptNo, r.status])).toEqual([[receiptNo, 'interrupted']]);
    expect(verifyStore(terminal.db).ok).toBe(true);
    rig.printer?.slowLink(null);
    await rig.replug('printer');
    await until(() => listUnprinted(terminal.db).length === 0, 'reprinted after the replug', 15_000);
  });
});
