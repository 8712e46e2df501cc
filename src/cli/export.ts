import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

const RAW_HELP =
  "CSV: write every value exactly (by default a text cell a spreadsheet would run as a formula gets a leading ')";

const withPrivacyOptions = (command: Command) =>
  command
    .option('--include-identifiers', 'keep direct identifiers (dates of birth); left out by default')
    .option(
      '--shift-dates <key>',
      "move each participant's dates by 1–180 days derived from this secret key",
    );

export function registerExportCommand(program: Command): void {
  const exportCommand = program
    .command('export')
    .description('export the trial as CDISC ODM, SDTM (SAS XPORT or CSV), a FHIR R4 Bundle or REDCap CSV');

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('odm')
        .description(
          'CDISC ODM 1.3.2: the protocol metadata and the clinical data with audit records and signatures',
        )
        .option('--metadata-only', 'only the protocol metadata (forms, items, code lists, checks)')
        .requiredOption('--out <file>', 'the XML file to write'),
    ),
  ).action(lazyAction(async () => (await import('./export.actions.ts')).exportOdmFile));

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('sdtm')
        .description('SDTM domains DM DS SV EX AE CM MH VS LB TS TA TV and define.xml')
        .option('--format <format>', 'xpt (SAS XPORT version 5) or csv', 'xpt')
        .option('--raw', RAW_HELP)
        .requiredOption(
          '--out <dir>',
          'the folder to write into (created if missing; its parent must exist); filled only when every data set is complete',
        ),
    ),
  ).action(lazyAction(async () => (await import('./export.actions.ts')).exportSdtm));

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('fhir')
        .description(
          'FHIR R4 Bundle: ResearchStudy, ResearchSubject, pseudonymised Patient, Consent, Observation, MedicationAdministration, AdverseEvent',
        )
        .requiredOption('--out <file>', 'the JSON file to write'),
    ),
  ).action(lazyAction(async () => (await import('./export.actions.ts')).exportFhir));

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('redcap')
        .description(
          "REDCap's data dictionary (data-dictionary.csv) and flat records CSV (data.csv) of a longitudinal project",
        )
        .option('--raw', `${RAW_HELP}; use it for REDCap's data import tool`)
        .requiredOption(
          '--out <dir>',
          'the folder to write into (created if missing; its parent must exist); filled only when both files are complete',
        ),
    ),
  ).action(lazyAction(async () => (await import('./export.actions.ts')).exportRedcap));
}
