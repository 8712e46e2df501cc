import { describe, expect, it } from 'vitest';
import { isCommonPassword } from './common-passwords.ts';
import { passwordProblem } from './password.ts';
import { openSecret, sealSecret } from './secret-box.ts';

describe('password policy', () => {
  it('refuses common passwords and common ones dressed up', () => {
    for (const password of [
      'password',
      'Password2024!',
      'passwordpassword',
      'qwerty123456',
      '1q2w3e4r5t6y',
      '123456789012',
      'abcdefghijkl',
      'zzzzzzzzzzzz',
      'iloveyou2024!!',
      'abcabcabcabc',
    ]) {
      expect(isCommonPassword(password), password).toBe(true);
    }
  });

  it('accepts long unrelated words', () => {
    for (const password of [
      'correct horse battery',
      'a sufficiently long password',
      'Tr0ub4dor&3 lamp kite',
    ]) {
      expect(isCommonPassword(password), password).toBe(false);
      expect(passwordProblem(password, 'ada@example.org')).toBeNull();
    }
  });

  it('explains each refusal', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('ada.lovelace-rocks!', 'ada.lovelace@example.org')).toMatch(/email name/);
    expect(passwordProblem('Football2024!!')).toMatch(/commonly used/);
  });
});

describe('secret box', () => {
  const key = Buffer.alloc(32, 7);

  it('seals with AES-256-GCM and opens with the same key only', () => {
    const sealed = sealSecret('JBSWY3DPEHPK3PXPJBSWY3DP', key);
    expect(sealed).toMatch(/^gcm1:/);
    expect(sealed).not.toContain('JBSWY3DP');
    expect(sealSecret('JBSWY3DPEHPK3PXPJBSWY3DP', key)).not.toBe(sealed);
    expect(openSecret(sealed, key)).toBe('JBSWY3DPEHPK3PXPJBSWY3DP');
    expect(() => openSecret(sealed, Buffer.alloc(32, 8))).toThrow(/does not open/);
    expect(() => openSecret(sealed, undefined)).toThrow(/EXOTRIAL_SECRET_KEY is not set/);
  });

  it('stores unsealed without a key, and reads that back with or without one', () => {
    expect(sealSecret('ABC', undefined)).toBe('plain:ABC');
    expect(openSecret('plain:ABC', key)).toBe('ABC');
  });
});
