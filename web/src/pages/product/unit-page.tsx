import { Alert, Anchor, Badge, Button, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { useCan, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatAxisTime } from '../../format.ts';
import { DispositionModal } from './disposition-modal.tsx';
import { LoggingGapSetting } from './logging-gap-setting.tsx';
import {
  type ExcursionView,
  isBlindedLot,
  lotName,
  productKeys,
  useReadings,
  useVials,
} from './product-api.ts';
import { TemperatureChart } from './temperature-chart.tsx';
import { TemperatureImport } from './temperature-import.tsx';

function excursionState(excursion: ExcursionView): 'awaiting' | 'decided' | 'none' {
  if (excursion.vialsAwaitingDisposition > 0) return 'awaiting';
  return excursion.vialsQuarantined > 0 ? 'decided' : 'none';
}
const stateColour = { awaiting: 'red', decided: 'green', none: 'gray' } as const;

/** One storage unit: its temperatures, its excursions and their dispositions, the vials inside. */
export function UnitPage() {
  const { unitId = '' } = useParams();
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const client = useQueryClient();
  const readings = useReadings(unitId);
  // The unit's times are its site's (the study's zone for a central depot).
  const dates = useDates(readings.data?.unit.siteId);
  const vials = useVials(`unitId=${unitId}`);
  const [deciding, setDeciding] = useState<ExcursionView | null>(null);
  if (readings.isPending) return <Loader />;
  if (readings.isError) return <Alert color="red">{errorMessage(t, readings.error)}</Alert>;
  const { unit, points, total, excursions } = readings.data;
  return (
    <Stack>
      <Anchor component={Link} to="/product" size="sm">
        ← {t('product.title')}
      </Anchor>
      <Title order={2}>
        {unit.code} · {unit.name}
      </Title>
      <Text size="sm" c="dimmed">
        {t(`product.kinds.${unit.kind}`)} ·{' '}
        {t('product.rangeLabel', { low: unit.lowCelsius, high: unit.highCelsius })} ·{' '}
        {t('product.tolerance', { minutes: unit.excursionToleranceMinutes })}
      </Text>
      <LoggingGapSetting
        key={unit.version}
        unit={unit}
        editable={can('product.manage')}
        onSaved={() => void client.invalidateQueries({ queryKey: productKeys.all })}
      />
      <Title order={4}>{t('product.temperatures')}</Title>
      {total === 0 ? (
        <Text c="dimmed">{t('product.noReadings')}</Text>
      ) : (
        <>
          <TemperatureChart
            unit={unit}
            points={points}
            excursions={excursions}
            labels={{
              title: t('product.chartTitle', { unit: unit.code }),
              range: t('product.rangeLabel', { low: unit.lowCelsius, high: unit.highCelsius }),
              excursion: t('product.excursion'),
            }}
            formatTime={(at) => formatAxisTime(at, dates.zone, language)}
          />
          <Text size="xs" c="dimmed">
            {t('product.readingsShown', { shown: points.length, total })}
          </Text>
        </>
      )}
      {can('product.store') && (
        <TemperatureImport
          unitId={unit.unitId}
          onImported={() => void client.invalidateQueries({ queryKey: productKeys.all })}
        />
      )}
      <Title order={4}>{t('product.excursions')}</Title>
      {excursions.length === 0 ? (
        <Text c="dimmed">{t('product.noExcursions')}</Text>
      ) : (
        <ScrollTable withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('product.started')}</Table.Th>
              <Table.Th>{t('product.ended')}</Table.Th>
              <Table.Th>{t('product.minutes')}</Table.Th>
              <Table.Th>{t('product.extremes')}</Table.Th>
              <Table.Th>{t('product.quarantined')}</Table.Th>
              <Table.Th>{t('product.dispositionState')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {excursions.map((excursion) => {
              const state = excursionState(excursion);
              return (
                <Table.Tr key={excursion.excursionId} data-testid="excursion-row">
                  <Table.Td>{dates.dateTime(excursion.startedAt)}</Table.Td>
                  <Table.Td>
                    {excursion.endedAt ? dates.dateTime(excursion.endedAt) : t('product.ongoing')}
                  </Table.Td>
                  <Table.Td>{Math.round(excursion.minutes)}</Table.Td>
                  <Table.Td>
                    {excursion.kind === 'data_gap' ? (
                      <Badge color="orange" variant="light" data-testid="data-gap">
                        {t('product.dataGap')}
                      </Badge>
                    ) : (
                      `${excursion.minCelsius} … ${excursion.maxCelsius} °C`
                    )}
                  </Table.Td>
                  <Table.Td>{excursion.vialsQuarantined}</Table.Td>
                  <Table.Td>
                    <Badge color={stateColour[state]} variant="light" data-testid="excursion-state">
                      {t(`product.excursionState.${state}`, { count: excursion.vialsAwaitingDisposition })}
                    </Badge>
                    {excursion.dispositions.map((decision) => (
                      <Text
                        key={`${decision.decidedAt}-${decision.decision}`}
                        size="xs"
                        data-testid="disposition"
                      >
                        {t('product.decided', {
                          decision: t(`product.decisions.${decision.decision}`),
                          count: decision.vials,
                          by: decision.decidedBy,
                          at: dates.dateTime(decision.decidedAt),
                          reason: decision.reason,
                        })}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    {state === 'awaiting' && can('product.disposition') && (
                      <Button size="xs" color="red" variant="light" onClick={() => setDeciding(excursion)}>
                        {t('product.disposition')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </ScrollTable>
      )}
      <Title order={4}>{t('product.vialsInUnit', { count: vials.data?.total ?? 0 })}</Title>
      {vials.data && vials.data.items.length > 0 && (
        <ScrollTable striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('product.code')}</Table.Th>
              <Table.Th>{t('product.lot')}</Table.Th>
              <Table.Th>{t('product.useBy')}</Table.Th>
              <Table.Th>{t('product.quarantined')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {vials.data.items.map((vial) => (
              <Table.Tr key={vial.vialId}>
                <Table.Td>{vial.code}</Table.Td>
                <Table.Td>
                  {isBlindedLot(vial.lotNumber) ? (
                    lotName(t, vial.lotNumber)
                  ) : (
                    <Anchor component={Link} to={`/product/lots/${vial.lotId}`}>
                      {vial.lotNumber}
                    </Anchor>
                  )}
                </Table.Td>
                <Table.Td>{vial.thawedAt ? dates.dateTime(vial.useBy) : dates.date(vial.useBy)}</Table.Td>
                <Table.Td>{vial.quarantined ? <Badge color="red">{t('product.yes')}</Badge> : ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
      {deciding && (
        <DispositionModal
          excursion={deciding}
          onClose={() => setDeciding(null)}
          onDone={() => {
            setDeciding(null);
            void client.invalidateQueries({ queryKey: productKeys.all });
          }}
        />
      )}
    </Stack>
  );
}
