import { readFile } from 'node:fs/promises';
import { parseProtocolOnServer } from '../protocol/load.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { StudyIdentity } from './study.schema.ts';

export class ProtocolFileError extends Error {
  override name = 'ProtocolFileError';
}

export interface ProtocolSource {
  protocol: Protocol;
  identity: StudyIdentity;
  source: string;
}

export function studyIdentity(protocol: Protocol): StudyIdentity {
  return {
    studyId: protocol.study.id,
    shortTitle: protocol.study.shortTitle,
    title: protocol.study.title,
    registryId: protocol.study.registryId ?? null,
    versionLabel: protocol.version,
    sites: protocol.study.sites.map((site) => ({
      siteId: site.id,
      code: site.code,
      name: site.name,
      timeZone: site.timeZone,
    })),
  };
}

/** Reads and validates a protocol file; every problem is listed with its line. */
export async function readProtocolFile(file: string): Promise<ProtocolSource> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProtocolFileError(`Cannot read the protocol file ${file}: ${(error as Error).message}`);
  }
  const parsed = parseProtocolOnServer(source, file);
  if (!parsed.ok) {
    const lines = parsed.problems.map(
      (problem) => `  ${file}${problem.line ? `:${problem.line}` : ''} ${problem.path}: ${problem.message}`,
    );
    throw new ProtocolFileError(`The protocol file ${file} is not valid:\n${lines.join('\n')}`);
  }
  return { protocol: parsed.protocol, identity: studyIdentity(parsed.protocol), source };
}
