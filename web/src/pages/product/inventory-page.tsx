import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
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
import { Link } from 'react-router';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { useCan, useLanguage, useStudySites } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { RegisterLotModal } from './lot-register.tsx';
import { type InventoryView, isBlindedLot, lotName, useInventory } from './product-api.ts';

const horizons = [7, 30, 60, 90];
type Counts = InventoryView['units'][number];

/** A count that needs attention is shown as a coloured badge; zero as plain text. */
function Count({ value, color, testId }: { value: number; color: string; testId: string }) {
  return value > 0 ? (
    <Badge color={color} variant="light" data-testid={testId}>
      {value}
    </Badge>
  ) : (
    <Text size="sm" c="dimmed" data-testid={testId}>
      0
    </Text>
  );
}

function UnitsTable({ units }: { units: Counts[] }) {
  const { t } = useTranslation();
  return (
    <ScrollTable striped withTableBorder>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('product.unit')}</Table.Th>
          <Table.Th>{t('product.range')}</Table.Th>
          <Table.Th>{t('product.states.in_stock')}</Table.Th>
          <Table.Th>{t('product.available')}</Table.Th>
          <Table.Th>{t('product.quarantined')}</Table.Th>
          <Table.Th>{t('product.expiringSoon')}</Table.Th>
          <Table.Th>{t('product.expired')}</Table.Th>
          <Table.Th>{t('product.notReleased')}</Table.Th>
          <Table.Th>{t('product.excursionsOpen')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {units.map((unit) => (
          <Table.Tr key={unit.unitId} data-testid={`unit-row-${unit.code}`}>
            <Table.Td>
              <Anchor component={Link} to={`/product/units/${unit.unitId}`}>
                {unit.code}
              </Anchor>
              <Text size="xs" c="dimmed">
                {unit.name} · {t(`product.kinds.${unit.kind}`)}
              </Text>
            </Table.Td>
            <Table.Td>
              {unit.lowCelsius} … {unit.highCelsius} °C
            </Table.Td>
            <Table.Td data-testid="in-stock">{unit.byState.in_stock + unit.byState.in_transit}</Table.Td>
            <Table.Td>{unit.available}</Table.Td>
            <Table.Td>
              <Count value={unit.quarantined} color="red" testId="quarantined" />
            </Table.Td>
            <Table.Td>
              <Count value={unit.expiringSoon} color="orange" testId="expiring-soon" />
            </Table.Td>
            <Table.Td>
              <Count value={unit.expired} color="red" testId="expired" />
            </Table.Td>
            <Table.Td>
              <Count value={unit.notReleased} color="gray" testId="not-released" />
            </Table.Td>
            <Table.Td>
              <Count value={unit.excursionsAwaitingDisposition} color="red" testId="excursions-open" />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </ScrollTable>
  );
}

function LotsTable({ lots }: { lots: InventoryView['lots'] }) {
  const { t } = useTranslation();
  const dates = useDates();
  const colour = { pending: 'yellow', released: 'green', rejected: 'red' } as const;
  return (
    <ScrollTable striped withTableBorder>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('product.lot')}</Table.Th>
          <Table.Th>{t('product.releaseStatus')}</Table.Th>
          <Table.Th>{t('product.manufactured')}</Table.Th>
          <Table.Th>{t('product.vialsMade')}</Table.Th>
          <Table.Th>{t('product.states.in_stock')}</Table.Th>
          <Table.Th>{t('product.available')}</Table.Th>
          <Table.Th>{t('product.quarantined')}</Table.Th>
          <Table.Th>{t('product.expiringSoon')}</Table.Th>
          <Table.Th>{t('product.states.dispensed')}</Table.Th>
          <Table.Th>{t('product.nextUseBy')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {lots.map((lot) => (
          <Table.Tr key={lot.lotId} data-testid={`lot-row-${lot.lotNumber}`}>
            <Table.Td>
              {isBlindedLot(lot.lotNumber) ? (
                lotName(t, lot.lotNumber)
              ) : (
                <Anchor component={Link} to={`/product/lots/${lot.lotId}`}>
                  {lot.lotNumber}
                </Anchor>
              )}
            </Table.Td>
            <Table.Td>
              <Badge color={colour[lot.status]} variant="light">
                {t(`product.lotStatus.${lot.status}`)}
              </Badge>
            </Table.Td>
            <Table.Td>{dates.date(lot.manufacturedOn)}</Table.Td>
            <Table.Td>{lot.vialCount}</Table.Td>
            <Table.Td>{lot.byState.in_stock + lot.byState.in_transit}</Table.Td>
            <Table.Td>{lot.available}</Table.Td>
            <Table.Td>
              <Count value={lot.quarantined} color="red" testId="quarantined" />
            </Table.Td>
            <Table.Td>
              <Count value={lot.expiringSoon} color="orange" testId="expiring-soon" />
            </Table.Td>
            <Table.Td>{lot.byState.dispensed}</Table.Td>
            <Table.Td>{dates.date(lot.nextUseBy)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </ScrollTable>
  );
}

/** The inventory per site and storage unit, and the lots with their release status. */
export function InventoryPage() {
  const { t } = useTranslation();
  const dates = useDates();
  const language = useLanguage();
  const [horizon, setHorizon] = useState(30);
  const inventory = useInventory(horizon);
  const sites = useStudySites();
  const can = useCan();
  const [registering, setRegistering] = useState(false);
  const siteName = (siteId: string | null) =>
    siteId === null
      ? t('product.depot')
      : (sites.data?.find((site) => site.siteId === siteId)?.name[language] ?? siteId);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('product.title')}</Title>
        <Group>
          {can('product.manage') && (
            <Button variant="light" onClick={() => setRegistering(true)}>
              {t('product.registerLot')}
            </Button>
          )}
          <Button component={Link} to="/product/shipments" variant="light">
            {t('product.shipments')}
          </Button>
          <Button component={Link} to="/product/kits" variant="light">
            {t('product.kits')}
          </Button>
          <Button component={Link} to="/product/dispensing">
            {t('product.dispensing')}
          </Button>
        </Group>
      </Group>
      {registering && <RegisterLotModal onClose={() => setRegistering(false)} />}
      <Group align="end">
        <Select
          label={t('product.horizon')}
          data={horizons.map((days) => ({
            value: String(days),
            label: t('product.horizonDays', { count: days }),
          }))}
          value={String(horizon)}
          onChange={(value) => setHorizon(Number(value ?? 30))}
          allowDeselect={false}
          w={220}
        />
        {inventory.data && (
          <Text size="sm" c="dimmed">
            {t('product.asOf', {
              time: dates.dateTime(inventory.data.asOf),
              date: dates.date(inventory.data.expiringBefore),
            })}
          </Text>
        )}
      </Group>
      {inventory.isPending && <Loader />}
      {inventory.isError && <Alert color="red">{errorMessage(t, inventory.error)}</Alert>}
      {inventory.data && (
        <>
          {inventory.data.sites.map((site) => {
            const units = inventory.data.units.filter((unit) => unit.siteId === site.siteId);
            return (
              <Card key={site.siteId ?? 'depot'} withBorder data-testid={`site-${site.siteId ?? 'depot'}`}>
                <Stack gap="xs">
                  <Title order={4}>{siteName(site.siteId)}</Title>
                  <Group gap="xs">
                    {(['in_stock', 'in_transit', 'dispensed', 'returned', 'destroyed', 'lost'] as const).map(
                      (state) => (
                        <Badge key={state} variant="outline" color="gray">
                          {t(`product.states.${state}`)}: {site.byState[state]}
                        </Badge>
                      ),
                    )}
                    <Badge color={site.quarantined ? 'red' : 'gray'} variant="light">
                      {t('product.quarantined')}: {site.quarantined}
                    </Badge>
                    <Badge color={site.expiringSoon ? 'orange' : 'gray'} variant="light">
                      {t('product.expiringSoon')}: {site.expiringSoon}
                    </Badge>
                  </Group>
                  {units.length ? (
                    <UnitsTable units={units} />
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t('product.noUnits')}
                    </Text>
                  )}
                </Stack>
              </Card>
            );
          })}
          <Title order={3}>{t('product.lots')}</Title>
          {inventory.data.lots.length ? (
            <LotsTable lots={inventory.data.lots} />
          ) : (
            <Text c="dimmed">{t('product.noLots')}</Text>
          )}
        </>
      )}
    </Stack>
  );
}
