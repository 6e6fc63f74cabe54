// A report printed on the receipt printer and read back by the virtual ESC/POS printer: the
// paper says what the report says, in Chinese on a GB-font printer, cut at the end.
import { describe, expect, it } from 'vitest';
import { PRINTER_PROFILES, type PrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import { VirtualPrinter } from '../../../../drivers/sim/virtual-printer.ts';
import { encodeReportJob, printReport } from '../../../../src/core/reports/report-print.ts';
import { renderReportText } from '../../../../src/domain/reports/report-text.ts';
import { sampleReport } from '../../domain/reports/sample-report.ts';

const time = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const escpos = Object.values(PRINTER_PROFILES).filter((p: PrinterProfile) => p.language === 'esc-pos');

describe('printing a report', () => {
  for (const profile of escpos) {
    const lang = profile.cjk === 'gbk-fs' ? 'zh-CN' : 'en';
    it(`${profile.id} (${lang}): the virtual printer reads back the report's lines and a cut`, () => {
      const job = encodeReportJob(sampleReport(), profile, { lang, time, header: ['Kassa Store'] });
      const printer = new VirtualPrinter({ paperMm: profile.paperMm, columns: profile.columns });
      const replies = printer.write(job.bytes, 0);
      const [paper] = printer.receipts();
      expect(paper?.cutKind).toBe(profile.cutter ? 'full' : null);
      if (!profile.cutter) return;
      expect(paper?.lines.filter((l) => l.trim() !== '')).toEqual(job.lines.filter((l) => l.trim() !== ''));
      expect(replies.length).toBeGreaterThan(0); // GS r 1 answered: the driver can confirm the job
      const text = paper?.lines.join('\n') ?? '';
      if (lang === 'zh-CN') {
        expect(text).toContain('Z 报表 日结 #12');
        expect(text).toMatch(/王芳/);
        expect(job.replaced).toBe(0);
      } else {
        expect(text).toContain('Z REPORT (day closed) #12');
        // No GB font: 王芳 prints as ?? ?? keeping its four columns.
        expect(text).toContain('????');
        expect(job.replaced).toBe(2);
      }
      expect(paper?.lines.filter((l) => l.trim() !== '')).toHaveLength(renderReportText(sampleReport(), profile.columns, { lang, time, header: ['Kassa Store'] }).filter((l) => l.trim() !== '').length);
    });
  }

  it('printReport hands the job to the printer and returns its outcome with the printed lines', async () => {
    const profile = escpos.find((p) => p.cutter) as PrinterProfile;
    const printer = new VirtualPrinter({ paperMm: profile.paperMm, columns: profile.columns });
    const jobs: string[] = [];
    const result = await printReport(sampleReport(), {
      profile,
      print: async (bytes, options) => {
        jobs.push(options.jobId ?? '');
        printer.write(bytes, 0);
        return { outcome: 'printed' };
      },
    }, { lang: 'en', time });
    expect(result.outcome).toBe('printed');
    expect(jobs[0]).toMatch(/^report-z-T01-12-/);
    expect(printer.receipts()[0]?.lines).toContain(result.lines.find((l) => l.startsWith('Paid')));
  });
});
