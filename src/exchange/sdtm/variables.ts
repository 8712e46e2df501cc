// The SDTM data sets exotrial writes (SDTMIG 3.3 names, labels and types), in submission order.
// Character lengths are not fixed here: the export measures the data first and sizes each variable
// to its longest value, as FDA's technical conformance guide asks.

import { trialDesignDomains } from './trial-design-variables.ts';
import { type Spec, vars } from './variable-specs.ts';

export type SdtmType = 'char' | 'num';
export interface SdtmVariable {
  name: string;
  label: string;
  type: SdtmType;
  /** Where the value comes from, for define.xml. */
  origin: 'Collected' | 'Derived' | 'Assigned' | 'Protocol';
}
export interface SdtmDomain {
  code: SdtmDatasetCode;
  label: string;
  sdtmClass: 'SPECIAL PURPOSE' | 'INTERVENTIONS' | 'EVENTS' | 'FINDINGS' | 'TRIAL DESIGN' | 'RELATIONSHIP';
  structure: string;
  keys: string[];
  variables: SdtmVariable[];
}

export const sdtmDomainCodes = [
  'DM',
  'DS',
  'SV',
  'EX',
  'AE',
  'DV',
  'CM',
  'MH',
  'VS',
  'LB',
  'MB',
  'TS',
  'TA',
  'TE',
  'TV',
] as const;
export type SdtmDomainCode = (typeof sdtmDomainCodes)[number];
/** The domains built from the protocol alone: no participant, so no supplemental qualifiers. */
export type TrialDesignCode = 'TS' | 'TA' | 'TE' | 'TV';
/** The domains with a record per participant (or per participant's event or finding). */
export type SubjectDomainCode = Exclude<SdtmDomainCode, TrialDesignCode>;
/** A supplemental qualifier data set: SUPPCM holds what does not fit in CM. */
export type SuppCode = `SUPP${SubjectDomainCode}`;
/** Any data set the export writes. */
export type SdtmDatasetCode = SdtmDomainCode | SuppCode;

export const isTrialDesignCode = (code: string): code is TrialDesignCode =>
  code === 'TS' || code === 'TA' || code === 'TE' || code === 'TV';
export const subjectDomainCodes = sdtmDomainCodes.filter(
  (code): code is SubjectDomainCode => !isTrialDesignCode(code),
);
export const suppCodes: readonly SuppCode[] = subjectDomainCodes.map((code) => `SUPP${code}` as const);
export const isSuppCode = (code: string): code is SuppCode => (suppCodes as readonly string[]).includes(code);
/** The domain a data set qualifies: CM for SUPPCM, the domain itself otherwise. */
export const parentOf = (code: SdtmDatasetCode): SdtmDomainCode =>
  isSuppCode(code) ? (code.slice(4) as SubjectDomainCode) : code;

const identifiers: Spec[] = [
  ['STUDYID', 'Study Identifier', 'char', 'Assigned'],
  ['DOMAIN', 'Domain Abbreviation', 'char', 'Assigned'],
  ['USUBJID', 'Unique Subject Identifier', 'char', 'Derived'],
];
const visit: Spec[] = [
  ['VISITNUM', 'Visit Number', 'num', 'Assigned'],
  ['VISIT', 'Visit Name', 'char', 'Assigned'],
  ['VISITDY', 'Planned Study Day of Visit', 'num', 'Protocol'],
];

// The site's reference range of a laboratory value (src/labs), in the unit it was entered in and in the
// standard unit, and the value's flag against it.
const labOriginalRange: Spec[] = [
  ['LBORNRLO', 'Reference Range Lower Limit in Orig Unit', 'char', 'Assigned'],
  ['LBORNRHI', 'Reference Range Upper Limit in Orig Unit', 'char', 'Assigned'],
];
const labStandardRange: Spec[] = [
  ['LBSTNRLO', 'Reference Range Lower Limit-Std Units', 'num', 'Derived'],
  ['LBSTNRHI', 'Reference Range Upper Limit-Std Units', 'num', 'Derived'],
  ['LBNRIND', 'Reference Range Indicator', 'char', 'Derived'],
];

