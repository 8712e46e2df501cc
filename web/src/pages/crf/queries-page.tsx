import { Alert, Anchor, Group, Loader, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { QueryList, QueryView, queryListQuerySchema } from '../../../../src/crf/crf.schema.ts';
import type { ParticipantList } from '../../../../src/participants/participant.schema.ts';
import { api, queryText } from '../../api/client.ts';
import {
  apiErrorText,
  formPagePath,
  participantKeys,
  useCan,
  useLanguage,
  useProtocol,
} from '../../api/trial.ts';
import { itemInVersion, RemovedItemBadge, useProtocolVersions } from '../../components/item-versions.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { readableVisit } from '../../readable.ts';
import { QueryThread } from './query-thread.tsx';

/** The query inbox of the user's sites: filter by status and form; answer, close or re-open by role. */
export function QueriesPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const protocol = useProtocol();
  const can = useCan();
  // Open queries wait for the site, answered ones for whoever closes them: each opens on their own.
  const [status, setStatus] = useState(() => (can('query.close') ? 'answered' : 'open'));
  const [formId, setFormId] = useState('');
  const counts = useQuery({
    queryKey: ['queries', 'counts', { formId }],
    queryFn: async () => {
      const total = async (wanted: string) => {
        const params = queryText<z.input<typeof queryListQuerySchema>>({ limit: 1, status: wanted, formId });
        return (await api<QueryList>('GET', `/queries?${params}`)).total;
      };
      const [open, answered] = await Promise.all([total('open'), total('answered')]);
      return { open, answered };
    },
  });
  const queries = useQuery({
    queryKey: ['queries', { status, formId }],
    queryFn: () => {
      const params = queryText<z.input<typeof queryListQuerySchema>>({ limit: 200, status, formId });
      return api<QueryList>('GET', `/queries?${params}`);
    },
  });
  const participants = useQuery({
    queryKey: [...participantKeys.all, 'all-for-queries'],
    queryFn: () => api<ParticipantList>('GET', '/participants?limit=500'),
  });
  const numberOf = (participantId: string) => {
    const participant = participants.data?.items.find((entry) => entry.participantId === participantId);
    return participant ? (participant.studyNumber ?? participant.screeningNumber) : participantId.slice(0, 8);
  };
  const forms = protocol.data?.protocol.forms ?? [];
  // Each query's form and item are named as the version its record was entered under names them.
  const versions = useProtocolVersions((queries.data?.items ?? []).map((query) => query.protocolVersion));
  const currentLabel = protocol.data?.label ?? protocol.data?.protocol.version ?? '';
  const named = (query: QueryView) =>
    itemInVersion(
      protocol.data?.protocol,
      versions.byNo.get(query.protocolVersion),
      query.formId,
      query.itemId,
      language,
      query.protocolVersion,
    );
  return (
    <Stack>
      <Title order={2}>{t('queries.title')}</Title>
      {counts.data && <Text data-testid="query-counts">{t('queries.counts', counts.data)}</Text>}
      <Group align="flex-end">
        <NativeSelect
          label={t('queries.filterStatus')}
          value={status}
          onChange={(event) => setStatus(event.currentTarget.value)}
          data={[
            { value: '', label: t('queries.all') },
            ...(['open', 'answered', 'closed'] as const).map((value) => ({
              value,
              label: t(`queries.status.${value}`),
            })),
          ]}
        />
        <NativeSelect
          label={t('queries.filterForm')}
          value={formId}
          onChange={(event) => setFormId(event.currentTarget.value)}
          data={[
            { value: '', label: t('queries.all') },
            ...forms.map((form) => ({ value: form.id, label: form.title[language] })),
          ]}
        />
      </Group>
      {(queries.isPending || versions.pending) && <Loader />}
      {queries.isError && <Alert color="red">{apiErrorText(t, language, queries.error)}</Alert>}
      {versions.error && <Alert color="red">{apiErrorText(t, language, versions.error)}</Alert>}
      {queries.data && queries.data.items.length === 0 && <Alert color="gray">{t('queries.empty')}</Alert>}
      {queries.data && queries.data.items.length > 0 && !versions.pending && (
        <ScrollTable withTableBorder verticalSpacing="xs" data-testid="query-inbox">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('participants.number')}</Table.Th>
              <Table.Th>{t('queries.where')}</Table.Th>
              <Table.Th w="55%">{t('queries.thread')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {queries.data.items.map((query) => (
              <Table.Tr key={query.queryId}>
                <Table.Td>
                  <Anchor component={Link} to={`/participants/${query.participantId}`}>
                    {numberOf(query.participantId)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={formPagePath(query.participantId, query.visitKey, query.formId)}
                  >
                    {named(query).formTitle}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {readableVisit(protocol.data?.protocol, query.visitKey, t, language)} ·{' '}
                    {named(query).label}
                  </Text>
                  {named(query).removedFrom !== undefined && (
                    <RemovedItemBadge
                      current={currentLabel}
                      entered={named(query).removedFrom ?? ''}
                      testId="query-removed-item"
                    />
                  )}
                </Table.Td>
                <Table.Td>
                  <QueryThread
                    query={query}
                    onChanged={() => {
                      void client.invalidateQueries({ queryKey: ['queries'] });
                      void client.invalidateQueries({ queryKey: participantKeys.all });
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
      {queries.data && (
        <Text size="sm" c="dimmed">
          {t('queries.total', { count: queries.data.total })}
        </Text>
      )}
    </Stack>
  );
}
