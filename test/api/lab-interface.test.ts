import { afterAll, beforeAll, expect, it } from 'vitest';
import { fhirBundle, oruMessage } from '../support/lab-messages.ts';
import {
  ADMIN,
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// A screened, consented participant (no day 1 yet): laboratory results collected on the screening
// date belong to the screening visit.
const today = new Date().toISOString().slice(0, 10);
const hl7Day = today.replaceAll('-', '');

describeEachDatabase('laboratory interface', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let admin: SignedIn;
  let participantId = '';
  let screeningNumber = '';

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    });
    users = await createTrialUsers(t);
    admin = await signIn(t.app);
    // The first site's hospital laboratory sends as RUIJIN-LAB (MSH-4 of the test messages).
    const facilities = await as(t.app, admin).put(`/api/v1/sites/${users.siteId}/lab-facilities`, {
      facilityIds: ['RUIJIN-LAB'],
    });
    expect(facilities.statusCode, facilities.body).toBe(200);
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
  const labsAtScreening = () => labsAt(participantId);
  const labsAt = async (participant: string) => {
    const row = await t.database.read((db) =>
      db
        .selectFrom('form_record')
        .select('entries')
        .where('study_id', '=', t.studyId)
        .where('participant_id', '=', participant)
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
    // The unmatched result came from the first site's laboratory: the other site sees none of them.
    expect(waiting.map((row) => row.siteId)).toEqual([users.siteId, users.siteId, users.siteId]);
    expect(await queue(users.otherCoordinator)).toEqual([]);
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
  it('gives a result to the site of the laboratory that sent it, matches identifiers within that site, and shows an unknown laboratory’s to study-wide roles only', async () => {
    // The second site's patient has the same record number at the second hospital.
    const other = as(t.app, users.otherCoordinator);
    const screened = await other.post('/api/v1/participants', {
      siteId: users.otherSiteId,
      screeningDate: today,
      hospitalId: 'MRN-1001',
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const otherParticipantId = screened.json().participantId;
    const consent = await other.post(`/api/v1/participants/${otherParticipantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    const setFacilities = (siteId: string, facilityIds: string[]) =>
      as(t.app, admin).put(`/api/v1/sites/${siteId}/lab-facilities`, { facilityIds });
    const taken = await setFacilities(users.otherSiteId, ['OTHER-LAB', 'RUIJIN-LAB']);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toMatch(/^RUIJIN-LAB is listed by site /);
    expect((await setFacilities(users.otherSiteId, ['OTHER-LAB'])).statusCode).toBe(200);
    expect((await as(t.app, users.dataManager).get('/api/v1/lab-facilities')).json()).toEqual({
      sites: { [users.siteId]: ['RUIJIN-LAB'], [users.otherSiteId]: ['OTHER-LAB'] },
    });
    const changes = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('entity_id')
        .where('study_id', '=', t.studyId)
        .where('action', '=', 'site.lab_facilities.change')
        .execute(),
    );
    expect(changes.map((row) => row.entity_id)).toEqual([users.siteId, users.otherSiteId]);

    // From the second hospital, MRN-1001 is the second site's patient, not the first's.
    const alt = [{ loinc: '1742-6', name: 'ALT', value: '55', unit: 'U/L' }];
    const fromOther = await postHl7(
      oruMessage(
        'SITE-1',
        [{ hospitalId: 'MRN-1001', collectedAt: `${hl7Day}0800`, results: alt }],
        'OTHER-LAB',
      ),
    );
    expect(fromOther.json()).toMatchObject({ ackCode: 'AA', written: 1, review: 0 });
    expect((await labsAt(otherParticipantId)).alt?.value).toBe(55);
    expect((await labsAtScreening()).alt?.value).toBe(40);

    // An unknown patient of the first hospital waits for the first site; the second site sees nothing of it.
    const crp = [{ loinc: '1988-5', name: 'CRP', value: '8', unit: 'mg/L' }];
    await postHl7(
      oruMessage('SITE-2', [{ hospitalId: 'MRN-7777', collectedAt: `${hl7Day}0800`, results: crp }]),
    );
    // From a laboratory no site lists: MRN-1001 is at two sites (ambiguous), MRN-8888 at none.
    const unknownLab = await postHl7(
      oruMessage(
        'SITE-3',
        [
          { hospitalId: 'MRN-1001', collectedAt: `${hl7Day}0800`, results: alt },
          { hospitalId: 'MRN-8888', collectedAt: `${hl7Day}0800`, results: crp },
        ],
        'CITY-LAB',
      ),
    );
    expect(unknownLab.json()).toMatchObject({ ackCode: 'AA', written: 0, review: 2 });
    // A FHIR bundle names its laboratory by its performer (an Organization of the bundle).
    const bundle = fhirBundle('SITE-4', 'MRN-9999', `${today}T08:00:00+08:00`, crp);
    const entries = bundle.entry as Array<{ resource: Record<string, unknown> }>;
    for (const entry of entries) entry.resource.performer = [{ reference: 'Organization/lab' }];
    entries.push({
      resource: { resourceType: 'Organization', id: 'lab', identifier: [{ value: 'OTHER-LAB' }] },
    });
    expect((await postFhir(bundle)).json()).toMatchObject({ ackCode: 'AA', review: 1 });
    // Posted with the site named, a bundle without a performer is that site's.
    const named = await t.app.inject({
      method: 'POST',
      url: `/api/v1/lab-messages/fhir?site=${users.otherSiteId}`,
      headers: { ...users.dataManager.headers, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(fhirBundle('SITE-5', 'MRN-6666', `${today}T08:00:00+08:00`, crp)),
    });
    expect(named.json()).toMatchObject({ ackCode: 'AA', review: 1 });
    const noSuchSite = await t.app.inject({
      method: 'POST',
      url: '/api/v1/lab-messages/fhir?site=nowhere',
      headers: { ...users.dataManager.headers, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(fhirBundle('SITE-6', 'MRN-6666', `${today}T08:00:00+08:00`, crp)),
    });
    expect(noSuchSite.statusCode).toBe(400);
    expect(noSuchSite.json().message).toBe('There is no site nowhere.');

    const seen = async (who: SignedIn) =>
      (await queue(who))
        .filter((row) => String(row.controlId).startsWith('SITE-'))
        .map((row) => [row.controlId, row.problem, row.hospitalId]);
    expect(await seen(users.coordinator)).toEqual([['SITE-2', 'unknown_identifier', 'MRN-7777']]);
    expect(await seen(users.otherCoordinator)).toEqual([
      ['SITE-4', 'unknown_identifier', 'MRN-9999'],
      ['SITE-5', 'unknown_identifier', 'MRN-6666'],
    ]);
    // The data manager sees every one (the hospital identifier of none).
    expect(await seen(users.dataManager)).toEqual([
      ['SITE-2', 'unknown_identifier', null],
      ['SITE-3', 'ambiguous_identifier', null],
      ['SITE-3', 'unknown_identifier', null],
      ['SITE-4', 'unknown_identifier', null],
      ['SITE-5', 'unknown_identifier', null],
    ]);
    const stored = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select(['control_id', 'sending_facility', 'site_id'])
        .where('study_id', '=', t.studyId)
        .where('control_id', 'in', ['SITE-1', 'SITE-3', 'SITE-4'])
        .orderBy('control_id')
        .execute(),
    );
    expect(stored).toEqual([
      { control_id: 'SITE-1', sending_facility: 'OTHER-LAB', site_id: users.otherSiteId },
      { control_id: 'SITE-3', sending_facility: 'CITY-LAB', site_id: null },
      { control_id: 'SITE-4', sending_facility: 'OTHER-LAB', site_id: users.otherSiteId },
    ]);
    // A site's staff cannot act on a result they cannot see.
    const ambiguous = (await queue(users.dataManager)).find((row) => row.problem === 'ambiguous_identifier');
    const dismiss = await as(t.app, users.coordinator).post(
      `/api/v1/lab-results/${ambiguous?.resultId}/dismiss`,
      { reason: 'not ours' },
    );
    expect(dismiss.statusCode).toBe(404);
  });
  it('keeps a corrected hospital identifier in full beside the current one, and shows the change masked in the audit', async () => {
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
      hospitalId: 'MRN-7001',
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const id = screened.json().participantId as string;
    for (const [hospitalId, reason] of [
      ['MRN-7002', 'typed one digit wrong'],
      ['MRN-7003', 'the ward gave the old number'],
    ]) {
      const change = await coordinator.put(`/api/v1/participants/${id}/hospital-id`, { hospitalId, reason });
      expect(change.statusCode, change.body).toBeLessThan(300);
    }
    expect((await coordinator.get(`/api/v1/participants/${id}/hospital-id`)).json()).toEqual({
      hospitalId: 'MRN-7003',
    });
    const history = await t.database.read((db) =>
      db
        .selectFrom('participant_hospital_id_history')
        .select(['replaced_seq', 'hospital_id', 'reason'])
        .where('participant_id', '=', id)
        .orderBy('replaced_seq')
        .execute(),
    );
    expect(history).toEqual([
      { replaced_seq: 1, hospital_id: 'MRN-7001', reason: 'typed one digit wrong' },
      { replaced_seq: 2, hospital_id: 'MRN-7002', reason: 'the ward gave the old number' },
    ]);
    const audit = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=500',
      headers: users.dataManager.headers,
    });
    expect(audit.statusCode).toBe(200);
    expect(audit.body.includes('MRN-7001')).toBe(false);
    expect(audit.body.includes('MRN-7002')).toBe(false);
  });
});
