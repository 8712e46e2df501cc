// What a laboratory message says, whichever format carried it (HL7 v2 ORU^R01 or a FHIR R4 bundle):
// the message's control id and its results, each naming the patient by hospital identifier and the
// test by LOINC code.

/** When a sample was collected: a local time, with its UTC offset when the sender gave one. */
export interface CollectionTime {
  /** `YYYY-MM-DDTHH:MM` (or `YYYY-MM-DD` when the sender gave only a date). */
  local: string;
  /** Minutes east of UTC; null when the sender gave none (the time is then the site's own). */
  offsetMinutes: number | null;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** A collection time as text: the local time, then its offset when known (`2026-12-05T07:00+08:00`). */
export function collectionText(time: CollectionTime): string {
  if (time.offsetMinutes === null) return time.local;
  const sign = time.offsetMinutes < 0 ? '-' : '+';
  const minutes = Math.abs(time.offsetMinutes);
  return `${time.local}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The inverse of collectionText. */
export function collectionFromText(text: string): CollectionTime {
  const match = /^(.*?)([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!match || text.length <= 10) return { local: text, offsetMinutes: null };
  const [, local = text, sign, hours, minutes] = match;
  return { local, offsetMinutes: (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) };
}

export interface ReportedResult {
  /** The result's place in the message (1, 2, …): with the message it names the result. */
  seq: number;
  hospitalId: string | null;
  /** The LOINC code, or null when the test is coded in another system only. */
  loinc: string | null;
  /** The test as the sender names it (code and text), for the review queue. */
  testName: string;
  value: string;
  unit: string | null;
  collectedAt: CollectionTime | null;
}

export interface LabReport {
  controlId: string;
  /** The laboratory that sent it (HL7 MSH-4, the FHIR performer's identifier); null when not said. */
  sendingFacility: string | null;
  results: ReportedResult[];
}

/** A message that cannot be taken: AR (rejected: not a message this interface takes) or AE (an error in its content). */
export class LabMessageRefused extends Error {
  override name = 'LabMessageRefused';
  constructor(
    readonly ackCode: 'AR' | 'AE',
    message: string,
    /** The control id when the message was readable enough to have one. */
    readonly controlId: string | null = null,
  ) {
    super(message);
  }
}
