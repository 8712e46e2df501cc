// The HL7 v2 acknowledgement (original mode): MSH with sender and receiver swapped, MSA with the
// acknowledgement code and the message's control id, and on an error an ERR segment with its text.

/** Text put in a field: HL7's escape sequences for its delimiters, line breaks as spaces. */
export function escapeHl7(text: string): string {
  return text
    .replaceAll('\\', '\\E\\')
    .replaceAll('|', '\\F\\')
    .replaceAll('^', '\\S\\')
    .replaceAll('~', '\\R\\')
    .replaceAll('&', '\\T\\')
    .replace(/[\r\n]+/g, ' ');
}

/** The MSH fields an acknowledgement echoes, read without a parser (an unreadable message is still answered). */
function headerFields(message: string): string[] {
  const first = message.trimStart().split(/\r\n|\r|\n/, 1)[0] ?? '';
  if (!first.startsWith('MSH') || first.length < 4) return [];
  // MSH-1 is the field separator itself: field n is at index n − 1 after splitting.
  const separator = first.charAt(3);
  return ['MSH', ...first.slice(4).split(separator)];
}

/** An instant as an HL7 DTM in UTC, with its offset (a time without one would be read as the receiver's local time). */
const hl7Time = (at: Date) => `${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;

export interface Acknowledgement {
  code: 'AA' | 'AE' | 'AR';
  controlId: string | null;
  text?: string;
  at: Date;
  /** The acknowledgement's own control id. */
  ackControlId: string;
}

/** An ACK for `message` (HL7 v2.5: MSH, MSA, and ERR when the code is not AA). */
export function buildAck(message: string, ack: Acknowledgement): string {
  const header = headerFields(message);
  const field = (index: number) => header[index - 1] ?? '';
  const trigger = field(9).split('^')[1] ?? '';
  const msh = [
    'MSH',
    '^~\\&',
    field(5),
    field(6),
    field(3),
    field(4),
    hl7Time(ack.at),
    '',
    `ACK^${trigger}^ACK`,
    escapeHl7(ack.ackControlId),
    field(11) || 'P',
    field(12) || '2.5',
  ].join('|');
  const text = ack.text ? escapeHl7(ack.text) : '';
  const msa = ['MSA', ack.code, escapeHl7(ack.controlId ?? field(10)), text].join('|');
  if (ack.code === 'AA') return [msh, msa].join('\r');
  // ERR-3 HL7 error code (table 0357: 207 application internal error, 200 unsupported message type),
  // ERR-4 severity E, ERR-8 the text for people.
  const errorCode =
    ack.code === 'AR' ? '200^Unsupported message type^HL70357' : '207^Application internal error^HL70357';
  const err = ['ERR', '', '', errorCode, 'E', '', '', '', text].join('|');
  return [msh, msa, err].join('\r');
}
