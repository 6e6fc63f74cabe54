// The ESC/POS driver over real serialport and socat pseudo-terminals (reference/hardware.md §6):
// SerialTransport on the host end, the virtual printer (VirtualPrinterDevice on a SerialTransport)
// on the device end. A full receipt printed and decoded identically; paper out in the middle of
// a receipt, then the reprint once paper is back; unplug (socat killed) with a job in flight and
// replug (socat restarted on the same links), then printing again after reattach. Real timers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EscPosPrinter, PrintInterruptedError } from '../../../drivers/printer/escpos-printer.ts';
import type { PrinterDriverEvent, PrintResult } from '../../../drivers/printer/escpos-printer.ts';
import { READY_STATUS } from '../../../drivers/printer/escpos-status.ts';
import { getPrinterProfile } from '../../../drivers/printer/printer-profiles.ts';
import { encodeReceiptJob } from '../../../drivers/printer/receipt-encoder.ts';
import { VirtualPrinter } from '../../../drivers/sim/virtual-printer.ts';
import { VirtualPrinterDevice } from '../../../drivers/sim/virtual-printer-device.ts';
import { PortRegistry } from '../../../drivers/transports/port-registry.ts';
import { SerialTransport } from '../../../drivers/transports/serial-transport.ts';
import { hasSocat, startPtyPair } from '../../../drivers/transports/socat-pty-pair.ts';
import type { PtyPair } from '../../../drivers/transports/socat-pty-pair.ts';
import { buildReceiptModel } from '../../../src/domain/receipt.ts';
import { goldenSale } from '../../support/golden-bytes.ts';
import { until } from '../../support/until.ts';

const socatFound = hasSocat();
const skipNote = socatFound ? '' : ' [skipped: socat is not on PATH; apt-get install socat]';
const PROFILE = getPrinterProfile('generic-80-gbk');

let dir: string;
let hostPath: string;
let devicePath: string;
let pairs: PtyPair[];
let cleanups: (() => Promise<void> | void)[];
let registry: PortRegistry;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-printer-'));
  hostPath = join(dir, 'printer.host');
  devicePath = join(dir, 'printer.dev');
  pairs = [];
  cleanups = [];
  registry = new PortRegistry();
});

afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const p of pairs) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});


function receipt(receiptNo: number, reprint = false) {
  const record = { ...goldenSale('zh-CN'), receiptNo };
  const model = buildReceiptModel(record, { lang: 'zh-CN', header: ['Kassa Store'] });
  return encodeReceiptJob(model, PROFILE, { cut: true, reprint, barcode: `T01-${receiptNo}`, qr: `https://kassa.example/r/${receiptNo}` });
}

const nonBlank = (lines: readonly string[]): string[] => lines.filter((l) => l.trim() !== '');

/** socat, the virtual printer on the device end, the driver attached to the host end. */
async function rig(printer = new VirtualPrinter({ paperMm: PROFILE.paperMm, columns: PROFILE.columns })) {
  pairs.push(await startPtyPair(hostPath, devicePath, { timeoutMs: 5000 }));
  const deviceEnd = new SerialTransport({ path: devicePath, baudRate: 115_200, registry, owner: 'the virtual printer' });
  await deviceEnd.open();
  const device = new VirtualPrinterDevice(deviceEnd, printer);
  const host = new SerialTransport({ path: hostPath, baudRate: 115_200, registry, owner: 'the printer driver' });
  await host.open();
  const driver = new EscPosPrinter({ profile: PROFILE, pollMs: 200, replyTimeoutMs: 500, confirmTimeoutMs: 5000, drawer: { polarity: 'high-is-open', leftOpenAlertMs: 0 } });
  const events: PrinterDriverEvent[] = [];
  driver.onEvent((e) => events.push(e));
  cleanups.push(
    () => driver.detach(),
    () => device.detach(),
    () => deviceEnd.close(),
    () => host.close(),
  );
  const statuses = (): string[] => events.flatMap((e) => (e.type === 'status' ? [`${e.severity}: ${e.detail}`] : []));
  return { host, deviceEnd, device, printer, driver, events, statuses };
}