function findings(prefix: 'VS' | 'LB', title: string): SdtmVariable[] {
  return vars([
    ...identifiers,
    [`${prefix}SEQ`, 'Sequence Number', 'num', 'Derived'],
    [`${prefix}TESTCD`, `${title} Test Short Name`, 'char', 'Assigned'],
    [`${prefix}TEST`, `${title} Test Name`, 'char', 'Assigned'],
    [`${prefix}CAT`, `Category for ${title === 'Lab' ? 'Lab Test' : title}`, 'char', 'Assigned'],
    [`${prefix}ORRES`, 'Result or Finding in Original Units'],
    [`${prefix}ORRESU`, 'Original Units', 'char', 'Protocol'],
    ...(prefix === 'LB' ? labOriginalRange : []),
    [`${prefix}STRESC`, 'Character Result/Finding in Std Format', 'char', 'Derived'],
    [`${prefix}STRESN`, 'Numeric Result/Finding in Standard Units', 'num', 'Derived'],
    [`${prefix}STRESU`, 'Standard Units', 'char', 'Derived'],
    ...(prefix === 'LB' ? labStandardRange : []),
    [`${prefix}STAT`, 'Completion Status'],
    [`${prefix}REASND`, 'Reason Not Done'],
    ...visit,
    [`${prefix}DTC`, `Date/Time of ${prefix === 'VS' ? 'Measurements' : 'Specimen Collection'}`],
    [
      `${prefix}DY`,
      `Study Day of ${prefix === 'VS' ? 'Vital Signs' : 'Specimen Collection'}`,
      'num',
      'Derived',
    ],
    [`${prefix}TPT`, 'Planned Time Point Name', 'char', 'Protocol'],
    [`${prefix}TPTNUM`, 'Planned Time Point Number', 'num', 'Protocol'],
    [`${prefix}ELTM`, 'Planned Elapsed Time from Time Point Ref', 'char', 'Protocol'],
    [`${prefix}TPTREF`, 'Time Point Reference', 'char', 'Protocol'],
  ]);
}

