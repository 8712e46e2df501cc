import { Alert, Button, Group, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SiteEntry, SiteSettings } from '../../../../src/study/study.schema.ts';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';

const numberOrNull = (value: string | number): number | null =>
  value === '' ? null : typeof value === 'number' ? value : Number(value);

/** An administrator sets a site's altitude and barometric pressure, which the PaO2/FiO2 correction reads. */
export function SiteSettingsForm({ site, onDone }: { site: SiteEntry; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const client = useQueryClient();
  const [altitude, setAltitude] = useState<string | number>(site.altitudeM ?? '');
  const [pressure, setPressure] = useState<string | number>(site.barometricPressureMmHg ?? '');
  const save = useMutation({
    mutationFn: () =>
      api<SiteEntry, SiteSettings>('PUT', `/sites/${encodeURIComponent(site.siteId)}/settings`, {
        altitudeM: numberOrNull(altitude),
        barometricPressureMmHg: numberOrNull(pressure),
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['sites'] });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Paper withBorder p="md" data-testid="site-settings">
      <form onSubmit={submit}>
        <Stack>
          <Title order={4}>{t('admin.siteSettings', { site: site.name[language] })}</Title>
          <Text size="sm" c="dimmed">
            {t('admin.siteSettingsHelp')}
          </Text>
          <Group grow>
            <NumberInput
              label={t('admin.altitude')}
              suffix=" m"
              allowDecimal={false}
              value={altitude}
              onChange={setAltitude}
              data-testid="site-altitude"
            />
            <NumberInput
              label={t('admin.barometricPressure')}
              suffix=" mmHg"
              value={pressure}
              onChange={setPressure}
              data-testid="site-pressure"
            />
          </Group>
          {save.isError && <Alert color="red">{errorMessage(t, save.error)}</Alert>}
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
            <Button variant="default" onClick={onDone}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
