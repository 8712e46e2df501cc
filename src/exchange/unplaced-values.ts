import { sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { SiteProtocols } from '../protocol/site-version.ts';
import { type UnplacedValue, unplacedValues } from '../protocol/version-union.ts';
import { ADVERSE_EVENT_VISIT } from './source.ts';

/**
 * The study's saved values that `protocol` (the union of its versions, `SiteProtocols.union`) has no
 * form or item for, found in the database so an export can say so before its first byte leaves:
 * only records holding such a value are read back.
 */
export async function unplacedValuesOfStudy(
  db: Db,
  studyId: string,
  protocol: Protocol,
): Promise<UnplacedValue[]> {
  const formIds = protocol.forms.map((form) => form.id);
  const places = protocol.forms.flatMap((form) => form.items.map((item) => `${form.id}.${item.id}`));
  const aeForm = protocol.forms.find((form) => form.id === protocol.safety.adverseEvents.form);
  const aeItems = aeForm?.items.map((item) => item.id) ?? [];
  const unknownKey = (formColumn: ReturnType<typeof sql>) =>
    sql<boolean>`exists (select 1 from jsonb_object_keys(entries) as saved(key) where ${formColumn} || '.' || saved.key not in (${sql.join(places.length ? places : [''])}))`;
  const records = await db
    .selectFrom('form_record')
    .select(['record_id', 'participant_id', 'visit_id', 'form_id', 'protocol_version', 'entries'])
    .where('study_id', '=', studyId)
    .where((eb) => eb.or([eb('form_id', 'not in', formIds), unknownKey(sql.ref('form_id'))]))
    .orderBy('record_id')
    .execute();
  const events = await db
    .selectFrom('adverse_event')
    .select(['ae_id', 'participant_id', 'protocol_version', 'entries'])
    .where('study_id', '=', studyId)
    .where(
      sql<boolean>`exists (select 1 from jsonb_object_keys(entries) as saved(key) where saved.key not in (${sql.join(aeItems.length ? aeItems : [''])}))`,
    )
    .orderBy('ae_id')
    .execute();
  return unplacedValues(protocol, [
    ...records,
    ...events.map((event) => ({
      record_id: event.ae_id,
      participant_id: event.participant_id,
      visit_id: ADVERSE_EVENT_VISIT,
      form_id: protocol.safety.adverseEvents.form,
      protocol_version: event.protocol_version,
      entries: event.entries,
    })),
  ]);
}

/**
 * The study's saved values that the protocol version each was entered under does not define: what
 * the ODM export, which describes each version's values by that version's MetaDataVersion, cannot
 * place. Beyond the values no version defines, this holds a value written (around the API) into an
 * item that only another version has.
 */
export async function unplacedValuesUnderOwnVersion(
  db: Db,
  studyId: string,
  protocols: SiteProtocols,
): Promise<UnplacedValue[]> {
  const values: UnplacedValue[] = [];
  for (const version of protocols.all) {
    const found = await unplacedValuesOfStudy(db, studyId, version.protocol);
    values.push(
      ...found.filter((value) => protocols.byNumber(value.protocolVersion).versionNo === version.versionNo),
    );
  }
  return values.sort((a, b) => a.recordId.localeCompare(b.recordId));
}
