import type { PGlite } from '@electric-sql/pglite';

/** PostgreSQL's start parameters: PGlite's own, with fsync on and small shared buffers. */
export const durableStartParams: string[];
/** Opens the database in `dataDir` (which must hold one, or be empty for PGlite's own initdb). */
export function openDurableFolder(dataDir: string): Promise<PGlite>;
