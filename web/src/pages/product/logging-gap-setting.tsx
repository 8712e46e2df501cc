import { Button, Group, NumberInput, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StorageUnitSettingsRequest } from '../../../../src/product/product.schema.ts';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import type { StorageUnitView } from './product-api.ts';

/**
 * The longest silence a unit's log may have before it is a data gap: shown to everyone, changed by a
 * person with `product.manage` (empty: three times each file's median interval).
 */
export function LoggingGapSetting({
  unit,
  editable,
  onSaved,
}: {
  unit: StorageUnitView;
  editable: boolean;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const [minutes, setMinutes] = useState<number | ''>(unit.maxLoggingGapMinutes ?? '');
  const save = useMutation({
    mutationFn: () =>
      api<StorageUnitView, StorageUnitSettingsRequest>('PATCH', `/product/storage-units/${unit.unitId}`, {
        maxLoggingGapMinutes: minutes === '' ? null : minutes,
        version: unit.version,
      }),
    onSuccess: onSaved,
  });
  const current =
    unit.maxLoggingGapMinutes === null
      ? t('product.loggingGap.default')
      : t('product.loggingGap.set', { minutes: unit.maxLoggingGapMinutes });
  if (!editable)
    return (
      <Text size="sm" c="dimmed">
        {current}
      </Text>
    );
  return (
    <Group align="end" gap="xs">
      <NumberInput
        label={t('product.loggingGap.label')}
        description={current}
        placeholder={t('product.loggingGap.placeholder')}
        value={minutes}
        onChange={(value) => setMinutes(typeof value === 'number' ? value : '')}
        min={1}
        allowDecimal={false}
        w={320}
        error={save.isError ? errorMessage(t, save.error) : undefined}
      />
      <Button variant="light" loading={save.isPending} onClick={() => save.mutate()}>
        {t('product.loggingGap.save')}
      </Button>
    </Group>
  );
}
