import {
  Alert,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { type AdverseEventView, localNow } from './safety-api.ts';

export interface AeDraft {
  term: string;
  onsetAt: string;
  ongoing: boolean;
  resolvedAt: string;
  grade: number;
  serious: boolean;
  seriousnessCriteria: string[];
  awareAt: string;
  causality: string;
  expected: boolean;
  inhalationAssociated: boolean;
  actionTaken: string;
  outcome: string;
  termCode: string;
}

export const emptyDraft = (): AeDraft => ({
  term: '',
  onsetAt: localNow(),
  ongoing: true,
  resolvedAt: '',
  grade: 1,
  serious: false,
  seriousnessCriteria: [],
  awareAt: localNow(),
  causality: '',
  expected: false,
  inhalationAssociated: false,
  actionTaken: 'none',
  outcome: 'recovering',
  termCode: '',
});

const criteria = [
  'death',
  'life-threatening',
  'hospitalisation',
  'disability',
  'congenital-anomaly',
  'important-medical-event',
];
const causalities = ['certain', 'probable', 'possible', 'unlikely', 'conditional', 'unassessable'];
const actions = ['none', 'interrupted', 'withdrawn', 'not-applicable'];
const outcomes = ['recovered', 'recovering', 'not-recovered', 'recovered-with-sequelae', 'fatal', 'unknown'];

/** The form's draft from a saved event (datetime inputs show minutes; offsets are kept as typed). */
export function draftOf(event: AdverseEventView): AeDraft {
  const value = (item: string) => event.entries[item]?.value;
  const text = (item: string, fallback = '') => {
    const found = value(item);
    return typeof found === 'string' ? found.slice(0, 16) : fallback;
  };
  const criteriaValue = value('seriousnessCriteria');
  return {
    term: text('term'),
    onsetAt: text('onsetAt'),
    ongoing: value('ongoing') !== false,
    resolvedAt: text('resolvedAt'),
    grade: typeof value('grade') === 'number' ? (value('grade') as number) : 1,
    serious: value('serious') === true,
    seriousnessCriteria: Array.isArray(criteriaValue) ? criteriaValue.map(String) : [],
    awareAt: text('awareAt'),
    causality: text('causality'),
    expected: value('expected') === true,
    inhalationAssociated: value('inhalationAssociated') === true,
    actionTaken: text('actionTaken', 'none'),
    outcome: text('outcome', 'unknown'),
    termCode: event.termCode ?? '',
  };
}

/** The items the draft holds, as the form shows them (hidden items are not sent). */
function valuesOf(draft: AeDraft): Record<string, unknown> {
  const values: Record<string, unknown> = {
    term: draft.term,
    onsetAt: draft.onsetAt,
    ongoing: draft.ongoing,
    grade: draft.grade,
    serious: draft.serious,
    inhalationAssociated: draft.inhalationAssociated,
    actionTaken: draft.actionTaken,
    outcome: draft.outcome,
  };
  if (!draft.ongoing) values.resolvedAt = draft.resolvedAt;
  if (draft.causality) values.causality = draft.causality;
  if (draft.serious) {
    values.seriousnessCriteria = draft.seriousnessCriteria;
    values.awareAt = draft.awareAt;
    values.expected = draft.expected;
  }
  return values;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The adverse event form: the protocol's adverseEvent items, saved through the safety API. Without
 * `event` it records a new event; with it, it changes that event (only the items changed are sent,
 * with the reason for the change and the version loaded; a stale version offers the current one).
 */
export function AdverseEventForm(props: {
  participantId: string;
  administrationId?: string;
  initial?: Partial<AeDraft>;
  event?: AdverseEventView;
  onSaved?: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { event } = props;
  const [base, setBase] = useState<AdverseEventView | undefined>(event);
  const [draft, setDraft] = useState<AeDraft>(event ? draftOf(event) : { ...emptyDraft(), ...props.initial });
  const [reason, setReason] = useState('');
  const set = <K extends keyof AeDraft>(key: K, value: AeDraft[K]) => setDraft({ ...draft, [key]: value });
  const save = useMutation({
    mutationFn: () => {
      const values = valuesOf(draft);
      if (base) {
        const saved = draftOf(base);
        const before = valuesOf(saved);
        const changed = Object.entries(values).filter(
          ([item, value]) => !same(value, before[item]) || base.entries[item] === undefined,
        );
        const entries = Object.fromEntries(changed.map(([item, value]) => [item, { value }]));
        return api('PUT', `/adverse-events/${base.aeId}`, {
          version: base.version,
          entries,
          ...(draft.termCode !== saved.termCode ? { termCode: draft.termCode || null } : {}),
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        });
      }
      const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
      return api('POST', `/participants/${props.participantId}/adverse-events`, {
        entries,
        termCode: draft.termCode || null,
        administrationId: props.administrationId ?? null,
      });
    },
    onSuccess: (saved) => {
      if (base) {
        setBase(saved as AdverseEventView);
        setReason('');
      }
      void client.invalidateQueries({ queryKey: ['safety'] });
      void client.invalidateQueries({ queryKey: ['dosing'] });
      props.onSaved?.();
    },
  });
  const stale =
    save.error instanceof ApiError && save.error.status === 409
      ? ((save.error.body.details as { current?: AdverseEventView } | undefined)?.current ?? null)
      : null;
  const loadCurrent = () => {
    if (!stale) return;
    setBase(stale);
    setDraft(draftOf(stale));
    save.reset();
  };
  return (
    <Stack gap="xs" data-testid="ae-form">
      <Group grow>
        <TextInput
          label={t('safety.term')}
          value={draft.term}
          onChange={(e) => set('term', e.currentTarget.value)}
          required
        />
        <TextInput
          label={t('safety.termCode')}
          value={draft.termCode}
          onChange={(e) => set('termCode', e.currentTarget.value)}
        />
      </Group>
      <Group grow>
        <TextInput
          type="datetime-local"
          label={t('safety.onset')}
          value={draft.onsetAt}
          onChange={(e) => set('onsetAt', e.currentTarget.value)}
        />
        <Checkbox
          mt="lg"
          label={t('safety.ongoing')}
          checked={draft.ongoing}
          onChange={(e) => set('ongoing', e.currentTarget.checked)}
        />
        {!draft.ongoing && (
          <TextInput
            type="datetime-local"
            label={t('safety.resolvedAt')}
            value={draft.resolvedAt}
            onChange={(e) => set('resolvedAt', e.currentTarget.value)}
          />
        )}
      </Group>
      <Group grow>
        <NumberInput
          label={t('safety.grade')}
          min={1}
          max={5}
          value={draft.grade}
          onChange={(value) => set('grade', Number(value))}
        />
        <Select
          label={t('safety.causality')}
          data={causalities.map((value) => ({ value, label: t(`safety.causalities.${value}`) }))}
          value={draft.causality || null}
          onChange={(value) => set('causality', value ?? '')}
          clearable
        />
      </Group>
      <Group>
        <Checkbox
          label={t('safety.serious')}
          checked={draft.serious}
          onChange={(e) => set('serious', e.currentTarget.checked)}
        />
        <Checkbox
          label={t('safety.inhalationAssociated')}
          checked={draft.inhalationAssociated}
          onChange={(e) => set('inhalationAssociated', e.currentTarget.checked)}
        />
      </Group>
      {draft.serious && (
        <Stack gap="xs">
          <Checkbox.Group
            label={t('safety.criteria')}
            value={draft.seriousnessCriteria}
            onChange={(value) => set('seriousnessCriteria', value)}
          >
            <Group>
              {criteria.map((id) => (
                <Checkbox key={id} value={id} label={t(`safety.criteriaLabels.${id}`)} />
              ))}
            </Group>
          </Checkbox.Group>
          <Group grow>
            <TextInput
              type="datetime-local"
              label={t('safety.awareAt')}
              value={draft.awareAt}
              onChange={(e) => set('awareAt', e.currentTarget.value)}
            />
            <Checkbox
              label={t('safety.expected')}
              checked={draft.expected}
              onChange={(e) => set('expected', e.currentTarget.checked)}
            />
          </Group>
        </Stack>
      )}
      <Group grow>
        <Select
          label={t('safety.action')}
          data={actions}
          value={draft.actionTaken}
          onChange={(value) => set('actionTaken', value ?? 'none')}
        />
        <Select
          label={t('safety.outcome')}
          data={outcomes}
          value={draft.outcome}
          onChange={(value) => set('outcome', value ?? 'unknown')}
        />
      </Group>
      {base && (
        <Textarea
          label={t('safety.changeReason')}
          description={t('safety.changeReasonHint')}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          autosize
          minRows={2}
          data-testid="ae-change-reason"
        />
      )}
      {stale ? (
        <Alert color="orange" title={t('safety.staleTitle')} data-testid="ae-stale">
          {t('safety.staleText', { version: stale.version })}
          <Group mt="xs">
            <Button size="xs" variant="light" onClick={loadCurrent}>
              {t('safety.loadCurrent')}
            </Button>
          </Group>
        </Alert>
      ) : (
        save.isError && <Alert color="red">{errorMessage(t, save.error)}</Alert>
      )}
      {save.isSuccess && <Alert color="green">{t('safety.saved')}</Alert>}
      <Group>
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          {base ? t('safety.saveChanges') : t('safety.recordEvent')}
        </Button>
      </Group>
    </Stack>
  );
}
