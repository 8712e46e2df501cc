import { Alert, Button, Group, Loader, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditPage, AuditQueryInput } from '../../../src/audit/audit-query.schema.ts';
import { api } from '../api/client.ts';
import { errorMessage } from '../api/session.ts';
import { useSiteTimeZone } from '../api/site-clock.ts';
import { useLanguage, useProtocol } from '../api/trial.ts';
import { formatDateTime } from '../format.ts';
import { auditActionLabel, readableField, readableValue } from '../readable.ts';
import { RemovedItemBadge, useProtocolVersions } from './item-versions.tsx';
import { ScrollTable } from './scroll-table.tsx';

const filterKeys = ['entityType', 'entityId', 'participantId', 'actor', 'action', 'from', 'to'] as const;

/** The filters of the trail a page can set or a person type in (of the API's audit query). */
export type AuditFilters = Pick<AuditQueryInput, (typeof filterKeys)[number]>;

const labels: Record<(typeof filterKeys)[number], string> = {
  entityType: 'audit.filterEntityType',
  entityId: 'audit.filterEntityId',
  participantId: 'audit.filterParticipant',
  actor: 'audit.filterActor',
  action: 'audit.filterAction',
  from: 'audit.filterFrom',
  to: 'audit.filterTo',
};

/**
 * The audit trail of a record, a participant, a user or the whole study. `fixed` filters are set by
 * the page (e.g. one record's trail) and not shown as inputs; the others can be typed in.
 */
export function AuditTrail({
  fixed = {},
  filterable = true,
  siteId,
}: {
  fixed?: AuditFilters;
  filterable?: boolean;
  /** The site whose zone times are read in (a participant's); else the study's zone. */
  siteId?: string;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const current = useProtocol().data;
  const protocol = current?.protocol;
  const zone = useSiteTimeZone(siteId) ?? protocol?.study.timeZone ?? 'UTC';
  const [draft, setDraft] = useState<AuditFilters>({});
  const [applied, setApplied] = useState<AuditFilters>({});
  const filters = { ...applied, ...fixed };
  const query = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
      if (pageParam) params.set('beforeSeq', String(pageParam));
      params.set('limit', '50');
      return api<AuditPage>('GET', `/audit?${params.toString()}`);
    },
    getNextPageParam: (last) => last.nextBeforeSeq ?? undefined,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
  };
  const events = query.data?.pages.flatMap((page) => page.events) ?? [];
  // A record's fields are named as the protocol version it was entered under names them.
  const versions = useProtocolVersions(events.map((event) => event.protocolVersion ?? 0));
  return (
    <Stack>
      {filterable && (
        <form onSubmit={submit}>
          <Group align="flex-end" gap="xs">
            {filterKeys
              .filter((key) => fixed[key] === undefined)
              .map((key) => (
                <TextInput
                  key={key}
                  size="xs"
                  label={t(labels[key])}
                  type={key === 'from' || key === 'to' ? 'date' : 'text'}
                  value={draft[key] ?? ''}
                  onChange={(e) => setDraft({ ...draft, [key]: e.currentTarget.value || undefined })}
                />
              ))}
            <Button size="xs" type="submit">
              {t('audit.apply')}
            </Button>
            <Button
              size="xs"
              variant="subtle"
              onClick={() => {
                setDraft({});
                setApplied({});
              }}
            >
              {t('audit.clear')}
            </Button>
          </Group>
        </form>
      )}
      {(query.isPending || versions.pending) && <Loader />}
      {versions.error && <Alert color="red">{errorMessage(t, versions.error)}</Alert>}
      {query.isError && <Alert color="red">{errorMessage(t, query.error)}</Alert>}
      {query.data && (
        <Text size="sm" c="dimmed">
          {t('audit.total', { count: query.data.pages[0]?.total ?? 0 })}
        </Text>
      )}
      {query.data && events.length === 0 && <Alert color="gray">{t('audit.empty')}</Alert>}
      {events.length > 0 && !versions.pending && (
        <ScrollTable striped withTableBorder fz="xs" data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('audit.seq')}</Table.Th>
              <Table.Th>{t('audit.when')}</Table.Th>
              <Table.Th>{t('audit.who')}</Table.Th>
              <Table.Th>{t('audit.action')}</Table.Th>
              <Table.Th>{t('audit.record')}</Table.Th>
              <Table.Th>{t('audit.field')}</Table.Th>
              <Table.Th>{t('audit.change')}</Table.Th>
              <Table.Th>{t('audit.reason')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((event) => {
              const entered = versions.byNo.get(event.protocolVersion ?? 0);
              const field = readableField(entered?.protocol ?? protocol, event.field, t, language);
              const value = (entry: unknown) =>
                readableValue(entered?.protocol ?? protocol, field.item, entry, t, language, zone);
              // Named by its own version but gone from the current one: an amendment removed it.
              const removed =
                entered !== undefined &&
                field.item !== undefined &&
                readableField(protocol, event.field, t, language).item === undefined;
              return (
                <Table.Tr key={event.seq}>
                  <Table.Td>{event.seq}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(event.occurredAt, zone, language)}
                  </Table.Td>
                  <Table.Td data-testid="audit-who" title={event.actorLabel}>
                    {event.actorName ??
                      (event.actorLabel === 'system' ? t('words.code.system') : event.actorLabel)}
                  </Table.Td>
                  <Table.Td>
                    <span title={event.action} data-testid="audit-action">
                      {auditActionLabel(event.action, t)}
                    </span>
                  </Table.Td>
                  <Table.Td>
                    {event.entityType} {event.entityId.slice(0, 12)}
                  </Table.Td>
                  <Table.Td data-testid="audit-field">
                    {field.label}
                    {removed && (
                      <RemovedItemBadge
                        current={current?.label ?? ''}
                        entered={entered?.label ?? ''}
                        testId="audit-removed-item"
                      />
                    )}
                  </Table.Td>
                  <Table.Td>
                    {event.field || event.oldValue !== null || event.newValue !== null
                      ? `${value(event.oldValue)} → ${value(event.newValue)}`
                      : ''}
                  </Table.Td>
                  <Table.Td>{event.reason ?? ''}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </ScrollTable>
      )}
      {query.hasNextPage && (
        <Button variant="light" onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
          {t('common.loadMore')}
        </Button>
      )}
    </Stack>
  );
}
