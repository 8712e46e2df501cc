import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { defaultProtocolPath } from '../../src/protocol/load.ts';
import {
  dosedParticipant,
  givenDose,
  recordDose,
  saveSpo2Fall,
  siteDateFromToday,
} from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The shipped protocol with its regimen given intravenously: no inhalation events are declared, so a
// dose raises no inhalation flags (a fall of SpO2 after it is the investigator's to judge) and the
// bedside observations of an inhaled dose are not taken.
const day1 = siteDateFromToday(-3);

describeEachDatabase('a dose of a regimen that is not inhaled', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'exotrial-route-'));
    const protocolFile = join(folder, 'intravenous.yaml');
    const document = parseDocument(readFileSync(defaultProtocolPath(), 'utf8'));
    document.setIn(['regimen', 'route'], 'intravenous');
    document.deleteIn(['safety', 'inhalationEvents']);
    writeFileSync(protocolFile, document.toString());
    t = await createTestApp(kind, {
      EXOTRIAL_PROTOCOL: protocolFile,
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    ({ participantId } = await dosedParticipant(t, users, {
      day1,
      vials: [{ visitId: 'day-1', code: 'VIAL-0001', thawedAt: new Date(`${day1}T07:30+08:00`) }],
    }));
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('refuses the bedside observations of an inhaled dose, saying where the event belongs', async () => {
    const refused = await as(t.app, users.coordinator).post(
      `/api/v1/participants/${participantId}/doses/day-1`,
      { ...givenDose('VIAL-0001', day1), bronchospasm: true },
    );
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().details.fields).toEqual([
      expect.objectContaining({ field: 'bronchospasm', message: expect.stringContaining('adverse event') }),
    ]);
  });

  it('records the dose and raises no inhalation flag for a fall of SpO2 after it', async () => {
    await recordDose(t, users.coordinator, participantId, 'day-1', givenDose('VIAL-0001', day1));
    await saveSpo2Fall(t, users.coordinator, participantId, day1);
    const schedule = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}/doses`);
    expect(schedule.statusCode, schedule.body).toBe(200);
    const [first] = schedule.json().doses;
    expect(first.administration).toMatchObject({ status: 'completed', bronchospasm: false, newCough: false });
    expect(first.administration.flags).toEqual([]);
  });
});
