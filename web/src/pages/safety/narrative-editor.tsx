import { Alert, Button, Group, Loader, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type {
  NarrativeRevision,
  NarrativeView,
  narrativeSaveSchema,
} from '../../../../src/safety/narrative.schema.ts';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { useCan, useLanguage } from '../../api/trial.ts';
import { formatDateTime } from '../../format.ts';

type Answer = 'yes' | 'no' | 'not-applicable';
const ANSWERS: Answer[] = ['yes', 'no', 'not-applicable'];

/**
 * The narrative of an event's expedited report: the latest saved revision, or the draft written from
 * the data, edited and saved by the investigator (each save a new revision), with the dechallenge and
 * rechallenge answers where the dosing record cannot give them.
 */
export function NarrativeEditor({ aeId, timeZone }: { aeId: string; timeZone: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const narrative = useQuery({
    queryKey: ['safety', 'event', aeId, 'narrative'],
    queryFn: () => api<NarrativeView>('GET', `/adverse-events/${aeId}/narrative`),
  });
  if (narrative.isPending) return <Loader size="sm" />;
  if (narrative.isError) return <Alert color="red">{errorMessage(t, narrative.error)}</Alert>;
  const latest = narrative.data.revisions[0];
  return (
    <Stack gap="xs" data-testid="narrative">
      <Title order={5}>{t('safety.narrative.title')}</Title>
      <Text size="xs" c="dimmed" data-testid="narrative-status">
        {latest
          ? t('safety.narrative.revisionNote', {
              revision: latest.revision,
              name: latest.savedByName,
              at: formatDateTime(latest.savedAt, timeZone, language),
            })
          : t('safety.narrative.draftNote')}
      </Text>
      <NarrativeForm
        key={latest?.revision ?? 0}
        aeId={aeId}
        view={narrative.data}
        latest={latest}
        readOnly={!can('safety.assess')}
      />
      {narrative.data.revisions.length > 1 && (
        <details>
          <summary>{t('safety.narrative.revisions')}</summary>
          {narrative.data.revisions.slice(1).map((revision) => (
            <Text
              size="sm"
              key={revision.revision}
              data-testid="narrative-revision"
              style={{ whiteSpace: 'pre-wrap' }}
            >
              <b>
                {t('safety.narrative.revisionNote', {
                  revision: revision.revision,
                  name: revision.savedByName,
                  at: formatDateTime(revision.savedAt, timeZone, language),
                })}
              </b>{' '}
              {revision.narrative}
            </Text>
          ))}
        </details>
      )}
    </Stack>
  );
}

function NarrativeForm({
  aeId,
  view,
  latest,
  readOnly,
}: {
  aeId: string;
  view: NarrativeView;
  latest: NarrativeRevision | undefined;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const [text, setText] = useState(latest?.narrative ?? view.draft[language]);
  const [dechallenge, setDechallenge] = useState<Answer | null>(latest?.dechallenge ?? null);
  const [rechallenge, setRechallenge] = useState<Answer | null>(latest?.rechallenge ?? null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const answerText = (answer: Answer | null) =>
    answer ? t(`safety.narrative.answers.${answer}`) : t('safety.narrative.unknown');
  const challenge = (
    field: 'dechallenge' | 'rechallenge',
    value: Answer | null,
    set: (next: Answer | null) => void,
  ) => (
    <Select
      label={t(`safety.narrative.${field}`)}
      description={`${t('safety.narrative.fromData', { answer: answerText(view.derived[field].answer) })} — ${view.derived[field].basis[language]}`}
      placeholder={answerText(view.derived[field].answer)}
      data={ANSWERS.map((answer) => ({ value: answer, label: t(`safety.narrative.answers.${answer}`) }))}
      value={value}
      onChange={(next) => set(next as Answer | null)}
      clearable
      disabled={readOnly}
      data-testid={`narrative-${field}`}
    />
  );
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await api<NarrativeRevision, z.input<typeof narrativeSaveSchema>>(
        'POST',
        `/adverse-events/${aeId}/narrative`,
        {
          narrative: text,
          dechallenge,
          rechallenge,
          ...(reason.trim() ? { reason: reason.trim() } : {}),
          baseRevision: latest?.revision ?? 0,
        },
      );
      await client.invalidateQueries({ queryKey: ['safety', 'event', aeId] });
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Stack gap="xs">
      {error && <Alert color="red">{error}</Alert>}
      <Textarea
        label={t('safety.narrative.text')}
        autosize
        minRows={6}
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        readOnly={readOnly}
        data-testid="narrative-text"
      />
      {challenge('dechallenge', dechallenge, setDechallenge)}
      {challenge('rechallenge', rechallenge, setRechallenge)}
      {!readOnly && (
        <>
          <TextInput
            label={t('safety.narrative.reason')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
          />
          <Group>
            <Button onClick={() => void save()} loading={saving} data-testid="narrative-save">
              {t('safety.narrative.save')}
            </Button>
            <Button variant="subtle" onClick={() => setText(view.draft[language])}>
              {t('safety.narrative.useDraft')}
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
