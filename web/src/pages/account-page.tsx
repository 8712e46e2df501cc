import {
  Alert,
  Anchor,
  Box,
  Button,
  Code,
  CopyButton,
  Group,
  NumberInput,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { CreatedApiToken, NewApiTokenRequest } from '../../../src/auth/api-token.schema.ts';
import type {
  SessionsEnded,
  TotpConfirm,
  TotpDisable,
  TotpEnrolment,
} from '../../../src/auth/auth.schema.ts';
import { can } from '../../../src/kernel/permissions.ts';
import { isRole } from '../../../src/kernel/roles.ts';
import { api, setCsrfToken } from '../api/client.ts';
import { errorMessage, useSession } from '../api/session.ts';
import { QrCode } from '../components/qr-code.tsx';
import { TokenTable } from './admin/tokens-page.tsx';
import { ChangePasswordForm } from './change-password.tsx';

/**
 * The signed-in person's own settings: two-step sign-in (TOTP), API tokens, signing out everywhere.
 * Enrolment shows the otpauth URI as a QR code to scan (encoded in the browser by uqr, a small
 * library that only this page's chunk carries), the link (opens the app on a phone) and the key.
 */
export function AccountPage() {
  const { t } = useTranslation();
  const session = useSession();
  const user = session.data?.user;
  const mayHaveTokens = can({ roles: (user?.roles ?? []).filter(isRole) }, 'token.own');
  return (
    <Stack maw={900}>
      <Title order={2}>{t('account.title')}</Title>
      <Paper withBorder p="md">
        <ChangePasswordForm />
      </Paper>
      <TotpSection />
      {mayHaveTokens && <TokensSection />}
      <SignOutEverywhere />
    </Stack>
  );
}

function TotpSection() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const session = useSession();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const refresh = () => client.invalidateQueries({ queryKey: ['session'] });
  const start = useMutation({
    mutationFn: () => api<TotpEnrolment>('POST', '/account/totp/enrol'),
    onSuccess: setEnrolment,
  });
  const confirm = useMutation({
    mutationFn: () => api<void, TotpConfirm>('POST', '/account/totp/confirm', { code, password }),
    onSuccess: () => {
      setEnrolment(null);
      setCode('');
      setPassword('');
      void refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => api<void, TotpDisable>('POST', '/account/totp/disable', { password, code }),
    onSuccess: () => {
      setCode('');
      setPassword('');
      void refresh();
    },
  });
  const enabled = session.data?.totpEnabled === true;
  const error = start.error ?? confirm.error ?? disable.error;
  const submitConfirm = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate();
  };
  const submitDisable = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate();
  };
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={4}>{t('account.totpTitle')}</Title>
        {session.data?.totpEnrolmentRequired && (
          <Alert color="orange">{t('account.totpRequiredNotice')}</Alert>
        )}
        <Text>{enabled ? t('account.totpOn') : t('account.totpOff')}</Text>
        {!enabled && !enrolment && (
          <Group>
            <Button onClick={() => start.mutate()} loading={start.isPending} data-testid="totp-start">
              {t('account.totpStart')}
            </Button>
          </Group>
        )}
        {enrolment && (
          <form onSubmit={submitConfirm} data-testid="totp-confirm">
            <Stack>
              <Text size="sm">{t('account.totpScan')}</Text>
              <Group>
                <Text fw={600}>{t('account.totpKey')}:</Text>
                <Code data-testid="totp-secret">{enrolment.secret}</Code>
                <CopyButton value={enrolment.secret}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>
                      {copied ? t('common.copied') : t('common.copy')}
                    </Button>
                  )}
                </CopyButton>
              </Group>
              <Box w={180} data-testid="totp-qr">
                <QrCode text={enrolment.otpauthUri} label={t('account.totpQrCode')} />
              </Box>
              <Anchor href={enrolment.otpauthUri} size="sm">
                {t('account.totpLink')}
              </Anchor>
              <Text size="sm">{t('account.totpPasswordHint')}</Text>
              <Group align="flex-end">
                <TextInput
                  label={t('auth.totp')}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  required
                  value={code}
                  onChange={(e) => setCode(e.currentTarget.value)}
                />
                <PasswordInput
                  label={t('account.password')}
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                />
                <Button type="submit" loading={confirm.isPending}>
                  {t('account.totpConfirm')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {enabled && (
          <form onSubmit={submitDisable}>
            <Group align="flex-end">
              <PasswordInput
                label={t('account.password')}
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <TextInput
                label={t('auth.totp')}
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
              />
              <Button type="submit" color="red" variant="light" loading={disable.isPending}>
                {t('account.totpDisable')}
              </Button>
            </Group>
          </form>
        )}
        {error && <Alert color="red">{errorMessage(t, error)}</Alert>}
      </Stack>
    </Paper>
  );
}

function TokensSection() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | string>('');
  const [password, setPassword] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<CreatedApiToken, NewApiTokenRequest>('POST', '/tokens', {
        name,
        password,
        ...(typeof days === 'number' ? { expiresInDays: days } : {}),
      }),
    onSuccess: () => {
      setName('');
      setPassword('');
      void client.invalidateQueries({ queryKey: ['my-tokens'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={4}>{t('account.tokensTitle')}</Title>
        <Text size="sm">{t('account.tokensIntro')}</Text>
        <form onSubmit={submit}>
          <Group align="flex-end">
            <TextInput
              label={t('account.tokenName')}
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            <NumberInput
              label={t('account.tokenDays')}
              placeholder={t('account.tokenDaysDefault')}
              min={1}
              allowDecimal={false}
              w={170}
              value={days}
              onChange={setDays}
            />
            <PasswordInput
              label={t('account.password')}
              description={t('account.tokenPasswordHint')}
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={create.isPending}>
              {t('account.issueToken')}
            </Button>
          </Group>
        </form>
        {create.data && (
          <Alert color="green">
            <Stack gap="xs">
              <Text size="sm">{t('account.tokenCreated')}</Text>
              <Group>
                <Code data-testid="new-token">{create.data.token}</Code>
                <CopyButton value={create.data.token}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>
                      {copied ? t('common.copied') : t('common.copy')}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Stack>
          </Alert>
        )}
        {create.isError && <Alert color="red">{errorMessage(t, create.error)}</Alert>}
        <TokenTable path="/tokens" queryKey="my-tokens" />
      </Stack>
    </Paper>
  );
}

function SignOutEverywhere() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const out = useMutation({
    mutationFn: () => api<SessionsEnded>('POST', '/auth/logout-everywhere'),
    onSuccess: () => {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(['session'], null);
      navigate('/login');
    },
  });
  return (
    <Group>
      <Button color="red" variant="outline" onClick={() => out.mutate()} loading={out.isPending}>
        {t('account.signOutEverywhere')}
      </Button>
      {out.isError && <Alert color="red">{errorMessage(t, out.error)}</Alert>}
    </Group>
  );
}
