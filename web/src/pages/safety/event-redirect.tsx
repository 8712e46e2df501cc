import { Alert, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Navigate, useParams, useSearchParams } from 'react-router';
import { errorMessage } from '../../api/session.ts';
import { useAdverseEvents } from './safety-api.ts';

/**
 * The query inbox links a query to its form page; an adverse event's query names the event as
 * `AE n` of the participant in place of a visit. This opens that event on the Safety page.
 */
export function AdverseEventRedirect() {
  const { t } = useTranslation();
  const { participantId } = useParams();
  const [params] = useSearchParams();
  const number = Number(/^AE (\d+)$/.exec(params.get('visit') ?? '')?.[1] ?? Number.NaN);
  const events = useAdverseEvents({ participantId });
  if (events.isPending) return <Loader />;
  if (events.isError) return <Alert color="red">{errorMessage(t, events.error)}</Alert>;
  const event = events.data.items.find((entry) => entry.number === number);
  if (!event) return <Navigate to={`/safety?tab=events&participant=${participantId ?? ''}`} replace />;
  return <Navigate to={`/safety?tab=events&ae=${event.aeId}`} replace />;
}
