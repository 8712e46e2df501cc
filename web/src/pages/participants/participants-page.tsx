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
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { z } from 'zod';
import { studyWideRoles } from '../../../../src/kernel/permissions.ts';
import { isRole } from '../../../../src/kernel/roles.ts';
import type {
  participantListQuerySchema,
  screenRequestSchema,
} from '../../../../src/participants/participant.schema.ts';
import {
  type ParticipantList,
  participantStatuses,
} from '../../../../src/participants/participant.schema.ts';
import { ApiError, api, queryText } from '../../api/client.ts';
import { useSession } from '../../api/session.ts';
import { LAST_DATE, siteToday } from '../../api/site-clock.ts';
import {
  apiErrorText,
  type ParticipantDetail,
  participantKeys,
  useCan,
  useLanguage,
  useStudySites,
} from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { ParticipantStatusBadge } from '../../components/status-badge.tsx';
import { formatDate } from '../../format.ts';
import { ReconsentBadge } from './reconsent-warning.tsx';

/** The API refused the page's cursor (damaged, or made for other filters): the page link is stale. */
const badCursor = (error: unknown) =>
  error instanceof ApiError &&
  (error.body.details?.fields ?? []).some((problem) => problem.field === 'querystring.cursor');

/** Page sizes offered under the list; the first page of a filter change or size change is page 1. */
const PAGE_SIZES = [25, 50, 100, 200] as const;
const DEFAULT_PAGE_SIZE = 50;

/**
 * Where the list stands, all in the URL so reload and back keep it: the filters (status, site,
 * search), the page size and number, and `after`, the API cursor a page after the first starts from
 * (without it, a page is read by offset).
 */
function useListState() {
  const [params, setParams] = useSearchParams();
  const sizeParam = Number(params.get('size'));
  const size = (PAGE_SIZES as readonly number[]).includes(sizeParam) ? sizeParam : DEFAULT_PAGE_SIZE;
  const pageParam = Number(params.get('page'));
  const page = Number.isInteger(pageParam) && pageParam >= 1 ? pageParam : 1;
  const state = {
    status: params.get('status') ?? '',
    site: params.get('site') ?? '',
    search: params.get('search') ?? '',
    size,
    page,
    after: page > 1 ? (params.get('after') ?? '') : '',
  };
  type State = typeof state;
  const write = (next: State, options?: { replace?: boolean }) => {
    const query = new URLSearchParams();
    if (next.status) query.set('status', next.status);
    if (next.site) query.set('site', next.site);
    if (next.search) query.set('search', next.search);
    if (next.size !== DEFAULT_PAGE_SIZE) query.set('size', String(next.size));
    if (next.page > 1) query.set('page', String(next.page));
    if (next.page > 1 && next.after) query.set('after', next.after);
    setParams(query, options);
  };
  return {
    ...state,
    /** A filter or the page size changed: back to page 1. */
    refilter: (change: Partial<Pick<State, 'status' | 'site' | 'search' | 'size'>>, replace = false) =>
      write({ ...state, ...change, page: 1, after: '' }, { replace }),
    goTo: (page: number, after: string) => write({ ...state, page, after }),
  };
}

