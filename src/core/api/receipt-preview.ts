// A committed sale's receipt as the printer would print it, for the recent-sales list: the
// receipt model encoded into the bytes the terminal's printer gets, fed to the virtual ESC/POS
// printer (drivers/sim/virtual-printer.ts), and the slip it decodes drawn as a PNG
// (receipt-png.ts). So the preview is what the printer makes of the bytes, not a second layout
// that could drift from the real one.
//
// Decisions a caller must know:
// - The model is built as ReceiptService builds it (terminal language, store name as the
//   header, tax labels from the config); keep the two in step.
// - The profile is the configured printer's. A terminal without a printer, or with a StarPRNT
//   printer (the virtual printer speaks ESC/POS only), previews on the ESC/POS profile of the
//   same paper width: 'generic-80-gbk' (80 mm) or 'xprinter-58' (58 mm).
// - Never marked as a reprint, never with a drawer pulse: it is a picture, nothing is sent.
// - `text` is the slip as the sim's control API prints it (renderText: placed lines, symbols as
//   "[code128 …]" / "[QR …]", the cut as a rule), so it can be compared with a printed one.
// - The PNG needs GNU Unifont (/usr/share/unifont/unifont.hex); without it FontError says how
//   to install it.
import { getPrinterProfile, PRINTER_PROFILES, type PrinterProfile } from '../../../drivers/printer/printer-profiles.ts';
import { encodeReceipt } from '../../../drivers/printer/receipt-encoder.ts';
import { renderReceiptPng } from '../../../drivers/sim/receipt-png.ts';
import { renderText, VirtualPrinter } from '../../../drivers/sim/virtual-printer.ts';
import { buildReceiptModel } from '../../domain/receipt.ts';
import type { SaleRecord } from '../../domain/sale-record.ts';
import type { ReceiptPreview } from '../../shared/api.ts';
import type { KassaConfig } from '../config.ts';
import type { PrinterDeviceConfig } from '../device-config.ts';
import { receiptBarcode, receiptQr } from '../devices/device-receipt-printer.ts';

/** The ESC/POS profile the preview is printed on (see the header). */
export function previewProfile(printer: Pick<PrinterDeviceConfig, 'profile'> | null): PrinterProfile {
  const configured = printer ? getPrinterProfile(printer.profile) : null;
  if (configured && configured.language === 'esc-pos') return configured;
  return configured?.paperMm === 58 ? PRINTER_PROFILES['xprinter-58'] : PRINTER_PROFILES['generic-80-gbk'];
}

function printerOf(config: Pick<KassaConfig, 'devices'>): PrinterDeviceConfig | null {
  const found = config.devices.find((d) => d.type === 'printer');
  return found?.type === 'printer' ? found : null;
}

export interface PreviewOptions {
  /** Unifont path for the PNG (tests). */
  readonly fontPath?: string;
}

export function receiptPreview(record: SaleRecord, config: Pick<KassaConfig, 'devices' | 'language' | 'storeName' | 'taxClasses'>, options: PreviewOptions = {}): ReceiptPreview {
  const device = printerOf(config);
  const profile = previewProfile(device);
  const taxLabels = Object.fromEntries(config.taxClasses.map((t) => [t.id, t.label]));
  const model = buildReceiptModel(record, { lang: config.language, header: [config.storeName], taxLabels });
  const qr = receiptQr(device?.qrUrl ?? null, record);
  const bytes = encodeReceipt(model, profile, { cut: true, reprint: false, barcode: receiptBarcode(record), ...(qr !== undefined ? { qr } : {}) });
  const printer = new VirtualPrinter({ paperMm: profile.paperMm === 58 ? 58 : 80, columns: profile.columns });
  printer.write(bytes, 0);
  const slip = printer.receipts()[0];
  if (slip === undefined) throw new Error(`receipt ${record.receiptNo}: the virtual printer printed nothing from ${bytes.length} bytes`);
  const png = renderReceiptPng(slip, options.fontPath !== undefined ? { fontPath: options.fontPath } : {});
  return {
    saleId: record.id,
    receiptNo: record.receiptNo,
    text: renderText(slip).replace(/\n$/, '').split('\n'),
    png: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
  };
}
