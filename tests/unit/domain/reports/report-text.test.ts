// The report as text: every line fits the paper, the figures a manager checks are where they
// expect them, and the hourly chart's bars follow the amounts.
import { describe, expect, it } from 'vitest';
import { hourlyChart, renderReportText, reportDocument } from '../../../../src/domain/reports/report-text.ts';
import { textWidth } from '../../../../src/domain/receipt.ts';
import { sampleReport } from './sample-report.ts';

const time = (iso: string) => iso.slice(0, 16).replace('T', ' ');

describe('report text', () => {
  for (const columns of [32, 42, 48]) {
    for (const lang of ['en', 'zh-CN'] as const) {
      it(`${lang}, ${columns} columns: no line is wider than the paper`, () => {
        const lines = renderReportText(sampleReport(), columns, { lang, time, header: ['Kassa Store 门店'] });
        for (const l of lines) expect(textWidth(l), l).toBeLessThanOrEqual(columns);
      });
    }
  }

  it('shows the title, the paid total, tenders, cash over/short and flags where a manager looks', () => {
    const lines = renderReportText(sampleReport(), 42, { lang: 'en', time });
    const text = lines.join('\n');
    expect(lines[0]?.trim()).toBe('Z REPORT (day closed) #12');
    expect(lines).toContain(`Paid${' '.repeat(42 - 4 - 5)}70.00`);
    expect(text).toMatch(/^Cash +1 +10\.00 +0\.00 +10\.00$/m);
    const wide = renderReportText(sampleReport(), 48, { lang: 'en', time }).join('\n');
    expect(wide).toMatch(/^alice 00:30 +200\.00 +210\.00 +200\.00 +-10\.00$/m);
    expect(text).toMatch(/alice \(Shift S1\): voids +12 > 10/);
    expect(text).toMatch(/^From {22}2025-03-02 01:00$/m);
  });

  it('writes Chinese labels for zh-CN', () => {
    const text = renderReportText(sampleReport(), 42, { lang: 'zh-CN', time }).join('\n');
    expect(text).toContain('Z 报表 日结 #12');
    expect(text).toMatch(/^实收 +70\.00$/m);
    expect(text).toMatch(/^支付宝 +1 +40\.00/m);
  });

  it('draws hourly bars in proportion to the amounts, busiest hour full width', () => {
    const doc = reportDocument(sampleReport(), { lang: 'en', time });
    expect(doc.hours.map((h) => h.hour)).toEqual([9, 10, 11]);
    const chart = hourlyChart(doc.hours, 'CNY', 42);
    expect(chart).toHaveLength(3);
    const bars = chart.map((l) => (l.match(/#+/)?.[0] ?? '').length);
    expect(bars[1]).toBe(0); // 10:00 had no sales
    expect(bars[2]).toBeGreaterThan(bars[0] ?? 0);
    expect(Math.round(((bars[2] ?? 0) * 10) / 60)).toBe(bars[0]); // 10.00 vs 60.00
    expect(chart[2]).toMatch(/^11 #+ +2 +60\.00$/);
  });
});
