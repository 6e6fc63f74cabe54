// Where a finished sale's receipt goes. The receipt service (receipt-service.ts) calls `print`
// after the sale is committed; the device manager's ESC/POS printer, the text printer of
// training mode, or nothing at all plug in here.
import type { ReceiptModel } from '../domain/receipt.ts';
import { renderReceiptText } from '../domain/receipt.ts';
import type { SaleRecord } from '../domain/sale-record.ts';

/** The printer took the job: 'printed' only when it confirmed it (ESC/POS GS r). */
export type PrintOutcome = { readonly outcome: 'printed' } | { readonly outcome: 'unconfirmed'; readonly reason: string };

export interface PrintOptions {
  /** Marked "REPRINT" on the slip. */
  readonly reprint: boolean;
  /** Kick the cash drawer with this job. */
  readonly openDrawer: boolean;
}

/**
 * Thrown when a job could not be printed because of the printer's state (paper out, cover
 * open, offline, unplugged): the receipt service prints it again once the printer is ready.
 * `sent` says whether any of it reached the printer.
 */
export class ReceiptInterruptedError extends Error {
  override name = 'ReceiptInterruptedError';
  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
  }
}

export interface ReceiptPrinter {
  /** Prints one receipt. Rejecting never undoes the sale: it is already committed. */
  print(model: ReceiptModel, record: SaleRecord, options: PrintOptions): Promise<PrintOutcome>;
  /** Opens the drawer without printing (a cash sale whose receipt is deferred, a no-sale opening). */
  openDrawer?(): Promise<void>;
}

/** Writes the receipt as text lines (training mode, `npm start`). */
export function textReceiptPrinter(write: (line: string) => void, columns = 42): ReceiptPrinter {
  return {
    async print(model, _record, options) {
      if (options.reprint) write('*** REPRINT 重印 ***');
      for (const line of renderReceiptText(model, columns)) write(line);
      return { outcome: 'printed' };
    },
  };
}
