import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';
import type { labelLayouts, labelSymbologies } from './inventory.schema.ts';

// Pure: vial labels as a PDF. The 2-D symbol encodes the vial's code exactly as a scanner types it at
// dispensing; the same code is printed beneath for people, with the lot and the expiry.

export interface VialLabel {
  code: string;
  /** Null on a kit's label (the lot would tell which kits share an arm). */
  lotNumber: string | null;
  /** YYYY-MM-DD: the vial's expiry at its current storage temperature. */
  expiresOn: string;
}

export interface LabelHeader {
  /** e.g. "MEXCOVID · NCT04276987" */
  study: string;
  /** e.g. "MSCs-Exo · 3 mL" */
  product: string;
  /** e.g. "Store at -80 °C" */
  storage: string;
}

export type LabelSymbology = (typeof labelSymbologies)[number];
export type LabelLayout = (typeof labelLayouts)[number];

const MM = 72 / 25.4;

interface Geometry {
  page: [number, number];
  label: [number, number];
  columns: number;
  rows: number;
  origin: [number, number];
  pitch: [number, number];
}

/** A4 sheets of 3 × 8 labels of 63.5 × 33.9 mm (the common L7159 layout), or one 50 × 25 mm label per page. */
const geometries: Record<LabelLayout, Geometry> = {
  sheet: {
    page: [210 * MM, 297 * MM],
    label: [63.5 * MM, 33.9 * MM],
    columns: 3,
    rows: 8,
    origin: [7.2 * MM, 12.9 * MM],
    pitch: [66.0 * MM, 33.9 * MM],
  },
  roll: {
    page: [50 * MM, 25 * MM],
    label: [50 * MM, 25 * MM],
    columns: 1,
    rows: 1,
    origin: [0, 0],
    pitch: [50 * MM, 25 * MM],
  },
};

/** The modules of the symbol, row by row (1 = dark), from BWIPP's encoder. */
export function symbolModules(
  symbology: LabelSymbology,
  text: string,
): { columns: number; rows: number; dark: (x: number, y: number) => boolean } {
  const [symbol] = bwipjs.raw(symbology, text, symbology === 'qrcode' ? 'eclevel=M' : '');
  if (!symbol) throw new Error(`no ${symbology} symbol for ${text}`);
  const { pixs, pixx, pixy } = symbol;
  return { columns: pixx, rows: pixy, dark: (x, y) => pixs[y * pixx + x] === 1 };
}

function drawSymbol(
  document: PDFKit.PDFDocument,
  symbology: LabelSymbology,
  text: string,
  x: number,
  y: number,
  side: number,
) {
  const modules = symbolModules(symbology, text);
  // Quiet zone: one module (Data Matrix) or four (QR) of white around the symbol, inside `side`.
  const quiet = symbology === 'qrcode' ? 4 : 1;
  const size = side / (Math.max(modules.columns, modules.rows) + 2 * quiet);
  // One rectangle per horizontal run of dark modules: a third of the drawing operations of one per module.
  for (let row = 0; row < modules.rows; row += 1) {
    let column = 0;
    while (column < modules.columns) {
      if (!modules.dark(column, row)) {
        column += 1;
        continue;
      }
      const start = column;
      while (column < modules.columns && modules.dark(column, row)) column += 1;
      document.rect(x + (start + quiet) * size, y + (row + quiet) * size, (column - start) * size, size);
    }
  }
  document.fill('#000');
}

function drawLabel(
  document: PDFKit.PDFDocument,
  label: VialLabel,
  header: LabelHeader,
  symbology: LabelSymbology,
  x: number,
  y: number,
  [width, height]: [number, number],
) {
  const pad = 2 * MM;
  const side = height - 2 * pad;
  drawSymbol(document, symbology, label.code, x + pad, y + pad, side);
  const textX = x + pad + side + 1.5 * MM;
  const textWidth = width - (textX - x) - pad;
  const scale = height / (25 * MM);
  // Each line on one line: a long study or lot name is set smaller rather than wrapped off the label.
  const line = (text: string, font: string, size: number) => {
    document.font(font).fontSize(size * scale);
    const fitted = Math.max(
      3,
      (size * scale * textWidth) / Math.max(textWidth, document.widthOfString(text)),
    );
    document.fontSize(fitted).text(text, textX, document.y, { lineBreak: false });
    document.y += (size * scale - fitted) * 1.15;
  };
  document.fillColor('#000');
  document.x = textX;
  document.y = y + pad;
  line(header.study, 'Helvetica', 5.5);
  line(label.code, 'Helvetica-Bold', 8.5);
  if (label.lotNumber !== null) line(`Lot ${label.lotNumber}`, 'Helvetica', 6.5);
  line(`EXP ${label.expiresOn}`, 'Helvetica-Bold', 6.5);
  line(header.product, 'Helvetica', 5.5);
  line(header.storage, 'Helvetica', 5.5);
  line('For clinical trial use only', 'Helvetica-Oblique', 5);
}

/**
 * The labels in order, as many per page as the layout holds. Encoding a symbol takes milliseconds, so
 * the loop yields to the event loop every other label: a print of a thousand labels does not hold up
 * the server's other requests.
 */
export async function renderLabelsPdf(
  labels: VialLabel[],
  header: LabelHeader,
  options: { symbology: LabelSymbology; layout: LabelLayout },
): Promise<Buffer> {
  const geometry = geometries[options.layout];
  const perPage = geometry.columns * geometry.rows;
  const document = new PDFDocument({
    size: geometry.page,
    margin: 0,
    autoFirstPage: false,
    info: { Title: `Vial labels (${labels.length})`, Subject: header.study },
  });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
  });
  for (const [index, label] of labels.entries()) {
    if (index > 0 && index % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
    const slot = index % perPage;
    if (slot === 0) document.addPage({ size: geometry.page, margin: 0 });
    const column = slot % geometry.columns;
    const row = Math.floor(slot / geometry.columns);
    drawLabel(
      document,
      label,
      header,
      options.symbology,
      geometry.origin[0] + column * geometry.pitch[0],
      geometry.origin[1] + row * geometry.pitch[1],
      geometry.label,
    );
  }
  document.end();
  return done;
}
