import {
  Alert,
  Button,
  Checkbox,
  Divider,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  Select,
  Stack,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  NewUser,
  PasswordReset,
  ReasonOnly,
  UserAdminView,
  UserUpdate,
  UserView,
} from '../../../../src/auth/auth.schema.ts';
import { isRole, roles } from '../../../../src/kernel/roles.ts';
import { ApiError, api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { useSites } from './admin-api.ts';

function useChoices() {
  const { t, i18n } = useTranslation();
  const sites = useSites();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  return {
    roleData: roles.map((role) => ({ value: role, label: t(`role.${role}`) })),
    siteData: (sites.data ?? []).map((site) => ({
      value: site.siteId,
      label: `${site.code} · ${site.name[language]}`,
    })),
  };
}

export function NewUserModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { roleData, siteData } = useChoices();
  const [form, setForm] = useState({
    email: '',
    name: '',
    password: '',
    roles: [] as string[],
    siteIds: [] as string[],
  });
  const create = useMutation({
    mutationFn: () => api<UserView, NewUser>('POST', '/users', { ...form, roles: form.roles.filter(isRole) }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('admin.newUser')}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label={t('admin.name')}
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          />
          <TextInput
            label={t('admin.email')}
            type="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
          />
          <MultiSelect
            searchable
            label={t('admin.roles')}
            data={roleData}
            value={form.roles}
            onChange={(value) => setForm({ ...form, roles: value })}
          />
          <MultiSelect
            searchable
            label={t('admin.siteIds')}
            data={siteData}
            value={form.siteIds}
            onChange={(value) => setForm({ ...form, siteIds: value })}
          />
          <PasswordInput
            label={t('admin.firstPassword')}
            required
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
          />
          {create.isError && <Alert color="red">{errorMessage(t, create.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('common.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Edits an account with the version last read: a 409 reloads the list and says so. */
export function UserEditModal({ user, onClose }: { user: UserAdminView; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { roleData, siteData } = useChoices();
  const [form, setForm] = useState({
    name: user.name,
    roles: user.roles,
    siteIds: user.siteIds,
    status: user.status,
    unlock: false,
    reason: '',
    password: '',
  });
  const [message, setMessage] = useState<string | null>(null);
  const done = () => {
    void client.invalidateQueries({ queryKey: ['users'] });
    onClose();
  };
  const failed = (error: unknown) => {
    if (error instanceof ApiError && error.status === 409 && error.body.error === 'conflict') {
      void client.invalidateQueries({ queryKey: ['users'] });
    }
    setMessage(errorMessage(t, error));
  };
  const save = useMutation({
    mutationFn: () =>
      api<UserAdminView, UserUpdate>('PATCH', `/users/${user.userId}`, {
        version: user.version,
        name: form.name,
        roles: form.roles,
        siteIds: form.siteIds,
        status: form.status,
        reason: form.reason,
        ...(form.unlock ? { unlock: true } : {}),
      }),
    onSuccess: done,
    onError: failed,
  });
  const resetPassword = useMutation({
    mutationFn: () =>
      api<void, PasswordReset>('POST', `/users/${user.userId}/password`, {
        password: form.password,
        reason: form.reason,
      }),
    onSuccess: done,
    onError: failed,
  });
  const resetTotp = useMutation({
    mutationFn: () =>
      api<void, ReasonOnly>('POST', `/users/${user.userId}/totp/reset`, { reason: form.reason }),
    onSuccess: done,
    onError: failed,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('admin.editUser', { name: user.name })} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label={t('admin.name')}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          />
          <MultiSelect
            searchable
            label={t('admin.roles')}
            data={roleData}
            value={form.roles}
            onChange={(value) => setForm({ ...form, roles: value })}
          />
          <MultiSelect
            searchable
            label={t('admin.siteIds')}
            data={siteData}
            value={form.siteIds}
            onChange={(value) => setForm({ ...form, siteIds: value })}
          />
          <Select
            label={t('admin.status')}
            data={[
              { value: 'active', label: t('admin.active') },
              { value: 'disabled', label: t('admin.disabled') },
            ]}
            value={form.status}
            onChange={(value) => setForm({ ...form, status: value === 'disabled' ? 'disabled' : 'active' })}
          />
          {user.lockedUntil && (
            <Checkbox
              label={t('admin.unlock')}
              checked={form.unlock}
              onChange={(e) => setForm({ ...form, unlock: e.currentTarget.checked })}
            />
          )}
          <TextInput
            label={t('common.reason')}
            description={t('common.reasonHint')}
            required
            value={form.reason}
            onChange={(e) => setForm({ ...form, reason: e.currentTarget.value })}
          />
          {message && <Alert color="red">{message}</Alert>}
          <Group justify="flex-end">
            <Button variant="subtle" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
          </Group>
          <Divider />
          <Group align="flex-end">
            <PasswordInput
              label={t('admin.resetPassword')}
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
            />
            <Button
              variant="light"
              disabled={!form.password || !form.reason}
              onClick={() => resetPassword.mutate()}
            >
              {t('admin.resetPassword')}
            </Button>
            {user.totpEnabled && (
              <Button
                variant="light"
                color="orange"
                disabled={!form.reason}
                onClick={() => resetTotp.mutate()}
              >
                {t('admin.resetTotp')}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
