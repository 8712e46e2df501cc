// Minimal RFC 4180 CSV reader for numeric analysis inputs (`exotrial stats`). The project has no CSV
// library (csv-parse is proposed in the analysis README); this covers quoted fields, doubled
// quotes, embedded separators and newlines, CRLF or LF line ends and a UTF-8 byte-order mark.
// It is pure: text in, records out.

export interface CsvRecord {
  /** 1-based line number in the file where the record starts (the header is line 1). */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Splits CSV text into records (RFC 4180), skipping blank lines; throws CsvSyntaxError on a bad quote. */
export function parseCsv(text: string, separator = ','): CsvRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let index = 0;
  let quoted = false;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (index < source.length) {
    const char = source[index];
    if (quoted) {
      if (char === '"' && source[index + 1] === '"') {
        field += '"';
        index += 2;
        continue;
      }
      if (char === '"') {
        quoted = false;
        const next = source[index + 1];
        if (next !== undefined && next !== separator && next !== '\n' && next !== '\r') {
          throw new CsvSyntaxError('unexpected character after a closing quote', line);
        }
      } else {
        if (char === '\n') line++;
        field += char;
      }
      index++;
      continue;
    }
    if (char === '"' && field === '') quoted = true;
    else if (char === separator) {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      endRecord();
      if (char === '\r' && source[index + 1] === '\n') index++;
      line++;
      recordLine = line;
    } else field += char;
    index++;
  }
  if (quoted) throw new CsvSyntaxError('a quoted field is not closed', recordLine);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
