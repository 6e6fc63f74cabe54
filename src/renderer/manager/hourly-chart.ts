// The geometry of the hourly sales chart on the report screen (issue 7 §4: "shown on screen with
// a chart of hourly sales"): 24 bars, one per hour of the terminal's local day, scaled to the
// busiest hour, with a few round gridline values. Pure numbers, so the SVG in ReportsPanel only
// draws what this returns and the tests check the scaling without a browser.
//
// Decisions a caller must know:
// - Always 24 bars (hours 0..23) whatever the report sends: a missing hour is an empty bar,
//   a repeated hour adds up, an hour outside 0..23 or a non-integer one is left out and
//   counted in `ignored` (a report from a broken core must not break the screen).
// - Bars measure the amount (minor units); a negative amount (refunds outweighing sales in an
//   hour) is drawn as an empty bar and counted in `negative`, so the axis never goes below 0.
// - The axis top is the busiest hour rounded UP to 1, 2 or 5 × 10^k minor units, so the
//   gridlines read as round money; with no sales at all the top is 0 and every bar is flat.
// - A bar of a non-zero hour is at least `minBar` px tall: one small sale must stay visible.
// Hand-written instead of a chart library: 24 rectangles and 4 lines; a library would bring
// far more code than the chart and its own styling.

export interface HourlyPoint {
  readonly hour: number;
  readonly count: number;
  readonly amount: number;
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  /** Room on the left for the axis values. */
  readonly left: number;
  /** Room below for the hour labels. */
  readonly bottom: number;
  readonly top: number;
  /** Gap between bars, px. */
  readonly gap: number;
  readonly minBar: number;
}

export const DEFAULT_CHART_BOX: ChartBox = { width: 720, height: 220, left: 64, bottom: 24, top: 8, gap: 4, minBar: 2 };

export interface ChartBar {
  readonly hour: number;
  readonly count: number;
  readonly amount: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ChartTick {
  /** Minor units. */
  readonly value: number;
  readonly y: number;
}

export interface HourlyChart {
  readonly bars: readonly ChartBar[];
  readonly ticks: readonly ChartTick[];
  /** The axis top, minor units. */
  readonly max: number;
  /** y of the baseline (amount 0). */
  readonly baseline: number;
  readonly busiest: ChartBar | null;
  readonly totalCount: number;
  readonly totalAmount: number;
  readonly ignored: number;
  readonly negative: number;
}

/** The smallest 1, 2 or 5 × 10^k that is ≥ `value` (0 for 0). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 0;
  let power = 1;
  while (power * 10 <= value) power *= 10;
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

export function hourlyChart(points: readonly HourlyPoint[], box: ChartBox = DEFAULT_CHART_BOX): HourlyChart {
  const count = new Array<number>(24).fill(0);
  const amount = new Array<number>(24).fill(0);
  let ignored = 0;
  for (const p of points) {
    if (!Number.isInteger(p.hour) || p.hour < 0 || p.hour > 23 || !Number.isFinite(p.amount) || !Number.isFinite(p.count)) {
      ignored += 1;
      continue;
    }
    count[p.hour] = (count[p.hour] ?? 0) + p.count;
    amount[p.hour] = (amount[p.hour] ?? 0) + p.amount;
  }
  const negative = amount.filter((a) => a < 0).length;
  const max = niceCeiling(Math.max(0, ...amount));
  const plotHeight = Math.max(0, box.height - box.top - box.bottom);
  const plotWidth = Math.max(0, box.width - box.left);
  const slot = plotWidth / 24;
  const barWidth = Math.max(1, slot - box.gap);
  const baseline = box.top + plotHeight;

  const bars: ChartBar[] = amount.map((a, hour) => {
    const shown = Math.max(0, a);
    let h = max === 0 ? 0 : (shown / max) * plotHeight;
    if (shown > 0) h = Math.max(h, Math.min(box.minBar, plotHeight));
    return { hour, count: count[hour] ?? 0, amount: a, x: box.left + hour * slot + box.gap / 2, y: baseline - h, width: barWidth, height: h };
  });

  const ticks: ChartTick[] = max === 0 ? [{ value: 0, y: baseline }] : [0, 1, 2, 3, 4].map((i) => ({ value: (max * i) / 4, y: baseline - (plotHeight * i) / 4 }));
  let busiest: ChartBar | null = null;
  for (const b of bars) if (b.amount > 0 && (busiest === null || b.amount > busiest.amount)) busiest = b;

  return {
    bars,
    ticks,
    max,
    baseline,
    busiest,
    totalCount: count.reduce((s, c) => s + c, 0),
    totalAmount: amount.reduce((s, a) => s + a, 0),
    ignored,
    negative,
  };
}
