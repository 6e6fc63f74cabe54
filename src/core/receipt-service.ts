// Prints sales' receipts and keeps account of every slip that did not print, so none is lost:
// the checkout's receipt step, manual reprints, and the automatic reprint of slips cut short by
// the printer (paper out, cover open, offline) once it is ready again.
//
// Decisions:
// - Intent before effect (ARCHITECTURE.md §3 rule 3): the receipt_prints row is written before
//   a job is sent. A sale whose row shows it was sent before is printed marked "REPRINT" and
//   the reprint is journalled ('receipt.reprinted', with why: manual, paper back, restart).
// - Jobs go to the printer one after another (a promise chain): a reprint never interleaves
//   with a sale's slip.
// - No printer configured: nothing is recorded, the receipt step reports 'none'.
// - Only slips cut short by the printer's state (ReceiptInterruptedError) reprint by
//   themselves; deferred ones (the cashier went on without paper), unconfirmed and failed ones
//   stay listed until someone reprints them.
import type { ReceiptOutput } from '../../state-machines/checkout.machine.ts';
import { buildReceiptModel } from '../domain/receipt.ts';
import type { SaleRecord } from '../domain/sale-record.ts';
import type { KassaConfig } from './config.ts';
import { appendJournal } from './db/journal.ts';
import type { Db } from './db/open.ts';
import { getReceiptPrint, listUnprinted, recordDeferred, recordOutcome, recordSend, type ReceiptPrint } from './db/receipt-prints.ts';
import { getSale } from './db/sales.ts';
import type { Logger } from './logger.ts';
import { ReceiptInterruptedError, type ReceiptPrinter } from './receipt-printer.ts';

export type ReprintReason = 'manual' | 'printer-ready' | 'restart';

export interface ReceiptServiceOptions {
  readonly db: Db;
  readonly config: KassaConfig;
  readonly logger: Logger;
  /** null: this terminal prints no receipts. */
  readonly printer: ReceiptPrinter | null;
  readonly now?: () => Date;
}

export class ReceiptError extends Error {
  override name = 'ReceiptError';
}

