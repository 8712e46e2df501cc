import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { SignatureRequest } from '../../../../src/participants/participant.schema.ts';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { api } from '../../api/client.ts';
import { useSiteTimeZone } from '../../api/site-clock.ts';
import {
  apiErrorText,
  type EligibilityView,
  formPagePath,
  type ParticipantDetail,
  participantKeys,
  useCan,
  useEligibility,
  useLanguage,
  useProtocol,
} from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { formatDateTime } from '../../format.ts';

const overallColour = { eligible: 'green', ineligible: 'red', incomplete: 'yellow' } as const;

type Verdict = 'met' | 'notMet' | 'absent' | 'present' | 'unknown';

/**
 * What a criterion's rule value means for the participant. An inclusion criterion is met or not; an
 * exclusion criterion is present (the participant is excluded) or not present, which is no
 * achievement to show in green, only the absence of a reason to exclude.
 */
function verdict(criterion: EligibilityView['criteria'][number]): Verdict {
  if (criterion.result === null) return 'unknown';
  if (criterion.kind === 'inclusion') return criterion.result ? 'met' : 'notMet';
  return criterion.result ? 'present' : 'absent';
}

const verdictColour = {
  met: 'green',
  notMet: 'red',
  present: 'red',
  absent: 'gray',
  unknown: 'gray',
} as const;
const verdictKey = {
  met: 'eligibility.met',
  notMet: 'eligibility.notMet',
  present: 'words.eligibility.present',
  absent: 'words.eligibility.notPresent',
  unknown: 'eligibility.unknown',
} as const;

/** The page of the eligibility checklist (the screening visit's IE form), where its answers are entered. */
function checklistPath(protocol: Protocol, participantId: string): string | null {
  for (const visit of protocol.schedule.visits.filter((entry) => entry.kind === 'screening')) {
    const formId = visit.forms?.find(
      (id) => protocol.forms.find((form) => form.id === id)?.sdtmDomain === 'IE',
    );
    if (formId) return formPagePath(participantId, visit.id, formId);
  }
  return null;
}

export function EligibilityPanel({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const client = useQueryClient();
  const eligibility = useEligibility(participant.participantId);
  const protocol = useProtocol();
  const zone = useSiteTimeZone(participant.siteId);
  const [signing, setSigning] = useState(false);
  if (eligibility.isPending) return <Loader />;
  if (eligibility.isError) return <Alert color="red">{apiErrorText(t, language, eligibility.error)}</Alert>;
  const view = eligibility.data;
  // After enrolment a change to screening data (a re-consent rewrites the consent form's copies, a
  // correction) no longer asks for a new confirmation: the enrolment stands on what was confirmed.
  const enrolled = participant.day1Date !== null;
  const stale = view.confirmationStale && !enrolled;
  const confirmable =
    participant.status === 'screening' &&
    view.status === 'eligible' &&
    (view.confirmedAt === null || view.confirmationStale) &&
    can('eligibility.confirm');
  // The checklist opens with focus on its first unanswered question (see the form page).
  const checklist =
    participant.status === 'screening' && can('crf.enter') && protocol.data
      ? checklistPath(protocol.data.protocol, participant.participantId)
      : null;
  return (
    <Card withBorder data-testid="eligibility-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3}>{t('eligibility.title')}</Title>
          <Group>
            <Badge color={overallColour[view.status]} size="lg" data-testid="eligibility-status">
              {t(`eligibility.status.${view.status}`)}
            </Badge>
            {checklist && (
              <Button component={Link} to={checklist} variant={confirmable ? 'default' : 'light'}>
                {t('eligibility.openChecklist')}
              </Button>
            )}
            {confirmable && <Button onClick={() => setSigning(true)}>{t('eligibility.confirm')}</Button>}
          </Group>
        </Group>
        {view.confirmedAt && !stale && (
          <Alert color="green" data-testid="eligibility-confirmed">
            {t('eligibility.confirmedBy', {
              name: view.confirmedBy ?? '',
              at: formatDateTime(view.confirmedAt, zone ?? 'UTC', language),
            })}
          </Alert>
        )}
        {stale && <Alert color="orange">{t('eligibility.stale')}</Alert>}
        {view.confirmationStale && enrolled && (
          <Text size="sm" c="dimmed" data-testid="eligibility-changed-after-enrolment">
            {t('eligibility.changedAfterEnrolment')}
          </Text>
        )}
        {view.status === 'eligible' && !view.confirmedAt && !can('eligibility.confirm') && (
          <Text size="sm" c="dimmed">
            {t('eligibility.awaitingInvestigator')}
          </Text>
        )}
        <ScrollTable withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('eligibility.criterion')}</Table.Th>
              <Table.Th w={110}>{t('eligibility.kind')}</Table.Th>
              <Table.Th w={120}>{t('eligibility.result')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.criteria.map((criterion) => {
              const result = verdict(criterion);
              return (
                <Table.Tr key={criterion.id} data-testid={`criterion-${criterion.id}`}>
                  <Table.Td>
                    <Text size="sm">{criterion.text[language]}</Text>
                  </Table.Td>
                  <Table.Td>{t(`eligibility.${criterion.kind}`)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Badge
                      color={verdictColour[result]}
                      variant="light"
                      style={{ overflow: 'visible' }}
                      data-verdict={result}
                    >
                      {t(verdictKey[result])}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </ScrollTable>
      </Stack>
      {signing && (
        <SignatureModal
          meaning="eligibility"
          title={t('eligibility.confirm')}
          sign={(password) =>
            api<EligibilityView, SignatureRequest>(
              'POST',
              `/participants/${participant.participantId}/eligibility/confirm`,
              { password },
            )
          }
          onSigned={() => {
            setSigning(false);
            void client.invalidateQueries({ queryKey: participantKeys.one(participant.participantId) });
          }}
          onClose={() => setSigning(false)}
        />
      )}
    </Card>
  );
}
