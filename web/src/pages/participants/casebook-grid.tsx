import { Alert, Box, Group, Loader, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formSlots } from '../../../../src/participants/schedule.ts';
import {
  apiErrorText,
  type CasebookCell,
  type CellState,
  formPagePath,
  type ParticipantDetail,
  useCasebook,
  useLanguage,
  useProtocol,
} from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { cellColour } from '../../components/status-badge.tsx';

const states: Array<CellState | 'not_started'> = [
  'not_started',
  'incomplete',
  'complete',
  'queried',
  'verified',
  'signed',
  'locked',
];

/** A severity order, so a repeating slot's cell shows its worst instance. */
const rank: Record<CellState, number> = {
  queried: 6,
  incomplete: 5,
  complete: 4,
  verified: 3,
  signed: 2,
  locked: 1,
};

/**
 * The visit column stays in place while the grid scrolls sideways, so a cell far to the right still says
 * which visit it belongs to. The line on its right is a shadow: a collapsed border would scroll away.
 */
const stickyColumn = {
  position: 'sticky',
  left: 0,
  zIndex: 1,
  background: 'var(--mantine-color-body)',
  boxShadow: 'inset -1px 0 0 var(--table-border-color)',
} as const;

/**
 * The casebook: the schedule's visits and timepoints (rows) by forms (columns), each cell coloured by the
 * state of its saved record. A cell opens the form.
 */
export function CasebookGrid({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const protocol = useProtocol();
  const casebook = useCasebook(participant.participantId);
  if (protocol.isPending || casebook.isPending) return <Loader />;
  if (protocol.isError) return <Alert color="red">{apiErrorText(t, language, protocol.error)}</Alert>;
  if (casebook.isError) return <Alert color="red">{apiErrorText(t, language, casebook.error)}</Alert>;
  const { protocol: definition } = protocol.data;
  const slots = formSlots(definition);
  const formIds = definition.forms
    .map((form) => form.id)
    .filter((id) => slots.some((slot) => slot.formId === id));
  const rows: Array<{ visitKey: string; label: string; day: number }> = [];
  for (const visit of definition.schedule.visits) {
    if (visit.forms.length) rows.push({ visitKey: visit.id, label: visit.name[language], day: visit.day });
    for (const timepoint of visit.timepoints) {
      rows.push({
        visitKey: `${visit.id}/${timepoint.id}`,
        label: `${visit.name[language]} · ${timepoint.name[language]}`,
        day: visit.day,
      });
    }
  }
  const cellsAt = (visitKey: string, formId: string): CasebookCell[] =>
    casebook.data.cells.filter((cell) => cell.visitKey === visitKey && cell.formId === formId);
  return (
    <Box>
      <Group justify="space-between" mb="xs">
        <Title order={3}>{t('casebook.title')}</Title>
        <Group gap={6} aria-label={t('casebook.legend')}>
          {states.map((state) => (
            <Group key={state} gap={4}>
              <Box w={14} h={14} bg={cellColour[state]} style={{ borderRadius: 3 }} />
              <Text size="xs">{t(`cellState.${state}`)}</Text>
            </Group>
          ))}
        </Group>
      </Group>
      <ScrollTable withTableBorder withColumnBorders data-testid="casebook-grid" minWidth={900}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th miw={{ base: 120, sm: 200 }} style={stickyColumn} data-testid="casebook-visit-heading">
              {t('casebook.visit')}
            </Table.Th>
            {formIds.map((formId) => (
              <Table.Th key={formId}>
                <Text size="xs" fw={600}>
                  {definition.forms.find((form) => form.id === formId)?.title[language] ?? formId}
                </Text>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.visitKey}>
              <Table.Td style={stickyColumn} data-testid="casebook-visit">
                <Text size="xs">{row.label}</Text>
              </Table.Td>
              {formIds.map((formId) => {
                const slot = slots.find(
                  (entry) => entry.visitKey === row.visitKey && entry.formId === formId,
                );
                if (!slot) return <Table.Td key={formId} />;
                const cells = cellsAt(row.visitKey, formId);
                const worst = cells.reduce<CellState | null>(
                  (acc, cell) => (acc === null || rank[cell.state] > rank[acc] ? cell.state : acc),
                  null,
                );
                const state = worst ?? 'not_started';
                const instance = slot.instances === 'per-day' ? row.day : 1;
                const formTitle =
                  definition.forms.find((form) => form.id === formId)?.title[language] ?? formId;
                return (
                  <Table.Td key={formId} p={2}>
                    <UnstyledButton
                      component={Link}
                      to={formPagePath(participant.participantId, row.visitKey, formId, instance)}
                      bg={cellColour[state]}
                      data-testid={`cell-${row.visitKey}-${formId}`}
                      data-state={state}
                      aria-label={`${row.label} · ${formTitle}: ${t(`cellState.${state}`)}`}
                      style={{ display: 'block', borderRadius: 4, minHeight: 26, padding: '2px 6px' }}
                    >
                      <Text size="xs">
                        {t(`cellState.${state}`)}
                        {cells.length > 1 ? ` ×${cells.length}` : ''}
                      </Text>
                    </UnstyledButton>
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </Box>
  );
}
