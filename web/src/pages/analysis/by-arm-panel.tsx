import { Alert, Card, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { serialiseArms } from '../../../../src/report/report.arms.ts';
import { errorMessage } from '../../api/session.ts';
import { useLanguage, useProtocol } from '../../api/trial.ts';
import './by-arm.strings.ts';

type ByArm = ReturnType<typeof serialiseArms>;
type Shown = Extract<ByArm, { visibility: 'shown' }>;
type Category = Shown['riskDifferences'][number]['category'];
type Comparison = Pick<Shown, 'logRank' | 'cox' | 'coxUnavailable'>;

const CATEGORIES: readonly Category[] = ['participantsWithAnyEvent', 'related', 'serious', 'seriousRelated'];
const fixed = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : String(Number(value.toFixed(digits)));
const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
const signed = (value: number) => `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
const pValue = (value: number) => (value < 0.0001 ? '< 0.0001' : value.toFixed(4));

function SimpleTable({ head, rows, testId }: { head?: string[]; rows: string[][]; testId: string }) {
  return (
    <Table striped withTableBorder data-testid={testId}>
      {head ? (
        <Table.Thead>
          <Table.Tr>
            {head.map((cell) => (
              <Table.Th key={cell}>{cell}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
      ) : null}
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.join('|')}>
            {row.map((cell, index) => (
              // Cells of one row can repeat a text; their place is their identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: a table row's cells never move
              <Table.Td key={index}>{cell}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The log-rank and Cox rows of one comparison; `suffix` says how it is stratified. */
function testRows(
  t: TFunction,
  comparison: Comparison,
  name: (id: string) => string,
  reference: string,
  suffix: string,
): string[][] {
  const rows: string[][] = [];
  if (comparison.logRank) {
    rows.push([
      `${t('analysisByArm.logRank')}${suffix}`,
      t('analysisByArm.logRankValue', {
        chisq: comparison.logRank.chisq.toFixed(3),
        df: comparison.logRank.df,
        p: pValue(comparison.logRank.pValue),
      }),
    ]);
  }
  const cox = comparison.cox;
  if (cox) {
    cox.levels.forEach((level, index) => {
      rows.push([
        `${t('analysisByArm.hazardRatio', { arm: name(level), reference })}${suffix}`,
        t('analysisByArm.hazardRatioValue', {
          hr: fixed(cox.hazardRatio[index], 3),
          lower: fixed(cox.lower[index], 3),
          upper: fixed(cox.upper[index], 3),
          p: pValue(cox.pValue[index] ?? 1),
        }),
      ]);
    });
  } else if (comparison.coxUnavailable) {
    rows.push([
      `${t('analysisByArm.noCox')}${suffix}`,
      t(`analysisByArm.coxUnavailable.${comparison.coxUnavailable}`),
    ]);
  }
  return rows;
}

function ShownArms({ byArm }: { byArm: Shown }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const name = (id: string) => byArm.arms.find((arm) => arm.id === id)?.name[language] ?? id;
  const reference = name(byArm.reference);
  const tests = [
    ...testRows(t, byArm, name, reference, ''),
    ...(byArm.stratified
      ? testRows(t, byArm.stratified, name, reference, t('analysisByArm.stratified'))
      : []),
  ];
  return (
    <Stack gap="xs">
      <Text size="sm">{t('analysisByArm.reference', { arm: reference })}</Text>
      {byArm.unallocated > 0 ? (
        <Text size="sm">{t('analysisByArm.unallocated', { count: byArm.unallocated })}</Text>
      ) : null}
      <SimpleTable
        testId="by-arm-ttci"
        head={[
          t('analysisByArm.arm'),
          t('analysisByArm.enrolled'),
          t('analysisByArm.analysed'),
          t('analysisByArm.improved'),
          t('analysisByArm.median'),
        ]}
        rows={byArm.arms.map((arm) => [
          arm.name[language],
          String(arm.n),
          String(arm.ttci?.n ?? 0),
          String(arm.ttci?.events ?? 0),
          arm.ttci
            ? `${fixed(arm.ttci.median.median)} (${fixed(arm.ttci.median.lower)}–${fixed(arm.ttci.median.upper)})`
            : '—',
        ])}
      />
      {tests.length ? <SimpleTable testId="by-arm-tests" rows={tests} /> : null}
      <Text size="sm" c="dimmed">
        {t('analysisByArm.plotInReport')}
      </Text>
      <Text size="sm" fw={600}>
        {t('analysisByArm.adverseEvents')}
      </Text>
      <SimpleTable
        testId="by-arm-adverse-events"
        head={[t('analysisByArm.category'), ...byArm.arms.map((arm) => arm.name[language])]}
        rows={CATEGORIES.map((category) => [
          t(`analysisByArm.categories.${category}`),
          ...byArm.arms.map((arm) => {
            const row = arm.adverseEvents?.[category];
            return row
              ? `${row.participants}/${row.denominator} (${percent(row.proportion)}; ${percent(row.lower)}–${percent(row.upper)})`
              : '—';
          }),
        ])}
      />
      <Text size="sm" fw={600}>
        {t('analysisByArm.riskDifferences', { reference })}
      </Text>
      <SimpleTable
        testId="by-arm-risk-differences"
        head={[
          t('analysisByArm.category'),
          t('analysisByArm.arm'),
          t('analysisByArm.difference'),
          t('analysisByArm.interval'),
        ]}
        rows={byArm.riskDifferences.map((row) => [
          t(`analysisByArm.categories.${row.category}`),
          name(row.arm),
          signed(row.difference),
          `${signed(row.lower)} – ${signed(row.upper)}`,
        ])}
      />
    </Stack>
  );
}

/**
 * Results by arm of a randomised study, in the reader's language, from the report's JSON (the server
 * decides through its one blinding rule whether the reader sees arms): the figures for unblinded roles,
 * the notice for the others. Nothing for a study that is not randomised, so its page is unchanged.
 */
export function ByArmPanel() {
  const { t } = useTranslation();
  const protocol = useProtocol();
  const randomised = protocol.data?.protocol.study.design.allocation === 'randomised';
  const report = useQuery({
    queryKey: ['report', 'json', 'by-arm'],
    queryFn: async (): Promise<{ dataCut: string; byArm?: ByArm }> => {
      const response = await fetch('/api/v1/report?format=json', { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    },
    enabled: randomised,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  if (!randomised) return null;
  if (report.isError) return <Alert color="red">{errorMessage(t, report.error)}</Alert>;
  const byArm = report.data?.byArm;
  if (!byArm) return null;
  return (
    <Card
      withBorder
      padding="sm"
      data-testid="by-arm"
      style={{ flexShrink: 0, maxHeight: '45vh', overflow: 'auto' }}
    >
      <Title order={4}>{t('analysisByArm.title')}</Title>
      {byArm.visibility === 'blinded' ? (
        <Text size="sm" data-testid="by-arm-blinded">
          {t('analysisByArm.blinded')}
        </Text>
      ) : (
        <>
          <Text size="xs" c="dimmed">
            {t('analysisByArm.dataCut', { dataCut: report.data?.dataCut })}
          </Text>
          <ShownArms byArm={byArm} />
        </>
      )}
    </Card>
  );
}
