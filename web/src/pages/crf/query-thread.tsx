import { Alert, Badge, Button, Card, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueryActionRequest, RaiseQueryRequest } from '../../../../src/crf/crf.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { apiErrorText, type QueryView, useCan, useLanguage } from '../../api/trial.ts';

const statusColour = { open: 'red', answered: 'yellow', closed: 'gray' } as const;
type QueryAction = 'answer' | 'close' | 'reopen';

/**
 * Enter in a query's box does the box's own action and nothing else. The boxes sit inside a form page's
 * <form> (a <form> cannot hold another), where Enter would otherwise submit the whole page.
 */
const onEnter = (action: () => void) => (event: KeyboardEvent<HTMLInputElement>) => {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  event.stopPropagation();
  action();
};

/** The actions a user's role allows on a query in its state (the server's rules, mirrored for the buttons). */
export function useQueryActions(query: QueryView): QueryAction[] {
  const can = useCan();
  const actions: QueryAction[] = [];
  if (query.status === 'open' && can('query.answer')) actions.push('answer');
  if (query.status !== 'closed' && can('query.close')) actions.push('close');
  if (query.status !== 'open' && can('query.raise')) actions.push('reopen');
  return actions;
}

/** A query with its messages and a reply box for the actions the user may take. */
export function QueryThread({ query, onChanged }: { query: QueryView; onChanged: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const dates = useDates(query.siteId);
  const actions = useQueryActions(query);
  const [text, setText] = useState('');
  const [action, setAction] = useState<QueryAction>(actions[0] ?? 'answer');
  const mutation = useMutation({
    mutationFn: (chosen: QueryAction) =>
      api<QueryView, QueryActionRequest>('POST', `/queries/${query.queryId}/${chosen}`, {
        text: text.trim(),
        version: query.version,
      }),
    onSuccess: () => {
      setText('');
      onChanged();
    },
  });
  const needsText = !text.trim();
  const hintId = `query-hint-${query.queryId}`;
  const act = (chosen: QueryAction) => {
    setAction(chosen);
    if (text.trim()) mutation.mutate(chosen);
  };
  return (
    <Card withBorder padding="xs" data-testid={`query-${query.itemId}`}>
      <Stack gap={4}>
        <Group gap="xs">
          <Badge color={statusColour[query.status]} size="sm">
            {t(`queries.status.${query.status}`)}
          </Badge>
          <Text size="xs" c="dimmed">
            {t(`queries.origin.${query.origin}`)} · {dates.dateTime(query.raisedAt)}
          </Text>
        </Group>
        {query.messages.map((message) => (
          <Text size="sm" key={`${message.at}-${message.kind}`}>
            <b>{message.by}</b> ({t(`queries.kind.${message.kind}`, { defaultValue: message.kind })}):{' '}
            {message.text}
          </Text>
        ))}
        {actions.length > 0 && (
          <Group align="flex-end" gap="xs">
            <TextInput
              size="xs"
              label={t('queries.reply')}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              onKeyDown={onEnter(() => act(actions[0] ?? 'answer'))}
              style={{ flex: 1 }}
            />
            {actions.map((entry) => (
              <Button
                key={entry}
                size="xs"
                type="button"
                variant={entry === 'answer' ? 'filled' : 'light'}
                disabled={needsText}
                aria-describedby={needsText ? hintId : undefined}
                title={
                  needsText ? t(`queries.needsText.${entry === 'close' ? 'close' : 'other'}`) : undefined
                }
                loading={mutation.isPending && action === entry}
                onClick={() => act(entry)}
              >
                {t(`queries.action.${entry}`)}
              </Button>
            ))}
          </Group>
        )}
        {actions.length > 0 && needsText && (
          <Text size="xs" c="dimmed" id={hintId}>
            {t(`queries.needsText.${actions.includes('close') ? 'close' : 'other'}`)}
          </Text>
        )}
        {mutation.isError && (
          <Alert color="red" role="alert" p="xs">
            {apiErrorText(t, language, mutation.error)}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

/** A monitor or data manager raises a query on a saved field. */
export function RaiseQuery({
  recordId,
  itemId,
  onRaised,
}: {
  recordId: string;
  itemId: string;
  onRaised: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: () =>
      api<QueryView, RaiseQueryRequest>('POST', '/queries', { recordId, itemId, text: text.trim() }),
    onSuccess: () => {
      setText('');
      setOpen(false);
      void client.invalidateQueries({ queryKey: ['queries'] });
      onRaised();
    },
  });
  const raise = () => {
    if (text.trim() && !mutation.isPending) mutation.mutate();
  };
  if (!open) {
    return (
      <Button type="button" size="compact-xs" variant="subtle" onClick={() => setOpen(true)}>
        {t('queries.raise')}
      </Button>
    );
  }
  return (
    <Stack gap={4} data-testid={`raise-query-${itemId}`}>
      <Group align="flex-end" gap="xs">
        <TextInput
          size="xs"
          label={t('queries.question')}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          onKeyDown={onEnter(raise)}
          style={{ flex: 1 }}
          data-autofocus
        />
        <Button size="xs" type="button" disabled={!text.trim()} loading={mutation.isPending} onClick={raise}>
          {t('queries.raise')}
        </Button>
        <Button size="xs" type="button" variant="default" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </Button>
      </Group>
      {mutation.isError && (
        <Text c="red" size="xs">
          {apiErrorText(t, language, mutation.error)}
        </Text>
      )}
    </Stack>
  );
}
