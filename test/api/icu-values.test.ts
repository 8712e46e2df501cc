import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTotpRequired } from '../../src/auth/totp.service.ts';
import { deriveItemValues } from '../../src/protocol/eligibility.ts';
import type { RuleValues } from '../../src/protocol/rules/ast.ts';
import { currentProtocol } from '../../src/study/protocol-store.ts';
import { sampleVitals } from '../../src/synth/sample-patient.ts';
import { dateAfter, dosedParticipant, givenDose, siteDateFromToday } from '../support/dosed-participant.ts';
import {
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { fields } from './safety-support.ts';

// Values as an ICU has them: hard limits and plausibility queries over HTTP, the site's altitude and
// pressure in its settings, inhalation flags on a ventilated patient, and SDV marks per revision.

const day1 = siteDateFromToday(-3);
const day3 = dateAfter(day1, 2);
const formUrl = (participantId: string, visitKey: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=1`;

/** Vital signs of a patient on invasive ventilation (no oxygen flow: the ventilator sets FiO2 and PEEP). */
function ventilatedVitals(at: string, values: Record<string, unknown>): Record<string, unknown> {
  const { oxygenFlow: _flow, ...base } = sampleVitals(at);
  return { ...base, oxygenSupport: 'imv', fio2Setting: 40, peep: 8, respiratoryRate: 16, ...values };
}

describeEachDatabase('ICU values', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let admin: SignedIn;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    admin = await signIn(t.app, 'admin@example.org', 'a strong root secret');
    ({ participantId } = await dosedParticipant(t, users, {
      day1,
      vials: [{ visitId: 'day-1', code: 'VIAL-0001', thawedAt: new Date(`${day1}T07:30+08:00`) }],
      doses: [{ visitId: 'day-1', body: givenDose('VIAL-0001', day1) }],
    }));
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);
  const saveVitals = (visitKey: string, values: Record<string, unknown>, version = 0, reason?: string) =>
    coordinator().put(formUrl(participantId, visitKey, 'vitals'), {
      version,
      entries: fields(values),
      ...(reason ? { reason } : {}),
    });

  describe('inhalation flags on controlled ventilation', () => {
    it('flags the FiO2 escalation and not the respiratory rate the ventilator sets', async () => {
      const pre = await saveVitals('day-1/pre-dose', ventilatedVitals(`${day1}T07:30`, {}));
      expect(pre.statusCode, pre.body).toBe(200);
      const post = await saveVitals(
        'day-1/post-30',
        ventilatedVitals(`${day1}T08:45`, { fio2Setting: 55, respiratoryRate: 28 }),
      );
      expect(post.statusCode, post.body).toBe(200);
      const schedule = (await coordinator().get(`/api/v1/participants/${participantId}/doses`)).json();
      expect(schedule.doses[0].administration.flags).toEqual([
        expect.objectContaining({ kind: 'fio2-rise', observed: 55, baseline: 40, source: 'day-1/post-30' }),
      ]);
    });
  });

  describe('hard limits and plausibility ranges', () => {
    const visit = 'day-1/post-120';
    let version = 0;

    it('refuses a physically impossible value with 400 and the allowed range', async () => {
      const response = await saveVitals(visit, ventilatedVitals(`${day1}T10:15`, { temperature: 24.5 }));
      expect(response.statusCode).toBe(400);
      const messages = response.json().details.fields.map((field: { message: string }) => field.message);
      expect(messages.join(' ')).toContain('25–45 Cel');
      const form = (await coordinator().get(formUrl(participantId, visit, 'vitals'))).json();
      expect(form.version).toBe(0);
    });

    it('saves a temperature of 33.2 °C on ECMO and opens a query on the field', async () => {
      const response = await saveVitals(
        visit,
        ventilatedVitals(`${day1}T10:15`, { temperature: 33.2, oxygenSupport: 'ecmo' }),
      );
      expect(response.statusCode, response.body).toBe(200);
      version = response.json().version;
      expect(response.json().queries).toEqual([
        expect.objectContaining({
          itemId: 'temperature',
          status: 'open',
          origin: 'edit_check',
        }),
      ]);
      expect(JSON.stringify(response.json().queries[0])).toContain('outside the usual range 34–41 Cel');
    });

    it('closes the query itself once the value is corrected into the range', async () => {
      const response = await saveVitals(visit, { temperature: 34.2 }, version, 'probe re-read');
      expect(response.statusCode, response.body).toBe(200);
      const queries = await t.database.read((db) =>
        db
          .selectFrom('data_query')
          .select(['item_id', 'status'])
          .where('study_id', '=', t.studyId)
          .where('record_id', '=', response.json().recordId)
          .execute(),
      );
      expect(queries).toEqual([{ item_id: 'temperature', status: 'closed' }]);
    });
  });

  describe('site settings', () => {
    const settingsUrl = () => `/api/v1/sites/${users.siteId}/settings`;

    it('are set by an administrator only, checked, and audited with old and new values', async () => {
      expect(
        (await coordinator().put(settingsUrl(), { altitudeM: 3650, barometricPressureMmHg: 495 })).statusCode,
      ).toBe(403);
      const noPressure = await as(t.app, admin).put(settingsUrl(), {
        altitudeM: 3650,
        barometricPressureMmHg: null,
      });
      expect(noPressure.statusCode).toBe(400);
      expect(noPressure.json().message + JSON.stringify(noPressure.json().details)).toContain('give it too');
      const tooHigh = await as(t.app, admin).put(settingsUrl(), {
        altitudeM: 9000,
        barometricPressureMmHg: 300,
      });
      expect(tooHigh.statusCode).toBe(400);
      const saved = await as(t.app, admin).put(settingsUrl(), {
        altitudeM: 3650,
        barometricPressureMmHg: 495,
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(saved.json()).toMatchObject({
        siteId: users.siteId,
        altitudeM: 3650,
        barometricPressureMmHg: 495,
      });
      const listed = (await coordinator().get('/api/v1/sites')).json();
      expect(listed.find((site: { siteId: string }) => site.siteId === users.siteId)).toMatchObject({
        altitudeM: 3650,
        barometricPressureMmHg: 495,
      });
      const events = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['old_value', 'new_value', 'actor_label'])
          .where('study_id', '=', t.studyId)
          .where('action', '=', 'site.settings.change')
          .execute(),
      );
      expect(events).toEqual([
        {
          old_value: { altitudeM: null, barometricPressureMmHg: null },
          new_value: { altitudeM: 3650, barometricPressureMmHg: 495 },
          actor_label: 'admin@example.org',
        },
      ]);
    });

    it('correct the PaO2/FiO2 of a new blood gas; one saved with its own altitude keeps its own', async () => {
      const gas = { sampledAt: `${day3}T09:00`, pao2: 60, fio2: 30 };
      const saved = await coordinator().put(formUrl(participantId, 'day-3', 'bloodGas'), {
        version: 0,
        entries: fields(gas),
      });
      expect(saved.statusCode, saved.body).toBe(200);
      const ratio = async () => {
        const values: RuleValues = (
          await coordinator().get(`/api/v1/participants/${participantId}/values?visitKey=day-3`)
        ).json().values;
        const { protocol } = await t.database.read((db) => currentProtocol(db, t.studyId));
        return deriveItemValues(protocol, values)['bloodGas.pfRatio'];
      };
      expect(await ratio()).toBeCloseTo((60 / 0.3) * (495 / 760), 3);
      // A record from before the site settings holds the altitude and pressure it was saved with.
      const legacy = await coordinator().put(formUrl(participantId, 'day-3', 'bloodGas'), {
        version: saved.json().version,
        entries: fields({ altitude: 2260, barometricPressure: 580 }),
      });
      expect(legacy.statusCode, legacy.body).toBe(200);
      expect(await ratio()).toBeCloseTo((60 / 0.3) * (580 / 760), 3);
    });
  });

  describe('the casebook grid and SDV', () => {
    it('counts a form as verified only while every mark is on the current revision', async () => {
      const saved = await saveVitals('day-2/pre-dose', ventilatedVitals(`${dateAfter(day1, 1)}T07:30`, {}));
      expect(saved.statusCode, saved.body).toBe(200);
      const { recordId, entries, version } = saved.json();
      const sdv = await as(t.app, users.monitor).post(`/api/v1/records/${recordId}/sdv`, {
        itemIds: Object.keys(entries),
      });
      expect(sdv.statusCode, sdv.body).toBe(200);
      const cell = async () =>
        (await coordinator().get(`/api/v1/participants/${participantId}/casebook`))
          .json()
          .cells.find((entry: { recordId: string }) => entry.recordId === recordId).state;
      expect(await cell()).toBe('verified');
      const changed = await saveVitals('day-2/pre-dose', { heartRate: 92 }, version, 'transcription');
      expect(changed.statusCode, changed.body).toBe(200);
      expect(await cell()).toBe('complete');
    });
  });

  describe('security settings in the protocol', () => {
    it('accepts security.administratorsMustUseTotp and applies it once loaded', async () => {
      const source = `${readFileSync('protocols/mexcovid.yaml', 'utf8').replace(
        /^version: .*$/m,
        'version: "1.1"',
      )}\nsecurity:\n  administratorsMustUseTotp: true\n`;
      const dataManager = as(t.app, users.dataManager);
      const checked = await dataManager.post('/api/v1/protocol/validate', { source });
      expect(checked.json()).toMatchObject({ ok: true });
      const wrong = source.replace('administratorsMustUseTotp: true', 'administratorsMustUseTotp: sometimes');
      const refused = await dataManager.post('/api/v1/protocol/validate', { source: wrong });
      expect(refused.json()).toMatchObject({
        ok: false,
        problems: [{ path: 'security.administratorsMustUseTotp' }],
      });
      expect(await t.database.read((db) => adminTotpRequired(db, t.studyId, false))).toBe(false);
      const loaded = await dataManager.post('/api/v1/protocol/versions', {
        source,
        reason: 'TOTP for admins',
      });
      expect(loaded.statusCode, loaded.body).toBe(201);
      expect(await t.database.read((db) => adminTotpRequired(db, t.studyId, false))).toBe(true);
    });
  });
});
