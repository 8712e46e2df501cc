import { createHash } from 'node:crypto';
import type { Database } from '../../db/connection.ts';
import type { AdverseEventItemRole } from '../../protocol/schema.ts';
import { aeFormId } from '../../safety/ae-summary.ts';
import { type PrivacyOptions, subjectDates } from '../privacy.ts';
import { aeValue, domainForm, isoText, mappedValue, type SdtmContext } from '../sdtm/context.ts';
import { findingForms } from '../sdtm/findings.ts';
import { loadSdtmStudy } from '../sdtm/sdtm-export.ts';
import {
  entriesOfRecord,
  fieldValue,
  givenDoses,
  recordsOf,
  type SubjectSource,
  subjectBatches,
} from '../source.ts';

// The trial as a FHIR R4 Bundle (type collection), streamed as JSON a batch of participants at a time:
// ResearchStudy; per participant a pseudonymised Patient (no name, no identifiers of the hospital, no
// birth date unless asked), ResearchSubject, Consent, Observations (vital signs and laboratory results
// with LOINC codes and UCUM units), MedicationAdministration per dose, AdverseEvent per event.

/** LOINC codes of the protocol's test codes. */
export const loinc: Record<string, { code: string; display: string }> = {
  TEMP: { code: '8310-5', display: 'Body temperature' },
  HR: { code: '8867-4', display: 'Heart rate' },
  RESP: { code: '9279-1', display: 'Respiratory rate' },
  SYSBP: { code: '8480-6', display: 'Systolic blood pressure' },
  DIABP: { code: '8462-4', display: 'Diastolic blood pressure' },
  OXYSAT: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
  WEIGHT: { code: '29463-7', display: 'Body weight' },
  HEIGHT: { code: '8302-2', display: 'Body height' },
  WBC: { code: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count' },
  LYM: { code: '731-0', display: 'Lymphocytes [#/volume] in Blood' },
  NEUT: { code: '751-8', display: 'Neutrophils [#/volume] in Blood by Automated count' },
  HGB: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' },
  PLAT: { code: '777-3', display: 'Platelets [#/volume] in Blood by Automated count' },
  CRP: { code: '1988-5', display: 'C reactive protein [Mass/volume] in Serum or Plasma' },
  IL6: { code: '26881-3', display: 'Interleukin 6 [Mass/volume] in Serum or Plasma' },
  DDIMER: { code: '48065-7', display: 'Fibrin D-dimer FEU [Mass/volume] in Platelet poor plasma' },
  ALT: { code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma' },
  AST: {
    code: '1920-8',
    display: 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma',
  },
  BILI: { code: '14631-6', display: 'Bilirubin.total [Moles/volume] in Serum or Plasma' },
  CREAT: { code: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma' },
  CREATCLR: { code: '2164-2', display: 'Creatinine renal clearance in 24 hour Urine and Serum or Plasma' },
  PH: { code: '2744-1', display: 'pH of Arterial blood' },
  PO2: { code: '2703-7', display: 'Oxygen [Partial pressure] in Arterial blood' },
  PCO2: { code: '2019-8', display: 'Carbon dioxide [Partial pressure] in Arterial blood' },
  FIO2: { code: '3150-0', display: 'Inhaled oxygen concentration' },
  PO2FO2: { code: '50984-4', display: 'Horowitz index in Arterial blood' },
};

const UCUM = 'http://unitsofmeasure.org';
const pseudonym = (participantId: string) =>
  createHash('sha256').update(`exotrial patient ${participantId}`).digest('hex').slice(0, 32);

const subjectStatus: Record<string, string> = {
  screening: 'screening',
  screen_failed: 'ineligible',
  declined: 'not-registered',
  enrolled: 'on-study',
  withdrawn: 'withdrawn',
  lost_to_follow_up: 'off-study',
  died: 'off-study',
  completed: 'off-study',
};

const fhirDateTime = (value: string | null) => {
  if (!value) return undefined;
  // FHIR dateTime with a time needs seconds and a zone.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  return value;
};

type Resource = Record<string, unknown> & { resourceType: string; id: string };

/**
 * Hospital record numbers by participant, read only when direct identifiers are asked for: the one
 * export that carries them is the FHIR Patient (identifier of type MR), for linking back to the
 * hospital's record; every other export leaves them out.
 */
async function hospitalIdsOf(
  database: Database,
  studyId: string,
  privacy: PrivacyOptions,
): Promise<ReadonlyMap<string, { siteId: string; value: string }>> {
  if (!privacy.includeIdentifiers) return new Map();
  const rows = await database.read((db) =>
    db
      .selectFrom('participant_hospital_id')
      .select(['participant_id', 'site_id', 'hospital_id'])
      .where('study_id', '=', studyId)
      .execute(),
  );
  return new Map(rows.map((row) => [row.participant_id, { siteId: row.site_id, value: row.hospital_id }]));
}

function subjectResources(
  context: SdtmContext,
  subject: SubjectSource,
  privacy: PrivacyOptions,
  hospitalId?: { siteId: string; value: string },
): Resource[] {
  const { participant } = subject;
  const dates = subjectDates(privacy, participant.participant_id);
  const patientId = pseudonym(participant.participant_id);
  const patientRef = { reference: `Patient/${patientId}` };
  // The protocol's demographics form, read by its SDTM mapping (DM.SEX, DM.BRTHDTC).
  const demographicsForm = domainForm(context.protocol, 'DM');
  const demographics = demographicsForm && recordsOf(subject, demographicsForm.id)[0];
  const sex = mappedValue(demographics, demographicsForm, 'SEX');
  const birthDate = isoText(mappedValue(demographics, demographicsForm, 'BRTHDTC'));
  const subjid = participant.study_number ?? participant.screening_number;
  const resources: Resource[] = [
    {
      resourceType: 'Patient',
      id: patientId,
      meta: {
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'PSEUDED' }],
      },
      identifier: [
        { system: `urn:exotrial:${context.studyId}:subject`, value: `${context.studyId}-${subjid}` },
        ...(privacy.includeIdentifiers && hospitalId
          ? [
              {
                type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
                system: `urn:exotrial:${context.studyId}:hospital:${hospitalId.siteId}`,
                value: hospitalId.value,
              },
            ]
          : []),
      ],
      ...(sex === 'M' ? { gender: 'male' } : sex === 'F' ? { gender: 'female' } : {}),
      ...(privacy.includeIdentifiers && birthDate ? { birthDate: dates.date(birthDate)?.slice(0, 10) } : {}),
    },
    {
      resourceType: 'ResearchSubject',
      id: `rs-${patientId}`,
      status: subjectStatus[participant.status] ?? 'candidate',
      study: { reference: `ResearchStudy/${context.protocol.study.id}` },
      individual: patientRef,
      ...(participant.day1_date ? { period: { start: dates.date(participant.day1_date) } } : {}),
    },
  ];
  subject.consents.forEach((consent, index) => {
    resources.push({
      resourceType: 'Consent',
      id: `consent-${patientId}-${index + 1}`,
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Consent Document' }] }],
      patient: patientRef,
      dateTime: dates.date(isoText(consent.consented_at)),
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    });
  });
  for (const domain of ['VS', 'LB'] as const) {
    for (const { form, dateItem, tests } of findingForms(context, domain)) {
      for (const record of recordsOf(subject, form.id)) {
        const entries = entriesOfRecord(record);
        const effective = dateItem ? isoText(entries[dateItem.id]?.value) : null;
        for (const item of tests) {
          const value = fieldValue(record, item.id);
          const testCode = item.sdtm?.testCode ?? '';
          const code = loinc[testCode];
          if (typeof value !== 'number' || !code) continue;
          resources.push({
            resourceType: 'Observation',
            id: `obs-${record.record_id}-${item.id}`,
            status: 'final',
            category: [
              {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                    code: domain === 'VS' ? 'vital-signs' : 'laboratory',
                  },
                ],
              },
            ],
            code: { coding: [{ system: 'http://loinc.org', ...code }], text: item.label.en },
            subject: patientRef,
            ...(effective ? { effectiveDateTime: fhirDateTime(dates.date(effective)) } : {}),
            valueQuantity: {
              value,
              ...(item.unit ? { unit: item.unit, system: UCUM, code: item.unit } : {}),
            },
          });
        }
      }
    }
  }
  for (const dose of givenDoses(subject, context.protocol)) {
    const start = fhirDateTime(dates.date(dose.startedAt));
    const end = fhirDateTime(dates.date(dose.endedAt));
    const volume = dose.volumeMl;
    resources.push({
      resourceType: 'MedicationAdministration',
      id: `ma-${dose.id}`,
      status: 'completed',
      medicationCodeableConcept: {
        text: `${context.protocol.product.code}: ${context.protocol.product.name.en}`,
      },
      subject: patientRef,
      ...(start
        ? { effectivePeriod: { start, ...(end ? { end } : {}) } }
        : { effectiveDateTime: fhirDateTime(dates.date(participant.day1_date)) }),
      dosage: {
        route: {
          coding: [
            { system: 'http://snomed.info/sct', code: '447694001', display: 'Respiratory tract route' },
          ],
        },
        ...(typeof volume === 'number'
          ? { dose: { value: volume, unit: 'mL', system: UCUM, code: 'mL' } }
          : {}),
      },
    });
  }
  const { protocol } = context;
  for (const record of recordsOf(subject, aeFormId(protocol))) {
    const value = (role: AdverseEventItemRole) => aeValue(protocol, record, role);
    const onset = fhirDateTime(dates.date(isoText(value('onsetAt'))));
    const serious = value('serious');
    resources.push({
      resourceType: 'AdverseEvent',
      id: `ae-${record.record_id}`,
      actuality: 'actual',
      subject: patientRef,
      event: { text: String(value('term') ?? 'adverse event') },
      ...(onset ? { date: onset } : {}),
      ...(typeof serious === 'boolean'
        ? {
            seriousness: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness',
                  code: serious ? 'serious' : 'non-serious',
                },
              ],
            },
          }
        : {}),
      study: [{ reference: `ResearchStudy/${context.protocol.study.id}` }],
    });
  }
  return resources;
}

