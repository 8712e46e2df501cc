import { systemActor } from '../audit/audit.schema.ts';
import type { Caller } from '../kernel/caller.ts';

/**
 * Whoever can run the CLI against the database already holds the keys to it; commands act as the
 * study's operator, and the audit trail names the command and the operating-system user.
 */
export function cliCaller(command: string): Caller {
  const label = `cli ${command} (${process.env.USER ?? 'unknown'})`;
  return {
    user: {
      userId: 'cli',
      email: label,
      name: label,
      roles: ['administrator', 'data_manager'],
      siteIds: [],
      status: 'active',
    },
    actor: systemActor(label),
  };
}
