import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MllpFramer, mllpFrame, type UndecodableFrame } from './mllp.ts';

const message = (id: string) => `MSH|^~\\&|LIS|RJ|EXO|MEX|20261205||ORU^R01|${id}|P|2.5\rPID|1||MRN-1`;

describe('MLLP framer', () => {
  it('reads one frame sent whole', () => {
    expect(new MllpFramer().push(mllpFrame(message('A')))).toEqual([message('A')]);
  });

  it('gives a frame that is not UTF-8 (or holds NUL or U+FFFD) as undecodable, never as text with U+FFFD', () => {
    const latin1 = Buffer.concat([
      Buffer.from([0x0b]),
      Buffer.from(`${message('E')}|M\xfcller`, 'latin1'),
      Buffer.from([0x1c, 0x0d]),
    ]);
    const withNul = mllpFrame(`${message('F')}\u0000`);
    const [notUtf8, nul] = new MllpFramer().push(Buffer.concat([latin1, withNul]));
    expect(notUtf8).toMatchObject({ problem: expect.stringMatching(/not valid UTF-8/) });
    expect((notUtf8 as UndecodableFrame).lenient).toContain('\ufffd');
    expect(nul).toMatchObject({ problem: expect.stringMatching(/NUL/) });
    const [damaged] = new MllpFramer().push(mllpFrame(`${message('G')}|M\ufffdller`));
    expect(damaged).toMatchObject({ problem: expect.stringMatching(/U\+FFFD/) });
  });

  it('reads a frame split at every byte, including between 0x1C and 0x0D', () => {
    const framer = new MllpFramer();
    const bytes = mllpFrame(message('B'));
    const out: Array<string | UndecodableFrame> = [];
    for (const byte of bytes) out.push(...framer.push(Buffer.from([byte])));
    expect(out).toEqual([message('B')]);
  });

  it('reads two frames in one chunk and drops bytes outside a frame', () => {
    const framer = new MllpFramer();
    const chunk = Buffer.concat([Buffer.from('noise'), mllpFrame(message('C')), mllpFrame(message('D'))]);
    expect(framer.push(chunk)).toEqual([message('C'), message('D')]);
    expect(framer.discarded).toBe(5);
  });

  it('keeps a 0x1C not followed by 0x0D inside the message', () => {
    const text = `OBX|1|ST|x||a\u001cb`;
    expect(new MllpFramer().push(mllpFrame(text))).toEqual([text]);
  });

  it('keeps multi-byte UTF-8 characters split across chunks', () => {
    const text = `${message('E')}\rNTE|1||淋巴细胞`;
    const bytes = mllpFrame(text);
    const framer = new MllpFramer();
    const cut = bytes.length - 6; // inside the last Chinese character
    expect([...framer.push(bytes.subarray(0, cut)), ...framer.push(bytes.subarray(cut))]).toEqual([text]);
  });

  it('refuses a frame longer than its limit', () => {
    const framer = new MllpFramer(10);
    expect(() => framer.push(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(20, 0x41)]))).toThrow(
      /longer than 10/,
    );
  });

  it('gives back every message however the stream is cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ unit: 'grapheme', maxLength: 40 })
            // Framing bytes out; NUL and U+FFFD too, which are refused as content (the test above).
            .map((text) =>
              text
                .replaceAll('\u000b', '')
                .replaceAll('\u001c', '')
                .replaceAll('\u0000', '')
                .replaceAll('\ufffd', ''),
            ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map(mllpFrame));
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
          const framer = new MllpFramer();
          const out: Array<string | UndecodableFrame> = [];
          let from = 0;
          for (const point of [...points, stream.length]) {
            out.push(...framer.push(stream.subarray(from, point)));
            from = point;
          }
          expect(out).toEqual(messages);
        },
      ),
    );
  });
});
