// Shared pieces of the SVG plot builders: escaping, number formatting, scales, axes, legends and
// step-function paths. Pure string building; output is byte-for-byte deterministic.

/** Okabe & Ito (2008) colour-blind-safe palette. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

export function colorAt(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#000000';
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Coordinates with at most two decimals and no trailing zeros ("-0" written as "0"). */
export function formatCoordinate(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Tick label: up to 6 significant digits without float noise (0.30000000000000004 → "0.3"). */
export function formatTick(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** "Nice" ticks (1, 2, 2.5 or 5 × 10ᵏ apart) from 0 to at least `max`, about `target` of them. */
export function niceTicks(max: number, target = 6): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= rough) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let k = 0; k * step < max + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  xMax: number;
}

export function xScale(frame: Frame, time: number): number {
  return frame.left + (Math.min(time, frame.xMax) / frame.xMax) * frame.width;
}

export function yScale(frame: Frame, probability: number): number {
  return frame.top + (1 - probability) * frame.height;
}

export interface StepPoint {
  time: number;
  value: number;
}

/** Right-continuous step path through (time, value) points, starting at the first point. */
export function stepPath(frame: Frame, points: readonly StepPoint[], endTime: number): string {
  const first = points[0];
  if (!first) return '';
  const parts = [
    `M${formatCoordinate(xScale(frame, first.time))},${formatCoordinate(yScale(frame, first.value))}`,
  ];
  let previous = first.value;
  for (const point of points.slice(1)) {
    parts.push(`H${formatCoordinate(xScale(frame, point.time))}`);
    if (point.value !== previous) parts.push(`V${formatCoordinate(yScale(frame, point.value))}`);
    previous = point.value;
  }
  parts.push(`H${formatCoordinate(xScale(frame, endTime))}`);
  return parts.join('');
}

export interface BandPoint {
  time: number;
  lower: number | null;
  upper: number | null;
}

/**
 * Closed step polygons between the upper and lower limits, one per stretch where both limits are
 * defined (R reports NA where a transformation is undefined, e.g. log at S = 0).
 */
export function bandPaths(frame: Frame, points: readonly BandPoint[], endTime: number): string[] {
  const segments: { time: number; lower: number; upper: number }[][] = [];
  let current: { time: number; lower: number; upper: number }[] = [];
  for (const point of points) {
    if (point.lower === null || point.upper === null) {
      if (current.length > 0) segments.push(current);
      current = [];
    } else current.push({ time: point.time, lower: point.lower, upper: point.upper });
  }
  if (current.length > 0) segments.push(current);
  return segments.map((segment) => {
    // The band holds its last level until the next time (where the limits become undefined).
    const lastTime = segment[segment.length - 1]?.time ?? 0;
    const end = points.find((point) => point.time > lastTime)?.time ?? endTime;
    const upper = stepPath(
      frame,
      segment.map((p) => ({ time: p.time, value: p.upper })),
      end,
    );
    const lowerPoints = segment.map((p) => ({ time: p.time, value: p.lower }));
    const lower = reverseStep(frame, lowerPoints, end);
    return `${upper}${lower}Z`;
  });
}

/** The lower edge of a band, walked from the right end back to the start. */
function reverseStep(frame: Frame, points: readonly StepPoint[], endTime: number): string {
  const parts: string[] = [];
  const last = points[points.length - 1];
  if (!last) return '';
  parts.push(`L${formatCoordinate(xScale(frame, endTime))},${formatCoordinate(yScale(frame, last.value))}`);
  for (let i = points.length - 1; i >= 0; i--) {
    const point = points[i];
    if (!point) continue;
    parts.push(`H${formatCoordinate(xScale(frame, point.time))}`);
    const before = points[i - 1];
    if (before && before.value !== point.value)
      parts.push(`V${formatCoordinate(yScale(frame, before.value))}`);
  }
  return parts.join('');
}

export interface AxisLabels {
  x: string;
  y: string;
}

/** Axes with ticks, grid lines and labels for a probability (0–1) y axis. */
export function axes(frame: Frame, xTicks: readonly number[], labels: AxisLabels): string {
  const bottom = frame.top + frame.height;
  const lines: string[] = [`<g class="axes" font-size="12" fill="#222">`];
  for (const probability of [0, 0.25, 0.5, 0.75, 1]) {
    const y = formatCoordinate(yScale(frame, probability));
    lines.push(
      `<line x1="${frame.left}" x2="${frame.left + frame.width}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${frame.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(probability)}</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = formatCoordinate(xScale(frame, tick));
    lines.push(
      `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#222"/>`,
      `<text x="${x}" y="${bottom + 18}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  lines.push(
    `<path d="M${frame.left},${frame.top}V${bottom}H${frame.left + frame.width}" fill="none" stroke="#222"/>`,
    `<text x="${formatCoordinate(frame.left + frame.width / 2)}" y="${bottom + 36}" text-anchor="middle">${escapeXml(labels.x)}</text>`,
    `<text transform="translate(${frame.left - 44},${formatCoordinate(frame.top + frame.height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(labels.y)}</text>`,
    '</g>',
  );
  return lines.join('\n');
}

export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

/** One-line legend above the plot frame. */
export function legend(frame: Frame, entries: readonly LegendEntry[]): string {
  const y = frame.top - 14;
  let x = frame.left;
  const parts: string[] = ['<g class="legend" font-size="12" fill="#222">'];
  for (const entry of entries) {
    const dash = entry.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<line x1="${formatCoordinate(x)}" x2="${formatCoordinate(x + 22)}" y1="${y}" y2="${y}" stroke="${entry.color}" stroke-width="2"${dash}/>`,
      `<text x="${formatCoordinate(x + 28)}" y="${y}" dominant-baseline="middle">${escapeXml(entry.label)}</text>`,
    );
    x += 40 + entry.label.length * 7;
  }
  parts.push('</g>');
  return parts.join('\n');
}

export function title(width: number, text: string | undefined): string {
  if (!text) return '';
  return `<text x="${formatCoordinate(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">${escapeXml(text)}</text>`;
}

export function svgDocument(width: number, height: number, label: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body.filter((part) => part !== ''),
    '</svg>',
    '',
  ].join('\n');
}
