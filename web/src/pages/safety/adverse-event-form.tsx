import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Loader,
  NumberInput,
  Radio,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { AdverseEventItemRole, Protocol } from '../../../../src/protocol/schema.ts';
import type {
  createAdverseEventRequestSchema,
  SaveAdverseEventResponse,
  updateAdverseEventRequestSchema,
} from '../../../../src/safety/safety.schema.ts';
import { ApiError, api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { LAST_DATE_TIME, siteNow, zoneLabel } from '../../api/site-clock.ts';
import { useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { type AeItemIds, aeChoices, aeItem, aeItemIds } from './ae-items.ts';
import type { AdverseEventView } from './safety-api.ts';

export interface AeDraft {
  term: string;
  onsetAt: string;
  ongoing: boolean;
  resolvedAt: string;
  /** Null until the user answers: grade, seriousness, expectedness and outcome have no default. */
  grade: number | null;
  serious: boolean | null;
  seriousnessCriteria: string[];
  awareAt: string;
  causality: string;
  expected: boolean | null;
  inhalationAssociated: boolean;
  actionTaken: string;
  outcome: string;
  termCode: string;
}

// A new event starts with no clinical answer: a grade, seriousness, expectedness or outcome nobody chose
// would be recorded as if assessed (an unticked "expected" made every serious event a SUSAR), and an
// onset of "now" dates the event at the moment of typing, not when it began.
export const emptyDraft = (): AeDraft => ({
  term: '',
  onsetAt: '',
  ongoing: true,
  resolvedAt: '',
  grade: null,
  serious: null,
  seriousnessCriteria: [],
  // Awareness is the moment the event is judged serious unless changed: filled from the server's clock
  // at the site when "serious" is answered yes (see AdverseEventForm), never from the browser's clock.
  awareAt: '',
  causality: '',
  expected: null,
  inhalationAssociated: false,
  actionTaken: 'none',
  outcome: '',
  termCode: '',
});

/** The questions the user has not answered yet (their labels' keys), in the form's order. */
export function unanswered(draft: AeDraft, assesses: boolean, ids: AeItemIds): string[] {
  const missing: string[] = [];
  if (!draft.onsetAt) missing.push('safety.onset');
  if (draft.grade === null) missing.push('safety.grade');
  if (draft.serious === null) missing.push('safety.serious');
  if (ids.expected && assesses && draft.serious === true && draft.expected === null)
    missing.push('safety.expected');
  if (ids.outcome && !draft.outcome) missing.push('safety.outcome');
  return missing;
}

const yesNo = (value: boolean | null) => (value === null ? null : value ? 'yes' : 'no');

/** The form's draft from a saved event (datetime inputs show minutes; offsets are kept as typed). */
export function draftOf(event: AdverseEventView, ids: AeItemIds): AeDraft {
  const value = (role: AdverseEventItemRole) => {
    const itemId = ids[role];
    return itemId === undefined ? undefined : event.entries[itemId]?.value;
  };
  const text = (role: AdverseEventItemRole, fallback = '') => {
    const found = value(role);
    return typeof found === 'string' ? found.slice(0, 16) : fallback;
  };
  const criteriaValue = value('seriousnessCriteria');
  const answer = (role: AdverseEventItemRole) =>
    typeof value(role) === 'boolean' ? (value(role) as boolean) : null;
  return {
    term: text('term'),
    onsetAt: text('onsetAt'),
    ongoing: value('ongoing') !== false,
    resolvedAt: text('resolvedAt'),
    grade: typeof value('grade') === 'number' ? (value('grade') as number) : null,
    serious: answer('serious'),
    seriousnessCriteria: Array.isArray(criteriaValue) ? criteriaValue.map(String) : [],
    awareAt: text('awareAt'),
    causality: text('causality'),
    expected: answer('expected'),
    inhalationAssociated: value('inhalationAssociated') === true,
    actionTaken: text('actionTaken', 'none'),
    outcome: text('outcome'),
    termCode: event.termCode ?? '',
  };
}

/**
 * The items the draft holds, as the form shows them, keyed by the protocol's item ids (hidden items,
 * and meanings the protocol has no item for, are not sent).
 */
function valuesOf(draft: AeDraft, assesses: boolean, ids: AeItemIds): Record<string, unknown> {
  const values: Partial<Record<AdverseEventItemRole, unknown>> = {
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
    // Expectedness is the investigator's assessment: the server refuses it from anyone else.
    if (assesses || draft.expected !== null) values.expected = draft.expected;
  }
  return Object.fromEntries(
    (Object.entries(values) as [AdverseEventItemRole, unknown][]).flatMap(([role, value]) => {
      const itemId = ids[role];
      return itemId === undefined ? [] : [[itemId, value]];
    }),
  );
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface AdverseEventFormProps {
  participantId: string;
  administrationId?: string;
  initial?: Partial<AeDraft>;
  event?: AdverseEventView;
  /** The site's zone, for "Now at the site"; without it the button reads the browser's clock. */
  timeZone?: string;
  onSaved?: (saved: AdverseEventView) => void;
}

/**
 * The adverse event form: the items of the protocol's adverse-event form (`safety.adverseEvents`),
 * asked by meaning with the protocol's own choices, saved through the safety API. Without `event` it
 * records a new event; with it, it changes that event (only the items changed are sent, with the
 * reason for the change and the version loaded; a stale version offers the current one).
 */
export function AdverseEventForm(props: AdverseEventFormProps) {
  const trial = useProtocol();
  if (!trial.data) return <Loader size="sm" />;
  return <AdverseEventFields {...props} protocol={trial.data.protocol} />;
}

function AdverseEventFields(props: AdverseEventFormProps & { protocol: Protocol }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const { event, protocol } = props;
  const ids = aeItemIds(protocol);
  const has = (role: AdverseEventItemRole) => ids[role] !== undefined;
  const choices = (role: AdverseEventItemRole) => aeChoices(protocol, role, language);
  const onsetType = aeItem(protocol, 'onsetAt')?.type === 'date' ? 'date' : 'datetime-local';
  const [base, setBase] = useState<AdverseEventView | undefined>(event);
  const [draft, setDraft] = useState<AeDraft>(() =>
    event ? draftOf(event, ids) : { ...emptyDraft(), ...props.initial },
  );
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const assesses = useCan()('safety.assess');
  const missing = unanswered(draft, assesses, ids);
  const set = <K extends keyof AeDraft>(key: K, value: AeDraft[K]) => {
    const next = { ...draft, [key]: value };
    // The site became aware of a serious event when it was judged serious: now by the server's clock.
    if (key === 'serious' && value === true && !draft.awareAt && props.timeZone) {
      next.awareAt = siteNow(props.timeZone);
    }
    setDraft(next);
  };
  const save = useMutation({
    mutationFn: () => {
      const values = valuesOf(draft, assesses, ids);
      if (base) {
        const saved = draftOf(base, ids);
        const before = valuesOf(saved, assesses, ids);
        const changed = Object.entries(values).filter(
          ([item, value]) => !same(value, before[item]) || base.entries[item] === undefined,
        );
        const entries = Object.fromEntries(changed.map(([item, value]) => [item, { value }]));
        return api<SaveAdverseEventResponse, z.input<typeof updateAdverseEventRequestSchema>>(
          'PUT',
          `/adverse-events/${base.aeId}`,
          {
            version: base.version,
            entries,
            ...(draft.termCode !== saved.termCode ? { termCode: draft.termCode || null } : {}),
            ...(reason.trim() ? { reason: reason.trim() } : {}),
          },
        );
      }
      const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
      return api<SaveAdverseEventResponse, z.input<typeof createAdverseEventRequestSchema>>(
        'POST',
        `/participants/${props.participantId}/adverse-events`,
        {
          entries,
          termCode: draft.termCode || null,
          administrationId: props.administrationId ?? null,
        },
      );
    },
    onSuccess: (saved) => {
      if (base) {
        setBase(saved);
        setReason('');
      }
      void client.invalidateQueries({ queryKey: ['safety'] });
      void client.invalidateQueries({ queryKey: ['dosing'] });
      props.onSaved?.(saved);
    },
  });
  const submit = () => {
    setTried(true);
    if (missing.length === 0) save.mutate();
  };
  const now = () => {
    if (props.timeZone) set('onsetAt', siteNow(props.timeZone));
  };
  const created = !base && save.isSuccess ? save.data : null;
  const stale =
    save.error instanceof ApiError && save.error.status === 409
      ? ((save.error.body.details as { current?: AdverseEventView } | undefined)?.current ?? null)
      : null;
  const loadCurrent = () => {
    if (!stale) return;
    setBase(stale);
    setDraft(draftOf(stale, ids));
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
        <Stack gap={0}>
          <TextInput
            type={onsetType}
            label={t('safety.onset')}
            value={draft.onsetAt}
            onChange={(e) => set('onsetAt', e.currentTarget.value)}
            withAsterisk
          />
          <Button size="compact-xs" variant="subtle" onClick={now} w="fit-content">
            {t('dosing.nowAtSite')}
          </Button>
        </Stack>
        {has('ongoing') && (
          <Checkbox
            mt="lg"
            label={t('safety.ongoing')}
            checked={draft.ongoing}
            onChange={(e) => set('ongoing', e.currentTarget.checked)}
          />
        )}
        {has('ongoing') && has('resolvedAt') && !draft.ongoing && (
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
          value={draft.grade ?? ''}
          onChange={(value) => set('grade', value === '' ? null : Number(value))}
          withAsterisk
        />
        <Select
          label={t('safety.causality')}
          data={choices('causality')}
          value={draft.causality || null}
          onChange={(value) => set('causality', value ?? '')}
          clearable
        />
      </Group>
      <Group>
        <YesNo
          testId="ae-serious"
          label={t('safety.serious')}
          value={draft.serious}
          onChange={(value) => set('serious', value)}
        />
        {has('inhalationAssociated') && (
          <Checkbox
            label={t('safety.inhalationAssociated')}
            checked={draft.inhalationAssociated}
            onChange={(e) => set('inhalationAssociated', e.currentTarget.checked)}
          />
        )}
      </Group>
      {draft.serious && (has('seriousnessCriteria') || has('awareAt') || has('expected')) && (
        <Stack gap="xs">
          {has('seriousnessCriteria') && (
            <Checkbox.Group
              label={t('safety.criteria')}
              value={draft.seriousnessCriteria}
              onChange={(value) => set('seriousnessCriteria', value)}
            >
              <Group>
                {choices('seriousnessCriteria').map((choice) => (
                  <Checkbox key={choice.value} value={choice.value} label={choice.label} />
                ))}
              </Group>
            </Checkbox.Group>
          )}
          <Group grow>
            {has('awareAt') && (
              <TextInput
                type="datetime-local"
                label={t('safety.awareAt')}
                description={props.timeZone && zoneLabel(props.timeZone)}
                max={LAST_DATE_TIME}
                value={draft.awareAt}
                onChange={(e) => set('awareAt', e.currentTarget.value)}
              />
            )}
            {!has('expected') ? null : assesses ? (
              <YesNo
                testId="ae-expected"
                label={t('safety.expected')}
                value={draft.expected}
                onChange={(value) => set('expected', value)}
              />
            ) : (
              <Text size="sm" c="dimmed" data-testid="ae-expected-later">
                {t('safety.expectedByInvestigator')}
              </Text>
            )}
          </Group>
        </Stack>
      )}
      <Group grow>
        {has('actionTaken') && (
          <Select
            label={t('safety.action')}
            data={choices('actionTaken')}
            value={draft.actionTaken}
            onChange={(value) => set('actionTaken', value ?? 'none')}
          />
        )}
        {has('outcome') && (
          <Select
            label={t('safety.outcome')}
            data={choices('outcome')}
            value={draft.outcome || null}
            onChange={(value) => set('outcome', value ?? '')}
            placeholder={t('safety.choose')}
            withAsterisk
          />
        )}
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
      {tried && missing.length > 0 && (
        <Alert color="orange" data-testid="ae-unanswered">
          {t('safety.answerFirst', { items: missing.map((key) => t(key)).join(', ') })}
        </Alert>
      )}
      {created ? (
        <Alert color="green" data-testid="ae-recorded">
          <Anchor component={Link} to={`/safety?tab=events&ae=${created.aeId}`}>
            {t('safety.recordedLink', { number: created.number, term: created.summary.term })}
          </Anchor>
        </Alert>
      ) : (
        save.isSuccess && <Alert color="green">{t('safety.saved')}</Alert>
      )}
      {!created && (
        <Group>
          <Button onClick={submit} loading={save.isPending}>
            {base ? t('safety.saveChanges') : t('safety.recordEvent')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** A yes/no question with no answer until one is chosen. */
function YesNo(props: {
  label: string;
  value: boolean | null;
  onChange: (value: boolean) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Radio.Group
      label={props.label}
      value={yesNo(props.value)}
      onChange={(value) => props.onChange(value === 'yes')}
      withAsterisk
      data-testid={props.testId}
    >
      <Group gap="sm">
        <Radio value="yes" label={t('safety.yes')} />
        <Radio value="no" label={t('safety.no')} />
      </Group>
    </Radio.Group>
  );
}
