import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { previewProfile, receiptPreview } from '../../../../src/core/api/receipt-preview.ts';
import { parseConfig } from '../../../../src/core/config.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';

const sale = { ...makeSale({ training: false }), receiptNo: 42 };

function png(dataUrl: string): PNG {
  const prefix = 'data:image/png;base64,';
  expect(dataUrl.startsWith(prefix)).toBe(true);
  return PNG.sync.read(Buffer.from(dataUrl.slice(prefix.length), 'base64'));
}

describe('receipt preview', () => {
  it('is the slip the printer decodes: store, items, totals, the receipt barcode, and a PNG of it', () => {
    const config = parseConfig({ language: 'en', storeName: 'Corner Shop' });
    const p = receiptPreview(sale, config);
    expect(p.saleId).toBe(sale.id);
    expect(p.receiptNo).toBe(42);
    const text = p.text.join('\n');
    expect(text).toContain('Corner Shop');
    for (const line of sale.lines) expect(text).toContain(line.name);
    expect(text).toMatch(/19\.99/);
    expect(text).toContain('[code128 T01-000042]');
    // 80 mm generic printer without a printer configured: 48 columns.
    expect(Math.max(...p.text.map((l) => l.length))).toBeLessThanOrEqual(48);
    const image = png(p.png);
    expect(image.width).toBeGreaterThanOrEqual(576);
    expect(image.height).toBeGreaterThan(p.text.length * 20);
  });

  it("uses the configured printer's paper and its e-receipt link", () => {
    const config = parseConfig({
      devices: [{ id: 'printer', type: 'printer', transport: 'serial', path: '/dev/ttyUSB0', profile: 'xprinter-58', qrUrl: 'https://r.example.com/{receiptNo}' }],
    });
    const p = receiptPreview(sale, config);
    expect(Math.max(...p.text.map((l) => l.length))).toBeLessThanOrEqual(32);
    expect(p.text.join('\n')).toContain('[QR https://r.example.com/42]');
    expect(png(p.png).width).toBeLessThan(576);
  });

  it('previews a StarPRNT printer on the ESC/POS profile of the same paper', () => {
    expect(previewProfile({ profile: 'star-tsp100' }).id).toBe('generic-80-gbk');
    expect(previewProfile(null).id).toBe('generic-80-gbk');
    expect(previewProfile({ profile: 'epson-tm-t88' }).columns).toBe(42);
  });
});
