import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Entries } from '../crf/entries.ts';
import { allowedCodes } from '../crf/form-checks.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { DosingAdministrationTable } from '../db/schema-safety.ts';
import { proposeDeviation } from '../deviations/deviation.service.ts';
import { doseOutsideWindow } from '../deviations/visit-window.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant, type ParticipantRow } from '../participants/participant.queries.ts';
import { reconsentWarning } from '../participants/reconsent.queries.ts';
import { type WritableParticipant, writableParticipant } from '../participants/writable.ts';
import { doseRecordDeviceItem, regimenDevice } from '../protocol/dose-record-form.ts';
import type { Protocol, ProtocolVisit } from '../protocol/schema.ts';
import { parseClinicalTime } from '../safety/clocks.ts';
import { assertDosingAllowed, dosingPauseReason } from '../safety/pause.service.ts';
import { currentProtocol, protocolVersion } from '../study/protocol-store.ts';
import { siteTimeZone } from '../study/site-time.ts';
import {
  compliance,
  type DoseTiming,
  type DoseWindow,
  doseState,
  doseTiming,
  doseWindow,
  inWindow,
} from './dose-window.ts';
import type {
  AdministrationView,
  DoseSchedule,
  RecordAdministrationRequest,
  SavedAdministration,
  UpdateAdministrationRequest,
} from './dosing.schema.ts';
import { syncExposureForm } from './exposure-form.ts';
import { inhalationFlags, type VitalsReading } from './inhalation-flags.ts';

type AdministrationRow = Selectable<DosingAdministrationTable>;

function doseVisit(protocol: Protocol, visitId: string): ProtocolVisit {
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  if (!visit || !protocol.regimen.doseVisits.includes(visitId)) {
    throw notFound(`Dose visit ${visitId} (the protocol doses at ${protocol.regimen.doseVisits.join(', ')})`);
  }
  return visit;
}

/**
 * Every dose-vitals record of a participant (the protocol's `doseVitals` form), read in the site's zone,
 * keyed by where it was recorded; none when the protocol records no vitals around doses.
 */
