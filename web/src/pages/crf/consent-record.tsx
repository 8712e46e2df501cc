import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { FieldInput } from '../../../../src/crf/entries.ts';
import { isBlank } from '../../../../src/crf/entries.ts';
import { consentRecordAnswers } from '../../../../src/participants/consent-form.ts';
import type { Protocol, ProtocolForm } from '../../../../src/protocol/schema.ts';
import { useSiteTimeZone } from '../../api/site-clock.ts';
import { type ParticipantDetail, useLanguage } from '../../api/trial.ts';
import { formatDateTime } from '../../format.ts';

/**
 * The answers of the informed-consent form that the consent record holds (by item id): the first
 * consent's date, the latest consent's signer and version. The form shows them read-only and saves them
 * as recorded (the server refuses any other value), so nobody types the consent twice. Empty for any other form, or before the site's zone is known.
 */
export function useConsentRecord(
  protocol: Protocol,
  form: ProtocolForm,
  participant: ParticipantDetail,
): Map<string, FieldInput> {
  const zone = useSiteTimeZone(participant.siteId);
  const recorded = new Map<string, FieldInput>();
  if (!zone) return recorded;
  for (const [itemId, value] of consentRecordAnswers(protocol, form, participant.consents, zone)) {
    recorded.set(itemId, { value });
  }
  return recorded;
}

/** A draft with the consent record's answers where nothing is saved yet (saved values stay as saved). */
export function withConsentRecord(
  draft: Record<string, FieldInput>,
  recorded: Map<string, FieldInput>,
): Record<string, FieldInput> {
  const next = { ...draft };
  for (const [itemId, field] of recorded) if (isBlank(next[itemId])) next[itemId] = field;
  return next;
}

/** Where the read-only consent answers come from, and where to correct them. */
export function ConsentRecordNote({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const zone = useSiteTimeZone(participant.siteId) ?? 'UTC';
  const consent = participant.consents[0];
  if (!consent) return <Alert color="yellow">{t('words.consent.noRecord')}</Alert>;
  return (
    <Alert color="blue" title={t('words.consent.fromRecord')} data-testid="from-consent">
      {t('words.consent.fromRecordHint', {
        at: formatDateTime(consent.consentedAt, zone, language),
        name: consent.obtainedByName,
      })}
    </Alert>
  );
}
