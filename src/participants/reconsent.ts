import type { Protocol } from '../protocol/schema.ts';

// Pure: whether a participant must consent again. The protocol lists the consent form's versions oldest
// first; the last is the one in force at a site once the site works under that protocol version. A
// participant still on study whose latest consent is to an earlier (or unlisted) version must sign the
// version in force before more data are entered; a participant who left the study is not asked.

/** Still on study: screening or enrolled (screen failures, refusals and ended participants are not). */
const onStudy = new Set(['screening', 'enrolled']);

/** What a participant must re-consent to, and what they signed last. */
export interface ReconsentDue {
  versionInForce: string;
  signedVersion: string;
}

/**
 * The re-consent a participant owes under `protocol`, or null: none when the protocol lists no consent
 * versions, the participant has no consent yet (first consent is asked for elsewhere), is off study, or
 * signed the version in force last. `consents` are in the order they were given.
 */
export function reconsentDue(
  protocol: Pick<Protocol, 'consent'>,
  status: string,
  consents: readonly { formVersion: string }[],
): ReconsentDue | null {
  const inForce = protocol.consent?.versions.at(-1);
  const latest = consents.at(-1);
  if (!inForce || !latest || !onStudy.has(status)) return null;
  if (latest.formVersion === inForce.label) return null;
  return { versionInForce: inForce.label, signedVersion: latest.formVersion };
}

/** The warning a data-entry page and a form save carry until the participant consents again. */
export function reconsentMessage(due: ReconsentDue): { en: string; zh: string } {
  return {
    en: `This participant signed consent form version ${due.signedVersion}; version ${due.versionInForce} is now in force. Record the re-consent before entering more data.`,
    zh: `该受试者签署的是知情同意书 ${due.signedVersion} 版；现行版本为 ${due.versionInForce} 版。请先记录再次知情同意，再录入数据。`,
  };
}
