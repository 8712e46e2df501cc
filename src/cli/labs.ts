import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerLabsCommand(program: Command): void {
  const labs = program
    .command('labs')
    .description('laboratory: reference ranges per site, results from the hospital laboratory');
  withDataOption(
    labs
      .command('receive')
      .description(
        'receive laboratory results from a file: HL7 v2 ORU^R01 messages (each starting with MSH) or, for a .json file, ' +
          'a FHIR R4 bundle; each result is written to its visit or put in the review queue; prints the acknowledgement of each message',
      )
      .argument('<file>', 'the message file (.hl7, .txt, or .json for FHIR)'),
  ).action(lazyAction(async () => (await import('./labs.actions.ts')).receiveLabFile));
  const ranges = labs.command('ranges').description("a site's laboratory reference ranges");
  withDataOption(
    ranges
      .command('import')
      .description(
        "replace a site's reference ranges with a CSV file (columns item, sex, ageLow, ageHigh, low, high, unit); " +
          'a file with a bad line imports nothing and lists every bad line',
      )
      .argument('<file>', 'the CSV file of ranges')
      .requiredOption('--site <site>', 'site code (e.g. RJ) or id'),
  ).action(lazyAction(async () => (await import('./labs.actions.ts')).importLabRanges));
  withDataOption(
    ranges
      .command('list')
      .description("print a site's reference ranges as the CSV the import reads")
      .requiredOption('--site <site>', 'site code (e.g. RJ) or id'),
  ).action(lazyAction(async () => (await import('./labs.actions.ts')).listLabRanges));
}
