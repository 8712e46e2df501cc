import type { OutgoingMail } from './mailer.ts';
import type { ClaimedMessage } from './outbox.ts';

const digestTitle = {
  en: (count: number) => `exotrial: ${count} notifications`,
  zh: (count: number) => `exotrial：${count} 条通知`,
};
const footer = {
  en: 'Sent by exotrial. Choose what reaches you by e-mail on the Notifications page.',
  zh: '由 exotrial 发送。可在“通知”页面选择哪些通知以电子邮件发送给您。',
};

function linkLine(link: string | null, publicUrl: string | undefined): string[] {
  if (!link) return [];
  return [publicUrl ? `${publicUrl.replace(/\/$/, '')}${link}` : link];
}

/** One message's subject and plain text, in the recipient's language. */
export function composeMail(
  message: ClaimedMessage,
  to: string,
  publicUrl: string | undefined,
): OutgoingMail {
  const lines =
    message.mode === 'digest'
      ? message.items.flatMap((item) => [
          `• ${item.title}`,
          `  ${item.body}`,
          ...linkLine(item.link, publicUrl).map((line) => `  ${line}`),
          '',
        ])
      : message.items.flatMap((item) => [item.body, '', ...linkLine(item.link, publicUrl)]);
  const subject =
    message.mode === 'digest' || message.items.length !== 1
      ? digestTitle[message.language](message.items.length)
      : `exotrial: ${message.items[0]?.title ?? ''}`;
  return {
    to,
    subject,
    text: [...lines, '', '--', footer[message.language]].join('\n'),
    // Which outbox rows the message carries: a support question ("did this go out twice?") is answered
    // from the mail server's log.
    headers: { 'X-Exotrial-Delivery': message.deliveryIds.join(' ') },
  };
}
