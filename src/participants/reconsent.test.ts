import { describe, expect, it } from 'vitest';
import type { Protocol } from '../protocol/schema.ts';
import { consentProblems, witnessNeeded } from './consent-rules.ts';
import type { ConsentRequest } from './participant.schema.ts';
import { reconsentDue } from './reconsent.ts';

const version = (label: string) => ({ label, date: '2026-01-01', languages: ['zh' as const] });
const withConsent = (consent: Protocol['consent']): Pick<Protocol, 'consent'> => ({ consent });
const twoVersions = withConsent({ witness: 'never', versions: [version('1.0'), version('2.0')] });
const request = (fields: Partial<ConsentRequest> = {}): ConsentRequest => ({
  formVersion: '1.0',
  consentedAt: '2026-01-02T10:00:00+08:00',
  signer: 'participant',
  ...fields,
});

describe('reconsentDue', () => {
  it('asks a participant on study whose latest consent is to an earlier version', () => {
    expect(reconsentDue(twoVersions, 'enrolled', [{ formVersion: '1.0' }])).toEqual({
      versionInForce: '2.0',
      signedVersion: '1.0',
    });
    expect(reconsentDue(twoVersions, 'screening', [{ formVersion: 'draft' }])).toEqual({
      versionInForce: '2.0',
      signedVersion: 'draft',
    });
  });

  it('asks nobody who signed the version in force last, left the study, has no consent, or under a protocol without versions', () => {
    expect(
      reconsentDue(twoVersions, 'enrolled', [{ formVersion: '1.0' }, { formVersion: '2.0' }]),
    ).toBeNull();
    for (const status of [
      'completed',
      'withdrawn',
      'died',
      'lost_to_follow_up',
      'screen_failed',
      'declined',
    ]) {
      expect(reconsentDue(twoVersions, status, [{ formVersion: '1.0' }])).toBeNull();
    }
    expect(reconsentDue(twoVersions, 'enrolled', [])).toBeNull();
    expect(reconsentDue({}, 'enrolled', [{ formVersion: '1.0' }])).toBeNull();
  });
});

describe('consentProblems', () => {
  it('accepts a listed version, and any version when the protocol lists none', () => {
    expect(consentProblems(twoVersions, request())).toEqual([]);
    expect(consentProblems({}, request({ formVersion: 'anything' }))).toEqual([]);
    expect(consentProblems(twoVersions, request({ formVersion: '3.0' }))).toEqual([
      expect.objectContaining({ field: 'formVersion', message: expect.stringContaining('(1.0, 2.0)') }),
    ]);
  });

  it('asks for a witness as the protocol says: always, when the participant cannot read, or never', () => {
    const witness = { witnessName: 'Wang Li', witnessSignedAt: '2026-01-02T10:05:00+08:00' };
    const required = withConsent({ witness: 'required', versions: [] });
    const whenNeeded = withConsent({ witness: 'when-needed', versions: [] });
    expect(witnessNeeded(required, request())).toBe(true);
    expect(witnessNeeded(whenNeeded, request())).toBe(false);
    expect(witnessNeeded(whenNeeded, request({ unableToRead: true }))).toBe(true);
    expect(consentProblems(required, request()).map((problem) => problem.field)).toEqual(['witnessName']);
    expect(consentProblems(required, request(witness))).toEqual([]);
    expect(consentProblems(whenNeeded, request({ unableToRead: true })).map((p) => p.field)).toEqual([
      'witnessName',
    ]);
    expect(consentProblems(whenNeeded, request({ unableToRead: true, ...witness }))).toEqual([]);
    expect(consentProblems(whenNeeded, request(witness)).map((problem) => problem.field)).toEqual([
      'witnessName',
    ]);
    expect(consentProblems({}, request(witness))[0]?.message).toMatch(/consent\.witness: never/);
    const early = request({ ...witness, witnessSignedAt: '2026-01-02T09:59:00+08:00' });
    expect(consentProblems(required, early).map((problem) => problem.field)).toEqual(['witnessSignedAt']);
  });
});
