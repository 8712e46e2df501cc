import { Alert, Anchor, Breadcrumbs, Group, Loader, NumberInput, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { findSlot } from '../../../../src/participants/schedule.ts';
import {
  apiErrorText,
  formPagePath,
  useCheckContext,
  useFormRecord,
  useLanguage,
  useParticipant,
  useProtocol,
  useProtocolVersion,
  useStudySites,
} from '../../api/trial.ts';
import { ReconsentWarning } from '../participants/reconsent-warning.tsx';
import { FormEditor } from './form-editor.tsx';

/** A form of a visit (`?visit=day-1/pre-dose&instance=1`), rendered from the protocol. */
export function FormPage() {
  const { participantId = '', formId = '' } = useParams();
  const [search] = useSearchParams();
  const visitKey = search.get('visit') ?? '';
  const instance = Number(search.get('instance') ?? '1') || 1;
  const { t } = useTranslation();
  const language = useLanguage();
  const navigate = useNavigate();
  const participant = useParticipant(participantId);
  const record = useFormRecord(participantId, visitKey, formId, instance);
  // A saved record keeps the protocol version it was first saved under; a new one takes the version
  // the participant's site works under (its latest ethics approval).
  const protocol = useProtocolVersion(record.data?.protocolVersion || participant.data?.siteProtocolVersion);
  // The current protocol, to mark the items of an older record's version an amendment removed.
  const current = useProtocol();
  const context = useCheckContext(participantId, visitKey);
  // The site's zone dates the consent record's answers on the consent form: loaded before the editor.
  const sites = useStudySites();
  // Errors first: the protocol version waits for the participant and the record.
  for (const query of [participant, record, context, protocol, current]) {
    if (query.isError) return <Alert color="red">{apiErrorText(t, language, query.error)}</Alert>;
  }
  if (
    protocol.isPending ||
    participant.isPending ||
    record.isPending ||
    context.isPending ||
    sites.isPending ||
    current.isPending
  )
    return <Loader />;
  if (!protocol.data || !participant.data || !record.data || !context.data) return <Loader />;
  const definition = protocol.data.protocol;
  const form = definition.forms.find((entry) => entry.id === formId);
  const slot = findSlot(definition, visitKey, formId);
  if (!form || !slot) return <Alert color="red">{t('crf.noSuchForm')}</Alert>;
  const [visitId, timepointId] = visitKey.split('/');
  const visit = definition.schedule.visits.find((entry) => entry.id === visitId);
  const timepoint = visit?.timepoints.find((entry) => entry.id === timepointId);
  const where = [visit?.name[language], timepoint?.name[language]].filter(Boolean).join(' · ');
  const currentForm = current.data?.protocol.forms.find((entry) => entry.id === formId);
  const removedIds = new Set(
    current.data && current.data.versionNo !== protocol.data.versionNo
      ? form.items
          .filter((item) => !currentForm?.items.some((now) => now.id === item.id))
          .map((item) => item.id)
      : [],
  );
  const number = participant.data.studyNumber ?? participant.data.screeningNumber;
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/participants">
          {t('participants.title')}
        </Anchor>
        <Anchor component={Link} to={`/participants/${participantId}`}>
          {number}
        </Anchor>
        <Text>{where}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{form.title[language]}</Title>
        {slot.instances !== 'single' && (
          <NumberInput
            label={slot.instances === 'per-day' ? t('crf.studyDay') : t('crf.entryNumber')}
            value={instance}
            min={slot.instances === 'per-day' ? (visit?.day ?? 1) : 1}
            max={slot.instances === 'per-day' ? (visit?.repeat?.lastDay ?? instance) : 10_000}
            onChange={(value) => {
              if (typeof value === 'number' && value >= 1)
                navigate(formPagePath(participantId, visitKey, formId, value), { replace: true });
            }}
            w={140}
          />
        )}
      </Group>
      <ReconsentWarning participant={participant.data} />
      {record.data.protocolVersion > 0 && (
        <Text size="sm" c="dimmed" data-testid="form-protocol-version">
          {t('consentArea.protocolVersion', { number: record.data.protocolVersion })}
        </Text>
      )}
      {form.description && <Text c="dimmed">{form.description[language]}</Text>}
      <FormEditor
        key={`${visitKey}|${formId}|${instance}`}
        protocol={definition}
        form={form}
        participant={participant.data}
        record={record.data}
        context={context.data}
        slot={{ visitKey, formId, instance }}
        removed={
          removedIds.size > 0
            ? {
                itemIds: removedIds,
                current: current.data?.label ?? '',
                entered: protocol.data.label,
              }
            : undefined
        }
      />
    </Stack>
  );
}
