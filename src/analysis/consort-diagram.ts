import { escapeXml, formatCoordinate, svgDocument } from './svg.ts';

export interface ConsortBox {
  /** First line, e.g. "Assessed for eligibility". */
  heading: string;
  count: number;
  /** Further lines, e.g. reasons with counts. */
  details?: readonly string[];
}

export interface ConsortFlow {
  /** Main column, top to bottom: screened, enrolled, allocated/treated, analysed. */
  main: readonly ConsortBox[];
  /** Side boxes to the right, keyed by the index of the main box after which they branch off. */
  side: readonly { after: number; box: ConsortBox }[];
  title?: string;
}

const BOX_WIDTH = 280;
const LINE = 15;

function boxHeight(box: ConsortBox): number {
  return 16 + LINE * (1 + (box.details?.length ?? 0));
}

function drawBox(box: ConsortBox, x: number, y: number): string {
  const height = boxHeight(box);
  const lines = [`${box.heading} (n = ${box.count})`, ...(box.details ?? [])];
  return [
    `<g class="consort-box"><rect x="${x}" y="${y}" width="${BOX_WIDTH}" height="${height}" fill="#ffffff" stroke="#222" rx="3"/>`,
    ...lines.map(
      (line, index) =>
        `<text x="${x + 10}" y="${y + 20 + index * LINE}" font-size="${index === 0 ? 12 : 11}"${index === 0 ? ' font-weight="bold"' : ''} fill="#222">${escapeXml(line)}</text>`,
    ),
    '</g>',
  ].join('\n');
}

/**
 * CONSORT 2010 flow diagram (Schulz et al., BMJ 2010) for a single-arm trial: the main column of
 * boxes joined by arrows, with exclusion boxes branching to the right. Counts come from the caller
 * (derived from participant states, never typed). Deterministic SVG.
 */
export function consortSvg(flow: ConsortFlow): string {
  const width = 2 * BOX_WIDTH + 120;
  const mainX = 20;
  const sideX = mainX + BOX_WIDTH + 80;
  const parts: string[] = [
    '<defs><marker id="consort-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#222"/></marker></defs>',
  ];
  if (flow.title)
    parts.push(
      `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">${escapeXml(flow.title)}</text>`,
    );
  let y = flow.title ? 40 : 16;
  flow.main.forEach((box, index) => {
    parts.push(drawBox(box, mainX, y));
    const bottom = y + boxHeight(box);
    if (index === flow.main.length - 1) {
      y = bottom;
      return;
    }
    const sides = flow.side.filter((entry) => entry.after === index);
    let gap = 36;
    let sideY = bottom + 14;
    for (const side of sides) {
      const middle = sideY + boxHeight(side.box) / 2;
      parts.push(
        `<line x1="${mainX + BOX_WIDTH / 2}" x2="${sideX}" y1="${formatCoordinate(middle)}" y2="${formatCoordinate(middle)}" stroke="#222" marker-end="url(#consort-arrow)"/>`,
        drawBox(side.box, sideX, sideY),
      );
      sideY += boxHeight(side.box) + 10;
      gap = Math.max(gap, sideY - bottom + 14);
    }
    const next = bottom + gap;
    parts.push(
      `<line x1="${mainX + BOX_WIDTH / 2}" x2="${mainX + BOX_WIDTH / 2}" y1="${bottom}" y2="${next}" stroke="#222" marker-end="url(#consort-arrow)"/>`,
    );
    y = next;
  });
  return svgDocument(width, y + 16, flow.title ?? 'CONSORT flow diagram', parts);
}
