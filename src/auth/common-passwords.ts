import { createRequire } from 'node:module';
import type * as languageCommon from '@zxcvbn-ts/language-common';

/**
 * The zxcvbn-ts list of ~49,000 passwords most often seen in breaches (NIST SP 800-63B §5.1.1.2:
 * refuse passwords from lists of commonly used or compromised values).
 */
let common: ReadonlySet<string> | undefined;
// The package decompresses all its word lists (about 430 kB of code) when it is loaded: it is loaded
// when a password is first checked, not at every start of the server and the CLI.
const loadCommonJs = createRequire(import.meta.url);
const commonPasswords = (): ReadonlySet<string> => {
  common ??= new Set(
    (loadCommonJs('@zxcvbn-ts/language-common') as typeof languageCommon).dictionary['passwords-common'].map(
      (word) => word.toLowerCase(),
    ),
  );
  return common;
};

/**
 * Whether a password is a common one, or a common one dressed up: repeated ("passwordpassword"),
 * or with digits and symbols around it ("Password2024!", "!!qwerty123456"), case ignored.
 */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords();
  const lower = password.toLowerCase();
  if (list.has(lower)) return true;
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, '');
  if (core.length >= 3 && (list.has(core) || isRepeated(core, list))) return true;
  if (isRepeated(lower, list)) return true;
  return /^(.)\1*$/u.test(lower) || isRun(lower);
}

/** "abcabcabc" is "abc" repeated; refused when the unit is itself common or very short. */
function isRepeated(text: string, list: ReadonlySet<string>): boolean {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.length % size !== 0) continue;
    const unit = text.slice(0, size);
    if (unit.repeat(text.length / size) === text && (size <= 3 || list.has(unit))) return true;
  }
  return false;
}

/** An ascending or descending run of characters: "123456789012", "abcdefghijkl". */
function isRun(text: string): boolean {
  const codes = [...text].map((char) => char.codePointAt(0) ?? 0);
  const steps = new Set(codes.slice(1).map((code, index) => code - (codes[index] ?? 0)));
  const digitWrap = /^\d+$/.test(text) && [...steps].every((step) => step === 1 || step === -9);
  return (steps.size === 1 && [1, -1].includes([...steps][0] ?? 0)) || digitWrap;
}
