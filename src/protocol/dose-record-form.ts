import type { Protocol, ProtocolForm, ProtocolItem } from './schema.ts';

/**
 * The eCRF form that records doses (the protocol's SDTM EX form). It is written only from the dose
 * records of the Dosing screen, so a dose is typed once: the form service refuses to save it directly.
 */
export const isDoseRecordForm = (form: Pick<ProtocolForm, 'sdtmDomain'>): boolean => form.sdtmDomain === 'EX';

/**
 * The form each dose is written to and read from, as the protocol's `doseRecord` names it (its items by
 * meaning are in `protocol.doseRecord.items`); none when the protocol has no such section.
 */
export const doseRecordForm = (protocol: Protocol): ProtocolForm | undefined => {
  const formId = protocol.doseRecord?.form;
  return formId === undefined ? undefined : protocol.forms.find((form) => form.id === formId);
};

type Regimen = Protocol['regimen'];

/** Every regimen of the protocol: its own and those of arms that receive something else. */
export const regimensOf = (protocol: Protocol): Regimen[] => [
  protocol.regimen,
  ...protocol.study.design.arms.flatMap((arm) => (arm.regimen ? [arm.regimen] : [])),
];

/**
 * The device a dose is given with, when a regimen of the protocol uses one (kind other than `none`):
 * then every dose record names the device. Read across all regimens, never the participant's arm, so
 * the dose record asks the same questions in every arm of a blinded trial.
 */
export function regimenDevice(protocol: Protocol): Regimen['device'] | undefined {
  return regimensOf(protocol).find((regimen) => regimen.device.kind !== 'none')?.device;
}

/** The item of the dose record form the dose's device is written to (its codes are the devices allowed). */
export const doseRecordDeviceItem = (protocol: Protocol): ProtocolItem | undefined => {
  const itemId = protocol.doseRecord?.items.device;
  return itemId === undefined
    ? undefined
    : doseRecordForm(protocol)?.items.find((item) => item.id === itemId);
};
