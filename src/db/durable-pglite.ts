import type { PGlite } from '@electric-sql/pglite';
import { openDurableFolder } from './durable-open.js';
import { prepareDataFolder } from './pglite-template.ts';

/**
 * Opens (creating if needed) a PGlite database in `dataDir` with every commit synced to disk
 * (durable-open.js says how), in this thread. A folder without a database starts from the initdb
 * template when there is one (pglite-template.ts).
 */
export async function openDurablePglite(dataDir: string): Promise<PGlite> {
  prepareDataFolder(dataDir);
  return openDurableFolder(dataDir);
}
