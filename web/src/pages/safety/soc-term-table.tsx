import { Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Dashboard } from '../../../../src/safety/safety.schema.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

/** Participants with events by preferred term within system organ class, the verbatims under each term. */
export function SocTermTable({ groups }: { groups: Dashboard['bySocAndTerm'] }) {
  const { t } = useTranslation();
  if (groups.length === 0) return null;
  return (
    <>
      <Title order={4}>{t('safety.bySocAndTerm')}</Title>
      <ScrollTable withTableBorder data-testid="soc-terms">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('safety.socTerm')}</Table.Th>
            <Table.Th>{t('safety.participantsWithEvent')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {groups.flatMap((group) => [
            <Table.Tr key={`soc-${group.soc ?? ''}`}>
              <Table.Td fw={600}>{group.soc ?? t('safety.uncoded')}</Table.Td>
              <Table.Td fw={600}>{group.participants}</Table.Td>
            </Table.Tr>,
            ...group.terms.map((term) => (
              <Table.Tr key={`term-${group.soc ?? ''}-${term.term}`}>
                <Table.Td pl="xl">
                  {term.term}
                  {group.soc && term.verbatims.length > 0 && (
                    <Text size="xs" c="dimmed">
                      {term.verbatims.join('; ')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{term.participants}</Table.Td>
              </Table.Tr>
            )),
          ])}
        </Table.Tbody>
      </ScrollTable>
    </>
  );
}
