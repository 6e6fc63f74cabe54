// The report as PDF: it opens again with pdf-lib, with the title and page count expected, with
// the CJK font embedded as a subset when there is one and the Helvetica note when there is not.
import { existsSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { CJK_FONT_PATHS, reportPdf } from '../../../../src/core/reports/report-pdf.ts';
import { sampleReport } from '../../domain/reports/sample-report.ts';
import type { ReportData } from '../../../../src/domain/reports/day-report.ts';

const cjk = CJK_FONT_PATHS.find((p) => existsSync(p));

describe('report PDF', () => {
  it.skipIf(cjk === undefined)('embeds a subset of the CJK font and parses back with its title', async () => {
    const pdf = await reportPdf(sampleReport(), { lang: 'zh-CN' });
    expect(pdf.font).toBe(cjk);
    expect(pdf.replaced).toBe(0);
    // A 4 MB font subset to a few dozen glyphs.
    expect(pdf.bytes.length).toBeLessThan(400_000);
    const doc = await PDFDocument.load(pdf.bytes);
    expect(doc.getPageCount()).toBe(pdf.pages);
    expect(doc.getTitle()).toBe('Z report #12 T01 2025-03-02');
  });

  it('falls back to Helvetica with a visible note and ? for what it cannot show', async () => {
    const pdf = await reportPdf(sampleReport(), { lang: 'zh-CN', fontPaths: [] });
    expect(pdf.font).toBeNull();
    expect(pdf.replaced).toBe(2); // 王芳 in the cashiers table
    const doc = await PDFDocument.load(pdf.bytes);
    expect(doc.getTitle()).toBe('Z report #12 T01 2025-03-02');
    // The note is drawn as text in the content stream (Helvetica: plain hex of WinAnsi bytes).
    const hex = Buffer.from('Note: no CJK font was found', 'latin1').toString('hex').toUpperCase();
    const { inflateSync } = await import('node:zlib');
    const streams = [...Buffer.from(pdf.bytes).toString('latin1').matchAll(/stream\r?\n([\s\S]*?)endstream/g)].map((m) => {
      const raw = Buffer.from(m[1] ?? '', 'latin1');
      try {
        return inflateSync(raw).toString('latin1');
      } catch {
        return raw.toString('latin1');
      }
    });
    expect(streams.some((s) => s.toUpperCase().includes(hex))).toBe(true);
  });

  it('runs onto more pages when the report is long, and refuses a font file that is not there', async () => {
    const base = sampleReport();
    const many: ReportData = { ...base, cashiers: Array.from({ length: 120 }, (_, i) => ({ ...base.cashiers[0]!, cashier: `cashier ${i}` })) };
    const pdf = await reportPdf(many, { lang: 'en', fontPaths: [] });
    expect(pdf.pages).toBeGreaterThan(1);
    expect((await PDFDocument.load(pdf.bytes)).getPageCount()).toBe(pdf.pages);
    await expect(reportPdf(base, { lang: 'en', fontPath: '/nonexistent/font.ttf' })).rejects.toThrow(/the PDF font \/nonexistent\/font.ttf does not exist/);
  });
});
