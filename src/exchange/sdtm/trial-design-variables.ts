import { vars } from './variable-specs.ts';
import type { SdtmDomain, TrialDesignCode } from './variables.ts';

// The trial design data sets (SDTMIG 3.3 section 7): built from the protocol alone.

export const trialDesignDomains: Record<TrialDesignCode, SdtmDomain> = {
  TS: {
    code: 'TS',
    label: 'Trial Summary',
    sdtmClass: 'TRIAL DESIGN',
    structure: 'One record per trial summary parameter value',
    keys: ['STUDYID', 'TSPARMCD', 'TSSEQ'],
    variables: vars([
      ['STUDYID', 'Study Identifier', 'char', 'Assigned'],
      ['DOMAIN', 'Domain Abbreviation', 'char', 'Assigned'],
      ['TSSEQ', 'Sequence Number', 'num', 'Assigned'],
      ['TSPARMCD', 'Trial Summary Parameter Short Name', 'char', 'Assigned'],
      ['TSPARM', 'Trial Summary Parameter', 'char', 'Assigned'],
      ['TSVAL', 'Parameter Value', 'char', 'Protocol'],
      ['TSVALCD', 'Parameter Value Code', 'char', 'Assigned'],
      ['TSVCDREF', 'Name of the Reference Terminology', 'char', 'Assigned'],
    ]),
  },
  TA: {
    code: 'TA',
    label: 'Trial Arms',
    sdtmClass: 'TRIAL DESIGN',
    structure: 'One record per planned Element per Arm',
    keys: ['STUDYID', 'ARMCD', 'TAETORD'],
    variables: vars([
      ['STUDYID', 'Study Identifier', 'char', 'Assigned'],
      ['DOMAIN', 'Domain Abbreviation', 'char', 'Assigned'],
      ['ARMCD', 'Planned Arm Code', 'char', 'Protocol'],
      ['ARM', 'Description of Planned Arm', 'char', 'Protocol'],
      ['TAETORD', 'Planned Order of Element within Arm', 'num', 'Protocol'],
      ['ETCD', 'Element Code', 'char', 'Protocol'],
      ['ELEMENT', 'Description of Element', 'char', 'Protocol'],
      ['EPOCH', 'Epoch', 'char', 'Protocol'],
    ]),
  },
  TE: {
    code: 'TE',
    label: 'Trial Elements',
    sdtmClass: 'TRIAL DESIGN',
    structure: 'One record per planned Element',
    keys: ['STUDYID', 'ETCD'],
    variables: vars([
      ['STUDYID', 'Study Identifier', 'char', 'Assigned'],
      ['DOMAIN', 'Domain Abbreviation', 'char', 'Assigned'],
      ['ETCD', 'Element Code', 'char', 'Protocol'],
      ['ELEMENT', 'Description of Element', 'char', 'Protocol'],
      ['TESTRL', 'Rule for Start of Element', 'char', 'Protocol'],
      ['TEENRL', 'Rule for End of Element', 'char', 'Protocol'],
      ['TEDUR', 'Planned Duration of Element', 'char', 'Protocol'],
    ]),
  },
  TV: {
    code: 'TV',
    label: 'Trial Visits',
    sdtmClass: 'TRIAL DESIGN',
    structure: 'One record per planned Visit per Arm',
    keys: ['STUDYID', 'VISITNUM'],
    variables: vars([
      ['STUDYID', 'Study Identifier', 'char', 'Assigned'],
      ['DOMAIN', 'Domain Abbreviation', 'char', 'Assigned'],
      ['VISITNUM', 'Visit Number', 'num', 'Protocol'],
      ['VISIT', 'Visit Name', 'char', 'Protocol'],
      ['VISITDY', 'Planned Study Day of Visit', 'num', 'Protocol'],
      ['TVSTRL', 'Visit Start Rule', 'char', 'Protocol'],
      ['TVENRL', 'Visit End Rule', 'char', 'Protocol'],
    ]),
  },
};
