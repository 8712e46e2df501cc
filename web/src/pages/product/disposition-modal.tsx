import { SegmentedControl, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { DispositionResult, dispositionRequestSchema } from '../../../../src/product/product.schema.ts';
import { api } from '../../api/client.ts';
import { SignatureModal } from '../../components/signature-modal.tsx';
import type { ExcursionView } from './product-api.ts';

/**
 * The e-signed disposition of every vial an excursion quarantined: release to stock or destroy, with
 * the reason, the meaning of the signature shown, and the password entered again.
 */
export function DispositionModal({
  excursion,
  onDone,
  onClose,
}: {
  excursion: ExcursionView;
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [decision, setDecision] = useState<'release' | 'destroy'>('release');
  const [reason, setReason] = useState('');
  return (
    <SignatureModal
      title={t('product.dispositionTitle', { unit: excursion.unitCode })}
      meaningText={t(`product.meaning.${decision}`)}
      ready={reason.trim() !== ''}
      danger={decision === 'destroy'}
      testId="disposition"
      sign={(password) =>
        api<DispositionResult, z.input<typeof dispositionRequestSchema>>(
          'POST',
          `/product/excursions/${excursion.excursionId}/disposition`,
          {
            decision,
            reason,
            password,
          },
        )
      }
      onSigned={onDone}
      onClose={onClose}
    >
      <Text size="sm">{t('product.dispositionVials', { count: excursion.vialsAwaitingDisposition })}</Text>
      <SegmentedControl
        value={decision}
        onChange={(value) => setDecision(value === 'destroy' ? 'destroy' : 'release')}
        data={[
          { value: 'release', label: t('product.release') },
          { value: 'destroy', label: t('product.destroy') },
        ]}
      />
      <Textarea
        label={t('product.reason')}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
        required
        autosize
        minRows={2}
      />
    </SignatureModal>
  );
}
