import { Badge, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Protocol, ProtocolItem } from '../../../../src/protocol/schema.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

function choicesOf(protocol: Protocol, item: ProtocolItem, lang: 'en' | 'zh'): string {
  const list = item.choices ?? protocol.codeLists.find((entry) => entry.id === item.codeList)?.items ?? [];
  return list.map((choice) => `${choice.code} = ${choice.label[lang]}`).join('; ');
}

/** Each form's items as the site will meet them: type, unit, range, choices, skip logic and checks. */
export function FormPreview({ protocol }: { protocol: Protocol }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh' ? 'zh' : 'en';
  const [formId, setFormId] = useState(protocol.forms[0]?.id ?? '');
  const form = protocol.forms.find((entry) => entry.id === formId);
  return (
    <Stack>
      <Select
        label={t('protocolPage.form')}
        data={protocol.forms.map((entry) => ({ value: entry.id, label: entry.title[lang] }))}
        value={formId}
        onChange={(value) => setFormId(value ?? '')}
        allowDeselect={false}
        w={360}
      />
      {form && (
        <ScrollTable withTableBorder striped fz="sm" data-testid="form-preview">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('protocolPage.item')}</Table.Th>
              <Table.Th>{t('protocolPage.type')}</Table.Th>
              <Table.Th>{t('protocolPage.rules')}</Table.Th>
              <Table.Th>SDTM</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {form.items.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td>
                  <Text fw={500}>
                    {item.label[lang]}
                    {item.required && ' *'}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {form.id}.{item.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Badge variant="light">{t(`protocolPage.types.${item.type}`)}</Badge>
                    {item.unit && <Badge variant="outline">{item.unit}</Badge>}
                  </Group>
                  {item.range && (
                    <Text size="xs">
                      {item.range.low ?? '−∞'} – {item.range.high ?? '∞'}
                    </Text>
                  )}
                  {item.plausible && (
                    <Text size="xs" c="orange.8">
                      {t('crf.plausible', {
                        range: `${item.plausible.low ?? '−∞'}–${item.plausible.high ?? '∞'}`,
                      })}
                    </Text>
                  )}
                  {(item.choices || item.codeList) && (
                    <Text size="xs">{choicesOf(protocol, item, lang)}</Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {item.showIf && <Text size="xs">{t('protocolPage.showIf', { rule: item.showIf })}</Text>}
                  {item.derivation && (
                    <Text size="xs">{t('protocolPage.derived', { rule: item.derivation })}</Text>
                  )}
                  {item.checks.map((check) => (
                    <Text size="xs" key={check.rule} c={check.severity === 'hard' ? 'red' : 'orange'}>
                      {t(`protocolPage.severity.${check.severity}`)}: {check.message[lang]}{' '}
                      <code>{check.rule}</code>
                    </Text>
                  ))}
                </Table.Td>
                <Table.Td>
                  <Text size="xs">
                    {item.sdtm
                      ? `${item.sdtm.domain}.${item.sdtm.variable}${item.sdtm.testCode ? ` (${item.sdtm.testCode})` : ''}`
                      : ''}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Stack>
  );
}
