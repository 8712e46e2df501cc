import { Alert, Button, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { thawRequestSchema } from '../../../../src/product/product.schema.ts';
import type { ReturnView, returnRequestSchema } from '../../../../src/product/return.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import type { DispensingView, VialView } from './product-api.ts';

/** The current time, ticking every 30 seconds, so a countdown stays right while the page is open. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** When a vial was thawed and how long is left of its thaw-to-use window (or that it has passed). */
export function ThawWindow({ thawedAt, useBy }: { thawedAt: string; useBy: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  const now = useNow();
  const left = Date.parse(useBy) - now;
  const minutes = Math.floor(left / 60_000);
  return (
    <Stack gap={2} data-testid="thaw-window">
      <Text size="sm">
        {t('product.thawedAt', { time: dates.dateTime(thawedAt), useBy: dates.dateTime(useBy) })}
      </Text>
      {left > 0 ? (
        <Text size="sm" fw={600} c={minutes < 60 ? 'orange' : 'teal'} data-testid="time-left">
          {t('product.timeLeft', { hours: Math.floor(minutes / 60), minutes: minutes % 60 })}
        </Text>
      ) : (
        <Text size="sm" fw={600} c="red" data-testid="time-left">
          {t('product.windowPassed')}
        </Text>
      )}
    </Stack>
  );
}

/** Takes the proposed vial out of the freezer to thaw: the server starts its thaw-to-use window. */
export function ThawButton({ vial, onThawed }: { vial: VialView; onThawed: (vial: VialView) => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const thaw = useMutation({
    mutationFn: () =>
      api<VialView, z.input<typeof thawRequestSchema>>('POST', `/product/vials/${vial.vialId}/thaw`, {
        version: vial.version,
      }),
    onSuccess: onThawed,
  });
  return (
    <Stack gap={4}>
      <Group>
        <Button variant="light" onClick={() => thaw.mutate()} loading={thaw.isPending} data-testid="thaw">
          {t('product.thaw')}
        </Button>
        <Text size="xs" c="dimmed">
          {t('product.thawHint')}
        </Text>
      </Group>
      {thaw.isError && (
        <Alert color="red" role="alert" data-testid="thaw-error">
          {apiErrorText(t, language, thaw.error)}
        </Alert>
      )}
    </Stack>
  );
}

/** A dispensed vial that came back unused: scan it, say why; the server holds it for destruction. */
export function ReturnModal({
  dispensing,
  onReturned,
  onClose,
}: {
  dispensing: DispensingView;
  onReturned: (view: ReturnView) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [scanned, setScanned] = useState('');
  const [reason, setReason] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api<ReturnView, z.input<typeof returnRequestSchema>>(
        'POST',
        `/product/dispensings/${dispensing.dispensingId}/return`,
        {
          scannedCode: scanned.trim(),
          reason: reason.trim(),
        },
      ),
    onSuccess: onReturned,
    onError: () => setScanned(''),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('product.returnTitle', { code: dispensing.vialCode })}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label={t('product.returnScan')}
            value={scanned}
            onChange={(event) => setScanned(event.currentTarget.value)}
            autoComplete="off"
            data-autofocus
            data-testid="return-scan"
          />
          <Textarea
            label={t('product.returnReason')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            autosize
            minRows={2}
            data-testid="return-reason"
          />
          {save.isError && (
            <Alert color="red" role="alert" data-testid="return-error">
              {apiErrorText(t, language, save.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!scanned.trim() || !reason.trim()}>
              {t('product.returnSave')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
