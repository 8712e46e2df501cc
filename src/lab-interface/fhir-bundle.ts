import { z } from 'zod';
import { type CollectionTime, LabMessageRefused, type LabReport, type ReportedResult } from './lab-report.ts';

// A FHIR R4 Bundle of laboratory Observations (with their DiagnosticReports and Patients): the parts
// this interface reads, checked by shape. Observation.code carries the LOINC code (system
// http://loinc.org), valueQuantity the value with its UCUM unit (system http://unitsofmeasure.org),
// effectiveDateTime the collection time, subject the patient by identifier (or a Patient of the bundle).

const LOINC_SYSTEM = 'http://loinc.org';
const UCUM_SYSTEM = 'http://unitsofmeasure.org';

const identifierSchema = z.object({
  system: z.string().optional(),
  value: z.string().min(1),
  type: z.object({ coding: z.array(z.object({ code: z.string().optional() })).optional() }).optional(),
});
const referenceSchema = z.object({
  reference: z.string().optional(),
  identifier: identifierSchema.optional(),
});
const fhirDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, {
    message: 'Use a FHIR dateTime: YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with its zone (Z or +hh:mm).',
  });

const observationSchema = z.object({
  resourceType: z.literal('Observation'),
  id: z.string().optional(),
  status: z.string(),
  code: z.object({
    coding: z
      .array(
        z.object({
          system: z.string().optional(),
          code: z.string().optional(),
          display: z.string().optional(),
        }),
      )
      .optional(),
    text: z.string().optional(),
  }),
  subject: referenceSchema.optional(),
  performer: z.array(referenceSchema).optional(),
  effectiveDateTime: fhirDateTime.optional(),
  valueQuantity: z
    .object({
      value: z.number(),
      unit: z.string().optional(),
      system: z.string().optional(),
      code: z.string().optional(),
    })
    .optional(),
  valueString: z.string().optional(),
});
const diagnosticReportSchema = z.object({
  resourceType: z.literal('DiagnosticReport'),
  subject: referenceSchema.optional(),
  performer: z.array(referenceSchema).optional(),
  effectiveDateTime: fhirDateTime.optional(),
  result: z.array(referenceSchema).optional(),
});
const patientSchema = z.object({
  resourceType: z.literal('Patient'),
  id: z.string().optional(),
  identifier: z.array(identifierSchema).optional(),
});
const organizationSchema = z.object({
  resourceType: z.literal('Organization'),
  id: z.string().optional(),
  identifier: z.array(identifierSchema).optional(),
});
const readTypes = ['Observation', 'DiagnosticReport', 'Patient', 'Organization'];
/** Any other resource passes unread; one of those above must have its shape. */
const otherResourceSchema = z.object({
  resourceType: z.string().refine((type) => !readTypes.includes(type), {
    message: 'not the shape this resource needs',
  }),
});

export const fhirLabBundleSchema = z.object({
  resourceType: z.literal('Bundle'),
  id: z.string().optional(),
  identifier: identifierSchema.optional(),
  type: z.string(),
  entry: z
    .array(
      z.object({
        fullUrl: z.string().optional(),
        resource: z.union([
          observationSchema,
          diagnosticReportSchema,
          patientSchema,
          organizationSchema,
          otherResourceSchema,
        ]),
      }),
    )
    .min(1, { message: 'The bundle holds no entry.' }),
});
export type FhirLabBundle = z.infer<typeof fhirLabBundleSchema>;
type Observation = z.infer<typeof observationSchema>;
type Reference = z.infer<typeof referenceSchema>;
type Patient = z.infer<typeof patientSchema>;

/** A FHIR dateTime as a collection time. */
export function fhirTime(text: string): CollectionTime {
  const local = text.length === 10 ? text : text.slice(0, 16);
  const zone = /(Z|[+-]\d{2}:\d{2})$/.exec(text)?.[1];
  if (zone === undefined) return { local, offsetMinutes: null };
  if (zone === 'Z') return { local, offsetMinutes: 0 };
  const sign = zone.startsWith('-') ? -1 : 1;
  return { local, offsetMinutes: sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) };
}

/** The medical record number of a patient: the identifier typed MR, else the first. */
const patientId = (identifiers: Patient['identifier']) =>
  (
    identifiers?.find((entry) => entry.type?.coding?.some((coding) => coding.code === 'MR')) ??
    identifiers?.[0]
  )?.value ?? null;

/** Reads a bundle; refused (AE, with what to fix) when its shape is wrong or it has no control id. */
export function readFhirBundle(body: unknown): LabReport {
  const parsed = fhirLabBundleSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.join('.') ?? '';
    throw new LabMessageRefused(
      'AE',
      `The bundle is not a FHIR R4 Bundle of Observations: ${path ? `${path}: ` : ''}${first?.message ?? 'invalid'}`,
    );
  }
  const bundle = parsed.data;
  const controlId = bundle.identifier?.value ?? bundle.id;
  if (!controlId) {
    throw new LabMessageRefused(
      'AE',
      'The bundle has neither an identifier nor an id: give Bundle.identifier.value, which names it on re-delivery.',
    );
  }
  return { controlId, sendingFacility: performerOf(bundle), results: observationsOf(bundle) };
}

