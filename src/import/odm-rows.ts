import { createReadStream } from 'node:fs';
import { COMMON_EVENT } from '../exchange/odm/odm-metadata.ts';
import { type ImportRow, type RowCell, UnreadableSource } from './import-row.ts';
import { NotXml, type XmlToken, xmlTokens } from './xml-tokens.ts';

// The ClinicalData of a CDISC ODM 1.3.2 file, as exotrial's ODM export writes it (OIDs SE.<visit>,
// F.<form>, I.<form>.<item>), read element by element. Each FormData is one row; its "line" is its
// number among the FormData of the file. A null item with an annotation `code: why` is that
// missing-data code; a null item without one is not given. A row carries the MetaDataVersionOID of
// its ClinicalData, so values of an amended study's earlier versions are read by those versions.

const strip = (oid: string | undefined, prefix: string) =>
  oid?.startsWith(prefix) ? oid.slice(prefix.length) : undefined;

interface Open {
  metaDataVersion?: string;
  subject?: string;
  event?: string;
  eventRepeat?: string;
  form?: string;
  formRepeat?: string;
  cells: RowCell[];
  item?: { oid: string; value: string | null };
  inComment: boolean;
  comment: string;
}

const repeatOf = (key: string | undefined) => (key && /^\d+$/.test(key) ? Number(key) : key ? 0 : 1);

function itemCell(formId: string, item: { oid: string; value: string | null }, comment: string): RowCell {
  const rest = strip(item.oid, `I.${formId}.`);
  const itemId = rest ?? item.oid;
  const raw = item.value ?? (comment.trim() === '' ? null : comment.trim());
  return { column: item.oid, formId, itemId, raw };
}

/** The rows of an ODM file's ClinicalData, streamed. */
export async function* odmRows(tokens: AsyncIterable<XmlToken>): AsyncGenerator<ImportRow> {
  const open: Open = { cells: [], inComment: false, comment: '' };
  let forms = 0;
  let sawOdm = false;
  for await (const token of tokens) {
    if (token.kind === 'text') {
      if (open.inComment) open.comment += token.text;
      continue;
    }
    if (token.kind === 'open') {
      const { name, attributes } = token;
      if (name === 'ODM') sawOdm = true;
      else if (name === 'ClinicalData') open.metaDataVersion = attributes.MetaDataVersionOID;
      else if (name === 'SubjectData') open.subject = attributes.SubjectKey;
      else if (name === 'StudyEventData') {
        open.event = strip(attributes.StudyEventOID, 'SE.') ?? attributes.StudyEventOID;
        open.eventRepeat = attributes.StudyEventRepeatKey;
      } else if (name === 'FormData') {
        open.form = strip(attributes.FormOID, 'F.') ?? attributes.FormOID;
        open.formRepeat = attributes.FormRepeatKey;
        open.cells = [];
      } else if (name === 'ItemData') {
        open.item = {
          oid: attributes.ItemOID ?? '',
          value: attributes.IsNull === 'Yes' ? null : (attributes.Value ?? null),
        };
        open.comment = '';
        if (token.selfClosing && open.form) {
          open.cells.push(itemCell(open.form, open.item, ''));
          open.item = undefined;
        }
      } else if (name === 'Comment' && open.item) open.inComment = true;
      continue;
    }
    if (token.name === 'Comment') open.inComment = false;
    else if (token.name === 'ItemData' && open.item && open.form) {
      open.cells.push(itemCell(open.form, open.item, open.comment));
      open.item = undefined;
    } else if (token.name === 'FormData' && open.form) {
      forms += 1;
      const visit = open.event === COMMON_EVENT ? '' : (open.event ?? '');
      yield {
        line: forms,
        participant: open.subject ?? '',
        visit: visit || `${COMMON_EVENT} (no visit: the form is kept outside the schedule)`,
        instance: open.formRepeat ? repeatOf(open.formRepeat) : repeatOf(open.eventRepeat),
        cells: open.cells,
        ...(open.metaDataVersion ? { metaDataVersion: open.metaDataVersion } : {}),
      };
      open.form = undefined;
    }
  }
  if (!sawOdm) throw new UnreadableSource('The file is XML but not CDISC ODM: it has no ODM element.');
}

/** An ODM file's rows, read from disk as a stream. */
export async function* odmFileRows(path: string): AsyncGenerator<ImportRow> {
  try {
    yield* odmRows(xmlTokens(createReadStream(path, { encoding: 'utf8' })));
  } catch (error) {
    if (error instanceof NotXml)
      throw new UnreadableSource(`The file is not readable as ODM XML: ${error.message}`);
    throw error;
  }
}
