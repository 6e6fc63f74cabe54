// Round trip: every receipt Kassa prints, decoded by the virtual printer, gives back the same
// text and QR payloads — for each built-in ESC/POS profile, in Chinese and in English, with a
// reprint banner and a drawer pulse.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAWER_PULSE } from '../../../../drivers/drawer/drawer-kick.ts';
import { PRINTER_PROFILES, type PrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import { encodeReceiptJob } from '../../../../drivers/printer/receipt-encoder.ts';
import { VirtualPrinter } from '../../../../drivers/sim/virtual-printer.ts';
import { buildReceiptModel } from '../../../../src/domain/receipt.ts';
import { goldenSale } from '../../../support/golden-bytes.ts';

const sale = goldenSale;

const escposProfiles: PrinterProfile[] = Object.values(PRINTER_PROFILES).filter((p: PrinterProfile) => p.language === 'esc-pos');

describe('receipt round trip through the virtual printer', () => {
  for (const profile of escposProfiles) {
    for (const lang of ['zh-CN', 'en'] as const) {
      if (lang === 'zh-CN' && profile.cjk === 'none') continue;
      it(`${profile.id}, ${lang}: printed text, QR and barcode come back as sent`, () => {
        const record = sale(lang);
        const model = buildReceiptModel(record, { lang, header: ['Kassa Store'] });
        const qr = `https://kassa.example/r/${record.id}`;
        const job = encodeReceiptJob(model, profile, {
          qr,
          barcode: `T01-${record.receiptNo}`,
          cut: profile.cutter,
          reprint: true,
          ...(profile.drawer ? { drawerPulse: DEFAULT_DRAWER_PULSE } : {}),
        });
        const printer = new VirtualPrinter({ paperMm: profile.paperMm, columns: profile.columns });
        const replies = printer.write(job.bytes, 0);
        const [receipt] = printer.receipts();
        expect(receipt).toBeDefined();
        if (!receipt) return;
        const printed = receipt.lines.filter((l) => l.trim() !== '');
        expect(printed).toEqual(job.lines.filter((l) => l.trim() !== ''));
        expect(receipt.qrs).toEqual([qr]);
        expect(receipt.barcodes.map((b) => b.data)).toEqual([`T01-${record.receiptNo}`]);
        expect(receipt.reprintBanner).toBe(true);
        if (profile.drawer) expect(receipt.pulses).toHaveLength(1);
        // The job ends with GS r 1, which the printer answers once the job has printed.
        expect(replies.length).toBeGreaterThan(0);
      });
    }
  }
});
