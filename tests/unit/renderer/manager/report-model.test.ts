import { describe, expect, it } from 'vitest';
import type { ReportView } from '../../../../src/shared/api.ts';
import { posRequests } from '../../../../src/shared/api.ts';
import { cashDifferences, exportParams, flaggedCells, formatRate, printParams, signalColumn, sourceOf } from '../../../../src/renderer/manager/report-model.ts';

const flags: ReportView['flags'] = [
  { cashier: 'Wang', shiftId: 'S1', signal: 'voids', count: 14, threshold: 10 },
  { cashier: 'Wang', shiftId: 'S2', signal: 'noSales', count: 7, threshold: 5 },
  { cashier: 'Li', shiftId: null, signal: 'priceOverrides', count: 6, threshold: 5 },
  { cashier: 'Li', shiftId: null, signal: 'somethingNew', count: 3, threshold: 1 },
];

describe('antifraud highlighting', () => {
  it('marks the cashier cells whose signal is over its threshold', () => {
    const cells = flaggedCells({ flags });
    expect([...(cells.get('Wang') ?? [])].sort()).toEqual(['noSales', 'voids']);
    expect([...(cells.get('Li') ?? [])]).toEqual(['overrides']);
    expect(cells.has('Zhao')).toBe(false);
  });

  it('maps every known signal to a column and an unknown one to none', () => {
    expect(['voids', 'refunds', 'noSales', 'priceOverrides', 'manualEntries'].map(signalColumn)).toEqual(['voids', 'refunds', 'noSales', 'overrides', 'manual']);
    expect(signalColumn('somethingNew')).toBeNull();
  });
});

describe('print and export act on the report on screen', () => {
  const z = { kind: 'Z', zNo: 12 } as ReportView;
  const x = { kind: 'X', zNo: null } as ReportView;

  it('asks for a stored Z by its number', () => {
    const source = sourceOf(z, null);
    expect(printParams(source)).toEqual({ zNo: 12 });
    expect(exportParams(source, 'pdf')).toEqual({ zNo: 12, format: 'pdf' });
  });

  it('prints and exports an X for now as such', () => {
    const source = sourceOf(x, null);
    expect(printParams(source)).toEqual({});
    expect(exportParams(source, 'csv')).toEqual({ format: 'csv' });
  });

  it('exports a dated X by its date but does not offer to print it (report.print prints only now)', () => {
    const source = sourceOf(x, '2026-11-20');
    expect(printParams(source)).toBeNull();
    expect(exportParams(source, 'csv')).toEqual({ date: '2026-11-20', format: 'csv' });
  });

  it('builds params the contract accepts', () => {
    for (const s of [sourceOf(z, null), sourceOf(x, null), sourceOf(x, '2026-11-20')]) {
      expect(posRequests['report.export'].params.safeParse(exportParams(s, 'csv')).success).toBe(true);
      const p = printParams(s);
      if (p !== null) expect(posRequests['report.print'].params.safeParse(p).success).toBe(true);
    }
  });
});

describe('report figures', () => {
  it('counts shifts closed short and over, not open or even ones', () => {
    const shift = (overShort: number | null) => ({ shiftId: 'S', openedAt: '', closedAt: null, expected: 0, counted: null, overShort, working: [] });
    expect(cashDifferences({ cash: { shifts: [shift(-1000), shift(0), shift(null), shift(50), shift(-1)], outsideShifts: 0 } })).toEqual({ short: 2, over: 1 });
  });

  it.each([
    [1300, '13%'],
    [650, '6.5%'],
    [0, '0%'],
    [125, '1.25%'],
  ])('shows %i bps as %s', (bps, text) => {
    expect(formatRate(bps)).toBe(text);
  });
});
