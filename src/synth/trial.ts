import type { FormRecordView } from '../crf/crf.schema.ts';
import { saveForm } from '../crf/form.service.ts';
import { actOnQuery, raiseQuery } from '../crf/query.service.ts';
import type { Database, Db } from '../db/connection.ts';
import { TransactionBatches } from '../db/transaction-batch.ts';
import { decideDeviation } from '../deviations/deviation.service.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, validationFailed } from '../kernel/errors.ts';
import { recordConsent } from '../participants/consent.service.ts';
import { changeStatus, enrolParticipant, recordScreenOutcome } from '../participants/lifecycle.service.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import { confirmEligibility, screenParticipant } from '../participants/participant.service.ts';
import { studyDayDate, studyDayOf } from '../participants/schedule.ts';
import type { Protocol } from '../protocol/schema.ts';
import { MAX_KITS } from '../randomisation/kit-list.schema.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { baselineState, type CourseRecord, participantCourse } from './clinical-course.ts';
import { codeWithSyntheticDictionaries } from './coding-dictionaries.ts';
import { type DosingSafetyCounts, DosingSafetyWriter } from './dosing-safety.ts';
import {
  addDays,
  at,
  bloodGas,
  clinicalStatus,
  conmeds,
  type FormValues,
  failureReasons,
  fieldsOf,
  makeProfile,
  type PatientProfile,
  type ScreenFailure,
  screenFailures,
  screeningForms,
  vitals,
} from './patient-forms.ts';
import { ProductSupply, type SupplyCounts } from './product-supply.ts';
import { type Random, seededRandom } from './random.ts';
import {
  checkListCapacity,
  demoKitTypes,
  regimenOf,
  sealDemoKitList,
  sealDemoList,
  stratificationValues,
} from './randomised.ts';
import {
  type DemoSite,
  type DemoStaff,
  demoLockout,
  demoSites,
  demoStaff,
  newDemoPassword,
} from './staff.ts';
import { type SyntheticTrialCounts, syntheticTrialCounts } from './summary.ts';

