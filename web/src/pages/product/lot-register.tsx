import { Alert, Button, Group, Modal, NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { z } from 'zod';
import type { lotRequestSchema } from '../../../../src/product/product.schema.ts';
import { api } from '../../api/client.ts';
import { useZone } from '../../api/dates.ts';
import { LAST_DATE, siteInstant, siteNow, siteToday, zoneLabel } from '../../api/site-clock.ts';
import { apiErrorText, fieldErrors, useLanguage } from '../../api/trial.ts';
import type { LotView, StorageUnitView } from './product-api.ts';

/**
 * Registers a lot as it arrives from the manufacturer: the server creates its vials, each with its
 * code, in the chosen storage unit, pending release. Opens the new lot's page.
 */
export function RegisterLotModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const navigate = useNavigate();
  const units = useQuery({
    queryKey: ['product', 'storage-units'],
    queryFn: () => api<StorageUnitView[]>('GET', '/product/storage-units'),
  });
  const [lotNumber, setLotNumber] = useState('');
  const [manufacturer, setManufacturer] = useState('');
  const [typedManufacturedOn, setManufacturedOn] = useState<string | null>(null);
  const [concentration, setConcentration] = useState('');
  const [volume, setVolume] = useState<number | string>('');
  const [vialCount, setVialCount] = useState<number | string>('');
  const [unitId, setUnitId] = useState<string | null>(null);
  const [receivedAt, setReceivedAt] = useState('');
  // Dates are those where the vials arrive, as the server reads them: the chosen unit's site (the
  // study's zone for a central depot), on the server's clock, never the browser's.
  const unitSite = units.data?.find((unit) => unit.unitId === unitId)?.siteId;
  const zone = useZone(unitSite);
  const manufacturedOn = typedManufacturedOn ?? (zone ? siteToday(zone) : '');
  const register = useMutation({
    mutationFn: () =>
      api<LotView, z.input<typeof lotRequestSchema>>('POST', '/product/lots', {
        lotNumber: lotNumber.trim(),
        manufacturer: manufacturer.trim(),
        manufacturedOn,
        // Concentrations are typed as 6.67e7 or 66700000: Number() reads both.
        concentrationPerMl: Number(concentration),
        volumeMl: Number(volume),
        vialCount: Number(vialCount),
        unitId: unitId ?? '',
        ...(receivedAt && zone ? { receivedAt: siteInstant(receivedAt, zone) } : {}),
      }),
    onSuccess: (lot) => {
      void client.invalidateQueries({ queryKey: ['product'] });
      void navigate(`/product/lots/${lot.lotId}`);
    },
  });
  const errors = fieldErrors(register.error, language);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('product.registerTitle')} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <Group grow>
            <TextInput
              label={t('product.lotNumber')}
              value={lotNumber}
              onChange={(event) => setLotNumber(event.currentTarget.value)}
              error={errors.lotNumber}
              required
              data-autofocus
            />
            <TextInput
              label={t('product.manufacturer')}
              value={manufacturer}
              onChange={(event) => setManufacturer(event.currentTarget.value)}
              error={errors.manufacturer}
              required
            />
          </Group>
          <Group grow>
            <TextInput
              type="date"
              label={t('product.manufacturedOn')}
              value={manufacturedOn}
              max={zone ? siteToday(zone) : LAST_DATE}
              onChange={(event) => setManufacturedOn(event.currentTarget.value)}
              error={errors.manufacturedOn}
              required
            />
            <TextInput
              label={t('product.concentration')}
              value={concentration}
              onChange={(event) => setConcentration(event.currentTarget.value)}
              placeholder="6.67e7"
              error={errors.concentrationPerMl}
              required
            />
          </Group>
          <Group grow>
            <NumberInput
              label={t('product.volume')}
              value={volume}
              onChange={setVolume}
              min={0}
              decimalScale={3}
              error={errors.volumeMl}
              required
            />
            <NumberInput
              label={t('product.vialCount')}
              value={vialCount}
              onChange={setVialCount}
              min={1}
              max={10_000}
              allowDecimal={false}
              error={errors.vialCount}
              required
            />
          </Group>
          <Group grow>
            <Select
              label={t('product.intoUnit')}
              data={(units.data ?? []).map((unit) => ({
                value: unit.unitId,
                label: `${unit.code} · ${unit.name} (${unit.lowCelsius} … ${unit.highCelsius} °C)`,
              }))}
              value={unitId}
              onChange={setUnitId}
              error={errors.unitId}
              required
              data-testid="lot-unit-select"
            />
            <TextInput
              type="datetime-local"
              label={t('product.receivedAt')}
              description={zone ? zoneLabel(zone) : undefined}
              value={receivedAt}
              max={zone ? siteNow(zone) : undefined}
              onChange={(event) => setReceivedAt(event.currentTarget.value)}
              error={errors.receivedAt}
            />
          </Group>
          {register.isError && (
            <Alert color="red" role="alert" data-testid="register-error">
              {apiErrorText(t, language, register.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              loading={register.isPending}
              // Dates are read in the unit's zone: wait for it rather than send a date read in another.
              disabled={
                !zone || !lotNumber.trim() || !manufacturer.trim() || !unitId || !concentration.trim()
              }
            >
              {t('product.register')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
