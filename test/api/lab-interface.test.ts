import { afterAll, beforeAll, expect, it } from 'vitest';
import { fhirBundle, oruMessage } from '../support/lab-messages.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// A screened, consented participant (no day 1 yet): laboratory results collected on the screening
// date belong to the screening visit.
const today = new Date().toISOString().slice(0, 10);
const hl7Day = today.replaceAll('-', '');

describeEachDatabase('laboratory interface', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId = '';
  let screeningNumber = '';

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
      hospitalId: 'MRN-1001',
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    screeningNumber = screened.json().screeningNumber;
    const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const postHl7 = (message: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/lab-messages/hl7',
      headers: { ...users.dataManager.headers, 'content-type': 'application/hl7-v2' },
      payload: message,
    });
  const postFhir = (bundle: unknown) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/lab-messages/fhir',
      headers: { ...users.dataManager.headers, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(bundle),
    });
  const labsAtScreening = async () => {
    const row = await t.database.read((db) =>
      db
        .selectFrom('form_record')
        .select('entries')
        .where('study_id', '=', t.studyId)
        .where('participant_id', '=', participantId)
        .where('visit_id', '=', 'screening')
        .where('form_id', '=', 'labs')
        .executeTakeFirst(),
    );
    const entries = (typeof row?.entries === 'string' ? JSON.parse(row.entries) : row?.entries) ?? {};
    return entries as Record<string, { value: unknown; original?: { value: number; unit: string } }>;
  };
  const chainHead = () =>
    t.database.read((db) =>
      db
        .selectFrom('audit_chain_head')
        .select('seq')
        .where('study_id', '=', t.studyId)
        .executeTakeFirstOrThrow(),
    );
  const queue = async (who = users.coordinator) => {
    const response = await as(t.app, who).get('/api/v1/lab-results');
    expect(response.statusCode, response.body).toBe(200);
    return response.json().results as Array<Record<string, unknown>>;
  };

  const first = oruMessage('MSG-1', [
    {
      hospitalId: 'MRN-1001',
      collectedAt: `${hl7Day}0700`,
      results: [
        { loinc: '731-0', name: 'Lymphocytes', value: '1.2', unit: '10*3/uL' },
        { loinc: '718-7', name: 'Hemoglobin', value: '13.2', unit: 'g/dL' },
        { loinc: '736-9', name: 'Lymphocytes/100 leukocytes', value: '21', unit: '%' },
      ],
    },
    {
      hospitalId: 'MRN-4040',
      collectedAt: `${hl7Day}0710`,
      results: [{ loinc: '1988-5', name: 'CRP', value: '12', unit: 'mg/L' }],
    },
  ]);

  it('writes results over HL7 v2 to the visit whose window holds the collection date, queues the rest, and answers an ACK', async () => {
    const response = await postHl7(first);
    expect(response.statusCode, response.body).toBe(200);
    const receipt = response.json();
    expect(receipt).toMatchObject({
      ackCode: 'AA',
      controlId: 'MSG-1',
      duplicate: false,
      written: 2,
      review: 2,
    });
    expect(receipt.ack.split('\r')[1]).toBe('MSA|AA|MSG-1|');
    const entries = await labsAtScreening();
    expect(entries.lymphocytes).toMatchObject({ value: 1.2, original: { value: 1.2, unit: '10*3/uL' } });
    expect(entries.haemoglobin).toMatchObject({ value: 132, original: { value: 13.2, unit: 'g/dL' } });
    expect(entries.collectedOn?.value).toBe(today);
    // Each value's audit event names the message.
    const reasons = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['field', 'reason'])
        .where('study_id', '=', t.studyId)
        .where('action', '=', 'crf.value.enter')
        .where('entity_type', '=', 'form_record')
        .execute(),
    );
    expect(reasons).toContainEqual({
      field: 'screening:labs[1].haemoglobin',
      reason: 'laboratory result 2 of HL7 message MSG-1',
    });
    const stored = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select(['raw', 'source', 'status'])
        .where('control_id', '=', 'MSG-1')
        .execute(),
    );
    expect(stored).toEqual([{ raw: first, source: 'api', status: 'accepted' }]);
  });

  it('changes nothing on a re-delivery of the same control id, and refuses another message under it', async () => {
    const before = await chainHead();
    const again = await postHl7(first);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ ackCode: 'AA', duplicate: true, written: 0, review: 0 });
    expect(await chainHead()).toEqual(before);
    const reused = await postHl7(first.replace('|1.2|', '|1.4|'));
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toMatchObject({
      error: 'validation_failed',
      message:
        'Control id MSG-1 was already used by another message; give each message its own control id (MSH-10, Bundle.identifier).',
      details: { ackCode: 'AE' },
    });
    expect((await labsAtScreening()).lymphocytes?.value).toBe(1.2);
  });

  it('refuses a message of another type with AR, keeping it as received', async () => {
    const adt = first.replace('ORU^R01^ORU_R01|MSG-1', 'ADT^A01^ADT_A01|MSG-ADT');
    const response = await postHl7(adt);
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toMatchObject({ ackCode: 'AR', controlId: 'MSG-ADT' });
    expect(response.json().details.ack).toContain('MSA|AR|MSG-ADT|Only ORU\\S\\R01 messages are taken');
    const stored = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select(['raw', 'status', 'error'])
        .where('control_id', '=', 'MSG-ADT')
        .executeTakeFirstOrThrow(),
    );
    expect(stored).toMatchObject({ raw: adt, status: 'rejected' });
  });

  it('refuses a body that is not UTF-8 with a 400 saying so, and stores nothing in its place', async () => {
    const before = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow(),
    );
    // A laboratory sending Latin-1 (or GB18030): stored lossily, "Müller" would become "M\ufffdller".
    const latin1 = Buffer.from(
      first.replace('MSG-1', 'MSG-LATIN1').replace('ORU^R01^ORU_R01', 'ORU^R01^ORU_R01|M\xfcller'),
      'latin1',
    );
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/lab-messages/hl7',
      headers: { ...users.dataManager.headers, 'content-type': 'application/hl7-v2' },
      payload: latin1,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().message).toMatch(/not valid UTF-8 text/);
    const after = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow(),
    );
    expect(Number(after.count)).toBe(Number(before.count));
  });

  it('takes a FHIR R4 bundle: a new value is written, a different value waits for review', async () => {
    const bundle = fhirBundle('BUNDLE-1', 'MRN-1001', `${today}T07:00:00+08:00`, [
      { loinc: '1742-6', name: 'ALT', value: '40', unit: 'U/L' },
      { loinc: '26474-7', name: 'Lymphocytes', value: '1.5', unit: '10*9/L' },
    ]);
    const response = await postFhir(bundle);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ ackCode: 'AA', controlId: 'BUNDLE-1', written: 1, review: 1 });
    expect((await labsAtScreening()).alt?.value).toBe(40);
    const bad = await postFhir({
      resourceType: 'Bundle',
      type: 'collection',
      identifier: { value: 'B-2' },
      entry: [
        {
          resource: { resourceType: 'Observation', status: 'final', code: {}, valueQuantity: { value: 'x' } },
        },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(
      /^The bundle is not a FHIR R4 Bundle of Observations: entry\.0\.resource/,
    );
  });

  it('lists the review queue with each reason, the hospital identifier only to the site staff', async () => {
    const waiting = await queue();
    expect(waiting.map((row) => [row.problem, row.loinc, row.hospitalId])).toEqual([
      ['unknown_loinc', '736-9', 'MRN-1001'],
      ['unknown_identifier', '1988-5', 'MRN-4040'],
      ['different_value', '26474-7', 'MRN-1001'],
    ]);
    expect(waiting[2]?.problemText).toBe(
      'labs.lymphocytes of screening already holds 1.2; the laboratory sent 1.5 10*9/L.',
    );
    const forDataManager = await queue(users.dataManager);
    expect(forDataManager.map((row) => row.hospitalId)).toEqual([null, null, null]);
    // The other site's coordinator sees only the result matched to no participant.
    expect((await queue(users.otherCoordinator)).map((row) => row.loinc)).toEqual(['1988-5']);
    expect((await as(t.app, users.monitor).get('/api/v1/lab-results')).statusCode).toBe(403);
  });

  it('assigns a waiting result through the form writer with the reason, and dismisses another with its reason', async () => {
    const waiting = await queue();
    const different = waiting.find((row) => row.problem === 'different_value');
    const coordinator = as(t.app, users.coordinator);
    const assigned = await coordinator.post(`/api/v1/lab-results/${different?.resultId}/assign`, {
      participant: screeningNumber,
      reason: 'Corrected result telephoned by the laboratory',
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json()).toMatchObject({
      status: 'assigned',
      visitKey: 'screening',
      item: 'labs.lymphocytes',
    });
    expect((await labsAtScreening()).lymphocytes?.value).toBe(1.5);
    const change = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('reason')
        .where('study_id', '=', t.studyId)
        .where('action', '=', 'crf.value.change')
        .where('field', '=', 'screening:labs[1].lymphocytes')
        .executeTakeFirstOrThrow(),
    );
    expect(change.reason).toBe(
      'laboratory result 2 of FHIR bundle BUNDLE-1; assigned: Corrected result telephoned by the laboratory',
    );
    const unknown = waiting.find((row) => row.problem === 'unknown_identifier');
    const noReason = await coordinator.post(`/api/v1/lab-results/${unknown?.resultId}/dismiss`, {
      reason: ' ',
    });
    expect(noReason.statusCode).toBe(400);
    const dismissed = await coordinator.post(`/api/v1/lab-results/${unknown?.resultId}/dismiss`, {
      reason: 'Not a participant of the trial',
    });
    expect(dismissed.statusCode, dismissed.body).toBe(200);
    expect(dismissed.json()).toMatchObject({
      status: 'dismissed',
      decisionReason: 'Not a participant of the trial',
    });
    const again = await coordinator.post(`/api/v1/lab-results/${unknown?.resultId}/dismiss`, {
      reason: 'twice',
    });
    expect(again.statusCode).toBe(409);
    const events = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'reason'])
        .where('study_id', '=', t.studyId)
        .where('action', 'in', ['lab.result.assign', 'lab.result.dismiss'])
        .orderBy('seq')
        .execute(),
    );
    expect(events).toEqual([
      { action: 'lab.result.assign', reason: 'Corrected result telephoned by the laboratory' },
      { action: 'lab.result.dismiss', reason: 'Not a participant of the trial' },
    ]);
    expect((await queue()).map((row) => row.problem)).toEqual(['unknown_loinc']);
  });

  it('keeps the hospital identifier unique at the site, to the site staff, and out of the exports', async () => {
    const coordinator = as(t.app, users.coordinator);
    const duplicate = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
      hospitalId: 'MRN-1001',
    });
    expect(duplicate.statusCode).toBe(409);
    expect((await coordinator.get(`/api/v1/participants/${participantId}/hospital-id`)).json()).toEqual({
      hospitalId: 'MRN-1001',
    });
    expect(
      (await as(t.app, users.otherCoordinator).get(`/api/v1/participants/${participantId}/hospital-id`))
        .statusCode,
    ).toBe(403);
    expect(
      (await as(t.app, users.dataManager).get(`/api/v1/participants/${participantId}/hospital-id`))
        .statusCode,
    ).toBe(403);
    const change = await coordinator.put(`/api/v1/participants/${participantId}/hospital-id`, {
      hospitalId: 'MRN-1002',
    });
    expect(change.statusCode).toBe(409);
    expect(change.json().message).toBe(
      'The hospital identifier was recorded before; give the reason for changing it.',
    );
    // The identifier is in no export, nor in the audit trail they carry (its events show it masked).
    const exports = [
      '/api/v1/exports/odm',
      '/api/v1/exports/sdtm/dm?format=csv',
      '/api/v1/exports/sdtm/lb?format=csv',
      '/api/v1/exports/redcap',
      '/api/v1/fhir/Bundle',
      '/api/v1/audit?limit=500',
    ];
    for (const url of exports) {
      const response = await t.app.inject({ method: 'GET', url, headers: users.dataManager.headers });
      expect(response.statusCode, `${url}: ${response.body.slice(0, 200)}`).toBe(200);
      expect(response.rawPayload.includes('MRN-1001'), url).toBe(false);
      expect(response.rawPayload.includes('MRN-4040'), url).toBe(false);
    }
    // Asked for with the direct identifiers, the FHIR Patient carries it as its medical record number.
    const identified = await t.app.inject({
      method: 'GET',
      url: '/api/v1/fhir/Bundle?includeIdentifiers=true',
      headers: users.dataManager.headers,
    });
    expect(identified.statusCode).toBe(200);
    const patients = identified
      .json()
      .entry.map((item: { resource: { resourceType: string } }) => item.resource)
      .filter((resource: { resourceType: string }) => resource.resourceType === 'Patient');
    const numbers = patients.flatMap((patient: { identifier: { type?: unknown; value: string }[] }) =>
      patient.identifier.filter((identifier) => identifier.type).map((identifier) => identifier.value),
    );
    expect(numbers).toContain('MRN-1001');
    // The laboratory values themselves are exported (the check above looks at real content).
    const lb = await t.app.inject({
      method: 'GET',
      url: '/api/v1/exports/sdtm/lb?format=csv',
      headers: users.dataManager.headers,
    });
    expect(lb.body).toContain('LYM');
  });
});
