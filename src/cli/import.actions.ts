import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { type ImportResult, importOdmMetadata } from '../exchange/odm/odm-import.ts';
import { importRedcapDictionary } from '../exchange/redcap/redcap-import.ts';
import { aboutFile, checkOutputFile, readTextInput } from './cli-files.ts';

/** The forms as YAML, and on standard error each thing that could not be carried over. */
function writeImport(result: ImportResult, out: string | undefined): void {
  const yaml = stringify({ forms: result.forms, codeLists: result.codeLists });
  if (out) writeFileSync(out, yaml);
  else process.stdout.write(yaml);
  for (const note of result.notes) process.stderr.write(`not imported: ${note}\n`);
  process.stderr.write(
    `${result.forms.length} forms, ${result.codeLists.length} code lists, ${result.notes.length} things not imported; paste them into a protocol file and run \`exotrial protocol validate\`.\n`,
  );
}

export const importOdm = async (file: string, options: { out?: string }) => {
  const text = readTextInput(file, 'a CDISC ODM 1.3.2 XML file');
  if (options.out) checkOutputFile(options.out, 'the YAML');
  writeImport(await aboutFile(file, () => importOdmMetadata(text)), options.out);
};

export const importRedcap = async (file: string, options: { out?: string }) => {
  const text = readTextInput(file, 'a REDCap data dictionary (CSV)');
  if (options.out) checkOutputFile(options.out, 'the YAML');
  writeImport(await aboutFile(file, () => importRedcapDictionary(text)), options.out);
};
