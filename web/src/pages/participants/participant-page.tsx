import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { CasebookSignatureResult } from '../../../../src/crf/crf.schema.ts';
import { can } from '../../../../src/kernel/permissions.ts';
import type { SignatureRequest } from '../../../../src/participants/participant.schema.ts';
import { api } from '../../api/client.ts';
import { useSession } from '../../api/session.ts';
import { useSiteTimeZone } from '../../api/site-clock.ts';
import {
  apiErrorText,
  type ParticipantDetail,
  useCan,
  useEligibility,
  useLanguage,
  useParticipant,
} from '../../api/trial.ts';
import { AuditTrail } from '../../components/audit-trail.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { ParticipantStatusBadge } from '../../components/status-badge.tsx';
import { formatDate, formatDateTime } from '../../format.ts';
import { DeviationsPanel } from '../deviations/deviations-page.tsx';
import { LabPanel } from '../labs/lab-panel.tsx';
import { EmergencyUnblinding } from '../randomisation/emergency-unblinding.tsx';
import { CasebookGrid } from './casebook-grid.tsx';
import { EligibilityPanel } from './eligibility-panel.tsx';
import { FlagsPanel } from './flags-panel.tsx';
import {
  ConsentModal,
  EnrolModal,
  type ParticipantAction,
  ScreenOutcomeModal,
  StatusModal,
} from './participant-actions.tsx';
import { ReconsentWarning } from './reconsent-warning.tsx';
import { WorklistPanel } from './worklist-panel.tsx';

export function ParticipantPage() {
  const { participantId = '' } = useParams();
  const { t } = useTranslation();
  const language = useLanguage();
  const participant = useParticipant(participantId);
  const session = useSession();
  const mayReadTrail = can({ roles: session.data?.user.roles ?? [] }, 'audit.read');
  if (participant.isPending) return <Loader />;
  if (participant.isError) return <Alert color="red">{apiErrorText(t, language, participant.error)}</Alert>;
  const data = participant.data;
  return (
    <Stack>
      <ParticipantHeader participant={data} />
      <ReconsentWarning participant={data} />
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <ConsentCard participant={data} />
        <VisitsCard participant={data} />
      </SimpleGrid>
      {data.consented && <EligibilityPanel participant={data} />}
      {data.consented ? (
        <CasebookGrid participant={data} />
      ) : (
        <Alert color="yellow">{t('participant.consentFirst')}</Alert>
      )}
      {data.day1Date !== null && <WorklistPanel participantId={participantId} />}
      {data.day1Date !== null && <FlagsPanel participant={data} />}
      {data.consented && <LabPanel participantId={participantId} />}
      {data.consented && <DeviationsPanel participantId={participantId} />}
      {mayReadTrail && (
        <Stack gap="xs">
          <Title order={4}>{t('participant.auditTrail')}</Title>
          <AuditTrail fixed={{ participantId }} filterable={false} siteId={data.siteId} />
        </Stack>
      )}
    </Stack>
  );
}

