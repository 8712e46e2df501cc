import type { KeyboardEvent } from 'react';

// Keyboard entry on a form page. Each item's row marks its parts with `data-entry`: the answer ("field"),
// the missing-data code ("missing", out of the Tab order) and the reason a value is missing ("reason").
// Enter walks from one answer to the next and on to Save; Alt+M jumps between an answer and its
// missing-data code. The walk reads the DOM, so it follows what the skip logic shows at that moment.

/** The shortcut to a field's missing-data code, as `aria-keyshortcuts` spells it. */
export const MISSING_SHORTCUT = 'Alt+M';

type EntryPart = 'field' | 'missing' | 'reason';

const isEnabled = (element: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) =>
  !element.disabled && element.type !== 'hidden';

/** The control that takes focus in a part: the chosen radio of a group (else its first), else the first control. */
function partTarget(part: Element): HTMLElement | null {
  const controls = [
    ...part.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
      'input, select, textarea',
    ),
  ].filter(isEnabled);
  const checkedRadio = controls.find(
    (control) => control instanceof HTMLInputElement && control.type === 'radio' && control.checked,
  );
  return checkedRadio ?? controls[0] ?? null;
}

const parts = (form: HTMLElement, kinds: EntryPart[]) =>
  [...form.querySelectorAll('[data-entry]')].filter((part) =>
    kinds.includes(part.getAttribute('data-entry') as EntryPart),
  );

/** Focuses the answer of the first item in `itemIds` (the empty ones, in form order); false when none can take it. */
export function focusFirstField(form: HTMLElement, itemIds: string[]): boolean {
  for (const itemId of itemIds) {
    const part = form.querySelector(`[data-entry-item="${CSS.escape(itemId)}"] [data-entry="field"]`);
    const target = part && partTarget(part);
    if (target) {
      target.focus();
      return true;
    }
  }
  return false;
}

/** Moves from the part holding `from` to the next answer or reason box, or to Save after the last one. */
function focusNext(form: HTMLElement, from: Element) {
  const all = parts(form, ['field', 'missing', 'reason']);
  const here = all.indexOf(from);
  for (const part of all.slice(here + 1)) {
    if (part.getAttribute('data-entry') === 'missing') continue;
    const target = partTarget(part);
    if (target) {
      target.focus();
      return;
    }
  }
  form.querySelector<HTMLButtonElement>('button[type="submit"]:not(:disabled)')?.focus();
}

/** Alt+M: from an answer to its missing-data code, and back. */
function toggleMissing(form: HTMLElement, part: Element) {
  const row = part.closest('[data-entry-item]');
  if (!row || !form.contains(row)) return;
  const other = row.querySelector(
    `[data-entry="${part.getAttribute('data-entry') === 'missing' ? 'field' : 'missing'}"]`,
  );
  const target = other && partTarget(other);
  // A code already chosen disables the answer: from the code, the reason box is the way back.
  const fallback = row.querySelector('[data-entry="reason"]');
  (target ?? (fallback && partTarget(fallback)))?.focus();
}

/**
 * The form's keydown handler: Enter moves on (a text area keeps its new line, a button keeps its click,
 * an IME keeps its composition), and never submits the page from a field.
 */
export function onEntryKeyDown(event: KeyboardEvent<HTMLFormElement>) {
  const target = event.target as HTMLElement;
  const part = target.closest('[data-entry]');
  if (!part || event.defaultPrevented || event.nativeEvent.isComposing) return;
  if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyM') {
    event.preventDefault();
    toggleMissing(event.currentTarget, part);
    return;
  }
  if (event.key !== 'Enter' || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLButtonElement) return;
  event.preventDefault();
  focusNext(event.currentTarget, part);
}

/**
 * Number keys choose an answer: 1 is the first option, 2 the second (up to 9). Returns the chosen
 * option's index, or null when the key is not one of them (the key then does what it always does).
 */
export function digitChoice(event: KeyboardEvent, optionCount: number): number | null {
  if (event.altKey || event.ctrlKey || event.metaKey) return null;
  const digit = /^[1-9]$/.test(event.key) ? Number(event.key) : null;
  if (digit === null || digit > optionCount) return null;
  event.preventDefault();
  return digit - 1;
}
