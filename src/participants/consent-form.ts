import { isConsentDate } from '../crf/date-checks.ts';
import { allowedCodes } from '../crf/form-checks.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { dateInZone } from '../study/zone-date.ts';
import type { ParticipantDetail } from './participant.schema.ts';

// Pure: which answers of the informed-consent eCRF form the consent record already holds. The consent
// dialog records the consent (version, time, who signed, who obtained it); the form asks those again
// only as copies, so they are filled from the record and never typed a second time.

/** What of the consent record an item of the consent form holds. */
export type ConsentField = 'signed' | 'date' | 'signer' | 'formVersion';

/** What of a consent the form's copies read. */
type Consent = Pick<ParticipantDetail['consents'][number], 'consentedAt' | 'formVersion' | 'signer'>;

/**
 * The items of `form` that copy the consent record, by item id. The consent form is the screening form
 * with the consent date (SDTM DS.DSSTDTC); on it, "signed" is its DS.DSDECOD yes/no item, "signer" the
 * choice whose codes include `participant`, and "form version" the text item named for the version.
 * Any other form gives none.
 */
export function consentRecordItems(protocol: Protocol, form: ProtocolForm): Map<string, ConsentField> {
  const items = new Map<string, ConsentField>();
  const dateItem = form.items.find((item) => isConsentDate(protocol, form, item));
  if (!dateItem) return items;
  items.set(dateItem.id, 'date');
  for (const item of form.items) {
    if (item.derivation !== undefined) continue;
    if (item.type === 'boolean' && item.sdtm?.domain === 'DS' && item.sdtm.variable === 'DSDECOD') {
      items.set(item.id, 'signed');
    } else if (item.type === 'choice' && allowedCodes(protocol, item).includes('participant')) {
      items.set(item.id, 'signer');
    } else if (item.type === 'text' && /version/i.test(item.id)) {
      items.set(item.id, 'formVersion');
    }
  }
  return items;
}

/**
 * The value a consent-record item takes from the participant's first consent (the one given before any
 * study procedure): the date is the consent's date at the site; a legal representative is the signer
 * code other than `participant`.
 */
export function consentRecordValue(
  protocol: Protocol,
  form: ProtocolForm,
  itemId: string,
  field: ConsentField,
  consent: Consent,
  timeZone: string,
): string | boolean | null {
  switch (field) {
    case 'signed':
      return true;
    case 'date':
      return dateInZone(new Date(consent.consentedAt), timeZone);
    case 'formVersion':
      return consent.formVersion;
    case 'signer': {
      if (consent.signer === 'participant') return 'participant';
      const item = form.items.find((entry) => entry.id === itemId);
      return (item && allowedCodes(protocol, item).find((code) => code !== 'participant')) ?? null;
    }
  }
}

/**
 * The answers the consent record gives the consent items of `form`, by item id, from the participant's
 * consents in the order they were given. The date is the first consent's (the one given before any study
 * procedure, which "age at consent" and the rule that procedures follow consent read); the signer and the
 * form version are the latest consent's, so a re-consent to a new version of the form is what the form says.
 */
export function consentRecordAnswers(
  protocol: Protocol,
  form: ProtocolForm,
  consents: readonly Consent[],
  timeZone: string,
): Map<string, string | boolean | null> {
  const answers = new Map<string, string | boolean | null>();
  const first = consents[0];
  const latest = consents.at(-1);
  if (!first || !latest) return answers;
  for (const [itemId, field] of consentRecordItems(protocol, form)) {
    const consent = field === 'date' ? first : latest;
    answers.set(itemId, consentRecordValue(protocol, form, itemId, field, consent, timeZone));
  }
  return answers;
}
