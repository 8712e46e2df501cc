import { Alert, Button, Checkbox, Group, NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { localNow } from './safety-api.ts';

export interface AeDraft {
  term: string;
  onsetAt: string;
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

/** The adverse event form: the protocol's adverseEvent items, saved through the safety API. */
export function AdverseEventForm(props: {
  participantId: string;
  administrationId?: string;
  initial?: Partial<AeDraft>;
  onSaved?: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [draft, setDraft] = useState<AeDraft>({ ...emptyDraft(), ...props.initial });
  const set = <K extends keyof AeDraft>(key: K, value: AeDraft[K]) => setDraft({ ...draft, [key]: value });
  const save = useMutation({
    mutationFn: () => {
      const values: Record<string, unknown> = {
        term: draft.term,
        onsetAt: draft.onsetAt,
        ongoing: true,
        grade: draft.grade,
        serious: draft.serious,
        inhalationAssociated: draft.inhalationAssociated,
        actionTaken: draft.actionTaken,
        outcome: draft.outcome,
      };
      if (draft.causality) values.causality = draft.causality;
      if (draft.serious) {
        values.seriousnessCriteria = draft.seriousnessCriteria;
        values.awareAt = draft.awareAt;
        values.expected = draft.expected;
      }
      const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
      return api('POST', `/participants/${props.participantId}/adverse-events`, {
        entries,
        termCode: draft.termCode || null,
        administrationId: props.administrationId ?? null,
      });
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['safety'] });
      void client.invalidateQueries({ queryKey: ['dosing'] });
      props.onSaved?.();
    },
  });
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
      {save.isError && <Alert color="red">{errorMessage(t, save.error)}</Alert>}
      {save.isSuccess && <Alert color="green">{t('safety.saved')}</Alert>}
      <Group>
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          {t('safety.recordEvent')}
        </Button>
      </Group>
    </Stack>
  );
}
