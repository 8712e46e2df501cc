import { Anchor, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSiteTimeZone } from '../../api/site-clock.ts';
import { type ParticipantDetail, useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { formatDateTime } from '../../format.ts';
import { readableVisit } from '../../readable.ts';
import { ReadingFlags } from '../dosing/reading-flags.tsx';
import { type DoseSchedule, useDoseSchedule } from '../safety/safety-api.ts';

type Administration = NonNullable<DoseSchedule['doses'][number]['administration']>;

/** A dose's flags by the reading that raised them (the dose's own observations have no reading). */
function byReading(administration: Administration) {
  const groups = new Map<string, Administration['flags']>();
  for (const flag of administration.flags) {
    const key = flag.source ?? administration.visitId;
    groups.set(key, [...(groups.get(key) ?? []), flag]);
  }
  return [...groups.entries()];
}

/**
 * The participant's inhalation flags, one box per reading that raised any, each with the adverse events
 * recorded from its dose (linked) or "record an adverse event" pre-filled from the flag, as on the
 * Dosing screen; so a flag is seen where the participant is looked at, not only at the bedside.
 */
export function FlagsPanel({ participant }: { participant: ParticipantDetail }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const protocol = useProtocol();
  const zone = useSiteTimeZone(participant.siteId);
  const allowed = can('dosing.read');
  const schedule = useDoseSchedule(allowed ? participant.participantId : null);
  // A protocol that watches for no inhalation events (no inhaled regimen) has no flags to show.
  if (!allowed || (protocol.data && !protocol.data.protocol.safety.inhalationEvents)) return null;
  if (schedule.isPending || !zone) return <Loader size="sm" />;
  if (schedule.isError) return null;
  const flagged = schedule.data.doses.flatMap((dose) =>
    dose.administration && dose.administration.flags.length > 0 ? [dose.administration] : [],
  );
  return (
    <Card withBorder data-testid="flags-panel">
      <Stack gap="sm">
        <Title order={4}>{t('words.flags.title')}</Title>
        {flagged.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('words.flags.none')}
          </Text>
        )}
        {flagged.flatMap((administration) =>
          byReading(administration).map(([reading, flags]) => (
            <Stack gap={0} key={`${administration.administrationId}-${reading}`} data-testid="flag-reading">
              <Group justify="space-between">
                <Text size="sm" fw={600}>
                  {t('words.flags.dose', {
                    number: administration.doseNumber,
                    visit: readableVisit(protocol.data?.protocol, reading, t, language),
                  })}
                  {flags[0]?.at ? ` · ${formatDateTime(flags[0].at, zone, language)}` : ''}
                </Text>
                <Anchor
                  component={Link}
                  size="sm"
                  to={`/safety/dosing?participant=${participant.participantId}&visit=${encodeURIComponent(administration.visitId)}`}
                >
                  {t('words.flags.openDose')}
                </Anchor>
              </Group>
              <ReadingFlags
                participantId={participant.participantId}
                administration={administration}
                flags={flags}
                timeZone={zone}
              />
            </Stack>
          )),
        )}
      </Stack>
    </Card>
  );
}
