/** The roles a trial team member can hold (ICH E6 delegation log vocabulary). */
export const roles = [
  'administrator',
  'investigator',
  'sub_investigator',
  'study_coordinator',
  'pharmacist',
  'unblinded_pharmacist',
  'data_manager',
  'monitor',
  'safety_officer',
  'statistician',
  'sponsor_viewer',
  // Codes verbatim terms (MedDRA, WHODrug) when the protocol names a coder role apart from the data manager.
  'medical_coder',
  'dsmb',
] as const;

export type Role = (typeof roles)[number];

export const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);
