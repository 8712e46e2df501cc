import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { useCan, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { ReleaseLot, ReleaseResultsForm } from './lot-release.tsx';
import { useLot, useVials } from './product-api.ts';

const statusColour = { pending: 'yellow', released: 'green', rejected: 'red' } as const;

/** The address of the label PDF: the browser opens it with the session cookie. */
export const labelsUrl = (
  which: { lotId: string } | { codes: string[] },
  symbology: string,
  layout: string,
) => {
  const query = new URLSearchParams({ symbology, layout });
  if ('lotId' in which) query.set('lotId', which.lotId);
  else query.set('codes', which.codes.join(','));
  return `/api/v1/product/labels.pdf?${query.toString()}`;
};

/** One lot: its release, its vials and their labels. */
export function LotPage() {
  const { lotId = '' } = useParams();
  const { t } = useTranslation();
  const dates = useDates();
  const language = useLanguage();
  const can = useCan();
  const lot = useLot(lotId);
  const vials = useVials(`lotId=${lotId}`);
  const [symbology, setSymbology] = useState('datamatrix');
  const [layout, setLayout] = useState('sheet');
  const [selected, setSelected] = useState<string[]>([]);
  if (lot.isPending) return <Loader />;
  if (lot.isError) return <Alert color="red">{errorMessage(t, lot.error)}</Alert>;
  const data = lot.data;
  const toggle = (code: string, on: boolean) =>
    setSelected((current) => (on ? [...current, code] : current.filter((entry) => entry !== code)));
  return (
    <Stack>
      <Anchor component={Link} to="/product" size="sm">
        ← {t('product.title')}
      </Anchor>
      <Group>
        <Title order={2}>
          {t('product.lot')} {data.lotNumber}
        </Title>
        <Badge color={statusColour[data.status]} size="lg" variant="light" data-testid="lot-status">
          {t(`product.lotStatus.${data.status}`)}
        </Badge>
      </Group>
      <Text size="sm">
        {t('product.lotDetail', {
          manufacturer: data.manufacturer,
          date: dates.date(data.manufacturedOn),
          count: data.vialCount,
          volume: data.volumeMl,
          concentration: data.concentrationPerMl.toExponential(2),
        })}
      </Text>
      {data.releasedAt && (
        <Text size="sm">
          {t('product.releasedBy', { name: data.releasedBy ?? '', time: dates.dateTime(data.releasedAt) })}
        </Text>
      )}
      {data.rejectedReason && (
        <Alert color="red">{t('product.rejected', { reason: data.rejectedReason })}</Alert>
      )}
      <Title order={4}>{t('product.releaseTests')}</Title>
      <ScrollTable withTableBorder>
        <Table.Tbody>
          {data.judgements.map((judgement) => (
            <Table.Tr key={judgement.testId} data-testid={`judgement-${judgement.testId}`}>
              <Table.Td>{judgement.name[language]}</Table.Td>
              <Table.Td>{judgement.value ?? '—'}</Table.Td>
              <Table.Td>
                <Badge color={judgement.pass ? 'green' : 'red'} variant="light" data-testid="judgement">
                  {t(judgement.pass ? 'product.meets' : 'product.fails')}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{judgement.message}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
      {data.status === 'pending' && can('product.manage') && <ReleaseResultsForm lot={data} />}
      {data.status === 'pending' && can('product.release') && <ReleaseLot lot={data} />}
      {can('product.manage') && (
        <>
          <Title order={4}>{t('product.labels')}</Title>
          <Group align="end">
            <Select
              label={t('product.symbology')}
              data={[
                { value: 'datamatrix', label: 'Data Matrix' },
                { value: 'qrcode', label: t('product.qrcode') },
              ]}
              value={symbology}
              onChange={(value) => setSymbology(value ?? 'datamatrix')}
              allowDeselect={false}
            />
            <Select
              label={t('product.layout')}
              data={[
                { value: 'sheet', label: t('product.sheet') },
                { value: 'roll', label: t('product.roll') },
              ]}
              value={layout}
              onChange={(value) => setLayout(value ?? 'sheet')}
              allowDeselect={false}
            />
            <Button
              component="a"
              href={labelsUrl({ lotId }, symbology, layout)}
              target="_blank"
              rel="noopener"
              data-testid="print-lot-labels"
            >
              {t('product.printLot')}
            </Button>
            <Button
              component="a"
              variant="light"
              // With nothing selected the link has no target and says it is unavailable, so neither a
              // keyboard nor a screen reader takes it for a live one.
              href={selected.length === 0 ? undefined : labelsUrl({ codes: selected }, symbology, layout)}
              target="_blank"
              rel="noopener"
              disabled={selected.length === 0}
              aria-disabled={selected.length === 0}
              data-testid="print-selected-labels"
            >
              {t('product.printSelected', { count: selected.length })}
            </Button>
          </Group>
        </>
      )}
      <Title order={4}>{t('product.vialsOfLot', { count: vials.data?.total ?? 0 })}</Title>
      {vials.data && (
        <ScrollTable striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th />
              <Table.Th>{t('product.code')}</Table.Th>
              <Table.Th>{t('product.state')}</Table.Th>
              <Table.Th>{t('product.unit')}</Table.Th>
              <Table.Th>{t('product.useBy')}</Table.Th>
              <Table.Th>{t('product.quarantined')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {vials.data.items.map((vial) => (
              <Table.Tr key={vial.vialId}>
                <Table.Td>
                  <Checkbox
                    aria-label={vial.code}
                    checked={selected.includes(vial.code)}
                    onChange={(event) => toggle(vial.code, event.currentTarget.checked)}
                  />
                </Table.Td>
                <Table.Td>{vial.code}</Table.Td>
                <Table.Td>{t(`product.states.${vial.state}`)}</Table.Td>
                <Table.Td>
                  {vial.unitId ? (
                    <Anchor component={Link} to={`/product/units/${vial.unitId}`}>
                      {vial.unitCode}
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>{vial.thawedAt ? dates.dateTime(vial.useBy) : dates.date(vial.useBy)}</Table.Td>
                <Table.Td>{vial.quarantined ? <Badge color="red">{t('product.yes')}</Badge> : ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Stack>
  );
}
