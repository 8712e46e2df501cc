import { Alert, Badge, Button, Loader, Table } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import type { ApiTokenView } from './admin-api.ts';

/** Every API token of the study; `path` is /admin/tokens here and /tokens on My account. */
export function TokenTable({ path, queryKey }: { path: string; queryKey: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: [queryKey], queryFn: () => api<ApiTokenView[]>('GET', path) });
  const revoke = useMutation({
    mutationFn: (tokenId: string) => api('DELETE', `/tokens/${tokenId}`),
    onSettled: () => client.invalidateQueries({ queryKey: [queryKey] }),
  });
  if (tokens.isPending) return <Loader />;
  if (tokens.isError) return <Alert color="red">{errorMessage(t, tokens.error)}</Alert>;
  return (
    <>
      {revoke.isError && <Alert color="red">{errorMessage(t, revoke.error)}</Alert>}
      <ScrollTable striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('admin.name')}</Table.Th>
            <Table.Th>{t('admin.owner')}</Table.Th>
            <Table.Th>{t('admin.prefix')}</Table.Th>
            <Table.Th>{t('admin.created')}</Table.Th>
            <Table.Th>{t('admin.createdBy')}</Table.Th>
            <Table.Th>{t('admin.expires')}</Table.Th>
            <Table.Th>{t('admin.lastUsed')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.data.map((token) => (
            <Table.Tr key={token.tokenId}>
              <Table.Td>{token.name}</Table.Td>
              <Table.Td data-testid="token-owner">{token.userName}</Table.Td>
              <Table.Td>
                <code>{token.prefix}…</code>
              </Table.Td>
              <Table.Td>{dates.dateTime(token.createdAt)}</Table.Td>
              <Table.Td data-testid="token-created-by">{token.createdByName}</Table.Td>
              <Table.Td>{dates.dateTime(token.expiresAt)}</Table.Td>
              <Table.Td>{dates.dateTime(token.lastUsedAt)}</Table.Td>
              <Table.Td>
                {token.revokedAt ? (
                  <Badge color="gray">{t('admin.revoked')}</Badge>
                ) : token.expiresAt && new Date(token.expiresAt) <= new Date() ? (
                  <Badge color="gray">{t('admin.expired')}</Badge>
                ) : (
                  <Button size="xs" variant="light" color="red" onClick={() => revoke.mutate(token.tokenId)}>
                    {t('common.revoke')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </>
  );
}

export function TokensPage() {
  return <TokenTable path="/admin/tokens" queryKey="admin-tokens" />;
}
