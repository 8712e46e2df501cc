import type { Db } from '../db/connection.ts';

// Records keep who acted as an account id (consent, custody) or as the sign-in email the audit trail
// holds (`ada@site.org`, or `ada@site.org (token 1a2b3c4d)` for an API token). People read names, so
// views resolve both to the account's name; an account that no longer resolves keeps what was stored.

/** The email an actor label stands for (an API token's label names its owner's email first). */
export const emailOfLabel = (label: string): string => label.replace(/ \(token [^)]*\)$/, '').toLowerCase();

/** Account names by user id. */
export async function namesById(
  db: Db,
  studyId: string,
  ids: Iterable<string>,
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('app_user')
    .select(['user_id', 'name'])
    .where('study_id', '=', studyId)
    .where('user_id', 'in', wanted)
    .execute();
  return new Map(rows.map((row) => [row.user_id, row.name]));
}

/** Account names by actor label (an email, or a token's label), keyed by the label as given. */
export async function namesByLabel(
  db: Db,
  studyId: string,
  labels: Iterable<string>,
): Promise<Map<string, string>> {
  const wanted = [...new Set(labels)];
  const emails = [...new Set(wanted.map(emailOfLabel))];
  if (emails.length === 0) return new Map();
  const rows = await db
    .selectFrom('app_user')
    .select(['email', 'name'])
    .where('study_id', '=', studyId)
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', emails))
    .execute();
  const byEmail = new Map(rows.map((row) => [row.email.toLowerCase(), row.name]));
  const names = new Map<string, string>();
  for (const label of wanted) {
    const name = byEmail.get(emailOfLabel(label));
    if (name) names.set(label, name);
  }
  return names;
}
