import type { Protocol, ProtocolItem } from '../protocol/schema.ts';

/** A laboratory item of the protocol: a measured (not derived) number with a unit on an SDTM LB form. */
export interface LabItem {
  /** `form.item`, e.g. `labs.alt`. */
  key: string;
  formId: string;
  item: ProtocolItem;
  unit: string;
  /** The item's unit first, then the others a value may be entered in. */
  units: string[];
}

/** The protocol's laboratory items, in protocol order; the collection date is the form's `collectedOn`. */
export function labItems(protocol: Protocol): LabItem[] {
  return protocol.forms
    .filter((form) => form.sdtmDomain === 'LB')
    .flatMap((form) =>
      form.items
        .filter(
          (item) =>
            (item.type === 'decimal' || item.type === 'integer') &&
            item.unit !== undefined &&
            item.derivation === undefined,
        )
        .map((item) => ({
          key: `${form.id}.${item.id}`,
          formId: form.id,
          item,
          unit: item.unit as string,
          units: [item.unit as string, ...(item.units ?? [])],
        })),
    );
}
