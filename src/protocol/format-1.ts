import { adverseEventItemsSchema } from './schema.ts';

// Protocols written before a key existed still load, with what their format meant then: the one
// place that knows those conventions. It works on the raw content (a YAML file before it is parsed,
// a stored protocol version as it was saved), so both read the same.

/** The form that held adverse events before `safety.adverseEvents` named it. */
const FORMAT_1_ADVERSE_EVENT_FORM = 'adverseEvent';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The raw protocol with `safety.adverseEvents` filled in when it is missing: the `adverseEvent` form,
 * and each meaning mapped to the item of the same name where the form has one (as the code read them
 * then). Content that already has the section, or is not a protocol at all, is returned unchanged.
 */
export function withFormat1Defaults<T>(content: T): T {
  if (!isObject(content) || !isObject(content.safety) || content.safety.adverseEvents !== undefined)
    return content;
  const forms = Array.isArray(content.forms) ? content.forms : [];
  const form = forms.find((entry) => isObject(entry) && entry.id === FORMAT_1_ADVERSE_EVENT_FORM);
  const itemIds = new Set(
    isObject(form) && Array.isArray(form.items) ? form.items.filter(isObject).map((item) => item.id) : [],
  );
  const items = Object.fromEntries(
    Object.keys(adverseEventItemsSchema.shape)
      .filter((role) => itemIds.has(role))
      .map((role) => [role, role]),
  );
  return {
    ...content,
    safety: { ...content.safety, adverseEvents: { form: FORMAT_1_ADVERSE_EVENT_FORM, items } },
  };
}