export async function vitalsReadings(
  db: Db,
  studyId: string,
  protocol: Protocol,
  participantId: string,
  zone: string,
): Promise<VitalsReading[]> {
  const vitals = protocol.doseVitals;
  if (!vitals) return [];
  const rows = await db
    .selectFrom('form_record')
    .select(['visit_id', 'entries'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('form_id', '=', vitals.form)
    .execute();
  const readings: VitalsReading[] = [];
  for (const row of rows) {
    const entries = row.entries as Entries;
    const entryValue = (itemId: string | undefined) =>
      itemId === undefined ? undefined : entries[itemId]?.value;
    const number = (itemId: string | undefined) => {
      const value = entryValue(itemId);
      return typeof value === 'number' ? value : null;
    };
    const assessed = entryValue(vitals.items.assessedAt);
    const assessedAt = typeof assessed === 'string' ? parseClinicalTime(assessed, zone) : null;
    if (!assessedAt) continue;
    const support = entryValue(vitals.items.oxygenSupport);
    readings.push({
      source: row.visit_id,
      assessedAt,
      spo2: number(vitals.items.spo2),
      respiratoryRate: number(vitals.items.respiratoryRate),
      temperature: number(vitals.items.temperature),
      oxygenSupport: typeof support === 'string' ? support : null,
      fio2: number(vitals.items.fio2),
      peep: number(vitals.items.peep),
    });
  }
  return readings;
}

export function toView(
  protocol: Protocol,
  row: AdministrationRow,
  readings: VitalsReading[],
  adverseEventIds: string[],
): AdministrationView {
  const visit = protocol.schedule.visits.find((entry) => entry.id === row.visit_id);
  const vitalsForm = protocol.doseVitals?.form;
  const preTimepoint = visit?.timepoints.find(
    (timepoint) =>
      timepoint.minutesFromDose < 0 && vitalsForm !== undefined && timepoint.forms.includes(vitalsForm),
  );
  const started = row.started_at ? new Date(row.started_at) : null;
  const screeningVisits = new Set(
    protocol.schedule.visits.filter((entry) => entry.kind === 'screening').map((entry) => entry.id),
  );
  const watched = protocol.safety.inhalationEvents;
  const flags =
    watched && started && row.status !== 'not-given'
      ? inhalationFlags(watched, {
          startedAt: started,
          endedAt: row.ended_at ? new Date(row.ended_at) : null,
          preDose:
            readings.find(
              (reading) => preTimepoint && reading.source === `${row.visit_id}/${preTimepoint.id}`,
            ) ?? null,
          // Screening values are baseline, never post-dose, whatever their recorded time.
          after: readings.filter(
            (reading) =>
              reading.assessedAt.getTime() >= started.getTime() &&
              !screeningVisits.has(reading.source.split('/')[0] ?? ''),
          ),
          bronchospasm: row.bronchospasm,
          newCough: row.new_cough,
        })
      : [];
  const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);
  return {
    administrationId: row.administration_id,
    participantId: row.participant_id,
    visitId: row.visit_id,
    doseNumber: row.dose_number,
    status: row.status,
    dispensingId: row.dispensing_id,
    vialNumber: row.vial_number,
    device: row.device,
    startedAt: iso(row.started_at),
    startedLocal: row.started_local,
    endedAt: iso(row.ended_at),
    endedLocal: row.ended_local,
    volumeMl: row.volume_ml,
    interruptionReason: row.interruption_reason,
    notGivenReason: row.not_given_reason,
    windowReason: row.window_reason,
    bronchospasm: row.bronchospasm,
    newCough: row.new_cough,
    flags,
    adverseEventIds,
    version: row.version,
  };
}

async function administrations(db: Db, studyId: string, participantId: string) {
  return db
    .selectFrom('dosing_administration')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .orderBy('dose_number')
    .execute();
}

async function linkedEvents(db: Db, studyId: string, participantId: string) {
  return db
    .selectFrom('adverse_event')
    .select(['ae_id', 'administration_id'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('administration_id', 'is not', null)
    .execute();
}

export function windowsOf(
  protocol: Protocol,
  participant: ParticipantRow,
  rows: AdministrationRow[],
  zone: string,
): DoseWindow[] {
  if (!participant.day1_date) return [];
  const first = rows.find((row) => row.dose_number === 1 && row.started_at);
  const firstStart = first?.started_at ? new Date(first.started_at) : null;
  return protocol.regimen.doseVisits.map((visitId) =>
    doseWindow(protocol, doseVisit(protocol, visitId), String(participant.day1_date), firstStart, zone),
  );
}

/** A participant's five doses: window, state (given, interrupted, not given, missed, due, upcoming), record and flags. */
export async function doseSchedule(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<DoseSchedule> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'dosing.read', { siteId: participant.site_id });
  const { protocol } = await currentProtocol(db, studyId);
  const zone = await siteTimeZone(db, studyId, participant.site_id);
  const rows = await administrations(db, studyId, participantId);
  const readings = await vitalsReadings(db, studyId, protocol, participantId, zone);
  const links = await linkedEvents(db, studyId, participantId);
  const windows = windowsOf(protocol, participant, rows, zone);
  const now = new Date();
  const doses = protocol.regimen.doseVisits.map((visitId, index) => {
    const visit = doseVisit(protocol, visitId);
    const row = rows.find((entry) => entry.visit_id === visitId) ?? null;
    const window = windows[index];
    const view = row
      ? toView(
          protocol,
          row,
          readings,
          links.filter((link) => link.administration_id === row.administration_id).map((link) => link.ae_id),
        )
      : null;
    return {
      visitId,
      doseNumber: index + 1,
      name: visit.name,
      earliest: window?.earliest.toISOString() ?? null,
      latest: window?.latest.toISOString() ?? null,
      state: window
        ? doseState(window, row, now)
        : row
          ? doseState({ visitId, doseNumber: index + 1, earliest: now, latest: now }, row, now)
          : ('upcoming' as const),
      timing: timingOf(window, row),
      administration: view,
    };
  });
  return {
    participantId,
    participantLabel: participant.study_number ?? participant.screening_number,
    day1Date: participant.day1_date ? String(participant.day1_date) : null,
    timeZone: zone,
    doses,
    compliance: compliance(doses),
    dosingPaused: await dosingPauseReason(db, studyId),
  };
}

/** A given dose's start against its window (null for a dose not given or not recorded). */
export function timingOf(window: DoseWindow | undefined, row: AdministrationRow | null): DoseTiming | null {
  if (!window || !row?.started_at || row.status === 'not-given') return null;
  return doseTiming(window, new Date(row.started_at));
}

interface Normalized {
  status: RecordAdministrationRequest['status'];
  dispensingId: string | null;
  vialNumber: string | null;
  device: string | null;
  startedLocal: string | null;
  startedAt: Date | null;
  endedLocal: string | null;
  endedAt: Date | null;
  volumeMl: number | null;
  interruptionReason: string | null;
  notGivenReason: string | null;
  windowReason: string | null;
  bronchospasm: boolean;
  newCough: boolean;
}

async function resolveDispensing(
  trx: Tx,
  studyId: string,
  participant: ParticipantRow,
  visitId: string,
  request: RecordAdministrationRequest,
): Promise<{ dispensingId: string; vialNumber: string }> {
  let query = trx
    .selectFrom('dispensing')
    .innerJoin('vial', (join) =>
      join
        .onRef('vial.study_id', '=', 'dispensing.study_id')
        .onRef('vial.vial_id', '=', 'dispensing.vial_id'),
    )
    .select([
      'dispensing.dispensing_id',
      'dispensing.participant_id',
      'dispensing.visit_id',
      'dispensing.returned_at',
      'vial.code',
    ])
    .where('dispensing.study_id', '=', studyId);
  if (request.dispensingId) query = query.where('dispensing.dispensing_id', '=', request.dispensingId);
  else if (request.vialCode) query = query.where('vial.code', '=', request.vialCode);
  else
    throw validationFailed([
      {
        field: 'vialCode',
        message: 'Scan the vial (or give the dispensing record) of a dose that was given.',
      },
    ]);
  const found = await query.execute();
  const field = request.dispensingId ? 'dispensingId' : 'vialCode';
  const mine = found.find(
    (row) => row.participant_id === participant.participant_id && row.visit_id === visitId,
  );
  if (mine?.returned_at) {
    throw validationFailed([
      {
        field,
        message:
          'This vial came back to the pharmacy unused and is held for destruction: do not give it; the pharmacy dispenses a new vial for this dose.',
      },
    ]);
  }
  if (mine) return { dispensingId: mine.dispensing_id, vialNumber: mine.code };
  if (found.some((row) => row.participant_id !== participant.participant_id)) {
    throw validationFailed([
      { field, message: 'This vial was dispensed to another participant: do not give it.' },
    ]);
  }
  if (found.length > 0)
    throw validationFailed([
      { field, message: `This vial was dispensed for another visit, not ${visitId}.` },
    ]);
  throw validationFailed([
    { field, message: `No dispensing record for this vial at ${visitId}: the pharmacy dispenses it first.` },
  ]);
}

/**
 * The device of a given dose: asked when a regimen of the protocol uses one (a nebulizer), one of the
 * dose record form's device codes where it lists them; refused when no regimen uses one (an injection).
 */
function deviceProblems(
  protocol: Protocol,
  device: string | undefined,
): Array<{ field: string; message: string }> {
  const used = regimenDevice(protocol);
  if (!used) {
    return device
      ? [{ field: 'device', message: 'No regimen of this protocol uses a device: leave the device out.' }]
      : [];
  }
  if (!device) return [{ field: 'device', message: `Give the device used (${used.name.en}).` }];
  const deviceItem = doseRecordDeviceItem(protocol);
  const devices = deviceItem ? allowedCodes(protocol, deviceItem) : [];
  return devices.length > 0 && !devices.includes(device)
    ? [{ field: 'device', message: `Choose one of ${devices.join(', ')}.` }]
    : [];
}

async function normalize(
  trx: Tx,
  studyId: string,
  protocol: Protocol,
  participant: ParticipantRow,
  visitId: string,
  request: RecordAdministrationRequest,
  zone: string,
  window: DoseWindow | undefined,
): Promise<Normalized> {
  const problems: Array<{ field: string; message: string }> = [];
  const given = request.status !== 'not-given';
  const startedAt = request.startedAt ? parseClinicalTime(request.startedAt, zone) : null;
  const endedAt = request.endedAt ? parseClinicalTime(request.endedAt, zone) : null;
  if (request.startedAt && !startedAt)
    problems.push({ field: 'startedAt', message: 'Not a real date and time.' });
  if (request.endedAt && !endedAt) problems.push({ field: 'endedAt', message: 'Not a real date and time.' });
  if (given) {
    if (!request.startedAt) problems.push({ field: 'startedAt', message: 'Give the time the dose started.' });
    if (!request.endedAt)
      problems.push({ field: 'endedAt', message: 'Give the time the dose ended (or was stopped).' });
    if (request.volumeMl === undefined)
      problems.push({ field: 'volumeMl', message: 'Give the volume given in mL.' });
    problems.push(...deviceProblems(protocol, request.device));
    if (request.status === 'interrupted' && !request.interruptionReason) {
      problems.push({ field: 'interruptionReason', message: 'Say why the dose was interrupted.' });
    }
    if (request.notGivenReason)
      problems.push({
        field: 'notGivenReason',
        message: 'Only a dose not given has a reason for not giving it.',
      });
  } else {
    if (!request.notGivenReason)
      problems.push({ field: 'notGivenReason', message: 'Say why the dose was not given.' });
    for (const field of [
      'dispensingId',
      'vialCode',
      'startedAt',
      'endedAt',
      'volumeMl',
      'interruptionReason',
    ] as const) {
      if (request[field] !== undefined)
        problems.push({ field, message: 'A dose not given has no vial, times, volume or interruption.' });
    }
  }
  if (startedAt && endedAt && endedAt <= startedAt)
    problems.push({ field: 'endedAt', message: 'The end must be after the start.' });
  if (!protocol.safety.inhalationEvents) {
    for (const field of ['bronchospasm', 'newCough'] as const) {
      if (request[field]) {
        problems.push({
          field,
          message:
            'This protocol watches for no inhalation events: record what happened as an adverse event.',
        });
      }
    }
  }
  if (startedAt && startedAt.getTime() > Date.now() + 60_000)
    problems.push({ field: 'startedAt', message: 'The start cannot be in the future.' });
  if (startedAt && window && !inWindow(window, startedAt) && !request.windowReason) {
    problems.push({
      field: 'windowReason',
      message: `Dose ${window.doseNumber} is outside its window (${window.earliest.toISOString()} to ${window.latest.toISOString()}); give the reason.`,
    });
  }
  if (problems.length > 0) throw validationFailed(problems);
  const dispensing = given ? await resolveDispensing(trx, studyId, participant, visitId, request) : null;
  return {
    status: request.status,
    dispensingId: dispensing?.dispensingId ?? null,
    vialNumber: dispensing?.vialNumber ?? null,
    device: given ? (request.device ?? null) : null,
    startedLocal: request.startedAt ?? null,
    startedAt,
    endedLocal: request.endedAt ?? null,
    endedAt,
    volumeMl: request.volumeMl ?? null,
    interruptionReason: request.interruptionReason ?? null,
    notGivenReason: request.notGivenReason ?? null,
    windowReason: request.windowReason ?? null,
    bronchospasm: request.bronchospasm,
    newCough: request.newCough,
  };
}

const columns = (fields: Normalized) => ({
  status: fields.status,
  dispensing_id: fields.dispensingId,
  vial_number: fields.vialNumber,
  device: fields.device,
  started_local: fields.startedLocal,
  started_at: fields.startedAt,
  ended_local: fields.endedLocal,
  ended_at: fields.endedAt,
  volume_ml: fields.volumeMl,
  interruption_reason: fields.interruptionReason,
  not_given_reason: fields.notGivenReason,
  window_reason: fields.windowReason,
  bronchospasm: fields.bronchospasm,
  new_cough: fields.newCough,
});

/** A written dose record as answered, with the re-consent warning every save of data carries. */
async function viewAfterWrite(
  trx: Tx,
  studyId: string,
  protocol: Protocol,
  row: AdministrationRow,
  participant: WritableParticipant,
): Promise<SavedAdministration> {
  const readings = await vitalsReadings(trx, studyId, protocol, row.participant_id, participant.siteTimeZone);
  const links = (await linkedEvents(trx, studyId, row.participant_id)).filter(
    (link) => link.administration_id === row.administration_id,
  );
  const view = toView(
    protocol,
    row,
    readings,
    links.map((link) => link.ae_id),
  );
  return { ...view, reconsent: await reconsentWarning(trx, studyId, participant) };
}

/**
 * Records one scheduled dose: the dispensed vial (scanned), times, volume, the device where a regimen
 * uses one, completed or interrupted and why, or not given and why. A given dose is refused while
 * dosing is paused; a dose outside its window needs a reason. The visit's dose record form is written
 * from the record in the same transaction. The inhalation-event flags (where the protocol declares
 * them) are computed from the dose vitals recorded at the dose's timepoints whenever the record is read.
 */
export async function recordAdministration(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  visitId: string,
  request: RecordAdministrationRequest,
): Promise<SavedAdministration> {
  return database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, participantId, {
      caller,
      permission: 'dosing.record',
    });
    if (!participant.day1_date)
      throw conflict(`${participant.screening_number} is not enrolled: there is no dose to record.`);
    const { protocol, versionNo } = await protocolVersion(trx, studyId, participant.currentProtocolVersion);
    const visit = doseVisit(protocol, visitId);
    if (request.status !== 'not-given') await assertDosingAllowed(trx, studyId);
    const existing = await administrations(trx, studyId, participantId);
    if (existing.some((row) => row.visit_id === visitId)) {
      throw conflict(`Dose at ${visitId} is already recorded; correct it instead.`);
    }
    const zone = participant.siteTimeZone;
    const window = windowsOf(protocol, participant, existing, zone)[
      protocol.regimen.doseVisits.indexOf(visit.id)
    ];
    const fields = await normalize(trx, studyId, protocol, participant, visitId, request, zone, window);
    const now = new Date();
    const row = await trx
      .insertInto('dosing_administration')
      .values({
        study_id: studyId,
        administration_id: randomUUID(),
        participant_id: participantId,
        site_id: participant.site_id,
        visit_id: visitId,
        dose_number: protocol.regimen.doseVisits.indexOf(visitId) + 1,
        ...columns(fields),
        protocol_version: versionNo,
        created_at: now,
        created_by: caller.actor.label,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'dosing.administration.record',
      entityType: 'dosing_administration',
      entityId: row.administration_id,
      newValue: { participantId, visitId, ...fields },
    });
    await proposeIfOutsideWindow(trx, studyId, caller, participant, window, row.administration_id, fields);
    await syncExposureForm(trx, studyId, caller, {
      protocol,
      versionNo,
      siteId: participant.site_id,
      zone,
      row,
    });
    return viewAfterWrite(trx, studyId, protocol, row, participant);
  });
}

