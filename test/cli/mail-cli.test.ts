import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';

// `exotrial mail test` as a real process against a real SMTP server on loopback. The process runs
// asynchronously: the SMTP server lives in this process and must answer while it runs.

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => sink?.close());

function mailTest(to: string, smtpUrl: string | undefined) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'silent',
    EXOTRIAL_MAIL_FROM: 'Trial office <trial@example.org>',
  };
  delete env.EXOTRIAL_SMTP_URL;
  if (smtpUrl) env.EXOTRIAL_SMTP_URL = smtpUrl;
  const child = spawn(process.execPath, ['bin/exotrial-dev.js', 'mail', 'test', '--to', to], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

it('sends a bilingual test message and prints what the server answered', async () => {
  const result = await mailTest('nurse@example.org', sink.url);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain(
    `Sent to nurse@example.org from Trial office <trial@example.org> through ${sink.url}`,
  );
  expect(result.stdout).toMatch(/The server answered: 250/);
  const [mail] = sink.received;
  expect(mail?.recipients).toEqual(['nurse@example.org']);
  expect(mail?.subject).toBe('exotrial: test message / 测试邮件');
  expect(mail?.text).toContain('这是 exotrial 发送的测试邮件');
}, 60_000);

it('says why not when the server refuses, and exits 1', async () => {
  sink.refuseNext(1, 550, 'No such mailbox here');
  const result = await mailTest('nobody@example.org', sink.url);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Not sent');
  expect(result.stderr).toContain('No such mailbox here');
}, 60_000);

it('says that notifications are in-app only when no SMTP server is configured', async () => {
  const result = await mailTest('nurse@example.org', undefined);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('EXOTRIAL_SMTP_URL is not set: notifications are in-app only');
}, 60_000);

it('refuses an address that is not one', async () => {
  const result = await mailTest('not-an-address', sink.url);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('--to not-an-address is not an e-mail address');
}, 60_000);
