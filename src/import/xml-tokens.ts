// A streaming reader of XML as start tags, end tags and text, enough for ODM's data (elements,
// attributes, text, the five entities and character references); comments, processing instructions
// and DOCTYPEs are passed over, CDATA is text. The file is never held whole: one chunk and the
// unfinished tag at its end.

export type XmlToken =
  | { kind: 'open'; name: string; attributes: Record<string, string>; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

export class NotXml extends Error {
  override name = 'NotXml';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text with its entities and character references replaced. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** A start or end tag from where it begins (sticky); a `>` inside a quoted value does not end it. */
const TAG = /<("[^"]*"|'[^']*'|[^'">])*>/y;
const ATTRIBUTE = /([^\s=/]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

function tagOf(body: string): XmlToken {
  if (body.startsWith('/')) return { kind: 'close', name: body.slice(1).trim() };
  const selfClosing = body.endsWith('/');
  const inner = selfClosing ? body.slice(0, -1) : body;
  const name = /^[^\s/]+/.exec(inner)?.[0];
  if (!name) throw new NotXml('A tag has no name.');
  const attributes: Record<string, string> = {};
  for (const match of inner.slice(name.length).matchAll(ATTRIBUTE)) {
    attributes[match[1] as string] = unescapeXml(match[3] ?? match[4] ?? '');
  }
  return { kind: 'open', name, attributes, selfClosing };
}

/** Where the markup that starts at `start` ends, with the token it gives (null: passed over). */
function markupAt(buffer: string, start: number): { end: number; token: XmlToken | null } | undefined {
  const skips: Array<[string, string]> = [
    ['<!--', '-->'],
    ['<?', '?>'],
  ];
  for (const [open, close] of skips) {
    if (!buffer.startsWith(open, start)) continue;
    const end = buffer.indexOf(close, start + open.length);
    return end < 0 ? undefined : { end: end + close.length, token: null };
  }
  if (buffer.startsWith('<![CDATA[', start)) {
    const end = buffer.indexOf(']]>', start);
    return end < 0
      ? undefined
      : { end: end + 3, token: { kind: 'text', text: buffer.slice(start + 9, end) } };
  }
  if (buffer.startsWith('<!', start)) {
    const end = buffer.indexOf('>', start);
    return end < 0 ? undefined : { end: end + 1, token: null };
  }
  TAG.lastIndex = start;
  const tag = TAG.exec(buffer);
  if (!tag) return undefined;
  return { end: start + tag[0].length, token: tagOf(tag[0].slice(1, -1).trim()) };
}

/** The tokens of an XML text that arrives in chunks. */
export async function* xmlTokens(chunks: AsyncIterable<string>): AsyncGenerator<XmlToken> {
  let buffer = '';
  let sawTag = false;
  for await (const chunk of chunks) {
    buffer += chunk;
    let position = 0;
    for (;;) {
      const lt = buffer.indexOf('<', position);
      if (lt < 0) break;
      if (lt > position) yield { kind: 'text', text: unescapeXml(buffer.slice(position, lt)) };
      const markup = markupAt(buffer, lt);
      if (!markup) {
        position = lt;
        break;
      }
      sawTag = true;
      if (markup.token) yield markup.token;
      position = markup.end;
    }
    buffer = buffer.slice(position);
    if (buffer.length > 2_000_000) throw new NotXml('A tag runs on for more than 2 MB.');
  }
  if (!sawTag) throw new NotXml('The file holds no XML.');
  if (buffer.includes('<')) throw new NotXml('The file ends inside a tag.');
}
