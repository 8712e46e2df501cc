import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Stack,
  Table,
  Tabs,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorMessage } from '../../api/session.ts';
import { PauseControls } from './pause-controls.tsx';
import { type AdverseEventView, useAdverseEvents, useDashboard } from './safety-api.ts';

const statusColor = { due: 'yellow', overdue: 'red', met: 'green', late: 'orange' } as const;

function Dashboard() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const dashboard = useDashboard();
  if (dashboard.isPending) return <Loader />;
  if (dashboard.isError) return <Alert color="red">{errorMessage(t, dashboard.error)}</Alert>;
  const data = dashboard.data;
  return (
    <Stack>
      {data.dosingPaused ? (
        <Alert color="red" title={t('safety.paused')} data-testid="dosing-paused">
          {data.pauseReason}
        </Alert>
      ) : (
        <Alert color="green">{t('safety.notPaused')}</Alert>
      )}
      <PauseControls pauses={data.pauses} />
      <Group>
        <Card withBorder>
          <Text size="sm">{t('safety.totalEvents')}</Text>
          <Title order={3}>{data.totals.events}</Title>
        </Card>
        <Card withBorder>
          <Text size="sm">{t('safety.seriousEvents')}</Text>
          <Title order={3}>{data.totals.serious}</Title>
        </Card>
        <Card withBorder>
          <Text size="sm">{t('safety.susars')}</Text>
          <Title order={3}>{data.totals.susars}</Title>
        </Card>
        <Card withBorder>
          <Text size="sm">{t('safety.population')}</Text>
          <Title order={3}>{data.totals.safetyPopulation}</Title>
        </Card>
      </Group>
      <Title order={4}>{t('safety.byGrade')}</Title>
      <Table withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('safety.grade')}</Table.Th>
            <Table.Th>{t('safety.related')}</Table.Th>
            <Table.Th>{t('safety.notRelated')}</Table.Th>
            <Table.Th>{t('safety.notAssessed')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.byGrade.map((row) => (
            <Table.Tr key={row.grade}>
              <Table.Td>{row.grade}</Table.Td>
              <Table.Td>{row.related}</Table.Td>
              <Table.Td>{row.notRelated}</Table.Td>
              <Table.Td>{row.notAssessed}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={4}>{t('safety.clocksDue')}</Title>
      {data.clocks.length === 0 ? (
        <Text c="dimmed">{t('safety.noClocks')}</Text>
      ) : (
        <Table withTableBorder data-testid="clocks">
          <Table.Tbody>
            {data.clocks.map((clock) => (
              <Table.Tr key={`${clock.aeId}-${clock.clockId}-${clock.kind}`}>
                <Table.Td>
                  {clock.participantLabel} · AE {clock.aeNumber} · {clock.term}
                </Table.Td>
                <Table.Td>{clock.name[language]}</Table.Td>
                <Table.Td>{clock.deadlineLocal}</Table.Td>
                <Table.Td>
                  <Badge color={statusColor[clock.status]}>{t(`safety.status.${clock.status}`)}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Title order={4}>{t('safety.stoppingRules')}</Title>
      <Table withTableBorder>
        <Table.Tbody>
          {data.stoppingRules.map((rule) => (
            <Table.Tr key={rule.ruleId}>
              <Table.Td>{rule.description[language]}</Table.Td>
              <Table.Td>
                {rule.kind === 'bayesian-beta'
                  ? t('safety.posterior', {
                      probability: (rule.probabilityAbove ?? 0).toFixed(3),
                      events: rule.events,
                      participants: rule.participants,
                    })
                  : t('safety.matching', { count: rule.aeIds?.length ?? 0 })}
              </Table.Td>
              <Table.Td>
                <Badge color={rule.tripped ? 'red' : 'green'}>
                  {rule.tripped ? t('safety.tripped') : t('safety.clear')}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** The SAE timeline: awareness, each clock's deadline, and what was submitted when. */
export function SaeTimeline({ event }: { event: AdverseEventView }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  return (
    <Timeline bulletSize={16} lineWidth={2}>
      <Timeline.Item title={t('safety.awareAt')}>
        <Text size="sm">{event.summary.awareAt}</Text>
      </Timeline.Item>
      {event.clocks.map((clock) => (
        <Timeline.Item
          key={`${clock.clockId}-${clock.kind}`}
          title={`${clock.name[language]} (${t(`safety.kind.${clock.kind}`)})`}
        >
          <Text size="sm">
            {t('safety.deadline')}: {clock.deadlineLocal}{' '}
            <Badge color={statusColor[clock.status]}>{t(`safety.status.${clock.status}`)}</Badge>
          </Text>
          {clock.submittedAt && (
            <Text size="sm" c="dimmed">
              {t('safety.submittedAt')}: {clock.submittedAt}
            </Text>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function EventList() {
  const { t } = useTranslation();
  const events = useAdverseEvents();
  if (events.isPending) return <Loader />;
  if (events.isError) return <Alert color="red">{errorMessage(t, events.error)}</Alert>;
  if (events.data.items.length === 0) return <Text c="dimmed">{t('safety.noEvents')}</Text>;
  return (
    <Stack>
      {events.data.items.map((event) => (
        <Card key={event.aeId} withBorder data-testid="ae-row">
          <Group justify="space-between">
            <Text fw={600}>
              {event.participantLabel} · AE {event.number} · {event.summary.term}
            </Text>
            <Group>
              <Badge>{t('safety.gradeN', { grade: event.summary.grade ?? '?' })}</Badge>
              {event.summary.serious && <Badge color="red">{t('safety.serious')}</Badge>}
              {event.summary.susar && <Badge color="grape">SUSAR</Badge>}
              <Button
                component="a"
                size="xs"
                variant="light"
                href={`/api/v1/adverse-events/${event.aeId}/report.pdf`}
                target="_blank"
              >
                PDF
              </Button>
            </Group>
          </Group>
          {event.clocks.length > 0 && <SaeTimeline event={event} />}
        </Card>
      ))}
    </Stack>
  );
}

export function SafetyPage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('safety.title')}</Title>
        <Button component={Link} to="/safety/dosing" variant="light">
          {t('dosing.title')}
        </Button>
      </Group>
      <Tabs defaultValue="dashboard">
        <Tabs.List>
          <Tabs.Tab value="dashboard">{t('safety.dashboard')}</Tabs.Tab>
          <Tabs.Tab value="events">{t('safety.events')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="dashboard" pt="md">
          <Dashboard />
        </Tabs.Panel>
        <Tabs.Panel value="events" pt="md">
          <EventList />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
