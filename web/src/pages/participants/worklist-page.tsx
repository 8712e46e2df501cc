import { Alert, Anchor, Badge, Group, Loader, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import type { z } from 'zod';
import type {
  StudyWorklist,
  WorkItemView,
  worklistQuerySchema,
} from '../../../../src/participants/worklist.schema.ts';
import { api, queryText } from '../../api/client.ts';
import { apiErrorText, formPagePath, useLanguage, useProtocol, useStudySites } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatDate } from '../../format.ts';
import { readableVisit } from '../../readable.ts';
import { ReconsentBadge } from './reconsent-warning.tsx';

const stateColour: Record<WorkItemView['state'], string> = {
  'due-today': 'blue',
  overdue: 'orange',
  missing: 'red',
  done: 'green',
  upcoming: 'gray',
};

export function WorkStateBadge({ state }: { state: WorkItemView['state'] }) {
  const { t } = useTranslation();
  return (
    <Badge color={stateColour[state]} variant="light">
      {t(`worklist.states.${state}`)}
    </Badge>
  );
}

/** One form of the list: the form (a link to it), its visit and day, target date, state and how late. */
export function WorkItemCells({ participantId, item }: { participantId: string; item: WorkItemView }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const protocol = useProtocol();
  return (
    <>
      <Table.Td>
        <Anchor component={Link} to={formPagePath(participantId, item.visitKey, item.formId, item.instance)}>
          {item.formTitle[language]}
        </Anchor>
        <Text size="xs" c="dimmed">
          {/* The visit's name comes with the protocol; until it has loaded, no raw key such as day-1 stands in. */}
          {protocol.data ? readableVisit(protocol.data.protocol, item.visitKey, t, language) : ''}
          {item.instance > 1 ? ` · ${t('worklist.day', { day: item.instance })}` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <WorkStateBadge state={item.state} />
      </Table.Td>
      <Table.Td>{item.daysLate > 0 ? t('worklist.daysLate', { count: item.daysLate }) : '—'}</Table.Td>
      <Table.Td>{formatDate(item.targetDate, language)}</Table.Td>
    </>
  );
}

/** The worklist of the user's sites: forms due today, overdue and missing, by site and state. */
export function WorklistPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const sites = useStudySites();
  const [siteId, setSiteId] = useState('');
  const [search] = useSearchParams();
  const [state, setState] = useState(search.get('state') ?? '');
  const worklist = useQuery({
    queryKey: ['worklist', { siteId, state }],
    queryFn: () =>
      api<StudyWorklist>(
        'GET',
        `/worklist?${queryText<z.input<typeof worklistQuerySchema>>({
          siteId: siteId || undefined,
          state: (state || undefined) as z.input<typeof worklistQuerySchema>['state'],
        })}`,
      ),
  });
  return (
    <Stack>
      <Title order={2}>{t('worklist.title')}</Title>
      <Text c="dimmed">{t('worklist.intro')}</Text>
      <Group align="flex-end">
        <NativeSelect
          label={t('worklist.site')}
          value={siteId}
          onChange={(event) => setSiteId(event.currentTarget.value)}
          data={[
            { value: '', label: t('worklist.allSites') },
            ...(sites.data ?? []).map((site) => ({ value: site.siteId, label: site.name[language] })),
          ]}
        />
        <NativeSelect
          label={t('worklist.state')}
          value={state}
          onChange={(event) => setState(event.currentTarget.value)}
          data={[
            { value: '', label: t('worklist.allStates') },
            ...(['due-today', 'overdue', 'missing'] as const).map((value) => ({
              value,
              label: t(`worklist.states.${value}`),
            })),
          ]}
        />
      </Group>
      {worklist.isPending && <Loader />}
      {worklist.isError && <Alert color="red">{apiErrorText(t, language, worklist.error)}</Alert>}
      {worklist.data && (
        <Text data-testid="worklist-counts">{t('worklist.counts', worklist.data.counts)}</Text>
      )}
      {worklist.data && worklist.data.participants.length === 0 && (
        <Alert color="gray">{t('worklist.empty')}</Alert>
      )}
      {worklist.data && worklist.data.participants.length > 0 && (
        <ScrollTable withTableBorder verticalSpacing="xs" data-testid="worklist">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('participants.number')}</Table.Th>
              <Table.Th>{t('worklist.form')}</Table.Th>
              <Table.Th>{t('worklist.state')}</Table.Th>
              <Table.Th>{t('worklist.late')}</Table.Th>
              <Table.Th>{t('worklist.target')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {worklist.data.participants.flatMap((participant) => [
              ...(participant.reconsentDue
                ? [
                    <Table.Tr key={`${participant.participantId}|reconsent`}>
                      <Table.Td>
                        <Anchor component={Link} to={`/participants/${participant.participantId}`}>
                          {participant.participantLabel}
                        </Anchor>
                      </Table.Td>
                      <Table.Td colSpan={4}>
                        <ReconsentBadge due={participant.reconsentDue} />
                      </Table.Td>
                    </Table.Tr>,
                  ]
                : []),
              ...participant.items.map((item) => (
                <Table.Tr
                  key={`${participant.participantId}|${item.visitKey}|${item.formId}|${item.instance}`}
                >
                  <Table.Td>
                    <Anchor component={Link} to={`/participants/${participant.participantId}`}>
                      {participant.participantLabel}
                    </Anchor>
                  </Table.Td>
                  <WorkItemCells participantId={participant.participantId} item={item} />
                </Table.Tr>
              )),
            ])}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Stack>
  );
}
