import { Alert, Anchor, Button, Card, Divider, Group, Stack, Table, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { SdvRequest, SdvResult, saveFormRequestSchema } from '../../../../src/crf/crf.schema.ts';
import { type FieldInput, isBlank, sameEntry } from '../../../../src/crf/entries.ts';
import { checkForm } from '../../../../src/crf/form-checks.ts';
import { consentRecordItems } from '../../../../src/participants/consent-form.ts';
import type { RuleInputValue } from '../../../../src/protocol/rules/ast.ts';
import type { Protocol, ProtocolForm, ProtocolItem } from '../../../../src/protocol/schema.ts';
import { ApiError, api } from '../../api/client.ts';
import {
  apiErrorText,
  type FormRecordView,
  fieldErrors,
  formUrl,
  type ParticipantDetail,
  participantKeys,
  type SaveFormResponse,
  useLanguage,
} from '../../api/trial.ts';
import { useLabFlags } from '../labs/labs-api.ts';
import './hidden-item.strings.ts';
import { ConsentRecordNote, useConsentRecord, withConsentRecord } from './consent-record.tsx';
import { displayValue } from './display-value.ts';
import { ItemRow } from './item-row.tsx';
import { focusFirstField, onEntryKeyDown } from './keyboard-entry.ts';
import { RecordToolbar } from './record-toolbar.tsx';
import { UnsavedChangesGuard } from './unsaved-changes.tsx';

type Draft = Record<string, FieldInput>;

/** A record's fields as the editor holds them: value or missing code with reason. */
function draftOf(record: FormRecordView): Draft {
  const draft: Draft = {};
  for (const [itemId, entry] of Object.entries(record.entries)) {
    draft[itemId] = entry.missing
      ? { missing: entry.missing, missingReason: entry.missingReason ?? '' }
      : { value: entry.value };
  }
  return draft;
}

/** Hidden items lose their values as the skip logic hides them (as the server requires). */
function withSkipLogic(
  protocol: Protocol,
  form: ProtocolForm,
  draft: Draft,
  context: Record<string, RuleInputValue>,
): Draft {
  let current = draft;
  for (let pass = 0; pass < 5; pass += 1) {
    const { shown } = checkForm(protocol, form, current, context);
    const hiddenWithValue = form.items.filter((item) => !shown.has(item.id) && !isBlank(current[item.id]));
    if (hiddenWithValue.length === 0) return current;
    current = { ...current };
    for (const item of hiddenWithValue) current[item.id] = {};
  }
  return current;
}

/**
 * Form entry: checks run as the user types with the server's own `checkForm`; hard failures block Save,
 * soft ones warn (and become queries when saved). Save sends only the changed fields with the loaded
 * version; a changed saved value needs a reason; a 409 shows the current values and lets the user redo.
 */
export function FormEditor({
  protocol,
  form,
  participant,
  record,
  context,
  slot,
  removed,
}: {
  protocol: Protocol;
  form: ProtocolForm;
  participant: ParticipantDetail;
  record: FormRecordView;
  /** The participant's other values (`form.item`) for rules that reach across forms. */
  context: Record<string, RuleInputValue>;
  slot: { visitKey: string; formId: string; instance: number };
  /** The items of this record's version a later amendment removed, with both versions' labels. */
  removed?: { itemIds: Set<string>; current: string; entered: string };
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const [base, setBase] = useState(record);
  const recorded = useConsentRecord(protocol, form, participant);
  const [draft, setDraft] = useState<Draft>(() => withConsentRecord(draftOf(record), recorded));
  const [raw, setRaw] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [conflict, setConflict] = useState<FormRecordView | null>(null);
  const [saved, setSaved] = useState<SaveFormResponse['warnings'] | null>(null);
  const check = useMemo(() => checkForm(protocol, form, draft, context), [protocol, form, draft, context]);
  const labFlags = useLabFlags(participant.participantId, form.sdtmDomain === 'LB' && base.recordId !== null);
  const formElement = useRef<HTMLFormElement>(null);
  const baseDraft = useMemo(() => draftOf(base), [base]);
  const changed = form.items
    .map((item) => item.id)
    .filter(
      (itemId) =>
        !sameEntry(baseDraft[itemId], draft[itemId]) &&
        !(isBlank(baseDraft[itemId]) && isBlank(draft[itemId])),
    );
  const revised = changed.filter((itemId) => !isBlank(baseDraft[itemId]));
  // The exposure (SDTM EX) form is written from the dose records of the Dosing screen, never typed here.
  const fromDosing = form.sdtmDomain === 'EX';
  const readOnly =
    fromDosing ||
    base.locked ||
    participant.locked ||
    !['screening', 'enrolled'].includes(participant.status);
  const recordKey = [
    ...participantKeys.one(participant.participantId),
    'form',
    slot.visitKey,
    slot.formId,
    slot.instance,
  ];

  const refresh = async () => {
    const fresh = await api<FormRecordView>(
      'GET',
      formUrl(participant.participantId, slot.visitKey, slot.formId, slot.instance),
    );
    client.setQueryData(recordKey, fresh);
    setBase(fresh);
    void client.invalidateQueries({
      queryKey: [...participantKeys.one(participant.participantId), 'casebook'],
    });
    void client.invalidateQueries({ queryKey: ['queries'] });
    return fresh;
  };

  const save = useMutation({
    mutationFn: () =>
      api<SaveFormResponse, z.input<typeof saveFormRequestSchema>>(
        'PUT',
        formUrl(participant.participantId, slot.visitKey, slot.formId, slot.instance),
        {
          version: base.version,
          entries: Object.fromEntries(changed.map((itemId) => [itemId, draft[itemId] ?? {}])),
          ...(revised.length > 0 ? { reason: reason.trim() } : {}),
        },
      ),
    onSuccess: (response) => {
      const { warnings, ...view } = response;
      client.setQueryData(recordKey, view);
      setBase(view);
      setDraft(draftOf(view));
      setRaw({});
      setReason('');
      setSaved(warnings);
      setConflict(null);
      void client.invalidateQueries({ queryKey: participantKeys.one(participant.participantId) });
      void client.invalidateQueries({ queryKey: participantKeys.all, exact: false });
      void client.invalidateQueries({ queryKey: ['lab-flags', participant.participantId] });
      void client.invalidateQueries({ queryKey: ['lab-ae-proposals', participant.participantId] });
    },
    onError: (error) => {
      setSaved(null);
      if (error instanceof ApiError && error.status === 409) {
        const current = (error.body.details as { current?: FormRecordView } | undefined)?.current;
        if (current) setConflict(current);
      }
    },
  });

  const verify = useMutation({
    mutationFn: (itemIds: string[]) =>
      api<SdvResult, SdvRequest>('POST', `/records/${base.recordId}/sdv`, { itemIds }),
    onSuccess: () => void refresh(),
  });

  const update = (itemId: string, field: FieldInput, typed?: string) => {
    setSaved(null);
    setRaw((current) => {
      const next = { ...current };
      if (typed === undefined) delete next[itemId];
      else next[itemId] = typed;
      return next;
    });
    setDraft((current) => withSkipLogic(protocol, form, { ...current, [itemId]: field }, context));
  };

  /** Redo after a conflict: the current record becomes the base and the user's changes go on top. */
  const redo = (current: FormRecordView) => {
    const mine = Object.fromEntries(changed.map((itemId) => [itemId, draft[itemId] ?? {}]));
    client.setQueryData(recordKey, current);
    setBase(current);
    setDraft(withSkipLogic(protocol, form, { ...draftOf(current), ...mine }, context));
    setConflict(null);
    save.reset();
  };

  // Focus starts on the first empty answer when the form opens (not on the page's header or menu).
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per opened form; the editor is keyed by it.
  useEffect(() => {
    if (readOnly || !formElement.current) return;
    const empty = form.items
      .filter((item) => item.derivation === undefined && check.shown.has(item.id) && isBlank(draft[item.id]))
      .map((item) => item.id);
    focusFirstField(formElement.current, empty);
  }, []);

  // A stored value is never hidden: an item whose display condition no longer holds (a changed answer,
  // another form's answer, an amendment) keeps its stored value on the page, read-only, with a note.
  const storedButHidden = (itemId: string) => !check.shown.has(itemId) && !isBlank(baseDraft[itemId]);
  const serverErrors = fieldErrors(save.error, language);
  // A computed item shows its value as the rules compute it from the answers so far.
  const derivedText = (item: ProtocolItem) => {
    if (item.derivation === undefined) return undefined;
    const value = check.values[`${form.id}.${item.id}`];
    return value === null || value === undefined
      ? undefined
      : displayValue(protocol, item, value, t, language);
  };
  const hardByItem = new Map(check.hard.map((problem) => [problem.item, problem.message[language]]));
  const softByItem = new Map(check.soft.map((problem) => [problem.item, problem.message[language]]));
  const reasonMissing = revised.length > 0 && !reason.trim();
  const blocked = check.hard.length > 0 || changed.length === 0 || reasonMissing || readOnly;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!blocked) save.mutate();
  };

  return (
    <Card withBorder>
      <Stack>
        <RecordToolbar record={base} onChanged={() => void refresh()} />
        {fromDosing ? (
          <Alert color="blue" data-testid="from-dosing">
            {t('crf.fromDosing')}{' '}
            <Anchor
              component={Link}
              to={`/safety/dosing?participant=${participant.participantId}&visit=${encodeURIComponent(slot.visitKey)}`}
            >
              {t('crf.openDosing')}
            </Anchor>
          </Alert>
        ) : (
          readOnly && <Alert color="gray">{t('crf.readOnly')}</Alert>
        )}
        {!readOnly && (
          <Text size="sm" c="dimmed" data-testid="keyboard-help">
            {t('crf.keyboardHelp')}
          </Text>
        )}
        {consentRecordItems(protocol, form).size > 0 && <ConsentRecordNote participant={participant} />}
        <UnsavedChangesGuard changedCount={readOnly ? 0 : changed.length} />
        <form
          ref={formElement}
          onSubmit={submit}
          onKeyDown={onEntryKeyDown}
          aria-label={form.title[language]}
        >
          <Stack gap="md">
            {form.items
              .filter((item) => check.shown.has(item.id) || storedButHidden(item.id))
              .map((item) => (
                <ItemRow
                  key={item.id}
                  protocol={protocol}
                  item={item}
                  field={storedButHidden(item.id) ? baseDraft[item.id] : draft[item.id]}
                  raw={storedButHidden(item.id) ? undefined : raw[item.id]}
                  record={base}
                  readOnly={readOnly || recorded.has(item.id) || storedButHidden(item.id)}
                  hiddenNote={
                    storedButHidden(item.id)
                      ? t(isBlank(draft[item.id]) ? 'hiddenItem.clearing' : 'hiddenItem.kept')
                      : undefined
                  }
                  derived={derivedText(item)}
                  messages={{
                    error: hardByItem.get(item.id) ?? serverErrors[item.id],
                    warning: softByItem.get(item.id),
                  }}
                  onChange={(field, typed) => update(item.id, field, typed)}
                  onVerify={(itemId) => verify.mutate([itemId])}
                  onQueriesChanged={() => void refresh()}
                  removed={
                    removed?.itemIds.has(item.id)
                      ? { current: removed.current, entered: removed.entered }
                      : undefined
                  }
                  labFlag={labFlags.data?.flags.find(
                    (flag) => flag.recordId === base.recordId && flag.itemId === item.id,
                  )}
                />
              ))}
            <Divider />
            {revised.length > 0 && (
              <Textarea
                label={t('crf.reasonForChange')}
                description={t('crf.reasonForChangeHint', {
                  items: revised
                    .map((itemId) => form.items.find((item) => item.id === itemId)?.label[language] ?? itemId)
                    .join(', '),
                })}
                value={reason}
                onChange={(event) => setReason(event.currentTarget.value)}
                withAsterisk
                error={reasonMissing ? t('crf.reasonNeeded') : undefined}
              />
            )}
            {check.hard.length > 0 && (
              <Alert color="red" data-testid="hard-failures">
                {t('crf.hardFailures', { count: check.hard.length })}
              </Alert>
            )}
            {check.soft.length > 0 && (
              <Alert color="orange">{t('crf.softWarnings', { count: check.soft.length })}</Alert>
            )}
            {check.incomplete.length > 0 && (
              <Text size="sm" c="dimmed">
                {t('crf.incomplete', { count: check.incomplete.length })}
              </Text>
            )}
            {save.isError && !conflict && (
              <Alert color="red" role="alert">
                {apiErrorText(t, language, save.error)}
              </Alert>
            )}
            {conflict && <ConflictPanel form={form} current={conflict} onRedo={() => redo(conflict)} />}
            {saved && (
              <Alert color={saved.length ? 'orange' : 'green'} data-testid="save-status">
                {saved.length ? t('crf.savedWithQueries', { count: saved.length }) : t('crf.saved')}
              </Alert>
            )}
            <Group justify="space-between">
              <Button variant="default" component={Link} to={`/participants/${participant.participantId}`}>
                {t('crf.backToCasebook')}
              </Button>
              <Group>
                <Text size="sm" c="dimmed">
                  {t('crf.changedFields', { count: changed.length })}
                </Text>
                <Button type="submit" disabled={blocked} loading={save.isPending}>
                  {t('common.save')}
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

function ConflictPanel({
  form,
  current,
  onRedo,
}: {
  form: ProtocolForm;
  current: FormRecordView;
  onRedo: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const show = (value: unknown) => (value === null || value === undefined ? '—' : JSON.stringify(value));
  return (
    <Alert color="orange" title={t('crf.conflictTitle')} data-testid="conflict">
      <Stack gap="xs">
        <Text size="sm">{t('crf.conflictText', { version: current.version })}</Text>
        <Table>
          <Table.Tbody>
            {form.items
              .filter((item) => current.entries[item.id])
              .map((item) => (
                <Table.Tr key={item.id}>
                  <Table.Td>{item.label[language]}</Table.Td>
                  <Table.Td>
                    {current.entries[item.id]?.missing
                      ? t(`crf.missingCode.${current.entries[item.id]?.missing}`)
                      : show(current.entries[item.id]?.value)}
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
        <Group>
          <Button size="xs" onClick={onRedo}>
            {t('crf.redo')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
