import { createRequire } from 'node:module';
import type ucumPackage from '@lhncbc/ucum-lhc';

// Unit arithmetic is the UCUM library's (@lhncbc/ucum-lhc, maintained by the US National Library of
// Medicine for LOINC): its tables know every UCUM unit, prefix and annotation, so a site's `mg/dL` or
// `10*3/uL` converts without a table of factors kept here.

// The library reads its unit tables (about 300 kB of JSON) when it is loaded: it is loaded on the
// first conversion rather than at every start of the server and the CLI, most of which convert nothing.
const loadCommonJs = createRequire(import.meta.url);
let instance: ReturnType<typeof ucumPackage.UcumLhcUtils.getInstance> | undefined;
const ucumUtils = () => {
  instance ??= (loadCommonJs('@lhncbc/ucum-lhc') as typeof ucumPackage).UcumLhcUtils.getInstance();
  return instance;
};

/** Whether a code is a valid UCUM unit (case-sensitive codes, as UCUM and the protocol write them). */
export function isUcumUnit(code: string): boolean {
  return ucumUtils().validateUnitString(code, false).status === 'valid';
}

export type Conversion = { ok: true; value: number } | { ok: false; message: string };

/**
 * Converts a value between two UCUM units. A mass concentration converts to a substance concentration
 * (mg/dL → µmol/L) only with the analyte's molar mass in g/mol (UCUM's "molecularWeight"): without it,
 * the two are not commensurable and the conversion fails with the library's message.
 */
export function convertUnit(value: number, from: string, to: string, molarMass?: number): Conversion {
  if (from === to) return { ok: true, value };
  const result = ucumUtils().convertUnitTo(from, value, to, molarMass ? { molecularWeight: molarMass } : {});
  if (result.status !== 'succeeded' || result.toVal === null || !Number.isFinite(result.toVal)) {
    return { ok: false, message: result.msg.join(' ') || `${from} cannot be converted to ${to}` };
  }
  return { ok: true, value: result.toVal };
}

/** A converted value kept to the decimals its item stores, without binary noise such as 4.499999999999999. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A converted range bound to six significant digits: as precise as any laboratory states one, free of noise. */
export const significant = (value: number): number => Number(value.toPrecision(6));
