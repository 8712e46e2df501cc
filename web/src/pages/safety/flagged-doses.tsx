import { Anchor, List, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useLanguage, useProtocol } from '../../api/trial.ts';
import { readableVisit } from '../../readable.ts';
import type { Dashboard } from './safety-api.ts';

/**
 * Doses whose readings raised inhalation flags and from which no adverse event is recorded yet: the
 * safety officer decides on each, from the dose's page where "record an adverse event" is pre-filled.
 */
export function FlaggedDoses({ doses }: { doses: Dashboard['flaggedDoses'] }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const protocol = useProtocol().data?.protocol;
  // A protocol that watches for no inhalation events (no inhaled regimen) has no flags to decide on.
  if (protocol && !protocol.safety.inhalationEvents) return null;
  return (
    <Stack gap="xs">
      <Title order={4}>{t('words.flags.dashboardTitle')}</Title>
      {doses.length === 0 ? (
        <Text c="dimmed">{t('words.flags.dashboardNone')}</Text>
      ) : (
        <Table withTableBorder data-testid="flagged-doses">
          <Table.Tbody>
            {doses.map((dose) => (
              <Table.Tr key={dose.administrationId} data-testid="flagged-dose">
                <Table.Td>
                  <Anchor component={Link} to={`/participants/${dose.participantId}`}>
                    {dose.participantLabel}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  {t('words.flags.dose', {
                    number: dose.doseNumber,
                    visit: readableVisit(protocol, dose.visitId, t, language),
                  })}
                </Table.Td>
                <Table.Td>
                  <List size="sm">
                    {dose.flags.map((flag) => (
                      <List.Item key={`${flag.kind}-${flag.source ?? ''}`}>
                        {flag.message[language]}
                      </List.Item>
                    ))}
                  </List>
                </Table.Td>
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={`/safety/dosing?participant=${dose.participantId}&visit=${encodeURIComponent(dose.visitId)}`}
                  >
                    {t('words.flags.recordAe')}
                  </Anchor>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
