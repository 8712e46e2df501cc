import type { Logger } from 'pino';
import type { Database } from '../db/connection.ts';
import { type AnchorLine, writeAnchor } from './anchor.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface AnchorSchedule {
  /** Anchors now (what the timer does); resolves with the line written, or null after an error (logged). */
  runNow(): Promise<AnchorLine | null>;
  stop(): Promise<void>;
}

/**
 * The server's daily anchor: once at start-up, then every `intervalMs`. Several servers on one
 * PostgreSQL each write their line; the verifier accepts the duplicates, which is simpler and
 * safer than a lock that a crashed server could hold. A failure is logged and tried again at the
 * next tick: the server keeps serving.
 */
export function startAnchorSchedule(options: {
  database: Database;
  studyId: string;
  file: string;
  tsaUrl: string | undefined;
  logger: Logger;
  intervalMs?: number;
  clock?: () => Date;
}): AnchorSchedule {
  const { database, studyId, file, tsaUrl, logger } = options;
  let running: Promise<AnchorLine | null> = Promise.resolve(null);
  const runNow = () => {
    // One anchor at a time: a slow time-stamp authority must not pile up overlapping runs.
    running = running.then(async () => {
      try {
        const line = await writeAnchor(database, studyId, { file, tsaUrl, clock: options.clock });
        if (line.timeStampError) {
          logger.error({ file, error: line.timeStampError }, 'audit anchor written without its time stamp');
        } else {
          logger.info({ file, seq: line.seq, stamped: line.timeStamp !== undefined }, 'audit chain anchored');
        }
        return line;
      } catch (error) {
        logger.error({ err: error, file }, 'audit anchor failed');
        return null;
      }
    });
    return running;
  };
  const timer = setInterval(() => void runNow(), options.intervalMs ?? DAY_MS);
  // The anchor never keeps a stopping process alive.
  timer.unref();
  void runNow();
  return {
    runNow,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
