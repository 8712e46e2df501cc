/**
 * Abstract syntax tree of the rule-expression language (grammar in README.md).
 * Every node keeps the character offset where it starts so that problems can point into the source text.
 */

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithmeticOperator = '+' | '-' | '*' | '/';

export type LiteralNode =
  | { kind: 'number'; value: number; offset: number }
  | { kind: 'string'; value: string; offset: number }
  | { kind: 'boolean'; value: boolean; offset: number }
  /** `date("2020-02-01")` or `date("2020-02-01T08:30:00Z")`; the text is kept as written. */
  | { kind: 'date'; value: string; offset: number };

export type RuleNode =
  | LiteralNode
  /** An item reference: `form.item` (or a bare `item` inside the item's own form). */
  | { kind: 'reference'; name: string; offset: number }
  | { kind: 'negate'; operand: RuleNode; offset: number }
  | { kind: 'arithmetic'; operator: ArithmeticOperator; left: RuleNode; right: RuleNode; offset: number }
  | { kind: 'compare'; operator: ComparisonOperator; left: RuleNode; right: RuleNode; offset: number }
  | { kind: 'in'; negated: boolean; operand: RuleNode; list: LiteralNode[]; offset: number }
  | { kind: 'presence'; test: 'missing' | 'present'; operand: RuleNode; offset: number }
  | { kind: 'not'; operand: RuleNode; offset: number }
  | { kind: 'logical'; operator: 'and' | 'or'; left: RuleNode; right: RuleNode; offset: number }
  | { kind: 'call'; name: string; args: RuleNode[]; offset: number };

/** Where parsing stopped: `offset` is a 0-based character index into the rule text. */
export interface RuleSyntaxError {
  message: string;
  offset: number;
}

export type ParseResult = { ok: true; ast: RuleNode } | { ok: false; error: RuleSyntaxError };

/** The value types a rule expression can have; `list` is the value of a multichoice item (a list of codes). */
export type RuleType = 'number' | 'string' | 'boolean' | 'date' | 'list';

/** The CRF item types a protocol may declare (mirrors the schema's item `type`). */
export type ItemType =
  | 'text'
  | 'integer'
  | 'decimal'
  | 'date'
  | 'datetime'
  | 'choice'
  | 'multichoice'
  | 'boolean'
  | 'file';

/** A date value at run time: milliseconds since the epoch (UTC) and whether a time of day was given. */
export interface RuleDate {
  kind: 'date';
  epochMs: number;
  hasTime: boolean;
}

/** Values a rule can compute; `null` is "unknown" (a missing item, or an unknown sub-result). */
export type RuleValue = number | string | boolean | RuleDate | readonly string[] | null;

/**
 * Values supplied to the evaluator, keyed by reference name. Dates may be given as ISO strings
 * (`"2020-02-01"`, `"2020-02-01T08:30:00Z"`), as JS `Date` objects or as {@link RuleDate}s.
 * `undefined` and `null` both mean missing.
 */
export type RuleInputValue =
  | number
  | string
  | boolean
  | Date
  | RuleDate
  | readonly string[]
  | null
  | undefined;
export type RuleValues = Readonly<Record<string, RuleInputValue>>;

export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'missing',
  'present',
  'true',
  'false',
]);
