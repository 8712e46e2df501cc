import './coding.strings.ts';
import { Alert, Group, Loader, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { codingListQuerySchema, codingListSchema } from '../../../../src/coding/coding.schema.ts';
import { api, queryText } from '../../api/client.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import { CodingTable } from './coding-table.tsx';

type ListQuery = z.input<typeof codingListQuerySchema>;
type CodingList = z.infer<typeof codingListSchema>;

/** The coder's page: a dictionary's queue (or its coded terms), with search, pick and query. */
export function CodingPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const [dictionary, setDictionary] = useState<ListQuery['dictionary']>('meddra');
  const [show, setShow] = useState<NonNullable<ListQuery['show']>>('queue');
  const [search, setSearch] = useState('');
  const query: ListQuery = { dictionary, show, search: search.trim() || undefined };
  const items = useQuery({
    queryKey: ['coding', query],
    queryFn: () => api<CodingList>('GET', `/coding/items?${queryText<ListQuery>(query)}`),
  });
  return (
    <Stack>
      <Title order={2}>{t('coding.title')}</Title>
      <Text c="dimmed">{t('coding.intro')}</Text>
      <Group align="flex-end">
        <NativeSelect
          label={t('coding.dictionary')}
          value={dictionary}
          onChange={(event) => setDictionary(event.currentTarget.value as ListQuery['dictionary'])}
          data={[
            { value: 'meddra', label: t('coding.dictionaries.meddra') },
            { value: 'whodrug', label: t('coding.dictionaries.whodrug') },
          ]}
        />
        <NativeSelect
          label={t('coding.show')}
          value={show}
          onChange={(event) => setShow(event.currentTarget.value as typeof show)}
          data={(['queue', 'coded', 'all'] as const).map((value) => ({
            value,
            label: t(`coding.shows.${value}`),
          }))}
        />
        <TextInput
          label={t('coding.search')}
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
      </Group>
      {items.data && (
        <Text size="sm" data-testid="coding-version">
          {items.data.version
            ? t('coding.version', {
                dictionary: t(`coding.dictionaries.${dictionary}`),
                version: items.data.version,
              })
            : t('coding.noVersion', { dictionary: t(`coding.dictionaries.${dictionary}`) })}
        </Text>
      )}
      {items.isPending && <Loader />}
      {items.isError && <Alert color="red">{apiErrorText(t, language, items.error)}</Alert>}
      {items.data && items.data.items.length === 0 && <Alert color="gray">{t('coding.empty')}</Alert>}
      {items.data && items.data.items.length > 0 && <CodingTable items={items.data.items} />}
    </Stack>
  );
}
