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
import type { z } from 'zod';
import type { dispenseRequestSchema, proposalQuerySchema } from '../../../../src/product/product.schema.ts';
import { api, queryText } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { apiErrorText, useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';
import { readableVisit } from '../../readable.ts';
import {
  type DispensingView,
  lotName,
  type ProposalView,
  refusalReason,
  useDispensings,
  useDoses,
  useEnrolled,
  type VialView,
} from './product-api.ts';
import { ReturnModal, ThawButton, ThawWindow } from './thaw-return.tsx';

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
  onThawed,
}: {
  proposal: ProposalView;
  onDispensed: (dispensing: DispensingView) => void;
  onThawed: (vial: VialView) => void;
}) {
  const { t } = useTranslation();
  const dates = useDates();
  const [scanned, setScanned] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const dispense = useMutation({
    mutationFn: (code: string) =>
      api<DispensingView, z.input<typeof dispenseRequestSchema>>('POST', '/product/dispensings', {
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
            lot: lotName(t, vial.lotNumber),
            unit: vial.unitCode ?? '—',
            useBy: vial.thawedAt ? dates.dateTime(vial.useBy) : dates.date(vial.useBy),
          })}
        </Text>
        {vial.thawedAt ? (
          <>
            <Text size="sm">{t('product.alreadyThawed', { time: dates.dateTime(vial.thawedAt) })}</Text>
            <ThawWindow thawedAt={vial.thawedAt} useBy={vial.useBy} />
          </>
        ) : (
          <ThawButton vial={vial} onThawed={onThawed} />
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
  const dates = useDates();
  const language = useLanguage();
  const protocol = useProtocol().data?.protocol;
  const client = useQueryClient();
  const can = useCan();
  const participants = useEnrolled();
  const [participantId, setParticipantId] = useState<string | null>(null);
  const [visitId, setVisitId] = useState<string | null>(null);
  const [done, setDone] = useState<DispensingView | null>(null);
  const [returning, setReturning] = useState<DispensingView | null>(null);
  const [returned, setReturned] = useState<string | null>(null);
  const doses = useDoses(participantId);
  const dispensings = useDispensings(participantId);
  const proposal = useQuery({
    queryKey: ['product', 'proposal', participantId, visitId],
    enabled: participantId !== null && visitId !== null,
    retry: false,
    queryFn: () =>
      api<ProposalView>(
        'GET',
        `/product/participants/${participantId}/proposal?${queryText<z.input<typeof proposalQuerySchema>>({ visitId: visitId ?? undefined })}`,
      ),
  });
  // A dose whose vial came back unused may be dispensed again.
  const given = new Set(
    (dispensings.data ?? []).filter((entry) => !entry.returnedAt).map((entry) => entry.visitId),
  );
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['product'] });
    void client.invalidateQueries({ queryKey: ['dosing'] });
  };
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
            setReturned(null);
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
          allowDeselect={false}
          w={320}
          data-testid="dose-select"
        />
      </Group>
      {doses.data?.dosingPaused && (
        <Alert color="red" title={t('safety.paused')}>
          {doses.data.dosingPaused}
        </Alert>
      )}
      {returned && (
        <Alert color="blue" data-testid="return-done">
          {t('product.returnDone', { code: returned })}
        </Alert>
      )}
      {done ? (
        <Alert color="green" data-testid="dispensed">
          {t('product.dispensed', {
            code: done.vialCode,
            visit: done.visitId,
            useBy: dates.dateTime(done.useBy),
          })}
          <ThawWindow thawedAt={done.thawedAt} useBy={done.useBy} />
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
                setReturned(null);
                refresh();
              }}
              onThawed={() => {
                void client.invalidateQueries({ queryKey: ['product', 'proposal', participantId, visitId] });
                void client.invalidateQueries({ queryKey: ['product', 'inventory'] });
              }}
            />
          )}
        </>
      )}
      {dispensings.data && dispensings.data.length > 0 && (
        <>
          <Title order={4}>{t('product.history')}</Title>
          <ScrollTable withTableBorder data-testid="dispensing-history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('product.dose')}</Table.Th>
                <Table.Th>{t('product.code')}</Table.Th>
                <Table.Th>{t('product.lot')}</Table.Th>
                <Table.Th>{t('product.dispensedAt')}</Table.Th>
                <Table.Th>{t('product.useBy')}</Table.Th>
                <Table.Th>{t('product.returnState')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {dispensings.data.map((entry) => (
                <Table.Tr key={entry.dispensingId}>
                  <Table.Td>{readableVisit(protocol, entry.visitId, t, language)}</Table.Td>
                  <Table.Td>{entry.vialCode}</Table.Td>
                  <Table.Td>{lotName(t, entry.lotNumber)}</Table.Td>
                  <Table.Td>
                    {dates.dateTime(entry.dispensedAt)} · {entry.dispensedBy}
                  </Table.Td>
                  <Table.Td>{dates.dateTime(entry.useBy)}</Table.Td>
                  <Table.Td>
                    {entry.returnedAt ? (
                      <Text size="sm" data-testid="returned">
                        {t('product.states.returned')} ·{' '}
                        {t('product.returned', {
                          time: dates.dateTime(entry.returnedAt),
                          by: entry.returnedBy ?? '',
                          reason: entry.returnReason ?? '',
                        })}
                      </Text>
                    ) : (
                      can('product.dispense') && (
                        <Button
                          size="xs"
                          variant="light"
                          color="orange"
                          onClick={() => setReturning(entry)}
                          data-testid={`return-${entry.vialCode}`}
                        >
                          {t('product.returnVial')}
                        </Button>
                      )
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </ScrollTable>
        </>
      )}
      {returning && (
        <ReturnModal
          dispensing={returning}
          onClose={() => setReturning(null)}
          onReturned={(view) => {
            setReturning(null);
            setReturned(view.vial.code);
            if (done?.dispensingId === view.dispensingId) setDone(null);
            refresh();
          }}
        />
      )}
    </Stack>
  );
}