export const sdtmDomains: Record<SdtmDomainCode, SdtmDomain> = {
  DM: {
    code: 'DM',
    label: 'Demographics',
    sdtmClass: 'SPECIAL PURPOSE',
    structure: 'One record per subject',
    keys: ['STUDYID', 'USUBJID'],
    variables: vars([
      ...identifiers,
      ['SUBJID', 'Subject Identifier for the Study', 'char', 'Assigned'],
      ['RFSTDTC', 'Subject Reference Start Date/Time', 'char', 'Derived'],
      ['RFENDTC', 'Subject Reference End Date/Time', 'char', 'Derived'],
      ['RFXSTDTC', 'Date/Time of First Study Treatment', 'char', 'Derived'],
      ['RFXENDTC', 'Date/Time of Last Study Treatment', 'char', 'Derived'],
      ['RFICDTC', 'Date/Time of Informed Consent'],
      ['RFPENDTC', 'Date/Time of End of Participation', 'char', 'Derived'],
      ['DTHDTC', 'Date/Time of Death'],
      ['DTHFL', 'Subject Death Flag', 'char', 'Derived'],
      ['SITEID', 'Study Site Identifier', 'char', 'Assigned'],
      ['BRTHDTC', 'Date/Time of Birth'],
      ['AGE', 'Age', 'num', 'Derived'],
      ['AGEU', 'Age Units', 'char', 'Assigned'],
      ['SEX', 'Sex'],
      ['RACE', 'Race'],
      ['ETHNIC', 'Ethnicity'],
      ['ARMCD', 'Planned Arm Code', 'char', 'Assigned'],
      ['ARM', 'Description of Planned Arm', 'char', 'Assigned'],
      ['ACTARMCD', 'Actual Arm Code', 'char', 'Derived'],
      ['ACTARM', 'Description of Actual Arm', 'char', 'Derived'],
      ['ARMNRS', 'Reason Arm and/or Actual Arm is Null', 'char', 'Derived'],
      ['COUNTRY', 'Country', 'char', 'Assigned'],
    ]),
  },
  DS: {
    code: 'DS',
    label: 'Disposition',
    sdtmClass: 'EVENTS',
    structure: 'One record per disposition status or protocol milestone per subject',
    keys: ['STUDYID', 'USUBJID', 'DSDECOD', 'DSSTDTC'],
    variables: vars([
      ...identifiers,
      ['DSSEQ', 'Sequence Number', 'num', 'Derived'],
      ['DSTERM', 'Reported Term for the Disposition Event'],
      ['DSDECOD', 'Standardized Disposition Term', 'char', 'Assigned'],
      ['DSCAT', 'Category for Disposition Event', 'char', 'Assigned'],
      ['EPOCH', 'Epoch', 'char', 'Derived'],
      ['DSSTDTC', 'Start Date/Time of Disposition Event'],
      ['DSSTDY', 'Study Day of Start of Disposition Event', 'num', 'Derived'],
    ]),
  },
  SV: {
    code: 'SV',
    label: 'Subject Visits',
    sdtmClass: 'SPECIAL PURPOSE',
    structure: 'One record per actual visit per subject',
    keys: ['STUDYID', 'USUBJID', 'VISITNUM'],
    variables: vars([
      ...identifiers,
      ...visit,
      ['SVSTDTC', 'Start Date/Time of Visit', 'char', 'Derived'],
      ['SVENDTC', 'End Date/Time of Visit', 'char', 'Derived'],
      ['SVSTDY', 'Study Day of Start of Visit', 'num', 'Derived'],
      ['SVENDY', 'Study Day of End of Visit', 'num', 'Derived'],
    ]),
  },
  EX: {
    code: 'EX',
    label: 'Exposure',
    sdtmClass: 'INTERVENTIONS',
    structure: 'One record per constant dosing interval per subject',
    keys: ['STUDYID', 'USUBJID', 'EXTRT', 'EXSTDTC'],
    variables: vars([
      ...identifiers,
      ['EXSEQ', 'Sequence Number', 'num', 'Derived'],
      ['EXTRT', 'Name of Treatment', 'char', 'Protocol'],
      ['EXDOSE', 'Dose', 'num'],
      ['EXDOSU', 'Dose Units', 'char', 'Protocol'],
      ['EXDOSFRM', 'Dose Form', 'char', 'Protocol'],
      ['EXDOSFRQ', 'Dosing Frequency per Interval', 'char', 'Protocol'],
      ['EXROUTE', 'Route of Administration', 'char', 'Protocol'],
      ['EXLOT', 'Lot Number'],
      ['EXADJ', 'Reason for Dose Adjustment'],
      ...visit,
      ['EXSTDTC', 'Start Date/Time of Treatment'],
      ['EXENDTC', 'End Date/Time of Treatment'],
      ['EXSTDY', 'Study Day of Start of Treatment', 'num', 'Derived'],
      ['EXENDY', 'Study Day of End of Treatment', 'num', 'Derived'],
    ]),
  },
  AE: {
    code: 'AE',
    label: 'Adverse Events',
    sdtmClass: 'EVENTS',
    structure: 'One record per adverse event per subject',
    keys: ['STUDYID', 'USUBJID', 'AETERM', 'AESTDTC'],
    variables: vars([
      ...identifiers,
      ['AESEQ', 'Sequence Number', 'num', 'Derived'],
      ['AESPID', 'Sponsor-Defined Identifier', 'char', 'Assigned'],
      ['AETERM', 'Reported Term for the Adverse Event'],
      ['AELLT', 'Lowest Level Term', 'char', 'Assigned'],
      ['AELLTCD', 'Lowest Level Term Code', 'num', 'Assigned'],
      ['AEDECOD', 'Dictionary-Derived Term', 'char', 'Assigned'],
      ['AEPTCD', 'Preferred Term Code', 'num', 'Assigned'],
      ['AEHLT', 'High Level Term', 'char', 'Assigned'],
      ['AEHLTCD', 'High Level Term Code', 'num', 'Assigned'],
      ['AEHLGT', 'High Level Group Term', 'char', 'Assigned'],
      ['AEHLGTCD', 'High Level Group Term Code', 'num', 'Assigned'],
      ['AEBODSYS', 'Body System or Organ Class', 'char', 'Assigned'],
      ['AEBDSYCD', 'Body System or Organ Class Code', 'num', 'Assigned'],
      ['AESOC', 'Primary System Organ Class', 'char', 'Assigned'],
      ['AESOCCD', 'Primary System Organ Class Code', 'num', 'Assigned'],
      ['AESER', 'Serious Event'],
      ['AEACN', 'Action Taken with Study Treatment'],
      ['AEREL', 'Causality'],
      ['AEOUT', 'Outcome of Adverse Event'],
      ['AESDTH', 'Results in Death'],
      ['AESLIFE', 'Is Life Threatening'],
      ['AESHOSP', 'Requires or Prolongs Hospitalization'],
      ['AESDISAB', 'Persist or Signif Disability/Incapacity'],
      ['AESCONG', 'Congenital Anomaly or Birth Defect'],
      ['AESMIE', 'Other Medically Important Serious Event'],
      ['AETOXGR', 'Standard Toxicity Grade'],
      ['AESTDTC', 'Start Date/Time of Adverse Event'],
      ['AEENDTC', 'End Date/Time of Adverse Event'],
      ['AESTDY', 'Study Day of Start of Adverse Event', 'num', 'Derived'],
      ['AEENDY', 'Study Day of End of Adverse Event', 'num', 'Derived'],
      ['AEENRTPT', 'End Relative to Reference Time Point'],
      ['AEENTPT', 'End Reference Time Point', 'char', 'Assigned'],
    ]),
  },
  DV: {
    code: 'DV',
    label: 'Protocol Deviations',
    sdtmClass: 'EVENTS',
    structure: 'One record per protocol deviation per subject',
    keys: ['STUDYID', 'USUBJID', 'DVTERM', 'DVSTDTC'],
    variables: vars([
      ...identifiers,
      ['DVSEQ', 'Sequence Number', 'num', 'Derived'],
      ['DVSPID', 'Sponsor-Defined Identifier', 'char', 'Assigned'],
      ['DVTERM', 'Protocol Deviation Term'],
      ['DVCAT', 'Category for Protocol Deviation', 'char', 'Assigned'],
      ['DVSCAT', 'Subcategory for Protocol Deviation', 'char', 'Assigned'],
      ['VISITNUM', 'Visit Number', 'num', 'Assigned'],
      ['VISIT', 'Visit Name', 'char', 'Assigned'],
      ['DVSTDTC', 'Start Date/Time of Deviation'],
      ['DVSTDY', 'Study Day of Start of Deviation', 'num', 'Derived'],
    ]),
  },
  CM: {
    code: 'CM',
    label: 'Concomitant/Concurrent Medications',
    sdtmClass: 'INTERVENTIONS',
    structure: 'One record per recorded intervention occurrence per subject',
    keys: ['STUDYID', 'USUBJID', 'CMTRT', 'CMSTDTC'],
    variables: vars([
      ...identifiers,
      ['CMSEQ', 'Sequence Number', 'num', 'Derived'],
      ['CMSPID', 'Sponsor-Defined Identifier', 'char', 'Assigned'],
      ['CMTRT', 'Reported Name of Drug, Med, or Therapy'],
      ['CMDECOD', 'Standardized Medication Name', 'char', 'Assigned'],
      ['CMCAT', 'Category for Medication'],
      ['CMINDC', 'Indication'],
      ['CMCLAS', 'Medication Class', 'char', 'Assigned'],
      ['CMCLASCD', 'Medication Class Code', 'char', 'Assigned'],
      ['CMDOSTXT', 'Dose Description'],
      ['CMROUTE', 'Route of Administration'],
      ['CMSTDTC', 'Start Date/Time of Medication'],
      ['CMENDTC', 'End Date/Time of Medication'],
      ['CMSTDY', 'Study Day of Start of Medication', 'num', 'Derived'],
      ['CMENDY', 'Study Day of End of Medication', 'num', 'Derived'],
      ['CMENRTPT', 'End Relative to Reference Time Point'],
      ['CMENTPT', 'End Reference Time Point', 'char', 'Assigned'],
    ]),
  },
  MH: {
    code: 'MH',
    label: 'Medical History',
    sdtmClass: 'EVENTS',
    structure: 'One record per medical history event per subject',
    keys: ['STUDYID', 'USUBJID', 'MHTERM'],
    variables: vars([
      ...identifiers,
      ['MHSEQ', 'Sequence Number', 'num', 'Derived'],
      ['MHTERM', 'Reported Term for the Medical History', 'char', 'Protocol'],
      ['MHCAT', 'Category for Medical History', 'char', 'Assigned'],
      ['MHPRESP', 'Medical History Event Pre-Specified', 'char', 'Assigned'],
      ['MHOCCUR', 'Medical History Occurrence'],
      ['MHSTDTC', 'Start Date/Time of Medical History Event'],
    ]),
  },
  VS: {
    code: 'VS',
    label: 'Vital Signs',
    sdtmClass: 'FINDINGS',
    structure: 'One record per vital sign measurement per time point per visit per subject',
    keys: ['STUDYID', 'USUBJID', 'VSTESTCD', 'VISITNUM', 'VSTPTNUM'],
    variables: findings('VS', 'Vital Signs'),
  },
  LB: {
    code: 'LB',
    label: 'Laboratory Test Results',
    sdtmClass: 'FINDINGS',
    structure: 'One record per lab test per visit per subject',
    keys: ['STUDYID', 'USUBJID', 'LBTESTCD', 'VISITNUM'],
    variables: findings('LB', 'Lab'),
  },
  MB: {
    code: 'MB',
    label: 'Microbiology Specimen',
    sdtmClass: 'FINDINGS',
    structure: 'One record per microbiology specimen finding per time point per visit per subject',
    keys: ['STUDYID', 'USUBJID', 'MBTESTCD', 'MBDTC', 'MBSEQ'],
    variables: vars([
      ...identifiers,
      ['MBSEQ', 'Sequence Number', 'num', 'Derived'],
      ['MBTESTCD', 'Microbiology Test or Finding Short Name', 'char', 'Assigned'],
      ['MBTEST', 'Microbiology Test or Finding Name', 'char', 'Assigned'],
      ['MBORRES', 'Result or Finding in Original Units'],
      ['MBSTRESC', 'Character Result/Finding in Std Format', 'char', 'Derived'],
      ['MBSTRESN', 'Numeric Result/Finding in Standard Units', 'num', 'Derived'],
      ['MBSTAT', 'Completion Status'],
      ['MBREASND', 'Reason Not Done'],
      ['MBSPEC', 'Specimen Material Type'],
      ...visit,
      ['MBDTC', 'Date/Time of Collection'],
      ['MBDY', 'Study Day of Collection', 'num', 'Derived'],
    ]),
  },
  ...trialDesignDomains,
};

/** A row of a data set: values by variable name; absent means null. */
export type SdtmRow = Record<string, string | number | null | undefined>;
