import type { Command } from 'commander';
import { type DatabaseOptions, withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export interface SiteSettingsOptions extends DatabaseOptions {
  altitude?: string;
  pressure?: string;
}

export interface WorklistOptions extends DatabaseOptions {
  site?: string;
  state?: string;
  at?: string;
  json?: boolean;
}

export function registerSiteCommand(program: Command): void {
  const site = program.command('site').description("the study's sites and their settings");
  withDataOption(
    site.command('list').description('list the sites with their time zone, altitude and barometric pressure'),
  ).action(lazyAction(async () => (await import('./site.actions.ts')).listSitesCommand));
  withDataOption(
    site
      .command('settings')
      .description(
        "set a site's altitude and barometric pressure, which the PaO2/FiO2 correction reads (SITE is the " +
          "site's id or code); an option left out keeps its value, `none` clears it; audited",
      )
      .argument('<site>', 'site id or code (e.g. RJ)')
      .option('--altitude <metres>', 'altitude in whole metres (-500 to 5500), or none')
      .option('--pressure <mmHg>', 'barometric pressure in mmHg, or none'),
  ).action(lazyAction(async () => (await import('./site.actions.ts')).changeSiteSettings));
}

export function registerWorklistCommand(program: Command): void {
  withDataOption(
    program
      .command('worklist')
      .description(
        "forms due today, overdue or missing for every enrolled participant, on each site's date, with how late",
      )
      .option('--site <siteId>', 'one site only')
      .option('--state <state>', 'only due-today, overdue or missing')
      .option('--at <time>', 'as at this time (ISO 8601, e.g. 2026-12-08T07:00:00+08:00) instead of now')
      .option('--json', 'print the worklist as JSON'),
  ).action(lazyAction(async () => (await import('./site.actions.ts')).printWorklist));
}
