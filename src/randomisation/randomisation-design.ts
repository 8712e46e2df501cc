import type { RandomisationDesign } from '../protocol/schema-randomisation.ts';
import { allStrata, type Stratum } from './strata.ts';

/** What a list is generated from and what allocation reads back: the protocol's section and the sites then. */
export interface StoredDesign {
  randomisation: RandomisationDesign;
  siteIds: string[];
}

export const strataOfDesign = (design: StoredDesign): Stratum[] =>
  allStrata(design.randomisation.stratification, design.siteIds);
