import type { Actor } from '../audit/audit.schema.ts';
import type { UserView } from '../auth/auth.schema.ts';

/** Who calls a service: the signed-in user (for authorization) and the actor written into audit events. */
export interface Caller {
  user: UserView;
  actor: Actor;
}
