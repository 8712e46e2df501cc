import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  FileInput,
  Group,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportFormat, ImportResult } from '../../../../src/import/import.schema.ts';
import { ApiError, apiUpload, queryText } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { useCan, useLanguage } from '../../api/trial.ts';

const MAPPING_KEY = 'exotrial.import.mapping';
const contentTypes: Record<ImportFormat, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odm: 'application/xml',
  redcap: 'text/csv',
};

function formatOfName(name: string): ImportFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.xml') || lower.endsWith('.odm')) return 'odm';
  return 'csv';
}

interface Choices {
  format: ImportFormat | 'auto';
  skipBadRows: boolean;
  overrideLocked: string;
  mapping: string;
}

const shown = (value: unknown) => (value === null || value === undefined ? '—' : JSON.stringify(value));

function Problems({ result }: { result: Pick<ImportResult, 'problems' | 'problemCount'> }) {
  const { t } = useTranslation();
  const language = useLanguage();
  if (result.problemCount === 0) return null;
  return (
    <Stack gap={4}>
      <Title order={5}>{t('dataImport.problems', { count: result.problemCount })}</Title>
      <Table striped withTableBorder data-testid="import-problems">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('dataImport.line')}</Table.Th>
            <Table.Th>{t('dataImport.participant')}</Table.Th>
            <Table.Th>{t('dataImport.column')}</Table.Th>
            <Table.Th>{t('dataImport.problem')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.problems.map((problem) => (
            <Table.Tr key={`${problem.line}-${problem.column ?? ''}-${problem.message}`}>
              <Table.Td>{problem.line}</Table.Td>
              <Table.Td>{[problem.participant, problem.visit].filter(Boolean).join(' · ')}</Table.Td>
              <Table.Td>{problem.column ?? ''}</Table.Td>
              <Table.Td>{problem.messages?.[language] ?? problem.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Changes({ result }: { result: ImportResult }) {
  const { t } = useTranslation();
  if (result.changeCount === 0) return <Text size="sm">{t('dataImport.noChanges')}</Text>;
  return (
    <Stack gap={4}>
      <Title order={5}>{t('dataImport.changes', { count: result.changeCount })}</Title>
      <Table striped withTableBorder data-testid="import-changes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('dataImport.line')}</Table.Th>
            <Table.Th>{t('dataImport.participant')}</Table.Th>
            <Table.Th>{t('dataImport.item')}</Table.Th>
            <Table.Th>{t('dataImport.old')}</Table.Th>
            <Table.Th>{t('dataImport.new')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.changes.map((change) => (
            <Table.Tr
              key={`${change.participant}-${change.visit}-${change.form}-${change.instance}-${change.item}`}
            >
              <Table.Td>{change.line}</Table.Td>
              <Table.Td>{`${change.participant} · ${change.visit}`}</Table.Td>
              <Table.Td>{`${change.form}.${change.item}`}</Table.Td>
              <Table.Td>{shown(change.old)}</Table.Td>
              <Table.Td>{shown(change.new)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Summary({ result }: { result: ImportResult }) {
  const { t } = useTranslation();
  const key = result.dryRun ? 'dataImport.dryRunSummary' : 'dataImport.importedSummary';
  return (
    <Alert color={result.problemCount > 0 ? 'orange' : 'green'} data-testid="import-summary">
      <Text size="sm">
        {t(key, {
          file: result.fileName,
          rows: result.rows,
          entered: result.valuesEntered,
          changed: result.valuesChanged,
          unchanged: result.valuesUnchanged,
          queries: result.queriesOpened,
        })}
      </Text>
      {result.badLines.length > 0 && (
        <Text size="sm">
          {t(result.dryRun ? 'dataImport.badLinesDry' : 'dataImport.skippedLines', {
            lines: result.badLines.join(', '),
          })}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        sha-256 {result.sha256}
      </Text>
    </Alert>
  );
}

function Refusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const details = error instanceof ApiError ? error.body.details : undefined;
  return (
    <Alert color="red" title={t('dataImport.refused')} data-testid="import-refused">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(t, error)}</Text>
        {details?.problems && (
          <Problems
            result={{
              problems: details.problems,
              problemCount: details.problemCount ?? details.problems.length,
            }}
          />
        )}
      </Stack>
    </Alert>
  );
}

/**
 * The data manager's import of form data from a file: choose it, check it (a dry run that shows every
 * problem and every change), then import it. The mapping of column names is kept in this browser.
 */
export function ImportPage() {
  const { t } = useTranslation();
  const can = useCan();
  const [file, setFile] = useState<File | null>(null);
  const [choices, setChoices] = useState<Choices>({
    format: 'auto',
    skipBadRows: false,
    overrideLocked: '',
    mapping: localStorage.getItem(MAPPING_KEY) ?? '',
  });
  const send = (dryRun: boolean) => {
    if (!file) throw new Error('no file chosen');
    const format = choices.format === 'auto' ? formatOfName(file.name) : choices.format;
    if (choices.mapping.trim()) localStorage.setItem(MAPPING_KEY, choices.mapping);
    const query = queryText({
      fileName: file.name.slice(0, 255),
      format,
      dryRun,
      skipBadRows: choices.skipBadRows,
      overrideLocked: choices.overrideLocked.trim(),
      mapping: choices.mapping.trim(),
    });
    return apiUpload<ImportResult>(`/imports/form-data?${query}`, file, contentTypes[format]);
  };
  const check = useMutation({ mutationFn: () => send(true) });
  const run = useMutation({ mutationFn: () => send(false) });
  const change = (next: Partial<Choices>) => {
    setChoices((current) => ({ ...current, ...next }));
    check.reset();
    run.reset();
  };
  if (!can('crf.import')) return <Alert color="gray">{t('dataImport.notAllowed')}</Alert>;
  const checked = check.data;
  return (
    <Stack>
      <Title order={2}>{t('dataImport.title')}</Title>
      <Text c="dimmed">{t('dataImport.intro')}</Text>
      <Card withBorder padding="md">
        <Stack gap="sm">
          <Group align="end">
            <FileInput
              label={t('dataImport.file')}
              accept=".csv,.xlsx,.xml,text/csv,application/xml"
              value={file}
              onChange={(chosen) => {
                setFile(chosen);
                check.reset();
                run.reset();
              }}
              w={320}
              data-testid="import-file"
            />
            <Select
              label={t('dataImport.format')}
              data={[
                { value: 'auto', label: t('dataImport.formatAuto') },
                { value: 'csv', label: 'CSV' },
                { value: 'xlsx', label: 'XLSX' },
                { value: 'odm', label: 'CDISC ODM 1.3.2' },
                { value: 'redcap', label: t('dataImport.formatRedcap') },
              ]}
              value={choices.format}
              onChange={(value) => change({ format: (value as Choices['format'] | null) ?? 'auto' })}
              allowDeselect={false}
              w={200}
            />
            <Anchor href="/api/v1/imports/form-data/template" download mb={8}>
              {t('dataImport.template')}
            </Anchor>
          </Group>
          <Textarea
            label={t('dataImport.mapping')}
            description={t('dataImport.mappingHint')}
            value={choices.mapping}
            onChange={(event) => change({ mapping: event.currentTarget.value })}
            autosize
            minRows={2}
            ff="monospace"
          />
          <Checkbox
            label={t('dataImport.skipBadRows')}
            checked={choices.skipBadRows}
            onChange={(event) => change({ skipBadRows: event.currentTarget.checked })}
          />
          <TextInput
            label={t('dataImport.overrideLocked')}
            description={t('dataImport.overrideLockedHint')}
            value={choices.overrideLocked}
            onChange={(event) => change({ overrideLocked: event.currentTarget.value })}
            maw={520}
          />
          <Group>
            <Button
              disabled={!file}
              loading={check.isPending}
              onClick={() => check.mutate()}
              variant="default"
            >
              {t('dataImport.check')}
            </Button>
            <Button
              disabled={!checked || (checked.problemCount > 0 && !choices.skipBadRows) || run.isSuccess}
              loading={run.isPending}
              onClick={() => run.mutate()}
            >
              {t('dataImport.confirm')}
            </Button>
          </Group>
        </Stack>
      </Card>
      {check.isError && <Refusal error={check.error} />}
      {run.isError && <Refusal error={run.error} />}
      {run.data && <Summary result={run.data} />}
      {checked && !run.data && (
        <Stack>
          <Summary result={checked} />
          <Problems result={checked} />
          <Changes result={checked} />
        </Stack>
      )}
    </Stack>
  );
}
