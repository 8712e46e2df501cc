import { Alert, Button, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { errorMessage } from '../../api/session.ts';
import { useProtocol } from '../../api/trial.ts';
import { AdverseEventForm } from '../safety/adverse-event-form.tsx';
import { type DoseSchedule, useDoseSchedule, useParticipants } from '../safety/safety-api.ts';
import { DoseForm } from './dose-form.tsx';
import { ComplianceText, DoseBadge, DosingOverviewTable } from './dosing-overview.tsx';
import { VitalsCard, type VitalsSlot } from './vitals-card.tsx';

function Flags({ schedule, visitId }: { schedule: DoseSchedule; visitId: string }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const [open, setOpen] = useState<string | null>(null);
  const administration = schedule.doses.find((dose) => dose.visitId === visitId)?.administration;
  if (!administration) return null;
  return (
    <Stack>
      <Alert color="green" data-testid="dose-recorded">
        <Text size="sm">{t('dosing.recorded', { vial: administration.vialNumber ?? '—' })}</Text>
        {administration.startedLocal && (
          <Text size="sm">
            {t('dosing.doseDetails', {
              started: administration.startedLocal.slice(0, 16).replace('T', ' '),
              ended: administration.endedLocal?.slice(0, 16).replace('T', ' ') ?? '—',
              zone: schedule.timeZone,
              volume: administration.volumeMl ?? '—',
            })}
          </Text>
        )}
      </Alert>
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
  const protocol = useProtocol();
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
          {/* On a phone the dose table scrolls inside its frame rather than widening the page. */}
          <Table.ScrollContainer minWidth={480}>
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
          </Table.ScrollContainer>
          {visitId && participantId && protocol.data && (
            <DoseDay
              key={visitId}
              protocol={protocol.data.protocol}
              schedule={schedule.data}
              visitId={visitId}
            />
          )}
        </Stack>
      )}
    </Stack>
  );
}

/** The vitals timepoints of a dose visit, from the protocol: before the dose, then after it. */
function vitalsSlots(protocol: Protocol, visitId: string, language: 'en' | 'zh') {
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  const slots = (visit?.timepoints ?? [])
    .filter((timepoint) => timepoint.forms.includes('vitals'))
    .map((timepoint) => ({
      visitKey: `${visitId}/${timepoint.id}`,
      title: timepoint.name[language],
      before: (timepoint.minutesFromDose ?? 0) < 0,
    }));
  return {
    all: slots,
    before: slots.filter((slot) => slot.before),
    after: slots.filter((slot) => !slot.before),
  };
}

/** One dose visit at the bedside: vitals before, the dose, vitals after, and the flags they raise. */
function DoseDay({
  protocol,
  schedule,
  visitId,
}: {
  protocol: Protocol;
  schedule: DoseSchedule;
  visitId: string;
}) {
  const { i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const slots = vitalsSlots(protocol, visitId, language);
  const card = (slot: VitalsSlot, index: number) => (
    <VitalsCard
      key={slot.visitKey}
      protocol={protocol}
      participantId={schedule.participantId}
      slot={slot}
      earlier={slots.all.slice(0, index)}
      timeZone={schedule.timeZone}
    />
  );
  const dose = schedule.doses.find((entry) => entry.visitId === visitId);
  return (
    <Stack>
      {slots.before.map((slot) => card(slot, slots.all.indexOf(slot)))}
      {dose && !dose.administration && (
        <DoseForm
          protocol={protocol}
          participantId={schedule.participantId}
          visitId={visitId}
          timeZone={schedule.timeZone}
        />
      )}
      <Flags schedule={schedule} visitId={visitId} />
      {slots.after.map((slot) => card(slot, slots.all.indexOf(slot)))}
    </Stack>
  );
}