export interface SyntheticTrialOptions {
  /** People screened (every one gets a screening number); about 7 in 10 are enrolled. */
  subjects: number;
  sites: number;
  seed: number;
  /** The last day of the synthetic trial (default today, UTC); the same seed and day give the same data. */
  asOf?: string;
  /** Password of the demonstration accounts (default: a new random one). */
  password?: string;
  /** Add to a database that holds real (non-synthetic) participants. */
  force?: boolean;
  /** People written in one transaction (default 20): the data are the same for any number. */
  peoplePerCommit?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticTrialResult {
  sites: DemoSite[];
  staff: Array<{ email: string; name: string; roles: string[] }>;
  password: string;
  counts: SyntheticTrialCounts;
  /** What the generator wrote through the product, dosing and safety services. */
  written: { product: SupplyCounts } & DosingSafetyCounts;
  /** The sealed list and how many were allocated, when the protocol randomises. */
  randomisation: { listHash: string; entries: number; allocated: number } | null;
}

type Course = { kind: 'ongoing' } | { kind: 'withdraws'; day: number } | { kind: 'dies'; day: number };

interface Plan {
  siteId: string;
  screeningDate: string;
  outcome: 'enrolled' | 'screen_failed' | 'declined';
  failure: ScreenFailure | null;
  course: Course;
  random: Random;
}

const SPAN_DAYS = 56;
/**
 * People written in one transaction: every service call still checks and audits, but a batch commits
 * once and writes its audit events in one statement (see TransactionBatches).
 */
const PEOPLE_PER_COMMIT = 20;
const todayUtc = () => new Date().toISOString().slice(0, 10);

/** Who is screened where and when, and what becomes of them: all drawn from the seed before any write. */
function planTrial(random: Random, subjects: number, sites: DemoSite[], asOf: string): Plan[] {
  const failures = subjects >= 3 ? Math.max(1, Math.round(subjects * 0.2)) : 0;
  const declines = subjects >= 5 ? Math.max(1, Math.round(subjects * 0.07)) : 0;
  const outcomes = random.shuffle([
    ...Array<Plan['outcome']>(failures).fill('screen_failed'),
    ...Array<Plan['outcome']>(declines).fill('declined'),
    ...Array<Plan['outcome']>(subjects - failures - declines).fill('enrolled'),
  ]);
  const failureKinds = random.shuffle(screenFailures);
  let nextFailure = 0;
  const plans = outcomes.map((outcome, index): Plan & { index: number } => ({
    index,
    siteId: random.pick(sites).siteId,
    screeningDate: addDays(asOf, -random.int(1, SPAN_DAYS)),
    outcome,
    failure:
      outcome === 'screen_failed' ? (failureKinds[nextFailure++ % failureKinds.length] ?? 'age') : null,
    course: { kind: 'ongoing' },
    random: random.fork(`participant ${index}`),
  }));
  plans.sort((a, b) => a.screeningDate.localeCompare(b.screeningDate) || a.index - b.index);
  // About 7% of those enrolled long enough ago die (the background's ~10% in severe disease) and 2%
  // withdraw; at least one of each when the trial is long enough for them to have happened.
  const daysFollowed = (plan: Plan) => studyDayOf(addDays(plan.screeningDate, 1), asOf);
  const enrolled = plans.filter((plan) => plan.outcome === 'enrolled');
  let deaths = 0;
  let withdrawals = 0;
  for (const plan of enrolled) {
    const followed = daysFollowed(plan);
    if (followed >= 12 && (deaths === 0 || random.chance(0.07))) {
      plan.course = { kind: 'dies', day: random.int(8, Math.min(20, followed)) };
      deaths++;
    } else if (followed >= 5 && (withdrawals === 0 || random.chance(0.02))) {
      plan.course = { kind: 'withdraws', day: random.int(3, Math.min(8, followed)) };
      withdrawals++;
    }
  }
  return plans;
}

/**
 * Fills the study with a synthetic MEXCOVID trial through the same services the API calls, as the
 * synthetic trial team: screening (failures with their criteria, declines), consent, eligibility
 * signed by the investigator, enrolment, visits with form data (some failing soft edit checks, which
 * raises queries that are then answered, corrected or closed), a withdrawal and a death. Every
 * participant is marked synthetic. The same seed and `asOf` day give the same data. The forms are
 * MEXCOVID's (the shipped protocol and its randomised example share them); a protocol that randomises
 * gets its list sealed by the statistician first, and each participant is allocated at enrolment and
 * dosed by their arm's regimen (see randomised.ts).
 */
export async function generateSyntheticTrial(
  database: Database,
  studyId: string,
  options: SyntheticTrialOptions,
): Promise<SyntheticTrialResult> {
  const asOf = options.asOf ?? todayUtc();
  if (asOf > todayUtc())
    throw validationFailed([{ field: 'asOf', message: 'The trial cannot end in the future.' }]);
  if (!Number.isInteger(options.subjects) || options.subjects < 1 || options.subjects > 10_000) {
    throw validationFailed([
      { field: 'subjects', message: 'Give a whole number of subjects from 1 to 10000.' },
    ]);
  }
  if (!Number.isInteger(options.sites) || options.sites < 1 || options.sites > 50) {
    throw validationFailed([{ field: 'sites', message: 'Give a whole number of sites from 1 to 50.' }]);
  }
  const real = await database.read(async (db) =>
    db
      .selectFrom('participant')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('study_id', '=', studyId)
      .where('synthetic', '=', false)
      .executeTakeFirstOrThrow(),
  );
  if (Number(real.count) > 0 && !options.force) {
    throw conflict(
      `The database holds ${real.count} real (non-synthetic) participant(s): refusing to mix synthetic data in. ` +
        'Use an empty database (--data DIR), or --force if you really mean it.',
    );
  }
  const password = options.password ?? newDemoPassword();
  const batches = new TransactionBatches(database);
  const { protocol } = await database.read((db) => currentProtocol(db, studyId));
  const { sites, staff } = await database.transaction(async (trx) => {
    const sites = await demoSites(trx, studyId, options.sites);
    const statistician = protocol.randomisation !== undefined;
    const depot = protocol.supply !== undefined;
    return { sites, staff: await demoStaff(trx, studyId, sites, password, { statistician, depot }) };
  });
  await codeWithSyntheticDictionaries(database, studyId, staff.dataManager);
  const random = seededRandom(options.seed);
  const plans = planTrial(random, options.subjects, sites, asOf);
  const enrolments = new Map<string, number>();
  for (const plan of plans.filter((entry) => entry.outcome === 'enrolled'))
    enrolments.set(plan.siteId, (enrolments.get(plan.siteId) ?? 0) + 1);
  checkListCapacity(protocol, enrolments);
  const large = options.subjects > 300;
  const lotSize = large ? 2000 : 200;
  const shipmentSize = large ? 100 : 30;
  const firstScreening = plans[0]?.screeningDate ?? asOf;
  const kitTypes = demoKitTypes(protocol);
  if (kitTypes && staff.depot && staff.statistician) {
    // Enough kit numbers for every dose, the depot's lots and each site's stock, with room to spare.
    const enrolled = [...enrolments.values()].reduce((sum, count) => sum + count, 0);
    const kitCount = Math.min(
      MAX_KITS,
      3 * lotSize + 3 * enrolled * protocol.regimen.numberOfDoses + 2 * sites.length * shipmentSize,
    );
    await sealDemoKitList(
      database,
      studyId,
      staff.statistician,
      { seed: options.seed, kitCount },
      new Date(Date.parse(`${addDays(firstScreening, -15)}T01:00:00Z`)),
    );
  }
  const supply = new ProductSupply(
    batches,
    studyId,
    staff.pharmacist,
    password,
    random.fork('product'),
    lotSize,
    shipmentSize,
    kitTypes && staff.depot ? { depot: staff.depot, types: kitTypes } : null,
  );
  // The list covers the sites taking part, so it is generated once they exist, before anyone is screened.
  const list = staff.statistician
    ? await sealDemoList(
        database,
        studyId,
        staff.statistician,
        options.seed,
        new Date(Date.parse(`${addDays(firstScreening, -15)}T01:00:00Z`)),
      )
    : null;
  const now = new Date();
  const endOfDay = new Date(Date.parse(`${asOf}T23:00:00Z`));
  await batches.batch(() =>
    supply.setUp(
      sites,
      new Date(Date.parse(`${addDays(firstScreening, -14)}T01:00:00Z`)),
      endOfDay < now ? endOfDay : now,
    ),
  );
  const dosingSafety = new DosingSafetyWriter(
    batches,
    studyId,
    staff.pharmacist,
    staff.safetyOfficer,
    supply,
    password,
    protocol,
  );
  const writer = new TrialWriter(batches, studyId, protocol, staff, password, asOf, dosingSafety);
  let feverShown = false;
  const perCommit = options.peoplePerCommit ?? PEOPLE_PER_COMMIT;
  for (let start = 0; start < plans.length; start += perCommit) {
    await batches.batch(async () => {
      for (const [offset, plan] of plans.slice(start, start + perCommit).entries()) {
        if (!sites.some((entry) => entry.siteId === plan.siteId)) throw new Error(`no site ${plan.siteId}`);
        // The first enrolled participant always shows the soft edit check at work.
        const forceFever = plan.outcome === 'enrolled' && !feverShown;
        if (forceFever) feverShown = true;
        await writer.participant(plan, forceFever);
        options.onProgress?.(start + offset + 1, plans.length);
      }
    });
  }
  return {
    sites,
    staff: staff.all.map((user) => ({ email: user.email, name: user.name, roles: user.roles })),
    password,
    counts: await database.read((db) => syntheticTrialCounts(db, studyId)),
    written: { product: supply.counts, ...dosingSafety.counts },
    randomisation: list && {
      ...list,
      allocated: await database.read((db) => allocationCount(db, studyId)),
    },
  };
}

const allocationCount = async (db: Db, studyId: string) =>
  Number(
    (
      await db
        .selectFrom('randomisation_allocation')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('study_id', '=', studyId)
        .executeTakeFirstOrThrow()
    ).count,
  );

/** The visit one participant attends a day late (its window is the day itself). */
const LATE_VISIT_DAY = 6;
type CourseDays = ReturnType<typeof participantCourse>['days'];

/** The dose's time of day in the demo (UTC; 09:00 in Shanghai): timepoints are placed around it. */
const DOSE_MINUTE_OF_DAY = 60;

const clockTime = (minuteOfDay: number) =>
  `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

/**
 * Where the protocol takes vital signs, by study day: the dose visits' timepoints that list its
 * dose-vitals form, and the later scheduled visits that list it. The patient model's values go there.
 */
function vitalsPlan(protocol: Protocol) {
  const form = protocol.doseVitals?.form;
  const listed = (forms: readonly string[]) => form !== undefined && forms.includes(form);
  const doseDays = new Map<
    number,
    { visitId: string; timepoints: Array<{ id: string; minutesFromDose: number }> }
  >();
  const visitDays = new Map<number, string>();
  for (const visit of protocol.schedule.visits) {
    if (visit.repeat || visit.kind === 'screening' || visit.kind === 'unscheduled' || visit.day < 1) continue;
    if (protocol.regimen.doseVisits.includes(visit.id)) {
      const timepoints = visit.timepoints
        .filter((timepoint) => listed(timepoint.forms))
        .sort((a, b) => a.minutesFromDose - b.minutesFromDose);
      doseDays.set(visit.day, { visitId: visit.id, timepoints });
    } else if (listed(visit.forms)) visitDays.set(visit.day, visit.id);
  }
  return { doseDays, visitDays };
}

/** Writes one planned participant through the services, as the site's staff and the monitor. */
class TrialWriter {
  /** Whether a late visit, and the deviation it proposes, has been written yet. */
  private lateVisitShown = false;

  constructor(
    private readonly database: Database,
    private readonly studyId: string,
    private readonly protocol: Protocol,
    private readonly staff: DemoStaff,
    private readonly password: string,
    private readonly asOf: string,
    private readonly dosingSafety: DosingSafetyWriter,
  ) {}

  private siteStaff(siteId: string) {
    const people = this.staff.bySite.get(siteId);
    if (!people) throw new Error(`no staff at ${siteId}`);
    return people;
  }

  private version(participantId: string): Promise<number> {
    return this.database.read(async (db) => (await findParticipant(db, this.studyId, participantId)).version);
  }

  private save(
    caller: Caller,
    participantId: string,
    visitKey: string,
    formId: string,
    values: FormValues,
    instance = 1,
  ) {
    return saveForm(
      this.database,
      this.studyId,
      caller,
      { participantId, visitKey, formId, instance },
      { version: 0, entries: fieldsOf(values) },
    );
  }

  private saveRecord(caller: Caller, participantId: string, record: CourseRecord) {
    return this.save(caller, participantId, record.visitKey, record.formId, record.values, record.instance);
  }

  async participant(plan: Plan, forceFever: boolean): Promise<void> {
    const { random } = plan;
    const { coordinator, investigator } = this.siteStaff(plan.siteId);
    const participantId = await screenParticipant(this.database, this.studyId, coordinator, {
      siteId: plan.siteId,
      screeningDate: plan.screeningDate,
      synthetic: true,
    });
    if (plan.outcome === 'declined') {
      await recordScreenOutcome(this.database, this.studyId, coordinator, participantId, {
        outcome: 'declined',
        reason: random.pick([
          'Declined to take part after the information session',
          'The family preferred standard care only',
        ]),
        version: await this.version(participantId),
      });
      return;
    }
    const profile = makeProfile(random, plan.failure, plan.screeningDate);
    const byRepresentative = profile.baseline === 6;
    await recordConsent(this.database, this.studyId, coordinator, participantId, {
      formVersion: '1.0',
      consentedAt: at(plan.screeningDate, '01:00'),
      signer: byRepresentative ? 'legal_representative' : 'participant',
      ...(byRepresentative
        ? { representativeName: 'Synthetic Relative', representativeRelation: 'spouse' }
        : {}),
    });
    await this.screeningVisit(plan, profile, participantId, byRepresentative);
    if (plan.failure) {
      await recordScreenOutcome(this.database, this.studyId, coordinator, participantId, {
        outcome: 'screen_failed',
        reason: failureReasons[plan.failure],
        version: await this.version(participantId),
      });
      return;
    }
    await confirmEligibility(
      this.database,
      this.studyId,
      investigator,
      demoLockout,
      participantId,
      this.password,
    );
    const day1Date = addDays(plan.screeningDate, 1);
    await enrolParticipant(this.database, this.studyId, coordinator, participantId, {
      day1Date,
      version: await this.version(participantId),
    });
    await this.followUp(plan, profile, participantId, day1Date, forceFever);
  }

  private async screeningVisit(
    plan: Plan,
    profile: PatientProfile,
    participantId: string,
    byRepresentative: boolean,
  ): Promise<void> {
    const { random } = plan;
    const { coordinator } = this.siteStaff(plan.siteId);
    const forms = screeningForms(
      random,
      profile,
      plan.screeningDate,
      byRepresentative ? 'representative' : 'participant',
    );
    const strata = stratificationValues(this.protocol, profile);
    const screening = this.protocol.schedule.visits.find((visit) => visit.kind === 'screening');
    // The protocol's screening forms in its order (consent before the items derived from its date),
    // those the patient model writes; the rest are the model's own visits.
    const order = (screening?.forms ?? []).filter((formId): formId is keyof typeof forms => formId in forms);
    const vitalsForm = this.protocol.doseVitals?.form;
    let vitalsRecord: FormRecordView | undefined;
    for (const formId of order) {
      const values = { ...forms[formId], ...strata[formId] };
      const saved = await this.save(coordinator, participantId, screening?.id ?? 'screening', formId, values);
      if (formId === vitalsForm) vitalsRecord = saved;
    }
    const baseline = baselineState(random, plan.failure === 'not-severe' ? 3 : profile.baseline);
    await this.save(
      coordinator,
      participantId,
      'screening',
      'clinicalStatus',
      clinicalStatus(baseline, plan.screeningDate),
    );
    for (const [index, medication] of conmeds(random, profile, plan.screeningDate).entries()) {
      await this.save(coordinator, participantId, 'screening', 'conmeds', medication, index + 1);
    }
    // A monitor compares the screening vitals with the source now and then.
    if (vitalsRecord?.recordId && random.chance(0.25)) {
      await this.manualQuery(
        plan,
        vitalsRecord.recordId,
        'heartRate',
        random.pick(['open', 'answered', 'closed', 'closed'] as const),
      );
    }
  }

  private async manualQuery(
    plan: Plan,
    recordId: string,
    itemId: string,
    until: 'open' | 'answered' | 'closed',
  ): Promise<void> {
    const { coordinator } = this.siteStaff(plan.siteId);
    const raised = await raiseQuery(this.database, this.studyId, this.staff.monitor, {
      recordId,
      itemId,
      text: 'The source document shows a different value; please check.',
    });
    if (until === 'open') return;
    const answered = await actOnQuery(this.database, this.studyId, coordinator, raised.queryId, 'answer', {
      text: 'Checked against the nursing chart: the value entered is correct.',
      version: raised.version,
    });
    if (until === 'closed') {
      await actOnQuery(this.database, this.studyId, this.staff.monitor, raised.queryId, 'close', {
        text: 'Agreed, thank you.',
        version: answered.version,
      });
    }
  }

  /** Vitals, with the fever that trips the soft check now and then, and what the site does about it. */
  private async saveVitals(
    plan: Plan,
    participantId: string,
    visitKey: string,
    values: FormValues,
  ): Promise<void> {
    const { random } = plan;
    const { coordinator } = this.siteStaff(plan.siteId);
    const vitals = this.protocol.doseVitals;
    if (!vitals) return;
    const saved = await this.save(coordinator, participantId, visitKey, vitals.form, values);
    const query = saved.queries.find((entry) => entry.status === 'open' && entry.origin === 'edit_check');
    if (!query || !saved.recordId) return;
    const action = random.next();
    // Some queries wait for the site: recent ones especially.
    if (action >= 0.85) return;
    const temperature = vitals.items.temperature;
    if (action < 0.4 && temperature) {
      const corrected = random.decimal(38.1, 39.4, 1);
      await saveForm(
        this.database,
        this.studyId,
        coordinator,
        { participantId, visitKey, formId: vitals.form, instance: 1 },
        {
          version: saved.version,
          entries: { [temperature]: { value: corrected } },
          reason: `Transcription error: the nursing chart reads ${corrected} °C`,
        },
      );
      return;
    }
    const answered = await actOnQuery(this.database, this.studyId, coordinator, query.queryId, 'answer', {
      text: 'Confirmed against the nursing chart: hyperpyrexia, treated with cooling.',
      version: query.version,
    });
    if (random.chance(0.6)) {
      await actOnQuery(this.database, this.studyId, this.staff.monitor, query.queryId, 'close', {
        text: 'Accepted.',
        version: answered.version,
      });
    }
  }

  private async followUp(
    plan: Plan,
    profile: PatientProfile,
    participantId: string,
    day1Date: string,
    forceFever: boolean,
  ): Promise<void> {
    const { random } = plan;
    const { coordinator } = this.siteStaff(plan.siteId);
    const followed = Math.min(28, studyDayOf(day1Date, this.asOf));
    const course = participantCourse(random, {
      baseline: profile.baseline,
      fate: plan.course.kind === 'dies' ? { kind: 'dies', day: plan.course.day } : { kind: 'recovers' },
      day1Date,
      lastDay: plan.course.kind === 'ongoing' ? followed : Math.min(followed, plan.course.day),
    });
    const fever = () => random.chance(0.02);
    const late = this.lateVisit(course.days, day1Date);
    const regimen = await this.database.read((db) =>
      regimenOf(db, this.studyId, this.protocol, participantId),
    );
    const doseVisits = new Set(regimen.doseVisits);
    const vitalsAt = vitalsPlan(this.protocol);
    for (const { day, date, state, inHospital, inPerson, records } of course.days) {
      const status = records.find((record) => record.visitKey === 'daily-status');
      const visitRecords = records.filter((record) => record !== status);
      if (status) await this.saveRecord(coordinator, participantId, status);
      if (state.category === 7) break;
      let dayVitals: FormValues | undefined;
      const doseDay = vitalsAt.doseDays.get(day);
      if (doseDay && inHospital) {
        // The dose is given after the readings before it, when its time has come.
        const given =
          doseVisits.has(doseDay.visitId) && Date.parse(at(date, clockTime(DOSE_MINUTE_OF_DAY))) < Date.now();
        let dosed = false;
        const giveDose = async () => {
          if (dosed || !given) return;
          dosed = true;
          await this.dosingSafety.dose(random, {
            participantId,
            siteId: plan.siteId,
            visitId: doseDay.visitId,
            date,
            coordinator,
            volumeMl: regimen.volume.amount,
          });
        };
        for (const [index, timepoint] of doseDay.timepoints.entries()) {
          if (timepoint.minutesFromDose >= 0) await giveDose();
          const forced = forceFever && index === 0 && day === 1;
          const values = vitals(
            random,
            state,
            at(date, clockTime(DOSE_MINUTE_OF_DAY + timepoint.minutesFromDose)),
            {
              fever: forced || fever(),
            },
          );
          dayVitals ??= values;
          await this.saveVitals(plan, participantId, `${doseDay.visitId}/${timepoint.id}`, values);
        }
        await giveDose();
      }
      const visitId = vitalsAt.visitDays.get(day);
      if (visitId && inPerson) {
        const visitDate = late && day === LATE_VISIT_DAY ? addDays(date, 1) : date;
        dayVitals = vitals(random, state, at(visitDate, '02:00'), { fever: fever() });
        await this.saveVitals(plan, participantId, visitId, dayVitals);
        if (late && day === LATE_VISIT_DAY) await this.confirmDeviations(participantId);
      }
      for (const record of visitRecords) {
        await this.saveRecord(coordinator, participantId, record);
        // A blood gas is drawn with the labs while in hospital, read against the day's vitals.
        if (record.formId === 'labs' && inHospital && dayVitals) {
          await this.save(
            coordinator,
            participantId,
            record.visitKey,
            'bloodGas',
            bloodGas(random, dayVitals),
          );
        }
      }
    }
    await this.dosingSafety.adverseEvents(
      random,
      { participantId, investigator: this.siteStaff(plan.siteId).investigator, coordinator },
      day1Date,
      plan.course.kind === 'withdraws' ? Math.min(followed, plan.course.day) : followed,
      course.worsens,
      course.deathDay,
    );
    await this.endOfStudy(plan, participantId, day1Date, followed);
  }

  /**
   * Whether this participant's day-6 vitals are taken a day late (outside the visit's same-day window),
   * which proposes a protocol deviation: once in a trial, for the first participant seen in hospital on
   * day 6 who is alive on day 7, with day 7 before the trial's last day so the date is never in the future.
   */
  private lateVisit(days: CourseDays, day1Date: string): boolean {
    if (this.lateVisitShown) return false;
    const onDay = (day: number) => days.find((entry) => entry.day === day);
    const visit = onDay(LATE_VISIT_DAY);
    const next = onDay(LATE_VISIT_DAY + 1);
    const late =
      visit?.inPerson === true &&
      next !== undefined &&
      next.state.category !== 7 &&
      studyDayDate(day1Date, LATE_VISIT_DAY + 1) < this.asOf;
    if (late) this.lateVisitShown = true;
    return late;
  }

  /** The monitor confirms the deviations the services proposed for a participant, as a minor one. */
  private async confirmDeviations(participantId: string): Promise<void> {
    const proposed = await this.database.read((db) =>
      db
        .selectFrom('protocol_deviation')
        .select(['deviation_id', 'version'])
        .where('study_id', '=', this.studyId)
        .where('participant_id', '=', participantId)
        .where('status', '=', 'proposed')
        .orderBy('occurred_on')
        .execute(),
    );
    for (const deviation of proposed) {
      await decideDeviation(this.database, this.studyId, this.staff.monitor, deviation.deviation_id, {
        decision: 'confirm',
        version: deviation.version,
        severity: 'minor',
        correctiveAction: 'Site reminded to take visit assessments on the scheduled day.',
      });
    }
  }

  private async endOfStudy(plan: Plan, participantId: string, day1Date: string, followed: number) {
    const { coordinator } = this.siteStaff(plan.siteId);
    const course = plan.course;
    const ending =
      course.kind === 'dies'
        ? {
            status: 'died' as const,
            day: course.day,
            form: { status: 'death', deathDate: studyDayDate(day1Date, course.day) },
            reason: 'Death from progressive respiratory failure',
          }
        : course.kind === 'withdraws'
          ? {
              status: 'withdrawn' as const,
              day: course.day,
              form: {
                status: 'withdrew-consent',
                reason: 'Withdrew consent; agreed to keep the data collected',
              },
              reason: 'Withdrew consent',
            }
          : followed >= 28
            ? {
                status: 'completed' as const,
                day: 28,
                form: { status: 'completed' },
                reason: 'Completed day 28',
              }
            : null;
    if (!ending) return;
    const date = studyDayDate(day1Date, ending.day);
    const endVisit = this.protocol.schedule.visits.find((visit) => visit.kind === 'end-of-study');
    if (!endVisit)
      throw new Error('the protocol has no end-of-study visit for the demo to close participants at');
    await this.save(coordinator, participantId, endVisit.id, 'endOfStudy', {
      ...ending.form,
      lastContactDate: date,
      contactMode: ending.status === 'completed' && plan.random.chance(0.3) ? 'telephone' : 'visit',
    });
    await changeStatus(this.database, this.studyId, coordinator, participantId, {
      status: ending.status,
      date,
      reason: ending.reason,
      version: await this.version(participantId),
    });
  }
}
