import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PasswordChange, SessionsEnded } from '../../../src/auth/auth.schema.ts';
import { api } from '../api/client.ts';
import { errorMessage, useSignOut } from '../api/session.ts';
import { LanguageSwitch } from '../language-switch.tsx';

/**
 * Current password, new one twice. The server checks the rules (strength, recent passwords); the
 * repeat is checked here only because the server never sees it.
 */
export function ChangePasswordForm() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: () =>
      api<SessionsEnded, PasswordChange>('POST', '/account/password', {
        currentPassword: current,
        newPassword: next,
      }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setRepeat('');
      void client.invalidateQueries({ queryKey: ['session'] });
      void client.invalidateQueries({ queryKey: ['my-tokens'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const differ = next !== repeat;
    setMismatch(differ);
    if (!differ) change.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack maw={420}>
        <Title order={4}>{t('account.passwordTitle')}</Title>
        <PasswordInput
          label={t('account.currentPassword')}
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
        />
        <PasswordInput
          label={t('account.newPassword')}
          description={t('account.passwordRules')}
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        <PasswordInput
          label={t('account.repeatPassword')}
          autoComplete="new-password"
          required
          value={repeat}
          error={mismatch ? t('account.passwordMismatch') : undefined}
          onChange={(e) => setRepeat(e.currentTarget.value)}
        />
        <Group>
          <Button type="submit" loading={change.isPending}>
            {t('account.changePassword')}
          </Button>
        </Group>
        {change.isError && <Alert color="red">{errorMessage(t, change.error)}</Alert>}
        {change.isSuccess && <Alert color="green">{t('account.passwordChanged')}</Alert>}
      </Stack>
    </form>
  );
}

/** All a user may do while an administrator's password stands: choose their own, or sign out. */
export function PasswordChangePage() {
  const { t } = useTranslation();
  const signOut = useSignOut();
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="lg" w={480}>
        <Stack>
          <Group justify="space-between">
            <Title order={2}>{t('account.mustChangeTitle')}</Title>
            <LanguageSwitch />
          </Group>
          <Text>{t('account.mustChangeNotice')}</Text>
          <ChangePasswordForm />
          <Group>
            <Button variant="subtle" onClick={() => void signOut()}>
              {t('auth.signOut')}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}
