// MLLP (HL7's Minimal Lower Layer Protocol, HL7 v2.5 Appendix C): each message travels between a
// start byte 0x0B and the two end bytes 0x1C 0x0D. TCP delivers a stream, so a frame may arrive in
// pieces, or several frames in one chunk; the framer keeps what it has until a frame is whole.

import { decodeMessage } from './message-text.ts';

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CARRIAGE_RETURN = 0x0d;

/** A message wrapped for the wire. */
export function mllpFrame(message: string): Buffer {
  return Buffer.concat([
    Buffer.from([MLLP_START]),
    Buffer.from(message, 'utf8'),
    Buffer.from([MLLP_END, MLLP_CARRIAGE_RETURN]),
  ]);
}

/** A frame whose bytes are not text that can be stored as received (message-text.ts): answered AR. */
export interface UndecodableFrame {
  problem: string;
  /** The frame read leniently, only to address the negative acknowledgement to its MSH. */
  lenient: string;
}

/** Cuts a byte stream into MLLP frames, however the bytes are split across chunks. */
export class MllpFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** Bytes outside a frame (before a start byte) that were dropped, as a receiver must. */
  discarded = 0;

  constructor(private readonly maxFrameBytes = 16 * 1024 * 1024) {}

  /** Adds a chunk; answers the messages it completed (as UTF-8 text, or why not), in order. */
  push(chunk: Buffer): Array<string | UndecodableFrame> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Array<string | UndecodableFrame> = [];
    for (;;) {
      const start = this.pending.indexOf(MLLP_START);
      if (start < 0) {
        this.discarded += this.pending.length;
        this.pending = Buffer.alloc(0);
        return messages;
      }
      if (start > 0) {
        this.discarded += start;
        this.pending = this.pending.subarray(start);
      }
      const end = this.endOfFrame();
      if (end < 0) {
        if (this.pending.length > this.maxFrameBytes) {
          throw new Error(`An MLLP frame is longer than ${this.maxFrameBytes} bytes.`);
        }
        return messages;
      }
      const frame = this.pending.subarray(1, end);
      const decoded = decodeMessage(frame);
      messages.push(
        decoded.ok ? decoded.text : { problem: decoded.problem, lenient: frame.toString('utf8') },
      );
      this.pending = this.pending.subarray(end + 2);
    }
  }

  /** The index of the 0x1C 0x0D that ends the frame at the start of `pending`, or −1. */
  private endOfFrame(): number {
    let from = 1;
    for (;;) {
      const end = this.pending.indexOf(MLLP_END, from);
      if (end < 0 || end + 1 >= this.pending.length) return -1;
      if (this.pending[end + 1] === MLLP_CARRIAGE_RETURN) return end;
      from = end + 1;
    }
  }
}
