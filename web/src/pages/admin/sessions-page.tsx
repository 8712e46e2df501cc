import { Alert, Button, Loader, Table } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { ActiveSession } from '../../../../src/auth/auth.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

export function SessionsPage() {
  const { t } = useTranslation();
  const dates = useDates();
  const client = useQueryClient();
  const sessions = useQuery({
    queryKey: ['sessions'],
    queryFn: () => api<ActiveSession[]>('GET', '/sessions'),
  });
  const end = useMutation({
    mutationFn: (sessionId: string) => api('DELETE', `/sessions/${sessionId}`),
    onSettled: () => client.invalidateQueries({ queryKey: ['sessions'] }),
  });
  if (sessions.isPending) return <Loader />;
  if (sessions.isError) return <Alert color="red">{errorMessage(t, sessions.error)}</Alert>;
  return (
    <>
      {end.isError && <Alert color="red">{errorMessage(t, end.error)}</Alert>}
      <ScrollTable striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('admin.name')}</Table.Th>
            <Table.Th>{t('admin.email')}</Table.Th>
            <Table.Th>{t('admin.startedAt')}</Table.Th>
            <Table.Th>{t('admin.lastSeen')}</Table.Th>
            <Table.Th>{t('admin.address')}</Table.Th>
            <Table.Th>{t('admin.browser')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.data.map((session) => (
            <Table.Tr key={session.sessionId}>
              <Table.Td>{session.name}</Table.Td>
              <Table.Td>{session.email}</Table.Td>
              <Table.Td>{dates.dateTime(session.createdAt)}</Table.Td>
              <Table.Td>{dates.dateTime(session.lastSeenAt)}</Table.Td>
              <Table.Td>{session.ip ?? '—'}</Table.Td>
              <Table.Td>{session.userAgent?.slice(0, 40) ?? '—'}</Table.Td>
              <Table.Td>
                <Button size="xs" variant="light" color="red" onClick={() => end.mutate(session.sessionId)}>
                  {t('admin.endSession')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </>
  );
}
