// Pieces shared by the report's charts with a numeric (not probability) y axis and by the diagrams.
import { escapeXml, type Frame, formatCoordinate, formatTick, niceTicks } from './svg.ts';

/** Ordinal-scale colours, from good (low categories, greens) to bad (high, reds); death is near black. */
export const CATEGORY_COLOURS = ['#1a9850', '#91cf60', '#d9ef8b', '#fee08b', '#fc8d59', '#d73027', '#3b3b3b'];
export const MISSING_COLOUR = '#d9d9d9';

export function categoryColour(value: number, count: number): string {
  if (value === count) return CATEGORY_COLOURS[CATEGORY_COLOURS.length - 1] ?? '#000000';
  const index = Math.round(((value - 1) / Math.max(1, count - 2)) * (CATEGORY_COLOURS.length - 2));
  return CATEGORY_COLOURS[Math.min(CATEGORY_COLOURS.length - 2, Math.max(0, index))] ?? '#000000';
}

export interface NumericFrame extends Frame {
  xMin: number;
  yMin: number;
  yMax: number;
}

export const xAt = (frame: NumericFrame, x: number) =>
  frame.left + ((x - frame.xMin) / (frame.xMax - frame.xMin || 1)) * frame.width;
export const yAt = (frame: NumericFrame, y: number) =>
  frame.top + frame.height - ((y - frame.yMin) / (frame.yMax - frame.yMin || 1)) * frame.height;

/** Axes with grid lines for numeric x and y. */
export function numericAxes(
  frame: NumericFrame,
  xTicks: readonly number[],
  yTicks: readonly number[],
  labels: { x: string; y: string },
): string {
  const bottom = frame.top + frame.height;
  const lines = ['<g class="axes" font-size="12" fill="#222">'];
  for (const tick of yTicks) {
    const y = formatCoordinate(yAt(frame, tick));
    lines.push(
      `<line x1="${frame.left}" x2="${frame.left + frame.width}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${frame.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = formatCoordinate(xAt(frame, tick));
    lines.push(
      `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#222"/>`,
      `<text x="${x}" y="${bottom + 18}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  lines.push(
    `<path d="M${frame.left},${frame.top}V${bottom}H${frame.left + frame.width}" fill="none" stroke="#222"/>`,
    `<text x="${formatCoordinate(frame.left + frame.width / 2)}" y="${bottom + 36}" text-anchor="middle">${escapeXml(labels.x)}</text>`,
    `<text transform="translate(${frame.left - 46},${formatCoordinate(frame.top + frame.height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(labels.y)}</text>`,
    '</g>',
  );
  return lines.join('\n');
}

/** Ticks from 0 (or min) to at least max. */
export function ticksFor(min: number, max: number): number[] {
  if (min >= 0) return niceTicks(max);
  const span = niceTicks(max - min);
  const step = (span[1] ?? 1) - (span[0] ?? 0);
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let value = start; value < max + step; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** A legend of coloured squares in rows under the chart, wrapping at `width`. */
export function swatchLegend(
  entries: readonly { label: string; colour: string }[],
  left: number,
  top: number,
  width: number,
): { svg: string; height: number } {
  const parts = ['<g class="legend" font-size="11" fill="#222">'];
  let x = left;
  let y = top;
  for (const entry of entries) {
    const entryWidth = 22 + entry.label.length * 6.2;
    if (x + entryWidth > left + width && x > left) {
      x = left;
      y += 18;
    }
    parts.push(
      `<rect x="${formatCoordinate(x)}" y="${y - 9}" width="11" height="11" fill="${entry.colour}"/>`,
      `<text x="${formatCoordinate(x + 15)}" y="${y}">${escapeXml(entry.label)}</text>`,
    );
    x += entryWidth + 10;
  }
  parts.push('</g>');
  return { svg: parts.join('\n'), height: y - top + 18 };
}
