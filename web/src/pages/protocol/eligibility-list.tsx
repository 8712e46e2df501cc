import { Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

export function EligibilityList({ protocol }: { protocol: Protocol }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh' ? 'zh' : 'en';
  return (
    <Stack>
      {(['inclusion', 'exclusion'] as const).map((kind) => (
        <Stack key={kind} gap="xs">
          <Title order={4}>{t(`protocolPage.${kind}`)}</Title>
          <ScrollTable withTableBorder striped fz="sm">
            <Table.Tbody>
              {protocol.eligibility[kind].map((criterion) => (
                <Table.Tr key={criterion.id}>
                  <Table.Td w={60}>{criterion.id}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{criterion.text[lang]}</Text>
                    <Text size="xs" c="dimmed">
                      <code>{criterion.rule}</code>
                      {criterion.origin === 'default' ? ` · ${t('protocolPage.defaultCriterion')}` : ''}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </ScrollTable>
        </Stack>
      ))}
    </Stack>
  );
}
