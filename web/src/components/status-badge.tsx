import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CellState, ParticipantStatus } from '../api/trial.ts';

const statusColour: Record<ParticipantStatus, string> = {
  screening: 'blue',
  screen_failed: 'gray',
  declined: 'gray',
  enrolled: 'green',
  withdrawn: 'orange',
  lost_to_follow_up: 'orange',
  died: 'dark',
  completed: 'teal',
};

export function ParticipantStatusBadge({ status }: { status: ParticipantStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={statusColour[status]} variant="light" data-testid="participant-status">
      {t(`participantStatus.${status}`)}
    </Badge>
  );
}

/** Colours of the casebook states, shared by the grid, its legend and the form page. */
export const cellColour: Record<CellState | 'not_started', string> = {
  not_started: 'gray.2',
  incomplete: 'yellow.3',
  complete: 'blue.3',
  queried: 'red.4',
  verified: 'teal.4',
  signed: 'violet.4',
  locked: 'dark.3',
};

export function CellStateBadge({ state }: { state: CellState | 'not_started' }) {
  const { t } = useTranslation();
  return (
    <Badge color={cellColour[state]} autoContrast variant="filled" data-testid="record-state">
      {t(`cellState.${state}`)}
    </Badge>
  );
}
