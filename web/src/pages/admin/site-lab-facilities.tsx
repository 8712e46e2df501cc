import { Alert, Button, Group, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  LabFacilities,
  LabFacilitiesBySite,
} from '../../../../src/lab-interface/lab-interface.schema.ts';
import type { SiteEntry } from '../../../../src/study/study.schema.ts';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import './lab-facilities.strings.ts';

/** Every site's laboratory sending-facility identifiers, by site id. */
export function useLabFacilities() {
  return useQuery({
    queryKey: ['lab-facilities'],
    queryFn: () => api<LabFacilitiesBySite>('GET', '/lab-facilities'),
  });
}

/** One identifier per line; blank lines are dropped, the rest kept as typed for the server to check. */
const parseLines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/**
 * An administrator lists the laboratories that send a site's results (HL7 MSH-4 or a FHIR performer):
 * their messages belong to the site and their patients are matched among its participants.
 */
export function SiteLabFacilitiesForm({
  site,
  facilityIds,
  onDone,
}: {
  site: SiteEntry;
  facilityIds: string[];
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const client = useQueryClient();
  const [text, setText] = useState(facilityIds.join('\n'));
  const save = useMutation({
    mutationFn: () =>
      api<LabFacilities, LabFacilities>('PUT', `/sites/${encodeURIComponent(site.siteId)}/lab-facilities`, {
        facilityIds: parseLines(text),
      }),
    // The form stays open beside the site's other settings, which are saved on their own.
    onSuccess: () => void client.invalidateQueries({ queryKey: ['lab-facilities'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Paper withBorder p="md" data-testid="site-lab-facilities">
      <form onSubmit={submit}>
        <Stack>
          <Title order={4}>{t('labFacilities.title', { site: site.name[language] })}</Title>
          <Text size="sm" c="dimmed">
            {t('labFacilities.help')}
          </Text>
          <Textarea
            label={t('labFacilities.label')}
            autosize
            minRows={2}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
          />
          {save.isError && <Alert color="red">{errorMessage(t, save.error)}</Alert>}
          {save.isSuccess && (
            <Alert color="green" data-testid="lab-facilities-saved">
              {t('labFacilities.saved')}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
            <Button variant="default" onClick={onDone}>
              {t('common.close')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
