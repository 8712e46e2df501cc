import './consent.strings.ts';
import { Checkbox, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LAST_DATE_TIME, siteInstant, zoneLabel } from '../../api/site-clock.ts';

type WitnessRule = 'required' | 'when-needed' | 'never';

/** The consent dialog's impartial witness, as the protocol's `consent.witness` asks for it. */
export function useWitness(rule: WitnessRule) {
  const [unableToRead, setUnableToRead] = useState(false);
  const [name, setName] = useState('');
  const [signedAt, setSignedAt] = useState('');
  const needed = rule === 'required' || (rule === 'when-needed' && unableToRead);
  return {
    rule,
    needed,
    unableToRead,
    setUnableToRead,
    name,
    setName,
    signedAt,
    setSignedAt,
    /** The request's witness fields: the witness's time typed at the site, sent as the instant it stands for. */
    request: (zone: string) => ({
      ...(rule === 'when-needed' ? { unableToRead } : {}),
      ...(needed ? { witnessName: name.trim(), witnessSignedAt: siteInstant(signedAt, zone) } : {}),
    }),
  };
}

export function WitnessFields({
  witness,
  zone,
}: {
  witness: ReturnType<typeof useWitness>;
  zone: string | undefined;
}) {
  const { t } = useTranslation();
  if (witness.rule === 'never') return null;
  return (
    <>
      {witness.rule === 'when-needed' ? (
        <Checkbox
          label={t('consentArea.unableToRead')}
          checked={witness.unableToRead}
          onChange={(event) => witness.setUnableToRead(event.currentTarget.checked)}
        />
      ) : (
        <Text size="sm">{t('consentArea.witnessRequired')}</Text>
      )}
      {witness.needed && (
        <>
          <TextInput
            label={t('consentArea.witnessName')}
            value={witness.name}
            onChange={(event) => witness.setName(event.currentTarget.value)}
            required
          />
          <TextInput
            type="datetime-local"
            label={t('consentArea.witnessSignedAt')}
            description={zone && zoneLabel(zone)}
            max={LAST_DATE_TIME}
            value={witness.signedAt}
            onChange={(event) => witness.setSignedAt(event.currentTarget.value)}
            required
          />
        </>
      )}
    </>
  );
}
