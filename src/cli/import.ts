import type { Command } from 'commander';
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
}
