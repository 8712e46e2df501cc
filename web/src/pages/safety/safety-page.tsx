import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatDateTime } from '../../format.ts';
import { EventDetail } from './event-detail.tsx';
import { EventList } from './event-list.tsx';
import { FlaggedDoses } from './flagged-doses.tsx';
import { PauseControls } from './pause-controls.tsx';
import { statusColor } from './sae-timeline.tsx';
import { type Dashboard as DashboardData, type EventFilter, useDashboard } from './safety-api.ts';
import { SocTermTable } from './soc-term-table.tsx';

type RuleStatus = DashboardData['stoppingRules'][number];

/** Why a stopping rule stands where it does, in words and figures. */
function ruleExplanation(t: (key: string, options?: Record<string, unknown>) => string, rule: RuleStatus) {
  if (rule.kind === 'event') return t('safety.matching', { count: rule.aeIds?.length ?? 0 });
  const figures = {
    probability: (rule.probabilityAbove ?? 0).toFixed(3),
    bound: rule.probabilityThreshold,
    threshold: `${Math.round((rule.rateThreshold ?? 0) * 1000) / 10}%`,
    events: rule.events,
    participants: rule.participants,
    minimumEvents: rule.minimumEvents,
    minimumParticipants: rule.minimumParticipants,
    prior: (rule.priorProbabilityAbove ?? 0).toFixed(3),
    boundary: rule.boundary,
  };
  const lines = [
    t('safety.posterior', figures),
    t(`safety.verdict.${rule.verdict ?? 'within-bound'}`, figures),
  ];
  if (rule.verdict !== 'tripped' && rule.boundary !== null && rule.boundary !== undefined) {
    lines.push(t('safety.boundary', figures));
  }
  lines.push(t('safety.minimums', figures));
  return lines.join(' ');
}

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
      <FlaggedDoses doses={data.flaggedDoses} />
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
      <ScrollTable withTableBorder>
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
      </ScrollTable>
      <SocTermTable groups={data.bySocAndTerm} />
      <Title order={4}>{t('safety.clocksDue')}</Title>
      {data.clocks.length === 0 ? (
        <Text c="dimmed">{t('safety.noClocks')}</Text>
      ) : (
        <ScrollTable withTableBorder data-testid="clocks">
          <Table.Tbody>
            {data.clocks.map((clock) => (
              <Table.Tr key={`${clock.aeId}-${clock.clockId}-${clock.kind}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/safety?tab=events&ae=${clock.aeId}`}>
                    {clock.participantLabel} · AE {clock.aeNumber} · {clock.term}
                  </Anchor>
                </Table.Td>
                <Table.Td>{clock.name[language]}</Table.Td>
                <Table.Td>{formatDateTime(clock.deadline, clock.timeZone, language)}</Table.Td>
                <Table.Td>
                  <Badge color={statusColor[clock.status]}>{t(`safety.status.${clock.status}`)}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
      <Title order={4}>{t('safety.stoppingRules')}</Title>
      <ScrollTable withTableBorder>
        <Table.Tbody>
          {data.stoppingRules.map((rule) => (
            <Table.Tr key={rule.ruleId}>
              <Table.Td>{rule.description[language]}</Table.Td>
              <Table.Td data-testid={`rule-${rule.ruleId}`}>{ruleExplanation(t, rule)}</Table.Td>
              <Table.Td>
                <Badge color={rule.tripped ? 'red' : 'green'}>
                  {rule.tripped ? t('safety.tripped') : t('safety.clear')}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </Stack>
  );
}

export function SafetyPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const aeId = params.get('ae');
  const tab = aeId ? 'events' : (params.get('tab') ?? 'dashboard');
  const filter: EventFilter = {
    participantId: params.get('participant') ?? undefined,
    grade: params.get('grade') ?? undefined,
    serious: (params.get('serious') as EventFilter['serious']) ?? undefined,
    related: (params.get('related') as EventFilter['related']) ?? undefined,
  };
  // The tab, the filters and the open event live in the address, so a link or reload keeps them.
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('safety.title')}</Title>
        <Button component={Link} to="/safety/dosing" variant="light">
          {t('dosing.title')}
        </Button>
      </Group>
      <Tabs value={tab} onChange={(value) => update({ tab: value ?? undefined, ae: undefined })}>
        <Tabs.List>
          <Tabs.Tab value="dashboard">{t('safety.dashboard')}</Tabs.Tab>
          <Tabs.Tab value="events">{t('safety.events')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="dashboard" pt="md">
          {tab === 'dashboard' && <Dashboard />}
        </Tabs.Panel>
        <Tabs.Panel value="events" pt="md">
          {tab === 'events' && (
            <Stack>
              {aeId && <EventDetail key={aeId} aeId={aeId} onClose={() => update({ ae: undefined })} />}
              <EventList
                filter={filter}
                onFilter={(next) =>
                  update({
                    participant: next.participantId,
                    grade: next.grade,
                    serious: next.serious,
                    related: next.related,
                  })
                }
                onOpen={(id) => update({ ae: id, tab: 'events' })}
              />
            </Stack>
          )}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
