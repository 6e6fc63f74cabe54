// The receipt service on a real store: every slip is accounted for (printed, unconfirmed,
// deferred, interrupted, failed), reprints are marked and journalled, and slips cut short by the
// printer print again by themselves once it is ready.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/core/config.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { getReceiptPrint } from '../../../src/core/db/receipt-prints.ts';
import { commitSale } from '../../../src/core/db/sales.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { ReceiptInterruptedError, type PrintOptions, type ReceiptPrinter } from '../../../src/core/receipt-printer.ts';
import { ReceiptError, ReceiptService } from '../../../src/core/receipt-service.ts';
import { verifyStore } from '../../../src/core/verify.ts';
import type { ReceiptModel } from '../../../src/domain/receipt.ts';
import { makeSale, SNAPSHOT, tempDbFile } from '../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-receipts-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const AT = '2025-03-01T10:01:31.000Z';
const config = parseConfig({
  terminalId: 'T01',
  devices: [{ type: 'printer', transport: 'tcp', host: '127.0.0.1', drawer: { pin: 2 } }],
});

type Step = 'printed' | 'unconfirmed' | 'paper-out' | 'paper-out-unsent' | 'boom';

/** A printer that answers each job as the test scripts it. */
function scripted(steps: Step[]): ReceiptPrinter & { jobs: { model: ReceiptModel; options: PrintOptions }[]; drawer: number } {
  const jobs: { model: ReceiptModel; options: PrintOptions }[] = [];
  const printer = {
    jobs,
    drawer: 0,
    async print(model: ReceiptModel, _record: unknown, options: PrintOptions) {
      jobs.push({ model, options });
      const step = steps.shift() ?? 'printed';
      if (step === 'paper-out') throw new ReceiptInterruptedError('the printer is out of paper', true);
      if (step === 'paper-out-unsent') throw new ReceiptInterruptedError('the printer is out of paper', false);
      if (step === 'boom') throw new Error('encoder exploded');
      if (step === 'unconfirmed') return { outcome: 'unconfirmed' as const, reason: 'no GS r reply within 15 s' };
      return { outcome: 'printed' as const };
    },
    async openDrawer() {
      printer.drawer += 1;
    },
  };
  return printer;
}

function sale() {
  const record = makeSale();
  const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: AT });
  return { id: record.id, receiptNo };
}

const service = (printer: ReceiptPrinter | null) => new ReceiptService({ db, config, logger: silentLogger(), printer, now: () => new Date(AT) });
const journal = (kind: string) => db.prepare('SELECT ref, payload FROM journal WHERE kind = ? ORDER BY seq').all(kind) as { ref: string; payload: string }[];

