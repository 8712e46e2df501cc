import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import type { UserView } from '../../src/auth/auth.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { DomainError } from '../../src/kernel/errors.ts';
import { changeStatus, recordScreenOutcome } from '../../src/participants/lifecycle.service.ts';
import { screenParticipant } from '../../src/participants/participant.service.ts';
import { listParticipants, participantDetail } from '../../src/participants/participant.views.ts';
import { registerLot } from '../../src/product/lot.service.ts';
import { dateInZone } from '../../src/study/site-time.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { CONCENTRATION, createPharmacists, createUnit, enrolledParticipant } from './product-fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// "Today" at a site is the site's calendar date. The default site is in Asia/Shanghai (UTC+8), whose
// date turns at 16:00 UTC: from then until midnight UTC a date taken from the UTC clock is a day
// behind. Each check runs the services with an explicit clock on either side of 16:00 UTC.
const utcMidnight = Math.floor(Date.now() / DAY) * DAY;
/** 23:30 in Shanghai, still the UTC date's day there. */
const before = new Date(utcMidnight + 15.5 * HOUR);
/** 00:30 the next day in Shanghai, while UTC is still on its date. */
const after = new Date(utcMidnight + 16.5 * HOUR);
const utcDate = dateInZone(after, 'UTC');
const shanghaiNextDay = dateInZone(after, 'Asia/Shanghai');

