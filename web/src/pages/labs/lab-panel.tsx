import './labs.strings.ts';
import { Alert, Badge, Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { LabAeProposalView, LabFlagView } from '../../../../src/labs/lab.schema.ts';
import { apiErrorText, useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { itemInVersion, RemovedItemBadge, useProtocolVersions } from '../../components/item-versions.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { readableVisit } from '../../readable.ts';
import { useDecideProposal, useLabFlags, useLabProposals, useMarkSignificance } from './labs-api.ts';

const flagColour = { low: 'blue', normal: 'gray', high: 'red' } as const;

/** A value's flag as a badge, shown beside the value wherever it is listed. */
export function LabFlagBadge({ flag }: { flag: LabFlagView['flag'] }) {
  const { t } = useTranslation();
  if (flag === null) return null;
  return (
    <Badge
      size="sm"
      color={flagColour[flag]}
      variant={flag === 'normal' ? 'light' : 'filled'}
      data-testid="lab-flag"
    >
      {t(`labs.flags.${flag}`)}
    </Badge>
  );
}

const valueText = (flag: LabFlagView) =>
  flag.original
    ? `${flag.original.value} ${flag.original.unit} (${flag.value} ${flag.unit})`
    : `${flag.value} ${flag.unit}`;

function SignificanceCell({ flag, participantId }: { flag: LabFlagView; participantId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const mark = useMarkSignificance(participantId);
  if (flag.flag !== 'low' && flag.flag !== 'high') return null;
  const judged = flag.significance
    ? t(flag.significance.significant ? 'labs.significant' : 'labs.notSignificant', {
        by: flag.significance.by,
      })
    : t('labs.notJudged');
  return (
    <Stack gap={4}>
      <Text size="sm">{judged}</Text>
      {can('lab.assess') && (
        <Group gap="xs">
          <Button size="compact-xs" variant="light" onClick={() => mark.mutate({ flag, significant: true })}>
            {t('labs.markSignificant')}
          </Button>
          <Button
            size="compact-xs"
            variant="default"
            onClick={() => mark.mutate({ flag, significant: false })}
          >
            {t('labs.markNotSignificant')}
          </Button>
        </Group>
      )}
      {mark.isError && (
        <Text c="red" size="xs">
          {apiErrorText(t, language, mark.error)}
        </Text>
      )}
    </Stack>
  );
}

function ProposalRow({ proposal, participantId }: { proposal: LabAeProposalView; participantId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const decide = useDecideProposal(participantId);
  const [reason, setReason] = useState('');
  return (
    <Stack gap={4} data-testid="lab-proposal">
      <Text size="sm" fw={600}>
        {t('labs.proposal', {
          term: proposal.term,
          grade: proposal.grade,
          value: proposal.value,
          unit: proposal.unit,
        })}
      </Text>
      <Text size="xs" c="dimmed">
        {t(`labs.proposalStatus.${proposal.status}`)}
        {proposal.decidedBy ? ` · ${proposal.decidedBy}` : ''}
        {proposal.reason ? ` · ${proposal.reason}` : ''}
      </Text>
      {proposal.status === 'proposed' && can('lab.assess') && (
        <Group gap="xs" align="flex-end">
          <Button size="compact-sm" onClick={() => decide.mutate({ proposalId: proposal.proposalId })}>
            {t('labs.accept')}
          </Button>
          <TextInput
            size="xs"
            label={t('labs.dismissReason')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
          />
          <Button
            size="compact-sm"
            variant="default"
            disabled={reason.trim() === ''}
            onClick={() => decide.mutate({ proposalId: proposal.proposalId, reason: reason.trim() })}
          >
            {t('labs.dismiss')}
          </Button>
        </Group>
      )}
      {proposal.adverseEventId && <Link to="/safety">{t('labs.openEvent')}</Link>}
      {decide.isError && (
        <Text c="red" size="xs">
          {apiErrorText(t, language, decide.error)}
        </Text>
      )}
    </Stack>
  );
}

/**
 * The participant's laboratory values out of range, each with its flag and the investigator's
 * judgement, and the laboratory adverse events proposed from CTCAE grades, to accept or dismiss.
 */
export function LabPanel({ participantId }: { participantId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const protocol = useProtocol();
  const flags = useLabFlags(participantId);
  const proposals = useLabProposals(participantId, can('safety.read'));
  const outOfRange = (flags.data?.flags ?? []).filter((flag) => flag.flag === 'low' || flag.flag === 'high');
  // Each value is named as the protocol version its record was entered under names it.
  const versions = useProtocolVersions(outOfRange.map((flag) => flag.protocolVersion));
  const itemOf = (flag: LabFlagView) => {
    const [formId = '', itemId = flag.itemId] = flag.itemKey.split('.');
    return itemInVersion(
      protocol.data?.protocol,
      versions.byNo.get(flag.protocolVersion),
      formId,
      itemId,
      language,
      flag.protocolVersion,
    );
  };
  return (
    <Card withBorder data-testid="lab-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>{t('labs.panelTitle')}</Title>
          <Link to="/lab-ranges">{t('labs.rangesLink')}</Link>
        </Group>
        {flags.isError && <Alert color="red">{apiErrorText(t, language, flags.error)}</Alert>}
        {flags.data && outOfRange.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('labs.noneOutOfRange')}
          </Text>
        )}
        {outOfRange.length > 0 && (
          <ScrollTable>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('labs.visit')}</Table.Th>
                <Table.Th>{t('labs.test')}</Table.Th>
                <Table.Th>{t('labs.value')}</Table.Th>
                <Table.Th>{t('labs.range')}</Table.Th>
                <Table.Th>{t('labs.judgement')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {outOfRange.map((flag) => (
                <Table.Tr key={`${flag.recordId}-${flag.itemId}`} data-testid="lab-flag-row">
                  <Table.Td>{readableVisit(protocol.data?.protocol, flag.visitKey, t, language)}</Table.Td>
                  <Table.Td>
                    {itemOf(flag).label}
                    {itemOf(flag).removedFrom !== undefined && (
                      <RemovedItemBadge
                        current={protocol.data?.label ?? ''}
                        entered={itemOf(flag).removedFrom ?? ''}
                        testId="lab-removed-item"
                      />
                    )}
                  </Table.Td>
                  <Table.Td>
                    {valueText(flag)} <LabFlagBadge flag={flag.flag} />
                  </Table.Td>
                  <Table.Td>
                    {flag.range
                      ? `${flag.range.low ?? '—'}–${flag.range.high ?? '—'} ${flag.range.unit}`
                      : ''}
                  </Table.Td>
                  <Table.Td>
                    <SignificanceCell flag={flag} participantId={participantId} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </ScrollTable>
        )}
        {(proposals.data?.proposals ?? []).length > 0 && (
          <Stack gap="xs">
            <Text fw={600}>{t('labs.proposalsTitle')}</Text>
            {proposals.data?.proposals.map((proposal) => (
              <ProposalRow key={proposal.proposalId} proposal={proposal} participantId={participantId} />
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
