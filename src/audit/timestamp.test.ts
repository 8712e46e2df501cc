import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timeStampRequest, timeStampStatus } from './timestamp.ts';

describe('RFC 3161 time-stamp request', () => {
  const digest = createHash('sha256').update('an anchor line').digest();

  it('is byte for byte the request openssl builds for the same digest', () => {
    const openssl = execFileSync('openssl', [
      'ts',
      '-query',
      '-digest',
      digest.toString('hex'),
      '-sha256',
      '-cert',
      '-no_nonce',
    ]);
    expect(timeStampRequest(digest, null).toString('hex')).toBe(openssl.toString('hex'));
  });

  it('carries the nonce as a positive INTEGER, and openssl reads it back', () => {
    const nonce = Buffer.from('80000000000000ff', 'hex');
    const request = timeStampRequest(digest, nonce);
    const file = join(mkdtempSync(join(tmpdir(), 'exotrial-tsq-')), 'request.tsq');
    writeFileSync(file, request);
    const text = execFileSync('openssl', ['ts', '-query', '-in', file, '-text'], { encoding: 'utf8' });
    rmSync(file);
    expect(text).toContain('Nonce: 0x80000000000000FF');
    expect(text).toContain('Certificate required: yes');
    expect(text).toContain('Hash Algorithm: sha256');
  });

  it('reads the status of a reply and refuses what is not one', () => {
    // SEQUENCE { PKIStatusInfo SEQUENCE { INTEGER status } }
    expect(timeStampStatus(Buffer.from('30053003020100', 'hex'))).toBe(0);
    expect(timeStampStatus(Buffer.from('30053003020102', 'hex'))).toBe(2);
    expect(() => timeStampStatus(Buffer.from('0401ff', 'hex'))).toThrow(/not a TimeStampResp/);
    expect(() => timeStampStatus(Buffer.from('3010', 'hex'))).toThrow(/truncated/);
  });
});
