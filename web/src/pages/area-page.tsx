import { Alert, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** An area of the navigation whose features come in a later release: says so plainly. */
export function AreaPage({ area }: { area: string }) {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={2}>{t(`nav.${area}`)}</Title>
      <Alert color="gray">{t('area.notYet')}</Alert>
    </Stack>
  );
}
