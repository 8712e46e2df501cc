import { type Command, Option } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

const languageOption = () =>
  new Option('--lang <language>', 'language of the labels: en or zh').choices(['en', 'zh']).default('en');

export function registerCasebookCommand(program: Command): void {
  withDataOption(
    program
      .command('casebook')
      .description(
        "write a participant's full casebook as PDF: every value with its status, SDV marks, signatures, consent, doses, adverse events and the audit trail (recorded as an export)",
      )
      .argument('<participant>', 'the study number (e.g. RJ-001) or the screening number')
      .requiredOption('--out <file>', 'the PDF file to write')
      .addOption(languageOption()),
  ).action(lazyAction(async () => (await import('./casebook.actions.ts')).casebook));
}

export function registerCrfCommand(program: Command): void {
  const crf = program.command('crf').description("the protocol's case report forms on paper");
  withDataOption(
    crf
      .command('blank')
      .description("write blank worksheets of the protocol's forms as PDF, for paper source")
      .option('--visit <key>', 'only the forms of this visit (e.g. day-1)')
      .requiredOption('--out <file>', 'the PDF file to write')
      .addOption(languageOption()),
  ).action(lazyAction(async () => (await import('./casebook.actions.ts')).blankCrf));
}
