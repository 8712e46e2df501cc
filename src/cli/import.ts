import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { importOdmMetadata } from '../exchange/odm/odm-import.ts';
import { CliUserError } from './cli-errors.ts';

export function registerImportCommand(program: Command): void {
  const importCommand = program
    .command('import')
    .description('turn forms from other systems into protocol forms');
  importCommand
    .command('odm <file>')
    .description('read the metadata of a CDISC ODM 1.3.2 file into protocol forms and code lists (YAML)')
    .option('--out <file>', 'write the YAML here instead of standard output')
    .action((file: string, options: { out?: string }) => {
      let xml: string;
      try {
        xml = readFileSync(file, 'utf8');
      } catch {
        throw new CliUserError(`Cannot read ${file}.`);
      }
      const result = importOdmMetadata(xml);
      const yaml = stringify({ forms: result.forms, codeLists: result.codeLists });
      if (options.out) writeFileSync(options.out, yaml);
      else process.stdout.write(yaml);
      for (const note of result.notes) process.stderr.write(`not imported: ${note}\n`);
      process.stderr.write(
        `${result.forms.length} forms, ${result.codeLists.length} code lists; paste them into a protocol file and run \`exotrial protocol validate\`.\n`,
      );
    });
}
