import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** A message as the SMTP server received it, its headers and text decoded. */
export interface ReceivedMail {
  recipients: string[];
  from: string;
  subject: string;
  text: string;
  headers: Map<string, string>;
  raw: string;
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** Refuses the next `count` messages with this SMTP reply (e.g. 451 for "try again later"). */
  refuseNext(count: number, code: number, message: string): void;
  /** Takes this long to accept each message (to make two senders overlap). */
  delayMs: number;
  close(): Promise<void>;
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`), as nodemailer writes non-ASCII subjects. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
      (_whole, _charset: string, encoding: string, text: string) =>
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64').toString('utf8')
          : decodeQuoted(text.replace(/_/g, ' ')),
    );
}

function decodeQuoted(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_whole, hex: string) => `%${hex}`)
    .replace(/%(?![0-9A-F]{2})/gi, '%25');
  try {
    return decodeURIComponent(bytes);
  } catch {
    return text;
  }
}

export function parseMail(raw: string, session: SMTPServerSession): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = raw.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuoted(body)
        : body;
  return {
    recipients: session.envelope.rcptTo.map((address) => address.address),
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    subject: decodeWords(headers.get('subject') ?? ''),
    text,
    headers,
    raw,
  };
}

/** A real SMTP server on loopback (the smtp-server package) that keeps what it receives. */
export async function startSmtpSink(): Promise<SmtpSink> {
  let refusals: { count: number; code: number; message: string } = { count: 0, code: 0, message: '' };
  const sink: Omit<SmtpSink, 'url' | 'close'> = {
    received: [],
    delayMs: 0,
    refuseNext(count, code, message) {
      refusals = { count, code, message };
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusals.count > 0) {
          refusals.count -= 1;
          const error = Object.assign(new Error(refusals.message), { responseCode: refusals.code });
          callback(error);
          return;
        }
        const accept = () => {
          sink.received.push(parseMail(Buffer.concat(chunks).toString('utf8'), session));
          callback();
        };
        if (sink.delayMs > 0) setTimeout(accept, sink.delayMs);
        else accept();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as SmtpSink;
}
