import { Alert, Button, Checkbox, FileInput, Group, List, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportResult } from '../../../../src/product/product.schema.ts';
import { ApiError, apiUpload } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';

type BadRow = ImportResult['badRows'][number];

function BadRows({ rows, total }: { rows: BadRow[]; total: number }) {
  const { t } = useTranslation();
  return (
    <>
      <List size="sm" data-testid="bad-rows">
        {rows.map((row) => (
          <List.Item key={row.line}>
            {t('product.import.badRow', { line: row.line, message: row.message })}
          </List.Item>
        ))}
      </List>
      {total > rows.length && (
        <Text size="sm">{t('product.import.moreBadRows', { count: total - rows.length })}</Text>
      )}
    </>
  );
}

function Summary({ result }: { result: ImportResult }) {
  const { t } = useTranslation();
  const gaps = result.excursions.filter((found) => found.kind === 'data_gap').length;
  return (
    <Alert color={result.rowsBad > 0 ? 'orange' : 'green'} data-testid="import-result">
      <Text size="sm">
        {t('product.import.done', {
          imported: result.rowsImported,
          read: result.rowsRead,
          present: result.rowsDuplicate,
          bad: result.rowsBad,
        })}
      </Text>
      <Text size="sm">
        {t('product.import.found', { excursions: result.excursions.length - gaps, gaps })}
      </Text>
      {result.rowsBad > 0 && (
        <>
          <Text size="sm">{t('product.import.skipped')}</Text>
          <BadRows rows={result.badRows} total={result.rowsBad} />
        </>
      )}
    </Alert>
  );
}

function Refusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const details = error instanceof ApiError ? error.body.details : undefined;
  if (!details?.badRows?.length) return <Alert color="red">{errorMessage(t, error)}</Alert>;
  return (
    <Alert color="red" title={t('product.import.refused')} data-testid="import-refused">
      <BadRows rows={details.badRows} total={details.rowsBad ?? details.badRows.length} />
      <Text size="sm">{t('product.import.refusedHint')}</Text>
    </Alert>
  );
}

/**
 * Uploads a data logger's CSV into a unit's log: all or nothing unless "skip bad rows" is ticked, then
 * shows how many readings were stored, already present and bad, and what was found.
 */
export function TemperatureImport({ unitId, onImported }: { unitId: string; onImported: () => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [skipBadRows, setSkipBadRows] = useState(false);
  const upload = useMutation({
    mutationFn: (chosen: File) =>
      apiUpload<ImportResult>(
        `/product/storage-units/${unitId}/temperature-imports?fileName=${encodeURIComponent(chosen.name.slice(0, 255))}&skipBadRows=${skipBadRows}`,
        chosen,
        'text/csv',
      ),
    onSuccess: onImported,
  });
  return (
    <Stack gap="xs">
      <Group align="end">
        <FileInput
          label={t('product.import.file')}
          accept=".csv,text/csv,text/plain"
          value={file}
          onChange={(chosen) => {
            setFile(chosen);
            upload.reset();
          }}
          w={320}
          data-testid="logger-file"
        />
        <Checkbox
          label={t('product.import.skipBadRows')}
          checked={skipBadRows}
          onChange={(event) => setSkipBadRows(event.currentTarget.checked)}
          mb={8}
        />
        <Button disabled={!file} loading={upload.isPending} onClick={() => file && upload.mutate(file)}>
          {t('product.import.submit')}
        </Button>
      </Group>
      {upload.isSuccess && <Summary result={upload.data} />}
      {upload.isError && <Refusal error={upload.error} />}
    </Stack>
  );
}
