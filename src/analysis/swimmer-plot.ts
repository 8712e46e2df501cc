import { categoryColour, MISSING_COLOUR, swatchLegend } from './chart-parts.ts';
import { escapeXml, formatCoordinate, niceTicks, svgDocument, title } from './svg.ts';

export interface SwimmerLane {
  label: string;
  /** Category of each study day from day 1 (null: no status that day). */
  days: readonly { day: number; category: number | null }[];
  /** Study days a dose was given. */
  doses: readonly number[];
  /** Events on the lane: improvement, discharge, death, serious adverse event. */
  events: readonly { day: number; kind: 'improved' | 'discharged' | 'died' | 'serious-event' }[];
}

export interface SwimmerOptions {
  categoryLabels: readonly string[];
  lastDay: number;
  title?: string;
  xLabel?: string;
  width?: number;
  missingLabel?: string;
  eventLabels?: Partial<Record<'dose' | 'improved' | 'discharged' | 'died' | 'serious-event', string>>;
}

const LANE = 14;

function marker(kind: SwimmerLane['events'][number]['kind'] | 'dose', x: number, y: number): string {
  const cx = formatCoordinate(x);
  const cy = formatCoordinate(y);
  switch (kind) {
    case 'dose':
      return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="#ffffff" stroke="#000000" stroke-width="1"/>`;
    case 'improved':
      return `<path d="M${formatCoordinate(x - 4)},${formatCoordinate(y + 3)}L${cx},${formatCoordinate(y - 4)}L${formatCoordinate(x + 4)},${formatCoordinate(y + 3)}Z" fill="#0072B2"/>`;
    case 'discharged':
      return `<path d="M${formatCoordinate(x - 3)},${formatCoordinate(y - 4)}L${formatCoordinate(x + 4)},${cy}L${formatCoordinate(x - 3)},${formatCoordinate(y + 4)}Z" fill="#009E73"/>`;
    case 'died':
      return `<path d="M${formatCoordinate(x - 4)},${formatCoordinate(y - 4)}L${formatCoordinate(x + 4)},${formatCoordinate(y + 4)}M${formatCoordinate(x + 4)},${formatCoordinate(y - 4)}L${formatCoordinate(x - 4)},${formatCoordinate(y + 4)}" stroke="#000000" stroke-width="2"/>`;
    case 'serious-event':
      return `<rect x="${formatCoordinate(x - 3)}" y="${formatCoordinate(y - 3)}" width="6" height="6" fill="#D55E00" transform="rotate(45 ${cx} ${cy})"/>`;
  }
}

/**
 * Swimmer plot: one lane per participant across study days 1…lastDay, each day coloured by the
 * ordinal category (grey where no status was recorded, nothing after discharge), with markers for
 * doses, improvement, discharge, death and serious adverse events. Deterministic SVG.
 */
export function swimmerSvg(lanes: readonly SwimmerLane[], options: SwimmerOptions): string {
  const width = options.width ?? 760;
  const labelWidth = Math.max(56, 8 + 7 * Math.max(0, ...lanes.map((lane) => lane.label.length)));
  const frame = { left: labelWidth, top: 40, width: width - labelWidth - 16, height: lanes.length * LANE };
  const dayWidth = frame.width / options.lastDay;
  const x = (day: number) => frame.left + (day - 1) * dayWidth;
  const categories = options.categoryLabels.length;
  const parts: string[] = [title(width, options.title)];
  lanes.forEach((lane, index) => {
    const top = frame.top + index * LANE;
    const middle = top + LANE / 2;
    parts.push(`<g class="lane" data-label="${escapeXml(lane.label)}">`);
    parts.push(
      `<text x="${labelWidth - 6}" y="${formatCoordinate(middle)}" text-anchor="end" dominant-baseline="middle" font-size="10" fill="#222">${escapeXml(lane.label)}</text>`,
    );
    for (const day of lane.days) {
      if (day.day < 1 || day.day > options.lastDay) continue;
      const colour = day.category === null ? MISSING_COLOUR : categoryColour(day.category, categories);
      parts.push(
        `<rect x="${formatCoordinate(x(day.day))}" y="${top + 2}" width="${formatCoordinate(dayWidth)}" height="${LANE - 4}" fill="${colour}"/>`,
      );
    }
    for (const dose of lane.doses) parts.push(marker('dose', x(dose) + dayWidth / 2, middle));
    for (const event of lane.events) parts.push(marker(event.kind, x(event.day) + dayWidth / 2, middle));
    parts.push('</g>');
  });
  const bottom = frame.top + frame.height;
  const axis = ['<g class="axes" font-size="11" fill="#222">'];
  for (const tick of niceTicks(options.lastDay)
    .filter((value) => value >= 1 && value <= options.lastDay)
    .concat(1)
    .sort((a, b) => a - b)) {
    const tickX = formatCoordinate(x(tick) + dayWidth / 2);
    axis.push(
      `<line x1="${tickX}" x2="${tickX}" y1="${bottom}" y2="${bottom + 4}" stroke="#222"/>`,
      `<text x="${tickX}" y="${bottom + 16}" text-anchor="middle">${tick}</text>`,
    );
  }
  axis.push(
    `<text x="${formatCoordinate(frame.left + frame.width / 2)}" y="${bottom + 32}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel ?? 'Study day')}</text>`,
    '</g>',
  );
  parts.push(axis.join('\n'));
  const labels = options.eventLabels ?? {};
  const legend = swatchLegend(
    [
      ...options.categoryLabels.map((label, index) => ({
        label: `${index + 1} ${label}`,
        colour: categoryColour(index + 1, categories),
      })),
      { label: options.missingLabel ?? 'No status recorded', colour: MISSING_COLOUR },
    ],
    frame.left,
    bottom + 52,
    frame.width,
  );
  parts.push(legend.svg);
  const markerTop = bottom + 52 + legend.height + 6;
  const markers = ['dose', 'improved', 'discharged', 'died', 'serious-event'] as const;
  const defaults = {
    dose: 'Dose',
    improved: 'Improved',
    discharged: 'Discharged alive',
    died: 'Died',
    'serious-event': 'Serious adverse event',
  };
  let markerX = frame.left;
  const markerParts = ['<g class="markers" font-size="11" fill="#222">'];
  for (const kind of markers) {
    const text = labels[kind] ?? defaults[kind];
    markerParts.push(
      marker(kind, markerX + 5, markerTop - 4),
      `<text x="${formatCoordinate(markerX + 14)}" y="${markerTop}">${escapeXml(text)}</text>`,
    );
    markerX += 30 + text.length * 6.2;
  }
  markerParts.push('</g>');
  parts.push(markerParts.join('\n'));
  return svgDocument(width, markerTop + 14, options.title ?? 'Swimmer plot', parts);
}
