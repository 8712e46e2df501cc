import { Alert, Badge, Button, Group, Loader, Stack, Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import type { UserAdminView } from './admin-api.ts';
import { NewUserModal, UserEditModal } from './user-forms.tsx';

export function UsersPage() {
  const { t } = useTranslation();
  const dates = useDates();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<UserAdminView[]>('GET', '/users') });
  const [editing, setEditing] = useState<UserAdminView | null>(null);
  const [creating, setCreating] = useState(false);
  if (users.isPending) return <Loader />;
  if (users.isError) return <Alert color="red">{errorMessage(t, users.error)}</Alert>;
  return (
    <Stack>
      <Group>
        <Button onClick={() => setCreating(true)}>{t('admin.newUser')}</Button>
      </Group>
      <ScrollTable striped withTableBorder highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('admin.name')}</Table.Th>
            <Table.Th>{t('admin.email')}</Table.Th>
            <Table.Th>{t('admin.roles')}</Table.Th>
            <Table.Th>{t('admin.siteIds')}</Table.Th>
            <Table.Th>{t('admin.status')}</Table.Th>
            <Table.Th>{t('admin.totp')}</Table.Th>
            <Table.Th>{t('admin.lastLogin')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {users.data.map((user) => (
            <Table.Tr key={user.userId}>
              <Table.Td>{user.name}</Table.Td>
              <Table.Td>{user.email}</Table.Td>
              <Table.Td>{user.roles.map((role) => t(`role.${role}`)).join(', ')}</Table.Td>
              <Table.Td>{user.siteIds.join(', ') || '—'}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Badge color={user.status === 'active' ? 'green' : 'gray'}>
                    {t(`admin.${user.status}`)}
                  </Badge>
                  {user.lockedUntil && (
                    <Badge color="red">
                      {t('admin.lockedUntil', { until: dates.dateTime(user.lockedUntil) })}
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>{user.totpEnabled ? t('common.yes') : t('common.no')}</Table.Td>
              <Table.Td>{dates.dateTime(user.lastLoginAt)}</Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Button size="xs" variant="light" onClick={() => setEditing(user)}>
                    {t('admin.editUser', { name: '' }).trim()}
                  </Button>
                  <Button
                    size="xs"
                    variant="subtle"
                    component={Link}
                    to={`/admin/audit?entityType=user&entityId=${user.userId}`}
                  >
                    {t('admin.audit')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
      {creating && <NewUserModal onClose={() => setCreating(false)} />}
      {editing && <UserEditModal user={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
