import {
  Alert,
  Button,
  Group,
  Modal,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useSession } from '../../api/session.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import type { ExcursionView } from './product-api.ts';

/**
 * The e-signed disposition of every vial an excursion quarantined: release to stock or destroy, with
 * the reason, the meaning of the signature shown, and the password entered again.
 */
export function DispositionModal({
  excursion,
  onDone,
  onClose,
}: {
  excursion: ExcursionView;
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const session = useSession();
  const [decision, setDecision] = useState<'release' | 'destroy'>('release');
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const sign = useMutation({
    mutationFn: () =>
      api('POST', `/product/excursions/${excursion.excursionId}/disposition`, { decision, reason, password }),
    onSuccess: onDone,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    sign.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('product.dispositionTitle', { unit: excursion.unitCode })}>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">
            {t('product.dispositionVials', { count: excursion.vialsAwaitingDisposition })}
          </Text>
          <SegmentedControl
            value={decision}
            onChange={(value) => setDecision(value === 'destroy' ? 'destroy' : 'release')}
            data={[
              { value: 'release', label: t('product.release') },
              { value: 'destroy', label: t('product.destroy') },
            ]}
          />
          <Textarea
            label={t('product.reason')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            required
            autosize
            minRows={2}
          />
          <Alert color="blue" role="note" title={t('signature.meaningTitle')}>
            <Text size="sm">{t(`product.meaning.${decision}`)}</Text>
          </Alert>
          <Text size="sm">{t('signature.signer', { name: session.data?.user.name ?? '' })}</Text>
          <PasswordInput
            label={t('signature.password')}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
          />
          {sign.isError && (
            <Alert color="red" role="alert" data-testid="disposition-error">
              {apiErrorText(t, language, sign.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              color={decision === 'destroy' ? 'red' : 'blue'}
              loading={sign.isPending}
              disabled={!password || !reason.trim()}
            >
              {t('signature.sign')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
