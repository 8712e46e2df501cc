import { Hl7Message, type Hl7Segment } from '@medplum/core';
import { type CollectionTime, LabMessageRefused, type LabReport, type ReportedResult } from './lab-report.ts';

// HL7 v2.5 ORU^R01 (unsolicited observation result), read with Medplum's HL7 v2 parser
// (@medplum/core's Hl7Message). Fields used: MSH-4 sending facility, MSH-9 message type, MSH-10 control id, MSH-12 version;
// PID-3 patient identifiers (the first of type MR, else the first); OBR-7 observation date/time;
// OBX-2 value type, OBX-3 observation identifier (the LOINC code: coding system LN in the first or
// the alternate triplet), OBX-5 value, OBX-6 units (UCUM), OBX-11 result status, OBX-14 date/time.

/** A field as text; a field past the segment's end is empty (the parser has no entry for it). */
const fieldText = (segment: Hl7Segment, index: number): string =>
  (segment.getField(index) as Hl7Segment['fields'][number] | undefined)?.toString() ?? '';

const NUMERIC_TYPES = new Set(['NM', 'SN']);
/** OBX-11 statuses of a result to take: final and corrected (C replaces an earlier final). */
const TAKEN_STATUSES = new Set(['F', 'C', '']);

/**
 * An HL7 DTM (`YYYY[MM[DD[HHMM[SS[.S+]]]]][+/-ZZZZ]`) as a collection time; null when blank. A
 * time precise only to the year or month dates no visit and is refused.
 */
export function parseHl7Time(text: string, where: string): CollectionTime | null {
  if (text === '') return null;
  const match = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(?:\d{2}(?:\.\d{1,4})?)?)?([+-]\d{4})?$/.exec(text);
  if (!match) {
    throw new LabMessageRefused(
      'AE',
      `${where} "${text}" is not an HL7 date and time (YYYYMMDD[HHMM[SS]][+ZZZZ]).`,
    );
  }
  const [, year, month, day, hour, minute, offset] = match;
  const date = `${year}-${month}-${day}`;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new LabMessageRefused('AE', `${where} "${text}" is not a real date.`);
  }
  const local = hour === undefined ? date : `${date}T${hour}:${minute ?? '00'}`;
  const offsetMinutes =
    offset === undefined
      ? null
      : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  return { local, offsetMinutes };
}

/** PID-3: the identifier of type MR (medical record number), else the first one given. */
function hospitalIdOf(pid: Hl7Segment | undefined): string | null {
  if (!pid) return null;
  const repetitions = pid.getField(3).components;
  const medicalRecord = repetitions.find((components) => components[4] === 'MR') ?? repetitions[0];
  const id = medicalRecord?.[0]?.trim() ?? '';
  return id === '' ? null : id;
}

/** OBX-3: the LOINC code in the identifier's first triplet (system LN) or its alternate one. */
function loincOf(obx: Hl7Segment): string | null {
  const field = obx.getField(3);
  if (field.getComponent(3) === 'LN') return field.getComponent(1) || null;
  if (field.getComponent(6) === 'LN') return field.getComponent(4) || null;
  return null;
}

function resultOf(
  obx: Hl7Segment,
  seq: number,
  context: { hospitalId: string | null; obrTime: CollectionTime | null },
): ReportedResult {
  const where = `OBX ${seq}`;
  const valueType = fieldText(obx, 2);
  const value = fieldText(obx, 5).trim();
  if (value === '') throw new LabMessageRefused('AE', `${where} has no value (OBX-5).`);
  if (NUMERIC_TYPES.has(valueType) && !/^[<>]?=?\s*-?\d+(\.\d+)?$/.test(value.replaceAll('^', ''))) {
    throw new LabMessageRefused(
      'AE',
      `${where} has value type ${valueType} but its value "${value}" is not a number.`,
    );
  }
  const code = obx.getField(3);
  return {
    seq,
    hospitalId: context.hospitalId,
    loinc: loincOf(obx),
    testName: code.getComponent(2) || code.getComponent(1),
    value: value.replaceAll('^', ''),
    unit: obx.getComponent(6, 1) || null,
    collectedAt: parseHl7Time(fieldText(obx, 14), `${where} observation time (OBX-14)`) ?? context.obrTime,
  };
}

/**
 * The results of an ORU^R01 message. Refused with AR when it is not one (another message type, no
 * MSH, no control id) and with AE when its content is wrong (a bad date, a numeric result that is not
 * a number, no result at all). Results not final (OBX-11 P, X, …) are left out: a preliminary value
 * is not a value of the casebook.
 */
export function readOruMessage(text: string): LabReport {
  let message: Hl7Message;
  try {
    message = Hl7Message.parse(text.replace(/\r?\n/g, '\r').trim());
  } catch (error) {
    throw new LabMessageRefused('AR', `The message cannot be read as HL7 v2: ${(error as Error).message}`);
  }
  const msh = message.getSegment('MSH');
  if (!msh || message.segments[0]?.name !== 'MSH') {
    throw new LabMessageRefused('AR', 'The message does not start with an MSH segment.');
  }
  const controlId = fieldText(msh, 10).trim();
  if (controlId === '') throw new LabMessageRefused('AR', 'The message has no control id (MSH-10).');
  const type = `${msh.getComponent(9, 1)}^${msh.getComponent(9, 2)}`;
  if (type !== 'ORU^R01') {
    throw new LabMessageRefused(
      'AR',
      `Only ORU^R01 messages are taken; this one is ${type} (MSH-9).`,
      controlId,
    );
  }
  // MSH-4 is an HD: the namespace id, else the universal id (an OID, for instance).
  const sendingFacility = (msh.getComponent(4, 1) || msh.getComponent(4, 2)).trim() || null;
  try {
    return { controlId, sendingFacility, results: resultsOf(message) };
  } catch (error) {
    if (error instanceof LabMessageRefused)
      throw new LabMessageRefused(error.ackCode, error.message, controlId);
    throw error;
  }
}

/** Every OBX in order, each with the PID and the OBR that come before it (a message may hold several patients). */
function resultsOf(message: Hl7Message): ReportedResult[] {
  const results: ReportedResult[] = [];
  let hospitalId: string | null = null;
  let obrTime: CollectionTime | null = null;
  let seq = 0;
  for (const segment of message.segments) {
    if (segment.name === 'PID') {
      hospitalId = hospitalIdOf(segment);
      obrTime = null;
    } else if (segment.name === 'OBR') {
      obrTime = parseHl7Time(fieldText(segment, 7), 'OBR observation time (OBR-7)');
    } else if (segment.name === 'OBX') {
      seq += 1;
      if (!TAKEN_STATUSES.has(fieldText(segment, 11))) continue;
      results.push(resultOf(segment, seq, { hospitalId, obrTime }));
    }
  }
  if (seq === 0) throw new LabMessageRefused('AE', 'The message holds no result (no OBX segment).');
  return results;
}
