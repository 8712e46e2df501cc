import { Anchor, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCan } from '../../api/trial.ts';

/**
 * The trial report beside the data exports: the same /api/v1/report routes the Analysis page uses,
 * downloaded by the browser (which sends the session cookie) so a large PDF streams to disk.
 */
export function ReportCard() {
  const { t } = useTranslation();
  const can = useCan();
  if (!can('analysis.read')) return null;
  return (
    <Card withBorder padding="md" data-testid="export-report">
      <Stack gap="sm">
        <Title order={4}>{t('exports.report.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('exports.report.description')}{' '}
          <Anchor component={Link} to="/analysis">
            {t('exports.report.view')}
          </Anchor>
        </Text>
        <Group>
          {(['pdf', 'html'] as const).map((format) => (
            <Button
              key={format}
              component="a"
              href={`/api/v1/report?format=${format}`}
              download
              data-testid={`export-report-${format}`}
            >
              {t(`analysis.download.${format}`)}
            </Button>
          ))}
        </Group>
      </Stack>
    </Card>
  );
}
