import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_CHART_BOX, hourlyChart, niceCeiling, type HourlyPoint } from '../../../../src/renderer/manager/hourly-chart.ts';

const box = DEFAULT_CHART_BOX;
const plotHeight = box.height - box.top - box.bottom;
const day = (amounts: Record<number, number>): HourlyPoint[] => Array.from({ length: 24 }, (_, hour) => ({ hour, count: amounts[hour] ? 1 : 0, amount: amounts[hour] ?? 0 }));

describe('niceCeiling', () => {
  it.each([
    [0, 0],
    [1, 1],
    [3, 5],
    [7, 10],
    [10, 10],
    [11, 20],
    [123_456, 200_000],
    [500_001, 1_000_000],
    [-5, 0],
  ])('%i → %i', (value, nice) => {
    expect(niceCeiling(value)).toBe(nice);
  });
});

describe('hourlyChart', () => {
  it('draws the busiest hour up to the rounded axis top and the others in proportion', () => {
    const chart = hourlyChart(day({ 9: 40_000, 12: 160_000, 18: 80_000 }));
    expect(chart.max).toBe(200_000);
    const bar = (h: number) => chart.bars[h]!;
    expect(bar(12).height).toBeCloseTo((160_000 / 200_000) * plotHeight);
    expect(bar(9).height).toBeCloseTo(bar(12).height / 4);
    expect(bar(18).height).toBeCloseTo(bar(12).height / 2);
    expect(bar(12).y + bar(12).height).toBeCloseTo(chart.baseline);
    expect(chart.busiest?.hour).toBe(12);
    expect(chart.totalAmount).toBe(280_000);
    expect(chart.totalCount).toBe(3);
  });

  it('always has 24 bars left to right inside the plot, whatever hours the report sends', () => {
    const chart = hourlyChart([{ hour: 5, count: 2, amount: 1000 }]);
    expect(chart.bars.map((b) => b.hour)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    for (let i = 1; i < 24; i++) expect(chart.bars[i]!.x).toBeGreaterThan(chart.bars[i - 1]!.x + chart.bars[i - 1]!.width - 1e-9);
    expect(chart.bars[0]!.x).toBeGreaterThanOrEqual(box.left);
    expect(chart.bars[23]!.x + chart.bars[23]!.width).toBeLessThanOrEqual(box.width);
  });

  it('adds up a repeated hour and leaves out hours that do not exist, counting them', () => {
    const chart = hourlyChart([
      { hour: 3, count: 1, amount: 500 },
      { hour: 3, count: 2, amount: 700 },
      { hour: 24, count: 1, amount: 9_999_999 },
      { hour: -1, count: 1, amount: 1 },
      { hour: 2.5, count: 1, amount: 1 },
      { hour: 4, count: 1, amount: Number.NaN },
    ]);
    expect(chart.bars[3]).toMatchObject({ count: 3, amount: 1200 });
    expect(chart.ignored).toBe(4);
    expect(chart.max).toBe(2000);
  });

  it('keeps a small hour visible next to a huge one', () => {
    const chart = hourlyChart(day({ 8: 1, 9: 10_000_000 }));
    expect(chart.bars[8]!.height).toBe(box.minBar);
    expect(chart.bars[7]!.height).toBe(0);
  });

  it('draws a day without sales flat, with one gridline at zero', () => {
    const chart = hourlyChart(day({}));
    expect(chart.max).toBe(0);
    expect(chart.bars.every((b) => b.height === 0 && b.y === chart.baseline)).toBe(true);
    expect(chart.ticks).toEqual([{ value: 0, y: chart.baseline }]);
    expect(chart.busiest).toBeNull();
  });

  it('draws an hour where refunds outweigh sales as empty and counts it', () => {
    const chart = hourlyChart(day({ 10: -3000, 11: 5000 }));
    expect(chart.bars[10]!.height).toBe(0);
    expect(chart.negative).toBe(1);
    expect(chart.max).toBe(5000);
  });

  it('puts five round gridlines from 0 to the top', () => {
    const chart = hourlyChart(day({ 14: 37_000 }));
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 12_500, 25_000, 37_500, 50_000]);
    expect(chart.ticks[0]!.y).toBe(chart.baseline);
    expect(chart.ticks[4]!.y).toBeCloseTo(box.top);
  });

  it('never draws a bar above the plot or below the baseline (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ hour: fc.integer({ min: -2, max: 26 }), count: fc.nat(1000), amount: fc.integer({ min: -1_000_000, max: 1_000_000_000 }) }), { maxLength: 60 }), (points) => {
        const chart = hourlyChart(points);
        expect(chart.bars).toHaveLength(24);
        for (const b of chart.bars) {
          expect(b.height).toBeGreaterThanOrEqual(0);
          expect(b.y).toBeGreaterThanOrEqual(box.top - 1e-9);
          expect(b.y + b.height).toBeCloseTo(chart.baseline);
        }
        expect(chart.max).toBeGreaterThanOrEqual(Math.max(0, ...chart.bars.map((b) => b.amount)));
      }),
      { numRuns: 200 },
    );
  });
});
