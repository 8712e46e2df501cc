import { type NumericFrame, numericAxes, ticksFor, xAt, yAt } from './chart-parts.ts';
import { colorAt, escapeXml, formatCoordinate, legend, svgDocument, title } from './svg.ts';

export interface TrajectoryPoint {
  day: number;
  n: number;
  median: number;
  q1: number;
  q3: number;
}

export interface TrajectorySeries {
  label: string;
  points: readonly TrajectoryPoint[];
}

export interface TrajectoryOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/**
 * Laboratory trajectories: per group, the median by study day joined by a line, with the
 * interquartile range as whiskers and n above each point; groups offset slightly so whiskers do not
 * overlap. Deterministic SVG.
 */
export function trajectorySvg(series: readonly TrajectorySeries[], options: TrajectoryOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 260;
  const points = series.flatMap((entry) => entry.points);
  const days = points.map((point) => point.day);
  const xMin = Math.min(0, ...days);
  const xMax = Math.max(1, ...days);
  const yTicks = ticksFor(
    Math.min(0, ...points.map((point) => point.q1)),
    Math.max(0, ...points.map((point) => point.q3)),
  );
  const frame: NumericFrame = {
    left: 64,
    top: 48,
    width: width - 64 - 16,
    height,
    xMin: xMin - 0.5,
    xMax: xMax + 0.5,
    yMin: yTicks[0] ?? 0,
    yMax: yTicks[yTicks.length - 1] ?? 1,
  };
  const xTicks = [...new Set(days)].sort((a, b) => a - b);
  const parts: string[] = [
    title(width, options.title),
    numericAxes(frame, xTicks, yTicks, { x: options.xLabel ?? 'Study day', y: options.yLabel ?? '' }),
    legend(
      frame,
      series.map((entry, index) => ({ label: entry.label, color: colorAt(index) })),
    ),
  ];
  series.forEach((entry, index) => {
    const colour = colorAt(index);
    const offset = (index - (series.length - 1) / 2) * 0.18;
    const sorted = [...entry.points].sort((a, b) => a.day - b.day);
    const group = [`<g class="series" data-label="${escapeXml(entry.label)}">`];
    if (sorted.length > 1) {
      const path = sorted
        .map(
          (point, at) =>
            `${at === 0 ? 'M' : 'L'}${formatCoordinate(xAt(frame, point.day + offset))},${formatCoordinate(yAt(frame, point.median))}`,
        )
        .join('');
      group.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    }
    for (const point of sorted) {
      const x = formatCoordinate(xAt(frame, point.day + offset));
      group.push(
        `<line x1="${x}" x2="${x}" y1="${formatCoordinate(yAt(frame, point.q1))}" y2="${formatCoordinate(yAt(frame, point.q3))}" stroke="${colour}" stroke-width="1.5"/>`,
        `<circle cx="${x}" cy="${formatCoordinate(yAt(frame, point.median))}" r="3" fill="${colour}"><title>${escapeXml(`${entry.label}, day ${point.day}: median ${point.median} (IQR ${point.q1}–${point.q3}), n = ${point.n}`)}</title></circle>`,
      );
    }
    group.push('</g>');
    parts.push(group.join('\n'));
  });
  return svgDocument(width, frame.top + height + 48, options.title ?? 'Trajectories', parts);
}
