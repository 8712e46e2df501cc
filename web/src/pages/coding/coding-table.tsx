import './coding.strings.ts';
import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type {
  CodingItemView,
  CodingQueryRequest,
  PickCodeRequest,
} from '../../../../src/coding/coding.schema.ts';
import { api } from '../../api/client.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

const statusColour: Record<CodingItemView['status'], string> = {
  coded: 'green',
  queued: 'yellow',
  query: 'orange',
};

/** The coded term in a line: LLT → PT (SOC), or drug → preferred name (ATC). */
function CodedTerm({ coded, zh }: { coded: NonNullable<CodingItemView['coded']>; zh: boolean }) {
  if (coded.dictionary === 'whodrug') {
    return (
      <Text size="sm">
        {coded.name} → {coded.preferredName}
        {coded.atcCode && ` · ${coded.atcCode} ${coded.atcText ?? ''}`}
      </Text>
    );
  }
  const name = (term: { name: string; nameZh: string | null }) => (zh && term.nameZh) || term.name;
  return (
    <Text size="sm">
      {name(coded.llt)} ({coded.llt.code}) → {name(coded.pt)} · {name(coded.soc)}
    </Text>
  );
}

export function CodingTable({ items }: { items: CodingItemView[] }) {
  const { t } = useTranslation();
  return (
    <ScrollTable withTableBorder verticalSpacing="xs" data-testid="coding-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('coding.participant')}</Table.Th>
          <Table.Th>{t('coding.verbatim')}</Table.Th>
          <Table.Th w="45%">{t('coding.term')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((item) => (
          <CodingRow key={item.codingId} item={item} />
        ))}
      </Table.Tbody>
    </ScrollTable>
  );
}

function CodingRow({ item }: { item: CodingItemView }) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <Table.Tr data-testid="coding-row">
      <Table.Td>
        <Anchor component={Link} to={`/participants/${item.participantId}`}>
          {item.participantLabel}
        </Anchor>
        <Text size="xs" c="dimmed">
          {t(`coding.sources.${item.sourceType}`)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text fw={500}>{item.verbatim}</Text>
        <Badge color={statusColour[item.status]} data-testid="coding-status">
          {t(`coding.statuses.${item.status}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Stack gap={4}>
          {item.coded && <CodedTerm coded={item.coded} zh={language === 'zh'} />}
          {item.coded && item.method && (
            <Text size="xs" c="dimmed">
              {t(`coding.methods.${item.method}`)}
              {item.method === 'manual' && item.codedBy ? ` · ${item.codedBy}` : ''}
            </Text>
          )}
          {item.previous && (
            <Text size="sm" c="dimmed" data-testid="coding-previous">
              {t('coding.previous', {
                name: item.previous.name,
                code: item.previous.code,
                version: item.previous.version,
                reason: t(
                  `coding.reasons.${item.requeueReason === 'version-switched' ? 'versionSwitched' : 'verbatimChanged'}`,
                ),
              })}
            </Text>
          )}
          {item.status !== 'coded' && <CodingActions item={item} />}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}

/** Pick a suggestion or a code typed in, or ask the site about the verbatim. */
function CodingActions({ item }: { item: CodingItemView }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const [code, setCode] = useState('');
  const [asking, setAsking] = useState(false);
  const [question, setQuestion] = useState('');
  const refresh = () => client.invalidateQueries({ queryKey: ['coding'] });
  const pick = useMutation({
    mutationFn: (picked: string) =>
      api<CodingItemView, PickCodeRequest>('POST', `/coding/items/${item.codingId}/code`, {
        code: picked,
        version: item.version,
      }),
    onSuccess: refresh,
  });
  const ask = useMutation({
    mutationFn: () =>
      api<CodingItemView, CodingQueryRequest>('POST', `/coding/items/${item.codingId}/query`, {
        text: question,
        version: item.version,
      }),
    onSuccess: refresh,
  });
  return (
    <Stack gap={4}>
      {item.suggestions.length > 0 && (
        <Group gap={4}>
          <Text size="xs" c="dimmed">
            {t('coding.suggestions')}
          </Text>
          {item.suggestions.map((suggestion) => (
            <Button
              key={suggestion.code}
              size="compact-xs"
              variant="light"
              onClick={() => pick.mutate(suggestion.code)}
              loading={pick.isPending}
            >
              {t('coding.pick', { name: suggestion.name, code: suggestion.code })}
            </Button>
          ))}
        </Group>
      )}
      <Group gap={4} align="flex-end">
        <TextInput
          size="xs"
          label={t('coding.code')}
          value={code}
          onChange={(event) => setCode(event.currentTarget.value)}
        />
        <Button size="xs" disabled={code.trim() === ''} onClick={() => pick.mutate(code.trim())}>
          {t('coding.codeIt')}
        </Button>
        {item.status === 'queued' && !asking && (
          <Button size="xs" variant="subtle" onClick={() => setAsking(true)}>
            {t('coding.ask')}
          </Button>
        )}
      </Group>
      {asking && (
        <Group gap={4} align="flex-end">
          <Textarea
            size="xs"
            label={t('coding.question')}
            value={question}
            onChange={(event) => setQuestion(event.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Button
            size="xs"
            disabled={question.trim() === ''}
            onClick={() => ask.mutate()}
            loading={ask.isPending}
          >
            {t('coding.send')}
          </Button>
        </Group>
      )}
      {item.status === 'query' && (
        <Text size="xs" c="orange">
          {t('coding.waiting')}
        </Text>
      )}
      {pick.isError && <Alert color="red">{apiErrorText(t, language, pick.error)}</Alert>}
      {ask.isError && <Alert color="red">{apiErrorText(t, language, ask.error)}</Alert>}
    </Stack>
  );
}
