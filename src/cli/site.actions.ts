import { worklistQuerySchema } from '../participants/worklist.schema.ts';
import { studyWorklist } from '../participants/worklist.service.ts';
import { listSites, type SiteEntry, updateSiteSettings } from '../study/site.service.ts';
import { siteSettingsSchema } from '../study/study.schema.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import type { DatabaseOptions } from './data-option.ts';
import { checkDataFolder, configFor, withStudyDatabase } from './database-options.ts';
import type { SiteSettingsOptions, WorklistOptions } from './site.ts';

const shown = (value: number | null, unit: string) => (value === null ? 'not set' : `${value} ${unit}`);

const siteLine = (site: SiteEntry) =>
  `${site.code.padEnd(8)} ${site.siteId.padEnd(12)} ${site.timeZone.padEnd(20)} altitude ${shown(site.altitudeM, 'm')}, pressure ${shown(site.barometricPressureMmHg, 'mmHg')}  ${site.name.en}`;

export async function listSitesCommand(options: DatabaseOptions): Promise<void> {
  const sites = await withStudyDatabase(options, (database, studyId) =>
    database.read((db) => listSites(db, studyId)),
  );
  process.stdout.write(`${sites.map(siteLine).join('\n')}\n`);
}

/** A number option, `none` (cleared), or undefined when left out (kept). */
function settingValue(option: string | undefined, name: string): number | null | undefined {
  if (option === undefined) return undefined;
  if (option.trim().toLowerCase() === 'none') return null;
  const value = Number(option);
  if (option.trim() === '' || !Number.isFinite(value)) {
    throw new CliUserError(`--${name} must be a number or none, not "${option}".`);
  }
  return value;
}

export async function changeSiteSettings(siteArgument: string, options: SiteSettingsOptions): Promise<void> {
  // A data folder that cannot be used is said first, whatever else is wrong with the command.
  checkDataFolder(configFor(options), 'read');
  const altitude = settingValue(options.altitude, 'altitude');
  const pressure = settingValue(options.pressure, 'pressure');
  if (altitude === undefined && pressure === undefined) {
    throw new CliUserError('Give --altitude, --pressure or both (a number, or none to clear it).');
  }
  const caller = cliCaller('site settings');
  const updated = await withStudyDatabase(
    options,
    (database, studyId) =>
      database.transaction(async (trx) => {
        const sites = await listSites(trx, studyId);
        const site = sites.find((entry) => entry.siteId === siteArgument || entry.code === siteArgument);
        if (!site) {
          const known = sites.map((entry) => entry.code).join(', ');
          throw new CliUserError(`There is no site ${siteArgument}. The sites are: ${known}.`);
        }
        const parsed = siteSettingsSchema.safeParse({
          altitudeM: altitude === undefined ? site.altitudeM : altitude,
          barometricPressureMmHg: pressure === undefined ? site.barometricPressureMmHg : pressure,
        });
        if (!parsed.success) {
          const lines = parsed.error.issues.map((issue) => `  ${issue.message}`);
          throw new CliUserError(`Cannot change the settings of ${site.code}:\n${lines.join('\n')}`);
        }
        return updateSiteSettings(trx, studyId, caller.actor, site.siteId, parsed.data);
      }),
    'read',
  );
  process.stdout.write(`${siteLine(updated)}\n`);
}

export async function printWorklist(options: WorklistOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const query = worklistQuerySchema.safeParse({ siteId: options.site, state: options.state });
  if (!query.success) {
    throw new CliUserError(
      `--state must be due-today, overdue or missing${options.site ? ', and --site a site id' : ''}.`,
    );
  }
  const at = options.at === undefined ? new Date() : new Date(options.at);
  if (Number.isNaN(at.getTime()) || (options.at !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(options.at))) {
    throw new CliUserError(
      `--at must be a date and time such as 2026-12-08T07:00:00+08:00, not "${options.at}".`,
    );
  }
  const caller = cliCaller('worklist');
  const worklist = await withStudyDatabase(
    options,
    async (database, studyId) => {
      if (query.data.siteId) {
        const sites = await database.read((db) => listSites(db, studyId));
        if (!sites.some((site) => site.siteId === query.data.siteId)) {
          throw new CliUserError(
            `There is no site ${query.data.siteId}. The sites are: ${sites.map((site) => site.siteId).join(', ')}.`,
          );
        }
      }
      return database.read((db) => studyWorklist(db, studyId, caller, query.data, at));
    },
    'read',
    'read-only',
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify(worklist, null, 2)}\n`);
    return;
  }
  const { counts } = worklist;
  process.stdout.write(
    `Due today ${counts.dueToday}, overdue ${counts.overdue}, missing ${counts.missing}\n`,
  );
  for (const participant of worklist.participants) {
    process.stdout.write(
      `\n${participant.participantLabel} (site ${participant.siteId}, site date ${participant.today})\n`,
    );
    for (const item of participant.items) {
      const late = item.daysLate > 0 ? `, ${item.daysLate} day${item.daysLate === 1 ? '' : 's'} late` : '';
      const instance = item.instance > 1 ? ` day ${item.instance}` : '';
      process.stdout.write(
        `  ${item.state.padEnd(9)} ${item.visitKey}${instance} ${item.formTitle.en} (target ${item.targetDate}, window ${item.earliestDate}…${item.latestDate}${late})\n`,
      );
    }
  }
}
