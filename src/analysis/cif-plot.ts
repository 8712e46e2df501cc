import type { AalenJohansenFit } from './competing-risks.ts';
import {
  axes,
  bandPaths,
  colorAt,
  escapeXml,
  type Frame,
  type LegendEntry,
  legend,
  niceTicks,
  stepPath,
  svgDocument,
  title,
} from './svg.ts';

export interface CumulativeIncidencePlotSeries {
  label: string;
  fit: AalenJohansenFit;
}

export interface CumulativeIncidencePlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Legend names of the two causes; "Event" and "Competing event" by default. */
  eventLabel?: string;
  competingLabel?: string;
  /** Also draw the competing event's incidence (dashed); default true. */
  showCompeting?: boolean;
  /** Shade the pointwise interval of the event of interest; default true. */
  confidenceBand?: boolean;
  width?: number;
  height?: number;
  xMax?: number;
}

const MARGIN = { left: 104, right: 24, top: 56, bottom: 56 };

function seriesPaths(
  frame: Frame,
  series: CumulativeIncidencePlotSeries,
  color: string,
  options: CumulativeIncidencePlotOptions,
): string[] {
  const rows = series.fit.rows;
  const end = rows[rows.length - 1]?.time ?? 0;
  const parts = [`<g class="series" data-label="${escapeXml(series.label)}">`];
  if (options.confidenceBand ?? true) {
    const band = [
      { time: 0, lower: 0, upper: 0 },
      ...rows.map((row) => ({ time: row.time, lower: row.event.lower, upper: row.event.upper })),
    ];
    for (const path of bandPaths(frame, band, end)) {
      parts.push(`<path d="${path}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    }
  }
  const curve = (pick: 'event' | 'competing') => [
    { time: 0, value: 0 },
    ...rows.map((row) => ({ time: row.time, value: row[pick].estimate })),
  ];
  parts.push(
    `<path d="${stepPath(frame, curve('event'), end)}" fill="none" stroke="${color}" stroke-width="2"/>`,
  );
  if (options.showCompeting ?? true) {
    parts.push(
      `<path d="${stepPath(frame, curve('competing'), end)}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
  }
  parts.push('</g>');
  return parts;
}

function legendEntries(
  series: readonly CumulativeIncidencePlotSeries[],
  options: CumulativeIncidencePlotOptions,
): LegendEntry[] {
  const eventLabel = options.eventLabel ?? 'Event';
  const competingLabel = options.competingLabel ?? 'Competing event';
  const single = series.length === 1;
  return series.flatMap((entry, index) => {
    const prefix = single ? '' : `${entry.label}: `;
    const own: LegendEntry[] = [{ label: `${prefix}${eventLabel}`, color: colorAt(index) }];
    if (options.showCompeting ?? true) {
      own.push({ label: `${prefix}${competingLabel}`, color: colorAt(index), dashed: true });
    }
    return own;
  });
}

/**
 * Cumulative incidence plot (Aalen–Johansen) as an SVG string: rising step curves from 0 for the
 * event of interest (solid, with its shaded pointwise interval) and the competing event (dashed),
 * one colour per group. Deterministic output; all text is XML-escaped.
 */
export function cumulativeIncidenceSvg(
  series: readonly CumulativeIncidencePlotSeries[],
  options: CumulativeIncidencePlotOptions = {},
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const lastTime = Math.max(0, ...series.flatMap((entry) => entry.fit.rows.map((row) => row.time)));
  const ticks = niceTicks(options.xMax ?? lastTime);
  const xMax = options.xMax ?? ticks[ticks.length - 1] ?? 1;
  const frame: Frame = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom,
    xMax,
  };
  const body = [
    title(width, options.title),
    axes(
      frame,
      ticks.filter((tick) => tick <= xMax),
      { x: options.xLabel ?? 'Time', y: options.yLabel ?? 'Cumulative incidence' },
    ),
    legend(frame, legendEntries(series, options)),
    ...series.flatMap((entry, index) => seriesPaths(frame, entry, colorAt(index), options)),
  ];
  return svgDocument(width, height, options.title ?? 'Cumulative incidence plot', body);
}
