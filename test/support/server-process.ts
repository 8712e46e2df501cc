import { type ChildProcess, spawn } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  setupUrl: string | null;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `exotrial serve` as a real process and waits for it to print its URL (and setup link);
 * `onOutput` sees its output as it comes, also while it starts.
 */
export function startServerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onOutput?: (chunk: string) => void,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['bin/exotrial-dev.js', 'serve', ...args], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    // A cold start runs every migration on a fresh database; on a machine shared with other work that
    // alone has taken over 90 s (the e2e hooks allow 180 s in all).
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`server did not start in time:\n${output}`));
    }, 150_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      onOutput?.(chunk.toString());
      const url = /exotrial is running at (\S+)/.exec(output)?.[1];
      const waitsForSetup = /No user yet/.test(output);
      const setupUrl = /(http\S+\/setup\?token=\S+)/.exec(output)?.[1] ?? null;
      if (url && (!waitsForSetup || setupUrl)) {
        clearTimeout(timer);
        resolve({ child, url, setupUrl, output: () => output, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}
