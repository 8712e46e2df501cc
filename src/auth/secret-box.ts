import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '../kernel/errors.ts';

/**
 * Seals small secrets (TOTP keys) for storage. With EXOTRIAL_SECRET_KEY set they are encrypted with
 * AES-256-GCM (`gcm1:iv:tag:ciphertext`, base64url), so a copy of the database alone cannot mint
 * second-factor codes; without a key they are stored as `plain:` and docs/operations.md says so.
 */
export function sealSecret(secret: string, key: Buffer | undefined): string {
  if (!key) return `plain:${secret}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['gcm1', iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')).join(':');
}

export function openSecret(sealed: string, key: Buffer | undefined): string {
  if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
  const [scheme, iv, tag, ciphertext] = sealed.split(':');
  if (scheme !== 'gcm1' || !iv || !tag || !ciphertext) {
    throw new DomainError('internal', 'A stored second-factor secret is unreadable.');
  }
  if (!key) {
    throw new DomainError(
      'unavailable',
      'Second-factor secrets are sealed but EXOTRIAL_SECRET_KEY is not set on this server.',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new DomainError(
      'unavailable',
      'EXOTRIAL_SECRET_KEY does not open the stored second-factor secrets.',
    );
  }
}
