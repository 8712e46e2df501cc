import { Alert, Button, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  AllocationView,
  EmergencyUnblinding as UnblindingResult,
} from '../../../../src/randomisation/randomisation.schema.ts';
import { api } from '../../api/client.ts';
import { useSiteTimeZone } from '../../api/site-clock.ts';
import { useCan, useLanguage, useProtocol } from '../../api/trial.ts';
import { SignatureModal } from '../../components/signature-modal.tsx';
import { formatDateTime } from '../../format.ts';
import './unblinding.strings.ts';

const allocationKey = (participantId: string) => ['participants', participantId, 'allocation'] as const;

/**
 * A randomised participant's arm where the reader may see it, the emergency unblindings made, and,
 * for the site's investigators, the emergency unblinding: a reason and the password again.
 */
export function EmergencyUnblinding({ participantId, siteId }: { participantId: string; siteId: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const can = useCan();
  const queryClient = useQueryClient();
  const protocol = useProtocol();
  const zone = useSiteTimeZone(siteId) ?? 'UTC';
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [code, setCode] = useState('');
  const allocation = useQuery({
    queryKey: allocationKey(participantId),
    queryFn: () => api<AllocationView>('GET', `/participants/${participantId}/allocation`),
  });
  if (!allocation.data) return null;
  const { arm, unblindings } = allocation.data;
  const armName = (armId: string) => {
    const found = protocol.data?.protocol.study.design.arms.find((entry) => entry.id === armId);
    return found ? found.name[language] : armId;
  };
  const unblind = async (password: string) => {
    const body = { reason, password, ...(code.trim() ? { code: code.trim() } : {}) };
    await api<UnblindingResult, typeof body>('POST', `/participants/${participantId}/unblinding`, body);
  };
  const done = () => {
    setOpen(false);
    setReason('');
    setCode('');
    void queryClient.invalidateQueries({ queryKey: allocationKey(participantId) });
  };
  return (
    <>
      {arm && (
        <Alert color="orange" title={t('unblinding.armTitle')} data-testid="participant-arm">
          <Text fw={600}>{armName(arm)}</Text>
        </Alert>
      )}
      {unblindings.map((entry) => (
        <Text size="sm" c="dimmed" key={entry.at}>
          {t('unblinding.record', {
            name: entry.name,
            at: formatDateTime(entry.at, zone, language),
            reason: entry.reason,
          })}
        </Text>
      ))}
      {!arm && can('randomisation.emergency-unblind') && (
        <Button color="red" variant="light" onClick={() => setOpen(true)} data-testid="emergency-unblind">
          {t('unblinding.button')}
        </Button>
      )}
      {open && (
        <SignatureModal
          title={t('unblinding.title')}
          meaningText={t('unblinding.meaning')}
          testId="unblinding"
          danger
          ready={reason.trim() !== ''}
          sign={unblind}
          onSigned={done}
          onClose={() => setOpen(false)}
        >
          <Textarea
            label={t('unblinding.reason')}
            description={t('unblinding.reasonHint')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            required
            autosize
            minRows={2}
            data-autofocus
          />
          <TextInput
            label={t('unblinding.code')}
            value={code}
            onChange={(event) => setCode(event.currentTarget.value)}
            inputMode="numeric"
            maxLength={6}
          />
        </SignatureModal>
      )}
    </>
  );
}
