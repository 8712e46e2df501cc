import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFhirBundle } from '../../src/exchange/fhir/fhir-bundle.ts';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { createTrialUsers } from '../support/trial-users.ts';
import { buildDemoTrial } from './demo-trial.ts';
import { REPOSITORY_ROOT } from './r-support.ts';

const require = createRequire(import.meta.url);

/** The official FHIR R4 JSON schema (draft-06), compiled once: read its top-level `id` as `$id`. */
function fhirValidator(): ValidateFunction {
  const schema = JSON.parse(
    readFileSync(join(REPOSITORY_ROOT, '..', 'shared', 'schemas', 'fhir-r4', 'fhir.schema.json'), 'utf8'),
  );
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  return ajv.compile(schema);
}

describe('FHIR R4 Bundle', () => {
  let t: TestApp;
  let bundle: {
    resourceType: string;
    entry: Array<{ resource: Record<string, unknown> & { resourceType: string } }>;
  };
  let validate: ValidateFunction;

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    await buildDemoTrial(t, await createTrialUsers(t));
    let text = '';
    for await (const chunk of exportFhirBundle(t.database, t.studyId, {
      privacy: defaultPrivacy,
      batchSize: 1,
    }))
      text += chunk;
    bundle = JSON.parse(text);
    validate = fhirValidator();
  });
  afterAll(async () => t?.close());

  it('validates against the FHIR R4 JSON schema, as a whole and resource by resource', () => {
    expect(validate(bundle), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    for (const { resource } of bundle.entry) {
      expect(
        validate(resource),
        `${resource.resourceType}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
      ).toBe(true);
    }
  });

  it('and the validation is real: a wrong resource fails', () => {
    expect(
      validate({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        valueQuantity: { value: 1 },
        dose: 3,
      }),
    ).toBe(false);
    expect(validate({ resourceType: 'Patient', gender: 'unknown-gender-code' })).toBe(false);
    expect(validate({ resourceType: 'Consent', status: 'active' })).toBe(false);
  });

  it('holds every resource kind, pseudonymised, with LOINC codes and UCUM units', () => {
    const kinds = new Set(bundle.entry.map((entry) => entry.resource.resourceType));
    expect([...kinds].sort()).toEqual(
      [
        'AdverseEvent',
        'Consent',
        'MedicationAdministration',
        'Observation',
        'Patient',
        'ResearchStudy',
        'ResearchSubject',
      ].sort(),
    );
    const patients = bundle.entry
      .filter((entry) => entry.resource.resourceType === 'Patient')
      .map((entry) => entry.resource);
    expect(patients).toHaveLength(2);
    for (const patient of patients) {
      expect(patient).not.toHaveProperty('birthDate');
      expect(patient).not.toHaveProperty('name');
    }
    const temperature = bundle.entry.find(
      (entry) =>
        entry.resource.resourceType === 'Observation' &&
        JSON.stringify(entry.resource.code).includes('8310-5'),
    )?.resource;
    expect(temperature).toMatchObject({
      valueQuantity: { unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
    });
  });
});
