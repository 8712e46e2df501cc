import { Alert, Badge, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type {
  lockRequestSchema,
  SignatureResult,
  unlockRequestSchema,
} from '../../../../src/crf/crf.schema.ts';
import type { SignatureRequest } from '../../../../src/participants/participant.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import {
  apiErrorText,
  type CellState,
  type FormRecordView,
  useCan,
  useLanguage,
  useParticipant,
} from '../../api/trial.ts';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { CellStateBadge } from '../../components/status-badge.tsx';

/** The record's state as the casebook shows it, from the form view. */
export function recordState(record: FormRecordView): CellState | 'not_started' {
  if (!record.recordId) return 'not_started';
  if (record.locked) return 'locked';
  if (record.signed) return 'signed';
  if (record.queries.some((query) => query.status !== 'closed')) return 'queried';
  const fields = Object.values(record.entries);
  if (fields.length > 0 && fields.every((field) => field.verified)) return 'verified';
  return record.complete ? 'complete' : 'incomplete';
}

/** State, signature (investigator) and lock (data manager) of a saved form. */
export function RecordToolbar({ record, onChanged }: { record: FormRecordView; onChanged: () => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const dates = useDates(useParticipant(record.participantId).data?.siteId);
  const [signing, setSigning] = useState(false);
  const [locking, setLocking] = useState<'lock' | 'unlock' | null>(null);
  return (
    <Group justify="space-between">
      <Group gap="xs">
        <CellStateBadge state={recordState(record)} />
        {record.recordId && (
          <Text size="xs" c="dimmed">
            {t('crf.version', { version: record.version })}
          </Text>
        )}
        {record.signed && (
          <Badge color="violet" variant="light" data-testid="signed-by">
            {t('crf.signedBy', { name: record.signed.by, at: dates.dateTime(record.signed.at) })}
          </Badge>
        )}
      </Group>
      <Group gap="xs">
        {record.recordId && !record.signed && !record.locked && can('crf.sign') && (
          <Button size="xs" variant="light" color="violet" onClick={() => setSigning(true)}>
            {t('crf.signForm')}
          </Button>
        )}
        {record.recordId && can('crf.lock') && (
          <Button
            size="xs"
            variant="light"
            color="dark"
            onClick={() => setLocking(record.locked ? 'unlock' : 'lock')}
          >
            {record.locked ? t('crf.unlock') : t('crf.lock')}
          </Button>
        )}
      </Group>
      {signing && record.recordId && (
        <SignatureModal
          meaning="form"
          title={t('crf.signForm')}
          sign={(password) =>
            api<SignatureResult, SignatureRequest>('POST', `/records/${record.recordId}/sign`, { password })
          }
          onSigned={() => {
            setSigning(false);
            onChanged();
          }}
          onClose={() => setSigning(false)}
        />
      )}
      {locking && record.recordId && (
        <LockModal
          recordId={record.recordId}
          action={locking}
          onDone={() => {
            setLocking(null);
            onChanged();
          }}
          onClose={() => setLocking(null)}
        />
      )}
    </Group>
  );
}

function LockModal({
  recordId,
  action,
  onDone,
  onClose,
}: {
  recordId: string;
  action: 'lock' | 'unlock';
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [reason, setReason] = useState('');
  const mutation = useMutation({
    mutationFn: () =>
      api<void, z.input<typeof lockRequestSchema | typeof unlockRequestSchema>>(
        'POST',
        `/records/${recordId}/${action}`,
        reason.trim() ? { reason: reason.trim() } : {},
      ),
    onSuccess: onDone,
  });
  return (
    <Modal opened onClose={onClose} title={action === 'lock' ? t('crf.lock') : t('crf.unlock')}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate();
        }}
      >
        <Stack>
          <Text size="sm">{action === 'lock' ? t('crf.lockHint') : t('crf.unlockHint')}</Text>
          <Textarea
            label={t('common.reason')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            required={action === 'unlock'}
            data-autofocus
          />
          {mutation.isError && (
            <Alert color="red" role="alert">
              {apiErrorText(t, language, mutation.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              loading={mutation.isPending}
              disabled={action === 'unlock' && !reason.trim()}
            >
              {action === 'lock' ? t('crf.lock') : t('crf.unlock')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
