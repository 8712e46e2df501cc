import { Alert, Button, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { errorMessage } from '../../api/session.ts';
import { useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatWallClock } from '../../format.ts';
import { type DoseSchedule, useDoseSchedule, useParticipants } from '../safety/safety-api.ts';
import { DoseForm } from './dose-form.tsx';
import { ComplianceText, DoseBadge, DosingOverviewTable } from './dosing-overview.tsx';
import { ReadingFlags } from './reading-flags.tsx';
import { VitalsCard, type VitalsSlot } from './vitals-card.tsx';

/** The dose as recorded, and the flags that belong to no vitals card of the day (bedside observations). */
function DoseRecorded({
  schedule,
  visitId,
  readings,
}: {
  schedule: DoseSchedule;
  visitId: string;
  readings: string[];
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const administration = schedule.doses.find((dose) => dose.visitId === visitId)?.administration;
  if (!administration) return null;
  return (
    <Stack>
      <Alert color="green" data-testid="dose-recorded">
        <Text size="sm">{t('dosing.recorded', { vial: administration.vialNumber ?? '—' })}</Text>
        {administration.startedLocal && (
          <Text size="sm">
            {t('dosing.doseDetails', {
              started: formatWallClock(administration.startedLocal, language, schedule.timeZone),
              ended: formatWallClock(administration.endedLocal, language, schedule.timeZone),
              volume: administration.volumeMl ?? '—',
            })}
          </Text>
        )}
      </Alert>
      <ReadingFlags
        participantId={schedule.participantId}
        administration={administration}
        flags={administration.flags.filter((flag) => !flag.source || !readings.includes(flag.source))}
        timeZone={schedule.timeZone}
      />
    </Stack>
  );
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
          <ScrollTable minWidth={480} withTableBorder>
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
          </ScrollTable>
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

/** The timepoints of a dose visit that list the dose-vitals form, from the protocol: before the dose, then after it. */
function vitalsSlots(protocol: Protocol, visitId: string, language: 'en' | 'zh') {
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  const formId = protocol.doseVitals?.form;
  const slots = (visit?.timepoints ?? [])
    .filter((timepoint) => formId !== undefined && timepoint.forms.includes(formId))
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
  const dose = schedule.doses.find((entry) => entry.visitId === visitId);
  const administration = dose?.administration;
  // Each reading's flags sit in its own card, once, however many thresholds the reading crossed.
  const card = (slot: VitalsSlot, index: number) => (
    <VitalsCard
      key={slot.visitKey}
      protocol={protocol}
      participantId={schedule.participantId}
      slot={slot}
      earlier={slots.all.slice(0, index)}
      timeZone={schedule.timeZone}
    >
      {administration && (
        <ReadingFlags
          participantId={schedule.participantId}
          administration={administration}
          flags={administration.flags.filter((flag) => flag.source === slot.visitKey)}
          timeZone={schedule.timeZone}
        />
      )}
    </VitalsCard>
  );
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
      <DoseRecorded schedule={schedule} visitId={visitId} readings={slots.all.map((slot) => slot.visitKey)} />
      {slots.after.map((slot) => card(slot, slots.all.indexOf(slot)))}
    </Stack>
  );
}
