import { Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { permissions, rolePermissions, studyWideRoles } from '../../../../src/kernel/permissions.ts';
import { roles } from '../../../../src/kernel/roles.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

/** The permission table the server enforces, read from the same module. */
export function RolesPage() {
  const { t } = useTranslation();
  return (
    <>
      <Text size="sm" c="dimmed">
        {t('admin.rolesIntro')}
      </Text>
      <ScrollTable striped withTableBorder fz="xs" data-testid="roles-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th />
            {roles.map((role) => (
              <Table.Th key={role}>
                {t(`role.${role}`)}
                {studyWideRoles.has(role) ? ' *' : ''}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {permissions.map((permission) => (
            <Table.Tr key={permission}>
              <Table.Td>
                <code>{permission}</code>
              </Table.Td>
              {roles.map((role) => (
                <Table.Td key={role} ta="center">
                  {rolePermissions[role].includes(permission) ? '✓' : ''}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
    </>
  );
}
