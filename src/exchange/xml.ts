// A small XML writer for streamed exports: escaping and element helpers that build strings, so a
// document is produced a chunk at a time without a DOM in memory. (xmlbuilder2 reads ODM on import.)

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

// Characters XML 1.0 forbids (C0 controls other than tab, line feed and carriage return) are dropped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to remove
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(value: unknown): string {
  return String(value)
    .replace(forbidden, '')
    .replace(/[&<>"']/g, (character) => escapes[character] ?? character);
}

export type Attributes = Record<string, string | number | boolean | null | undefined>;

export function attributes(values: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out += ` ${name}="${escapeXml(value)}"`;
  }
  return out;
}

/** `<name attrs>children</name>`, or `<name attrs/>` without children. */
export function element(
  name: string,
  attrs: Attributes = {},
  ...children: Array<string | null | undefined | false>
): string {
  const content = children.filter((child): child is string => typeof child === 'string').join('');
  return content ? `<${name}${attributes(attrs)}>${content}</${name}>` : `<${name}${attributes(attrs)}/>`;
}

export const text = (name: string, attrs: Attributes, value: unknown): string =>
  `<${name}${attributes(attrs)}>${escapeXml(value)}</${name}>`;
