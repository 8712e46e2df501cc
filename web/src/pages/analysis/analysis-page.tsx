import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type ApiErrorBody } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { ByArmPanel } from './by-arm-panel.tsx';

type Format = 'html' | 'pdf' | 'json';

/** GET /api/v1/report in one format; an error answer becomes an ApiError with the server's message. */
async function fetchReport(format: Format): Promise<Response> {
  const response = await fetch(`/api/v1/report?format=${format}`, { credentials: 'same-origin' });
  if (!response.ok) {
    const text = await response.text();
    let body: ApiErrorBody = { error: 'internal', message: `HTTP ${response.status}` };
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && 'error' in parsed) body = parsed as ApiErrorBody;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

function saveBlob(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name the server gives (Content-Disposition), else trial-report-<date>.<format>. */
function fileNameOf(response: Response, format: Format): string {
  const given = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
  return given ?? `trial-report-${new Date().toISOString().slice(0, 10)}.${format}`;
}

/**
 * The trial report as the server renders it (self-contained HTML with inline SVG and CSS), shown in a
 * sandboxed frame (no scripts, no same-origin access), with downloads in HTML, PDF and JSON.
 */
export function AnalysisPage() {
  const { t } = useTranslation();
  const report = useQuery({
    queryKey: ['report', 'html'],
    queryFn: async () => (await fetchReport('html')).text(),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState<Format | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);

  const download = async (format: Format) => {
    setBusy(format);
    setDownloadError(null);
    try {
      if (format === 'html' && report.data !== undefined) {
        // The report on screen, with the same data cut.
        saveBlob(
          new Blob([report.data], { type: 'text/html;charset=utf-8' }),
          `trial-report-${new Date().toISOString().slice(0, 10)}.html`,
        );
      } else {
        const response = await fetchReport(format);
        saveBlob(await response.blob(), fileNameOf(response, format));
      }
    } catch (error) {
      setDownloadError(error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack h="calc(100vh - 56px - 2 * var(--mantine-spacing-md))">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{t('analysis.title')}</Title>
          <Text size="sm" c="dimmed">
            {t('analysis.intro')}
          </Text>
        </div>
        <Group gap="xs">
          <Button
            variant="default"
            onClick={() => {
              void report.refetch();
              // The results by arm are read from the same report: a new data cut for them too.
              void queryClient.invalidateQueries({ queryKey: ['report', 'json', 'by-arm'] });
            }}
            loading={report.isFetching}
            data-testid="report-refresh"
          >
            {t('analysis.refresh')}
          </Button>
          {(['html', 'pdf', 'json'] as const).map((format) => (
            <Button
              key={format}
              onClick={() => void download(format)}
              loading={busy === format}
              disabled={busy !== null && busy !== format}
              data-testid={`report-download-${format}`}
            >
              {t(`analysis.download.${format}`)}
            </Button>
          ))}
        </Group>
      </Group>
      {downloadError ? (
        <Alert color="red" withCloseButton onClose={() => setDownloadError(null)}>
          {t('analysis.downloadFailed')} {errorMessage(t, downloadError)}
        </Alert>
      ) : null}
      {busy === 'pdf' ? <Text size="sm">{t('analysis.pdfWait')}</Text> : null}
      <ByArmPanel />
      {report.isPending ? (
        <Group>
          <Loader size="sm" />
          <Text size="sm">{t('analysis.loading')}</Text>
        </Group>
      ) : report.isError ? (
        <Alert color="red">{errorMessage(t, report.error)}</Alert>
      ) : (
        <iframe
          title={t('analysis.frameTitle')}
          srcDoc={report.data}
          sandbox=""
          data-testid="report-frame"
          style={{
            flex: 1,
            width: '100%',
            minHeight: 480,
            border: '1px solid var(--mantine-color-gray-3)',
            background: 'white',
          }}
        />
      )}
    </Stack>
  );
}
