import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { AdverseEventForm } from '../safety/adverse-event-form.tsx';
import { type DoseSchedule, localNow, useDoseSchedule, useParticipants } from '../safety/safety-api.ts';
import { ComplianceText, DoseBadge, DosingOverviewTable } from './dosing-overview.tsx';

interface Vitals {
  assessedAt: string;
  spo2: number;
  respiratoryRate: number;
  heartRate: number;
  systolicBp: number;
  diastolicBp: number;
  temperature: number;
}
const defaultVitals = (): Vitals => ({
  assessedAt: localNow(),
  spo2: 95,
  respiratoryRate: 20,
  heartRate: 80,
  systolicBp: 120,
  diastolicBp: 75,
  temperature: 37.0,
});

/** Vital signs at one dose timepoint, saved as the eCRF vitals form of `visit/timepoint`. */
function VitalsCard({
  participantId,
  visitKey,
  title,
}: {
  participantId: string;
  visitKey: string;
  title: string;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [vitals, setVitals] = useState(defaultVitals);
  const save = useMutation({
    mutationFn: async () => {
      const url = `/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/vitals?instance=1`;
      const current = await api<{ version: number }>('GET', url);
      const values = { ...vitals, atRest: true, oxygenSupport: 'none' };
      const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
      return api('PUT', url, {
        version: current.version,
        entries,
        reason: current.version > 0 ? 'Corrected at the bedside' : undefined,
      });
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: ['dosing'] }),
  });
  const number = (key: Exclude<keyof Vitals, 'assessedAt'>, label: string) => (
    <NumberInput
      label={label}
      value={vitals[key]}
      onChange={(value) => setVitals({ ...vitals, [key]: Number(value) })}
      decimalScale={key === 'temperature' ? 1 : 0}
    />
  );
  return (
    <Card withBorder data-testid={`vitals-${visitKey}`}>
      <Title order={5}>{title}</Title>
      <Group grow>
        <TextInput
          type="datetime-local"
          label={t('dosing.measuredAt')}
          value={vitals.assessedAt}
          onChange={(e) => setVitals({ ...vitals, assessedAt: e.currentTarget.value })}
        />
        {number('spo2', 'SpO2 %')}
        {number('respiratoryRate', t('dosing.respiratoryRate'))}
        {number('heartRate', t('dosing.heartRate'))}
      </Group>
      <Group grow>
        {number('systolicBp', t('dosing.systolic'))}
        {number('diastolicBp', t('dosing.diastolic'))}
        {number('temperature', t('dosing.temperature'))}
      </Group>
      {save.isError && <Alert color="red">{errorMessage(t, save.error)}</Alert>}
      <Group mt="xs">
        <Button size="xs" onClick={() => save.mutate()} loading={save.isPending}>
          {t('dosing.saveVitals')}
        </Button>
        {save.isSuccess && (
          <Text size="sm" c="green">
            {t('safety.saved')}
          </Text>
        )}
      </Group>
    </Card>
  );
}

function DoseForm({ participantId, visitId }: { participantId: string; visitId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [form, setForm] = useState({
    vialCode: '',
    startedAt: localNow(),
    endedAt: localNow(),
    volumeMl: 3,
    status: 'completed',
    interruptionReason: '',
    windowReason: '',
    bronchospasm: false,
    newCough: false,
  });
  const record = useMutation({
    mutationFn: () =>
      api('POST', `/participants/${participantId}/doses/${visitId}`, {
        status: form.status,
        vialCode: form.vialCode,
        startedAt: form.startedAt,
        endedAt: form.endedAt,
        volumeMl: form.volumeMl,
        device: 'vibrating-mesh',
        interruptionReason: form.status === 'interrupted' ? form.interruptionReason : undefined,
        windowReason: form.windowReason || undefined,
        bronchospasm: form.bronchospasm,
        newCough: form.newCough,
      }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['dosing'] }),
  });
  return (
    <Card withBorder data-testid="dose-form">
      <Title order={5}>{t('dosing.recordDose')}</Title>
      <Group grow>
        <TextInput
          label={t('dosing.scanVial')}
          placeholder={t('dosing.scanHint')}
          value={form.vialCode}
          onChange={(e) => setForm({ ...form, vialCode: e.currentTarget.value })}
        />
        <Select
          label={t('dosing.status')}
          data={[
            { value: 'completed', label: t('dosing.completed') },
            { value: 'interrupted', label: t('dosing.interrupted') },
          ]}
          value={form.status}
          onChange={(value) => setForm({ ...form, status: value ?? 'completed' })}
        />
        <NumberInput
          label={t('dosing.volume')}
          value={form.volumeMl}
          decimalScale={1}
          onChange={(value) => setForm({ ...form, volumeMl: Number(value) })}
        />
      </Group>
      <Group grow>
        <TextInput
          type="datetime-local"
          label={t('dosing.started')}
          value={form.startedAt}
          onChange={(e) => setForm({ ...form, startedAt: e.currentTarget.value })}
        />
        <TextInput
          type="datetime-local"
          label={t('dosing.ended')}
          value={form.endedAt}
          onChange={(e) => setForm({ ...form, endedAt: e.currentTarget.value })}
        />
      </Group>
      {form.status === 'interrupted' && (
        <TextInput
          label={t('dosing.interruptionReason')}
          value={form.interruptionReason}
          onChange={(e) => setForm({ ...form, interruptionReason: e.currentTarget.value })}
        />
      )}
      <TextInput
        label={t('dosing.windowReason')}
        value={form.windowReason}
        onChange={(e) => setForm({ ...form, windowReason: e.currentTarget.value })}
      />
      <Group mt="xs">
        <Checkbox
          label={t('dosing.bronchospasm')}
          checked={form.bronchospasm}
          onChange={(e) => setForm({ ...form, bronchospasm: e.currentTarget.checked })}
        />
        <Checkbox
          label={t('dosing.newCough')}
          checked={form.newCough}
          onChange={(e) => setForm({ ...form, newCough: e.currentTarget.checked })}
        />
      </Group>
      {record.isError && <Alert color="red">{errorMessage(t, record.error)}</Alert>}
      <Group mt="xs">
        <Button onClick={() => record.mutate()} loading={record.isPending}>
          {t('dosing.recordDose')}
        </Button>
      </Group>
    </Card>
  );
}

