import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { errorMessage } from '../../api/session.ts';
import { useSiteTimeZone } from '../../api/site-clock.ts';
import { useCan, useLanguage, useProtocol, useProtocolVersion } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatDateTime } from '../../format.ts';
import { readableField, readableValue } from '../../readable.ts';
import { QueryThread } from '../crf/query-thread.tsx';
import { AdverseEventForm } from './adverse-event-form.tsx';
import { aeChoices, causalityLabel } from './ae-items.ts';
import { causalityNoteKey } from './causality-note.ts';
import { NarrativeEditor } from './narrative-editor.tsx';
import { SaeTimeline, SubmissionForm } from './sae-timeline.tsx';
import { type AeHistoryEntry, useAdverseEvent, useEventHistory } from './safety-api.ts';

/** The audit trail of one event: each value entered or changed, with its reason; reports; queries. */
function History({ aeId, siteId, protocol }: { aeId: string; siteId: string; protocol?: Protocol }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const zone = useSiteTimeZone(siteId) ?? protocol?.study.timeZone ?? 'UTC';
  const history = useEventHistory(aeId);
  if (history.isPending) return <Loader size="sm" />;
  if (history.isError) return <Alert color="red">{errorMessage(t, history.error)}</Alert>;
  const rows = history.data.filter((entry: AeHistoryEntry) => entry.action !== 'safety.ae.create');
  return (
    <ScrollTable withTableBorder data-testid="ae-history" fz="sm">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('safety.historyWhen')}</Table.Th>
          <Table.Th>{t('safety.historyWho')}</Table.Th>
          <Table.Th>{t('safety.historyWhat')}</Table.Th>
          <Table.Th>{t('safety.historyOld')}</Table.Th>
          <Table.Th>{t('safety.historyNew')}</Table.Th>
          <Table.Th>{t('safety.historyReason')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((entry) => {
          const field = readableField(protocol, entry.item, t, language);
          const shown = (value: unknown) => readableValue(protocol, field.item, value, t, language, zone);
          return (
            <Table.Tr key={entry.seq}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(entry.at, zone, language)}</Table.Td>
              <Table.Td title={entry.by}>{entry.byName}</Table.Td>
              <Table.Td>
                {t(`safety.actions.${entry.action.replaceAll('.', '_')}`, { defaultValue: entry.action })}
                {field.label ? ` · ${field.label}` : ''}
              </Table.Td>
              <Table.Td>{entry.action.startsWith('safety.ae') ? shown(entry.oldValue) : ''}</Table.Td>
              <Table.Td>{entry.action.startsWith('safety.ae') ? shown(entry.newValue) : ''}</Table.Td>
              <Table.Td>{entry.reason ?? ''}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </ScrollTable>
  );
}

/** One adverse event: its summary, change form, SAE timeline, submissions, downloads, queries, history. */
export function EventDetail({ aeId, onClose }: { aeId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const event = useAdverseEvent(aeId);
  // The event is read under the protocol version it was entered under (the current one if that fails to load).
  const current = useProtocol().data?.protocol;
  const entered = useProtocolVersion(event.data?.protocolVersion);
  const protocol = entered.data?.protocol ?? current;
  const zone = useSiteTimeZone(event.data?.siteId);
  const [editing, setEditing] = useState(false);
  if (event.isPending || entered.isLoading) return <Loader />;
  if (event.isError) return <Alert color="red">{errorMessage(t, event.error)}</Alert>;
  const data = event.data;
  const mayEdit = can('safety.report') || can('safety.assess');
  const noteKey = causalityNoteKey(data.summary);
  return (
    <Card withBorder data-testid="ae-detail">
      <Stack>
        <Group justify="space-between">
          <Title order={4}>
            {data.participantLabel} · AE {data.number} · {data.summary.term}
          </Title>
          <Group>
            <Badge>{t('safety.gradeN', { grade: data.summary.grade ?? '?' })}</Badge>
            {data.summary.serious && <Badge color="red">{t('safety.serious')}</Badge>}
            {data.summary.susar && <Badge color="grape">SUSAR</Badge>}
            <Badge variant="outline">{t('safety.versionN', { version: data.version })}</Badge>
            <Button size="xs" variant="subtle" onClick={onClose}>
              {t('safety.close')}
            </Button>
          </Group>
        </Group>
        <Text size="sm">
          {t('safety.causality')}:{' '}
          {data.summary.causality
            ? causalityLabel(protocol, data.summary.causality, language)
            : t('safety.notAssessed')}
          {noteKey && ` (${t(noteKey)})`}
          {' · '}
          {t('safety.outcome')}:{' '}
          {(data.summary.outcome &&
            protocol &&
            aeChoices(protocol, 'outcome', language).find((choice) => choice.value === data.summary.outcome)
              ?.label) ??
            data.summary.outcome ??
            '—'}
          {!data.complete && ` · ${t('safety.incomplete', { items: data.incomplete.join(', ') })}`}
        </Text>
        <Group>
          <Button
            component="a"
            size="xs"
            variant="light"
            href={`/api/v1/adverse-events/${aeId}/report.pdf?lang=${language}`}
            target="_blank"
          >
            {t('safety.downloadPdf')}
          </Button>
          <Button
            component="a"
            size="xs"
            variant="light"
            href={`/api/v1/adverse-events/${aeId}/report`}
            download={`AE-${data.participantLabel}-${data.number}.json`}
          >
            {t('safety.downloadJson')}
          </Button>
          {mayEdit && (
            <Button size="xs" onClick={() => setEditing(!editing)} data-testid="ae-edit">
              {editing ? t('safety.stopEditing') : t('safety.edit')}
            </Button>
          )}
        </Group>
        {editing && (
          <AdverseEventForm
            key={data.version}
            participantId={data.participantId}
            event={data}
            timeZone={zone}
            onSaved={() => setEditing(false)}
          />
        )}
        {data.summary.serious && <NarrativeEditor aeId={aeId} timeZone={zone ?? 'UTC'} />}
        {data.clocks.length > 0 && (
          <>
            <Title order={5}>{t('safety.timeline')}</Title>
            <SaeTimeline event={data} />
            <SubmissionForm event={data} />
          </>
        )}
        {data.queries.length > 0 && (
          <>
            <Title order={5}>{t('safety.queries')}</Title>
            {data.queries.map((query) => (
              <QueryThread key={query.queryId} query={query} onChanged={() => void event.refetch()} />
            ))}
          </>
        )}
        <Title order={5}>{t('safety.history')}</Title>
        <History aeId={aeId} siteId={data.siteId} protocol={protocol} />
      </Stack>
    </Card>
  );
}
