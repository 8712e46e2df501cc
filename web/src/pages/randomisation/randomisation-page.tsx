import './randomisation.strings.ts';
import { Alert, Badge, Code, Group, Loader, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RandomisationStatus } from '../../../../src/randomisation/randomisation.schema.ts';
import { apiErrorText, useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { ListSignatures, SealedListPanel } from '../../components/sealed-list-panel.tsx';
import {
  useGenerateList,
  useRandomisationList,
  useRandomisationStatus,
  useSealList,
} from './randomisation-api.ts';

/** Whether randomisation is ready (everyone); generating and sealing the list (the statistician); the list (unblinded roles). */
export function RandomisationPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const status = useRandomisationStatus();
  const unblinded = can('randomisation.view-list');
  const list = useRandomisationList(
    unblinded && (status.data?.status === 'generated' || status.data?.status === 'sealed'),
  );
  return (
    <Stack>
      <Title order={2}>{t('randomisation.title')}</Title>
      <Text c="dimmed">{t('randomisation.intro')}</Text>
      {status.isPending && <Loader />}
      {status.isError && <Alert color="red">{apiErrorText(t, language, status.error)}</Alert>}
      {status.data?.status === 'none' && <Alert color="gray">{t('randomisation.notRandomised')}</Alert>}
      {status.data && status.data.status !== 'none' && (
        <>
          <StatusPanel status={status.data} />
          {can('randomisation.manage') && <ManagePanel status={status.data} />}
          {unblinded ? <ListPanel list={list} /> : <Text c="dimmed">{t('randomisation.blinded')}</Text>}
        </>
      )}
    </Stack>
  );
}

function StatusPanel({ status }: { status: RandomisationStatus }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" data-testid="randomisation-status">
      <Group>
        <Text fw={500}>{t('randomisation.method')}:</Text>
        <Text>{status.method ? t(`randomisation.methods.${status.method}`) : '—'}</Text>
        <Text fw={500}>{t('randomisation.status')}:</Text>
        <Badge color={status.status === 'sealed' ? 'green' : 'yellow'}>
          {t(`randomisation.statuses.${status.status}`)}
        </Badge>
      </Group>
      {status.listHash && (
        <Text size="sm">
          {t('randomisation.hash')}: <Code data-testid="randomisation-hash">{status.listHash}</Code>
        </Text>
      )}
      {status.status !== 'missing' && (
        <Text size="sm">
          {t('randomisation.counts', {
            entries: status.entryCount,
            strata: status.strata.length,
            allocations: status.allocations,
          })}
        </Text>
      )}
      <ListSignatures area="randomisation" generated={status.generated} sealed={status.sealed} />
    </Stack>
  );
}

function ManagePanel({ status }: { status: RandomisationStatus }) {
  const generate = useGenerateList();
  const seal = useSealList();
  return (
    <SealedListPanel
      area="randomisation"
      testId="randomisation"
      status={status.status}
      listHash={status.listHash}
      generate={{ run: ({ seed }) => generate.mutateAsync({ seed }), pending: generate.isPending }}
      seal={{ run: (listHash) => seal.mutateAsync({ listHash }), pending: seal.isPending }}
    />
  );
}

function ListPanel({ list }: { list: ReturnType<typeof useRandomisationList> }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const protocol = useProtocol();
  const [chosen, setChosen] = useState<string | null>(null);
  if (list.isPending) return list.fetchStatus === 'idle' ? null : <Loader />;
  if (list.isError) return <Alert color="red">{apiErrorText(t, language, list.error)}</Alert>;
  const view = list.data;
  const armNames = new Map(
    (protocol.data?.protocol.study.design.arms ?? []).map((arm) => [arm.id, arm.name[language]]),
  );
  const stratum = chosen ?? view.strata[0] ?? '';
  const entries = view.entries.filter((entry) => entry.stratum === stratum);
  return (
    <Stack gap="xs">
      <Text size="sm">
        {t('randomisation.seedOf', { seed: view.seed })}{' '}
        {view.hashMatches ? t('randomisation.hashMatches') : t('randomisation.hashBroken')}
      </Text>
      {view.entries.length > 0 && (
        <>
          <NativeSelect
            label={t('randomisation.stratum')}
            value={stratum}
            onChange={(event) => setChosen(event.currentTarget.value)}
            data={view.strata}
            w="fit-content"
          />
          <ScrollTable striped data-testid="randomisation-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('randomisation.number')}</Table.Th>
                <Table.Th>{t('randomisation.sequence')}</Table.Th>
                <Table.Th>{t('randomisation.block')}</Table.Th>
                <Table.Th>{t('randomisation.arm')}</Table.Th>
                <Table.Th>{t('randomisation.allocatedTo')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((entry) => (
                <Table.Tr key={entry.randomisationNumber}>
                  <Table.Td>{entry.randomisationNumber}</Table.Td>
                  <Table.Td>{entry.sequence}</Table.Td>
                  <Table.Td>{`${entry.block} (${entry.blockSize})`}</Table.Td>
                  <Table.Td>{armNames.get(entry.arm) ?? entry.arm}</Table.Td>
                  <Table.Td>
                    {entry.allocatedTo ?? (entry.taken ? t('randomisation.takenElsewhere') : '')}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </ScrollTable>
        </>
      )}
      {view.allocationsMade.length > 0 && view.entries.length === 0 && (
        <ScrollTable striped data-testid="randomisation-allocations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('randomisation.number')}</Table.Th>
              <Table.Th>{t('randomisation.stratum')}</Table.Th>
              <Table.Th>{t('randomisation.arm')}</Table.Th>
              <Table.Th>{t('randomisation.allocatedTo')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.allocationsMade.map((row) => (
              <Table.Tr key={row.randomisationNumber}>
                <Table.Td>{row.randomisationNumber}</Table.Td>
                <Table.Td>{row.stratum}</Table.Td>
                <Table.Td>{armNames.get(row.arm) ?? row.arm}</Table.Td>
                <Table.Td>{row.studyNumber ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
    </Stack>
  );
}
