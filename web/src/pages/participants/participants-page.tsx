import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { participantStatuses } from '../../../../src/participants/participant.schema.ts';
import { api } from '../../api/client.ts';
import { useSession } from '../../api/session.ts';
import {
  apiErrorText,
  type ParticipantDetail,
  type ParticipantSummary,
  participantKeys,
  todayIso,
  useCan,
  useLanguage,
  useStudySites,
} from '../../api/trial.ts';
import { ParticipantStatusBadge } from '../../components/status-badge.tsx';

export function ParticipantsPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const sites = useStudySites();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [screening, setScreening] = useState(false);
  const list = useQuery({
    queryKey: [...participantKeys.all, { status, search }],
    queryFn: () => {
      const params = new URLSearchParams({ limit: '200' });
      if (status) params.set('status', status);
      if (search.trim()) params.set('search', search.trim());
      return api<{ items: ParticipantSummary[]; total: number; totalCapped: boolean }>(
        'GET',
        `/participants?${params}`,
      );
    },
  });
  const siteCode = (siteId: string) => sites.data?.find((site) => site.siteId === siteId)?.code ?? siteId;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('participants.title')}</Title>
        <Group>
          <Button component={Link} to="/queries" variant="default">
            {t('nav.queries')}
          </Button>
          {can('participant.screen') && (
            <Button onClick={() => setScreening(true)}>{t('participants.screen')}</Button>
          )}
        </Group>
      </Group>
      <Group align="flex-end">
        <NativeSelect
          label={t('participants.filterStatus')}
          value={status}
          onChange={(event) => setStatus(event.currentTarget.value)}
          data={[
            { value: '', label: t('participants.allStatuses') },
            ...participantStatuses.map((value) => ({ value, label: t(`participantStatus.${value}`) })),
          ]}
        />
        <TextInput
          label={t('participants.search')}
          placeholder="RJ-S001"
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
      </Group>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{apiErrorText(t, language, list.error)}</Alert>}
      {list.data && list.data.items.length === 0 && <Alert color="gray">{t('participants.empty')}</Alert>}
      {list.data && list.data.items.length > 0 && (
        <Table striped highlightOnHover withTableBorder data-testid="participant-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('participants.number')}</Table.Th>
              <Table.Th>{t('participants.status')}</Table.Th>
              <Table.Th>{t('participants.site')}</Table.Th>
              <Table.Th>{t('participants.screeningDate')}</Table.Th>
              <Table.Th>{t('participants.nextVisit')}</Table.Th>
              <Table.Th>{t('participants.openQueries')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((participant) => (
              <Table.Tr key={participant.participantId}>
                <Table.Td>
                  <Anchor component={Link} to={`/participants/${participant.participantId}`}>
                    {participant.studyNumber ?? participant.screeningNumber}
                  </Anchor>
                  {participant.studyNumber && (
                    <Text size="xs" c="dimmed">
                      {participant.screeningNumber}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <ParticipantStatusBadge status={participant.status} />
                </Table.Td>
                <Table.Td>{siteCode(participant.siteId)}</Table.Td>
                <Table.Td>{participant.screeningDate}</Table.Td>
                <Table.Td>
                  {participant.nextVisit ? (
                    <>
                      <Text size="sm">
                        {participant.nextVisit.name[language]} · {participant.nextVisit.targetDate}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {t('participants.window', {
                          from: participant.nextVisit.earliestDate,
                          to: participant.nextVisit.latestDate,
                          label: participant.nextVisit.windowLabel,
                        })}
                      </Text>
                    </>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>
                  {participant.openQueries > 0 ? (
                    <Badge color="red">{participant.openQueries}</Badge>
                  ) : (
                    <Text size="sm">0</Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {list.data && (
        <Text size="sm" c="dimmed">
          {list.data.totalCapped
            ? t('participants.totalMore', { count: list.data.total })
            : t('participants.total', { count: list.data.total })}
        </Text>
      )}
      {screening && <ScreenModal onClose={() => setScreening(false)} />}
    </Stack>
  );
}

function ScreenModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const session = useSession();
  const sites = useStudySites();
  const navigate = useNavigate();
  const client = useQueryClient();
  const mySites = (sites.data ?? []).filter(
    (site) => session.data?.user.siteIds.includes(site.siteId) ?? false,
  );
  const [siteId, setSiteId] = useState('');
  const [screeningDate, setScreeningDate] = useState(todayIso());
  const chosenSite = siteId || mySites[0]?.siteId || '';
  const screen = useMutation({
    mutationFn: () => api<ParticipantDetail>('POST', '/participants', { siteId: chosenSite, screeningDate }),
    onSuccess: (participant) => {
      void client.invalidateQueries({ queryKey: participantKeys.all });
      navigate(`/participants/${participant.participantId}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    screen.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('participants.screen')}>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">{t('participants.screenIntro')}</Text>
          <NativeSelect
            label={t('participants.site')}
            value={chosenSite}
            onChange={(event) => setSiteId(event.currentTarget.value)}
            data={mySites.map((site) => ({
              value: site.siteId,
              label: `${site.code} · ${site.name[language]}`,
            }))}
            required
          />
          <TextInput
            type="date"
            label={t('participants.screeningDate')}
            value={screeningDate}
            onChange={(event) => setScreeningDate(event.currentTarget.value)}
            required
          />
          {screen.isError && (
            <Alert color="red" role="alert">
              {apiErrorText(t, language, screen.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={screen.isPending} disabled={!chosenSite}>
              {t('participants.screenSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
