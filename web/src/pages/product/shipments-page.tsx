import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type {
  receiveRequestSchema,
  ShipmentView,
  shipmentRequestSchema,
  shipRequestSchema,
  VialList,
  vialListQuerySchema,
} from '../../../../src/product/product.schema.ts';
import { api, queryText } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { apiErrorText, useCan, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { lotName, type StorageUnitView } from './product-api.ts';

type Step = 'pack' | 'ship' | 'receive';
const statusColour = { packed: 'yellow', shipped: 'blue', received: 'green' } as const;

const useUnits = () =>
  useQuery({
    queryKey: ['product', 'storage-units'],
    queryFn: () => api<StorageUnitView[]>('GET', '/product/storage-units'),
  });

/**
 * One signed hand-over of the chain of custody: the step's own fields, the meaning of the signature,
 * the signer and the password entered again.
 */
function CustodySignature({
  step,
  title,
  children,
  ready,
  send,
  onDone,
  onClose,
}: {
  step: Step;
  title: string;
  children: ReactNode;
  ready: boolean;
  send: (password: string) => Promise<unknown>;
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <SignatureModal
      title={title}
      meaningText={t(`product.custodyMeaning.${step}`)}
      ready={ready}
      size="lg"
      testId="custody"
      sign={send}
      onSigned={onDone}
      onClose={onClose}
    >
      {children}
    </SignatureModal>
  );
}

/** Packing: the vials in stock in one unit, chosen one by one, for another unit (signed). */
function PackModal({ units, onClose }: { units: StorageUnitView[]; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [fromUnitId, setFrom] = useState<string | null>(null);
  const [toUnitId, setTo] = useState<string | null>(null);
  const [containerUnitId, setContainer] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[]>([]);
  const vials = useQuery({
    queryKey: ['product', 'vials', 'pack', fromUnitId],
    enabled: fromUnitId !== null,
    queryFn: () =>
      api<VialList>(
        'GET',
        `/product/vials?${queryText<z.input<typeof vialListQuerySchema>>({
          unitId: fromUnitId ?? undefined,
          state: 'in_stock',
          limit: 1000,
        })}`,
      ),
  });
  const label = (unit: StorageUnitView) => `${unit.code} · ${unit.name}`;
  const options = units.map((unit) => ({ value: unit.unitId, label: label(unit) }));
  const usable = fromUnitId ? (vials.data?.items ?? []).filter((vial) => !vial.quarantined) : [];
  return (
    <CustodySignature
      step="pack"
      title={t('product.packTitle')}
      ready={!!fromUnitId && !!toUnitId && codes.length > 0}
      send={(password) =>
        api<ShipmentView, z.input<typeof shipmentRequestSchema>>('POST', '/product/shipments', {
          // Not sent before both are chosen (`ready`).
          fromUnitId: fromUnitId ?? '',
          toUnitId: toUnitId ?? '',
          containerUnitId,
          vialCodes: codes,
          password,
        })
      }
      onDone={() => {
        void client.invalidateQueries({ queryKey: ['product'] });
        onClose();
      }}
      onClose={onClose}
    >
      <Group grow>
        <Select
          label={t('product.fromUnit')}
          data={options}
          value={fromUnitId}
          onChange={(value) => {
            setFrom(value);
            setCodes([]);
          }}
          data-testid="pack-from"
        />
        <Select
          label={t('product.toUnit')}
          data={options}
          value={toUnitId}
          onChange={setTo}
          data-testid="pack-to"
        />
      </Group>
      <Select
        label={t('product.container')}
        data={units
          .filter((unit) => unit.kind === 'shipping_container')
          .map((unit) => ({ value: unit.unitId, label: label(unit) }))}
        value={containerUnitId}
        onChange={setContainer}
        clearable
        data-testid="pack-container"
      />
      {fromUnitId && (
        <Stack gap={4} data-testid="pack-vials">
          <Text size="sm" fw={500}>
            {t('product.packVials', { count: codes.length })}
          </Text>
          {usable.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('product.noVialsToPack')}
            </Text>
          )}
          <Group gap="xs">
            {usable.map((vial) => (
              <Checkbox
                key={vial.vialId}
                label={`${vial.code} (${lotName(t, vial.lotNumber)})`}
                checked={codes.includes(vial.code)}
                onChange={(event) => {
                  const on = event.currentTarget.checked;
                  setCodes((old) => (on ? [...old, vial.code] : old.filter((code) => code !== vial.code)));
                }}
              />
            ))}
          </Group>
        </Stack>
      )}
    </CustodySignature>
  );
}

