import { allowedCodes } from '../crf/form-checks.ts';
import type { Database } from '../db/connection.ts';
import { recordAdministration } from '../dosing/administration.service.ts';
import type { Caller } from '../kernel/caller.ts';
import { dispenseVial, proposeVial } from '../product/dispensing.service.ts';
import { doseRecordDeviceItem, regimenDevice } from '../protocol/dose-record-form.ts';
import type { Protocol } from '../protocol/schema.ts';
import { createAdverseEvent } from '../safety/adverse-event.service.ts';
import { recordSubmission } from '../safety/submission.service.ts';
import { addDays, at, type FormValues, fieldsOf } from './patient-forms.ts';
import type { ProductSupply } from './product-supply.ts';
import type { Random } from './random.ts';
import { demoLockout } from './staff.ts';

// Doses and adverse events of the synthetic trial, through the dosing, product and safety services:
// the pharmacist dispenses a vial (the one the system proposes) before each inhalation, the
// coordinator records the dose; the investigator records and assesses adverse events; serious ones
// are reported to the sponsor, nearly always within the 24-hour clock.

export interface DosingSafetyCounts {
  doses: { completed: number; interrupted: number; notGiven: number };
  adverseEvents: number;
  serious: number;
  related: number;
  fatal: number;
  siteReports: { onTime: number; late: number };
  sponsorReports: number;
}

export const emptyDosingSafetyCounts = (): DosingSafetyCounts => ({
  doses: { completed: 0, interrupted: 0, notGiven: 0 },
  adverseEvents: 0,
  serious: 0,
  related: 0,
  fatal: 0,
  siteReports: { onTime: 0, late: 0 },
  sponsorReports: 0,
});

/** Times of a dose day (UTC; 08:20 to 09:00 in Shanghai): vial, inhalation start and end. */
const DISPENSED = '00:20';
const STARTED = '00:45';
const ENDED = '01:00';

export interface DoseContext {
  participantId: string;
  siteId: string;
  visitId: string;
  date: string;
  coordinator: Caller;
  /** The volume of a whole dose in the participant's regimen (their arm's, when arms differ). */
  volumeMl: number;
}

/** Non-serious events seen in such patients: term, likely grade, WHO-UMC causality, inhalation-associated. */
const commonEvents = [
  ['Headache', 1, 'unlikely', false],
  ['Nausea', 1, 'unlikely', false],
  ['Diarrhoea', 1, 'unlikely', false],
  ['Insomnia', 1, 'unlikely', false],
  ['Alanine aminotransferase increased', 2, 'possible', false],
  ['Hypokalaemia', 2, 'unlikely', false],
  ['Cough during nebulisation', 1, 'probable', true],
  ['Chest tightness after nebulisation', 1, 'possible', true],
] as const;

export class DosingSafetyWriter {
  readonly counts = emptyDosingSafetyCounts();
  private susarWritten = false;
  private lateWritten = false;

  constructor(
    private readonly database: Database,
    private readonly studyId: string,
    private readonly pharmacist: Caller,
    private readonly safetyOfficer: Caller,
    private readonly supply: ProductSupply,
    /** The accounts' password: a recorded report is signed with it. */
    private readonly password: string,
    private readonly protocol: Protocol,
  ) {}

  /** The device a dose is given with, when a regimen uses one: the first the dose record form allows. */
  private device(): string | undefined {
    const device = regimenDevice(this.protocol);
    if (!device) return undefined;
    const item = doseRecordDeviceItem(this.protocol);
    return (item ? allowedCodes(this.protocol, item)[0] : undefined) ?? device.kind;
  }

