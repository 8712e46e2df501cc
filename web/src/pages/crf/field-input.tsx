import { Checkbox, Group, NativeSelect, Radio, Stack, Text, TextInput } from '@mantine/core';
import type { KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FieldInput } from '../../../../src/crf/entries.ts';
import type { Protocol, ProtocolItem } from '../../../../src/protocol/schema.ts';
import { LAST_DATE, LAST_DATE_TIME, zoneLabel } from '../../api/site-clock.ts';
import { useLanguage } from '../../api/trial.ts';
import { digitChoice, MISSING_SHORTCUT } from './keyboard-entry.ts';

/** UCUM codes as people write them. */
const unitDisplay: Record<string, string> = {
  Cel: '°C',
  'mm[Hg]': 'mmHg',
  '10*9/L': '×10⁹/L',
  '10*12/L': '×10¹²/L',
  'umol/L': 'µmol/L',
  '[IU]/L': 'IU/L',
  'U/L': 'U/L',
};
export const displayUnit = (unit: string) => unitDisplay[unit] ?? unit.replace(/\[|\]/g, '');

const NUMBER = /^-?\d+(\.\d+)?$/;

/** The value a typed text means for an item: a number when it reads as one, else the text (which the checks refuse). */
export function parseTyped(item: ProtocolItem, text: string): unknown {
  if (text.trim() === '') return null;
  if (item.type === 'integer' || item.type === 'decimal') {
    const trimmed = text.trim().replace(',', '.');
    return NUMBER.test(trimmed) ? Number(trimmed) : text;
  }
  return text;
}

function options(protocol: Protocol, item: ProtocolItem, language: 'en' | 'zh') {
  const entries = item.choices ?? protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? [];
  return entries.map((entry) => ({ value: entry.code, label: entry.label[language] }));
}

/**
 * One input per item type, labelled with the item's text. `raw` keeps what was typed in a number box
 * (so "37." survives while typing); the parsed value goes to the checks.
 */
export function FieldInputControl({
  protocol,
  item,
  field,
  raw,
  error,
  disabled,
  onChange,
  timeZone,
}: {
  protocol: Protocol;
  item: ProtocolItem;
  field: FieldInput | undefined;
  raw: string | undefined;
  error: string | undefined;
  disabled: boolean;
  onChange: (value: unknown, raw?: string) => void;
  /** The site's zone, in which the server reads a typed date and time (shown beside such a field). */
  timeZone?: string;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const label = item.label[language];
  const description = item.hint?.[language];
  const value = field?.value;
  const common = { label, description, error, disabled, withAsterisk: item.required, 'data-item': item.id };
  // On each control that takes focus (a group's wrapper is not one).
  const shortcut = { 'aria-keyshortcuts': MISSING_SHORTCUT };
  switch (item.type) {
    case 'integer':
    case 'decimal': {
      const unit = item.unit ? displayUnit(item.unit) : undefined;
      const span = (range: { low?: number; high?: number }) =>
        `${range.low ?? ''}–${range.high ?? ''}${unit ? ` ${unit}` : ''}`;
      const range = item.range ? span(item.range) : undefined;
      const plausible = item.plausible ? span(item.plausible) : undefined;
      return (
        <TextInput
          {...common}
          {...shortcut}
          inputMode={item.type === 'integer' ? 'numeric' : 'decimal'}
          value={raw ?? (typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '')}
          onChange={(event) =>
            onChange(parseTyped(item, event.currentTarget.value), event.currentTarget.value)
          }
          rightSection={unit ? <Text size="sm">{unit}</Text> : undefined}
          rightSectionWidth={unit ? Math.max(40, unit.length * 9 + 16) : undefined}
          description={[
            description,
            range && t('crf.range', { range }),
            plausible && t('crf.plausible', { range: plausible }),
            item.precision !== undefined && item.type === 'decimal'
              ? t('crf.precision', { count: item.precision })
              : null,
          ]
            .filter(Boolean)
            .join(' · ')}
          maw={360}
        />
      );
    }
    case 'date':
      return (
        <TextInput
          {...common}
          {...shortcut}
          type="date"
          max={LAST_DATE}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.currentTarget.value || null)}
          maw={240}
        />
      );
    case 'datetime':
      return (
        <TextInput
          {...common}
          {...shortcut}
          type="datetime-local"
          max={LAST_DATE_TIME}
          description={[description, timeZone && zoneLabel(timeZone)].filter(Boolean).join(' · ')}
          value={typeof value === 'string' ? value.slice(0, 16) : ''}
          onChange={(event) => onChange(event.currentTarget.value || null)}
          maw={280}
        />
      );
    case 'choice': {
      const choices = options(protocol, item, language);
      return (
        <NativeSelect
          {...common}
          {...shortcut}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.currentTarget.value || null)}
          onKeyDown={(event) => {
            const index = digitChoice(event, choices.length);
            if (index !== null) onChange(choices[index]?.value ?? null);
          }}
          data={[{ value: '', label: t('crf.choose') }, ...choices]}
          maw={420}
        />
      );
    }
    case 'multichoice': {
      const choices = options(protocol, item, language);
      const codes = Array.isArray(value) ? (value as string[]) : [];
      const toggle = (code: string) => {
        const next = codes.includes(code) ? codes.filter((entry) => entry !== code) : [...codes, code];
        onChange(next.length ? next : null);
      };
      return (
        <Checkbox.Group {...common} value={codes} onChange={(next) => onChange(next.length ? next : null)}>
          <Stack gap={4} mt={4}>
            {choices.map((option) => (
              <Checkbox
                key={option.value}
                value={option.value}
                label={option.label}
                disabled={disabled}
                {...shortcut}
                onKeyDown={(event) => {
                  const index = digitChoice(event, choices.length);
                  const chosen = index === null ? undefined : choices[index];
                  if (chosen) toggle(chosen.value);
                }}
              />
            ))}
          </Stack>
        </Checkbox.Group>
      );
    }
    case 'boolean': {
      // 1 or Y answers yes, 2 or N answers no, in either language.
      const answer = (event: KeyboardEvent) => {
        const key = event.key.toLowerCase();
        const index = key === 'y' ? 0 : key === 'n' ? 1 : digitChoice(event, 2);
        if (index === null || event.altKey || event.ctrlKey || event.metaKey) return;
        event.preventDefault();
        onChange(index === 0);
      };
      return (
        <Radio.Group
          {...common}
          value={value === true ? 'yes' : value === false ? 'no' : ''}
          onChange={(choice) => onChange(choice === 'yes' ? true : choice === 'no' ? false : null)}
        >
          <Group mt={4}>
            <Radio value="yes" label={t('common.yes')} disabled={disabled} {...shortcut} onKeyDown={answer} />
            <Radio value="no" label={t('common.no')} disabled={disabled} {...shortcut} onKeyDown={answer} />
          </Group>
        </Radio.Group>
      );
    }
    default:
      return (
        <TextInput
          {...common}
          {...shortcut}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.currentTarget.value || null)}
        />
      );
  }
}
