// An X or Z report on the receipt printer (issue 7 §4): the report's text lines
// (renderReportText at the profile's columns) as one printer job with a bold title and a cut,
// ESC/POS or StarPRNT by profile, Chinese as GBK between FS & and FS . on GB-font printers.
// receipt-printer-encoder does the commands, as for receipts; the receipt encoder itself
// takes a sale's receipt model, not free lines, so the few steps it does per line are
// repeated here (same substitutions: ¥ → ￥ and wide characters a printer cannot show become
// '?'/'？', one per column, so right-aligned amounts keep their column).
//
// `printReport(report, printer, options)` is what the API calls; `printer` is anything with a
// profile and a print(bytes) — the device manager's EscPosPrinter driver, or a test's virtual
// printer. A job the printer does not confirm resolves 'unconfirmed'; one interrupted by the
// printer (paper out, cover open) rejects with the driver's error: the report is stored (a Z)
// or cheap to make again (an X), so the caller just prints again.
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { segmentGbkText, toGbkPrintable } from '../../../drivers/printer/gbk-text.ts';
import type { PrinterProfile } from '../../../drivers/printer/printer-profiles.ts';
import { validatePrinterProfile } from '../../../drivers/printer/printer-profiles.ts';
import { ESCPOS_DIALECT } from '../../../drivers/printer/receipt-encoder.ts';
import { STARPRNT_DIALECT } from '../../../drivers/printer/starprnt.ts';
import type { PrintResult } from '../../../drivers/printer/escpos-printer.ts';
import { charWidth } from '../../domain/receipt.ts';
import type { ReportData } from '../../domain/reports/day-report.ts';
import { renderReportText, type ReportTextOptions } from '../../domain/reports/report-text.ts';

export interface ReportPrinter {
  readonly profile: PrinterProfile;
  print(job: Uint8Array, options: { readonly jobId?: string }): Promise<PrintResult>;
}

export interface EncodedReport {
  readonly bytes: Uint8Array;
  /** The lines as printed (after substitutions), top to bottom. */
  readonly lines: readonly string[];
  /** Characters printed as '?' or '？'. */
  readonly replaced: number;
}

const TEAR_OFF_FEED_LINES = 4;

/** Single-byte printers: wide characters become '??' (same columns), zero-width ones go. */
function singleByte(line: string): { text: string; replaced: number } {
  let text = '';
  let replaced = 0;
  for (const ch of line.normalize('NFC')) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (w === 2) {
      text += '??';
      replaced += 1;
    } else if (w === 1) text += ch;
  }
  return { text, replaced };
}

function writeLine(encoder: ReceiptPrinterEncoder, profile: PrinterProfile, line: string): { text: string; replaced: number } {
  if (profile.cjk === 'gbk-fs') {
    let text = '';
    let replaced = 0;
    for (const seg of segmentGbkText(line)) {
      text += seg.text;
      if (seg.kind === 'narrow') encoder.text(seg.text);
      else {
        encoder.raw(seg.bytes);
        if (seg.kind === 'gbk') replaced += seg.replaced;
      }
    }
    encoder.newline();
    return { text, replaced };
  }
  const printed = singleByte(line);
  for (const run of printed.text.match(/[\x20-\x7e]+|[^\x20-\x7e]+/gu) ?? []) {
    if (run.charCodeAt(0) <= 0x7e) encoder.raw(Uint8Array.from(run, (c) => c.charCodeAt(0)));
    else encoder.text(run);
  }
  encoder.newline();
  return printed;
}

/** The report as one printer job for this profile. */
export function encodeReportJob(report: ReportData, profile: PrinterProfile, options: ReportTextOptions): EncodedReport {
  validatePrinterProfile(profile);
  const prepare = profile.cjk === 'gbk-fs' ? toGbkPrintable : (s: string) => s.normalize('NFC');
  // Lay out after the substitutions that change widths (¥ → ￥), as the receipt encoder does.
  const laid = renderReportText(report, profile.columns, options).map(prepare);
  const star = profile.language === 'star-prnt';
  const cut = profile.cutter;
  const encoder = new ReceiptPrinterEncoder({
    printerModel: profile.encoderModel,
    columns: profile.columns,
    newline: '\n',
    errors: 'strict',
    autoFlush: star && !cut,
  });
  encoder.initialize();
  encoder.codepage(profile.codepage as Parameters<ReceiptPrinterEncoder['codepage']>[0]);
  const titleLines = (options.header?.length ?? 0) + 1;
  const lines: string[] = [];
  let replaced = 0;
  laid.forEach((line, i) => {
    const bold = i < titleLines;
    if (bold) encoder.bold(true);
    const p = writeLine(encoder, profile, line);
    if (bold) encoder.bold(false);
    lines.push(p.text);
    replaced += p.replaced;
  });
  const dialect = star ? STARPRNT_DIALECT : ESCPOS_DIALECT;
  if (cut) dialect.cut(encoder);
  else encoder.newline(TEAR_OFF_FEED_LINES);
  dialect.end(encoder); // ESC/POS: GS r 1, which the driver waits for to confirm the job
  return { bytes: encoder.encode(), lines, replaced };
}

/** Prints the report on the receipt printer; resolves with the driver's outcome and the printed lines. */
export async function printReport(
  report: ReportData,
  printer: ReportPrinter,
  options: ReportTextOptions,
): Promise<PrintResult & { readonly lines: readonly string[] }> {
  const job = encodeReportJob(report, printer.profile, options);
  const jobId = report.kind === 'Z' ? `report-z-${report.terminalId}-${report.zNo ?? 0}-${Date.now()}` : `report-x-${Date.now()}`;
  const result = await printer.print(job.bytes, { jobId });
  return { ...result, lines: job.lines };
}