  /**
   * One scheduled dose: about 94% completed, 3% interrupted (coughing), 3% not given (refused, or
   * too unstable that morning); a given dose is dispensed first from the site's stock.
   */
  async dose(random: Random, context: DoseContext): Promise<'completed' | 'interrupted' | 'not-given'> {
    const draw = random.next();
    const status = draw < 0.94 ? 'completed' : draw < 0.97 ? 'interrupted' : 'not-given';
    if (status === 'not-given') {
      await recordAdministration(
        this.database,
        this.studyId,
        context.coordinator,
        context.participantId,
        context.visitId,
        {
          status,
          notGivenReason: random.pick([
            'Refused by the participant that morning',
            'Haemodynamically unstable; the investigator held the dose',
          ]),
          bronchospasm: false,
          newCough: false,
        },
      );
      this.counts.doses.notGiven++;
      return status;
    }
    const dispensedAt = new Date(at(context.date, DISPENSED));
    await this.supply.ensureStock(context.siteId, 1, dispensedAt, context.participantId);
    const proposal = await this.database.read((db) =>
      proposeVial(db, this.studyId, this.pharmacist, context.participantId, context.visitId, dispensedAt),
    );
    await dispenseVial(
      this.database,
      this.studyId,
      this.pharmacist,
      {
        participantId: context.participantId,
        visitId: context.visitId,
        expectedVialId: proposal.vial.vialId,
        scannedCode: proposal.vial.code,
      },
      dispensedAt,
    );
    await this.supply.took(context.siteId, context.participantId);
    const interrupted = status === 'interrupted';
    await recordAdministration(
      this.database,
      this.studyId,
      context.coordinator,
      context.participantId,
      context.visitId,
      {
        status,
        vialCode: proposal.vial.code,
        startedAt: at(context.date, STARTED),
        endedAt: interrupted ? at(context.date, '00:53') : at(context.date, ENDED),
        volumeMl: interrupted ? random.decimal(1, 2.2, 1) : context.volumeMl,
        device: this.device(),
        ...(interrupted ? { interruptionReason: 'Coughing fit; inhalation stopped' } : {}),
        bronchospasm: false,
        // The bedside observations of an inhaled dose exist only where the protocol watches for them.
        newCough: interrupted && this.protocol.safety.inhalationEvents !== undefined,
      },
    );
    if (status === 'completed') this.counts.doses.completed++;
    else this.counts.doses.interrupted++;
    return status;
  }

  private async event(investigator: Caller, participantId: string, values: FormValues): Promise<string> {
    const saved = await createAdverseEvent(this.database, this.studyId, investigator, participantId, {
      entries: fieldsOf(values),
    });
    this.counts.adverseEvents++;
    if (values.serious === true) this.counts.serious++;
    // The service's summary applies the protocol's causality mapping (src/safety/causality.ts), so the
    // demo's count and the safety tables cannot disagree on what "related" means.
    if (saved.summary.related === true) this.counts.related++;
    if (values.outcome === 'fatal') this.counts.fatal++;
    return saved.aeId;
  }

  /** The site's initial report of a serious event to the sponsor: within 24 hours, but one comes late. */
  private async siteReport(random: Random, coordinator: Caller, aeId: string, awareAt: Date) {
    const late = !this.lateWritten && random.chance(0.25);
    if (late) this.lateWritten = true;
    const hours = late ? random.int(28, 40) : random.decimal(2, 20, 1);
    await recordSubmission(
      this.database,
      this.studyId,
      coordinator,
      demoLockout,
      aeId,
      'site',
      {
        clockId: 'sae-to-sponsor',
        kind: 'initial',
        submittedAt: new Date(awareAt.getTime() + hours * 3_600_000).toISOString(),
        reference: `SAE-${aeId.slice(0, 8)}`,
        password: this.password,
      },
      // The synthetic reports keep their data; their PDF is printed from them when asked.
      { keepPdf: false },
    );
    if (late) this.counts.siteReports.late++;
    else this.counts.siteReports.onTime++;
  }

