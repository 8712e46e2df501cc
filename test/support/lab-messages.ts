// Laboratory messages for the tests of the laboratory interface: an HL7 v2.5 ORU^R01 as a hospital
// laboratory system sends it, and a FHIR R4 bundle of Observations.

export interface OruResult {
  loinc: string;
  name: string;
  value: string;
  unit: string;
}

/**
 * An ORU^R01 from the laboratory `facility` (MSH-4) for one patient or more (PID-3 of type MR), each
 * result an OBX, collected at `collectedAt` (HL7 DTM).
 */
export function oruMessage(
  controlId: string,
  patients: Array<{ hospitalId: string; collectedAt: string; results: OruResult[] }>,
  facility = 'RUIJIN-LAB',
): string {
  const segments = [
    `MSH|^~\\&|LIS|${facility}|EXOTRIAL|MEXCOVID|20261205083000||ORU^R01^ORU_R01|${controlId}|P|2.5`,
  ];
  patients.forEach((patient, index) => {
    segments.push(`PID|${index + 1}||${patient.hospitalId}^^^RUIJIN^MR||Test^Patient`);
    segments.push(`OBR|${index + 1}||LAB-${controlId}-${index + 1}|CHEM^Chemistry|||${patient.collectedAt}`);
    patient.results.forEach((result, resultIndex) => {
      segments.push(
        `OBX|${resultIndex + 1}|NM|${result.loinc}^${result.name}^LN||${result.value}|${result.unit}|||||F`,
      );
    });
  });
  return segments.join('\r');
}

/** A FHIR R4 collection bundle of Observations of one patient (by identifier). */
export function fhirBundle(
  id: string,
  hospitalId: string,
  effectiveDateTime: string,
  results: OruResult[],
): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    identifier: { system: 'urn:ruijin:lab', value: id },
    entry: results.map((result, index) => ({
      fullUrl: `urn:uuid:observation-${id}-${index}`,
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: result.loinc, display: result.name }] },
        subject: { identifier: { system: 'urn:ruijin:mrn', value: hospitalId } },
        effectiveDateTime,
        valueQuantity: {
          value: Number(result.value),
          unit: result.unit,
          system: 'http://unitsofmeasure.org',
          code: result.unit,
        },
      },
    })),
  };
}
