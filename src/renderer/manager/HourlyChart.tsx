// The hourly sales chart of a report, drawn as plain SVG from hourly-chart.ts's geometry (no
// chart library: see that module). Each bar carries its hour, count and amount as a <title>
// (hover) and data-* (tests); the whole chart has a one-sentence summary for screen readers,
// and the same figures are in the report's printed text.
import type { ReportView } from '../../shared/api.ts';
import { formatAmount } from '../format.ts';
import { DEFAULT_CHART_BOX, hourlyChart } from './hourly-chart.ts';
import { useManagerText } from './manager-i18n.ts';
import { MTID } from './manager-testids.ts';

const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

export function HourlyChart({ hourly, currency }: { readonly hourly: ReportView['hourly']; readonly currency: string }) {
  const m = useManagerText();
  const box = DEFAULT_CHART_BOX;
  const chart = hourlyChart(hourly, box);
  const summary =
    chart.busiest === null
      ? m('mgr.chart.empty')
      : m('mgr.chart.summary', { hour: hh(chart.busiest.hour), amount: formatAmount(chart.busiest.amount, currency), count: chart.busiest.count, total: formatAmount(chart.totalAmount, currency) });
  return (
    <figure className="hourly-chart">
      <svg viewBox={`0 0 ${box.width} ${box.height}`} role="img" aria-label={summary} data-testid={MTID.reportHourly} data-max={chart.max} preserveAspectRatio="xMidYMid meet">
        {chart.ticks.map((tick) => (
          <g key={tick.value} className="chart-grid">
            <line x1={box.left} x2={box.width} y1={tick.y} y2={tick.y} />
            <text x={box.left - 6} y={tick.y + 4} textAnchor="end">
              {formatAmount(Math.round(tick.value), currency).replace(/\.0+$/, '')}
            </text>
          </g>
        ))}
        {chart.bars.map((bar) => (
          <rect
            key={bar.hour}
            className={chart.busiest?.hour === bar.hour ? 'chart-bar busiest' : 'chart-bar'}
            x={bar.x}
            y={bar.y}
            width={bar.width}
            height={bar.height}
            data-testid={MTID.reportHour(bar.hour)}
            data-amount={bar.amount}
            data-count={bar.count}
          >
            <title>{m('mgr.chart.bar', { from: hh(bar.hour), to: hh((bar.hour + 1) % 24), count: bar.count, amount: formatAmount(bar.amount, currency) })}</title>
          </rect>
        ))}
        <line className="chart-axis" x1={box.left} x2={box.width} y1={chart.baseline} y2={chart.baseline} />
        {chart.bars
          .filter((bar) => bar.hour % 3 === 0)
          .map((bar) => (
            <text key={bar.hour} className="chart-hour" x={bar.x + bar.width / 2} y={box.height - 6} textAnchor="middle">
              {hh(bar.hour)}
            </text>
          ))}
      </svg>
      <figcaption className="muted">{summary}</figcaption>
    </figure>
  );
}
