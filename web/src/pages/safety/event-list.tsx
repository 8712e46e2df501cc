import { Alert, Badge, Button, Group, Loader, Select, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../api/session.ts';
import { useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { causalityLabel } from './ae-items.ts';
import { causalityNoteKey } from './causality-note.ts';
import { statusColor } from './sae-timeline.tsx';
import { type EventFilter, useAdverseEvents, useParticipants } from './safety-api.ts';

/** The adverse event list, filtered by participant, grade, seriousness and relatedness. */
export function EventList(props: {
  filter: EventFilter;
  onFilter: (filter: EventFilter) => void;
  onOpen: (aeId: string) => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const protocol = useProtocol().data?.protocol;
  const { filter, onFilter } = props;
  const events = useAdverseEvents(filter);
  const participants = useParticipants();
  const yesNo = [
    { value: 'true', label: t('safety.yes') },
    { value: 'false', label: t('safety.no') },
  ];
  return (
    <Stack>
      <Group grow data-testid="ae-filters">
        <Select
          label={t('dosing.participant')}
          data={(participants.data?.items ?? []).map((entry) => ({
            value: entry.participantId,
            label: entry.studyNumber ?? entry.screeningNumber,
          }))}
          value={filter.participantId ?? null}
          onChange={(value) => onFilter({ ...filter, participantId: value ?? undefined })}
          searchable
          clearable
        />
        <Select
          label={t('safety.grade')}
          data={['1', '2', '3', '4', '5']}
          value={filter.grade ?? null}
          onChange={(value) => onFilter({ ...filter, grade: value ?? undefined })}
          clearable
        />
        <Select
          label={t('safety.serious')}
          data={yesNo}
          value={filter.serious ?? null}
          onChange={(value) =>
            onFilter({ ...filter, serious: (value as EventFilter['serious']) ?? undefined })
          }
          clearable
        />
        <Select
          label={t('safety.related')}
          data={[...yesNo, { value: 'not-assessed', label: t('safety.notAssessed') }]}
          value={filter.related ?? null}
          onChange={(value) =>
            onFilter({ ...filter, related: (value as EventFilter['related']) ?? undefined })
          }
          clearable
        />
      </Group>
      {events.isPending && <Loader />}
      {events.isError && <Alert color="red">{errorMessage(t, events.error)}</Alert>}
      {events.data && events.data.items.length === 0 && <Text c="dimmed">{t('safety.noEvents')}</Text>}
      {events.data && events.data.items.length > 0 && (
        <ScrollTable withTableBorder data-testid="ae-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dosing.participant')}</Table.Th>
              <Table.Th>{t('safety.term')}</Table.Th>
              <Table.Th>{t('safety.grade')}</Table.Th>
              <Table.Th>{t('safety.causality')}</Table.Th>
              <Table.Th>{t('safety.reports')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.data.items.map((event) => {
              const pending = event.clocks.filter(
                (clock) => clock.status === 'due' || clock.status === 'overdue',
              );
              const worst = pending.some((clock) => clock.status === 'overdue') ? 'overdue' : 'due';
              const openQueries = event.queries.filter((query) => query.status !== 'closed').length;
              const noteKey = causalityNoteKey(event.summary);
              return (
                <Table.Tr key={event.aeId} data-testid="ae-row">
                  <Table.Td>
                    {event.participantLabel} · AE {event.number}
                  </Table.Td>
                  <Table.Td>
                    {event.summary.term}{' '}
                    {event.summary.serious && <Badge color="red">{t('safety.serious')}</Badge>}{' '}
                    {event.summary.susar && <Badge color="grape">SUSAR</Badge>}{' '}
                    {openQueries > 0 && (
                      <Badge color="orange" variant="light">
                        {t('safety.openQueries', { count: openQueries })}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{t('safety.gradeN', { grade: event.summary.grade ?? '?' })}</Table.Td>
                  <Table.Td>
                    {event.summary.causality
                      ? causalityLabel(protocol, event.summary.causality, language)
                      : t('safety.notAssessed')}
                    {noteKey && (
                      <Text size="xs" c="dimmed">
                        {t(noteKey)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {pending.length > 0 ? (
                      <Badge color={statusColor[worst]}>
                        {t(`safety.status.${worst}`)} ({pending.length})
                      </Badge>
                    ) : event.clocks.length > 0 ? (
                      <Badge color="green">{t('safety.allReported')}</Badge>
                    ) : (
                      ''
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="light" onClick={() => props.onOpen(event.aeId)}>
                      {t('dosing.open')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </ScrollTable>
      )}
      {events.data && (
        <Text size="sm" c="dimmed">
          {t('safety.eventCount', { count: events.data.total })}
        </Text>
      )}
    </Stack>
  );
}
