import type { Database, Db } from '../../db/connection.ts';
import type { Protocol } from '../../protocol/schema.ts';
import { type SiteProtocols, siteProtocols } from '../../protocol/site-version.ts';
import { unplacedText, unplacedValues } from '../../protocol/version-union.ts';
import { type PrivacyOptions, subjectDates } from '../privacy.ts';
import { entriesOfRecord, type FormRecordRow, type SubjectSource, subjectBatches } from '../source.ts';
import { element, escapeXml, text } from '../xml.ts';
import {
  COMMON_EVENT,
  metaDataVersionOids,
  type OdmMetaDataVersion,
  oids,
  studyEvents,
  studyMetadata,
} from './odm-metadata.ts';

// A whole study as one ODM 1.3.2 document, streamed: the metadata (one MetaDataVersion per protocol
// version that has data, and the current one), the administrative data (users, sites, signature
// meanings), then one ClinicalData per version, each holding the values entered under that version
// with the last audit record of every value and the investigator's signatures, a batch of
// participants at a time.

export interface OdmExportOptions {
  metadataOnly: boolean;
  privacy: PrivacyOptions;
  created?: Date;
  batchSize?: number;
  /** Participants written so far, counted on the last version's pass (each pass reads them all). */
  onProgress?: (subjectsDone: number) => void;
}

const SYSTEM_USER = 'USR.system';
const userOid = (actorId: string | null) => (actorId ? `USR.${actorId}` : SYSTEM_USER);
const locationOid = (siteId: string) => `LOC.${siteId}`;
const signatureOid = (meaning: string) => `SD.${meaning.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60)}`;
const stamp = (value: Date | string) => new Date(value).toISOString();

interface AuditSummary {
  actorId: string | null;
  at: Date | string;
  reason: string | null;
  siteId: string;
}

async function adminData(
  db: Db,
  studyId: string,
  protocol: Protocol,
  versions: readonly OdmMetaDataVersion[],
): Promise<string> {
  const users = await db
    .selectFrom('app_user')
    .select(['user_id', 'name'])
    .where('study_id', '=', studyId)
    .orderBy('email')
    .execute();
  const sites = await db
    .selectFrom('site')
    .select(['site_id', 'name'])
    .where('study_id', '=', studyId)
    .orderBy('site_id')
    .execute();
  const meanings = await db
    .selectFrom('signature')
    .select('meaning')
    .distinct()
    .where('study_id', '=', studyId)
    .execute();
  const loaded = await db
    .selectFrom('protocol_version')
    .select(['version_no', 'loaded_at'])
    .where('study_id', '=', studyId)
    .execute();
  const loadedOn = new Map(loaded.map((row) => [row.version_no, stamp(row.loaded_at).slice(0, 10)]));
  // Every site may hold data of each version in the file; a version is in effect from its loading.
  const mdvRefs = () =>
    versions.map((version) =>
      element('MetaDataVersionRef', {
        StudyOID: oids.study(protocol),
        MetaDataVersionOID: version.oid,
        EffectiveDate: loadedOn.get(version.versionNo) ?? '2000-01-01',
      }),
    );
  return element(
    'AdminData',
    { StudyOID: oids.study(protocol) },
    element('User', { OID: SYSTEM_USER, UserType: 'Other' }, text('FullName', {}, 'exotrial (system)')),
    ...users.map((user) =>
      element('User', { OID: userOid(user.user_id), UserType: 'Other' }, text('FullName', {}, user.name)),
    ),
    ...sites.map((site) =>
      element(
        'Location',
        {
          OID: locationOid(site.site_id),
          Name: (site.name as { en: string }).en ?? site.site_id,
          LocationType: 'Site',
        },
        ...mdvRefs(),
      ),
    ),
    ...meanings.map((row) =>
      element(
        'SignatureDef',
        { OID: signatureOid(row.meaning), Methodology: 'Electronic' },
        text('Meaning', {}, row.meaning),
        text('LegalReason', {}, 'Electronic signature under 21 CFR Part 11, by re-entering the password'),
      ),
    ),
  );
}

function auditRecord(audit: AuditSummary, dates: ReturnType<typeof subjectDates>): string {
  return element(
    'AuditRecord',
    {},
    element('UserRef', { UserOID: userOid(audit.actorId) }),
    element('LocationRef', { LocationOID: locationOid(audit.siteId) }),
    text('DateTimeStamp', {}, dates.date(stamp(audit.at))),
    audit.reason ? text('ReasonForChange', {}, audit.reason) : null,
  );
}

function itemValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** An annotation naming values that no protocol version defines (so no ItemDef or FormDef can carry them). */
function unplacedNote(seqNum: number, values: ReturnType<typeof unplacedValues>): string | null {
  if (values.length === 0) return null;
  return element(
    'Annotation',
    { SeqNum: seqNum },
    text(
      'Comment',
      {},
      `Saved values their protocol version does not define, not exported: ${values.map(unplacedText).join('; ')}`,
    ),
  );
}