/**
 * The laboratory that sent the bundle: the identifier of the performer of its reports and
 * observations (an identifier given inline, or an Organization of the bundle). Null unless they all
 * name the same one.
 */
function performerOf(bundle: FhirLabBundle): string | null {
  const organizations = new Map<string, string | null>();
  for (const { fullUrl, resource } of bundle.entry) {
    if (resource.resourceType !== 'Organization') continue;
    const organization = resource as z.infer<typeof organizationSchema>;
    const id = organization.identifier?.[0]?.value ?? null;
    if (fullUrl) organizations.set(fullUrl, id);
    if (organization.id) organizations.set(`Organization/${organization.id}`, id);
  }
  // A performer that is a person (a Practitioner not in the bundle) names no facility and is passed over.
  const named = new Set<string>();
  for (const { resource } of bundle.entry) {
    if (resource.resourceType !== 'Observation' && resource.resourceType !== 'DiagnosticReport') continue;
    for (const performer of (resource as Observation).performer ?? []) {
      const id =
        performer.identifier?.value ?? (performer.reference ? organizations.get(performer.reference) : null);
      if (id) named.add(id);
    }
  }
  const [only] = named;
  return named.size === 1 && only !== undefined ? only : null;
}

function observationsOf(bundle: FhirLabBundle): ReportedResult[] {
  const resources = bundle.entry.map((entry) => ({ fullUrl: entry.fullUrl, resource: entry.resource }));
  const patients = new Map<string, string | null>();
  for (const { fullUrl, resource } of resources) {
    if (resource.resourceType !== 'Patient') continue;
    const patient = resource as Patient;
    const id = patientId(patient.identifier);
    if (fullUrl) patients.set(fullUrl, id);
    if (patient.id) patients.set(`Patient/${patient.id}`, id);
  }
  const subjectId = (subject: Reference | undefined) =>
    subject?.identifier?.value ?? (subject?.reference ? (patients.get(subject.reference) ?? null) : null);
  // An Observation without its own subject or time takes its DiagnosticReport's.
  const fromReport = new Map<string, { hospitalId: string | null; time: string | undefined }>();
  for (const { resource } of resources) {
    if (resource.resourceType !== 'DiagnosticReport') continue;
    const report = resource as z.infer<typeof diagnosticReportSchema>;
    for (const result of report.result ?? []) {
      if (result.reference) {
        fromReport.set(result.reference, {
          hospitalId: subjectId(report.subject),
          time: report.effectiveDateTime,
        });
      }
    }
  }
  const results: ReportedResult[] = [];
  let seq = 0;
  for (const { fullUrl, resource } of resources) {
    if (resource.resourceType !== 'Observation') continue;
    seq += 1;
    const observation = resource as Observation;
    if (!['final', 'amended', 'corrected'].includes(observation.status)) continue;
    const report =
      (fullUrl && fromReport.get(fullUrl)) ||
      (observation.id && fromReport.get(`Observation/${observation.id}`)) ||
      undefined;
    results.push(
      resultOf(observation, seq, {
        hospitalId: subjectId(observation.subject) ?? report?.hospitalId ?? null,
        time: report?.time,
      }),
    );
  }
  if (seq === 0) throw new LabMessageRefused('AE', 'The bundle holds no Observation.');
  return results;
}

function resultOf(
  observation: Observation,
  seq: number,
  context: { hospitalId: string | null; time: string | undefined },
): ReportedResult {
  const coding = observation.code.coding ?? [];
  const loinc = coding.find((entry) => entry.system === LOINC_SYSTEM)?.code ?? null;
  const quantity = observation.valueQuantity;
  if (quantity === undefined && observation.valueString === undefined) {
    throw new LabMessageRefused('AE', `Observation ${seq} has no valueQuantity.`);
  }
  if (quantity?.system !== undefined && quantity.system !== UCUM_SYSTEM) {
    throw new LabMessageRefused(
      'AE',
      `Observation ${seq}: give its unit as a UCUM code (valueQuantity.system ${UCUM_SYSTEM}).`,
    );
  }
  const time = observation.effectiveDateTime ?? context.time;
  return {
    seq,
    hospitalId: context.hospitalId,
    loinc,
    testName: coding[0]?.display ?? observation.code.text ?? coding[0]?.code ?? '',
    value: quantity ? String(quantity.value) : (observation.valueString ?? ''),
    unit: quantity ? (quantity.code ?? quantity.unit ?? null) : null,
    collectedAt: time ? fhirTime(time) : null,
  };
}
