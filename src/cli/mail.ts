import type { Command } from 'commander';
import { lazyAction } from './lazy-action.ts';

export function registerMailCommand(program: Command): void {
  const mail = program
    .command('mail')
    .description('e-mail of notifications (EXOTRIAL_SMTP_URL, EXOTRIAL_MAIL_FROM)');
  mail
    .command('test')
    .description('send a test message through the configured SMTP server and say what the server answered')
    .requiredOption('--to <address>', 'who receives the test message')
    .action(lazyAction(async () => (await import('./mail.actions.ts')).sendTestMail));
}
