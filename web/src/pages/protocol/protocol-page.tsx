import { Alert, Anchor, Badge, Loader, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { can } from '../../../../src/kernel/permissions.ts';
import { useDates } from '../../api/dates.ts';
import { errorMessage, useSession } from '../../api/session.ts';
import { lazyPage } from '../../components/page-skeleton.tsx';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { EligibilityList } from './eligibility-list.tsx';
import { FormPreview } from './form-preview.tsx';
import { useProtocol, useProtocolVersions } from './protocol-api.ts';
import { RuleSimulation } from './rule-simulation.tsx';
import { ScheduleGrid } from './schedule-grid.tsx';
import { SiteApprovals } from './site-approvals.tsx';

// The builder is the only part of the page that needs the YAML library and the protocol checks (the
// bulk of the page's script): it loads when a data manager opens its tab.
const ProtocolEditor = lazyPage(
  () => import('./protocol-editor.tsx'),
  (module) => module.ProtocolEditor,
);

function Versions() {
  const { t } = useTranslation();
  const dates = useDates();
  const versions = useProtocolVersions();
  if (versions.isPending) return <Loader />;
  if (versions.isError) return <Alert color="red">{errorMessage(t, versions.error)}</Alert>;
  return (
    <ScrollTable withTableBorder striped fz="sm">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>#</Table.Th>
          <Table.Th>{t('protocolPage.versionLabel')}</Table.Th>
          <Table.Th>{t('protocolPage.loadedAt')}</Table.Th>
          <Table.Th>{t('protocolPage.loadedBy')}</Table.Th>
          <Table.Th>YAML</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {versions.data.map((version) => (
          <Table.Tr key={version.versionNo}>
            <Table.Td>
              {version.versionNo} {version.current && <Badge size="xs">{t('protocolPage.current')}</Badge>}
            </Table.Td>
            <Table.Td>{version.label}</Table.Td>
            <Table.Td>{dates.dateTime(version.loadedAt)}</Table.Td>
            <Table.Td data-testid="loaded-by">{version.loadedByName ?? '—'}</Table.Td>
            <Table.Td>
              <Anchor href={`/api/v1/protocol/versions/${version.versionNo}/source`} download>
                {t('protocolPage.download')}
              </Anchor>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </ScrollTable>
  );
}

/** The Forms area: the protocol as the study runs it, and (for data managers) its builder. */
export function ProtocolPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh' ? 'zh' : 'en';
  const protocol = useProtocol();
  const session = useSession();
  if (protocol.isPending) return <Loader />;
  if (protocol.isError) return <Alert color="red">{errorMessage(t, protocol.error)}</Alert>;
  const { protocol: current, versionNo, label } = protocol.data;
  const mayEdit = can({ roles: session.data?.user.roles ?? [] }, 'protocol.manage');
  return (
    <Stack>
      <Title order={2}>{t('nav.forms')}</Title>
      <Text c="dimmed">
        {current.study.title[lang]} · {t('protocolPage.version', { label, number: versionNo })}
      </Text>
      <Tabs defaultValue="schedule" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="schedule">{t('protocolPage.schedule')}</Tabs.Tab>
          <Tabs.Tab value="forms">{t('protocolPage.forms')}</Tabs.Tab>
          <Tabs.Tab value="eligibility">{t('protocolPage.eligibility')}</Tabs.Tab>
          <Tabs.Tab value="stopping-rules">{t('ruleSimulation.tab')}</Tabs.Tab>
          <Tabs.Tab value="versions">{t('protocolPage.versions')}</Tabs.Tab>
          <Tabs.Tab value="sites">{t('consentArea.approvals.tab')}</Tabs.Tab>
          {mayEdit && <Tabs.Tab value="edit">{t('protocolPage.edit')}</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="schedule" pt="md">
          <ScheduleGrid protocol={current} />
        </Tabs.Panel>
        <Tabs.Panel value="forms" pt="md">
          <FormPreview protocol={current} />
        </Tabs.Panel>
        <Tabs.Panel value="eligibility" pt="md">
          <EligibilityList protocol={current} />
        </Tabs.Panel>
        <Tabs.Panel value="stopping-rules" pt="md">
          <RuleSimulation protocol={current} />
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="md">
          <Versions />
        </Tabs.Panel>
        <Tabs.Panel value="sites" pt="md">
          <SiteApprovals mayRecord={mayEdit} />
        </Tabs.Panel>
        {mayEdit && (
          <Tabs.Panel value="edit" pt="md">
            <Suspense fallback={<Loader />}>
              <ProtocolEditor versionNo={versionNo} current={current} />
            </Suspense>
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}
