import { Alert, Button, Group, NativeSelect, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type DeviationCategory,
  type DeviationView,
  deviationCategories,
  type RecordDeviationRequest,
} from '../../../../src/deviations/deviation.schema.ts';
import type { ParticipantList } from '../../../../src/participants/participant.schema.ts';
import { api } from '../../api/client.ts';
import { apiErrorText, participantKeys, useLanguage, useProtocol } from '../../api/trial.ts';

/** A deviation entered by hand, for one participant (fixed on the participant page) or one chosen here. */
export function RecordDeviation({ participantId, onDone }: { participantId?: string; onDone: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const protocol = useProtocol();
  const participants = useQuery({
    queryKey: [...participantKeys.all, 'all-for-deviations'],
    queryFn: () => api<ParticipantList>('GET', '/participants?limit=500'),
    enabled: participantId === undefined,
  });
  const [chosen, setChosen] = useState(participantId ?? '');
  const [visitId, setVisitId] = useState('');
  const [category, setCategory] = useState<DeviationCategory>('study-procedure');
  const [severity, setSeverity] = useState<'major' | 'minor'>('minor');
  const [occurredOn, setOccurredOn] = useState('');
  const [description, setDescription] = useState('');
  const [correctiveAction, setCorrectiveAction] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api<DeviationView, RecordDeviationRequest>('POST', '/deviations', {
        participantId: chosen,
        ...(visitId ? { visitId } : {}),
        category,
        severity,
        description,
        ...(correctiveAction.trim() ? { correctiveAction } : {}),
        occurredOn,
      }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['deviations'] });
      onDone();
    },
  });
  const labels = {
    participantId: t('deviations.participant'),
    visitId: t('deviations.visit'),
    occurredOn: t('deviations.date'),
    description: t('deviations.description'),
    correctiveAction: t('deviations.correctiveAction'),
  };
  return (
    <Stack gap="xs" data-testid="record-deviation">
      {participantId === undefined && (
        <NativeSelect
          label={labels.participantId}
          value={chosen}
          onChange={(event) => setChosen(event.currentTarget.value)}
          data={[
            { value: '', label: '—' },
            ...(participants.data?.items ?? []).map((entry) => ({
              value: entry.participantId,
              label: entry.studyNumber ?? entry.screeningNumber,
            })),
          ]}
        />
      )}
      <Group grow align="flex-start" wrap="wrap">
        <NativeSelect
          label={labels.visitId}
          value={visitId}
          onChange={(event) => setVisitId(event.currentTarget.value)}
          data={[
            { value: '', label: t('deviations.noVisit') },
            ...(protocol.data?.protocol.schedule.visits ?? []).map((visit) => ({
              value: visit.id,
              label: visit.name[language],
            })),
          ]}
        />
        <TextInput
          type="date"
          label={labels.occurredOn}
          value={occurredOn}
          onChange={(event) => setOccurredOn(event.currentTarget.value)}
        />
      </Group>
      <Group grow align="flex-start" wrap="wrap">
        <NativeSelect
          label={t('deviations.category')}
          value={category}
          onChange={(event) => setCategory(event.currentTarget.value as DeviationCategory)}
          data={deviationCategories.map((value) => ({ value, label: t(`deviations.categories.${value}`) }))}
        />
        <NativeSelect
          label={t('deviations.severity')}
          value={severity}
          onChange={(event) => setSeverity(event.currentTarget.value === 'major' ? 'major' : 'minor')}
          data={(['minor', 'major'] as const).map((value) => ({
            value,
            label: t(`deviations.severities.${value}`),
          }))}
        />
      </Group>
      <Textarea
        label={labels.description}
        value={description}
        onChange={(event) => setDescription(event.currentTarget.value)}
        autosize
        minRows={2}
      />
      <Textarea
        label={labels.correctiveAction}
        value={correctiveAction}
        onChange={(event) => setCorrectiveAction(event.currentTarget.value)}
        autosize
        minRows={1}
      />
      {save.isError && <Alert color="red">{apiErrorText(t, language, save.error, labels)}</Alert>}
      <Group>
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          {t('deviations.save')}
        </Button>
      </Group>
    </Stack>
  );
}