function ShipModal({ shipment, onClose }: { shipment: ShipmentView; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [courier, setCourier] = useState('');
  return (
    <CustodySignature
      step="ship"
      title={t('product.shipTitle')}
      ready={courier.trim() !== ''}
      send={(password) =>
        api<ShipmentView, z.input<typeof shipRequestSchema>>(
          'POST',
          `/product/shipments/${shipment.shipmentId}/ship`,
          {
            courier: courier.trim(),
            password,
            version: shipment.version,
          },
        )
      }
      onDone={() => {
        void client.invalidateQueries({ queryKey: ['product'] });
        onClose();
      }}
      onClose={onClose}
    >
      <TextInput
        label={t('product.courier')}
        value={courier}
        onChange={(event) => setCourier(event.currentTarget.value)}
        required
        data-autofocus
      />
    </CustodySignature>
  );
}

function ReceiveModal({ shipment, onClose }: { shipment: ShipmentView; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [condition, setCondition] = useState<'acceptable' | 'not_acceptable'>('acceptable');
  const [note, setNote] = useState('');
  return (
    <CustodySignature
      step="receive"
      title={t('product.receiveTitle')}
      ready={condition === 'acceptable' || note.trim() !== ''}
      send={(password) =>
        api<ShipmentView, z.input<typeof receiveRequestSchema>>(
          'POST',
          `/product/shipments/${shipment.shipmentId}/receive`,
          {
            condition,
            ...(note.trim() ? { note: note.trim() } : {}),
            password,
            version: shipment.version,
          },
        )
      }
      onDone={() => {
        void client.invalidateQueries({ queryKey: ['product'] });
        onClose();
      }}
      onClose={onClose}
    >
      <SegmentedControl
        value={condition}
        onChange={(value) => setCondition(value === 'not_acceptable' ? 'not_acceptable' : 'acceptable')}
        data={[
          { value: 'acceptable', label: t('product.conditions.acceptable') },
          { value: 'not_acceptable', label: t('product.conditions.not_acceptable') },
        ]}
      />
      {condition === 'not_acceptable' && (
        <Text size="sm" c="red">
          {t('product.notAcceptableHint')}
        </Text>
      )}
      <Textarea
        label={t('product.conditionNote')}
        value={note}
        onChange={(event) => setNote(event.currentTarget.value)}
        required={condition === 'not_acceptable'}
        autosize
        minRows={2}
      />
    </CustodySignature>
  );
}

/** Shipments between storage units and sites, each hand-over signed, with the chain of custody. */
export function ShipmentsPage() {
  const { t } = useTranslation();
  const dates = useDates();
  const language = useLanguage();
  const can = useCan();
  const units = useUnits();
  const shipments = useQuery({
    queryKey: ['product', 'shipments'],
    queryFn: () => api<ShipmentView[]>('GET', '/product/shipments'),
  });
  const [packing, setPacking] = useState(false);
  const [action, setAction] = useState<{ step: 'ship' | 'receive'; shipment: ShipmentView } | null>(null);
  const code = (unitId: string | null) =>
    unitId ? (units.data?.find((unit) => unit.unitId === unitId)?.code ?? unitId) : '—';
  return (
    <Stack>
      <Anchor component={Link} to="/product" size="sm">
        ← {t('product.title')}
      </Anchor>
      <Group justify="space-between">
        <Title order={2}>{t('product.shipments')}</Title>
        {can('product.ship') && units.data && (
          <Button onClick={() => setPacking(true)}>{t('product.pack')}</Button>
        )}
      </Group>
      {shipments.isPending && <Loader />}
      {shipments.isError && <Alert color="red">{apiErrorText(t, language, shipments.error)}</Alert>}
      {shipments.data?.length === 0 && <Text c="dimmed">{t('product.noShipments')}</Text>}
      {shipments.data?.map((shipment) => (
        <Card key={shipment.shipmentId} withBorder data-testid="shipment">
          <Stack gap="xs">
            <Group justify="space-between">
              <Group>
                <Text fw={600}>
                  {code(shipment.fromUnitId)} → {code(shipment.toUnitId)}
                </Text>
                <Badge color={statusColour[shipment.status]} variant="light" data-testid="shipment-status">
                  {t(`product.shipmentStatus.${shipment.status}`)}
                </Badge>
                {shipment.condition && (
                  <Badge color={shipment.condition === 'acceptable' ? 'green' : 'red'} variant="outline">
                    {t(`product.conditions.${shipment.condition}`)}
                  </Badge>
                )}
              </Group>
              {can('product.ship') && shipment.status === 'packed' && (
                <Button size="xs" onClick={() => setAction({ step: 'ship', shipment })}>
                  {t('product.ship')}
                </Button>
              )}
              {can('product.ship') && shipment.status === 'shipped' && (
                <Button size="xs" onClick={() => setAction({ step: 'receive', shipment })}>
                  {t('product.receive')}
                </Button>
              )}
            </Group>
            <Text size="sm">
              {t('product.shipmentDetail', {
                count: shipment.vialCodes.length,
                codes: shipment.vialCodes.join(', '),
                container: code(shipment.containerUnitId),
                courier: shipment.courier ?? '—',
              })}
            </Text>
            {shipment.conditionNote && <Text size="sm">{shipment.conditionNote}</Text>}
            <ScrollTable withTableBorder data-testid="custody">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('product.custodyStep')}</Table.Th>
                  <Table.Th>{t('product.handOver')}</Table.Th>
                  <Table.Th>{t('product.signedBy')}</Table.Th>
                  <Table.Th>{t('product.signedAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shipment.custody.map((entry) => (
                  <Table.Tr key={`${entry.step}-${entry.signedAt}`}>
                    <Table.Td>{t(`product.custodySteps.${entry.step}`)}</Table.Td>
                    <Table.Td>
                      {entry.fromParty} → {entry.toParty}
                    </Table.Td>
                    <Table.Td>{entry.signerName}</Table.Td>
                    <Table.Td>{dates.dateTime(entry.signedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </ScrollTable>
          </Stack>
        </Card>
      ))}
      {packing && units.data && <PackModal units={units.data} onClose={() => setPacking(false)} />}
      {action?.step === 'ship' && <ShipModal shipment={action.shipment} onClose={() => setAction(null)} />}
      {action?.step === 'receive' && (
        <ReceiveModal shipment={action.shipment} onClose={() => setAction(null)} />
      )}
    </Stack>
  );
}
