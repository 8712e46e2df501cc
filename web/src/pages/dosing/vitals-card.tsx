import {
  Alert,
  Badge,
  Box,
  Button,
  Card,
  Checkbox,
  Group,
  SimpleGrid,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { saveFormRequestSchema } from '../../../../src/crf/crf.schema.ts';
import { type FieldInput, isBlank, sameEntry } from '../../../../src/crf/entries.ts';
import { checkForm } from '../../../../src/crf/form-checks.ts';
import type { Protocol, ProtocolForm } from '../../../../src/protocol/schema.ts';
import { api } from '../../api/client.ts';
import { siteNow } from '../../api/site-clock.ts';
import {
  apiErrorText,
  type FormRecordView,
  fieldErrors,
  formUrl,
  participantKeys,
  useFormRecord,
  useLanguage,
} from '../../api/trial.ts';
import { FieldInputControl } from '../crf/field-input.tsx';
import { type Carried, carriedContext, draftOf } from './bedside.ts';

type Draft = Record<string, FieldInput>;

export interface VitalsSlot {
  visitKey: string;
  title: string;
}

/**
 * Vital signs at one dose timepoint, saved as the protocol's dose-vitals form of `visit/timepoint`. Every box shows
 * what was saved or what was typed, nothing else; the context items (at rest, oxygen support) of an
 * earlier reading of the same day are offered with a "copied from" mark that must be confirmed.
 */
export function VitalsCard({
  protocol,
  participantId,
  slot,
  earlier,
  timeZone,
  children,
}: {
  protocol: Protocol;
  participantId: string;
  slot: VitalsSlot;
  /** Shown under the reading: the flags it raised. */
  children?: ReactNode;
  /** The earlier vitals timepoints of the same dose day, in schedule order. */
  earlier: VitalsSlot[];
  timeZone: string;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const vitals = protocol.doseVitals;
  const formId = vitals?.form ?? '';
  const record = useFormRecord(participantId, slot.visitKey, formId, 1);
  const form = protocol.forms.find((entry) => entry.id === formId);
  // The editor starts again from the saved record after a save; the card remembers that it saved.
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  return (
    <Card withBorder data-testid={`vitals-${slot.visitKey}`}>
      <Title order={5}>{slot.title}</Title>
      {!form && <Alert color="red">{t('crf.noSuchForm')}</Alert>}
      {record.isError && <Alert color="red">{apiErrorText(t, language, record.error)}</Alert>}
      {form && vitals && record.data && (
        <EarlierReadings participantId={participantId} formId={formId} earlier={earlier}>
          {(previous) => {
            const carried = carriedContext(
              { carried: vitals.carried, assessedAt: vitals.items.assessedAt },
              record.data,
              previous,
            );
            return (
              <VitalsEditor
                key={`${record.data.version}|${JSON.stringify(carried)}`}
                protocol={protocol}
                form={form}
                record={record.data}
                carried={carried}
                timeZone={timeZone}
                justSaved={savedVersion === record.data.version}
                onSaved={setSavedVersion}
              />
            );
          }}
        </EarlierReadings>
      )}
      {children}
    </Card>
  );
}

/** Waits for the earlier readings of the day (the source of carried context items). */
function EarlierReadings({
  participantId,
  formId,
  earlier,
  children,
}: {
  participantId: string;
  formId: string;
  earlier: VitalsSlot[];
  children: (previous: FormRecordView[]) => ReactNode;
}) {
  const first = useFormRecord(participantId, earlier[0]?.visitKey ?? '', formId, 1);
  const second = useFormRecord(participantId, earlier[1]?.visitKey ?? '', formId, 1);
  const queries = [first, second].slice(0, earlier.length);
  if (queries.some((query) => query.isPending)) return null;
  return <>{children(queries.flatMap((query) => (query.data ? [query.data] : [])))}</>;
}

function VitalsEditor({
  protocol,
  form,
  record,
  carried,
  timeZone,
  justSaved,
  onSaved,
}: {
  protocol: Protocol;
  form: ProtocolForm;
  record: FormRecordView;
  carried: Carried | null;
  timeZone: string;
  justSaved: boolean;
  onSaved: (version: number) => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const saved = useMemo(() => draftOf(record), [record]);
  const [draft, setDraft] = useState<Draft>(() => ({ ...saved, ...(carried?.values ?? {}) }));
  const [raw, setRaw] = useState<Record<string, string>>({});
  const [copied, setCopied] = useState<string[]>(() => Object.keys(carried?.values ?? {}));
  const [confirmed, setConfirmed] = useState(false);
  const [reason, setReason] = useState('');
  const check = useMemo(() => checkForm(protocol, form, draft, {}), [protocol, form, draft]);
  const items = form.items.filter((item) => item.derivation === undefined && check.shown.has(item.id));
  const changed = form.items
    .map((item) => item.id)
    .filter((id) => !sameEntry(saved[id], draft[id]) && !(isBlank(saved[id]) && isBlank(draft[id])));
  const revised = changed.filter((id) => !isBlank(saved[id]));
  const url = formUrl(record.participantId, record.visitKey, record.formId, record.instance);
  const save = useMutation({
    mutationFn: () =>
      api<FormRecordView, z.input<typeof saveFormRequestSchema>>('PUT', url, {
        version: record.version,
        entries: Object.fromEntries(changed.map((id) => [id, draft[id] ?? {}])),
        ...(revised.length > 0 ? { reason: reason.trim() } : {}),
      }),
    onSuccess: (view) => {
      const key = [...participantKeys.one(record.participantId), 'form', record.visitKey, form.id, 1];
      onSaved(view.version);
      client.setQueryData(key, view);
      void client.invalidateQueries({ queryKey: ['dosing'] });
      void client.invalidateQueries({ queryKey: participantKeys.one(record.participantId) });
    },
  });
  const update = (itemId: string, value: unknown, typed?: string) => {
    setCopied((current) => current.filter((id) => id !== itemId));
    setRaw((current) => ({ ...current, [itemId]: typed ?? '' }));
    setDraft((current) => ({ ...current, [itemId]: { value } }));
  };
  const hard = new Map(check.hard.map((problem) => [problem.item, problem.message[language]]));
  const serverErrors = fieldErrors(save.error, language);
  const copiedShown = copied.filter((id) => check.shown.has(id));
  const unconfirmed = copiedShown.length > 0 && !confirmed;
  const reasonMissing = revised.length > 0 && !reason.trim();
  const blocked = changed.length === 0 || check.hard.length > 0 || unconfirmed || reasonMissing;
  const from = carried?.fromTime ? carried.fromTime.slice(11, 16) : '—';
  return (
    <Box>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm" verticalSpacing="xs">
        {items.map((item) => (
          <Box key={item.id} data-testid={`vitals-item-${item.id}`}>
            <FieldInputControl
              protocol={protocol}
              item={item}
              field={draft[item.id]}
              raw={raw[item.id] || undefined}
              error={hard.get(item.id) ?? serverErrors[item.id]}
              disabled={record.locked}
              onChange={(value, typed) => update(item.id, value, typed)}
              timeZone={timeZone}
            />
            {item.type === 'datetime' && (
              <Button size="compact-xs" variant="subtle" onClick={() => update(item.id, siteNow(timeZone))}>
                {t('dosing.nowAtSite')}
              </Button>
            )}
            {copiedShown.includes(item.id) && (
              <Badge color="yellow" variant="light" data-testid="copied-mark">
                {t('dosing.copiedFrom', { time: from })}
              </Badge>
            )}
          </Box>
        ))}
      </SimpleGrid>
      {copiedShown.length > 0 && (
        <Checkbox
          mt="xs"
          label={t('dosing.confirmCopied', { time: from })}
          checked={confirmed}
          onChange={(event) => setConfirmed(event.currentTarget.checked)}
        />
      )}
      {revised.length > 0 && (
        <TextInput
          mt="xs"
          label={t('crf.reasonForChange')}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
          withAsterisk
        />
      )}
      {save.isError && (
        <Alert mt="xs" color="red">
          {apiErrorText(t, language, save.error)}
        </Alert>
      )}
      <Group mt="xs">
        <Button size="xs" onClick={() => save.mutate()} loading={save.isPending} disabled={blocked}>
          {t('dosing.saveVitals')}
        </Button>
        {unconfirmed && (
          <Text size="sm" c="orange.8">
            {t('dosing.confirmFirst')}
          </Text>
        )}
        {justSaved && changed.length === 0 && (
          <Text size="sm" c="green">
            {t('safety.saved')}
          </Text>
        )}
      </Group>
    </Box>
  );
}
