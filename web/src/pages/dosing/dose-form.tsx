import {
  Alert,
  Box,
  Button,
  Card,
  Group,
  NativeSelect,
  Radio,
  SimpleGrid,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type {
  AdministrationView,
  recordAdministrationRequestSchema,
} from '../../../../src/dosing/dosing.schema.ts';
import { doseRecordDeviceItem, regimenDevice } from '../../../../src/protocol/dose-record-form.ts';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { api } from '../../api/client.ts';
import { LAST_DATE_TIME, siteNow, zoneLabel } from '../../api/site-clock.ts';
import { apiErrorText, fieldErrors, useLanguage } from '../../api/trial.ts';

type YesNo = '' | 'yes' | 'no';

interface DoseDraft {
  vialCode: string;
  status: '' | 'completed' | 'interrupted';
  volumeMl: string;
  device: string;
  startedAt: string;
  endedAt: string;
  interruptionReason: string;
  windowReason: string;
  bronchospasm: YesNo;
  newCough: YesNo;
}

// Nothing is assumed: every box starts empty and the ward answers each question.
const emptyDose: DoseDraft = {
  vialCode: '',
  status: '',
  volumeMl: '',
  device: '',
  startedAt: '',
  endedAt: '',
  interruptionReason: '',
  windowReason: '',
  bronchospasm: '',
  newCough: '',
};

/** The devices the protocol's dose record form allows, in the user's language. */
function deviceOptions(protocol: Protocol, language: 'en' | 'zh') {
  const item = doseRecordDeviceItem(protocol);
  const entries = item?.choices ?? protocol.codeLists.find((list) => list.id === item?.codeList)?.items ?? [];
  return entries.map((entry) => ({ value: entry.code, label: entry.label[language] }));
}

const VOLUME = /^\d+([.,]\d+)?$/;

/** The questions still unanswered before a dose can be recorded. */
function unanswered(form: DoseDraft, inhaled: boolean, withDevice: boolean): Array<keyof DoseDraft> {
  const needed: Array<keyof DoseDraft> = ['vialCode', 'status', 'startedAt', 'endedAt', 'volumeMl'];
  // A device is asked only where a regimen of the protocol uses one.
  if (withDevice) needed.push('device');
  // The bedside observations of an inhaled dose are asked only where the protocol watches for them.
  if (inhaled) needed.push('bronchospasm', 'newCough');
  if (form.status === 'interrupted') needed.push('interruptionReason');
  return needed.filter(
    (key) => form[key].trim() === '' || (key === 'volumeMl' && !VOLUME.test(form[key].trim())),
  );
}

/** Records the dose of a dose visit: the vial scanned, its times, volume and (where one is used) device. */
export function DoseForm({
  protocol,
  participantId,
  visitId,
  timeZone,
}: {
  protocol: Protocol;
  participantId: string;
  visitId: string;
  timeZone: string;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const [form, setForm] = useState<DoseDraft>(emptyDose);
  const inhaled = protocol.safety.inhalationEvents !== undefined;
  const device = regimenDevice(protocol);
  const set = (key: keyof DoseDraft, value: string) => setForm((current) => ({ ...current, [key]: value }));
  const record = useMutation({
    mutationFn: () => {
      const { status } = form;
      // The button stays disabled until every question is answered (`unanswered`), the status too.
      if (status === '') throw new Error('Choose whether the dose was completed or interrupted.');
      return api<AdministrationView, z.input<typeof recordAdministrationRequestSchema>>(
        'POST',
        `/participants/${participantId}/doses/${visitId}`,
        {
          status,
          vialCode: form.vialCode.trim(),
          startedAt: form.startedAt,
          endedAt: form.endedAt,
          volumeMl: Number(form.volumeMl.trim().replace(',', '.')),
          ...(device ? { device: form.device } : {}),
          interruptionReason: form.status === 'interrupted' ? form.interruptionReason : undefined,
          windowReason: form.windowReason.trim() || undefined,
          ...(inhaled
            ? { bronchospasm: form.bronchospasm === 'yes', newCough: form.newCough === 'yes' }
            : {}),
        },
      );
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: ['dosing'] }),
  });
  const fieldError: Record<string, string | undefined> = fieldErrors(record.error, language);
  const missing = unanswered(form, inhaled, device !== undefined);
  // A dose ends after it starts: said at once, beside the end, rather than by the server on saving.
  const endError =
    form.startedAt && form.endedAt && form.endedAt <= form.startedAt
      ? t('dosing.endBeforeStart')
      : fieldError.endedAt;
  const labels: Record<string, string> = {
    vialCode: t('dosing.scanVial'),
    status: t('dosing.status'),
    startedAt: t('dosing.started'),
    endedAt: t('dosing.ended'),
    volumeMl: t('dosing.volume'),
    device: device?.name[language] ?? '',
    interruptionReason: t('dosing.interruptionReason'),
    windowReason: t('dosing.windowReason'),
  };
  const yesNo = (key: 'bronchospasm' | 'newCough', label: string) => (
    <Radio.Group label={label} value={form[key]} onChange={(value) => set(key, value)} withAsterisk>
      <Group mt={4}>
        <Radio value="yes" label={t('common.yes')} />
        <Radio value="no" label={t('common.no')} />
      </Group>
    </Radio.Group>
  );
  const time = (key: 'startedAt' | 'endedAt', label: string) => (
    <Box>
      <TextInput
        type="datetime-local"
        label={label}
        description={zoneLabel(timeZone)}
        max={LAST_DATE_TIME}
        error={key === 'endedAt' ? endError : fieldError[key]}
        value={form[key]}
        onChange={(event) => set(key, event.currentTarget.value)}
        withAsterisk
      />
      <Button size="compact-xs" variant="subtle" onClick={() => set(key, siteNow(timeZone))}>
        {t('dosing.nowAtSite')}
      </Button>
    </Box>
  );
  return (
    <Card withBorder data-testid="dose-form">
      <Title order={5}>{t('dosing.recordDose')}</Title>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm" verticalSpacing="xs">
        <TextInput
          label={t('dosing.scanVial')}
          placeholder={t('dosing.scanHint')}
          value={form.vialCode}
          onChange={(event) => set('vialCode', event.currentTarget.value)}
          withAsterisk
        />
        <NativeSelect
          label={t('dosing.status')}
          data={[
            { value: '', label: t('crf.choose') },
            { value: 'completed', label: t('dosing.completed') },
            { value: 'interrupted', label: t('dosing.interrupted') },
          ]}
          value={form.status}
          onChange={(event) => set('status', event.currentTarget.value)}
          withAsterisk
        />
        <TextInput
          label={t('dosing.volume')}
          inputMode="decimal"
          value={form.volumeMl}
          onChange={(event) => set('volumeMl', event.currentTarget.value)}
          withAsterisk
        />
        {device && (
          <NativeSelect
            label={device.name[language]}
            data={[{ value: '', label: t('crf.choose') }, ...deviceOptions(protocol, language)]}
            value={form.device}
            onChange={(event) => set('device', event.currentTarget.value)}
            withAsterisk
          />
        )}
        {time('startedAt', t('dosing.started'))}
        {time('endedAt', t('dosing.ended'))}
        {inhaled && yesNo('bronchospasm', t('dosing.bronchospasm'))}
        {inhaled && yesNo('newCough', t('dosing.newCough'))}
      </SimpleGrid>
      {form.status === 'interrupted' && (
        <TextInput
          label={t('dosing.interruptionReason')}
          value={form.interruptionReason}
          onChange={(event) => set('interruptionReason', event.currentTarget.value)}
          withAsterisk
        />
      )}
      <TextInput
        label={t('dosing.windowReason')}
        value={form.windowReason}
        onChange={(event) => set('windowReason', event.currentTarget.value)}
      />
      {record.isError && (
        <Alert mt="xs" color="red">
          {apiErrorText(t, language, record.error, labels)}
        </Alert>
      )}
      <Group mt="xs">
        <Button
          onClick={() => record.mutate()}
          loading={record.isPending}
          disabled={missing.length > 0 || Boolean(endError)}
        >
          {t('dosing.recordDose')}
        </Button>
        {missing.length > 0 && (
          <Text size="sm" c="dimmed">
            {t('dosing.answerAll', { count: missing.length })}
          </Text>
        )}
      </Group>
    </Card>
  );
}
