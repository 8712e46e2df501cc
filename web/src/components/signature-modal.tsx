import { Alert, Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { apiErrorText, useLanguage } from '../api/trial.ts';

export type SignatureMeaning = 'eligibility' | 'form' | 'casebook' | 'lotRelease';

/**
 * An electronic signature: shows who signs and what the signature means (21 CFR 11.50), and asks for
 * the password again (11.200) before `sign` sends it.
 */
export function SignatureModal({
  meaning,
  title,
  sign,
  onSigned,
  onClose,
}: {
  meaning: SignatureMeaning;
  title: string;
  sign: (password: string) => Promise<unknown>;
  onSigned: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const session = useSession();
  const [password, setPassword] = useState('');
  const mutation = useMutation({ mutationFn: () => sign(password), onSuccess: onSigned });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={submit}>
        <Stack>
          <Alert color="blue" role="note" title={t('signature.meaningTitle')} data-testid="signature-meaning">
            <Text size="sm">{t(`signature.meaning.${meaning}`)}</Text>
          </Alert>
          <Text size="sm">{t('signature.signer', { name: session.data?.user.name ?? '' })}</Text>
          <PasswordInput
            label={t('signature.password')}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            data-autofocus
          />
          {mutation.isError && (
            <Alert color="red" role="alert" data-testid="signature-error">
              {apiErrorText(t, language, mutation.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={mutation.isPending} disabled={!password}>
              {t('signature.sign')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
