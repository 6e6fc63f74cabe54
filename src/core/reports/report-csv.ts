// An X or Z report as CSV (RFC 4180: comma-separated, CRLF line ends, a field quoted when it
// holds a comma, quote, CR or LF, quotes doubled). Hand-written: csv-stringify is not a
// dependency (csv-parse is, and the tests read the output back with it), and the writer is the
// ten lines of quoting below.
//
// Shape (long, so every figure has the same four columns whatever the section):
//   section,item,field,value
//   report,Terminal,,T01
//   sales,Paid,,1234.50
//   tenders,Cash,Amount,800.00
// `section` is a stable English key; `item` and `field` are the labels of the report's
// language; amounts are plain decimals ("1234.50"), counts whole numbers.
import type { ReportData } from '../../domain/reports/day-report.ts';
import { reportDocument, type ReportTextOptions } from '../../domain/reports/report-text.ts';

/** One RFC 4180 field. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Rows as RFC 4180 text, each line ended by CRLF. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

export const REPORT_CSV_HEADER = ['section', 'item', 'field', 'value'] as const;

/** The report's rows: the header, then every figure as section,item,field,value. */
export function reportCsvRows(report: ReportData, options: ReportTextOptions): string[][] {
  const doc = reportDocument(report, options);
  const rows: string[][] = [[...REPORT_CSV_HEADER]];
  rows.push(['report', 'title', '', doc.title]);
  rows.push(['report', 'kind', '', report.kind]);
  rows.push(['report', 'zNo', '', report.zNo === null ? '' : String(report.zNo)]);
  rows.push(['report', 'currency', '', report.currency]);
  for (const [label, value] of doc.meta) rows.push(['report', label, '', value]);
  for (const s of doc.sections) {
    for (const r of s.rows) {
      const item = r[0] ?? '';
      if (s.headers.length === 0) rows.push([s.key, item, '', r[1] ?? '']);
      else s.headers.forEach((h, i) => rows.push([s.key, item, h, r[i + 1] ?? '']));
    }
  }
  return rows;
}

/** The report as RFC 4180 CSV text. */
export function reportCsv(report: ReportData, options: ReportTextOptions): string {
  return csvText(reportCsvRows(report, options));
}
