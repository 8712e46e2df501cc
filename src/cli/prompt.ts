import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** Reads all of standard input (for piped secrets). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A secret from the terminal without echo, or the first line of standard input when it is piped,
 * so scripts can do `printf '%s' "$PASSWORD" | exotrial user add …`.
 */
export async function readSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) return (await readStdin()).split(/\r?\n/)[0] ?? '';
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const readline = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      readline.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    readline.close();
    process.stderr.write('\n');
  }
}
