import { Alert, Button, Card, Group, Loader, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { DeviationList, deviationListQuerySchema } from '../../../../src/deviations/deviation.schema.ts';
import { api, queryText } from '../../api/client.ts';
import { apiErrorText, useCan, useLanguage, useStudySites } from '../../api/trial.ts';
import { DeviationTable } from './deviation-table.tsx';
import { RecordDeviation } from './record-deviation.tsx';

type ListQuery = z.input<typeof deviationListQuerySchema>;

export function useDeviations(query: ListQuery) {
  return useQuery({
    queryKey: ['deviations', query],
    queryFn: () => api<DeviationList>('GET', `/deviations?${queryText<ListQuery>(query)}`),
  });
}

/** The study's deviation log (the sites the user sees), by site and status, with manual entry. */
export function DeviationsPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const sites = useStudySites();
  const [siteId, setSiteId] = useState('');
  const [status, setStatus] = useState('');
  const [recording, setRecording] = useState(false);
  const deviations = useDeviations({
    siteId: siteId || undefined,
    status: (status || undefined) as ListQuery['status'],
  });
  return (
    <Stack>
      <Title order={2}>{t('deviations.title')}</Title>
      <Text c="dimmed">{t('deviations.intro')}</Text>
      <Group align="flex-end">
        <NativeSelect
          label={t('deviations.site')}
          value={siteId}
          onChange={(event) => setSiteId(event.currentTarget.value)}
          data={[
            { value: '', label: t('deviations.allSites') },
            ...(sites.data ?? []).map((site) => ({ value: site.siteId, label: site.name[language] })),
          ]}
        />
        <NativeSelect
          label={t('deviations.status')}
          value={status}
          onChange={(event) => setStatus(event.currentTarget.value)}
          data={[
            { value: '', label: t('deviations.allStatuses') },
            ...(['proposed', 'confirmed', 'rejected'] as const).map((value) => ({
              value,
              label: t(`deviations.statuses.${value}`),
            })),
          ]}
        />
        {can('deviation.record') && !recording && (
          <Button variant="light" onClick={() => setRecording(true)}>
            {t('deviations.record')}
          </Button>
        )}
      </Group>
      {recording && (
        <Card withBorder>
          <RecordDeviation onDone={() => setRecording(false)} />
        </Card>
      )}
      {deviations.isPending && <Loader />}
      {deviations.isError && <Alert color="red">{apiErrorText(t, language, deviations.error)}</Alert>}
      {deviations.data && deviations.data.deviations.length === 0 && (
        <Alert color="gray">{t('deviations.empty')}</Alert>
      )}
      {deviations.data && deviations.data.deviations.length > 0 && (
        <DeviationTable deviations={deviations.data.deviations} />
      )}
      {deviations.data && (
        <Text size="sm" c="dimmed">
          {t('deviations.total', { count: deviations.data.deviations.length })}
        </Text>
      )}
    </Stack>
  );
}

/** A participant's deviations on the participant page, with manual entry for that participant. */
export function DeviationsPanel({ participantId }: { participantId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const [recording, setRecording] = useState(false);
  const deviations = useDeviations({ participantId });
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={4}>{t('deviations.participantTitle')}</Title>
        {can('deviation.record') && !recording && (
          <Button size="xs" variant="light" onClick={() => setRecording(true)}>
            {t('deviations.record')}
          </Button>
        )}
      </Group>
      {recording && (
        <Card withBorder>
          <RecordDeviation participantId={participantId} onDone={() => setRecording(false)} />
        </Card>
      )}
      {deviations.isError && <Alert color="red">{apiErrorText(t, language, deviations.error)}</Alert>}
      {deviations.data && deviations.data.deviations.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('deviations.empty')}
        </Text>
      )}
      {deviations.data && deviations.data.deviations.length > 0 && (
        <DeviationTable deviations={deviations.data.deviations} />
      )}
    </Stack>
  );
}
