import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useDates } from '../../api/dates.ts';
import { errorMessage } from '../../api/session.ts';
import { NotificationChoices } from './notification-choices.tsx';
import { type NotificationView, useInbox, useMarkRead } from './notifications-api.ts';

/** The signed-in person's notifications, newest first, and below them how each kind reaches them. */
export function NotificationsPage() {
  const { t } = useTranslation();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const inbox = useInbox(unreadOnly);
  const mark = useMarkRead();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('notifications.title')}</Title>
        <Group gap="xs">
          <SegmentedControl
            size="xs"
            aria-label={t('notifications.show')}
            value={unreadOnly ? 'unread' : 'all'}
            onChange={(value) => setUnreadOnly(value === 'unread')}
            data={[
              { value: 'all', label: t('notifications.all') },
              { value: 'unread', label: t('notifications.unreadOnly') },
            ]}
          />
          <Button
            size="xs"
            variant="light"
            onClick={() => mark.all.mutate()}
            loading={mark.all.isPending}
            disabled={!inbox.data || inbox.data.unread === 0}
          >
            {t('notifications.markAllRead')}
          </Button>
        </Group>
      </Group>
      {(mark.one.isError || mark.all.isError) && (
        <Alert color="red">{errorMessage(t, mark.one.error ?? mark.all.error)}</Alert>
      )}
      {inbox.isPending && <Loader />}
      {inbox.isError && <Alert color="red">{errorMessage(t, inbox.error)}</Alert>}
      {inbox.data && inbox.data.items.length === 0 && <Text c="dimmed">{t('notifications.empty')}</Text>}
      {inbox.data?.items.map((item) => (
        <NotificationCard
          key={item.notificationId}
          item={item}
          onRead={() => mark.one.mutate(item.notificationId)}
        />
      ))}
      <NotificationChoices />
    </Stack>
  );
}

function NotificationCard({ item, onRead }: { item: NotificationView; onRead: () => void }) {
  const { t, i18n } = useTranslation();
  const dates = useDates(item.siteId);
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const unread = item.readAt === null;
  return (
    <Paper withBorder p="sm" aria-label={item.title[language]} data-unread={unread}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4}>
          <Group gap="xs">
            {unread && (
              <Badge size="sm" color="blue">
                {t('notifications.new')}
              </Badge>
            )}
            <Text fw={unread ? 700 : 400}>{item.title[language]}</Text>
          </Group>
          <Text size="sm">{item.body[language]}</Text>
          <Text size="xs" c="dimmed">
            {dates.dateTime(item.createdAt)} · {t(`notifications.email.${item.email}`)}
          </Text>
        </Stack>
        <Group gap="xs" wrap="nowrap">
          {item.link && (
            <Anchor component={Link} to={item.link} onClick={unread ? onRead : undefined} size="sm">
              {t('notifications.open')}
            </Anchor>
          )}
          {unread && (
            <Button size="xs" variant="subtle" onClick={onRead}>
              {t('notifications.markRead')}
            </Button>
          )}
        </Group>
      </Group>
    </Paper>
  );
}
