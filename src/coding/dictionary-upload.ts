import type { Database } from '../db/connection.ts';
import type { DictionaryKind } from '../db/schema-coding.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize } from '../kernel/permissions.ts';
import type { ImportDictionaryRequest } from './coding.schema.ts';
import { type DictionaryVersionView, importMeddra, importWhodrug } from './dictionary.service.ts';
import { distributionFromTexts } from './dictionary-files.ts';
import { meddraFiles } from './meddra-parser.ts';
import { whodrugFiles } from './whodrug-parser.ts';

/** A release uploaded through the API by the data manager: the same import as the CLI's. */
export function importUploaded(
  database: Database,
  studyId: string,
  caller: Caller,
  dictionary: DictionaryKind,
  request: ImportDictionaryRequest,
): Promise<DictionaryVersionView> {
  authorize(caller.user, 'protocol.manage');
  const source = `upload by ${caller.user.name}`;
  return dictionary === 'meddra'
    ? importMeddra(database, studyId, caller.actor, {
        files: distributionFromTexts(request.files, meddraFiles),
        source,
        version: request.version,
        language: request.language,
      })
    : importWhodrug(database, studyId, caller.actor, {
        files: distributionFromTexts(request.files, whodrugFiles),
        source,
        version: request.version,
      });
}
