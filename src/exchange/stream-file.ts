import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** Files and folders of exported trial data are created readable by their owner only. */
export const OWNER_ONLY_FILE = 0o600;
export const OWNER_ONLY_DIRECTORY = 0o700;

/** A file written chunk by chunk, waiting for the disk when its buffer is full (flat memory). */
export interface FileSink {
  write(chunk: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
  readonly bytes: number;
}

export function fileSink(path: string): FileSink {
  const stream: WriteStream = createWriteStream(path, { mode: OWNER_ONLY_FILE });
  let bytes = 0;
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure = error;
  });
  return {
    get bytes() {
      return bytes;
    },
    async write(chunk) {
      if (failure) throw failure;
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (!stream.write(chunk))
        await new Promise<void>((resolve, reject) => {
          // Both listeners go once either fires: a long export waits for drain thousands of times.
          const drained = () => {
            stream.off('error', failed);
            resolve();
          };
          const failed = (error: Error) => {
            stream.off('drain', drained);
            reject(error);
          };
          stream.once('drain', drained);
          stream.once('error', failed);
        });
    },
    async close() {
      stream.end();
      await finished(stream);
      if (failure) throw failure;
    },
  };
}
