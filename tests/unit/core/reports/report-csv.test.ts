// The report as CSV: RFC 4180 that a CSV parser reads back to the same figures, names with
// commas and quotes included.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvText, reportCsv } from '../../../../src/core/reports/report-csv.ts';
import { sampleReport } from '../../domain/reports/sample-report.ts';

describe('report CSV', () => {
  it('quotes exactly the fields that need it and ends lines with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvText([['a', 'b'], ['1', '2']])).toBe('a,b\r\n1,2\r\n');
  });

  it('parses back with csv-parse to the report figures', () => {
    const report = sampleReport();
    const text = reportCsv(report, { lang: 'en', time: (iso) => iso.slice(0, 16).replace('T', ' ') });
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parse(text, { columns: true, relax_column_count: false }) as Record<string, string>[];
    const get = (section: string, item: string, field = '') => rows.find((r) => r.section === section && r.item === item && r.field === field)?.value;
    expect(Object.keys(rows[0] ?? {})).toEqual(['section', 'item', 'field', 'value']);
    expect(get('report', 'zNo')).toBe('12');
    expect(get('sales', 'Paid')).toBe('70.00');
    expect(get('tenders', 'Alipay', 'Amount')).toBe('40.00');
    expect(get('cashiers', 'Lee, "Bob"', 'Sales')).toBe('2');
    expect(get('cashiers', '王芳', 'Amount')).toBe('10.00');
    expect(get('hourly', '11:00', 'Amount')).toBe('60.00');
    expect(get('cash', 'alice 00:30', 'Over/short')).toBe('-10.00');
    const hours = rows.filter((r) => r.section === 'hourly' && r.field === 'Amount').reduce((s, r) => s + Number(r.value), 0);
    expect(hours.toFixed(2)).toBe(get('sales', 'Paid'));
  });
});
