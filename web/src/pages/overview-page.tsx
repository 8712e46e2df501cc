import { Alert, Anchor, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { StudyWorklist } from '../../../src/participants/worklist.schema.ts';
import type { StudyOverview } from '../../../src/study/study.schema.ts';
import { api } from '../api/client.ts';
import { useDates } from '../api/dates.ts';
import { errorMessage } from '../api/session.ts';
import { useCan } from '../api/trial.ts';
import { ConsortPanel } from '../components/consort-panel.tsx';
import { ScrollTable } from '../components/scroll-table.tsx';

export function OverviewPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const can = useCan();
  const dates = useDates();
  const study = useQuery({ queryKey: ['study'], queryFn: () => api<StudyOverview>('GET', '/study') });
  if (study.isPending) return <Loader />;
  if (study.isError) return <Alert color="red">{errorMessage(t, study.error)}</Alert>;
  const data = study.data;
  const date = dates.dateTime(data.protocolVersion.loadedAt);
  return (
    <Stack>
      <Title order={2}>{t('overview.title')}</Title>
      <Card withBorder>
        <Title order={3} data-testid="study-short-title">
          {data.shortTitle}
        </Title>
        <Text>{data.title[language]}</Text>
      </Card>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Figure label={t('overview.registry')} value={data.registryId ?? '—'} />
        <Figure
          label={t('overview.protocol')}
          value={`${data.protocolVersion.label} (#${data.protocolVersion.number})`}
          note={t('overview.loadedAt', { date })}
        />
        <Figure label={t('overview.users')} value={String(data.counts.users)} />
        <Figure label={t('overview.auditEvents')} value={String(data.counts.auditEvents)} />
      </SimpleGrid>
      <Title order={3}>{t('overview.sites')}</Title>
      <ScrollTable striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('overview.siteCode')}</Table.Th>
            <Table.Th>{t('overview.sites')}</Table.Th>
            <Table.Th>{t('overview.timeZone')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.sites.map((site) => (
            <Table.Tr key={site.siteId}>
              <Table.Td>{site.code}</Table.Td>
              <Table.Td>{site.name[language]}</Table.Td>
              <Table.Td>{site.timeZone}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
      {can('participant.read') && <WorklistCounts />}
      {can('participant.read') && <ConsortPanel />}
    </Stack>
  );
}

/** Forms due today, overdue and missing at the user's sites, each a way into the worklist. */
function WorklistCounts() {
  const { t } = useTranslation();
  const worklist = useQuery({
    queryKey: ['worklist', { siteId: '', state: '' }],
    queryFn: () => api<StudyWorklist>('GET', '/worklist'),
  });
  if (!worklist.data) return null;
  const { counts } = worklist.data;
  const states = [
    ['due-today', counts.dueToday],
    ['overdue', counts.overdue],
    ['missing', counts.missing],
  ] as const;
  return (
    <Stack gap="xs" data-testid="overview-worklist">
      <Title order={3}>{t('worklist.title')}</Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {states.map(([state, count]) => (
          <Anchor key={state} component={Link} to={`/worklist?state=${state}`} underline="never">
            <Figure label={t(`worklist.states.${state}`)} value={String(count)} />
          </Anchor>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function Figure({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Group gap="xs">
        <Text fw={600} size="lg">
          {value}
        </Text>
      </Group>
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Card>
  );
}
