import { Alert, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { ParticipantWorklist } from '../../../../src/participants/worklist.schema.ts';
import { api } from '../../api/client.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { ReconsentBadge } from './reconsent-warning.tsx';
import { WorkItemCells } from './worklist-page.tsx';

/** The participant's forms due today, overdue and missing (the rest of the schedule is in the casebook grid). */
export function WorklistPanel({ participantId }: { participantId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const worklist = useQuery({
    queryKey: ['worklist', 'participant', participantId],
    queryFn: () => api<ParticipantWorklist>('GET', `/participants/${participantId}/worklist`),
  });
  const open =
    worklist.data?.items.filter((item) => item.state !== 'done' && item.state !== 'upcoming') ?? [];
  return (
    <Stack gap="xs">
      <Title order={4}>{t('worklist.participantTitle')}</Title>
      {worklist.isError && <Alert color="red">{apiErrorText(t, language, worklist.error)}</Alert>}
      {worklist.data && (
        <Text size="sm" data-testid="participant-worklist-counts">
          {t('worklist.counts', worklist.data.counts)} <ReconsentBadge due={worklist.data.reconsentDue} />
        </Text>
      )}
      {open.length > 0 && (
        <ScrollTable withTableBorder verticalSpacing="xs" data-testid="participant-worklist">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('worklist.form')}</Table.Th>
              <Table.Th>{t('worklist.state')}</Table.Th>
              <Table.Th>{t('worklist.late')}</Table.Th>
              <Table.Th>{t('worklist.target')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {open.map((item) => (
              <Table.Tr key={`${item.visitKey}|${item.formId}|${item.instance}`}>
                <WorkItemCells participantId={participantId} item={item} />
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Stack>
  );
}
