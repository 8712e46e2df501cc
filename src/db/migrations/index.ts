import type { Migration } from 'kysely/migration';
import * as base from './2026_11_25_01_base.ts';
import * as identity from './2026_11_25_02_identity.ts';
import * as participantsCrf from './2026_11_25_03_participants_crf.ts';
import * as product from './2026_11_25_04_product.ts';
import * as safety from './2026_11_25_05_safety.ts';
import * as dosing from './2026_11_25_06_dosing.ts';
import * as scaleIndexes from './2026_11_25_07_scale_indexes.ts';
import * as productReturns from './2026_11_25_09_product_returns.ts';
import * as accountControls from './2026_12_04_01_account_controls.ts';
import * as loggerGaps from './2026_12_04_03_logger_gaps.ts';
import * as safetySubmissionSignature from './2026_12_04_08_safety_submission_signature.ts';
import * as siteSettings from './2026_12_07_01_site_settings.ts';
import * as notifications from './2026_12_07_02_notifications.ts';
import * as protocolDeviations from './2026_12_07_04_protocol_deviations.ts';
import * as codingDictionaries from './2026_12_08_01_coding_dictionaries.ts';
import * as codingItems from './2026_12_08_02_coding_items.ts';
import * as labReferenceRanges from './2026_12_08_05_lab_reference_ranges.ts';
import * as labFlags from './2026_12_08_06_lab_flags.ts';
import * as aeReportRevision from './2026_12_09_01_ae_report_revision.ts';
import * as submissionDocument from './2026_12_09_02_submission_document.ts';
import * as consentWitness from './2026_12_09_03_consent_witness.ts';
import * as protocolSiteApproval from './2026_12_09_04_protocol_site_approval.ts';
import * as hospitalIdentifier from './2026_12_09_05_hospital_identifier.ts';
import * as labMessages from './2026_12_09_06_lab_messages.ts';
import * as randomisation from './2026_12_09_07_randomisation.ts';
import * as unblinding from './2026_12_10_01_unblinding.ts';
import * as labSendingFacility from './2026_12_10_06_lab_sending_facility.ts';
import * as kitList from './2026_12_10_08_kit_list.ts';
import * as kitListBlocks from './2026_12_11_03_kit_list_blocks.ts';
import * as hospitalIdHistory from './2026_12_11_09_hospital_id_history.ts';
import * as resupplyDue from './2026_12_12_01_resupply_due.ts';

/**
 * Every migration, by name, in order. Append only: a landed migration is never edited or removed,
 * because databases in the field have already run it.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_25_01_base': base,
  '2026_11_25_02_identity': identity,
  '2026_11_25_03_participants_crf': participantsCrf,
  '2026_11_25_04_product': product,
  '2026_11_25_05_safety': safety,
  '2026_11_25_06_dosing': dosing,
  '2026_11_25_07_scale_indexes': scaleIndexes,
  '2026_11_25_09_product_returns': productReturns,
  '2026_12_04_01_account_controls': accountControls,
  '2026_12_04_03_logger_gaps': loggerGaps,
  '2026_12_04_08_safety_submission_signature': safetySubmissionSignature,
  '2026_12_07_01_site_settings': siteSettings,
  '2026_12_07_04_protocol_deviations': protocolDeviations,
  '2026_12_07_02_notifications': notifications,
  '2026_12_08_01_coding_dictionaries': codingDictionaries,
  '2026_12_08_02_coding_items': codingItems,
  '2026_12_08_05_lab_reference_ranges': labReferenceRanges,
  '2026_12_08_06_lab_flags': labFlags,
  '2026_12_09_01_ae_report_revision': aeReportRevision,
  '2026_12_09_02_submission_document': submissionDocument,
  '2026_12_09_03_consent_witness': consentWitness,
  '2026_12_09_04_protocol_site_approval': protocolSiteApproval,
  '2026_12_09_05_hospital_identifier': hospitalIdentifier,
  '2026_12_09_06_lab_messages': labMessages,
  '2026_12_09_07_randomisation': randomisation,
  '2026_12_10_01_unblinding': unblinding,
  '2026_12_10_06_lab_sending_facility': labSendingFacility,
  '2026_12_10_08_kit_list': kitList,
  '2026_12_11_03_kit_list_blocks': kitListBlocks,
  '2026_12_11_09_hospital_id_history': hospitalIdHistory,
  '2026_12_12_01_resupply_due': resupplyDue,
};