export function ParticipantsPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const session = useSession();
  const sites = useStudySites();
  const list$ = useListState();
  const { status, site, search, size, page, after } = list$;
  const [screening, setScreening] = useState(false);
  // The cursor each visited page started from, so "previous" reads by cursor too where it can.
  const cursors = useRef(new Map<string, string>());
  const pageKey = (number: number) => JSON.stringify([status, site, search.trim(), size, number]);
  if (after) cursors.current.set(pageKey(page), after);
  const list = useQuery({
    queryKey: [...participantKeys.all, { status, site, search: search.trim(), size, page, after }],
    queryFn: () => {
      const params = queryText<z.input<typeof participantListQuerySchema>>({
        limit: size,
        status,
        siteId: site,
        search: search.trim(),
        ...(after ? { cursor: after } : page > 1 ? { offset: (page - 1) * size } : {}),
      });
      return api<ParticipantList>('GET', `/participants?${params}`);
    },
    placeholderData: keepPreviousData,
  });
  const siteCode = (siteId: string) => sites.data?.find((one) => one.siteId === siteId)?.code ?? siteId;
  const user = session.data?.user;
  const studyWide = user?.roles.some((role) => isRole(role) && studyWideRoles.has(role)) ?? false;
  const siteChoices = (sites.data ?? []).filter((one) => studyWide || user?.siteIds.includes(one.siteId));
  const number = new Intl.NumberFormat(language === 'zh' ? 'zh-CN' : 'en-GB');
  const data = list.data;
  const first = (page - 1) * size + 1;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('participants.title')}</Title>
        <Group>
          <Button component={Link} to="/queries" variant="default">
            {t('nav.queries')}
          </Button>
          {can('participant.screen') && (
            <Button onClick={() => setScreening(true)} data-testid="screen-participant">
              {t('participants.screen')}
            </Button>
          )}
        </Group>
      </Group>
      <Group align="flex-end">
        <NativeSelect
          label={t('participants.filterStatus')}
          value={status}
          onChange={(event) => list$.refilter({ status: event.currentTarget.value })}
          data={[
            { value: '', label: t('participants.allStatuses') },
            ...participantStatuses.map((value) => ({ value, label: t(`participantStatus.${value}`) })),
          ]}
        />
        {siteChoices.length > 1 && (
          <NativeSelect
            label={t('participants.filterSite')}
            value={site}
            onChange={(event) => list$.refilter({ site: event.currentTarget.value })}
            data={[
              { value: '', label: t('participants.allSites') },
              ...siteChoices.map((one) => ({
                value: one.siteId,
                label: `${one.code} · ${one.name[language]}`,
              })),
            ]}
          />
        )}
        <TextInput
          label={t('participants.search')}
          placeholder="RJ-S001"
          value={search}
          // Each keystroke replaces the history entry, so back leaves the page rather than the letters.
          onChange={(event) => list$.refilter({ search: event.currentTarget.value }, true)}
        />
      </Group>
      {list.isPending && <Loader />}
      {list.isError && (
        <Alert color="red">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              {badCursor(list.error)
                ? t('participants.pager.badLink')
                : apiErrorText(t, language, list.error)}
            </Text>
            {page > 1 && (
              <Button size="xs" variant="default" onClick={() => list$.goTo(1, '')}>
                {t('participants.pager.first')}
              </Button>
            )}
          </Stack>
        </Alert>
      )}
      {data && data.items.length === 0 && (
        <Alert color="gray">{page > 1 ? t('participants.pager.pastEnd') : t('participants.empty')}</Alert>
      )}
      {data && data.items.length > 0 && (
        <ScrollTable striped highlightOnHover withTableBorder data-testid="participant-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('participants.number')}</Table.Th>
              <Table.Th>{t('participants.status')}</Table.Th>
              <Table.Th>{t('participants.site')}</Table.Th>
              <Table.Th>{t('participants.screeningDate')}</Table.Th>
              <Table.Th>{t('participants.nextVisit')}</Table.Th>
              <Table.Th>{t('participants.queriesColumn')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((participant) => (
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
                  <ReconsentBadge due={participant.reconsentDue} />
                </Table.Td>
                <Table.Td>
                  <ParticipantStatusBadge status={participant.status} />
                </Table.Td>
                <Table.Td>{siteCode(participant.siteId)}</Table.Td>
                <Table.Td>{formatDate(participant.screeningDate, language)}</Table.Td>
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
                  <Badge
                    color={
                      participant.openQueries > 0
                        ? 'red'
                        : participant.answeredQueries > 0
                          ? 'yellow'
                          : 'gray'
                    }
                    variant={participant.openQueries + participant.answeredQueries > 0 ? 'filled' : 'light'}
                    tt="none"
                    data-testid="query-counts"
                  >
                    {t('participants.queryCounts', {
                      open: participant.openQueries,
                      answered: participant.answeredQueries,
                    })}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
      )}
      {data && (
        <Group justify="space-between" data-testid="participant-pager">
          <Text size="sm" c="dimmed" data-testid="participant-range">
            {data.items.length === 0
              ? data.totalCapped
                ? t('participants.totalMore', { count: data.total })
                : t('participants.total', { count: data.total })
              : t(data.totalCapped ? 'participants.pager.rangeOfMore' : 'participants.pager.range', {
                  from: number.format(first),
                  to: number.format(first + data.items.length - 1),
                  total: number.format(data.total),
                })}
          </Text>
          <Group gap="xs">
            <NativeSelect
              aria-label={t('participants.pager.size')}
              value={String(size)}
              onChange={(event) => list$.refilter({ size: Number(event.currentTarget.value) })}
              data={PAGE_SIZES.map((value) => ({
                value: String(value),
                label: t('participants.pager.perPage', { size: value }),
              }))}
            />
            <Button
              variant="default"
              disabled={page <= 1}
              onClick={() => list$.goTo(page - 1, cursors.current.get(pageKey(page - 1)) ?? '')}
            >
              {t('participants.pager.previous')}
            </Button>
            <Text size="sm" data-testid="participant-page">
              {t('participants.pager.page', { page: number.format(page) })}
            </Text>
            <Button
              variant="default"
              disabled={!data.nextCursor || list.isPlaceholderData}
              onClick={() => data.nextCursor && list$.goTo(page + 1, data.nextCursor)}
            >
              {t('participants.pager.next')}
            </Button>
          </Group>
        </Group>
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
  const [typedDate, setScreeningDate] = useState<string | null>(null);
  const [hospitalId, setHospitalId] = useState('');
  const chosenSite = siteId || mySites[0]?.siteId || '';
  const zone = mySites.find((site) => site.siteId === chosenSite)?.timeZone;
  // Today at the chosen site, not in the browser's zone.
  const screeningDate = typedDate ?? (zone ? siteToday(zone) : '');
  const screen = useMutation({
    mutationFn: () =>
      api<ParticipantDetail, z.input<typeof screenRequestSchema>>('POST', '/participants', {
        siteId: chosenSite,
        screeningDate,
        ...(hospitalId.trim() ? { hospitalId: hospitalId.trim() } : {}),
      }),
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
            max={LAST_DATE}
            value={screeningDate}
            onChange={(event) => setScreeningDate(event.currentTarget.value)}
            required
          />
          <TextInput
            label={t('participants.hospitalId')}
            description={t('participants.hospitalIdHint')}
            value={hospitalId}
            onChange={(event) => setHospitalId(event.currentTarget.value)}
            maxLength={64}
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