function ParticipantHeader({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const eligibility = useEligibility(participant.participantId);
  const client = useQueryClient();
  const [action, setAction] = useState<ParticipantAction | 'signCasebook' | null>(null);
  const screening = participant.status === 'screening';
  const confirmed =
    eligibility.data?.status === 'eligible' &&
    eligibility.data.confirmedAt !== null &&
    !eligibility.data.confirmationStale;
  const close = () => setAction(null);
  return (
    <Card withBorder>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Anchor component={Link} to="/participants" size="sm">
            ← {t('participants.title')}
          </Anchor>
          <Group>
            <Title order={2} data-testid="participant-number">
              {participant.studyNumber ?? participant.screeningNumber}
            </Title>
            <ParticipantStatusBadge status={participant.status} />
            {participant.locked && <Text c="dimmed">{t('cellState.locked')}</Text>}
          </Group>
          <Text size="sm" c="dimmed">
            {t('participant.screenedOn', {
              number: participant.screeningNumber,
              date: formatDate(participant.screeningDate, language),
            })}
            {participant.day1Date
              ? ` · ${t('participant.day1', { date: formatDate(participant.day1Date, language) })}`
              : ''}
            {participant.randomisationNumber
              ? ` · ${t('participant.randomisationNumber', { number: participant.randomisationNumber })}`
              : ''}
          </Text>
          {participant.randomisationNumber && (
            <EmergencyUnblinding participantId={participant.participantId} siteId={participant.siteId} />
          )}
          {participant.statusReason && (
            <Text size="sm">
              {t('participant.reason')}: {participant.statusReason}
              {participant.statusDate ? ` (${formatDate(participant.statusDate, language)})` : ''}
            </Text>
          )}
        </Stack>
        <Group>
          {screening && !participant.reconsentDue && can('participant.consent') && (
            <Button
              variant={participant.consented ? 'default' : 'filled'}
              onClick={() => setAction('consent')}
            >
              {t('participant.recordConsent')}
            </Button>
          )}
          {participant.reconsentDue && can('participant.consent') && (
            <Button color="orange" onClick={() => setAction('consent')} data-testid="record-reconsent">
              {t('consentArea.recordReconsent')}
            </Button>
          )}
          {screening && participant.consented && can('participant.enrol') && (
            <Button
              onClick={() => setAction('enrol')}
              disabled={!confirmed}
              title={confirmed ? undefined : t('participant.enrolNeedsConfirmation')}
            >
              {t('participant.enrol')}
            </Button>
          )}
          {screening && can('participant.screen') && (
            <Button color="gray" variant="light" onClick={() => setAction('screenOutcome')}>
              {t('participant.endScreening')}
            </Button>
          )}
          {participant.status === 'enrolled' && can('participant.status') && (
            <Button
              color="orange"
              variant="light"
              onClick={() => setAction('status')}
              data-testid="end-participation"
            >
              {t('participant.endParticipation')}
            </Button>
          )}
          {participant.consented && can('crf.sign') && (
            <Button variant="light" color="violet" onClick={() => setAction('signCasebook')}>
              {t('casebook.sign')}
            </Button>
          )}
          {can('crf.read') && (
            <Button
              variant="default"
              component="a"
              href={`/api/v1/participants/${participant.participantId}/casebook.pdf?lang=${language}`}
              download
              title={t('participant.casebookPdfHint')}
              data-testid="casebook-pdf"
            >
              {t('participant.casebookPdf')}
            </Button>
          )}
          {participant.consented && can('crf.sdv') && (
            <Button variant="default" component={Link} to={`/participants/${participant.participantId}/sdv`}>
              {t('sdv.title')}
            </Button>
          )}
        </Group>
      </Group>
      {action === 'consent' && <ConsentModal participant={participant} onClose={close} />}
      {action === 'enrol' && <EnrolModal participant={participant} onClose={close} />}
      {action === 'screenOutcome' && <ScreenOutcomeModal participant={participant} onClose={close} />}
      {action === 'status' && <StatusModal participant={participant} onClose={close} />}
      {action === 'signCasebook' && (
        <SignatureModal
          meaning="casebook"
          title={t('casebook.sign')}
          sign={(password) =>
            api<CasebookSignatureResult, SignatureRequest>(
              'POST',
              `/participants/${participant.participantId}/sign`,
              {
                password,
              },
            )
          }
          onSigned={() => {
            close();
            void client.invalidateQueries({ queryKey: ['participants', participant.participantId] });
          }}
          onClose={close}
        />
      )}
    </Card>
  );
}

function ConsentCard({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const zone = useSiteTimeZone(participant.siteId) ?? 'UTC';
  return (
    <Card withBorder>
      <Title order={4}>{t('consent.title')}</Title>
      {participant.consents.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('consent.none')}
        </Text>
      ) : (
        <ScrollTable data-testid="consent-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('consent.formVersion')}</Table.Th>
              <Table.Th>{t('consent.consentedAt')}</Table.Th>
              <Table.Th>{t('consent.signer')}</Table.Th>
              <Table.Th>{t('consent.obtainedBy')}</Table.Th>
              <Table.Th>{t('consentArea.witness')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {participant.consents.map((consent) => (
              <Table.Tr key={consent.consentId}>
                <Table.Td>{consent.formVersion}</Table.Td>
                <Table.Td>{formatDateTime(consent.consentedAt, zone, language)}</Table.Td>
                <Table.Td>
                  {consent.signer === 'participant'
                    ? t('consent.signerParticipant')
                    : `${t('consent.signerRepresentative')}: ${consent.representativeName ?? ''}${consent.representativeRelation ? ` (${consent.representativeRelation})` : ''}`}
                </Table.Td>
                <Table.Td data-testid="consent-obtained-by">{consent.obtainedByName}</Table.Td>
                <Table.Td data-testid="consent-witness">
                  {consent.witnessName && consent.witnessSignedAt
                    ? `${consent.witnessName} (${formatDateTime(consent.witnessSignedAt, zone, language)})`
                    : t('consentArea.noWitness')}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Card>
  );
}

function VisitsCard({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <Card withBorder>
      <Title order={4}>{t('participant.visits')}</Title>
      {participant.day1Date === null ? (
        <Text size="sm" c="dimmed">
          {t('participant.visitsAfterEnrolment')}
        </Text>
      ) : (
        <ScrollTable>
          <Table.Tbody>
            {participant.visits.map((visit) => (
              <Table.Tr
                key={visit.visitId}
                fw={participant.nextVisit?.visitId === visit.visitId ? 700 : undefined}
              >
                <Table.Td>{visit.name[language]}</Table.Td>
                <Table.Td>{formatDate(visit.targetDate, language)}</Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatDate(visit.earliestDate, language)} – {formatDate(visit.latestDate, language)} (
                    {visit.windowLabel})
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Card>
  );
}
