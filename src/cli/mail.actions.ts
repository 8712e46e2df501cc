import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { createMailer } from '../notifications/mailer.ts';
import { CliUserError } from './cli-errors.ts';

const TEST_MESSAGE = {
  subject: 'exotrial: test message / 测试邮件',
  text: [
    'This is a test message from exotrial: notifications can reach you by e-mail.',
    '这是 exotrial 发送的测试邮件：通知可以通过电子邮件送达。',
  ].join('\n\n'),
};

/** `exotrial mail test --to ADDRESS`: one message through the configured server, and its answer. */
export const sendTestMail = async (options: { to: string }) => {
  const to = z.email().safeParse(options.to.trim());
  if (!to.success) throw new CliUserError(`--to ${options.to} is not an e-mail address.`);
  const config = loadConfig();
  const mailer = await createMailer(config.mail);
  if (!mailer) {
    throw new CliUserError(
      'EXOTRIAL_SMTP_URL is not set: notifications are in-app only. Set it (smtp://user:password@host:587) and EXOTRIAL_MAIL_FROM, then try again.',
    );
  }
  try {
    const receipt = await mailer.send({ to: to.data, ...TEST_MESSAGE });
    process.stdout.write(
      `Sent to ${to.data} from ${config.mail.from} through ${mailer.server}\nThe server answered: ${receipt.response}\n`,
    );
  } catch (error) {
    throw new CliUserError(
      `Not sent: ${mailer.server} did not take the message to ${to.data}: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    mailer.close();
  }
};
