import { Alert, Button, Group, Modal, NativeSelect, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import {
  type consentRequestSchema,
  endStatuses,
  type enrolRequestSchema,
  type screenOutcomeRequestSchema,
  type statusRequestSchema,
} from '../../../../src/participants/participant.schema.ts';
import { api } from '../../api/client.ts';
import {
  LAST_DATE,
  LAST_DATE_TIME,
  siteInstant,
  siteNow,
  siteToday,
  useSiteTimeZone,
  zoneLabel,
} from '../../api/site-clock.ts';
import {
  apiErrorText,
  type ParticipantDetail,
  participantKeys,
  useLanguage,
  useProtocol,
} from '../../api/trial.ts';
import { useWitness, WitnessFields } from './witness-fields.tsx';

export type ParticipantAction = 'consent' | 'screenOutcome' | 'enrol' | 'status';

/** One modal form that posts to the participant and refreshes everything shown about them. */
function ActionModal({
  title,
  participant,
  send,
  canSubmit,
  submitLabel,
  onClose,
  children,
}: {
  title: string;
  participant: ParticipantDetail;
  send: () => Promise<unknown>;
  canSubmit: boolean;
  submitLabel: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: send,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: participantKeys.one(participant.participantId) });
      void client.invalidateQueries({ queryKey: participantKeys.all, exact: false });
      void client.invalidateQueries({ queryKey: ['consort'] });
      // A re-consent clears the participant's line on the worklists.
      void client.invalidateQueries({ queryKey: ['worklist'], exact: false });
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      <form onSubmit={submit}>
        <Stack>
          {children}
          {mutation.isError && (
            <Alert color="red" role="alert">
              {apiErrorText(t, language, mutation.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={mutation.isPending} disabled={!canSubmit}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ConsentModal({
  participant,
  onClose,
}: {
  participant: ParticipantDetail;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const zone = useSiteTimeZone(participant.siteId);
  const consentRule = useProtocol().data?.protocol.consent;
  // The version owed, else the last the protocol lists: the form printed for this consent.
  const [formVersion, setFormVersion] = useState(
    participant.reconsentDue?.versionInForce ?? consentRule?.versions.at(-1)?.label ?? '',
  );
  // Now at the site by the server's clock unless typed; the typed time is read in the site's zone.
  const [typedAt, setConsentedAt] = useState<string | null>(null);
  const consentedAt = typedAt ?? (zone ? siteNow(zone) : '');
  const [signer, setSigner] = useState<'participant' | 'legal_representative'>('participant');
  const [representativeName, setRepresentativeName] = useState('');
  const [representativeRelation, setRepresentativeRelation] = useState('');
  const representative = signer === 'legal_representative';
  const witness = useWitness(consentRule?.witness ?? 'never');
  return (
    <ActionModal
      title={t('participant.recordConsent')}
      participant={participant}
      onClose={onClose}
      submitLabel={t('participant.recordConsent')}
      canSubmit={Boolean(
        zone &&
          formVersion.trim() &&
          consentedAt &&
          (!representative || representativeName.trim()) &&
          (!witness.needed || (witness.name.trim() && witness.signedAt)),
      )}
      send={() =>
        api<ParticipantDetail, z.input<typeof consentRequestSchema>>(
          'POST',
          `/participants/${participant.participantId}/consent`,
          {
            formVersion: formVersion.trim(),
            // The site's wall-clock time, sent as the instant it stands for, as the API expects.
            consentedAt: siteInstant(consentedAt, zone ?? 'UTC'),
            signer,
            ...(representative
              ? {
                  representativeName: representativeName.trim(),
                  ...(representativeRelation.trim()
                    ? { representativeRelation: representativeRelation.trim() }
                    : {}),
                }
              : {}),
            ...witness.request(zone ?? 'UTC'),
          },
        )
      }
    >
      <TextInput
        label={t('consent.formVersion')}
        value={formVersion}
        onChange={(event) => setFormVersion(event.currentTarget.value)}
        required
        data-autofocus
      />
      <TextInput
        type="datetime-local"
        label={t('consent.consentedAt')}
        description={zone && zoneLabel(zone)}
        max={LAST_DATE_TIME}
        value={consentedAt}
        onChange={(event) => setConsentedAt(event.currentTarget.value)}
        required
      />
      <NativeSelect
        label={t('consent.signer')}
        value={signer}
        onChange={(event) => setSigner(event.currentTarget.value as typeof signer)}
        data={[
          { value: 'participant', label: t('consent.signerParticipant') },
          { value: 'legal_representative', label: t('consent.signerRepresentative') },
        ]}
      />
      {representative && (
        <>
          <TextInput
            label={t('consent.representativeName')}
            value={representativeName}
            onChange={(event) => setRepresentativeName(event.currentTarget.value)}
            required
          />
          <TextInput
            label={t('consent.representativeRelation')}
            value={representativeRelation}
            onChange={(event) => setRepresentativeRelation(event.currentTarget.value)}
          />
        </>
      )}
      <WitnessFields witness={witness} zone={zone} />
    </ActionModal>
  );
}

export function ScreenOutcomeModal({
  participant,
  onClose,
}: {
  participant: ParticipantDetail;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [outcome, setOutcome] = useState<'screen_failed' | 'declined'>('screen_failed');
  const [reason, setReason] = useState('');
  return (
    <ActionModal
      title={t('participant.endScreening')}
      participant={participant}
      onClose={onClose}
      submitLabel={t('participant.endScreening')}
      canSubmit={Boolean(reason.trim())}
      send={() =>
        api<ParticipantDetail, z.input<typeof screenOutcomeRequestSchema>>(
          'POST',
          `/participants/${participant.participantId}/screen-outcome`,
          {
            outcome,
            reason: reason.trim(),
            version: participant.version,
          },
        )
      }
    >
      <Alert color="gray">{t('participant.screenOutcomeHint')}</Alert>
      <NativeSelect
        label={t('participant.outcome')}
        value={outcome}
        onChange={(event) => setOutcome(event.currentTarget.value as typeof outcome)}
        data={[
          { value: 'screen_failed', label: t('participantStatus.screen_failed') },
          { value: 'declined', label: t('participantStatus.declined') },
        ]}
      />
      <Textarea
        label={t('participant.reason')}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
        required
      />
    </ActionModal>
  );
}

export function EnrolModal({
  participant,
  onClose,
}: {
  participant: ParticipantDetail;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const zone = useSiteTimeZone(participant.siteId);
  // Day 1 is a date at the site: today there by default (a browser elsewhere may be a day behind,
  // which made dose 1 look missed the moment the participant was enrolled).
  const [typed, setDay1Date] = useState<string | null>(null);
  const day1Date = typed ?? (zone ? siteToday(zone) : '');
  return (
    <ActionModal
      title={t('participant.enrol')}
      participant={participant}
      onClose={onClose}
      submitLabel={t('participant.enrol')}
      canSubmit={Boolean(day1Date)}
      send={() =>
        api<ParticipantDetail, z.input<typeof enrolRequestSchema>>(
          'POST',
          `/participants/${participant.participantId}/enrol`,
          {
            day1Date,
            version: participant.version,
          },
        )
      }
    >
      <Alert color="gray">{t('participant.enrolHint')}</Alert>
      <TextInput
        type="date"
        label={t('participant.day1Date')}
        description={zone && zoneLabel(zone)}
        max={LAST_DATE}
        value={day1Date}
        onChange={(event) => setDay1Date(event.currentTarget.value)}
        required
        data-autofocus
      />
    </ActionModal>
  );
}

export function StatusModal({
  participant,
  onClose,
}: {
  participant: ParticipantDetail;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<(typeof endStatuses)[number]>('completed');
  const zone = useSiteTimeZone(participant.siteId);
  const [typed, setDate] = useState<string | null>(null);
  const date = typed ?? (zone ? siteToday(zone) : '');
  const [reason, setReason] = useState('');
  return (
    <ActionModal
      title={t('participant.endParticipation')}
      participant={participant}
      onClose={onClose}
      submitLabel={t('participant.endParticipation')}
      canSubmit={Boolean(date && reason.trim())}
      send={() =>
        api<ParticipantDetail, z.input<typeof statusRequestSchema>>(
          'POST',
          `/participants/${participant.participantId}/status`,
          {
            status,
            date,
            reason: reason.trim(),
            version: participant.version,
          },
        )
      }
    >
      <NativeSelect
        label={t('participant.newStatus')}
        value={status}
        onChange={(event) => setStatus(event.currentTarget.value as typeof status)}
        data={endStatuses.map((value) => ({ value, label: t(`participantStatus.${value}`) }))}
      />
      <TextInput
        type="date"
        label={t('participant.statusDate')}
        max={LAST_DATE}
        value={date}
        onChange={(event) => setDate(event.currentTarget.value)}
        required
      />
      <Textarea
        label={t('participant.reason')}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
        required
      />
    </ActionModal>
  );
}
