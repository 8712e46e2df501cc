import { Alert, Button, Group, Loader, Paper, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can } from '../../../../src/kernel/permissions.ts';
import { isRole } from '../../../../src/kernel/roles.ts';
import type { NewSite, SiteView } from '../../../../src/study/study.schema.ts';
import { api } from '../../api/client.ts';
import { errorMessage, useSession } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { useSites } from './admin-api.ts';
import { SiteLabFacilitiesForm, useLabFacilities } from './site-lab-facilities.tsx';
import { SiteSettingsForm } from './site-settings-form.tsx';

const emptySite = { siteId: '', code: '', nameEn: '', nameZh: '', timeZone: 'Asia/Shanghai' };

export function SitesPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const session = useSession();
  const mayAdd = can({ roles: (session.data?.user.roles ?? []).filter(isRole) }, 'site.manage');
  const client = useQueryClient();
  const sites = useSites();
  const facilities = useLabFacilities();
  const [form, setForm] = useState(emptySite);
  const [editing, setEditing] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: () =>
      api<SiteView, NewSite>('POST', '/sites', {
        siteId: form.siteId,
        code: form.code,
        name: { en: form.nameEn, zh: form.nameZh },
        timeZone: form.timeZone,
      }),
    onSuccess: () => {
      setForm(emptySite);
      void client.invalidateQueries({ queryKey: ['sites'] });
    },
  });
  const field = (key: keyof typeof emptySite) => ({
    value: form[key],
    onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  if (sites.isPending) return <Loader />;
  if (sites.isError) return <Alert color="red">{errorMessage(t, sites.error)}</Alert>;
  const editingSite = sites.data.find((site) => site.siteId === editing);
  return (
    <Stack>
      <ScrollTable striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('admin.code')}</Table.Th>
            <Table.Th>{t('admin.siteId')}</Table.Th>
            <Table.Th>{t('admin.name')}</Table.Th>
            <Table.Th>{t('admin.timeZone')}</Table.Th>
            <Table.Th>{t('admin.altitude')}</Table.Th>
            <Table.Th>{t('admin.barometricPressure')}</Table.Th>
            <Table.Th>{t('labFacilities.column')}</Table.Th>
            {mayAdd && <Table.Th />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sites.data.map((site) => (
            <Table.Tr key={site.siteId}>
              <Table.Td>{site.code}</Table.Td>
              <Table.Td>{site.siteId}</Table.Td>
              <Table.Td>{site.name[language]}</Table.Td>
              <Table.Td>{site.timeZone}</Table.Td>
              <Table.Td>{site.altitudeM === null ? '—' : `${site.altitudeM} m`}</Table.Td>
              <Table.Td>
                {site.barometricPressureMmHg === null ? '—' : `${site.barometricPressureMmHg} mmHg`}
              </Table.Td>
              <Table.Td>
                {(facilities.data?.sites[site.siteId] ?? []).join(', ') || t('labFacilities.none')}
              </Table.Td>
              {mayAdd && (
                <Table.Td>
                  <Button size="xs" variant="light" onClick={() => setEditing(site.siteId)}>
                    {t('admin.editSettings')}
                  </Button>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
      {mayAdd && editingSite && (
        <SiteSettingsForm key={editingSite.siteId} site={editingSite} onDone={() => setEditing(null)} />
      )}
      {mayAdd && editingSite && facilities.data && (
        <SiteLabFacilitiesForm
          key={`labs-${editingSite.siteId}`}
          site={editingSite}
          facilityIds={facilities.data.sites[editingSite.siteId] ?? []}
          onDone={() => setEditing(null)}
        />
      )}
      {mayAdd && (
        <Paper withBorder p="md">
          <form onSubmit={submit}>
            <Stack>
              <Title order={4}>{t('admin.newSite')}</Title>
              <Group grow>
                <TextInput label={t('admin.siteId')} required {...field('siteId')} />
                <TextInput label={t('admin.code')} required {...field('code')} />
                <TextInput label={t('admin.timeZone')} required {...field('timeZone')} />
              </Group>
              <Group grow>
                <TextInput label={t('admin.nameEn')} required {...field('nameEn')} />
                <TextInput label={t('admin.nameZh')} required {...field('nameZh')} />
              </Group>
              {add.isError && <Alert color="red">{errorMessage(t, add.error)}</Alert>}
              <Group>
                <Button type="submit" loading={add.isPending}>
                  {t('common.create')}
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}
