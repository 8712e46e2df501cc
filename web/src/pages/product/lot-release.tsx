import {
  Alert,
  Button,
  Card,
  Group,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type {
  rejectRequestSchema,
  releaseRequestSchema,
  releaseResultsRequestSchema,
} from '../../../../src/product/product.schema.ts';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { api } from '../../api/client.ts';
import { apiErrorText, useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { type LotView, productKeys } from './product-api.ts';

type ReleaseTest = Protocol['product']['release'][number];
const qualitative = ['present', 'absent', 'negative', 'positive'];

/** What the specification asks of a test, as the person entering the result reads it. */
function specification(test: ReleaseTest): string {
  if (test.kind === 'qualitative') return test.expected;
  if (test.kind === 'relative-to-label') return `${test.lowPercent}–${test.highPercent}% × label /mL`;
  const low = test.low === undefined ? null : `≥ ${test.low}`;
  const high = test.high === undefined ? null : `${test.highExclusive ? '<' : '≤'} ${test.high}`;
  return `${[low, high].filter(Boolean).join(', ')} ${test.unit}`;
}

/**
 * The release test results of a pending lot, one field per test of the protocol's specification.
 * Only the fields filled in are sent; the server judges each against the specification and the lot's
 * page shows its judgement.
 */
export function ReleaseResultsForm({ lot }: { lot: LotView }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const protocol = useProtocol();
  const [values, setValues] = useState<Record<string, string>>({});
  const tests = protocol.data?.protocol.product.release ?? [];
  const save = useMutation({
    mutationFn: () =>
      api<LotView, z.input<typeof releaseResultsRequestSchema>>(
        'PUT',
        `/product/lots/${lot.lotId}/release-results`,
        {
          version: lot.version,
          results: tests
            .filter((test) => (values[test.id] ?? '').trim() !== '')
            .map((test) => {
              const text = (values[test.id] ?? '').trim();
              return { testId: test.id, value: test.kind === 'qualitative' ? text : Number(text) };
            }),
        },
      ),
    onSuccess: (view) => {
      client.setQueryData(productKeys.lot(lot.lotId), view);
      void client.invalidateQueries({ queryKey: ['product', 'inventory'] });
      setValues({});
    },
  });
  const filled = Object.values(values).some((value) => value.trim() !== '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const current = (testId: string) => lot.judgements.find((judgement) => judgement.testId === testId);
  return (
    <Card withBorder data-testid="release-results-form">
      <form onSubmit={submit}>
        <Stack gap="xs">
          <Title order={4}>{t('product.enterResults')}</Title>
          <Text size="xs" c="dimmed">
            {t('product.resultsHint')}
          </Text>
          <ScrollTable>
            <Table.Tbody>
              {tests.map((test) => {
                const value = current(test.id)?.value;
                const placeholder =
                  value === null || value === undefined ? t('product.notSet') : String(value);
                const set = (next: string | null) => setValues((old) => ({ ...old, [test.id]: next ?? '' }));
                return (
                  <Table.Tr key={test.id}>
                    <Table.Td>{test.name[language]}</Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {specification(test)}
                      </Text>
                    </Table.Td>
                    <Table.Td w={240}>
                      {test.kind === 'qualitative' ? (
                        <Select
                          aria-label={test.name[language]}
                          data={qualitative}
                          value={values[test.id] || null}
                          onChange={set}
                          placeholder={placeholder}
                          clearable
                          data-testid={`result-${test.id}`}
                        />
                      ) : (
                        <TextInput
                          aria-label={test.name[language]}
                          value={values[test.id] ?? ''}
                          onChange={(event) => set(event.currentTarget.value)}
                          placeholder={placeholder}
                          inputMode="decimal"
                          error={
                            (values[test.id] ?? '').trim() && !Number.isFinite(Number(values[test.id]))
                              ? t('product.notANumber')
                              : undefined
                          }
                          data-testid={`result-${test.id}`}
                        />
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </ScrollTable>
          {save.isError && (
            <Alert color="red" role="alert" data-testid="results-error">
              {apiErrorText(t, language, save.error)}
            </Alert>
          )}
          {save.isSuccess && !filled && (
            <Text size="sm" c="green" data-testid="results-saved">
              {t('product.resultsSaved')}
            </Text>
          )}
          <Group justify="flex-end">
            <Button
              type="submit"
              loading={save.isPending}
              disabled={
                !filled ||
                tests.some(
                  (test) =>
                    test.kind !== 'qualitative' &&
                    (values[test.id] ?? '').trim() !== '' &&
                    !Number.isFinite(Number(values[test.id])),
                )
              }
            >
              {t('product.saveResults')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/**
 * The qualified person's release e-signature. The button stays available when a test fails: the
 * server refuses the release and its answer names what fails, shown in the signature dialog.
 */
export function ReleaseLot({ lot }: { lot: LotView }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const failing = lot.judgements.filter((judgement) => !judgement.pass);
  return (
    <Stack gap="xs">
      {!lot.releasable && (
        <Alert color="orange" data-testid="not-releasable">
          <Text size="sm">{t('product.notReleasable')}</Text>
          <Text size="xs">
            {t('product.failingTests')}: {failing.map((judgement) => judgement.name[language]).join(', ')}
          </Text>
        </Alert>
      )}
      <Group>
        <Button onClick={() => setOpen(true)} data-testid="release-lot">
          {t('product.releaseLot')}
        </Button>
        <Button variant="light" color="red" onClick={() => setRejecting(true)} data-testid="reject-lot">
          {t('product.rejectLot')}
        </Button>
      </Group>
      {rejecting && (
        <RejectModal
          lot={lot}
          onClose={() => setRejecting(false)}
          onDone={() => {
            setRejecting(false);
            void client.invalidateQueries({ queryKey: ['product'] });
          }}
        />
      )}
      {open && (
        <SignatureModal
          meaning="lotRelease"
          title={t('product.releaseTitle', { lot: lot.lotNumber })}
          sign={(password) =>
            api<LotView, z.input<typeof releaseRequestSchema>>('POST', `/product/lots/${lot.lotId}/release`, {
              password,
              version: lot.version,
            })
          }
          onSigned={() => {
            setOpen(false);
            void client.invalidateQueries({ queryKey: ['product'] });
          }}
          onClose={() => setOpen(false)}
        />
      )}
    </Stack>
  );
}

/** The qualified person's signed rejection of a pending lot, with the reason: its vials are never used. */
function RejectModal({ lot, onDone, onClose }: { lot: LotView; onDone: () => void; onClose: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  return (
    <SignatureModal
      title={t('product.rejectTitle', { lot: lot.lotNumber })}
      meaningText={t('product.rejectMeaning')}
      ready={reason.trim() !== ''}
      danger
      testId="reject"
      sign={(password) =>
        api<LotView, z.input<typeof rejectRequestSchema>>('POST', `/product/lots/${lot.lotId}/reject`, {
          reason: reason.trim(),
          password,
          version: lot.version,
        })
      }
      onSigned={onDone}
      onClose={onClose}
    >
      <Textarea
        label={t('product.rejectReason')}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
        required
        autosize
        minRows={2}
        data-autofocus
      />
    </SignatureModal>
  );
}
