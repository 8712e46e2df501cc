import './lab-results.strings.ts';
import {
  Alert,
  Button,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatOwnDateTime } from '../../format.ts';
import {
  type LabResultView,
  useAssignLabResult,
  useDismissLabResult,
  useLabReviewQueue,
} from './lab-results-api.ts';

/** The review queue of laboratory results from the hospital that could not be placed on their own. */
export function LabResultsPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const queue = useLabReviewQueue();
  const [chosen, setChosen] = useState<LabResultView | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <Stack>
      <Title order={2}>{t('labResults.title')}</Title>
      <Text c="dimmed">{t('labResults.intro')}</Text>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} data-testid="lab-results-message">
          {message.text}
        </Alert>
      )}
      {queue.isPending && <Loader />}
      {queue.isError && <Alert color="red">{apiErrorText(t, language, queue.error)}</Alert>}
      {queue.data && queue.data.results.length === 0 && <Alert color="gray">{t('labResults.empty')}</Alert>}
      {queue.data && queue.data.results.length > 0 && (
        <ScrollTable striped data-testid="lab-results">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('labResults.received')}</Table.Th>
              <Table.Th>{t('labResults.message')}</Table.Th>
              <Table.Th>{t('labResults.test')}</Table.Th>
              <Table.Th>{t('labResults.value')}</Table.Th>
              <Table.Th>{t('labResults.collected')}</Table.Th>
              <Table.Th>{t('labResults.hospitalId')}</Table.Th>
              <Table.Th>{t('labResults.participant')}</Table.Th>
              <Table.Th>{t('labResults.why')}</Table.Th>
              <Table.Th>
                <VisuallyHidden>{t('labResults.choose')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {queue.data.results.map((result) => (
              <Table.Tr key={result.resultId} data-testid="lab-result-row">
                <Table.Td>{formatOwnDateTime(result.receivedAt, language)}</Table.Td>
                <Table.Td>{`${result.controlId ?? '—'} #${result.seq}`}</Table.Td>
                <Table.Td>{`${result.loinc} ${result.testName ?? ''}`}</Table.Td>
                <Table.Td>{`${result.value} ${result.unit ?? ''}`}</Table.Td>
                <Table.Td>{result.collectedAt ?? '—'}</Table.Td>
                <Table.Td>
                  {result.hospitalId ?? (
                    <Text c="dimmed" size="sm">
                      {t('labResults.hidden')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{result.participant ?? '—'}</Table.Td>
                <Table.Td>
                  <ProblemCell result={result} />
                </Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="light"
                    onClick={() => {
                      setMessage(null);
                      setChosen(result);
                    }}
                  >
                    {t('labResults.choose')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
      {chosen && (
        <DecisionForm
          key={chosen.resultId}
          result={chosen}
          onDone={(text) => {
            setChosen(null);
            setMessage({ ok: true, text });
          }}
          onCancel={() => setChosen(null)}
        />
      )}
    </Stack>
  );
}

/** Why a result waits: the reason's name, and the server's account of it when that says more. */
function ProblemCell({ result }: { result: LabResultView }) {
  const { t } = useTranslation();
  const label = result.problem ? t(`labResults.problems.${result.problem}`) : '';
  const detail = result.problemText && result.problemText !== `${label}.` ? result.problemText : null;
  return (
    <>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      {detail && (
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      )}
    </>
  );
}

function DecisionForm({
  result,
  onDone,
  onCancel,
}: {
  result: LabResultView;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const assign = useAssignLabResult();
  const dismiss = useDismissLabResult();
  const [participant, setParticipant] = useState(result.participant ?? '');
  const [visitKey, setVisitKey] = useState('');
  const [item, setItem] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<string>) => {
    setError(null);
    try {
      onDone(await work());
    } catch (failure) {
      setError(apiErrorText(t, language, failure));
    }
  };
  const sendAssign = () =>
    run(async () => {
      const written = await assign.mutateAsync({
        resultId: result.resultId,
        request: {
          participant,
          reason,
          ...(visitKey.trim() ? { visitKey: visitKey.trim() } : {}),
          ...(item.trim() ? { item: item.trim() } : {}),
        },
      });
      return t('labResults.assigned', {
        participant,
        visit: written.visitKey ?? '',
        item: written.item ?? '',
      });
    });
  const sendDismiss = () =>
    run(async () => {
      await dismiss.mutateAsync({ resultId: result.resultId, reason });
      return t('labResults.dismissed');
    });
  return (
    <Paper withBorder p="md" data-testid="lab-result-decision">
      <Stack>
        <Title order={4}>
          {t('labResults.decideTitle', {
            test: `${result.loinc} ${result.testName ?? ''}`.trim(),
            value: `${result.value} ${result.unit ?? ''}`.trim(),
            message: result.controlId ?? result.messageId,
          })}
        </Title>
        <TextInput
          label={t('labResults.participantLabel')}
          value={participant}
          onChange={(event) => setParticipant(event.currentTarget.value)}
        />
        <TextInput
          label={t('labResults.visitLabel')}
          value={visitKey}
          onChange={(event) => setVisitKey(event.currentTarget.value)}
        />
        <TextInput
          label={t('labResults.itemLabel')}
          value={item}
          onChange={(event) => setItem(event.currentTarget.value)}
        />
        <Textarea
          label={t('labResults.reason')}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
        />
        {error && (
          <Alert color="red" data-testid="lab-result-error">
            {error}
          </Alert>
        )}
        <Group>
          <Button onClick={() => void sendAssign()} loading={assign.isPending}>
            {t('labResults.assign')}
          </Button>
          <Button color="red" variant="light" onClick={() => void sendDismiss()} loading={dismiss.isPending}>
            {t('labResults.dismiss')}
          </Button>
          <Button variant="subtle" onClick={onCancel}>
            {t('labResults.cancel')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
