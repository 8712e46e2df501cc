import { expect } from 'vitest';

/** The MEXCOVID release specification, every test passing (label 6.67e7 particles per mL). */
const CONCENTRATION = 2.0e8 / 3;
const passingResults = [
  { testId: 'particle-count', value: CONCENTRATION * 1.05 },
  { testId: 'modal-size', value: 118 },
  { testId: 'cd9', value: 'present' },
  { testId: 'cd63', value: 'present' },
  { testId: 'cd81', value: 'present' },
  { testId: 'tsg101', value: 'present' },
  { testId: 'calnexin', value: 'absent' },
  { testId: 'sterility', value: 'negative' },
  { testId: 'mycoplasma', value: 'negative' },
  { testId: 'endotoxin', value: 0.12 },
];

/**
 * For browser tests whose subject is not the pharmacy: through the API, as a pharmacist of `siteId`
 * (headers from apiSignIn), a freezer, a released lot in it, and the proposed vial dispensed to the
 * participant for `visitId` now (which thaws it now). Returns the vial's code.
 */
export async function dispenseThroughApi(
  baseUrl: string,
  pharmacist: Record<string, string>,
  input: { siteId: string; participantId: string; visitId: string; password: string },
): Promise<string> {
  const send = async (method: string, path: string, body: unknown, status: number) => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: pharmacist,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(status);
    return JSON.parse(text);
  };
  const unit = await send(
    'POST',
    '/product/storage-units',
    {
      code: `${input.siteId.toUpperCase()}-F1`,
      name: 'Pharmacy freezer 1',
      kind: 'freezer',
      siteId: input.siteId,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 30,
    },
    201,
  );
  const lot = await send(
    'POST',
    '/product/lots',
    {
      lotNumber: 'EXO-E2E',
      manufacturer: 'Cellular Biomedicine Lab',
      manufacturedOn: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      concentrationPerMl: CONCENTRATION,
      volumeMl: 3,
      vialCount: 2,
      unitId: unit.unitId,
    },
    201,
  );
  await send(
    'PUT',
    `/product/lots/${lot.lotId}/release-results`,
    { results: passingResults, version: 1 },
    200,
  );
  await send('POST', `/product/lots/${lot.lotId}/release`, { password: input.password, version: 2 }, 200);
  const proposal = await send(
    'GET',
    `/product/participants/${input.participantId}/proposal?visitId=${input.visitId}`,
    undefined,
    200,
  );
  await send(
    'POST',
    '/product/dispensings',
    {
      participantId: input.participantId,
      visitId: input.visitId,
      expectedVialId: proposal.vial.vialId,
      scannedCode: proposal.vial.code,
    },
    201,
  );
  return proposal.vial.code;
}
