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

/** The objects of an uncompressed-xref PDF by number: their dictionary text and inflated stream. */
function pdfObjects(pdf: Buffer): Map<number, { dictionary: string; stream: Buffer | null }> {
  const raw = pdf.toString('latin1');
  const objects = new Map<number, { dictionary: string; stream: Buffer | null }>();
  for (const match of raw.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = match[2] ?? '';
    const split = body.indexOf('stream');
    if (split < 0) {
      objects.set(Number(match[1]), { dictionary: body, stream: null });
      continue;
    }
    const data = body.slice(split + 6).replace(/^\r?\n/, '');
    // The dictionary's /Length says where the data ends (its last byte may be a CR or LF).
    const length = /\/Length (\d+)(?! \d+ R)/.exec(body.slice(0, split))?.[1];
    const bytes = Buffer.from(
      length ? data.slice(0, Number(length)) : data.replace(/\r?\n?endstream\s*$/, ''),
      'latin1',
    );
    let stream: Buffer;
    try {
      stream = body.slice(0, split).includes('/FlateDecode') ? inflateSync(bytes) : bytes;
    } catch {
      stream = bytes;
    }
    objects.set(Number(match[1]), { dictionary: body.slice(0, split), stream });
  }
  return objects;
}

/** A ToUnicode CMap: code (hex) → text, and how many bytes a code takes. */
function toUnicode(cmap: string): { width: number; map: Map<string, string> } {
  const map = new Map<string, string>();
  const utf16 = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le');
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const pair of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      map.set((pair[1] ?? '').toUpperCase(), utf16(pair[2] ?? ''));
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const range of (block[1] ?? '').matchAll(
      /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g,
    )) {
      const [, low = '', high = '', start = ''] = range;
      const first = Number.parseInt(start, 16);
      for (let code = Number.parseInt(low, 16); code <= Number.parseInt(high, 16); code += 1) {
        const key = code.toString(16).toUpperCase().padStart(low.length, '0');
        map.set(key, String.fromCodePoint(first + code - Number.parseInt(low, 16)));
      }
    }
  }
  const space = /<([0-9a-fA-F]+)>\s*<[0-9a-fA-F]+>\s*endcodespacerange/.exec(cmap);
  return { width: (space?.[1]?.length ?? 2) / 2, map };
}

/**
 * The text of a PDF printed by Chromium (Skia): each page's fonts mapped through their ToUnicode
 * CMaps (or a marked span's ActualText), one line per BT…ET text object. `text` is every line
 * joined by a line feed.
 */
export function chromiumPdfText(pdf: Buffer): { pages: number; lines: string[]; text: string } {
  const objects = pdfObjects(pdf);
  const cmaps = new Map<number, ReturnType<typeof toUnicode>>();
  const cmapOf = (fontRef: number) => {
    const cached = cmaps.get(fontRef);
    if (cached) return cached;
    const ref = /\/ToUnicode (\d+) 0 R/.exec(objects.get(fontRef)?.dictionary ?? '')?.[1];
    const cmap = toUnicode(ref ? (objects.get(Number(ref))?.stream?.toString('latin1') ?? '') : '');
    cmaps.set(fontRef, cmap);
    return cmap;
  };
  const lines: string[] = [];
  let pages = 0;
  for (const { dictionary } of objects.values()) {
    if (!/\/Type \/Page\b/.test(dictionary)) continue;
    pages += 1;
    const fonts = new Map<string, number>();
    const fontDictionary = /\/Font <<([\s\S]*?)>>/.exec(dictionary)?.[1] ?? '';
    for (const font of fontDictionary.matchAll(/\/(\w+) (\d+) 0 R/g))
      fonts.set(font[1] ?? '', Number(font[2]));
    const contents = /\/Contents (\d+) 0 R/.exec(dictionary)?.[1];
    const content = objects.get(Number(contents))?.stream?.toString('latin1') ?? '';
    for (const block of content.matchAll(/\bBT\b([\s\S]*?)\bET\b/g)) {
      let cmap: ReturnType<typeof toUnicode> = { width: 1, map: new Map() };
      let line = '';
      // A marked span's ActualText stands for the glyphs inside it (Skia writes one where the font's
      // own map would say another code point, e.g. the Kangxi radical U+2F3C for 心).
      let actual: string | null = null;
      const tokens = /\/ActualText <([0-9a-fA-F]*)>[^B]*BDC|\bEMC\b|\/(\w+) [\d.]+ Tf|<([0-9a-fA-F]*)>/g;
      for (const token of (block[1] ?? '').matchAll(tokens)) {
        if (token[1] !== undefined) {
          actual = Buffer.from(token[1].replace(/^FEFF/i, ''), 'hex').swap16().toString('utf16le');
        } else if (token[0] === 'EMC') {
          line += actual ?? '';
          actual = null;
        } else if (token[2]) {
          cmap = cmapOf(fonts.get(token[2]) ?? -1);
        } else if (actual === null) {
          const hex = (token[3] ?? '').toUpperCase();
          for (let index = 0; index < hex.length; index += cmap.width * 2) {
            line += cmap.map.get(hex.slice(index, index + cmap.width * 2)) ?? '';
          }
        }
      }
      lines.push(line);
    }
  }
  return { pages, lines, text: lines.join('\n') };
}