  /**
   * A participant's adverse events over the days followed (`lastDay`, a death on `deathDay`): about a
   * quarter have a mild, mostly unrelated event; a few have a mild inhalation-associated one; a
   * participant who worsens has a serious respiratory deterioration (unrelated); a death is a fatal
   * serious event; the first participant with a bronchospasm gives the trial its one SUSAR.
   */
  async adverseEvents(
    random: Random,
    who: { participantId: string; investigator: Caller; coordinator: Caller },
    day1Date: string,
    followedDays: number,
    worsens: boolean,
    deathDay: number | null,
  ): Promise<void> {
    const dateOf = (day: number) => addDays(day1Date, day - 1);
    // Events start and resolve on days already past (today's are still being written up).
    const lastDay = Math.min(followedDays - 1, deathDay ?? followedDays);
    if (lastDay < 1) return;
    const common = random.chance(0.28) ? random.int(1, 2) : 0;
    for (let number = 0; number < common; number++) {
      const [term, grade, causality, inhalation] = random.pick(commonEvents);
      const day = inhalation ? random.int(1, Math.min(5, lastDay)) : random.int(1, lastDay);
      const onset = at(dateOf(day), inhalation ? '01:10' : '06:00');
      const resolvedDay = Math.min(lastDay, day + random.int(0, 3));
      await this.event(who.investigator, who.participantId, {
        term,
        onsetAt: onset,
        ongoing: false,
        resolvedAt: at(dateOf(resolvedDay), '10:00'),
        grade: random.chance(0.8) ? grade : grade + 1,
        serious: false,
        causality,
        inhalationAssociated: inhalation,
        actionTaken: 'none',
        outcome: 'recovered',
      });
    }
    if (!this.susarWritten && lastDay >= 10 && random.chance(0.05)) {
      this.susarWritten = true;
      const awareAt = new Date(at(dateOf(2), '02:00'));
      const aeId = await this.event(who.investigator, who.participantId, {
        term: 'Bronchospasm during nebulisation',
        onsetAt: at(dateOf(2), '00:55'),
        ongoing: false,
        resolvedAt: at(dateOf(3), '08:00'),
        grade: 3,
        serious: true,
        seriousnessCriteria: ['important-medical-event'],
        awareAt: awareAt.toISOString(),
        causality: 'probable',
        expected: false,
        inhalationAssociated: true,
        actionTaken: 'interrupted',
        outcome: 'recovered',
      });
      await this.siteReport(random, who.coordinator, aeId, awareAt);
      await recordSubmission(
        this.database,
        this.studyId,
        this.safetyOfficer,
        demoLockout,
        aeId,
        'sponsor',
        {
          clockId: 'susar-other',
          kind: 'initial',
          submittedAt: new Date(awareAt.getTime() + 6 * 86_400_000).toISOString(),
          reference: 'SUSAR-CN-0001',
          password: this.password,
        },
        { keepPdf: false },
      );
      this.counts.sponsorReports++;
    }
    const seriousDay =
      deathDay !== null && deathDay <= followedDays
        ? Math.max(1, deathDay - random.int(1, 3))
        : worsens && lastDay >= 2
          ? random.int(2, lastDay)
          : null;
    if (seriousDay === null) return;
    const awareAt = new Date(at(dateOf(seriousDay), '04:00'));
    const fatal = deathDay !== null;
    const aeId = await this.event(who.investigator, who.participantId, {
      term: fatal ? 'Respiratory failure' : 'Worsening respiratory failure',
      onsetAt: at(dateOf(seriousDay), '02:00'),
      ongoing: false,
      resolvedAt: at(dateOf(deathDay ?? Math.min(lastDay, seriousDay + random.int(2, 6))), '09:00'),
      grade: fatal ? 5 : 4,
      serious: true,
      seriousnessCriteria: fatal ? ['death'] : ['life-threatening', 'hospitalisation'],
      awareAt: awareAt.toISOString(),
      causality: 'unlikely',
      expected: true,
      inhalationAssociated: false,
      actionTaken: fatal ? 'not-applicable' : 'none',
      outcome: fatal ? 'fatal' : 'recovered',
    });
    await this.siteReport(random, who.coordinator, aeId, awareAt);
  }
}
