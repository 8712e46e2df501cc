import { Alert, Stack, Tabs, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { can, type Permission } from '../../../../src/kernel/permissions.ts';
import { isRole } from '../../../../src/kernel/roles.ts';
import { useSession } from '../../api/session.ts';

/** The administration tabs and the permission each needs (the server checks it again). */
export const adminTabs: Array<{ path: string; label: string; permission: Permission }> = [
  { path: 'users', label: 'admin.users', permission: 'user.read' },
  { path: 'roles', label: 'admin.rolesTab', permission: 'user.read' },
  { path: 'sites', label: 'admin.sites', permission: 'study.read' },
  { path: 'tokens', label: 'admin.tokens', permission: 'token.manage' },
  { path: 'sessions', label: 'admin.sessions', permission: 'session.manage' },
  { path: 'audit', label: 'admin.audit', permission: 'audit.read' },
];

export function AdminLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const user = { roles: (session.data?.user.roles ?? []).filter(isRole) };
  const tabs = adminTabs.filter((tab) => can(user, tab.permission));
  const current = location.pathname.split('/')[2];
  if (!current && tabs[0]) return <Navigate to={`/admin/${tabs[0].path}`} replace />;
  return (
    <Stack>
      <Title order={2}>{t('admin.title')}</Title>
      {tabs.length === 0 ? (
        <Alert color="gray">{t('admin.noAccess')}</Alert>
      ) : (
        <Tabs value={current ?? null} onChange={(value) => value && navigate(`/admin/${value}`)}>
          <Tabs.List>
            {tabs.map((tab) => (
              <Tabs.Tab key={tab.path} value={tab.path}>
                {t(tab.label)}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
      )}
      <Outlet />
    </Stack>
  );
}
