import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Inbox,
  InboxQueryInput,
  Marked,
  NotificationPreferences,
  NotificationView,
  PreferencesUpdate,
  UnreadCount,
} from '../../../../src/notifications/notification.schema.ts';
import { api, queryText } from '../../api/client.ts';

export type { NotificationPreferences, NotificationView };

/** How often the header asks for the unread count (the server's worker runs every 30 s too). */
const UNREAD_POLL_MS = 30_000;

export const useUnreadCount = (enabled: boolean) =>
  useQuery({
    queryKey: ['notifications', 'unread'],
    queryFn: () => api<UnreadCount>('GET', '/notifications/unread-count'),
    refetchInterval: UNREAD_POLL_MS,
    enabled,
  });

export const useInbox = (unreadOnly: boolean) =>
  useQuery({
    queryKey: ['notifications', 'inbox', unreadOnly],
    queryFn: () =>
      api<Inbox>(
        'GET',
        `/notifications?${queryText<InboxQueryInput>({ limit: 200, unread: unreadOnly ? 'true' : undefined })}`,
      ),
  });

export const usePreferences = () =>
  useQuery({
    queryKey: ['notifications', 'preferences'],
    queryFn: () => api<NotificationPreferences>('GET', '/notifications/preferences'),
  });

/** Marking read changes the inbox and the header's count: both are read again. */
export function useMarkRead() {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: ['notifications'] });
  return {
    one: useMutation({
      mutationFn: (notificationId: string) => api<Marked>('POST', `/notifications/${notificationId}/read`),
      onSettled: refresh,
    }),
    all: useMutation({
      mutationFn: () => api<Marked>('POST', '/notifications/read-all'),
      onSettled: refresh,
    }),
  };
}

export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (update: PreferencesUpdate) =>
      api<NotificationPreferences, PreferencesUpdate>('PUT', '/notifications/preferences', update),
    onSuccess: (saved) => client.setQueryData(['notifications', 'preferences'], saved),
  });
}