describe('receipt service', () => {
  it('a confirmed print is recorded printed and leaves nothing listed; a cash sale opens the drawer with it', async () => {
    const printer = scripted(['printed']);
    const receipts = service(printer);
    const s = sale();
    expect(await receipts.printSale(s.id, { deferred: false })).toEqual({ status: 'printed' });
    expect(getReceiptPrint(db, s.id)).toMatchObject({ status: 'printed', sends: 1, reprints: 0, receiptNo: s.receiptNo });
    expect(receipts.unprinted()).toEqual([]);
    expect(printer.jobs[0]?.options).toEqual({ reprint: false, openDrawer: true });
    expect(journal('receipt.reprinted')).toEqual([]);
  });

  it('an unconfirmed print stays listed with the reason', async () => {
    const receipts = service(scripted(['unconfirmed']));
    const s = sale();
    expect(await receipts.printSale(s.id, { deferred: false })).toEqual({ status: 'unconfirmed', detail: 'no GS r reply within 15 s' });
    expect(receipts.unprinted().map((p) => [p.receiptNo, p.status, p.detail])).toEqual([[s.receiptNo, 'unconfirmed', 'no GS r reply within 15 s']]);
  });

  it('deferred (no paper): nothing is sent, the drawer still opens for cash, it is listed and journalled', async () => {
    const printer = scripted([]);
    const receipts = service(printer);
    const s = sale();
    const out = await receipts.printSale(s.id, { deferred: true });
    expect(out.status).toBe('deferred');
    expect(printer.jobs).toEqual([]);
    expect(printer.drawer).toBe(1);
    expect(receipts.unprinted()).toMatchObject([{ saleId: s.id, status: 'deferred', sends: 0 }]);
    expect(journal('receipt.deferred').map((j) => j.ref)).toEqual([s.id]);
    // a manual reprint later prints it, marked as a reprint, and journals it
    const again = await receipts.reprint({ receiptNo: s.receiptNo });
    expect(again).toEqual({ status: 'printed', receiptNo: s.receiptNo });
    expect(printer.jobs[0]?.options).toEqual({ reprint: true, openDrawer: false });
    expect(receipts.unprinted()).toEqual([]);
    expect(JSON.parse(journal('receipt.reprinted')[0]?.payload ?? '{}')).toEqual({ receiptNo: s.receiptNo, reason: 'manual' });
  });

  it('paper out mid-job: listed as interrupted, reprinted in full once the printer is ready, marked and journalled', async () => {
    const printer = scripted(['paper-out', 'printed']);
    const receipts = service(printer);
    const s = sale();
    const out = await receipts.printSale(s.id, { deferred: false });
    expect(out).toEqual({ status: 'interrupted', detail: 'the printer is out of paper' });
    expect(receipts.unprinted()).toMatchObject([{ status: 'interrupted', sends: 1 }]);
    const reprinted = await receipts.reprintInterrupted();
    expect(reprinted).toEqual([{ status: 'printed', receiptNo: s.receiptNo }]);
    expect(printer.jobs.map((j) => j.options.reprint)).toEqual([false, true]);
    expect(getReceiptPrint(db, s.id)).toMatchObject({ status: 'printed', sends: 2, reprints: 1 });
    expect(JSON.parse(journal('receipt.reprinted')[0]?.payload ?? '{}')).toEqual({ receiptNo: s.receiptNo, reason: 'printer-ready' });
    expect(verifyStore(db).ok).toBe(true);
  });

  it('several interrupted slips reprint oldest first and stop at the next interruption', async () => {
    const printer = scripted(['paper-out-unsent', 'paper-out-unsent', 'paper-out-unsent', 'printed', 'paper-out']);
    const receipts = service(printer);
    const a = sale();
    const b = sale();
    const c = sale();
    for (const s of [a, b, c]) await receipts.printSale(s.id, { deferred: false });
    const out = await receipts.reprintInterrupted();
    expect(out.map((o) => o.status)).toEqual(['printed', 'interrupted']);
    expect(receipts.unprinted().map((p) => p.receiptNo)).toEqual([b.receiptNo, c.receiptNo]);
  });

  it('a printer error is recorded as failed, listed, and never throws into the checkout', async () => {
    const receipts = service(scripted(['boom']));
    const s = sale();
    expect(await receipts.printSale(s.id, { deferred: false })).toEqual({ status: 'failed', detail: 'encoder exploded' });
    expect(receipts.unprinted()).toMatchObject([{ status: 'failed' }]);
  });

  it('printing again after a restart (the row says it was sent) is a reprint', async () => {
    const printer = scripted(['printed', 'printed']);
    const receipts = service(printer);
    const s = sale();
    await receipts.printSale(s.id, { deferred: false });
    await receipts.printSale(s.id, { deferred: false });
    expect(printer.jobs.map((j) => j.options)).toEqual([
      { reprint: false, openDrawer: true },
      { reprint: true, openDrawer: false },
    ]);
    expect(JSON.parse(journal('receipt.reprinted')[0]?.payload ?? '{}')).toMatchObject({ reason: 'restart' });
  });

  it('no printer: nothing recorded, status none; a reprint asks for a printer', async () => {
    const receipts = service(null);
    const s = sale();
    expect(await receipts.printSale(s.id, { deferred: false })).toEqual({ status: 'none' });
    expect(getReceiptPrint(db, s.id)).toBeNull();
    await expect(receipts.reprint({ saleId: s.id })).rejects.toThrow(/no receipt printer is configured/);
  });

  it('reprinting a receipt that does not exist names it', async () => {
    const receipts = service(scripted([]));
    await expect(receipts.reprint({ receiptNo: 42 })).rejects.toThrow(ReceiptError);
    await expect(receipts.reprint({ receiptNo: 42 })).rejects.toThrow('there is no receipt 42 on terminal T01');
    await expect(receipts.reprint({ receiptNo: 0 })).rejects.toThrow(/whole number from 1/);
  });
});
