import { existsSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { unpackPgliteTemplate } from './pglite-template.ts';

/**
 * PGlite as shipped trades durability for speed: it starts PostgreSQL with `-F` (fsync off), and the
 * Emscripten NODEFS it persists through has no fsync operation while `fdatasync` (PostgreSQL's
 * default wal_sync_method on Linux) is a no-op. Its writes still reach the kernel at once
 * (writeSync), so a killed process loses nothing, but a power cut could lose committed transactions.
 *
 * We close that gap: NODEFS gets an fsync that calls the real fsync(2), PostgreSQL runs with fsync on
 * and wal_sync_method=fsync, so every COMMIT returns only after its WAL is on disk.
 */
class DurableNodeFS extends NodeFS {
  override async init(
    pg: Parameters<NodeFS['init']>[0],
    options: Parameters<NodeFS['init']>[1],
  ): ReturnType<NodeFS['init']> {
    const result = await super.init(pg, options);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (module: { NODEFS: { stream_ops: { fsync?: (stream: { nfd: number }) => number } } }) => {
        module.NODEFS.stream_ops.fsync = (stream) => {
          fsyncSync(stream.nfd);
          return 0;
        };
      },
    ];
    return result;
  }
}

const INT8_OID = 20;
const DATE_OID = 1082;

/**
 * Opens (creating if needed) a PGlite database in `dataDir` with every commit synced to disk. A
 * folder without a database starts from the initdb template when there is one (pglite-template.ts).
 */
export async function openDurablePglite(dataDir: string): Promise<PGlite> {
  const startParams = [
    ...PGlite.defaultStartParams.filter((parameter) => parameter !== '-F'),
    '-c',
    'wal_sync_method=fsync',
    // PGlite allocates and clears all its shared buffers at every start: 128 MB (its default) cost
    // about 0.45 s of each start, 16 MB about 0.1 s. Pages beyond them are read through the
    // operating system's file cache, which holds a trial's working set as well.
    '-c',
    'shared_buffers=16MB',
  ];
  if (!existsSync(join(dataDir, 'PG_VERSION'))) unpackPgliteTemplate(dataDir);
  return PGlite.create({
    fs: new DurableNodeFS(dataDir),
    startParams,
    parsers: {
      [INT8_OID]: (value: string) => Number(value),
      [DATE_OID]: (value: string) => value,
    },
  });
}
