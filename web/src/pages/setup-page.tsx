import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import type { SetupRequest, UserView } from '../../../src/auth/auth.schema.ts';
import { api } from '../api/client.ts';
import { errorMessage, useSignIn } from '../api/session.ts';
import { LanguageSwitch } from '../language-switch.tsx';

export function SetupPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token');
  const signIn = useSignIn();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: '', email: '', password: '', confirm: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value }),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!token) return; // the button is disabled without one
    if (form.password !== form.confirm) {
      setError(t('setup.mismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api<UserView, SetupRequest>('POST', '/setup', {
        token,
        name: form.name,
        email: form.email,
        password: form.password,
      });
      await signIn(form.email, form.password);
      navigate('/');
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={440}>
        <form onSubmit={submit}>
          <Stack>
            <Title order={2}>{t('setup.title')}</Title>
            {token ? (
              <Text size="sm">{t('setup.intro')}</Text>
            ) : (
              <Alert color="yellow">{t('setup.missingToken')}</Alert>
            )}
            <TextInput label={t('setup.name')} required autoComplete="name" {...field('name')} />
            <TextInput
              label={t('auth.email')}
              type="email"
              required
              autoComplete="username"
              {...field('email')}
            />
            <PasswordInput
              label={t('auth.password')}
              required
              autoComplete="new-password"
              {...field('password')}
            />
            <PasswordInput
              label={t('setup.confirm')}
              required
              autoComplete="new-password"
              {...field('confirm')}
            />
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy} disabled={!token}>
              {t('setup.submit')}
            </Button>
            <LanguageSwitch />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
