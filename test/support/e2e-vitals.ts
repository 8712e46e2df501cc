import type { Locator } from 'playwright-core';
import { expect } from 'vitest';
import type { Protocol } from '../../src/protocol/schema.ts';

/** An input's label: the item's text, with the asterisk a required item shows. */
export const labelled = (text: string) =>
  new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\*?$`);

/** The English label of an item of the vitals form, as the page shows it. */
export const vitalsLabel = (protocol: Protocol, itemId: string) =>
  protocol.forms.find((form) => form.id === 'vitals')?.items.find((item) => item.id === itemId)?.label.en ??
  itemId;

/**
 * Types a reading into a vitals card of the dosing page and saves it: `values` by item (a time left out
 * stays as the card has it); context items copied from an earlier reading of the day are confirmed.
 */
export async function saveVitalsCard(card: Locator, protocol: Protocol, values: Record<string, unknown>) {
  for (const [itemId, value] of Object.entries(values)) {
    const label = vitalsLabel(protocol, itemId);
    if (itemId === 'atRest') {
      await card
        .getByRole('radiogroup', { name: label })
        .getByLabel(value ? 'Yes' : 'No')
        .check();
    } else if (itemId === 'oxygenSupport') {
      await card.getByLabel(labelled(label)).selectOption(String(value));
    } else {
      await card.getByLabel(labelled(label)).fill(String(value));
    }
  }
  if ((await card.getByTestId('copied-mark').count()) > 0) {
    await card.getByLabel(/^The values copied from the reading of/).check();
  }
  await card.getByRole('button', { name: 'Save vital signs' }).click();
  await expect.poll(() => card.getByText('Saved.').count(), { timeout: 15_000 }).toBe(1);
}
