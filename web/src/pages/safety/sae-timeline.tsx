import { Alert, Anchor, Badge, Button, Group, Select, Stack, Text, TextInput, Timeline } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { submissionRequestSchema } from '../../../../src/safety/safety.schema.ts';
import { api } from '../../api/client.ts';
import { useDates } from '../../api/dates.ts';
import { LAST_DATE_TIME, siteNow, useSiteTimeZone, zoneLabel } from '../../api/site-clock.ts';
import { useCan, useProtocol } from '../../api/trial.ts';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { formatDateTime } from '../../format.ts';
import { dueFirst } from './report-order.ts';
import type { AdverseEventView, ClockView, SubmissionView } from './safety-api.ts';

export const statusColor = { due: 'yellow', overdue: 'red', met: 'green', late: 'orange' } as const;

/** "in 5 h 20 min" / "12 h 3 min ago" from a clock's remaining milliseconds. */
function remaining(t: (key: string, options?: Record<string, unknown>) => string, ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span =
    minutes >= 48 * 60
      ? t('safety.spanDays', { days: Math.floor(minutes / 1440), hours: Math.floor((minutes % 1440) / 60) })
      : t('safety.spanHours', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  return ms >= 0 ? t('safety.remaining', { span }) : t('safety.overdueBy', { span });
}

const clockKey = (clock: Pick<ClockView, 'clockId' | 'kind'>) => `${clock.clockId}:${clock.kind}`;

/**
 * The SAE timeline: when the site became aware, each clock (initial report to the sponsor, the
 * regulator's 7- or 15-day SUSAR clock, follow-ups) with its deadline and state, and each report
 * recorded as sent, with the report exactly as it was sent.
 */
export function SaeTimeline({ event }: { event: AdverseEventView }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const dates = useDates(event.siteId);
  return (
    <Timeline bulletSize={16} lineWidth={2} data-testid="sae-timeline">
      <Timeline.Item title={t('safety.awareAt')}>
        <Text size="sm">{dates.wallClock(event.summary.awareAt)}</Text>
      </Timeline.Item>
      {event.clocks.map((clock) => {
        const sent = event.submissions.filter(
          (entry) => entry.clockId === clock.clockId && entry.kind === clock.kind,
        );
        return (
          <Timeline.Item
            key={clockKey(clock)}
            title={`${clock.name[language]} (${t(`safety.kind.${clock.kind}`)})`}
            color={statusColor[clock.status]}
            data-testid={`clock-${clock.clockId}-${clock.kind}`}
          >
            <Text size="sm">
              {t('safety.deadline')}: {formatDateTime(clock.deadline, clock.timeZone, language)}{' '}
              <Badge color={statusColor[clock.status]} data-testid="clock-status">
                {t(`safety.status.${clock.status}`)}
              </Badge>
            </Text>
            <Text size="xs" c="dimmed">
              {t(`safety.startBasis.${clock.startBasis}`)} · {t(`safety.reporter.${clock.reporter}`)} →{' '}
              {t(`safety.recipient.${clock.recipient}`, { defaultValue: clock.recipient })}
              {clock.remainingMs !== null && ` · ${remaining(t, clock.remainingMs)}`}
            </Text>
            {sent.map((submission) => (
              <Text size="sm" key={submission.submissionId} data-testid="submission">
                {t('safety.submittedAt')}: {formatDateTime(submission.submittedAt, clock.timeZone, language)}
                {` · ${t('safety.submissionRecordedBy', { name: submission.recordedByName })}`}
                {submission.followUpNumber !== null &&
                  ` · ${t('safety.narrative.version', {
                    version:
                      submission.followUpNumber === 0
                        ? t('safety.kind.initial')
                        : `${t('safety.kind.follow-up')} ${submission.followUpNumber}`,
                  })}`}
                {submission.reference ? ` · ${submission.reference}` : ''} ·{' '}
                <Anchor
                  href={`/api/v1/safety/submissions/${submission.submissionId}/report.pdf`}
                  target="_blank"
                >
                  PDF
                </Anchor>{' '}
                ·{' '}
                <Anchor href={`/api/v1/safety/submissions/${submission.submissionId}/report`} target="_blank">
                  JSON
                </Anchor>
                {submission.signerName && (
                  <Text span size="xs" c="dimmed" display="block" data-testid="submission-signature">
                    {t('safety.submissionSigned', {
                      name: submission.signerName,
                      at: formatDateTime(submission.recordedAt, clock.timeZone, language),
                    })}{' '}
                    {submission.signatureMeaning}
                  </Text>
                )}
              </Text>
            ))}
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}

/**
 * Record that a report was sent under one of the event's clocks: what (initial or follow-up), to whom
 * (the clock's recipient), when, and the recipient's reference. Recording it is an electronic
 * signature: the fields are asked in the signature dialog, with its meaning and the password.
 */
export function SubmissionForm({ event }: { event: AdverseEventView }) {
  const { t } = useTranslation();
  const can = useCan();
  const client = useQueryClient();
  const [signing, setSigning] = useState(false);
  const [recorded, setRecorded] = useState(false);
  const open = dueFirst(
    event.clocks.filter(
      (clock) =>
        clock.submittedAt === null && can(clock.reporter === 'site' ? 'safety.report' : 'safety.submit'),
    ),
  );
  if (open.length === 0) return null;
  return (
    <Stack gap="xs" data-testid="submission-form">
      {recorded && <Alert color="green">{t('safety.submissionRecorded')}</Alert>}
      <Group>
        <Button
          onClick={() => {
            setRecorded(false);
            setSigning(true);
          }}
        >
          {t('safety.recordSubmission')}
        </Button>
      </Group>
      {signing && (
        <SubmissionSignature
          event={event}
          open={open}
          onClose={() => setSigning(false)}
          onSigned={() => {
            setSigning(false);
            setRecorded(true);
            void client.invalidateQueries({ queryKey: ['safety'] });
          }}
        />
      )}
    </Stack>
  );
}

/** The signature dialog of a submission: the clock, when it was sent, reference and note, then the password. */
function SubmissionSignature({
  event,
  open,
  onClose,
  onSigned,
}: {
  event: AdverseEventView;
  open: ClockView[];
  onClose: () => void;
  onSigned: () => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh' ? 'zh' : 'en';
  const [choice, setChoice] = useState<string | null>(open[0] ? clockKey(open[0]) : null);
  const siteZone = useSiteTimeZone(event.siteId);
  const sponsorZone = useProtocol().data?.protocol.study.timeZone;
  const [typed, setSubmittedAt] = useState<string | null>(null);
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  const clock = open.find((entry) => clockKey(entry) === choice) ?? open[0];
  // When it was sent: now by the server's clock in the reporter's zone (the site's, or the sponsor's for
  // a sponsor's report) unless typed; the server reads the typed wall-clock time in that same zone.
  const zone = clock?.reporter === 'sponsor' ? sponsorZone : siteZone;
  const submittedAt = typed ?? (zone ? siteNow(zone) : '');
  return (
    <SignatureModal
      title={t('safety.recordSubmission')}
      meaningText={t('safety.submissionMeaning')}
      size="lg"
      testId="submission"
      ready={clock !== undefined && submittedAt !== ''}
      sign={(password) => {
        if (!clock) throw new Error('no clock');
        return api<SubmissionView, z.input<typeof submissionRequestSchema>>(
          'POST',
          `/adverse-events/${event.aeId}/submissions/${clock.reporter}`,
          {
            clockId: clock.clockId,
            kind: clock.kind,
            submittedAt,
            // The PDF sent and kept is the CIOMS I form in the reporter's language.
            language,
            ...(reference.trim() ? { reference: reference.trim() } : {}),
            ...(note.trim() ? { note: note.trim() } : {}),
            password,
          },
        );
      }}
      onSigned={onSigned}
      onClose={onClose}
    >
      <Select
        label={t('safety.submissionClock')}
        data={open.map((entry) => ({
          value: clockKey(entry),
          label: `${entry.name[language]} (${t(`safety.kind.${entry.kind}`)})`,
        }))}
        value={clock ? clockKey(clock) : null}
        onChange={setChoice}
        allowDeselect={false}
      />
      <TextInput
        type="datetime-local"
        label={t('safety.sentAt')}
        description={zone ? `${t('safety.sentAtHint')} ${zoneLabel(zone)}` : t('safety.sentAtHint')}
        max={LAST_DATE_TIME}
        value={submittedAt}
        onChange={(e) => setSubmittedAt(e.currentTarget.value)}
        data-testid="submission-sent-at"
        data-autofocus
      />
      <TextInput
        label={t('safety.reference')}
        value={reference}
        onChange={(e) => setReference(e.currentTarget.value)}
      />
      <TextInput label={t('safety.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      {clock && (
        <Text size="xs" c="dimmed">
          {t('safety.sentTo', {
            recipient: t(`safety.recipient.${clock.recipient}`, { defaultValue: clock.recipient }),
          })}
        </Text>
      )}
    </SignatureModal>
  );
}
