import { Badge, Button, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useUnreadCount } from './notifications-api.ts';

/**
 * The header's link to the inbox, with the number of unread notifications. On a phone, where the
 * header holds one line, only the count shows (the menu has the link).
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const unread = useUnreadCount(true).data?.unread ?? 0;
  const label = unread > 0 ? t('notifications.headerUnread', { count: unread }) : t('notifications.header');
  return (
    <>
      <Button
        variant="subtle"
        size="xs"
        component={Link}
        to="/notifications"
        visibleFrom="sm"
        rightSection={
          unread > 0 ? (
            // The name read out is the visible words and count, then "unread" (WCAG 2.5.3).
            <Badge size="sm" color="red" data-testid="unread-count">
              {unread}
              <VisuallyHidden> {t('notifications.unreadSuffix')}</VisuallyHidden>
            </Badge>
          ) : undefined
        }
      >
        {t('notifications.header')}
      </Button>
      {unread > 0 && (
        <Badge component={Link} to="/notifications" size="sm" color="red" hiddenFrom="sm" aria-label={label}>
          {unread}
        </Badge>
      )}
    </>
  );
}
