import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** A file written chunk by chunk, waiting for the disk when its buffer is full (flat memory). */
export interface FileSink {
  write(chunk: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
  readonly bytes: number;
}

export function fileSink(path: string): FileSink {
  const stream: WriteStream = createWriteStream(path);
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
          stream.once('drain', resolve);
          stream.once('error', reject);
        });
    },
    async close() {
      stream.end();
      await finished(stream);
      if (failure) throw failure;
    },
  };
}
