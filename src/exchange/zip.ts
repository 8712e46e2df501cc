import { constants, crc32, createDeflateRaw } from 'node:zlib';

// A ZIP archive written as a stream (APPNOTE 6.3): each entry is deflated as its chunks arrive and
// followed by a data descriptor carrying its CRC-32 and sizes, so no entry is ever held whole in
// memory and the archive can be sent while it is being made. Names are UTF-8 (flag bit 11). Entries
// and the archive stay below 4 GiB (no ZIP64), which an export of one trial does not approach.

export interface ZipEntry {
  name: string;
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
}

const FLAGS = 0x0008 | 0x0800; // data descriptor follows; UTF-8 names
const DEFLATE = 8;
const LIMIT = 0xffff_ffff;

function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

interface Written {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

function localHeader(name: Buffer, stamp: { time: number; day: number }): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  header.writeUInt16LE(FLAGS, 6);
  header.writeUInt16LE(DEFLATE, 8);
  header.writeUInt16LE(stamp.time, 10);
  header.writeUInt16LE(stamp.day, 12);
  // CRC and sizes are zero here: they follow the data in the descriptor.
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function descriptor(entry: Written): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeUInt32LE(0x08074b50, 0);
  buffer.writeUInt32LE(entry.crc, 4);
  buffer.writeUInt32LE(entry.compressed, 8);
  buffer.writeUInt32LE(entry.size, 12);
  return buffer;
}

function centralDirectory(entries: Written[], stamp: { time: number; day: number }, offset: number): Buffer {
  const records = entries.map((entry) => {
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(FLAGS, 8);
    record.writeUInt16LE(DEFLATE, 10);
    record.writeUInt16LE(stamp.time, 12);
    record.writeUInt16LE(stamp.day, 14);
    record.writeUInt32LE(entry.crc, 16);
    record.writeUInt32LE(entry.compressed, 20);
    record.writeUInt32LE(entry.size, 24);
    record.writeUInt16LE(entry.name.length, 28);
    record.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    record.writeUInt32LE(entry.offset, 42);
    return Buffer.concat([record, entry.name]);
  });
  const directory = Buffer.concat(records);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([directory, end]);
}

/** Deflates one entry's chunks, yielding compressed bytes as they come. */
async function* deflateEntry(
  chunks: ZipEntry['chunks'],
  tally: { crc: number; size: number; compressed: number },
): AsyncGenerator<Buffer> {
  const deflate = createDeflateRaw({ level: constants.Z_DEFAULT_COMPRESSION });
  const output: Buffer[] = [];
  deflate.on('data', (data: Buffer) => output.push(data));
  const flushed = new Promise<void>((resolve, reject) => {
    deflate.once('end', resolve);
    deflate.once('error', reject);
  });
  const drain = function* () {
    while (output.length > 0) {
      const data = output.shift() as Buffer;
      tally.compressed += data.length;
      yield data;
    }
  };
  for await (const chunk of chunks) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.length === 0) continue;
    tally.crc = crc32(data, tally.crc);
    tally.size += data.length;
    if (!deflate.write(data)) await new Promise((resolve) => deflate.once('drain', resolve));
    yield* drain();
  }
  deflate.end();
  await flushed;
  yield* drain();
}

/** The bytes of a ZIP archive of the entries, in order, produced as the entries' chunks are read. */
export async function* zipStream(entries: Iterable<ZipEntry>, modified = new Date()): AsyncGenerator<Buffer> {
  const stamp = dosDateTime(modified);
  const written: Written[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const header = localHeader(name, stamp);
    const start = offset;
    yield header;
    offset += header.length;
    const tally = { crc: 0, size: 0, compressed: 0 };
    for await (const data of deflateEntry(entry.chunks, tally)) {
      offset += data.length;
      yield data;
    }
    if (tally.size > LIMIT || offset > LIMIT)
      throw new Error(`ZIP entry ${entry.name} passes 4 GiB; export its parts one by one instead.`);
    const done: Written = { name, offset: start, ...tally };
    written.push(done);
    const trailer = descriptor(done);
    offset += trailer.length;
    yield trailer;
  }
  yield centralDirectory(written, stamp, offset);
}
