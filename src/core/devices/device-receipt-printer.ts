// The receipt printer the receipt service uses when a real (or simulated) printer is
// configured: encodes the domain's receipt model for the printer's profile (logo-less, the
// receipt number as a CODE128 barcode, the e-receipt QR when a link is configured, a cut, the
// drawer pulse on cash sales) and hands it to the ESC/POS driver, translating the driver's
// "cut short" errors into the core's ReceiptInterruptedError.
import { PrintInterruptedError, type EscPosPrinter } from '../../../drivers/printer/escpos-printer.ts';
import type { PrinterProfile } from '../../../drivers/printer/printer-profiles.ts';
import { encodeReceipt } from '../../../drivers/printer/receipt-encoder.ts';
import type { SaleRecord } from '../../domain/sale-record.ts';
import type { PrinterDeviceConfig } from '../device-config.ts';
import { ReceiptInterruptedError, type ReceiptPrinter } from '../receipt-printer.ts';

const CAUSES: Readonly<Record<PrintInterruptedError['cause'], string>> = {
  'paper-out': 'the printer is out of paper',
  'cover-open': 'the printer cover is open',
  offline: 'the printer is offline',
  disconnected: 'the printer is not connected',
};

/** What the receipt's CODE128 carries: terminal and receipt number, short enough for 58 mm. */
export function receiptBarcode(record: Pick<SaleRecord, 'terminalId' | 'receiptNo'>): string {
  return `${record.terminalId}-${String(record.receiptNo).padStart(6, '0')}`;
}

export function receiptQr(template: string | null, record: Pick<SaleRecord, 'id' | 'receiptNo'>): string | undefined {
  if (template === null) return undefined;
  return template.replaceAll('{saleId}', encodeURIComponent(record.id)).replaceAll('{receiptNo}', String(record.receiptNo));
}

export function deviceReceiptPrinter(device: PrinterDeviceConfig, profile: PrinterProfile, driver: () => EscPosPrinter | null): ReceiptPrinter {
  const pulse = device.drawer ? { pin: device.drawer.pin, onMs: device.drawer.onMs, offMs: device.drawer.offMs } : null;
  return {
    async print(model, record, options) {
      const printer = driver();
      if (!printer) throw new ReceiptInterruptedError(CAUSES.disconnected, false);
      const qr = receiptQr(device.qrUrl, record);
      const bytes = encodeReceipt(model, profile, {
        cut: true,
        reprint: options.reprint,
        barcode: receiptBarcode(record),
        ...(qr !== undefined ? { qr } : {}),
        ...(options.openDrawer && pulse ? { drawerPulse: pulse } : {}),
        jobId: record.id,
      });
      try {
        const result = await printer.print(bytes, { jobId: record.id });
        return result.outcome === 'printed' ? { outcome: 'printed' } : { outcome: 'unconfirmed', reason: result.reason };
      } catch (err) {
        if (err instanceof PrintInterruptedError) throw new ReceiptInterruptedError(CAUSES[err.cause], err.sent);
        throw err;
      }
    },
    async openDrawer() {
      const printer = driver();
      if (!printer) throw new ReceiptInterruptedError(CAUSES.disconnected, false);
      if (!pulse) throw new Error(`printer "${device.id}" has no cash drawer configured (its "drawer" block is null)`);
      await printer.openDrawer(pulse);
    },
  };
}
