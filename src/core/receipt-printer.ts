// Where a finished sale's receipt goes. The checkout's receipt step calls `print` after the
// sale is committed; the ESC/POS and StarPRNT printers plug in here with the devices.
import type { ReceiptModel } from '../domain/receipt.ts';
import { renderReceiptText } from '../domain/receipt.ts';
import type { SaleRecord } from '../domain/sale-record.ts';

export interface ReceiptPrinter {
  /** Prints one receipt. Rejecting never undoes the sale: it is already committed. */
  print(model: ReceiptModel, record: SaleRecord): Promise<void>;
}

/** For terminals with no receipt printer configured: the sale is complete without a slip. */
export const noReceiptPrinter: ReceiptPrinter = {
  async print() {},
};

/** Writes the receipt as text lines (training mode, `npm start`). */
export function textReceiptPrinter(write: (line: string) => void, columns = 42): ReceiptPrinter {
  return {
    async print(model) {
      for (const line of renderReceiptText(model, columns)) write(line);
    },
  };
}