describe('EscPosPrinter over socat ptys', () => {
  it.skipIf(!socatFound)(`prints a full Chinese receipt that the printer decodes identically${skipNote}`, async () => {
    const { host, printer, driver, statuses } = await rig();
    await expect(driver.attach(host)).resolves.toEqual(READY_STATUS);
    const job = receipt(1001);
    await expect(driver.print(job.bytes, { jobId: 'sale-1001' })).resolves.toEqual({ outcome: 'printed' });
    const [printed] = printer.receipts();
    expect(nonBlank(printed?.lines ?? [])).toEqual(nonBlank(job.lines));
    expect(printed?.qrs).toEqual(['https://kassa.example/r/1001']);
    expect(printed?.barcodes.map((b) => b.data)).toEqual(['T01-1001']);
    expect(printed?.cutKind).toBe('full');
    expect(statuses()).toEqual(['ready: ready']);
    expect(driver.stats()).toMatchObject({ jobsPrinted: 1, garbageBytes: 0, warnings: 0 });
  });

  it.skipIf(!socatFound)(`paper out in the middle of a receipt: interrupted, fault, ready again, reprinted in full${skipNote}`, async () => {
    const { host, device, printer, driver, statuses } = await rig();
    await driver.attach(host);
    device.outOfPaperAfterLines(6);
    const job = receipt(1002);
    const error = await driver.print(job.bytes, { jobId: 'sale-1002' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrintInterruptedError);
    expect(error).toMatchObject({ cause: 'paper-out', sent: true });
    expect(statuses().at(-1)).toBe('fault: paper out');
    expect(printer.receipts()[0]).toMatchObject({ interrupted: true, cutKind: null });
    await expect(driver.print(job.bytes)).rejects.toMatchObject({ cause: 'paper-out', sent: false });

    device.setPaper('ok');
    await until(() => statuses().at(-1) === 'ready: ready', 'the printer to report ready after paper was loaded');
    const again = receipt(1002, true);
    await expect(driver.print(again.bytes, { jobId: 'sale-1002-reprint' })).resolves.toEqual({ outcome: 'printed' });
    const receipts = printer.receipts();
    // The rest of the interrupted receipt came out when paper was loaded, then the full reprint.
    expect(receipts).toHaveLength(2);
    expect(nonBlank(receipts[0]?.lines ?? [])).toEqual(nonBlank(job.lines));
    expect(receipts[1]).toMatchObject({ reprintBanner: true, cutKind: 'full', interrupted: false });
    expect(nonBlank(receipts[1]?.lines ?? [])).toEqual(nonBlank(again.lines));
  });

  it.skipIf(!socatFound)(`unplug with a job in flight rejects it; after replug and reattach printing works again${skipNote}`, async () => {
    const printer = new VirtualPrinter({ paperMm: PROFILE.paperMm, columns: PROFILE.columns });
    const first = await rig(printer);
    await first.driver.attach(first.host);
    // A slow printer keeps the job unconfirmed while the cable is pulled.
    first.device.slowLink(200);
    const pending: { result: PrintResult | null; error: unknown } = { result: null, error: null };
    const done = first.driver.print(receipt(1003).bytes).then(
      (r) => {
        pending.result = r;
      },
      (e: unknown) => {
        pending.error = e;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed: Array<Error | null> = [];
    first.host.onClose((reason) => closed.push(reason));
    await pairs.pop()?.stop();
    await until(() => closed.length > 0, 'the host port to notice the unplug');
    await done;
    expect(pending.error).toBeInstanceOf(PrintInterruptedError);
    expect(pending.error).toMatchObject({ cause: 'disconnected', sent: true });
    expect(first.driver.attached).toBe(false);
    await expect(first.driver.print(receipt(1004).bytes)).rejects.toMatchObject({ cause: 'disconnected', sent: false });

    // Replug: socat again on the same links; the same driver is attached to the reopened port.
    first.device.detach();
    await first.deviceEnd.close();
    pairs.push(await startPtyPair(hostPath, devicePath, { timeoutMs: 5000 }));
    await first.deviceEnd.open();
    const device = new VirtualPrinterDevice(first.deviceEnd, printer);
    cleanups.push(() => device.detach());
    await first.host.open();
    await expect(first.driver.attach(first.host)).resolves.toEqual(READY_STATUS);
    const job = receipt(1005);
    await expect(first.driver.print(job.bytes)).resolves.toEqual({ outcome: 'printed' });
    expect(nonBlank(printer.receipts().at(-1)?.lines ?? [])).toEqual(nonBlank(job.lines));
  });
});
