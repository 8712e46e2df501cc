import type { RuleSyntaxError } from './ast.ts';

export type TokenKind = 'number' | 'string' | 'name' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  /** For `name` and `punct`: the text; for `string`: the unescaped value; for `number`: the literal text. */
  text: string;
  offset: number;
}

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; error: RuleSyntaxError };

const PUNCTUATION = ['<=', '>=', '!=', '(', ')', '[', ']', ',', '=', '<', '>', '+', '-', '*', '/'];

// Operators people type from habit in other languages; we name the right spelling instead of "unexpected".
const MISTAKES: Record<string, string> = {
  '==': "'==' is not an operator here; use '=' to compare",
  '&&': "use 'and' instead of '&&'",
  '||': "use 'or' instead of '||'",
  '<>': "use '!=' instead of '<>'",
};

const NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
};

/** Splits rule text into tokens. Whitespace separates tokens and is otherwise ignored. */
export function tokenize(source: string): LexResult {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < source.length) {
    const char = source.charAt(offset);
    if (/\s/.test(char)) {
      offset += 1;
      continue;
    }
    const rest = source.slice(offset);
    const mistake = Object.keys(MISTAKES).find((text) => rest.startsWith(text));
    if (mistake) return fail(MISTAKES[mistake] ?? 'unexpected operator', offset);
    const number = NUMBER.exec(rest);
    if (number) {
      if (/^[A-Za-z_]/.test(rest.slice(number[0].length))) {
        return fail(`malformed number '${rest.slice(0, number[0].length + 1)}'`, offset);
      }
      tokens.push({ kind: 'number', text: number[0], offset });
      offset += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      if (rest.charAt(name[0].length) === '.') {
        return fail(`malformed name '${name[0]}.': a reference is 'form.item'`, offset);
      }
      tokens.push({ kind: 'name', text: name[0], offset });
      offset += name[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      const string = readString(source, offset);
      if (!string.ok) return string;
      tokens.push({ kind: 'string', text: string.value, offset });
      offset = string.end;
      continue;
    }
    const punct = PUNCTUATION.find((text) => rest.startsWith(text));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct, offset });
      offset += punct.length;
      continue;
    }
    if (char === '!') return fail("use 'not' instead of '!'", offset);
    if (char === '&') return fail("use 'and' instead of '&'", offset);
    if (char === '|') return fail("use 'or' instead of '|'", offset);
    return fail(`unexpected character '${char}'`, offset);
  }
  tokens.push({ kind: 'end', text: '', offset: source.length });
  return { ok: true, tokens };
}

function readString(
  source: string,
  start: number,
): { ok: true; value: string; end: number } | { ok: false; error: RuleSyntaxError } {
  const quote = source.charAt(start);
  let value = '';
  let offset = start + 1;
  while (offset < source.length) {
    const char = source.charAt(offset);
    if (char === quote) return { ok: true, value, end: offset + 1 };
    if (char === '\\') {
      const next = source.charAt(offset + 1);
      if (next === 'u') {
        const hex = source.slice(offset + 2, offset + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return fail('bad \\u escape: expected four hex digits', offset);
        value += String.fromCharCode(Number.parseInt(hex, 16));
        offset += 6;
        continue;
      }
      const escaped = ESCAPES[next];
      if (escaped === undefined) return fail(`unknown escape '\\${next}'`, offset);
      value += escaped;
      offset += 2;
      continue;
    }
    value += char;
    offset += 1;
  }
  return fail('unterminated string: add the closing quote', start);
}

function fail(message: string, offset: number): { ok: false; error: RuleSyntaxError } {
  return { ok: false, error: { message, offset } };
}
