import { Alert, Badge, Button, Group, Loader, Table, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useDateTimeBySite } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { type DosingOverview, useDosingOverview } from '../safety/safety-api.ts';

export const stateColor = {
  given: 'green',
  interrupted: 'orange',
  'not-given': 'gray',
  missed: 'red',
  due: 'blue',
  upcoming: 'gray',
} as const;

type Compliance = DosingOverview['totals'];

/** Compliance in one line: given of due, and what went wrong counted apart. */
export function ComplianceText({ compliance }: { compliance: Compliance }) {
  const { t } = useTranslation();
  const parts = [
    t('dosing.compliance', { given: compliance.given, expected: compliance.expected }),
    compliance.percent === null ? null : `(${compliance.percent}%)`,
    compliance.missed ? t('dosing.missedCount', { count: compliance.missed }) : null,
    compliance.delayed ? t('dosing.delayedCount', { count: compliance.delayed }) : null,
    compliance.early ? t('dosing.earlyCount', { count: compliance.early }) : null,
    compliance.interrupted ? t('dosing.interruptedCount', { count: compliance.interrupted }) : null,
    compliance.notGiven ? t('dosing.notGivenCount', { count: compliance.notGiven }) : null,
  ];
  return <Text data-testid="compliance">{parts.filter(Boolean).join(' · ')}</Text>;
}

/** A dose's state, with "delayed" or "early" when it was given outside its window. */
export function DoseBadge({ state, timing }: { state: keyof typeof stateColor; timing: string | null }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={stateColor[state]}>{t(`dosing.states.${state}`)}</Badge>
      {timing && timing !== 'on-time' && (
        <Badge color={timing === 'late' ? 'orange' : 'yellow'} variant="light">
          {t(`dosing.timing.${timing}`)}
        </Badge>
      )}
    </Group>
  );
}

/** Every enrolled participant: each dose's state (missed and delayed stand out) and compliance. */
export function DosingOverviewTable({ onOpen }: { onOpen: (participantId: string) => void }) {
  const { t } = useTranslation();
  const dateTime = useDateTimeBySite();
  const overview = useDosingOverview();
  if (overview.isPending) return <Loader />;
  if (overview.isError) return <Alert color="red">{errorMessage(t, overview.error)}</Alert>;
  const { participants, totals } = overview.data;
  if (participants.length === 0) return <Text c="dimmed">{t('dosing.noneEnrolled')}</Text>;
  const doseNumbers = [
    ...new Set(participants.flatMap((entry) => entry.doses.map((dose) => dose.doseNumber))),
  ];
  return (
    <>
      <ComplianceText compliance={totals} />
      <ScrollTable withTableBorder data-testid="dosing-overview">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('dosing.participant')}</Table.Th>
            {doseNumbers.map((number) => (
              <Table.Th key={number}>{t('dosing.doseN', { number })}</Table.Th>
            ))}
            <Table.Th>{t('dosing.complianceTitle')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {participants.map((entry) => (
            <Table.Tr key={entry.participantId} data-testid="overview-row">
              <Table.Td>{entry.participantLabel}</Table.Td>
              {doseNumbers.map((number) => {
                const dose = entry.doses.find((candidate) => candidate.doseNumber === number);
                return (
                  <Table.Td key={number}>
                    {dose && (
                      <Tooltip label={t('dosing.windowCloses', { at: dateTime(dose.latest, entry.siteId) })}>
                        <div>
                          <DoseBadge state={dose.state} timing={dose.timing} />
                        </div>
                      </Tooltip>
                    )}
                  </Table.Td>
                );
              })}
              <Table.Td>
                {entry.compliance.percent === null ? '—' : `${entry.compliance.percent}%`}
                {entry.compliance.missed > 0 && (
                  <Text size="xs" c="red">
                    {t('dosing.missedCount', { count: entry.compliance.missed })}
                  </Text>
                )}
                {entry.compliance.delayed > 0 && (
                  <Text size="xs" c="orange">
                    {t('dosing.delayedCount', { count: entry.compliance.delayed })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Button size="xs" variant="light" onClick={() => onOpen(entry.participantId)}>
                  {t('dosing.open')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </>
  );
}
