import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerImportCommand(program: Command): void {
  const importCommand = program
    .command('import')
    .description('turn forms from other systems into protocol forms');
  importCommand
    .command('odm <file>')
    .description('read the metadata of a CDISC ODM 1.3.2 file into protocol forms and code lists (YAML)')
    .option('--out <file>', 'write the YAML here instead of standard output')
    .action(lazyAction(async () => (await import('./import.actions.ts')).importOdm));
  importCommand
    .command('redcap <file>')
    .description(
      'read a REDCap data dictionary (CSV) into protocol forms (YAML): field types, choices, validation, required fields, branching logic as showIf rules',
    )
    .option('--out <file>', 'write the YAML here instead of standard output')
    .action(lazyAction(async () => (await import('./import.actions.ts')).importRedcap));
  withDataOption(
    importCommand
      .command('data <file>')
      .description(
        'import form data (CSV wide or long, XLSX, a REDCap records export, or CDISC ODM 1.3.2 ClinicalData) with the checks of data entry, all or nothing: a file with bad rows imports nothing and lists them by line',
      )
      .option(
        '--format <format>',
        'csv, xlsx, odm or redcap (by default from the file name: .xlsx, .xml, else csv)',
      )
      .option('--dry-run', 'check and list the problems and the changes, writing nothing')
      .option('--skip-bad-rows', 'import the good rows of a file with bad rows (the bad ones are listed)')
      .option(
        '--mapping <json-file>',
        'column names to items: {"columns": {"Temp": "vitals.temperature"}, "visit": "screening"}',
      )
      .option('--override-locked <reason>', 'write to locked or signed records, giving the reason')
      .option('--quiet', 'no progress bar'),
  ).action(lazyAction(async () => (await import('./data-import.actions.ts')).importData));
  withDataOption(
    importCommand
      .command('template')
      .description(
        'write a CSV template for the form data import: participant, visit, instance and a column per item (form.item), a line per participant and visit',
      )
      .option('--format <format>', 'csv (the one template format)', 'csv')
      .option('--visit <key>', 'only the forms of this visit (e.g. screening, day-7)')
      .option('--out <file>', 'write the template here instead of standard output'),
  ).action(lazyAction(async () => (await import('./data-import.actions.ts')).importTemplate));
}
