import { Box, Checkbox, Group, NativeSelect, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { type FieldInput, type MissingReason, missingReasons } from '../../../../src/crf/entries.ts';
import type { LabFlagView } from '../../../../src/labs/lab.schema.ts';
import type { Protocol, ProtocolItem } from '../../../../src/protocol/schema.ts';
import type { FormRecordView } from '../../api/trial.ts';
import { useCan, useLanguage } from '../../api/trial.ts';
import { RemovedItemBadge } from '../../components/item-versions.tsx';
import { LabFlagBadge } from '../labs/lab-panel.tsx';
import { FieldInputControl } from './field-input.tsx';
import { digitChoice, MISSING_SHORTCUT } from './keyboard-entry.ts';
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
  labFlag,
  removed,
  hiddenNote,
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
  /** A laboratory value's flag against its reference range, as saved. */
  labFlag?: LabFlagView;
  /** Set when a later amendment removed this item: the current version's label and the record's. */
  removed?: { current: string; entered: string };
  /** Set when the item's display condition no longer holds but a value is stored: why it is still shown. */
  hiddenNote?: string;
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
        {removed && (
          <RemovedItemBadge current={removed.current} entered={removed.entered} testId="form-removed-item" />
        )}
        {hiddenNote && (
          <Text span size="xs" c="orange" ml="xs" data-testid="condition-no-longer-holds">
            {hiddenNote}
          </Text>
        )}
      </Text>
    );
  }
  const missing = field?.missing;
  const chooseMissing = (code: MissingReason | '') =>
    onChange(code ? { missing: code, missingReason: field?.missingReason ?? '' } : {});
  return (
    <Box data-testid={`item-${item.id}`} data-entry-item={item.id}>
      <Stack gap={4}>
        {removed && (
          <Box>
            <RemovedItemBadge
              current={removed.current}
              entered={removed.entered}
              testId="form-removed-item"
            />
          </Box>
        )}
        {hiddenNote && (
          <Text size="xs" c="orange" data-testid="condition-no-longer-holds">
            {hiddenNote}
          </Text>
        )}
        <Group align="flex-start" wrap="wrap" gap="md">
          <Box style={{ flex: '1 1 320px' }} data-entry="field">
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
          {/* Out of the Tab order (one stop per field, not two); Alt+M on the field reaches it. */}
          <Box data-entry="missing">
            <Tooltip label={t('crf.missingShortcut')} events={{ hover: true, focus: true, touch: false }}>
              <NativeSelect
                size="xs"
                tabIndex={-1}
                aria-label={t('crf.missingFor', { label })}
                aria-keyshortcuts={MISSING_SHORTCUT}
                label={t('crf.missing')}
                value={missing ?? ''}
                disabled={readOnly}
                onChange={(event) => chooseMissing(event.currentTarget.value as MissingReason | '')}
                onKeyDown={(event) => {
                  // 0 takes the code away again (the answer box opens); 1–3 choose one.
                  if (event.key === '0' && !event.altKey && !event.ctrlKey && !event.metaKey) {
                    event.preventDefault();
                    chooseMissing('');
                    return;
                  }
                  const index = digitChoice(event, missingReasons.length);
                  if (index !== null) chooseMissing(missingReasons[index] ?? '');
                }}
                data={[
                  { value: '', label: '—' },
                  ...missingReasons.map((code) => ({ value: code, label: t(`crf.missingCode.${code}`) })),
                ]}
                w={150}
              />
            </Tooltip>
          </Box>
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
        {labFlag && labFlag.revision === saved?.revision && (
          <Group gap="xs" data-testid={`lab-flag-${item.id}`}>
            <LabFlagBadge flag={labFlag.flag} />
            {labFlag.original && (
              <Text size="xs" c="dimmed">
                {t('labs.enteredAs', { value: labFlag.original.value, unit: labFlag.original.unit })}
              </Text>
            )}
          </Group>
        )}
        {missing !== undefined && (
          <Box data-entry="reason">
            <TextInput
              size="xs"
              label={t('crf.missingReason', { label })}
              value={field?.missingReason ?? ''}
              disabled={readOnly}
              onChange={(event) => onChange({ missing, missingReason: event.currentTarget.value })}
              maw={480}
            />
          </Box>
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
