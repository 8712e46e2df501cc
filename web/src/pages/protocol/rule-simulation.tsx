import './rule-simulation.strings.ts';
import {
  Alert,
  Button,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import type { SimulationRequest, SimulationResult } from '../../../../src/safety/safety.schema.ts';
import { tripQuantile } from '../../../../src/safety/trip-quantile.ts';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { ScrollTable } from '../../components/scroll-table.tsx';

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

/** Rates typed as percentages or fractions, comma-separated; null when one is not a rate. */
function parseRates(text: string): number[] | null {
  const parts = text
    .split(/[,，\s]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  const rates = parts.map((part) => (part.endsWith('%') ? Number(part.slice(0, -1)) / 100 : Number(part)));
  return rates.every((rate) => Number.isFinite(rate) && rate >= 0 && rate <= 1) ? rates : null;
}

/**
 * The protocol's stopping rules tried on simulated trials before the first patient: each rule on its
 * own, at each true rate of its event, the chance it trips and how many are enrolled when it does.
 */
export function RuleSimulation({ protocol }: { protocol: Protocol }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh' ? 'zh' : 'en';
  const [ratesText, setRatesText] = useState('2%, 5%, 10%, 20%, 30%');
  const [participants, setParticipants] = useState<number | string>(protocol.study.plannedEnrolment);
  const [runs, setRuns] = useState('10000');
  const [seed, setSeed] = useState<number | string>(1);
  const rates = parseRates(ratesText);
  const simulate = useMutation({
    mutationFn: (body: SimulationRequest) =>
      api<SimulationResult, SimulationRequest>('POST', '/safety/simulation', body),
  });
  const rules = protocol.safety.stoppingRules;
  if (rules.length === 0) return <Text c="dimmed">{t('ruleSimulation.noRules')}</Text>;
  const run = () => {
    if (!rates) return;
    simulate.mutate({
      trueRates: rates,
      runs: Number(runs),
      seed: typeof seed === 'number' ? seed : 1,
      ...(typeof participants === 'number' ? { participants } : {}),
    });
  };
  return (
    <Stack>
      <Text size="sm">{t('ruleSimulation.intro')}</Text>
      <Group align="flex-end">
        <TextInput
          label={t('ruleSimulation.rates')}
          description={t('ruleSimulation.ratesHint')}
          value={ratesText}
          onChange={(event) => setRatesText(event.currentTarget.value)}
          error={rates ? undefined : t('ruleSimulation.ratesError')}
          w={260}
        />
        <NumberInput
          label={t('ruleSimulation.participants')}
          value={participants}
          onChange={setParticipants}
          min={1}
          max={1000}
          allowDecimal={false}
          w={140}
        />
        <Select
          label={t('ruleSimulation.runs')}
          data={['1000', '10000', '20000']}
          value={runs}
          onChange={(value) => setRuns(value ?? '10000')}
          allowDeselect={false}
          w={120}
        />
        <NumberInput
          label={t('ruleSimulation.seed')}
          value={seed}
          onChange={setSeed}
          min={0}
          allowDecimal={false}
          w={100}
        />
        <Button onClick={run} loading={simulate.isPending} disabled={!rates}>
          {t('ruleSimulation.simulate')}
        </Button>
      </Group>
      {simulate.isError && <Alert color="red">{errorMessage(t, simulate.error)}</Alert>}
      {simulate.data && (
        <Stack>
          <Text size="sm" c="dimmed">
            {t('ruleSimulation.summary', {
              participants: simulate.data.participants,
              runs: simulate.data.runs,
              seed: simulate.data.seed,
            })}
          </Text>
          {rules.map((rule) => (
            <Stack key={rule.id} gap={4}>
              <Title order={4}>{rule.id}</Title>
              <Text size="sm">{rule.description[lang]}</Text>
              <ScrollTable withTableBorder striped fz="sm" aria-label={rule.id}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('ruleSimulation.trueRate')}</Table.Th>
                    <Table.Th>{t('ruleSimulation.probability')}</Table.Th>
                    <Table.Th>{t('ruleSimulation.meanAtTrip')}</Table.Th>
                    <Table.Th>{t('ruleSimulation.quartiles')}</Table.Th>
                    <Table.Th>{t('ruleSimulation.meanEnrolled')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {simulate.data.rules
                    .filter((row) => row.ruleId === rule.id)
                    .map((row) => (
                      <Table.Tr key={row.trueRate}>
                        <Table.Td>{percent(row.trueRate)}</Table.Td>
                        <Table.Td>
                          {percent(row.probabilityTripped)} ± {percent(row.standardError)}
                        </Table.Td>
                        <Table.Td>
                          {row.meanEnrolledAtTrip === null ? '—' : row.meanEnrolledAtTrip.toFixed(1)}
                        </Table.Td>
                        <Table.Td>
                          {row.meanEnrolledAtTrip === null
                            ? '—'
                            : [0.25, 0.5, 0.75].map((q) => tripQuantile(row.enrolledAtTrip, q)).join(' / ')}
                        </Table.Td>
                        <Table.Td>{row.meanEnrolled.toFixed(1)}</Table.Td>
                      </Table.Tr>
                    ))}
                </Table.Tbody>
              </ScrollTable>
            </Stack>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