/**
 * A participant's SubjectData in the ClinicalData of one protocol version: `records` are those
 * entered under that version, read by its own definitions.
 */
function subjectData(
  protocol: Protocol,
  subject: SubjectSource,
  records: readonly FormRecordRow[],
  audits: Map<string, AuditSummary>,
  signatures: Map<string, Array<{ signer_id: string; meaning: string; signed_at: Date | string }>>,
  privacy: PrivacyOptions,
): string {
  const dates = subjectDates(privacy, subject.participant.participant_id);
  const events = studyEvents(protocol);
  const forms = new Map(protocol.forms.map((form) => [form.id, form]));
  // Values their version has no place for are named in notes rather than left out unsaid.
  const unplaced = unplacedValues(protocol, records);
  const byEvent = new Map<string, FormRecordRow[]>();
  for (const record of records) {
    const form = forms.get(record.form_id);
    if (!form) continue;
    const eventKey = events.get(record.visit_id)?.forms.includes(record.form_id)
      ? record.visit_id
      : COMMON_EVENT;
    const eventRepeat = events.get(eventKey)?.repeating ? record.instance : null;
    const key = `${eventKey}\u0000${eventRepeat ?? ''}`;
    byEvent.set(key, [...(byEvent.get(key) ?? []), record]);
  }
  const eventXml = [...byEvent].map(([key, records]) => {
    const [eventKey = '', repeat = ''] = key.split('\u0000');
    return element(
      'StudyEventData',
      { StudyEventOID: oids.event(eventKey), StudyEventRepeatKey: repeat || undefined },
      ...records.map((record) => {
        const form = forms.get(record.form_id);
        const entries = entriesOfRecord(record);
        const formSignature = signatures.get(record.record_id)?.[0];
        const items = (form?.items ?? []).flatMap((item) => {
          const entry = entries[item.id];
          if (!entry) return [];
          const audit = audits.get(`${record.record_id}.${item.id}`);
          const isDate = item.type === 'date' || item.type === 'datetime';
          const value =
            entry.value === null || entry.value === undefined
              ? null
              : isDate
                ? dates.date(String(entry.value))
                : itemValue(entry.value);
          if (item.sdtm?.variable === 'BRTHDTC' && !privacy.includeIdentifiers) return [];
          return [
            element(
              'ItemData',
              entry.missing || value === null
                ? { ItemOID: oids.item(record.form_id, item.id), IsNull: 'Yes' }
                : { ItemOID: oids.item(record.form_id, item.id), Value: value },
              audit ? auditRecord(audit, dates) : null,
              entry.missing
                ? element(
                    'Annotation',
                    { SeqNum: 1 },
                    text(
                      'Comment',
                      {},
                      `${entry.missing}${entry.missingReason ? `: ${entry.missingReason}` : ''}`,
                    ),
                  )
                : null,
            ),
          ];
        });
        return element(
          'FormData',
          {
            FormOID: oids.form(record.form_id),
            FormRepeatKey: form?.repeating ? record.instance : undefined,
          },
          formSignature
            ? element(
                'Signature',
                {},
                element('UserRef', { UserOID: userOid(formSignature.signer_id) }),
                element('LocationRef', { LocationOID: locationOid(record.site_id) }),
                element('SignatureRef', { SignatureOID: signatureOid(formSignature.meaning) }),
                text('DateTimeStamp', {}, dates.date(stamp(formSignature.signed_at))),
              )
            : null,
          // The protocol version the form was entered under (sites move to an amendment when each approves it).
          element(
            'Annotation',
            { SeqNum: 1 },
            text('Comment', {}, `Entered under protocol version ${record.protocol_version}`),
          ),
          unplacedNote(
            2,
            unplaced.filter((value) => value.recordId === record.record_id),
          ),
          element('ItemGroupData', { ItemGroupOID: oids.group(record.form_id) }, ...items),
        );
      }),
    );
  });
  const { participant } = subject;
  return element(
    'SubjectData',
    { SubjectKey: participant.study_number ?? participant.screening_number },
    element('SiteRef', { LocationOID: locationOid(participant.site_id) }),
    unplacedNote(
      1,
      unplaced.filter((value) => value.itemId === null),
    ),
    ...eventXml,
  );
}

