import { randomBytes } from 'node:crypto';

// RFC 3161 time-stamp requests, written by hand: the request is five DER values, and the one npm
// library that builds it (pkijs) would bring a whole ASN.1 and CMS stack for those few bytes. The
// reply is kept whole (base64) for `openssl ts -verify`; here only its status is read.

/** OID 2.16.840.1.101.3.4.2.1 (SHA-256), DER-encoded content. */
const SHA256_OID = Buffer.from([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]);

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const der = (tag: number, content: Buffer) =>
  Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const sequence = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));

/** A non-negative INTEGER's minimal two's-complement content (a leading 0x00 when the top bit is set). */
function unsignedInteger(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  const trimmed = value.subarray(start);
  const needsPad = (trimmed[0] ?? 0) & 0x80;
  return der(0x02, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/**
 * TimeStampReq (RFC 3161 §2.4.1): version 1, messageImprint { sha256 with NULL parameters, the
 * digest }, a 64-bit nonce (left out when null, as `openssl ts -query -no_nonce`), certReq TRUE so
 * the reply carries the authority's certificate for later verification.
 */
export function timeStampRequest(sha256Digest: Buffer, nonce: Buffer | null = randomBytes(8)): Buffer {
  if (sha256Digest.length !== 32) throw new Error('a SHA-256 digest is 32 bytes');
  const algorithm = sequence(der(0x06, SHA256_OID), Buffer.from([0x05, 0x00]));
  const imprint = sequence(algorithm, der(0x04, sha256Digest));
  const parts = [unsignedInteger(Buffer.from([1])), imprint];
  if (nonce) parts.push(unsignedInteger(nonce));
  parts.push(Buffer.from([0x01, 0x01, 0xff]));
  return sequence(...parts);
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buffer: Buffer, offset: number): Tlv {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('truncated DER');
  let start = offset + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + (buffer[start + index] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > buffer.length) throw new Error('truncated DER');
  return { tag, start, end };
}

/**
 * The PKIStatus of a TimeStampResp (RFC 3161 §2.4.2): 0 granted, 1 granted with modifications,
 * 2 rejection, 3 waiting, 4 revocation warning, 5 revocation notification.
 */
export function timeStampStatus(response: Buffer): number {
  const outer = readTlv(response, 0);
  if (outer.tag !== 0x30) throw new Error('not a TimeStampResp (no outer SEQUENCE)');
  const statusInfo = readTlv(response, outer.start);
  if (statusInfo.tag !== 0x30) throw new Error('not a TimeStampResp (no PKIStatusInfo)');
  const status = readTlv(response, statusInfo.start);
  if (status.tag !== 0x02 || status.end - status.start !== 1) throw new Error('not a TimeStampResp (status)');
  return response[status.start] ?? -1;
}

export interface TimeStamp {
  /** The authority asked. */
  url: string;
  /** The whole TimeStampResp, base64 (verify with `openssl ts -verify -digest … -in FILE -CAfile …`). */
  response: string;
}

/** Asks the time-stamp authority at `url` to stamp the digest; throws with a sentence when it does not. */
export async function requestTimeStamp(
  url: string,
  sha256Digest: Buffer,
  options: { timeoutMs?: number } = {},
): Promise<TimeStamp> {
  const reply = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
    body: new Uint8Array(timeStampRequest(sha256Digest)),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  if (!reply.ok) throw new Error(`the time-stamp authority answered HTTP ${reply.status}`);
  const body = Buffer.from(await reply.arrayBuffer());
  const status = timeStampStatus(body);
  if (status !== 0 && status !== 1) {
    throw new Error(`the time-stamp authority refused the request (PKIStatus ${status})`);
  }
  return { url, response: body.toString('base64') };
}
