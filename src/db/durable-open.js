// Opens a PGlite data folder with every commit synced to disk. Plain JavaScript, so the thread that
// runs PGlite (pglite-thread.js) loads it without a TypeScript loader, from the sources as from the
// build; durable-pglite.ts gives it its types and the template of a first start.
import { fsyncSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

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
  async init(pg, options) {
    const result = await super.init(pg, options);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (module) => {
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

/** PostgreSQL's start parameters: PGlite's own, with fsync on and small shared buffers. */
export const durableStartParams = [
  ...PGlite.defaultStartParams.filter((parameter) => parameter !== '-F'),
  '-c',
  'wal_sync_method=fsync',
  // PGlite allocates and clears all its shared buffers at every start: 128 MB (its default) cost
  // about 0.45 s of each start, 16 MB about 0.1 s. Pages beyond them are read through the
  // operating system's file cache, which holds a trial's working set as well.
  '-c',
  'shared_buffers=16MB',
];

/** Opens the database in `dataDir` (which must hold one, or be empty for PGlite's own initdb). */
export function openDurableFolder(dataDir) {
  return PGlite.create({
    fs: new DurableNodeFS(dataDir),
    startParams: durableStartParams,
    parsers: {
      // bigint counts as numbers (a trial's counts stay far below 2^53), dates as their ISO text.
      [INT8_OID]: (value) => Number(value),
      [DATE_OID]: (value) => value,
    },
  });
}