export class ReceiptService {
  readonly #db: Db;
  readonly #config: KassaConfig;
  readonly #logger: Logger;
  readonly #printer: ReceiptPrinter | null;
  readonly #now: () => Date;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ReceiptServiceOptions) {
    this.#db = options.db;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#printer = options.printer;
    this.#now = options.now ?? (() => new Date());
  }

  get hasPrinter(): boolean {
    return this.#printer !== null;
  }

  /** The checkout's receipt step. Never throws for the printer's sake: the outcome says what happened. */
  printSale(saleId: string, options: { deferred: boolean }): Promise<ReceiptOutput> {
    return this.#serial(async () => {
      const record = this.#sale(saleId);
      if (!this.#printer) return { status: 'none' };
      const previous = getReceiptPrint(this.#db, saleId);
      if (options.deferred && (previous === null || previous.sends === 0)) {
        const detail = 'printer out of paper: the cashier continued without a receipt';
        recordDeferred(this.#db, this.#ref(record), detail, this.#at());
        this.#journal('receipt.deferred', record, { receiptNo: record.receiptNo, detail });
        if (this.#opensDrawer(record)) await this.#openDrawerQuietly(record);
        this.#logger.warn({ saleId, receiptNo: record.receiptNo }, 'receipt deferred: printer out of paper');
        return { status: 'deferred', detail };
      }
      // A row that says the job was sent before: the checkout was restored into its receipt step.
      const reprint = previous !== null && previous.sends > 0;
      return this.#print(record, { reprint, reason: 'restart', openDrawer: !reprint && this.#opensDrawer(record) });
    });
  }

  /** Prints a sale's receipt again, marked as a reprint and journalled. */
  reprint(ref: { saleId: string } | { receiptNo: number }, reason: ReprintReason = 'manual'): Promise<ReceiptOutput & { receiptNo: number }> {
    return this.#serial(async () => {
      const saleId = 'saleId' in ref ? ref.saleId : this.#saleIdOf(ref.receiptNo);
      const record = this.#sale(saleId);
      if (!this.#printer) throw new ReceiptError('no receipt printer is configured on this terminal: add one to the "devices" block of kassa.config.json');
      const previous = getReceiptPrint(this.#db, saleId);
      const reprint = previous !== null && previous.sends > 0 ? true : reason === 'manual';
      const out = await this.#print(record, { reprint, reason, openDrawer: false });
      return { ...out, receiptNo: record.receiptNo };
    });
  }

  /** The printer is ready again: print every slip it cut short, oldest first. */
  async reprintInterrupted(): Promise<ReceiptOutput[]> {
    const pending = listUnprinted(this.#db, this.#config.terminalId).filter((p) => p.status === 'interrupted');
    const out: ReceiptOutput[] = [];
    for (const p of pending) {
      const again = getReceiptPrint(this.#db, p.saleId);
      if (again?.status !== 'interrupted') continue;
      const result = await this.reprint({ saleId: p.saleId }, 'printer-ready');
      out.push(result);
      if (result.status === 'interrupted') break;
    }
    return out;
  }

  /** Every receipt of this terminal not confirmed printed. */
  unprinted(): ReceiptPrint[] {
    return listUnprinted(this.#db, this.#config.terminalId);
  }

  async #print(record: SaleRecord, job: { reprint: boolean; reason: ReprintReason; openDrawer: boolean }): Promise<ReceiptOutput> {
    const printer = this.#printer;
    if (!printer) return { status: 'none' };
    const at = this.#at();
    recordSend(this.#db, this.#ref(record), job.reprint, at);
    if (job.reprint) this.#journal('receipt.reprinted', record, { receiptNo: record.receiptNo, reason: job.reason });
    try {
      const result = await printer.print(this.#model(record), record, { reprint: job.reprint, openDrawer: job.openDrawer });
      if (result.outcome === 'printed') {
        recordOutcome(this.#db, record.id, 'printed', null, this.#at());
        this.#logger.info({ saleId: record.id, receiptNo: record.receiptNo, reprint: job.reprint }, 'receipt printed');
        return { status: 'printed' };
      }
      recordOutcome(this.#db, record.id, 'unconfirmed', result.reason, this.#at());
      this.#logger.warn({ saleId: record.id, receiptNo: record.receiptNo, reason: result.reason }, 'receipt sent, not confirmed');
      return { status: 'unconfirmed', detail: result.reason };
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (err instanceof ReceiptInterruptedError) {
        recordOutcome(this.#db, record.id, 'interrupted', detail, this.#at());
        if (!err.sent && job.openDrawer) await this.#openDrawerQuietly(record);
        this.#logger.warn({ saleId: record.id, receiptNo: record.receiptNo, detail, sent: err.sent }, 'receipt interrupted; it reprints when the printer is ready');
        return { status: 'interrupted', detail };
      }
      recordOutcome(this.#db, record.id, 'failed', detail, this.#at());
      this.#logger.error({ saleId: record.id, receiptNo: record.receiptNo, err }, 'receipt failed');
      return { status: 'failed', detail };
    }
  }

  #opensDrawer(record: SaleRecord): boolean {
    const printer = this.#config.devices.find((d) => d.type === 'printer');
    const drawer = printer?.type === 'printer' ? printer.drawer : null;
    return drawer !== null && drawer !== undefined && drawer.openOnCashSale && record.tenders.some((t) => t.method === 'cash');
  }

  async #openDrawerQuietly(record: SaleRecord): Promise<void> {
    try {
      await this.#printer?.openDrawer?.();
    } catch (err) {
      this.#logger.error({ saleId: record.id, err }, 'the cash drawer did not open');
    }
  }

  #model(record: SaleRecord) {
    const taxLabels = Object.fromEntries(this.#config.taxClasses.map((t) => [t.id, t.label]));
    return buildReceiptModel(record, { lang: this.#config.language, header: [this.#config.storeName], taxLabels });
  }

  #sale(saleId: string): SaleRecord {
    const record = getSale(this.#db, saleId);
    if (!record) throw new ReceiptError(`sale ${saleId} is not in the store; nothing to print`);
    return record;
  }

  #saleIdOf(receiptNo: number): string {
    if (!Number.isInteger(receiptNo) || receiptNo < 1) throw new ReceiptError(`receipt number must be a whole number from 1; got ${receiptNo}`);
    const id = this.#db
      .prepare<[string, number], string>('SELECT id FROM sales WHERE terminal_id = ? AND receipt_no = ?')
      .pluck()
      .get(this.#config.terminalId, receiptNo);
    if (id === undefined) throw new ReceiptError(`there is no receipt ${receiptNo} on terminal ${this.#config.terminalId}`);
    return id;
  }

  #ref(record: SaleRecord) {
    return { saleId: record.id, terminalId: record.terminalId, receiptNo: record.receiptNo };
  }

  #journal(kind: 'receipt.reprinted' | 'receipt.deferred', record: SaleRecord, payload: Record<string, unknown>): void {
    const at = this.#at();
    this.#db.transaction(() => appendJournal(this.#db, { terminalId: this.#config.terminalId, kind, ref: record.id, payload, at })).immediate();
  }

  #at(): string {
    return this.#now().toISOString();
  }

  #serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job, job);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
