import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../db/connection.ts';
import type { PrivacyOptions } from '../privacy.ts';
import { type FileSink, fileSink, OWNER_ONLY_DIRECTORY, OWNER_ONLY_FILE } from '../stream-file.ts';
import { defineXml } from './define-xml.ts';
import {
  allSdtmDomains,
  type ChunkSink,
  loadSdtmStudy,
  type SdtmFormat,
  type SdtmProgress,
  writeSdtm,
} from './sdtm-export.ts';
import type { SdtmDomainCode } from './variables.ts';

export interface SdtmDirectoryResult {
  directory: string;
  files: Array<{ domain: SdtmDomainCode; file: string; rows: number; bytes: number }>;
  define: string;
  subjects: number;
}

/** Writes every SDTM domain (dm.xpt … tv.xpt, or .csv) and define.xml into `directory`. */
export async function exportSdtmDirectory(
  database: Database,
  studyId: string,
  directory: string,
  options: {
    format: SdtmFormat;
    privacy: PrivacyOptions;
    created?: Date;
    onProgress?: (progress: SdtmProgress) => void;
    batchSize?: number;
  },
): Promise<SdtmDirectoryResult> {
  mkdirSync(directory, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  const created = options.created ?? new Date();
  const study = await loadSdtmStudy(database, studyId, options.privacy);
  const files = new Map<SdtmDomainCode, FileSink>();
  const sinks = new Map<SdtmDomainCode, ChunkSink>();
  for (const code of allSdtmDomains) {
    const file = fileSink(join(directory, `${code.toLowerCase()}.${options.format}`));
    files.set(code, file);
    sinks.set(code, (chunk) => file.write(chunk));
  }
  let result: Awaited<ReturnType<typeof writeSdtm>>;
  try {
    result = await writeSdtm(database, studyId, study, sinks, {
      format: options.format,
      domains: allSdtmDomains,
      created,
      onProgress: options.onProgress,
      batchSize: options.batchSize,
    });
  } finally {
    for (const file of files.values()) await file.close();
  }
  const define = join(directory, 'define.xml');
  writeFileSync(
    define,
    defineXml(study, allSdtmDomains, result.lengths, { created, fileExtension: options.format }),
    { mode: OWNER_ONLY_FILE },
  );
  return {
    directory,
    define,
    subjects: study.subjects,
    files: allSdtmDomains.map((code) => ({
      domain: code,
      file: join(directory, `${code.toLowerCase()}.${options.format}`),
      rows: result.rows.get(code) ?? 0,
      bytes: files.get(code)?.bytes ?? 0,
    })),
  };
}
