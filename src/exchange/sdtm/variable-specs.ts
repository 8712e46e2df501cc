import type { SdtmType, SdtmVariable } from './variables.ts';

/** A variable as the tables write it: name, label, type (char unless said) and origin (Collected unless said). */
export type Spec = [name: string, label: string, type?: SdtmType, origin?: SdtmVariable['origin']];

export const vars = (specs: Spec[]): SdtmVariable[] =>
  specs.map(([name, label, type = 'char', origin = 'Collected']) => ({ name, label, type, origin }));
