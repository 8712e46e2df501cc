import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { AuditTrail } from '../../components/audit-trail.tsx';

/** The whole study's trail; ?entityType=&entityId= (or ?actor=) opens one record's or one user's. */
export function AuditPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const fixed = Object.fromEntries(
    ['entityType', 'entityId', 'participantId', 'actor'].flatMap((key) => {
      const value = params.get(key);
      return value ? [[key, value]] : [];
    }),
  );
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('audit.verifyHint')}
      </Text>
      <AuditTrail key={params.toString()} fixed={fixed} />
    </Stack>
  );
}
