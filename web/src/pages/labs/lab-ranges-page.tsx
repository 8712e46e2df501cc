import './labs.strings.ts';
import {
  Alert,
  Button,
  FileButton,
  Group,
  Loader,
  NativeSelect,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiErrorText, useCan, useLanguage, useStudySites } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { useImportRanges, useLabRanges } from './labs-api.ts';

const bound = (value: number | null) => (value === null ? '—' : String(value));

/** A site's laboratory reference ranges, and the import of a new sheet for the data manager. */
export function LabRangesPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const sites = useStudySites();
  const [chosen, setChosen] = useState<string | null>(null);
  const siteId = chosen ?? sites.data?.[0]?.siteId ?? null;
  const ranges = useLabRanges(siteId);
  const upload = useImportRanges(siteId ?? '');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const importFile = async (file: File | null) => {
    if (!file) return;
    setMessage(null);
    try {
      const result = await upload.mutateAsync({ csv: await file.text(), fileName: file.name });
      setMessage({ ok: true, text: t('labs.imported', { count: result.ranges.length }) });
    } catch (error) {
      setMessage({ ok: false, text: apiErrorText(t, language, error) });
    }
  };
  const labels = new Map((ranges.data?.items ?? []).map((item) => [item.key, item.label[language]]));
  return (
    <Stack>
      <Title order={2}>{t('labs.rangesTitle')}</Title>
      <Text c="dimmed">{t('labs.rangesIntro')}</Text>
      <Group align="flex-end">
        <NativeSelect
          label={t('labs.site')}
          value={siteId ?? ''}
          onChange={(event) => setChosen(event.currentTarget.value)}
          data={(sites.data ?? []).map((site) => ({ value: site.siteId, label: site.name[language] }))}
        />
        {can('lab.ranges') && siteId && (
          <FileButton onChange={importFile} accept=".csv,text/csv">
            {(props) => (
              <Button {...props} loading={upload.isPending}>
                {t('labs.import')}
              </Button>
            )}
          </FileButton>
        )}
      </Group>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} data-testid="lab-ranges-message">
          {message.text}
        </Alert>
      )}
      {ranges.isPending && siteId && <Loader />}
      {ranges.isError && <Alert color="red">{apiErrorText(t, language, ranges.error)}</Alert>}
      {ranges.data && ranges.data.ranges.length === 0 && <Alert color="gray">{t('labs.noRanges')}</Alert>}
      {ranges.data && ranges.data.ranges.length > 0 && (
        <ScrollTable striped data-testid="lab-ranges">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('labs.test')}</Table.Th>
              <Table.Th>{t('labs.sex')}</Table.Th>
              <Table.Th>{t('labs.ages')}</Table.Th>
              <Table.Th>{t('labs.range')}</Table.Th>
              <Table.Th>{t('labs.standardRange')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ranges.data.ranges.map((range) => (
              <Table.Tr key={range.rangeId}>
                <Table.Td>{labels.get(range.itemKey) ?? range.itemKey}</Table.Td>
                <Table.Td>{range.sex ? t(`labs.sexes.${range.sex}`) : t('labs.either')}</Table.Td>
                <Table.Td>
                  {range.ageLow === null && range.ageHigh === null
                    ? t('labs.anyAge')
                    : `${range.ageLow ?? 0}–${range.ageHigh ?? ''}`}
                </Table.Td>
                <Table.Td>{`${bound(range.low)}–${bound(range.high)} ${range.unit}`}</Table.Td>
                <Table.Td>{`${bound(range.standardLow)}–${bound(range.standardHigh)} ${range.standardUnit}`}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Stack>
  );
}
