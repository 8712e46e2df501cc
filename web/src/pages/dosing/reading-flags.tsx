import { Alert, Anchor, Button, List, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { AdministrationView } from '../../../../src/dosing/dosing.schema.ts';
import { wallClock } from '../../api/site-clock.ts';
import { AdverseEventForm } from '../safety/adverse-event-form.tsx';
import { useAdverseEvents } from '../safety/safety-api.ts';

type Flag = AdministrationView['flags'][number];

/**
 * The inhalation flags of one reading (or of the dose itself), shown once, with "Record an adverse
 * event" pre-filled from them. The API links an adverse event to the dose it was recorded from, not to
 * the reading, so the events listed here are those recorded from this dose.
 */
export function ReadingFlags({
  participantId,
  administration,
  flags,
  timeZone,
}: {
  participantId: string;
  administration: AdministrationView;
  flags: Flag[];
  timeZone: string;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const [open, setOpen] = useState(false);
  if (flags.length === 0) return null;
  const terms = [...new Set(flags.map((flag) => flag.suggestedTerm[language]))];
  const at = flags.find((flag) => flag.at)?.at;
  return (
    <Alert color="orange" title={t('dosing.flagTitle')} data-testid="inhalation-flag" mt="xs">
      <Stack gap="xs">
        <List size="sm">
          {flags.map((flag) => (
            <List.Item key={flag.kind}>{flag.message[language]}</List.Item>
          ))}
        </List>
        <DoseEvents participantId={participantId} aeIds={administration.adverseEventIds} />
        {!open && (
          <Button size="xs" w="fit-content" onClick={() => setOpen(true)}>
            {t('dosing.recordAe')}
          </Button>
        )}
        {open && (
          <AdverseEventForm
            participantId={participantId}
            administrationId={administration.administrationId}
            timeZone={timeZone}
            initial={{
              term: terms.join(', '),
              inhalationAssociated: true,
              // The reading's time in the site's zone, as the server reads typed times.
              ...(at ? { onsetAt: wallClock(new Date(at), timeZone) } : {}),
            }}
          />
        )}
      </Stack>
    </Alert>
  );
}

/** The adverse events recorded from a dose, each linked to its page. */
function DoseEvents({ participantId, aeIds }: { participantId: string; aeIds: string[] }) {
  const { t } = useTranslation();
  const events = useAdverseEvents({ participantId });
  if (aeIds.length === 0) return null;
  const linked = (events.data?.items ?? []).filter((event) => aeIds.includes(event.aeId));
  return (
    <Stack gap={2} data-testid="flag-events">
      {linked.map((event) => (
        <Text size="sm" key={event.aeId}>
          <Anchor component={Link} to={`/safety?tab=events&ae=${event.aeId}`}>
            {t('dosing.aeFromDose', { number: event.number, term: event.summary.term })}
          </Anchor>
        </Text>
      ))}
    </Stack>
  );
}
