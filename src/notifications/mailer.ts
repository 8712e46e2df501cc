import type { Config } from '../config.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

/** What the SMTP server answered to a message it accepted. */
export interface MailReceipt {
  messageId: string;
  response: string;
}

export interface Mailer {
  /** The SMTP server, without its password, for logs and reports. */
  readonly server: string;
  send(mail: OutgoingMail): Promise<MailReceipt>;
  close(): void;
}

/**
 * A failed send: `permanent` when the server refused the message for good (a 5xx reply such as an
 * unknown mailbox), which no retry will change; otherwise (connection refused, 4xx) it is tried again.
 */
export class MailError extends Error {
  override name = 'MailError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** The SMTP URL with its password replaced, safe to print. */
export function redactedSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unreadable SMTP URL';
  }
}

/** A mailer over SMTP (nodemailer), or null when EXOTRIAL_SMTP_URL is not set: notifications are in-app only. */
export async function createMailer(mail: Config['mail']): Promise<Mailer | null> {
  if (!mail.smtpUrl) return null;
  // nodemailer loads only where mail is configured.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(mail.smtpUrl);
  return {
    server: redactedSmtpUrl(mail.smtpUrl),
    async send(message) {
      try {
        const info = await transport.sendMail({ from: mail.from, ...message });
        return { messageId: String(info.messageId), response: String(info.response) };
      } catch (error) {
        const responseCode = (error as { responseCode?: unknown }).responseCode;
        const permanent = typeof responseCode === 'number' && responseCode >= 500;
        throw new MailError(error instanceof Error ? error.message : String(error), permanent);
      }
    },
    close: () => transport.close(),
  };
}
