import './consent.strings.ts';
import { Alert, Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ParticipantSummary } from '../../../../src/participants/participant.schema.ts';

/**
 * The warning every data-entry page of a participant shows while they owe a re-consent to the consent
 * form version in force (the server's form save carries the same warning).
 */
export function ReconsentWarning({ participant }: { participant: Pick<ParticipantSummary, 'reconsentDue'> }) {
  const { t } = useTranslation();
  const due = participant.reconsentDue;
  if (!due) return null;
  return (
    <Alert color="orange" title={t('consentArea.reconsentTitle')} data-testid="reconsent-warning">
      {t('consentArea.reconsentDue', { signed: due.signedVersion, inForce: due.versionInForce })}
    </Alert>
  );
}

/** A participant's re-consent, beside their number in the participant list and the worklist. */
export function ReconsentBadge({ due }: { due: ParticipantSummary['reconsentDue'] }) {
  const { t } = useTranslation();
  if (!due) return null;
  return (
    <Badge color="orange" variant="light" tt="none" data-testid="reconsent-badge">
      {t('consentArea.reconsentBadge', { version: due.versionInForce })}
    </Badge>
  );
}