/** A dose started outside its window proposes a protocol deviation, in the transaction that records it. */
async function proposeIfOutsideWindow(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: WritableParticipant,
  window: DoseWindow | undefined,
  administrationId: string,
  fields: Normalized,
): Promise<void> {
  if (!window || !fields.startedAt) return;
  const outside = doseOutsideWindow(
    window,
    { administrationId, startedAt: fields.startedAt },
    participant.siteTimeZone,
  );
  if (outside) await proposeDeviation(trx, studyId, caller, participant, outside);
}

/** Corrects a dose record: a stale version gets 409; each changed field is audited with the reason. */
export async function updateAdministration(
  database: Database,
  studyId: string,
  caller: Caller,
  administrationId: string,
  request: UpdateAdministrationRequest,
): Promise<SavedAdministration> {
  return database.transaction(async (trx) => {
    const found = await trx
      .selectFrom('dosing_administration')
      .select(['participant_id', 'site_id'])
      .where('study_id', '=', studyId)
      .where('administration_id', '=', administrationId)
      .executeTakeFirst();
    if (!found) throw notFound(`Dose record ${administrationId}`);
    authorize(caller.user, 'dosing.record', { siteId: found.site_id });
    const participant = await writableParticipant(trx, studyId, found.participant_id);
    const rows = await administrations(trx, studyId, found.participant_id);
    const row = rows.find((entry) => entry.administration_id === administrationId);
    if (!row) throw notFound(`Dose record ${administrationId}`);
    const { protocol, versionNo } = await protocolVersion(trx, studyId, participant.currentProtocolVersion);
    if (row.version !== request.version) {
      throw conflict(
        `This dose record was changed by someone else (now version ${row.version}, yours ${request.version}).`,
      );
    }
    if (row.status === 'not-given' && request.status !== 'not-given') await assertDosingAllowed(trx, studyId);
    const zone = participant.siteTimeZone;
    const window = windowsOf(protocol, participant, rows, zone)[row.dose_number - 1];
    const fields = await normalize(trx, studyId, protocol, participant, row.visit_id, request, zone, window);
    const next = columns(fields);
    const old = row as unknown as Record<string, unknown>;
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((key) => {
      const before = old[key] instanceof Date ? (old[key] as Date).toISOString() : (old[key] ?? null);
      const after = next[key] instanceof Date ? (next[key] as Date).toISOString() : (next[key] ?? null);
      return JSON.stringify(before) !== JSON.stringify(after);
    });
    if (changed.length === 0) return viewAfterWrite(trx, studyId, protocol, row, participant);
    const updated = await trx
      .updateTable('dosing_administration')
      .set((eb) => ({ ...next, updated_at: new Date(), version: eb('version', '+', 1) }))
      .where('study_id', '=', studyId)
      .where('administration_id', '=', administrationId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(
      trx,
      studyId,
      caller.actor,
      participant,
      changed.map((key) => ({
        action: 'dosing.administration.change',
        entityType: 'dosing_administration',
        entityId: administrationId,
        field: `${row.visit_id}.${key}`,
        oldValue: old[key] ?? null,
        newValue: next[key] ?? null,
        reason: request.reason,
      })),
    );
    await proposeIfOutsideWindow(trx, studyId, caller, participant, window, administrationId, fields);
    await syncExposureForm(trx, studyId, caller, {
      protocol,
      versionNo,
      siteId: participant.site_id,
      zone,
      row: updated,
      reason: request.reason,
    });
    return viewAfterWrite(trx, studyId, protocol, updated, participant);
  });
}
