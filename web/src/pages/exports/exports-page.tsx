import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Group,
  PasswordInput,
  Progress,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorMessage } from '../../api/session.ts';
import { useCan } from '../../api/trial.ts';
import { type DownloadProgress, downloadExport, formatBytes, type PrivacyChoice } from './export-download.ts';
import { ReportCard } from './report-card.tsx';

const sdtmDomains = ['dm', 'ds', 'sv', 'ex', 'ae', 'cm', 'mh', 'vs', 'lb', 'ts', 'ta', 'tv'] as const;

type ExportId = 'odm' | 'sdtm' | 'fhir' | 'redcap';

interface DownloadState {
  progress: DownloadProgress | null;
  error: string | null;
  done: string | null;
}

/** One export: its options, a download button, and progress while the file streams in. */
function ExportCard({
  id,
  privacy,
  request,
  children,
}: {
  id: ExportId;
  privacy: PrivacyChoice;
  request: () => { path: string; query: Record<string, string> };
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const [state, setState] = useState<DownloadState>({ progress: null, error: null, done: null });
  const running = state.progress !== null;
  const shortKey = privacy.dateShiftKey.length > 0 && privacy.dateShiftKey.length < 8;
  const start = async () => {
    setState({ progress: { bytes: 0, total: null }, error: null, done: null });
    try {
      const { path, query } = request();
      const result = await downloadExport(path, query, privacy, (progress) =>
        setState((current) => ({ ...current, progress })),
      );
      setState({
        progress: null,
        error: null,
        done: t('exports.done', { file: result.fileName, size: formatBytes(result.bytes) }),
      });
    } catch (error) {
      setState({ progress: null, error: errorMessage(t, error), done: null });
    }
  };
  const progress = state.progress;
  return (
    <Card withBorder padding="md" data-testid={`export-${id}`}>
      <Stack gap="sm">
        <Title order={4}>{t(`exports.${id}.title`)}</Title>
        <Text size="sm" c="dimmed">
          {t(`exports.${id}.description`)}
        </Text>
        {children}
        <Group>
          <Button onClick={() => void start()} loading={running} disabled={shortKey}>
            {t('exports.download')}
          </Button>
        </Group>
        {progress && (
          <Stack gap={4}>
            <Progress
              value={progress.total ? (100 * progress.bytes) / progress.total : 100}
              animated={!progress.total}
              striped={!progress.total}
            />
            <Text size="xs" c="dimmed">
              {t('exports.received', { size: formatBytes(progress.bytes) })}
            </Text>
          </Stack>
        )}
        {state.error && <Alert color="red">{state.error}</Alert>}
        {state.done && <Alert color="green">{state.done}</Alert>}
      </Stack>
    </Card>
  );
}

/** The Exports area: ODM, SDTM, FHIR and REDCap downloads with the privacy options they share. */
export function ExportsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const [includeIdentifiers, setIncludeIdentifiers] = useState(false);
  const [dateShiftKey, setDateShiftKey] = useState('');
  const [metadataOnly, setMetadataOnly] = useState(false);
  const [sdtmFormat, setSdtmFormat] = useState<'xpt' | 'csv'>('xpt');
  const [sdtmDomain, setSdtmDomain] = useState<string>('all');
  const [redcapPart, setRedcapPart] = useState<'all' | 'data' | 'dictionary'>('all');
  const privacy: PrivacyChoice = { includeIdentifiers, dateShiftKey };
  const shortKey = dateShiftKey.length > 0 && dateShiftKey.length < 8;

  return (
    <Stack>
      <Title order={2}>{t('exports.title')}</Title>
      <Text c="dimmed">{t('exports.intro')}</Text>
      {can('crf.import') && (
        <Anchor component={Link} to="/exports/import" data-testid="import-link">
          {t('dataImport.link')}
        </Anchor>
      )}
      <Card withBorder padding="md">
        <Stack gap="sm">
          <Title order={4}>{t('exports.privacy.title')}</Title>
          <Checkbox
            label={t('exports.privacy.includeIdentifiers')}
            description={t('exports.privacy.includeIdentifiersHint')}
            checked={includeIdentifiers}
            onChange={(event) => setIncludeIdentifiers(event.currentTarget.checked)}
          />
          <PasswordInput
            label={t('exports.privacy.dateShiftKey')}
            description={t('exports.privacy.dateShiftKeyHint')}
            value={dateShiftKey}
            onChange={(event) => setDateShiftKey(event.currentTarget.value)}
            error={shortKey ? t('exports.privacy.keyTooShort') : undefined}
            autoComplete="off"
            maw={420}
          />
          <Text size="xs" c="dimmed">
            {t('exports.audited')}
          </Text>
        </Stack>
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ExportCard
          id="odm"
          privacy={privacy}
          request={() => ({ path: '/exports/odm', query: { metadataOnly: String(metadataOnly) } })}
        >
          <Checkbox
            label={t('exports.odm.metadataOnly')}
            checked={metadataOnly}
            onChange={(event) => setMetadataOnly(event.currentTarget.checked)}
          />
        </ExportCard>
        <ExportCard
          id="sdtm"
          privacy={privacy}
          request={() => ({
            path: sdtmDomain === 'all' ? '/exports/sdtm' : `/exports/sdtm/${sdtmDomain}`,
            query: { format: sdtmFormat },
          })}
        >
          <SegmentedControl
            value={sdtmFormat}
            onChange={(value) => setSdtmFormat(value as 'xpt' | 'csv')}
            data={[
              { value: 'xpt', label: t('exports.sdtm.xpt') },
              { value: 'csv', label: t('exports.sdtm.csv') },
            ]}
          />
          <Select
            label={t('exports.sdtm.domain')}
            value={sdtmDomain}
            onChange={(value) => setSdtmDomain(value ?? 'all')}
            allowDeselect={false}
            data={[
              { value: 'all', label: t('exports.sdtm.allDomains') },
              ...sdtmDomains.map((code) => ({ value: code, label: code.toUpperCase() })),
            ]}
            maw={320}
          />
        </ExportCard>
        <ExportCard id="fhir" privacy={privacy} request={() => ({ path: '/fhir/Bundle', query: {} })} />
        <ExportCard
          id="redcap"
          privacy={privacy}
          request={() => ({ path: '/exports/redcap', query: { part: redcapPart } })}
        >
          <SegmentedControl
            value={redcapPart}
            onChange={(value) => setRedcapPart(value as 'all' | 'data' | 'dictionary')}
            data={[
              { value: 'all', label: t('exports.redcap.all') },
              { value: 'data', label: t('exports.redcap.data') },
              { value: 'dictionary', label: t('exports.redcap.dictionary') },
            ]}
          />
        </ExportCard>
        <ReportCard />
      </SimpleGrid>
    </Stack>
  );
}
