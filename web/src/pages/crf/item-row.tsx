import { Box, Checkbox, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { type FieldInput, type MissingReason, missingReasons } from '../../../../src/crf/entries.ts';
import type { Protocol, ProtocolItem } from '../../../../src/protocol/schema.ts';
import type { FormRecordView } from '../../api/trial.ts';
import { useCan, useLanguage } from '../../api/trial.ts';
import { FieldInputControl } from './field-input.tsx';
import { QueryThread, RaiseQuery } from './query-thread.tsx';

export interface ItemMessages {
  error?: string;
  warning?: string;
}

/**
 * One item of a form: its input, its missing-data code (not done / unknown / not applicable with the
 * reason), its messages, its queries, and for monitors the SDV mark.
 */
export function ItemRow({
  protocol,
  item,
  field,
  raw,
  messages,
  record,
  readOnly,
  derived,
  onChange,
  onVerify,
  onQueriesChanged,
}: {
  protocol: Protocol;
  item: ProtocolItem;
  field: FieldInput | undefined;
  raw: string | undefined;
  messages: ItemMessages;
  record: FormRecordView;
  readOnly: boolean;
  /** A computed item's value as computed so far (none until its inputs are entered). */
  derived?: string;
  onChange: (field: FieldInput, raw?: string) => void;
  onVerify: (itemId: string) => void;
  onQueriesChanged: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const label = item.label[language];
  const saved = record.entries[item.id];
  const queries = record.queries.filter((query) => query.itemId === item.id);
  if (item.derivation !== undefined) {
    return (
      <Text size="sm" data-item={item.id} data-testid={`item-${item.id}`}>
        {label}:{' '}
        {derived ?? (
          <Text span c="dimmed">
            {t('words.derivedNotYet')}
          </Text>
        )}
      </Text>
    );
  }
  const missing = field?.missing;
  return (
    <Box data-testid={`item-${item.id}`}>
      <Stack gap={4}>
        <Group align="flex-start" wrap="wrap" gap="md">
          <Box style={{ flex: '1 1 320px' }}>
            <FieldInputControl
              protocol={protocol}
              item={item}
              field={field}
              raw={raw}
              error={messages.error}
              disabled={readOnly || missing !== undefined}
              onChange={(value, typed) => onChange({ value }, typed)}
            />
          </Box>
          <NativeSelect
            size="xs"
            aria-label={t('crf.missingFor', { label })}
            label={t('crf.missing')}
            value={missing ?? ''}
            disabled={readOnly}
            onChange={(event) => {
              const code = event.currentTarget.value as MissingReason | '';
              onChange(code ? { missing: code, missingReason: field?.missingReason ?? '' } : {});
            }}
            data={[
              { value: '', label: '—' },
              ...missingReasons.map((code) => ({ value: code, label: t(`crf.missingCode.${code}`) })),
            ]}
            w={150}
          />
          {can('crf.sdv') && saved && record.recordId && (
            <Checkbox
              mt={24}
              label={t('sdv.verified')}
              aria-label={t('sdv.verifyField', { label })}
              checked={saved.verified}
              disabled={saved.verified || readOnly}
              onChange={() => onVerify(item.id)}
            />
          )}
        </Group>
        {missing !== undefined && (
          <TextInput
            size="xs"
            label={t('crf.missingReason', { label })}
            value={field?.missingReason ?? ''}
            disabled={readOnly}
            onChange={(event) => onChange({ missing, missingReason: event.currentTarget.value })}
            maw={480}
          />
        )}
        {messages.warning && (
          <Text size="sm" c="orange.8" data-testid={`warning-${item.id}`}>
            ⚠ {messages.warning}
          </Text>
        )}
        {queries.map((query) => (
          <QueryThread key={query.queryId} query={query} onChanged={onQueriesChanged} />
        ))}
        {can('query.raise') && saved && record.recordId && (
          <RaiseQuery recordId={record.recordId} itemId={item.id} onRaised={onQueriesChanged} />
        )}
      </Stack>
    </Box>
  );
}