function researchStudy(context: SdtmContext): Resource {
  const { study } = context.protocol;
  return {
    resourceType: 'ResearchStudy',
    id: study.id,
    identifier: [{ system: 'https://clinicaltrials.gov', value: study.registryId }],
    title: study.title.en,
    status: 'active',
    phase: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/research-study-phase',
          code:
            study.phase === '1'
              ? 'phase-1'
              : study.phase === '2' || study.phase.startsWith('2')
                ? 'phase-2'
                : 'n-a',
        },
      ],
    },
    condition: [{ text: study.condition.name.en }],
  };
}

const entry = (resource: Resource) =>
  JSON.stringify({ fullUrl: `urn:exotrial:${resource.resourceType}/${resource.id}`, resource });

/** The Bundle as JSON text in chunks. */
export async function* exportFhirBundle(
  database: Database,
  studyId: string,
  options: { privacy: PrivacyOptions; created?: Date; batchSize?: number },
): AsyncGenerator<string> {
  const { context } = await loadSdtmStudy(database, studyId, options.privacy);
  const hospitalIds = await hospitalIdsOf(database, studyId, options.privacy);
  const created = (options.created ?? new Date()).toISOString();
  yield `{"resourceType":"Bundle","id":"${context.protocol.study.id}-export","type":"collection","timestamp":"${created}","entry":[\n`;
  yield entry(researchStudy(context));
  for await (const batch of subjectBatches(
    database,
    studyId,
    context.protocol.safety.adverseEvents.form,
    options.batchSize,
  )) {
    const resources = batch.flatMap((subject) =>
      subjectResources(
        context,
        subject,
        options.privacy,
        hospitalIds.get(subject.participant.participant_id),
      ),
    );
    if (resources.length) yield `,\n${resources.map(entry).join(',\n')}`;
  }
  yield '\n]}\n';
}
