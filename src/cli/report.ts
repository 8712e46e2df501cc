import { type Command, Option } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerReportCommand(program: Command): void {
  withDataOption(
    program
      .command('report')
      .description(
        'write the trial report (study summary, CONSORT, baseline, dosing, safety, efficacy with plots)',
      )
      .addOption(
        new Option('--format <format>', 'html, pdf or json').choices(['html', 'pdf', 'json']).default('html'),
      )
      .option('--out <file>', 'file to write (default: standard output for html and json)')
      .option('--historical-mortality <rate>', 'mortality the exact test compares with', '0.1'),
  ).action(lazyAction(async () => (await import('./report.actions.ts')).report));
}
