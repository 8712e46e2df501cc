import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { ruleProblem } from './rule-check.ts';

type Path = Array<string | number>;

/** The parts of an item this editor changes, as written in the file. */
export interface EditableItem {
  label: { en: string; zh: string };
  required: boolean;
  showIf?: string;
  checks: Array<{ rule: string; severity: 'hard' | 'soft'; message: { en: string; zh: string } }>;
}
export type SetIn = (path: Path, value: unknown) => void;

/**
 * Edits one item where people most often get rule files wrong: labels in both languages, required,
 * skip logic and edit checks. Every rule is parsed and type-checked as it is typed.
 */
export function ItemEditor({
  protocol,
  item,
  path,
  setIn,
}: {
  protocol: Protocol;
  item: EditableItem;
  path: Path;
  setIn: SetIn;
}) {
  const { t } = useTranslation();
  const showIfProblem = item.showIf ? ruleProblem(protocol, item.showIf) : null;
  return (
    <Stack gap="xs" data-testid="item-editor">
      <Group grow>
        <TextInput
          label={t('protocolPage.labelEn')}
          value={item.label.en}
          onChange={(e) => setIn([...path, 'label', 'en'], e.currentTarget.value)}
        />
        <TextInput
          label={t('protocolPage.labelZh')}
          value={item.label.zh}
          onChange={(e) => setIn([...path, 'label', 'zh'], e.currentTarget.value)}
        />
      </Group>
      <Checkbox
        label={t('protocolPage.required')}
        checked={item.required}
        onChange={(e) => setIn([...path, 'required'], e.currentTarget.checked)}
      />
      <TextInput
        label={t('protocolPage.showIfLabel')}
        description={t('protocolPage.ruleHint')}
        value={item.showIf ?? ''}
        error={showIfProblem}
        onChange={(e) => setIn([...path, 'showIf'], e.currentTarget.value || undefined)}
        styles={{ input: { fontFamily: 'monospace' } }}
        data-testid="show-if"
      />
      <Text fw={500} size="sm">
        {t('protocolPage.checks')}
      </Text>
      {item.checks.map((check, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: checks have no id; their position is their identity here
        <Paper key={index} withBorder p="xs">
          <Group align="flex-end">
            <TextInput
              style={{ flex: 1 }}
              label={t('protocolPage.rule')}
              value={check.rule}
              error={ruleProblem(protocol, check.rule)}
              onChange={(e) => setIn([...path, 'checks', index, 'rule'], e.currentTarget.value)}
              styles={{ input: { fontFamily: 'monospace' } }}
            />
            <SegmentedControl
              value={check.severity}
              onChange={(value) => setIn([...path, 'checks', index, 'severity'], value)}
              data={[
                { value: 'hard', label: t('protocolPage.severity.hard') },
                { value: 'soft', label: t('protocolPage.severity.soft') },
              ]}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={t('protocolPage.removeCheck')}
              onClick={() =>
                setIn(
                  [...path, 'checks'],
                  item.checks.filter((_, other) => other !== index),
                )
              }
            >
              ✕
            </ActionIcon>
          </Group>
          <Group grow>
            <TextInput
              label={t('protocolPage.messageEn')}
              value={check.message.en}
              onChange={(e) => setIn([...path, 'checks', index, 'message', 'en'], e.currentTarget.value)}
            />
            <TextInput
              label={t('protocolPage.messageZh')}
              value={check.message.zh}
              onChange={(e) => setIn([...path, 'checks', index, 'message', 'zh'], e.currentTarget.value)}
            />
          </Group>
        </Paper>
      ))}
      <Button
        variant="light"
        size="xs"
        w="fit-content"
        onClick={() =>
          setIn(
            [...path, 'checks'],
            [...item.checks, { rule: '', severity: 'soft', message: { en: '', zh: '' } }],
          )
        }
      >
        {t('protocolPage.addCheck')}
      </Button>
    </Stack>
  );
}