/** The last audit event of every value, and the unbroken form signatures, of a batch of participants. */
async function batchTrail(db: Db, studyId: string, records: readonly FormRecordRow[]) {
  const audits = new Map<string, AuditSummary>();
  const signatures = new Map<
    string,
    Array<{ signer_id: string; meaning: string; signed_at: Date | string }>
  >();
  if (records.length === 0) return { audits, signatures };
  const ids = records.map((record) => record.record_id);
  const siteOf = new Map(records.map((record) => [record.record_id, record.site_id]));
  const events = await db
    .selectFrom('audit_event')
    .select(['entity_id', 'field', 'actor_id', 'occurred_at', 'reason'])
    .where('study_id', '=', studyId)
    .where('entity_type', '=', 'form_record')
    .where('action', 'in', ['crf.value.enter', 'crf.value.change'])
    .where('entity_id', 'in', ids)
    .orderBy('seq')
    .execute();
  for (const event of events) {
    const itemId = event.field?.split('.').at(-1);
    if (!itemId) continue;
    audits.set(`${event.entity_id}.${itemId}`, {
      actorId: event.actor_id,
      at: event.occurred_at,
      reason: event.reason,
      siteId: siteOf.get(event.entity_id) ?? '',
    });
  }
  const signed = await db
    .selectFrom('signature')
    .select(['record_id', 'signer_id', 'meaning', 'signed_at'])
    .where('study_id', '=', studyId)
    .where('scope', '=', 'form')
    .where('broken_at', 'is', null)
    .where('record_id', 'in', ids)
    .orderBy('signed_at', 'desc')
    .execute();
  for (const signature of signed) {
    if (!signature.record_id) continue;
    signatures.set(signature.record_id, [...(signatures.get(signature.record_id) ?? []), signature]);
  }
  return { audits, signatures };
}

/**
 * The protocol versions an export describes, oldest first: every version some record was entered
 * under, and the current one (which new data follow, and which a metadata import reads).
 */
async function describedVersions(db: Db, studyId: string, protocols: SiteProtocols) {
  const [records, events] = await Promise.all([
    db
      .selectFrom('form_record')
      .select('protocol_version')
      .distinct()
      .where('study_id', '=', studyId)
      .execute(),
    db
      .selectFrom('adverse_event')
      .select('protocol_version')
      .distinct()
      .where('study_id', '=', studyId)
      .execute(),
  ]);
  const used = new Set(
    [...records, ...events].map((row) => protocols.byNumber(row.protocol_version).versionNo),
  );
  used.add(protocols.current.versionNo);
  const oidOf = metaDataVersionOids(protocols.all);
  return protocols.all
    .filter((version) => used.has(version.versionNo))
    .map(
      (version): OdmMetaDataVersion => ({
        versionNo: version.versionNo,
        oid: oidOf.get(version.versionNo) ?? `MDV.v${version.versionNo}`,
        protocol: version.protocol,
      }),
    );
}

/** The ODM document in chunks; each chunk is complete XML text (elements never split mid-name). */
export async function* exportOdm(
  database: Database,
  studyId: string,
  options: OdmExportOptions,
): AsyncGenerator<string> {
  const created = options.created ?? new Date();
  const { protocols, versions, admin } = await database.read(async (db) => {
    const protocols = await siteProtocols(db, studyId);
    const versions = await describedVersions(db, studyId, protocols);
    const admin = options.metadataOnly
      ? ''
      : await adminData(db, studyId, protocols.current.protocol, versions);
    return { protocols, versions, admin };
  });
  const protocol = protocols.current.protocol;
  const current = protocols.current.versionNo;
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xlink="http://www.w3.org/1999/xlink" ODMVersion="1.3.2" FileType="Snapshot" Granularity="${options.metadataOnly ? 'Metadata' : 'All'}" FileOID="${escapeXml(`exotrial.${protocol.study.id}.${created.getTime()}`)}" CreationDateTime="${created.toISOString()}" SourceSystem="exotrial">\n`;
  yield `${element('Study', { OID: oids.study(protocol) }, studyMetadata(versions))}\n`;
  if (options.metadataOnly) {
    yield '</ODM>\n';
    return;
  }
  yield `${admin}\n`;
  let done = 0;
  // One ClinicalData per version, each read once over the participants: a participant with records
  // of two versions has a SubjectData in each; one with no record yet is under the current version.
  for (const [index, version] of versions.entries()) {
    const entered = (record: FormRecordRow) =>
      protocols.byNumber(record.protocol_version).versionNo === version.versionNo;
    yield `<ClinicalData StudyOID="${escapeXml(oids.study(protocol))}" MetaDataVersionOID="${escapeXml(version.oid)}">\n`;
    for await (const batch of subjectBatches(
      database,
      studyId,
      protocol.safety.adverseEvents.form,
      options.batchSize,
    )) {
      const subjects = batch.flatMap((subject) => {
        const records = subject.records.filter(entered);
        const placed = records.length > 0 || (subject.records.length === 0 && version.versionNo === current);
        return placed ? [{ subject, records }] : [];
      });
      const trail = await database.read((db) =>
        batchTrail(
          db,
          studyId,
          subjects.flatMap((entry) => entry.records),
        ),
      );
      yield subjects
        .map(
          ({ subject, records }) =>
            `${subjectData(version.protocol, subject, records, trail.audits, trail.signatures, options.privacy)}\n`,
        )
        .join('');
      // Progress counts participants once, on the last pass.
      if (index === versions.length - 1) {
        done += batch.length;
        options.onProgress?.(done);
      }
    }
    yield '</ClinicalData>\n';
  }
  yield '</ODM>\n';
}
