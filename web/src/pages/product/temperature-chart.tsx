import type { ExcursionView, StorageUnitView } from './product-api.ts';

const WIDTH = 900;
const HEIGHT = 320;
const MARGIN = { top: 16, right: 20, bottom: 40, left: 56 };

function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10;
  return step * magnitude;
}

/**
 * Readings over time as SVG: the allowed range as a band, each excursion as a red span, readings
 * outside the range as red dots. The series may be thinned to the minimum and maximum of each time
 * bucket by the API, so a peak is never smoothed away.
 */
export function TemperatureChart({
  unit,
  points,
  excursions,
  labels,
  formatTime,
}: {
  unit: Pick<StorageUnitView, 'lowCelsius' | 'highCelsius' | 'nominalCelsius' | 'code'>;
  points: Array<{ at: string; celsius: number }>;
  excursions: Array<Pick<ExcursionView, 'excursionId' | 'startedAt' | 'endedAt'>>;
  labels: { title: string; range: string; excursion: string };
  formatTime: (at: Date) => string;
}) {
  const times = points.map((point) => Date.parse(point.at));
  const spans = excursions.map((excursion) => [
    Date.parse(excursion.startedAt),
    excursion.endedAt ? Date.parse(excursion.endedAt) : Math.max(...times, Date.parse(excursion.startedAt)),
  ]);
  const allTimes = [...times, ...spans.flat()];
  const first = Math.min(...allTimes);
  const last = Math.max(...allTimes);
  const timeSpan = Math.max(last - first, 60_000);
  const temperatures = [...points.map((point) => point.celsius), unit.lowCelsius, unit.highCelsius];
  const lowest = Math.min(...temperatures);
  const highest = Math.max(...temperatures);
  const pad = Math.max(2, (highest - lowest) * 0.1);
  const yMin = lowest - pad;
  const yMax = highest + pad;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number) => MARGIN.left + ((ms - first) / timeSpan) * plotWidth;
  const y = (celsius: number) => MARGIN.top + ((yMax - celsius) / (yMax - yMin)) * plotHeight;
  const yStep = niceStep(yMax - yMin, 6);
  const yTicks: number[] = [];
  for (let tick = Math.ceil(yMin / yStep) * yStep; tick <= yMax; tick += yStep) yTicks.push(tick);
  const xTicks = Array.from({ length: 6 }, (_, index) => first + (index * timeSpan) / 5);
  const path = points
    .map(
      (point, index) =>
        `${index === 0 ? 'M' : 'L'}${x(times[index] ?? 0).toFixed(1)},${y(point.celsius).toFixed(1)}`,
    )
    .join(' ');
  const outside = points.filter(
    (point) => point.celsius < unit.lowCelsius || point.celsius > unit.highCelsius,
  );
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      role="img"
      aria-label={labels.title}
      data-testid="temperature-chart"
      style={{ maxWidth: WIDTH, fontFamily: 'sans-serif' }}
    >
      <title>{labels.title}</title>
      <rect
        x={MARGIN.left}
        y={y(unit.highCelsius)}
        width={plotWidth}
        height={y(unit.lowCelsius) - y(unit.highCelsius)}
        fill="#2f9e44"
        fillOpacity={0.12}
        data-testid="allowed-range"
      >
        <title>{labels.range}</title>
      </rect>
      {spans.map(([start = 0, end = 0], index) => (
        <rect
          key={excursions[index]?.excursionId}
          x={x(start)}
          y={MARGIN.top}
          width={Math.max(2, x(end) - x(start))}
          height={plotHeight}
          fill="#e03131"
          fillOpacity={0.2}
          data-testid="excursion-band"
          data-excursion-id={excursions[index]?.excursionId}
        >
          <title>{labels.excursion}</title>
        </rect>
      ))}
      {yTicks.map((tick) => (
        <g key={tick}>
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} stroke="#dee2e6" />
          <text x={MARGIN.left - 6} y={y(tick) + 4} fontSize={11} textAnchor="end" fill="#495057">
            {Number(tick.toFixed(1))} °C
          </text>
        </g>
      ))}
      {xTicks.map((tick, index) => (
        <text
          key={tick}
          x={x(tick)}
          y={HEIGHT - MARGIN.bottom + 16}
          fontSize={11}
          textAnchor={index === 0 ? 'start' : index === xTicks.length - 1 ? 'end' : 'middle'}
          fill="#495057"
        >
          {formatTime(new Date(tick))}
        </text>
      ))}
      <line
        x1={MARGIN.left}
        x2={WIDTH - MARGIN.right}
        y1={y(unit.nominalCelsius)}
        y2={y(unit.nominalCelsius)}
        stroke="#2f9e44"
        strokeDasharray="4 4"
      />
      <path d={path} fill="none" stroke="#1c7ed6" strokeWidth={1.5} data-testid="reading-line" />
      {outside.map((point) => (
        <circle
          key={point.at}
          cx={x(Date.parse(point.at))}
          cy={y(point.celsius)}
          r={3}
          fill="#e03131"
          data-testid="reading-outside"
        />
      ))}
      <rect
        x={MARGIN.left}
        y={MARGIN.top}
        width={plotWidth}
        height={plotHeight}
        fill="none"
        stroke="#adb5bd"
      />
    </svg>
  );
}
