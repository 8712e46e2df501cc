import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { DecideDeviationRequest, DeviationView } from '../../../../src/deviations/deviation.schema.ts';
import { api } from '../../api/client.ts';
import { apiErrorText, useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatDate } from '../../format.ts';
import { readableVisit } from '../../readable.ts';

const statusColour: Record<DeviationView['status'], string> = {
  proposed: 'yellow',
  confirmed: 'red',
  rejected: 'gray',
};

/** The deviation log as a table; an investigator or monitor confirms or rejects a proposed one in place. */
export function DeviationTable({ deviations }: { deviations: DeviationView[] }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const protocol = useProtocol();
  return (
    <ScrollTable withTableBorder verticalSpacing="xs" data-testid="deviation-log">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('deviations.date')}</Table.Th>
          <Table.Th>{t('deviations.participant')}</Table.Th>
          <Table.Th w="40%">{t('deviations.description')}</Table.Th>
          <Table.Th>{t('deviations.decision')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {deviations.map((deviation) => (
          <Table.Tr key={deviation.deviationId}>
            <Table.Td>{formatDate(deviation.occurredOn, language)}</Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/participants/${deviation.participantId}`}>
                {deviation.participantLabel}
              </Anchor>
              {deviation.visitId && (
                <Text size="xs" c="dimmed">
                  {readableVisit(protocol.data?.protocol, deviation.visitId, t, language)}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Group gap={4}>
                <Badge variant="outline">{t(`deviations.categories.${deviation.category}`)}</Badge>
                <Badge color={deviation.severity === 'major' ? 'red' : 'gray'} variant="light">
                  {t(`deviations.severities.${deviation.severity}`)}
                </Badge>
              </Group>
              <Text size="sm">{deviation.description}</Text>
              {deviation.correctiveAction && (
                <Text size="sm" c="dimmed">
                  {t('deviations.correctiveAction')}: {deviation.correctiveAction}
                </Text>
              )}
              <Text size="xs" c="dimmed">
                {t(`deviations.origin.${deviation.origin}`)} ·{' '}
                {t('deviations.reportedBy', { name: deviation.reportedBy })}
              </Text>
            </Table.Td>
            <Table.Td>
              <Badge color={statusColour[deviation.status]} data-testid="deviation-status">
                {t(`deviations.statuses.${deviation.status}`)}
              </Badge>
              {deviation.decidedBy && deviation.decidedAt && (
                <Text size="xs" c="dimmed">
                  {t('deviations.decidedBy', {
                    status: t(`deviations.statuses.${deviation.status}`),
                    name: deviation.decidedBy,
                    date: formatDate(deviation.decidedAt.slice(0, 10), language),
                  })}
                  {deviation.decisionReason ? ` · ${deviation.decisionReason}` : ''}
                </Text>
              )}
              {deviation.status === 'proposed' && <DecisionControls deviation={deviation} />}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </ScrollTable>
  );
}

function DecisionControls({ deviation }: { deviation: DeviationView }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const client = useQueryClient();
  const [correctiveAction, setCorrectiveAction] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const decide = useMutation({
    mutationFn: (decision: 'confirm' | 'reject') =>
      api<DeviationView, DecideDeviationRequest>('POST', `/deviations/${deviation.deviationId}/decision`, {
        decision,
        version: deviation.version,
        ...(correctiveAction.trim() ? { correctiveAction: correctiveAction.trim() } : {}),
        ...(decision === 'reject' ? { reason: reason.trim() } : {}),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['deviations'] }),
    onError: (error) => setProblem(apiErrorText(t, language, error)),
  });
  if (!can('deviation.confirm')) return null;
  const reject = () => {
    if (!reason.trim()) {
      setProblem(t('deviations.needsReason'));
      return;
    }
    decide.mutate('reject');
  };
  return (
    <Stack gap={4} mt={4}>
      <TextInput
        size="xs"
        label={t('deviations.correctiveAction')}
        value={correctiveAction}
        onChange={(event) => setCorrectiveAction(event.currentTarget.value)}
      />
      <TextInput
        size="xs"
        label={t('deviations.reason')}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
      />
      <Group gap="xs">
        <Button size="xs" onClick={() => decide.mutate('confirm')} loading={decide.isPending}>
          {t('deviations.confirm')}
        </Button>
        <Button size="xs" variant="default" onClick={reject} loading={decide.isPending}>
          {t('deviations.reject')}
        </Button>
      </Group>
      {problem && (
        <Alert color="red" p="xs">
          {problem}
        </Alert>
      )}
    </Stack>
  );
}
