import { Button, Group, Modal, Text } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useBlocker } from 'react-router';

/**
 * Asks before unsaved changes are lost: a dialog for a move inside the app (a link, the back button,
 * another entry of the form), the browser's own question for closing or reloading the tab. Saving
 * makes `changedCount` 0, which lets every move through again.
 */
export function UnsavedChangesGuard({ changedCount }: { changedCount: number }) {
  const { t } = useTranslation();
  const dirty = changedCount > 0;
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty &&
      (currentLocation.pathname !== nextLocation.pathname || currentLocation.search !== nextLocation.search),
  );
  useEffect(() => {
    if (!dirty) return;
    const ask = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers ask only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [dirty]);
  // A move that was waiting goes on once nothing is left unsaved (e.g. saved from another tab's refresh).
  useEffect(() => {
    if (blocker.state === 'blocked' && !dirty) blocker.proceed();
  }, [blocker, dirty]);
  return (
    <Modal
      opened={blocker.state === 'blocked'}
      onClose={() => blocker.reset?.()}
      title={t('crf.unsaved.title')}
      data-testid="unsaved-changes"
    >
      <Text size="sm">{t('crf.unsaved.text', { count: changedCount })}</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" data-autofocus onClick={() => blocker.reset?.()}>
          {t('crf.unsaved.stay')}
        </Button>
        <Button color="red" onClick={() => blocker.proceed?.()}>
          {t('crf.unsaved.leave')}
        </Button>
      </Group>
    </Modal>
  );
}