const caller = (user: UserView) => ({
  user,
  actor: { type: 'user' as const, userId: user.userId, label: user.email },
});

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describeEachDatabase("a site's today is its own calendar date", (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let coordinator: ReturnType<typeof caller>;
  let pharmacist: ReturnType<typeof caller>;
  let freezer: string;
  let depot: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    const staff = await createPharmacists(t, users);
    freezer = await createUnit(t, staff.pharmacist, 'RJ-F1', users.siteId);
    depot = await createUnit(t, staff.pharmacist, 'DEPOT-1', null);
    const [coordinatorUser, pharmacistUser] = await t.database.transaction(async (trx) => [
      await createUser(trx, t.studyId, systemActor('test'), {
        email: 'clock-coordinator@example.org',
        name: 'Clock Coordinator',
        roles: ['study_coordinator'],
        siteIds: [users.siteId],
        password: 'clock coordinator password',
      }),
      await createUser(trx, t.studyId, systemActor('test'), {
        email: 'clock-pharmacist@example.org',
        name: 'Clock Pharmacist',
        roles: ['pharmacist'],
        siteIds: [users.siteId],
        password: 'clock pharmacist password',
      }),
    ]);
    coordinator = caller(coordinatorUser);
    pharmacist = caller(pharmacistUser);
  });
  afterAll(async () => t?.close());

  it('takes the two clocks on the two sides of the Shanghai midnight', () => {
    expect(dateInZone(before, 'Asia/Shanghai')).toBe(utcDate);
    expect(shanghaiNextDay).toBe(dateInZone(new Date(utcMidnight + DAY), 'UTC'));
    expect(shanghaiNextDay > utcDate).toBe(true);
  });

  describe('screening', () => {
    it("accepts the site's date just after its midnight, though UTC is still on the day before", async () => {
      const participantId = await screenParticipant(
        t.database,
        t.studyId,
        coordinator,
        { siteId: users.siteId, screeningDate: shanghaiNextDay },
        after,
      );
      const detail = await t.database.read((db) =>
        db
          .selectFrom('participant')
          .select(['screening_date'])
          .where('participant_id', '=', participantId)
          .executeTakeFirstOrThrow(),
      );
      expect(detail.screening_date).toBe(shanghaiNextDay);
    });

    it('refuses the same date an hour earlier, when it is still tomorrow at the site, naming today', async () => {
      const error = await refusal(
        screenParticipant(
          t.database,
          t.studyId,
          coordinator,
          { siteId: users.siteId, screeningDate: shanghaiNextDay },
          before,
        ),
      );
      expect(error.code).toBe('validation_failed');
      expect(error.message + JSON.stringify(error.details)).toContain(`today at the site is ${utcDate}`);
    });

    it("dates a screen outcome with the site's date", async () => {
      const participantId = await screenParticipant(
        t.database,
        t.studyId,
        coordinator,
        { siteId: users.siteId, screeningDate: utcDate },
        after,
      );
      await recordScreenOutcome(
        t.database,
        t.studyId,
        coordinator,
        participantId,
        { outcome: 'declined', reason: 'Prefers not to take part', version: 1 },
        after,
      );
      const row = await t.database.read((db) =>
        db
          .selectFrom('participant')
          .select(['status', 'status_date'])
          .where('participant_id', '=', participantId)
          .executeTakeFirstOrThrow(),
      );
      expect(row).toEqual({ status: 'declined', status_date: shanghaiNextDay });
    });
  });

  describe('end of participation', () => {
    it("accepts a withdrawal dated the site's today and refuses it while that date is still tomorrow there", async () => {
      const day1 = dateInZone(new Date(utcMidnight - 2 * DAY), 'UTC');
      const participantId = await enrolledParticipant(t, users.siteId, 'RJ-901', day1);
      const input = {
        status: 'withdrawn' as const,
        date: shanghaiNextDay,
        reason: 'Withdrew consent',
        version: 1,
      };
      const error = await refusal(
        changeStatus(t.database, t.studyId, coordinator, participantId, input, before),
      );
      expect(error.code).toBe('validation_failed');
      expect(JSON.stringify(error.details)).toContain(`today at the site (${utcDate})`);
      await changeStatus(t.database, t.studyId, coordinator, participantId, input, after);
      const row = await t.database.read((db) =>
        db
          .selectFrom('participant')
          .select(['status', 'status_date'])
          .where('participant_id', '=', participantId)
          .executeTakeFirstOrThrow(),
      );
      expect(row).toEqual({ status: 'withdrawn', status_date: shanghaiNextDay });
    });
  });

  describe('the participant list', () => {
    it("shows as next visit the first whose window is still open on the site's today", async () => {
      const participantId = await enrolledParticipant(t, users.siteId, 'RJ-902', utcDate);
      const next = async (clock: Date) => {
        const list = await t.database.read((db) =>
          listParticipants(db, t.studyId, coordinator, { limit: 50, search: 'RJ-902' }, clock),
        );
        const detail = await t.database.read((db) =>
          participantDetail(db, t.studyId, coordinator, participantId, clock),
        );
        expect(list.items.map((item) => item.nextVisit?.visitId)).toEqual([detail.nextVisit?.visitId]);
        return detail.nextVisit?.visitId;
      };
      // The day-1 dose visit (window ±0 days) is open through its own date at the site; once that date
      // has passed there, the first open visit is the daily status (from day 1 to day 28).
      expect(await next(before)).toBe('day-1');
      expect(await next(after)).toBe('daily-status');
    });
  });

  describe('lot registration', () => {
    const lot = (lotNumber: string, unitId: string) => ({
      lotNumber,
      manufacturer: 'Cellular Biomedicine Lab',
      manufacturedOn: shanghaiNextDay,
      concentrationPerMl: CONCENTRATION,
      volumeMl: 3,
      vialCount: 1,
      unitId,
    });

    it("refuses a manufacture date after today in the unit's zone, naming that day", async () => {
      const error = await refusal(
        registerLot(t.database, t.studyId, pharmacist, lot('EXO-Z1', freezer), before),
      );
      expect(error.code).toBe('validation_failed');
      expect(JSON.stringify(error.details)).toContain(`today in Asia/Shanghai is ${utcDate}`);
    });

    it("accepts a lot made on the site's today, at a site freezer and at a central depot (the study's zone)", async () => {
      for (const [lotNumber, unitId] of [
        ['EXO-Z2', freezer],
        ['EXO-Z3', depot],
      ] as const) {
        const lotId = await registerLot(t.database, t.studyId, pharmacist, lot(lotNumber, unitId), after);
        const row = await t.database.read((db) =>
          db
            .selectFrom('product_lot')
            .select(['manufactured_on', 'status'])
            .where('lot_id', '=', lotId)
            .executeTakeFirstOrThrow(),
        );
        expect(row).toEqual({ manufactured_on: shanghaiNextDay, status: 'pending' });
      }
    });
  });
});
