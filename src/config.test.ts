import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('the protocol a first start loads', () => {
  it('is the shipped protocol by default, as an absolute path that does not depend on the working folder', () => {
    const { protocolFile } = loadConfig({});
    expect(protocolFile).toMatch(/\/protocols\/mexcovid\.yaml$/);
    expect(protocolFile).toBe(resolve(protocolFile));
    expect(existsSync(protocolFile)).toBe(true);
  });

  it('is EXOTRIAL_PROTOCOL when set, relative to the working folder', () => {
    const { protocolFile } = loadConfig({ EXOTRIAL_PROTOCOL: 'trials/other.yaml' });
    expect(protocolFile).toBe(resolve(process.cwd(), 'trials/other.yaml'));
  });
});
