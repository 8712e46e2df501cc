import { Alert, Anchor, Button, Checkbox, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { SdvRequest, SdvResult } from '../../../../src/crf/crf.schema.ts';
import { api } from '../../api/client.ts';
import { useZone } from '../../api/dates.ts';
import {
  apiErrorText,
  type FormRecordView,
  formPagePath,
  formUrl,
  participantKeys,
  useCasebook,
  useLanguage,
  useParticipant,
  useProtocol,
} from '../../api/trial.ts';
import {
  itemInVersion,
  RemovedItemBadge,
  removedNote,
  useProtocolVersions,
} from '../../components/item-versions.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { displayValue, visitLabel } from './display-value.ts';
import { VerifyFormButton } from './sdv-verify-form.tsx';

/** A monitor's source data verification of one participant: every saved field not yet verified. */
export function SdvPage() {
  const { participantId = '' } = useParams();
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const participant = useParticipant(participantId);
  const protocol = useProtocol();
  const casebook = useCasebook(participantId);
  const zone = useZone(participant.data?.siteId);
  const cells = casebook.data?.cells ?? [];
  const records = useQueries({
    queries: cells.map((cell) => ({
      queryKey: [...participantKeys.one(participantId), 'form', cell.visitKey, cell.formId, cell.instance],
      queryFn: () =>
        api<FormRecordView>('GET', formUrl(participantId, cell.visitKey, cell.formId, cell.instance)),
    })),
  });
  // Each record is read under the protocol version it was entered under: an item a later amendment
  // removed still has its label there.
  const versions = useProtocolVersions(
    records.flatMap((query) => (query.data?.recordId ? [query.data.protocolVersion] : [])),
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const verify = useMutation({
    mutationFn: async (keys: string[]) => {
      const byRecord = new Map<string, string[]>();
      for (const key of keys) {
        const [recordId = '', itemId = ''] = key.split(':');
        byRecord.set(recordId, [...(byRecord.get(recordId) ?? []), itemId]);
      }
      for (const [recordId, itemIds] of byRecord)
        await api<SdvResult, SdvRequest>('POST', `/records/${recordId}/sdv`, { itemIds });
    },
    onSuccess: () => {
      setSelected(new Set());
      void client.invalidateQueries({ queryKey: participantKeys.one(participantId) });
    },
  });
  if (participant.isPending || protocol.isPending || casebook.isPending) return <Loader />;
  const failed = [participant, protocol, casebook].find((query) => query.isError)?.error ?? versions.error;
  if (failed) return <Alert color="red">{apiErrorText(t, language, failed)}</Alert>;
  if (records.some((query) => query.isPending) || versions.pending) return <Loader />;
  const definition = protocol.data?.protocol;
  if (!definition) return <Loader />;
  const currentLabel = protocol.data?.label ?? definition.version;
  const rows = records.flatMap((query) => {
    const record = query.data;
    if (!record?.recordId) return [];
    const entered = versions.byNo.get(record.protocolVersion);
    const enteredForm = (entered?.protocol ?? definition).forms.find((entry) => entry.id === record.formId);
    return Object.entries(record.entries)
      .filter(([, entry]) => !entry.verified)
      .map(([itemId, entry]) => {
        const named = itemInVersion(
          definition,
          entered,
          record.formId,
          itemId,
          language,
          record.protocolVersion,
        );
        const item =
          enteredForm?.items.find((candidate) => candidate.id === itemId) ??
          definition.forms
            .find((entry) => entry.id === record.formId)
            ?.items.find((candidate) => candidate.id === itemId);
        return {
          key: `${record.recordId}:${itemId}`,
          record,
          formTitle: named.formTitle,
          visit: visitLabel(definition, record.visitKey, language),
          label: named.label,
          removedFrom: named.removedFrom,
          note: named.removedFrom === undefined ? undefined : removedNote(t, currentLabel, named.removedFrom),
          value: entry.missing
            ? t(`crf.missingCode.${entry.missing}`)
            : displayValue(entered?.protocol ?? definition, item, entry.value, t, language, zone),
        };
      });
  });
  // One group per form record, in casebook order, so a whole form can be verified at once.
  const groups = [...new Set(rows.map((row) => row.record.recordId))].map((recordId) =>
    rows.filter((row) => row.record.recordId === recordId),
  );
  const toggle = (key: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const number = participant.data?.studyNumber ?? participant.data?.screeningNumber ?? '';
  return (
    <Stack>
      <Anchor component={Link} to={`/participants/${participantId}`} size="sm">
        ← {number}
      </Anchor>
      <Title order={2}>
        {t('sdv.title')} · {number}
      </Title>
      <Text size="sm" c="dimmed">
        {t('sdv.intro')}
      </Text>
      {rows.length === 0 ? (
        <Alert color="green">{t('sdv.allVerified')}</Alert>
      ) : (
        <>
          <Group>
            <Checkbox
              label={t('sdv.selectAll', { count: rows.length })}
              checked={selected.size === rows.length}
              indeterminate={selected.size > 0 && selected.size < rows.length}
              onChange={() =>
                setSelected(selected.size === rows.length ? new Set() : new Set(rows.map((row) => row.key)))
              }
            />
            <Button
              disabled={selected.size === 0}
              loading={verify.isPending}
              onClick={() => verify.mutate([...selected])}
            >
              {t('sdv.verifySelected', { count: selected.size })}
            </Button>
          </Group>
          {verify.isError && <Alert color="red">{apiErrorText(t, language, verify.error)}</Alert>}
          <ScrollTable withTableBorder data-testid="sdv-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th>{t('queries.where')}</Table.Th>
                <Table.Th>{t('sdv.field')}</Table.Th>
                <Table.Th>{t('sdv.value')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            {groups.map((group) => (
              <Table.Tbody key={group[0]?.record.recordId} data-testid="sdv-form">
                <Table.Tr>
                  <Table.Td colSpan={4} bg="var(--mantine-color-gray-light)">
                    <Group justify="space-between">
                      <Text fw={600} size="sm">
                        {group[0]?.formTitle} · {group[0]?.visit}
                      </Text>
                      <VerifyFormButton
                        formTitle={`${group[0]?.formTitle} · ${group[0]?.visit}`}
                        rows={group}
                        pending={verify.isPending}
                        onConfirm={(keys) => verify.mutate(keys)}
                      />
                    </Group>
                  </Table.Td>
                </Table.Tr>
                {group.map((row) => (
                  <Table.Tr key={row.key}>
                    <Table.Td>
                      <Checkbox
                        aria-label={t('sdv.verifyField', {
                          label: `${row.formTitle} · ${row.visit} · ${row.label}`,
                        })}
                        checked={selected.has(row.key)}
                        onChange={() => toggle(row.key)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={formPagePath(
                          participantId,
                          row.record.visitKey,
                          row.record.formId,
                          row.record.instance,
                        )}
                      >
                        {row.formTitle}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {row.visit}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {row.label}
                      {row.removedFrom !== undefined && (
                        <RemovedItemBadge
                          current={currentLabel}
                          entered={row.removedFrom}
                          testId="sdv-removed-item"
                        />
                      )}
                    </Table.Td>
                    <Table.Td>{row.value}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            ))}
          </ScrollTable>
        </>
      )}
    </Stack>
  );
}
