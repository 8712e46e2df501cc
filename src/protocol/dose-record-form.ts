import type { Protocol, ProtocolForm } from './schema.ts';

/**
 * The eCRF form that records doses (the protocol's SDTM EX form). It is written only from the dose
 * records of the Dosing screen, so a dose is typed once: the form service refuses to save it directly.
 */
export const isDoseRecordForm = (form: Pick<ProtocolForm, 'sdtmDomain'>): boolean => form.sdtmDomain === 'EX';

export const doseRecordForm = (protocol: Protocol): ProtocolForm | undefined =>
  protocol.forms.find(isDoseRecordForm);
