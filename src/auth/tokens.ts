import { createHash, randomBytes } from 'node:crypto';

/** A random secret for a cookie, link or API token: 256 bits, URL-safe. */
export const newSecret = () => randomBytes(32).toString('base64url');

/** Secrets are stored only as their SHA-256, so a copy of the database cannot be used to sign in. */
export const secretDigest = (secret: string) => createHash('sha256').update(secret).digest('hex');
