import crypto from 'node:crypto';

/** A random credential with a readable prefix (so a leaked token is recognisable in logs and scanners). */
export function newSecret(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
}

/** Only hashes of credentials are stored, so a dump of Redis or Postgres holds no usable session or token. */
export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** A readable random password for the first admin when none is configured. */
export function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}
