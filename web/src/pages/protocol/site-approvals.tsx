import '../participants/consent.strings.ts';
import { Alert, Button, Group, Loader, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  SiteApprovalRequest,
  SiteProtocolStatus,
} from '../../../../src/protocol/site-approval.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { type ProtocolVersionSummary, useProtocolVersions } from './protocol-api.ts';

const approvalsKey = ['protocol', 'approvals'];

/** Each site with the protocol version it works under and its ethics approvals; a form to record one. */
export function SiteApprovals({ mayRecord }: { mayRecord: boolean }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const dates = useDates();
  const sites = useQuery({
    queryKey: approvalsKey,
    queryFn: () => api<SiteProtocolStatus[]>('GET', '/protocol/approvals'),
  });
  const versions = useProtocolVersions();
  if (sites.isPending || versions.isPending) return <Loader />;
  if (sites.isError) return <Alert color="red">{apiErrorText(t, language, sites.error)}</Alert>;
  if (versions.isError) return <Alert color="red">{apiErrorText(t, language, versions.error)}</Alert>;
  return (
    <Stack>
      <Text c="dimmed">{t('consentArea.approvals.intro')}</Text>
      <ScrollTable withTableBorder striped fz="sm" data-testid="site-approvals">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('consentArea.approvals.site')}</Table.Th>
            <Table.Th>{t('consentArea.approvals.working')}</Table.Th>
            <Table.Th>{t('consentArea.approvals.approvedOn')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sites.data.map((site) => (
            <Table.Tr key={site.siteId} data-site={site.siteId}>
              <Table.Td>
                {site.code} · {site.name[language]}
              </Table.Td>
              <Table.Td data-testid="working-version">
                {site.workingLabel} (#{site.workingVersionNo})
              </Table.Td>
              <Table.Td>
                {site.approvals.length === 0
                  ? t('consentArea.approvals.none')
                  : site.approvals
                      .map(
                        (approval) =>
                          `${approval.label} (#${approval.versionNo}): ${dates.date(approval.approvedOn)}`,
                      )
                      .join('; ')}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
      {mayRecord && <ApprovalForm sites={sites.data} versions={versions.data} />}
    </Stack>
  );
}

function ApprovalForm({
  sites,
  versions,
}: {
  sites: SiteProtocolStatus[];
  versions: ProtocolVersionSummary[];
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const [siteId, setSiteId] = useState(sites[0]?.siteId ?? '');
  const [versionNo, setVersionNo] = useState(String(versions.at(-1)?.versionNo ?? ''));
  const [approvedOn, setApprovedOn] = useState('');
  const mutation = useMutation({
    mutationFn: () =>
      api<SiteProtocolStatus, SiteApprovalRequest>('POST', `/protocol/versions/${versionNo}/approvals`, {
        siteId,
        approvedOn,
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: approvalsKey });
      void client.invalidateQueries({ queryKey: ['participants'], exact: false });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        <Text fw={600}>{t('consentArea.approvals.record')}</Text>
        <Group align="flex-end">
          <NativeSelect
            label={t('consentArea.approvals.site')}
            value={siteId}
            onChange={(event) => setSiteId(event.currentTarget.value)}
            data={sites.map((site) => ({
              value: site.siteId,
              label: `${site.code} · ${site.name[language]}`,
            }))}
          />
          <NativeSelect
            label={t('consentArea.approvals.version')}
            value={versionNo}
            onChange={(event) => setVersionNo(event.currentTarget.value)}
            data={versions.map((version) => ({
              value: String(version.versionNo),
              label: `${version.label} (#${version.versionNo})`,
            }))}
          />
          <TextInput
            type="date"
            label={t('consentArea.approvals.date')}
            value={approvedOn}
            onChange={(event) => setApprovedOn(event.currentTarget.value)}
            required
          />
          <Button type="submit" loading={mutation.isPending} disabled={!siteId || !versionNo || !approvedOn}>
            {t('consentArea.approvals.submit')}
          </Button>
        </Group>
        {mutation.isError && (
          <Alert color="red" role="alert">
            {apiErrorText(t, language, mutation.error)}
          </Alert>
        )}
        {mutation.isSuccess && (
          <Alert color="green" role="status">
            {t('consentArea.approvals.recorded', {
              site: mutation.data.code,
              label: mutation.data.workingLabel,
            })}
          </Alert>
        )}
      </Stack>
    </form>
  );
}
