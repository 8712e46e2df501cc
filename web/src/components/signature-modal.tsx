import { Alert, Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { apiErrorText, useLanguage } from '../api/trial.ts';

export type SignatureMeaning = 'eligibility' | 'form' | 'casebook' | 'lotRelease';

/**
 * An electronic signature: shows who signs and what the signature means (21 CFR 11.50), and asks for
 * the password again (11.200) before `sign` sends it. A signature that carries its own fields (a
 * reason, a decision, the vials of a shipment) puts them first as `children`, states its meaning as
 * `meaningText`, and holds the Sign button until `ready`.
 */
export function SignatureModal({
  meaning,
  meaningText,
  title,
  children,
  ready = true,
  danger = false,
  size,
  testId = 'signature',
  sign,
  onSigned,
  onClose,
}: {
  meaning?: SignatureMeaning;
  meaningText?: string;
  title: string;
  children?: ReactNode;
  ready?: boolean;
  /** The Sign button in red (a rejection, a destruction). */
  danger?: boolean;
  size?: string;
  /** Prefix of the meaning's and the error's test ids (`signature-meaning`, `signature-error`). */
  testId?: string;
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
    <Modal opened onClose={onClose} title={title} size={size}>
      <form onSubmit={submit}>
        <Stack>
          {children}
          <Alert
            color="blue"
            role="note"
            title={t('signature.meaningTitle')}
            data-testid={`${testId}-meaning`}
          >
            <Text size="sm">{meaningText ?? t(`signature.meaning.${meaning ?? 'form'}`)}</Text>
          </Alert>
          <Text size="sm">{t('signature.signer', { name: session.data?.user.name ?? '' })}</Text>
          <PasswordInput
            label={t('signature.password')}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            data-autofocus={children ? undefined : true}
          />
          {mutation.isError && (
            <Alert color="red" role="alert" data-testid={`${testId}-error`}>
              {apiErrorText(t, language, mutation.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              color={danger ? 'red' : undefined}
              loading={mutation.isPending}
              disabled={!password || !ready}
            >
              {t('signature.sign')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
