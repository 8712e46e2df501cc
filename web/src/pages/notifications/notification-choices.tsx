import { Alert, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { NotificationKind } from '../../../../src/notifications/notification-kinds.ts';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { usePreferences, useSavePreferences } from './notifications-api.ts';

const modes = ['immediately', 'digest', 'in-app'] as const;

/** The translation key of a kind (i18next reads dots as nesting, so `sae.reported` becomes `sae-reported`). */
const kindKey = (kind: NotificationKind) => `notifications.kinds.${kind.replace('.', '-')}`;

/** The person's language for notifications and, per kind, how it reaches them. */
export function NotificationChoices() {
  const { t } = useTranslation();
  const preferences = usePreferences();
  const save = useSavePreferences();
  if (preferences.isPending) return <Loader />;
  if (preferences.isError) return <Alert color="red">{errorMessage(t, preferences.error)}</Alert>;
  const data = preferences.data;
  return (
    <Stack mt="lg">
      <Title order={3}>{t('notifications.choices')}</Title>
      {!data.emailConfigured && <Alert color="yellow">{t('notifications.noEmail')}</Alert>}
      {save.isError && <Alert color="red">{errorMessage(t, save.error)}</Alert>}
      <Select
        label={t('notifications.language')}
        description={t('notifications.languageHelp')}
        w={260}
        allowDeselect={false}
        value={data.language}
        onChange={(value) => {
          if (value === 'en' || value === 'zh') save.mutate({ language: value });
        }}
        data={[
          { value: 'en', label: t('language.en') },
          { value: 'zh', label: t('language.zh') },
        ]}
      />
      <ScrollTable striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('notifications.kind')}</Table.Th>
            <Table.Th>{t('notifications.howTold')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.kinds.map((entry) => (
            <Table.Tr key={entry.kind}>
              <Table.Td>
                <Text size="sm">{t(kindKey(entry.kind))}</Text>
                {entry.locked && (
                  <Text size="xs" c="dimmed">
                    {t('notifications.locked')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Select
                  aria-label={`${t(kindKey(entry.kind))}: ${t('notifications.howTold')}`}
                  size="xs"
                  w={200}
                  allowDeselect={false}
                  disabled={entry.locked}
                  value={entry.mode}
                  onChange={(value) => {
                    const mode = modes.find((candidate) => candidate === value);
                    if (mode) save.mutate({ kinds: { [entry.kind]: mode } });
                  }}
                  data={modes.map((mode) => ({ value: mode, label: t(`notifications.mode.${mode}`) }))}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </Stack>
  );
}
