import type { KaplanMeierFit } from './kaplan-meier.ts';
import {
  axes,
  bandPaths,
  colorAt,
  escapeXml,
  type Frame,
  formatCoordinate,
  legend,
  niceTicks,
  stepPath,
  svgDocument,
  title,
  xScale,
  yScale,
} from './svg.ts';

export interface KaplanMeierPlotSeries {
  label: string;
  fit: KaplanMeierFit;
}

export interface KaplanMeierPlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  /** Height of the plot area alone; the number-at-risk table adds rows below it. */
  plotHeight?: number;
  /** Right end of the time axis; the last time of all curves (rounded up to a tick) by default. */
  xMax?: number;
  /** Times for the number-at-risk table; the axis ticks by default. */
  riskTimes?: readonly number[];
  /** Draw the pointwise confidence band (default true). */
  confidenceBand?: boolean;
  /** Mark censoring times with a small tick (default true). */
  censorMarks?: boolean;
}

const MARGIN = { left: 104, right: 24, top: 56, axis: 48 };
const TABLE_LEFT = 12;
const RISK_ROW = 18;

function seriesPaths(
  frame: Frame,
  series: KaplanMeierPlotSeries,
  color: string,
  options: KaplanMeierPlotOptions,
): string[] {
  const rows = series.fit.rows;
  const parts: string[] = [`<g class="series" data-label="${escapeXml(series.label)}">`];
  const end = rows[rows.length - 1]?.time ?? 0;
  if (options.confidenceBand ?? true) {
    const band = [{ time: 0, lower: 1, upper: 1 }, ...rows];
    for (const path of bandPaths(frame, band, end)) {
      parts.push(`<path d="${path}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    }
  }
  const points = [{ time: 0, value: 1 }, ...rows.map((row) => ({ time: row.time, value: row.surv }))];
  parts.push(`<path d="${stepPath(frame, points, end)}" fill="none" stroke="${color}" stroke-width="2"/>`);
  if (options.censorMarks ?? true) {
    for (const row of rows.filter((candidate) => candidate.nCensor > 0)) {
      const x = formatCoordinate(xScale(frame, row.time));
      const y = yScale(frame, row.surv);
      parts.push(
        `<line x1="${x}" x2="${x}" y1="${formatCoordinate(y - 4)}" y2="${formatCoordinate(y + 4)}" stroke="${color}" stroke-width="1.5"/>`,
      );
    }
  }
  parts.push('</g>');
  return parts;
}

function riskTable(
  frame: Frame,
  series: readonly KaplanMeierPlotSeries[],
  times: readonly number[],
  top: number,
): string {
  const parts: string[] = [
    '<g class="number-at-risk" font-size="12" fill="#222">',
    `<text x="${TABLE_LEFT}" y="${top}" font-weight="bold">Number at risk</text>`,
  ];
  series.forEach((entry, index) => {
    const y = top + RISK_ROW * (index + 1);
    const counts = entry.fit.atRisk(times);
    parts.push(`<text x="${TABLE_LEFT}" y="${y}" fill="${colorAt(index)}">${escapeXml(entry.label)}</text>`);
    times.forEach((time, column) => {
      const x = formatCoordinate(xScale(frame, time));
      parts.push(`<text x="${x}" y="${y}" text-anchor="middle">${counts[column] ?? 0}</text>`);
    });
  });
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * Kaplan–Meier plot as an SVG string: step curves from S(0) = 1, shaded pointwise confidence bands,
 * censoring ticks, and a number-at-risk table under the time axis (counts as
 * summary(fit, times =)$n.risk). Deterministic output; all text is XML-escaped.
 */
export function kaplanMeierSvg(
  series: readonly KaplanMeierPlotSeries[],
  options: KaplanMeierPlotOptions = {},
): string {
  const width = options.width ?? 720;
  const plotHeight = options.plotHeight ?? 360;
  const lastTime = Math.max(0, ...series.flatMap((entry) => entry.fit.rows.map((row) => row.time)));
  const ticks = niceTicks(options.xMax ?? lastTime);
  const xMax = options.xMax ?? ticks[ticks.length - 1] ?? 1;
  const axisTicks = ticks.filter((tick) => tick <= xMax);
  // Leave room left of the time axis for the risk table's group labels (about 7 px a character).
  const left = Math.max(
    MARGIN.left,
    TABLE_LEFT + 24 + 7 * Math.max(0, ...series.map((entry) => entry.label.length)),
  );
  const frame: Frame = {
    left,
    top: MARGIN.top,
    width: width - left - MARGIN.right,
    height: plotHeight,
    xMax,
  };
  const riskTimes = options.riskTimes ?? axisTicks;
  const tableTop = frame.top + frame.height + MARGIN.axis + 8;
  const height = tableTop + RISK_ROW * (series.length + 1);
  const body = [
    title(width, options.title),
    axes(frame, axisTicks, { x: options.xLabel ?? 'Time', y: options.yLabel ?? 'Survival probability' }),
    legend(
      frame,
      series.map((entry, index) => ({ label: entry.label, color: colorAt(index) })),
    ),
    ...series.flatMap((entry, index) => seriesPaths(frame, entry, colorAt(index), options)),
    riskTable(frame, series, riskTimes, tableTop),
  ];
  return svgDocument(width, height, options.title ?? 'Kaplan–Meier plot', body);
}
