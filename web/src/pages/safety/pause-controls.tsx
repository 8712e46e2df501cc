import { Alert, Button, Card, Group, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type {
  PauseView,
  pauseRequestSchema,
  resumeRequestSchema,
} from '../../../../src/safety/safety.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { useCan } from '../../api/trial.ts';
import type { Dashboard } from './safety-api.ts';

type Pause = Dashboard['pauses'][number];

/** The safety officer's decision to resume dosing after one pause, with its grounds. */
function ResumeCard({ pause }: { pause: Pause }) {
  const { t } = useTranslation();
  const dates = useDates();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const resume = useMutation({
    mutationFn: () =>
      api<PauseView, z.input<typeof resumeRequestSchema>>('POST', `/safety/pauses/${pause.pauseId}/resume`, {
        version: pause.version,
        reason: reason.trim(),
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['safety'] });
      void client.invalidateQueries({ queryKey: ['dosing'] });
    },
  });
  return (
    <Card withBorder data-testid="open-pause">
      <Text size="sm">{pause.reason}</Text>
      <Text size="xs" c="dimmed">
        {t('safety.pausedSince', { at: dates.dateTime(pause.pausedAt), by: pause.pausedByName })}
      </Text>
      <Textarea
        mt="xs"
        label={t('safety.resumeReason')}
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        autosize
        minRows={2}
      />
      {resume.isError && <Alert color="red">{errorMessage(t, resume.error)}</Alert>}
      <Group mt="xs">
        <Button
          color="green"
          disabled={reason.trim().length === 0}
          loading={resume.isPending}
          onClick={() => resume.mutate()}
        >
          {t('safety.resumeDosing')}
        </Button>
      </Group>
    </Card>
  );
}

/** Pause and resume dosing study-wide: shown to those who may decide (the safety officer). */
export function PauseControls({ pauses }: { pauses: Pause[] }) {
  const { t } = useTranslation();
  const can = useCan();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const pause = useMutation({
    mutationFn: () =>
      api<PauseView, z.input<typeof pauseRequestSchema>>('POST', '/safety/pauses', { reason: reason.trim() }),
    onSuccess: () => {
      setReason('');
      void client.invalidateQueries({ queryKey: ['safety'] });
      void client.invalidateQueries({ queryKey: ['dosing'] });
    },
  });
  if (!can('safety.decide')) return null;
  const open = pauses.filter((entry) => entry.resumedAt === null);
  return (
    <Stack gap="xs" data-testid="pause-controls">
      {open.map((entry) => (
        <ResumeCard key={entry.pauseId} pause={entry} />
      ))}
      <Card withBorder>
        <Textarea
          label={t('safety.pauseReason')}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          autosize
          minRows={2}
        />
        {pause.isError && <Alert color="red">{errorMessage(t, pause.error)}</Alert>}
        <Group mt="xs">
          <Button
            color="red"
            disabled={reason.trim().length === 0}
            loading={pause.isPending}
            onClick={() => pause.mutate()}
          >
            {t('safety.pauseDosing')}
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}
