import './kits.strings.ts';
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Pagination,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ResupplyNeed } from '../../../../src/product/resupply.schema.ts';
import type { KitListStatus } from '../../../../src/randomisation/kit-list.schema.ts';
import { apiErrorText, useCan, useLanguage, useProtocol, useStudySites } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { ListSignatures, SealedListPanel } from '../../components/sealed-list-panel.tsx';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { formatOwnDateTime } from '../../format.ts';
import {
  useExtendKits,
  useGenerateKits,
  useKitList,
  useKitListStatus,
  useResupply,
  useSealKits,
  useSendResupply,
} from './kits-api.ts';

/**
 * The kit list (everyone sees whether it is ready; the statistician generates, seals and extends it;
 * unblinded roles read it) and resupply by kit type (unblinded roles; packing with product.ship).
 */
export function KitsPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const status = useKitListStatus();
  const unblinded = can('randomisation.view-list');
  const listed = status.data?.status === 'generated' || status.data?.status === 'sealed';
  const [page, setPage] = useState(1);
  const list = useKitList(unblinded && listed, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const resupply = useResupply(unblinded && status.data?.status === 'sealed');
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('kits.title')}</Title>
        <Button component={Link} to="/product/shipments" variant="light">
          {t('kits.shipments')}
        </Button>
      </Group>
      <Text c="dimmed">{t('kits.intro')}</Text>
      {status.isPending && <Loader />}
      {status.isError && <Alert color="red">{apiErrorText(t, language, status.error)}</Alert>}
      {status.data?.status === 'none' && <Alert color="gray">{t('kits.none')}</Alert>}
      {status.data && status.data.status !== 'none' && (
        <>
          <Title order={3}>{t('kits.list')}</Title>
          <StatusPanel status={status.data} />
          {can('randomisation.manage') && <ManagePanel status={status.data} />}
          {unblinded ? (
            <ListPanel list={list} page={page} onPage={setPage} />
          ) : (
            <Text c="dimmed">{t('kits.blindedList')}</Text>
          )}
          <Title order={3}>{t('kits.resupply')}</Title>
          {unblinded ? (
            <ResupplyPanel resupply={resupply} canPack={can('product.ship')} />
          ) : (
            <Text c="dimmed" data-testid="resupply-blinded">
              {t('kits.resupplyBlinded')}
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}

function StatusPanel({ status }: { status: KitListStatus }) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <Stack gap="xs" data-testid="kit-status">
      <Group>
        <Text fw={500}>{t('kits.status')}:</Text>
        <Badge color={status.status === 'sealed' ? 'green' : 'yellow'}>
          {t(`kits.statuses.${status.status}`)}
        </Badge>
        {status.status !== 'missing' && <Text size="sm">{t('kits.count', { count: status.kitCount })}</Text>}
      </Group>
      {status.listHash && (
        <Text size="sm">
          {t('kits.hash')}: <Code data-testid="kit-hash">{status.listHash}</Code>
        </Text>
      )}
      <ListSignatures area="kits" generated={status.generated} sealed={status.sealed} />
      {status.blocks.map((block) => (
        <Text size="sm" key={block.block} data-testid="kit-block">
          {t('kits.block', {
            block: block.block,
            count: block.kitCount,
            name: block.sealed.name,
            at: formatOwnDateTime(block.sealed.at, language),
          })}{' '}
          <Code>{block.listHash}</Code>
        </Text>
      ))}
    </Stack>
  );
}

function ManagePanel({ status }: { status: KitListStatus }) {
  const generate = useGenerateKits();
  const extend = useExtendKits();
  const seal = useSealKits();
  return (
    <SealedListPanel
      area="kits"
      testId="kit"
      status={status.status}
      listHash={status.listHash}
      withCount
      generate={{
        run: ({ seed, count }) => generate.mutateAsync({ seed, kitCount: count }),
        pending: generate.isPending,
      }}
      extend={{
        run: ({ seed, count }) => extend.mutateAsync({ seed, kitCount: count }),
        pending: extend.isPending,
      }}
      seal={{ run: (listHash) => seal.mutateAsync({ listHash }), pending: seal.isPending }}
    />
  );
}

/** The protocol's name of each kit type, in the page's language. */
function useKitTypeLabel(): (kitType: string) => string {
  const language = useLanguage();
  const protocol = useProtocol();
  const labels = new Map(
    (protocol.data?.protocol.supply?.kitTypes ?? []).map((type) => [type.id, type.label[language]]),
  );
  return (kitType) => labels.get(kitType) ?? kitType;
}

const PAGE_SIZE = 100;

/** One page of the kit list, read from the server (a list may hold tens of thousands of kits). */
function ListPanel({
  list,
  page,
  onPage,
}: {
  list: ReturnType<typeof useKitList>;
  page: number;
  onPage: (page: number) => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const label = useKitTypeLabel();
  if (list.isPending) return list.fetchStatus === 'idle' ? null : <Loader />;
  if (list.isError) return <Alert color="red">{apiErrorText(t, language, list.error)}</Alert>;
  const view = list.data;
  return (
    <Stack gap="xs">
      <Text size="sm">
        {t('kits.seedOf', { seed: view.seed })}{' '}
        {view.hashMatches ? t('kits.hashMatches') : t('kits.hashBroken')}
      </Text>
      <ScrollTable striped data-testid="kit-list">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('kits.sequence')}</Table.Th>
            <Table.Th>{t('kits.kitNumber')}</Table.Th>
            <Table.Th>{t('kits.kitType')}</Table.Th>
            <Table.Th>{t('kits.lot')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {view.kits.map((kit) => (
            <Table.Tr key={kit.kitNumber}>
              <Table.Td>{kit.sequence}</Table.Td>
              <Table.Td>{kit.kitNumber}</Table.Td>
              <Table.Td>{label(kit.kitType)}</Table.Td>
              <Table.Td>{kit.lotNumber ?? t('kits.notCarried')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
      {view.total > PAGE_SIZE && (
        <Pagination
          total={Math.ceil(view.total / PAGE_SIZE)}
          value={page}
          onChange={onPage}
          data-testid="kit-list-pages"
        />
      )}
    </Stack>
  );
}

function ResupplyPanel({
  resupply,
  canPack,
}: {
  resupply: ReturnType<typeof useResupply>;
  canPack: boolean;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const label = useKitTypeLabel();
  const sites = useStudySites();
  const siteName = (siteId: string) =>
    sites.data?.find((site) => site.siteId === siteId)?.name[language] ?? siteId;
  const [packing, setPacking] = useState<ResupplyNeed | null>(null);
  const [packed, setPacked] = useState(false);
  if (resupply.isPending) return resupply.fetchStatus === 'idle' ? null : <Loader />;
  if (resupply.isError) return <Alert color="red">{apiErrorText(t, language, resupply.error)}</Alert>;
  return (
    <Stack gap="sm" data-testid="resupply">
      {packed && (
        <Alert color="green" data-testid="resupply-packed">
          {t('kits.packed')}
        </Alert>
      )}
      {resupply.data.length === 0 && <Text c="dimmed">{t('kits.noResupply')}</Text>}
      {resupply.data.map((need) => (
        <Stack key={need.siteId} gap="xs" data-testid={`resupply-${need.siteId}`}>
          <Text fw={500}>
            {t('kits.site')}: {siteName(need.siteId)}
          </Text>
          <ScrollTable striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('kits.kitType')}</Table.Th>
                <Table.Th>{t('kits.usable')}</Table.Th>
                <Table.Th>{t('kits.incoming')}</Table.Th>
                <Table.Th>{t('kits.threshold')}</Table.Th>
                <Table.Th>{t('kits.send')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {need.kitTypes.map((type) => (
                <Table.Tr key={type.kitType}>
                  <Table.Td>{label(type.kitType)}</Table.Td>
                  <Table.Td>
                    {type.usable}{' '}
                    {type.usable + type.incoming < type.threshold && (
                      <Badge color="red">{t('kits.low')}</Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{type.incoming}</Table.Td>
                  <Table.Td>{type.threshold}</Table.Td>
                  <Table.Td>{type.send}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </ScrollTable>
          {need.problem && <Alert color="yellow">{t(`kits.problems.${need.problem}`)}</Alert>}
          {need.proposal && (
            <Group>
              <Text size="sm">
                {t('kits.proposal', {
                  count: need.proposal.kitNumbers.length,
                  from: need.proposal.from.code,
                  to: need.proposal.to.code,
                })}
              </Text>
              {canPack && (
                <Button
                  size="xs"
                  onClick={() => setPacking(need)}
                  data-testid={`resupply-pack-${need.siteId}`}
                >
                  {t('kits.pack')}
                </Button>
              )}
            </Group>
          )}
        </Stack>
      ))}
      {packing && (
        <PackResupply
          need={packing}
          siteName={siteName(packing.siteId)}
          onDone={() => {
            setPacking(null);
            setPacked(true);
          }}
          onClose={() => setPacking(null)}
        />
      )}
    </Stack>
  );
}

function PackResupply({
  need,
  siteName,
  onDone,
  onClose,
}: {
  need: ResupplyNeed;
  siteName: string;
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const send = useSendResupply();
  return (
    <SignatureModal
      title={t('kits.packTitle', { site: siteName })}
      meaningText={t('product.custodyMeaning.pack')}
      testId="resupply"
      sign={(password) => send.mutateAsync({ siteId: need.siteId, password })}
      onSigned={onDone}
      onClose={onClose}
    >
      <Text size="sm">{t('kits.kitNumbers')}</Text>
      <Code block>{need.proposal?.kitNumbers.join(' ')}</Code>
    </SignatureModal>
  );
}
