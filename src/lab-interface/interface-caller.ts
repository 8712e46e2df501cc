import { systemActor } from '../audit/audit.schema.ts';
import type { Caller } from '../kernel/caller.ts';

/**
 * Messages that arrive over MLLP or in the drop folder have no signed-in user: the interface acts
 * with a data manager's rights to enter data (crf.import, the same as an import of form data), and
 * the audit trail names the interface and where the message came from.
 */
export function interfaceCaller(from: string): Caller {
  const label = `laboratory interface (${from})`;
  return {
    user: {
      userId: 'lab-interface',
      email: label,
      name: label,
      roles: ['data_manager'],
      siteIds: [],
      status: 'active',
    },
    actor: systemActor(label),
  };
}
