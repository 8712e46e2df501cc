import { inflateSync } from 'node:zlib';

/**
 * The pages and text lines of a PDF written by pdfkit with its standard fonts: each content stream is
 * inflated and the hex strings of every TJ array are decoded (WinAnsi, read as Latin-1). Enough to check
 * our own PDFs without a PDF library.
 */
export function pdfText(pdf: Buffer): { pages: number; lines: string[] } {
  const raw = pdf.toString('latin1');
  const pages = (raw.match(/\/Type \/Page\b/g) ?? []).length;
  const lines: string[] = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    const body = Buffer.from(match[1] ?? '', 'latin1');
    let content: string;
    try {
      content = inflateSync(body).toString('latin1');
    } catch {
      content = body.toString('latin1');
    }
    for (const array of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...(array[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((part) => part[1]).join('');
      lines.push(Buffer.from(hex, 'hex').toString('latin1'));
    }
  }
  return { pages, lines };
}
