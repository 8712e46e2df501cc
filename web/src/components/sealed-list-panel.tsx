import { Alert, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiErrorText, useLanguage } from '../api/trial.ts';
import { formatOwnDateTime } from '../format.ts';

// The statistician's controls of a sealed list (the randomisation list, the kit list): generate it
// from a seed, check it, seal it after a confirmation naming its hash, and, where the list allows it,
// extend it once sealed. Each list names its texts in its own string area, under the same keys.

/** The numbers typed in: NaN where the field is not a whole number (the server says what to fix). */
export interface ListNumbers {
  seed: number;
  /** The number of kits (lists with a count field); NaN otherwise. */
  count: number;
}

interface ListAction {
  run: (numbers: ListNumbers) => Promise<unknown>;
  pending: boolean;
}

export interface SealedListPanelProps {
  /** The string area: `${area}.seed`, `.seedHint`, `.generate`, `.regenerate`, `.seal`, `.sealConfirm`, `.generated`, `.sealed`; with a count, `.kitCount`, `.kitCountHint`, `.extend`, `.extendHint`, `.extended`. */
  area: 'kits' | 'randomisation';
  /** Prefix of the test ids: `${testId}-seed`, `-count`, `-seal`, `-message`. */
  testId: string;
  status: 'none' | 'missing' | 'generated' | 'sealed';
  listHash: string | null;
  /** Whether the list asks for a number of kits besides the seed. */
  withCount?: boolean;
  generate: ListAction;
  /** Offered once the list is sealed; without it, the controls go once sealed. */
  extend?: ListAction;
  seal: { run: (listHash: string) => Promise<unknown>; pending: boolean };
}

const wholeNumber = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);

export function SealedListPanel({
  area,
  testId,
  status,
  listHash,
  withCount = false,
  generate,
  extend,
  seal,
}: SealedListPanelProps) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [seed, setSeed] = useState('');
  const [count, setCount] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const labels: Record<string, string> = { seed: t(`${area}.seed`) };
  if (withCount) labels.kitCount = t(`${area}.kitCount`);
  const run = async (work: () => Promise<unknown>, done: string) => {
    setMessage(null);
    try {
      await work();
      setMessage({ ok: true, text: done });
    } catch (error) {
      setMessage({ ok: false, text: apiErrorText(t, language, error, labels) });
    }
  };
  const numbers = (): ListNumbers => ({
    seed: wholeNumber(seed),
    count: withCount ? wholeNumber(count) : Number.NaN,
  });
  const sealed = status === 'sealed';
  const incomplete = seed === '' || (withCount && count === '');
  const action = sealed ? extend : generate;
  return (
    <Stack gap="xs">
      {/* Kept mounted after sealing so that its message says the list is sealed; the controls go unless the list grows. */}
      {action && (
        <Group align="flex-end">
          <TextInput
            label={t(`${area}.seed`)}
            description={t(`${area}.seedHint`)}
            value={seed}
            inputMode="numeric"
            onChange={(event) => setSeed(event.currentTarget.value.trim())}
            data-testid={`${testId}-seed`}
          />
          {withCount && (
            <TextInput
              label={t(`${area}.kitCount`)}
              description={sealed ? t(`${area}.extendHint`) : t(`${area}.kitCountHint`)}
              value={count}
              inputMode="numeric"
              onChange={(event) => setCount(event.currentTarget.value.trim())}
              data-testid={`${testId}-count`}
            />
          )}
          <Button
            onClick={() =>
              void run(() => action.run(numbers()), sealed ? t(`${area}.extended`) : t(`${area}.generated`))
            }
            loading={action.pending}
            disabled={incomplete}
          >
            {sealed
              ? t(`${area}.extend`)
              : status === 'generated'
                ? t(`${area}.regenerate`)
                : t(`${area}.generate`)}
          </Button>
          {status === 'generated' && !confirming && (
            <Button color="green" onClick={() => setConfirming(true)}>
              {t(`${area}.seal`)}
            </Button>
          )}
        </Group>
      )}
      {confirming && status === 'generated' && (
        <Alert color="yellow">
          <Stack gap="xs">
            <Text size="sm">{t(`${area}.sealConfirm`, { hash: listHash })}</Text>
            <Group>
              <Button
                color="green"
                loading={seal.pending}
                data-testid={`${testId}-seal`}
                onClick={() =>
                  void run(
                    async () => {
                      await seal.run(listHash ?? '');
                      setConfirming(false);
                    },
                    t(`${area}.sealed`),
                  )
                }
              >
                {t(`${area}.seal`)}
              </Button>
              <Button variant="default" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} data-testid={`${testId}-message`}>
          {message.text}
        </Alert>
      )}
    </Stack>
  );
}

/** Who generated a sealed list and who sealed it, and when (`${area}.generatedBy`, `.sealedBy`). */
export function ListSignatures({
  area,
  generated,
  sealed,
}: {
  area: 'kits' | 'randomisation';
  generated: { name: string; at: string } | null;
  sealed: { name: string; at: string } | null;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <>
      {generated && (
        <Text size="sm">
          {t(`${area}.generatedBy`, { name: generated.name, at: formatOwnDateTime(generated.at, language) })}
        </Text>
      )}
      {sealed && (
        <Text size="sm">
          {t(`${area}.sealedBy`, { name: sealed.name, at: formatOwnDateTime(sealed.at, language) })}
        </Text>
      )}
    </>
  );
}
