import type { Db } from '../db/connection.ts';
import type { FieldProblem } from '../kernel/errors.ts';
import { consentRecordAnswers, consentRecordItems } from '../participants/consent-form.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { siteTimeZone } from '../study/site-time.ts';
import { type Entries, type FieldInput, sameEntry } from './entries.ts';

// The informed-consent form's copies of the consent record (signed, date, signer, form version) are the
// record's, not typed: a form save may leave them as saved or set them to the record's answers, and the
// record itself is changed by recording consent again, which rewrites the copies (consent.service.ts).

export type ConsentAnswers = Map<string, string | boolean | null>;

/** The consent record's answers for the consent items of `form` (none for any other form). */
export async function consentAnswersOf(
  db: Db,
  studyId: string,
  protocol: Protocol,
  form: ProtocolForm,
  participant: { participant_id: string; site_id: string },
): Promise<ConsentAnswers> {
  if (consentRecordItems(protocol, form).size === 0) return new Map();
  const consents = await db
    .selectFrom('consent')
    .select(['consented_at', 'form_version', 'signer'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .orderBy('consented_at')
    .orderBy('created_at')
    .execute();
  const zone = await siteTimeZone(db, studyId, participant.site_id);
  return consentRecordAnswers(
    protocol,
    form,
    consents.map((row) => ({
      consentedAt: new Date(row.consented_at).toISOString(),
      formVersion: row.form_version,
      signer: row.signer,
    })),
    zone,
  );
}

const shown = (answer: string | boolean | null) =>
  answer === true ? 'yes' : answer === false ? 'no' : answer === null ? 'empty' : answer;

/**
 * The consent items a save would change to something other than the consent record's answer, each with
 * where its value comes from and how to change it.
 */
export function consentAnswerProblems(
  form: ProtocolForm,
  answers: ConsentAnswers,
  old: Entries,
  merged: Record<string, FieldInput>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [itemId, answer] of answers) {
    const sent = merged[itemId];
    if (sameEntry(old[itemId], sent) || sameEntry({ value: answer }, sent)) continue;
    const label = form.items.find((item) => item.id === itemId)?.label ?? { en: itemId, zh: itemId };
    const en =
      `${label.en} comes from the consent record (${shown(answer)}) and cannot be changed on this form: ` +
      'to change it, record the consent again on the participant’s page.';
    const zh = `${label.zh}取自知情同意记录（${shown(answer)}），不能在此表单中修改：如需更改，请在受试者页面重新记录知情同意。`;
    problems.push({ field: itemId, message: en, messages: { en, zh } });
  }
  return problems;
}
