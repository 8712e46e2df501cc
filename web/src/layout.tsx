import {
  AppShell,
  Burger,
  Button,
  Center,
  Divider,
  Group,
  Loader,
  NavLink,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, NavLink as RouterLink, useLocation } from 'react-router';
import { useSession, useSignOut } from './api/session.ts';
import { LanguageSwitch } from './language-switch.tsx';
import { PasswordChangePage } from './pages/change-password.tsx';
import { NotificationBell } from './pages/notifications/notification-bell.tsx';
import './narrow-screens.css';

export const areas = [
  'participants',
  'worklist',
  'queries',
  'deviations',
  'coding',
  'laboratory',
  'forms',
  'product',
  'safety',
  'analysis',
  'randomisation',
  'exports',
  'admin',
] as const;

export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const signOut = useSignOut();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  if (session.isPending) {
    return (
      <Center mih="100vh">
        <Loader />
      </Center>
    );
  }
  if (!session.data) return <Navigate to="/login" replace />;
  // A password an administrator chose is replaced before anything else (21 CFR 11.300).
  if (session.data.passwordChangeRequired) return <PasswordChangePage />;
  // An administrator whom the study requires to use TOTP sets it up before anything else.
  if (session.data.totpEnrolmentRequired && location.pathname !== '/account') {
    return <Navigate to="/account" replace />;
  }
  const links = [{ to: '/', key: 'overview' }, ...areas.map((area) => ({ to: `/${area}`, key: area }))];
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      {/* On a phone the header holds one line (menu, name, language) so that it never grows over the
          page; the account links move into the menu. */}
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap" gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('app.menu')} />
            <Title order={4}>{t('app.name')}</Title>
          </Group>
          <Group wrap="nowrap" gap="xs">
            <NotificationBell />
            <LanguageSwitch />
            <Text size="sm" visibleFrom="sm">
              {t('auth.signedInAs', { name: session.data.user.name })}
            </Text>
            <Button variant="subtle" size="xs" component={Link} to="/account" visibleFrom="sm">
              {t('auth.myAccount')}
            </Button>
            <Button variant="subtle" size="xs" onClick={() => void signOut()} visibleFrom="sm">
              {t('auth.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {links.map((link) => (
          <NavLink
            key={link.key}
            component={RouterLink}
            to={link.to}
            label={t(`nav.${link.key}`)}
            active={link.to === '/' ? location.pathname === '/' : location.pathname.startsWith(link.to)}
            onClick={close}
          />
        ))}
        <Divider my="xs" hiddenFrom="sm" />
        <NavLink
          component={RouterLink}
          to="/notifications"
          label={t('notifications.header')}
          active={location.pathname === '/notifications'}
          onClick={close}
          hiddenFrom="sm"
        />
        <NavLink
          component={RouterLink}
          to="/account"
          label={t('auth.myAccount')}
          description={t('auth.signedInAs', { name: session.data.user.name })}
          active={location.pathname === '/account'}
          onClick={close}
          hiddenFrom="sm"
        />
        <NavLink
          component="button"
          label={t('auth.signOut')}
          onClick={() => void signOut()}
          hiddenFrom="sm"
        />
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
