import { ScrollArea, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Protocol } from '../../../../src/protocol/schema.ts';

/** The schedule of activities: forms down, visits across; a timepoint mark says when around the dose. */
export function ScheduleGrid({ protocol }: { protocol: Protocol }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh' ? 'zh' : 'en';
  const visits = protocol.schedule.visits;
  const cell = (visit: Protocol['schedule']['visits'][number], formId: string): string => {
    const marks: string[] = [];
    if (visit.forms.includes(formId)) marks.push('●');
    for (const timepoint of visit.timepoints) {
      if (timepoint.forms.includes(formId))
        marks.push(`${timepoint.minutesFromDose > 0 ? '+' : ''}${timepoint.minutesFromDose}′`);
    }
    return marks.join(' ');
  };
  return (
    <ScrollArea>
      <Table withTableBorder withColumnBorders striped fz="xs" data-testid="schedule-grid">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('protocolPage.form')}</Table.Th>
            {visits.map((visit) => (
              <Table.Th key={visit.id} title={visit.name[lang]}>
                <div>{visit.name[lang]}</div>
                <Text size="xs" c="dimmed">
                  {t('protocolPage.day', { day: visit.day })}
                  {visit.repeat ? `–${visit.repeat.lastDay}` : ''} ·{' '}
                  {visit.window.before === 0 && visit.window.after === 0
                    ? '±0'
                    : `−${visit.window.before}/+${visit.window.after} ${t(`protocolPage.unit.${visit.window.unit}`)}`}
                </Text>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {protocol.forms.map((form) => (
            <Table.Tr key={form.id}>
              <Table.Td>{form.title[lang]}</Table.Td>
              {visits.map((visit) => (
                <Table.Td key={visit.id} ta="center">
                  {cell(visit, form.id)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