function Flags({ schedule, visitId }: { schedule: DoseSchedule; visitId: string }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const [open, setOpen] = useState<string | null>(null);
  const administration = schedule.doses.find((dose) => dose.visitId === visitId)?.administration;
  if (!administration) return null;
  return (
    <Stack>
      <Alert color="green">{t('dosing.recorded', { vial: administration.vialNumber ?? '—' })}</Alert>
      {administration.flags.map((flag) => (
        <Alert key={flag.kind} color="orange" title={t('dosing.flagTitle')} data-testid="inhalation-flag">
          <Text size="sm">{flag.message[language]}</Text>
          {administration.adverseEventIds.length > 0 ? (
            <Text size="sm" c="dimmed">
              {t('dosing.aeRecorded')}
            </Text>
          ) : (
            <Button mt="xs" size="xs" onClick={() => setOpen(flag.kind)}>
              {t('dosing.suggestedAe', { term: flag.suggestedTerm[language] })}
            </Button>
          )}
          {open === flag.kind && (
            <AdverseEventForm
              participantId={schedule.participantId}
              administrationId={administration.administrationId}
              initial={{
                term: flag.suggestedTerm[language],
                inhalationAssociated: true,
                ...(flag.at ? { onsetAt: toLocal(flag.at) } : {}),
              }}
              onSaved={() => setOpen(null)}
            />
          )}
        </Alert>
      ))}
    </Stack>
  );
}

function toLocal(iso: string): string {
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function DosingPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const participants = useParticipants();
  // The exposure form links here with the participant and the dose visit.
  const [params] = useSearchParams();
  const [participantId, setParticipantId] = useState<string | null>(params.get('participant'));
  const [visitId, setVisitId] = useState<string | null>(params.get('visit'));
  const schedule = useDoseSchedule(participantId);
  const enrolled = (participants.data?.items ?? []).filter((entry) => entry.day1Date);
  return (
    <Stack>
      <Title order={2}>{t('dosing.title')}</Title>
      <Select
        label={t('dosing.participant')}
        data={enrolled.map((entry) => ({
          value: entry.participantId,
          label: entry.studyNumber ?? entry.screeningNumber,
        }))}
        value={participantId}
        onChange={(value) => {
          setParticipantId(value);
          setVisitId(null);
        }}
        searchable
        clearable
      />
      {!participantId && (
        <DosingOverviewTable
          onOpen={(id) => {
            setParticipantId(id);
            setVisitId(null);
          }}
        />
      )}
      {schedule.isPending && participantId && <Loader />}
      {schedule.isError && <Alert color="red">{errorMessage(t, schedule.error)}</Alert>}
      {schedule.data && (
        <Stack>
          {schedule.data.dosingPaused && (
            <Alert color="red" title={t('safety.paused')}>
              {schedule.data.dosingPaused}
            </Alert>
          )}
          <ComplianceText compliance={schedule.data.compliance} />
          <Table withTableBorder>
            <Table.Tbody>
              {schedule.data.doses.map((dose) => (
                <Table.Tr key={dose.visitId}>
                  <Table.Td>{dose.name[language]}</Table.Td>
                  <Table.Td>
                    <DoseBadge state={dose.state} timing={dose.timing} />
                  </Table.Td>
                  <Table.Td>
                    {dose.administration?.windowReason && (
                      <Text size="xs" c="dimmed">
                        {t('dosing.windowReasonShown', { reason: dose.administration.windowReason })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{dose.administration?.vialNumber ?? ''}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => setVisitId(dose.visitId)}
                      data-testid={`open-${dose.visitId}`}
                    >
                      {t('dosing.open')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {visitId && participantId && (
            <Stack key={visitId}>
              <VitalsCard
                participantId={participantId}
                visitKey={`${visitId}/pre-dose`}
                title={t('dosing.preDose')}
              />
              {!schedule.data.doses.find((dose) => dose.visitId === visitId)?.administration && (
                <DoseForm participantId={participantId} visitId={visitId} />
              )}
              <VitalsCard
                participantId={participantId}
                visitKey={`${visitId}/post-30`}
                title={t('dosing.post30')}
              />
              <Flags schedule={schedule.data} visitId={visitId} />
            </Stack>
          )}
        </Stack>
      )}
    </Stack>
  );
}
