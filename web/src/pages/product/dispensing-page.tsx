import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import { apiErrorText, useLanguage } from '../../api/trial.ts';
import {
  type DispensingView,
  day,
  type ProposalView,
  refusalReason,
  useDispensings,
  useDoses,
  useEnrolled,
  when,
} from './product-api.ts';

/** A refusal as the pharmacist reads it: what it is (translated) and the API's own account of it. */
function Refusal({ error, testId }: { error: unknown; testId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const reason = refusalReason(error);
  return (
    <Alert
      color="red"
      role="alert"
      data-testid={testId}
      data-reason={reason ?? ''}
      title={
        reason ? t(`product.refusal.${reason}`, { defaultValue: t('product.refused') }) : t('product.refused')
      }
    >
      {apiErrorText(t, language, error)}
    </Alert>
  );
}

function ScanAndDispense({
  proposal,
  onDispensed,
}: {
  proposal: ProposalView;
  onDispensed: (dispensing: DispensingView) => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [scanned, setScanned] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const dispense = useMutation({
    mutationFn: (code: string) =>
      api<DispensingView>('POST', '/product/dispensings', {
        participantId: proposal.participantId,
        visitId: proposal.visitId,
        expectedVialId: proposal.vial.vialId,
        scannedCode: code,
      }),
    onSuccess: onDispensed,
    // A scanner types the next code straight after: empty the field and keep the focus in it.
    onSettled: () => {
      setScanned('');
      input.current?.focus();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (scanned.trim()) dispense.mutate(scanned.trim());
  };
  const { vial } = proposal;
  return (
    <Card withBorder data-testid="proposal">
      <Stack gap="xs">
        <Text size="sm" c="dimmed">
          {t('product.proposed')}
        </Text>
        <Title order={3} data-testid="proposed-code">
          {vial.code}
        </Title>
        <Text size="sm">
          {t('product.proposedDetail', {
            lot: vial.lotNumber,
            unit: vial.unitCode ?? '—',
            useBy: vial.thawedAt ? when(vial.useBy, language) : day(vial.useBy),
          })}
        </Text>
        {vial.thawedAt && (
          <Text size="sm">{t('product.alreadyThawed', { time: when(vial.thawedAt, language) })}</Text>
        )}
        <Text size="xs" c="dimmed">
          {t('product.alternatives', { count: proposal.alternatives })}
        </Text>
        <form onSubmit={submit}>
          <Group align="end">
            <TextInput
              ref={input}
              label={t('product.scan')}
              value={scanned}
              onChange={(event) => setScanned(event.currentTarget.value)}
              autoFocus
              autoComplete="off"
              w={420}
              data-testid="scan-input"
            />
            <Button type="submit" loading={dispense.isPending} disabled={!scanned.trim()}>
              {t('product.confirm')}
            </Button>
          </Group>
        </form>
        {dispense.isError && <Refusal error={dispense.error} testId="dispense-refusal" />}
      </Stack>
    </Card>
  );
}

/** The pharmacist's screen: a participant's scheduled dose, the proposed vial, the scan, the dispensing. */
export function DispensingPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useQueryClient();
  const participants = useEnrolled();
  const [participantId, setParticipantId] = useState<string | null>(null);
  const [visitId, setVisitId] = useState<string | null>(null);
  const [done, setDone] = useState<DispensingView | null>(null);
  const doses = useDoses(participantId);
  const dispensings = useDispensings(participantId);
  const proposal = useQuery({
    queryKey: ['product', 'proposal', participantId, visitId],
    enabled: participantId !== null && visitId !== null,
    retry: false,
    queryFn: () =>
      api<ProposalView>(
        'GET',
        `/product/participants/${participantId}/proposal?visitId=${encodeURIComponent(visitId ?? '')}`,
      ),
  });
  const given = new Set((dispensings.data ?? []).map((entry) => entry.visitId));
  return (
    <Stack>
      <Anchor component={Link} to="/product" size="sm">
        ← {t('product.title')}
      </Anchor>
      <Title order={2}>{t('product.dispensing')}</Title>
      <Group align="end">
        <Select
          label={t('product.participant')}
          data={(participants.data ?? []).map((entry) => ({
            value: entry.participantId,
            label: entry.studyNumber ?? entry.screeningNumber,
          }))}
          value={participantId}
          onChange={(value) => {
            setParticipantId(value);
            setVisitId(null);
            setDone(null);
          }}
          searchable
          w={260}
          data-testid="participant-select"
        />
        <Select
          label={t('product.dose')}
          placeholder={t('product.chooseDose')}
          data={(doses.data?.doses ?? []).map((dose) => ({
            value: dose.visitId,
            label: `${dose.name[language]} · ${given.has(dose.visitId) ? t('product.doseDispensed') : t(`dosing.states.${dose.state}`)}`,
          }))}
          value={visitId}
          onChange={(value) => {
            setVisitId(value);
            setDone(null);
          }}
          disabled={!doses.data}
          w={320}
          data-testid="dose-select"
        />
      </Group>
      {doses.data?.dosingPaused && (
        <Alert color="red" title={t('safety.paused')}>
          {doses.data.dosingPaused}
        </Alert>
      )}
      {done ? (
        <Alert color="green" data-testid="dispensed">
          {t('product.dispensed', {
            code: done.vialCode,
            visit: done.visitId,
            useBy: when(done.useBy, language),
          })}
        </Alert>
      ) : (
        <>
          {proposal.isFetching && <Loader size="sm" />}
          {proposal.isError && <Refusal error={proposal.error} testId="proposal-refusal" />}
          {proposal.data && !proposal.isFetching && (
            <ScanAndDispense
              key={`${proposal.data.visitId}-${proposal.data.vial.vialId}`}
              proposal={proposal.data}
              onDispensed={(dispensing) => {
                setDone(dispensing);
                void client.invalidateQueries({ queryKey: ['product', 'dispensings'] });
                void client.invalidateQueries({ queryKey: ['product', 'inventory'] });
                void client.invalidateQueries({ queryKey: ['dosing'] });
              }}
            />
          )}
        </>
      )}
      {dispensings.data && dispensings.data.length > 0 && (
        <>
          <Title order={4}>{t('product.history')}</Title>
          <Table withTableBorder data-testid="dispensing-history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('product.dose')}</Table.Th>
                <Table.Th>{t('product.code')}</Table.Th>
                <Table.Th>{t('product.lot')}</Table.Th>
                <Table.Th>{t('product.dispensedAt')}</Table.Th>
                <Table.Th>{t('product.useBy')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {dispensings.data.map((entry) => (
                <Table.Tr key={entry.dispensingId}>
                  <Table.Td>{entry.visitId}</Table.Td>
                  <Table.Td>{entry.vialCode}</Table.Td>
                  <Table.Td>{entry.lotNumber}</Table.Td>
                  <Table.Td>
                    {when(entry.dispensedAt, language)} · {entry.dispensedBy}
                  </Table.Td>
                  <Table.Td>{when(entry.useBy, language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}
