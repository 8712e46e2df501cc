import { categoryColour, MISSING_COLOUR, swatchLegend } from './chart-parts.ts';
import { escapeXml, formatCoordinate, formatTick, svgDocument, title } from './svg.ts';

export interface OrdinalDay {
  /** Study day (0 for baseline). */
  day: number;
  /** Participants in each category, index 0 = category 1. */
  counts: readonly number[];
  /** Participants under follow-up that day with no category (no record or too incomplete). */
  missing: number;
}

export interface OrdinalBarsOptions {
  categoryLabels: readonly string[];
  title?: string;
  xLabel?: string;
  missingLabel?: string;
  width?: number;
  height?: number;
}

/**
 * Stacked bars of the ordinal clinical status by study day: each bar is the distribution of the
 * participants under follow-up that day (proportions, best category at the bottom, death at the top,
 * missing in grey above), with n under the bar. Deterministic SVG.
 */
export function ordinalBarsSvg(days: readonly OrdinalDay[], options: OrdinalBarsOptions): string {
  const width = options.width ?? 760;
  const plotHeight = options.height ?? 300;
  const frame = { left: 64, top: 40, width: width - 64 - 16, height: plotHeight };
  const slot = frame.width / Math.max(1, days.length);
  const barWidth = Math.max(2, slot * 0.78);
  const parts: string[] = [title(width, options.title), '<g class="bars">'];
  const categories = options.categoryLabels.length;
  days.forEach((entry, index) => {
    const total = entry.counts.reduce((sum, count) => sum + count, 0) + entry.missing;
    const x = frame.left + index * slot + (slot - barWidth) / 2;
    let y = frame.top + frame.height;
    const segments = [
      ...entry.counts.map((count, category) => ({
        count,
        colour: categoryColour(category + 1, categories),
        label: options.categoryLabels[category] ?? '',
      })),
      { count: entry.missing, colour: MISSING_COLOUR, label: options.missingLabel ?? 'Missing' },
    ];
    for (const segment of segments) {
      if (segment.count === 0 || total === 0) continue;
      const height = (segment.count / total) * frame.height;
      y -= height;
      parts.push(
        `<rect x="${formatCoordinate(x)}" y="${formatCoordinate(y)}" width="${formatCoordinate(barWidth)}" height="${formatCoordinate(height)}" fill="${segment.colour}"><title>${escapeXml(`Day ${entry.day}: ${segment.label} ${segment.count}/${total}`)}</title></rect>`,
      );
    }
    const labelX = formatCoordinate(x + barWidth / 2);
    parts.push(
      `<text x="${labelX}" y="${frame.top + frame.height + 14}" text-anchor="middle" font-size="10" fill="#222">${entry.day}</text>`,
    );
    parts.push(
      `<text x="${labelX}" y="${frame.top + frame.height + 27}" text-anchor="middle" font-size="8" fill="#555">${total}</text>`,
    );
  });
  parts.push('</g>');
  const axis = ['<g class="axes" font-size="12" fill="#222">'];
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    const y = formatCoordinate(frame.top + frame.height - share * frame.height);
    axis.push(
      `<text x="${frame.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(share * 100)}%</text>`,
    );
  }
  axis.push(
    `<text x="${frame.left - 6}" y="${frame.top + frame.height + 27}" text-anchor="end" font-size="8" fill="#555">n</text>`,
    `<text x="${formatCoordinate(frame.left + frame.width / 2)}" y="${frame.top + frame.height + 44}" text-anchor="middle">${escapeXml(options.xLabel ?? 'Study day')}</text>`,
    '</g>',
  );
  parts.push(axis.join('\n'));
  const legend = swatchLegend(
    [
      ...options.categoryLabels.map((label, index) => ({
        label: `${index + 1} ${label}`,
        colour: categoryColour(index + 1, categories),
      })),
      { label: options.missingLabel ?? 'Missing', colour: MISSING_COLOUR },
    ],
    frame.left,
    frame.top + frame.height + 64,
    frame.width,
  );
  parts.push(legend.svg);
  return svgDocument(
    width,
    frame.top + frame.height + 64 + legend.height,
    options.title ?? 'Ordinal status by day',
    parts,
  );
}
