import './randomisation.strings.ts';
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RandomisationStatus } from '../../../../src/randomisation/randomisation.schema.ts';
import { apiErrorText, useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { formatOwnDateTime } from '../../format.ts';
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
  const language = useLanguage();
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
      {status.generated && (
        <Text size="sm">
          {t('randomisation.generatedBy', {
            name: status.generated.name,
            at: formatOwnDateTime(status.generated.at, language),
          })}
        </Text>
      )}
      {status.sealed && (
        <Text size="sm">
          {t('randomisation.sealedBy', {
            name: status.sealed.name,
            at: formatOwnDateTime(status.sealed.at, language),
          })}
        </Text>
      )}
    </Stack>
  );
}

function ManagePanel({ status }: { status: RandomisationStatus }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const generate = useGenerateList();
  const seal = useSealList();
  const [seed, setSeed] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (work: () => Promise<unknown>, done: string) => {
    setMessage(null);
    try {
      await work();
      setMessage({ ok: true, text: done });
    } catch (error) {
      setMessage({ ok: false, text: apiErrorText(t, language, error, { seed: t('randomisation.seed') }) });
    }
  };
  const onGenerate = () =>
    run(
      () => generate.mutateAsync({ seed: /^\d+$/.test(seed) ? Number(seed) : Number.NaN }),
      t('randomisation.generated'),
    );
  const onSeal = () =>
    run(async () => {
      await seal.mutateAsync({ listHash: status.listHash ?? '' });
      setConfirming(false);
    }, t('randomisation.sealed'));
  return (
    <Stack gap="xs">
      {/* Kept mounted after sealing so that its message says the list is sealed; the controls go. */}
      {status.status !== 'sealed' && (
        <Group align="flex-end">
          <TextInput
            label={t('randomisation.seed')}
            description={t('randomisation.seedHint')}
            value={seed}
            inputMode="numeric"
            onChange={(event) => setSeed(event.currentTarget.value.trim())}
            data-testid="randomisation-seed"
          />
          <Button onClick={() => void onGenerate()} loading={generate.isPending} disabled={seed === ''}>
            {status.status === 'generated' ? t('randomisation.regenerate') : t('randomisation.generate')}
          </Button>
          {status.status === 'generated' && !confirming && (
            <Button color="green" onClick={() => setConfirming(true)}>
              {t('randomisation.seal')}
            </Button>
          )}
        </Group>
      )}
      {confirming && (
        <Alert color="yellow">
          <Stack gap="xs">
            <Text size="sm">{t('randomisation.sealConfirm', { hash: status.listHash })}</Text>
            <Group>
              <Button
                color="green"
                onClick={() => void onSeal()}
                loading={seal.isPending}
                data-testid="randomisation-seal"
              >
                {t('randomisation.seal')}
              </Button>
              <Button variant="default" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} data-testid="randomisation-message">
          {message.text}
        </Alert>
      )}
    </Stack>
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
