import crypto from 'node:crypto';
import { z } from 'zod';

/**
 * SIP digest authentication as mod_sofia does it (sofia_reg_auth_challenge /
 * sofia_reg_parse_auth): MD5, qop="auth", a fresh UUID nonce per challenge that lives
 * `nonce-ttl` seconds (FreeSWITCH's default 60). The directory gives HA1 (`a1-hash`)
 * or a clear `password`; the response is MD5(HA1:nonce:nc:cnonce:qop:MD5(method:uri)).
 */
export const md5 = (s: string): string => crypto.createHash('md5').update(s).digest('hex');

/** The parts of an Authorization header the check needs; anything else is ignored. */
const authorizationSchema = z.object({
  username: z.string().min(1).max(128),
  realm: z.string().max(255),
  nonce: z.string().min(1).max(128),
  uri: z.string().min(1).max(1024),
  response: z.string().regex(/^[0-9a-f]{32}$/i),
  qop: z.string().optional(),
  nc: z.string().regex(/^[0-9a-f]{1,8}$/i).optional(),
  cnonce: z.string().max(256).optional(),
  algorithm: z.string().optional(),
});
export type Authorization = z.infer<typeof authorizationSchema>;

/** Parses `Digest a="b", c=d`; undefined when it is not a usable Digest credential. */
export function parseAuthorization(value: string | undefined): Authorization | undefined {
  if (!value || !/^Digest\s/i.test(value)) return undefined;
  const params: Record<string, string> = {};
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m = re.exec(value.slice(7)); m; m = re.exec(value.slice(7))) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  const parsed = authorizationSchema.safeParse(params);
  return parsed.success ? parsed.data : undefined;
}

export function digestResponse(a: { ha1: string; method: string; uri: string; nonce: string; qop?: string; nc?: string; cnonce?: string }): string {
  const ha2 = md5(`${a.method}:${a.uri}`);
  return a.qop ? md5(`${a.ha1}:${a.nonce}:${a.nc ?? ''}:${a.cnonce ?? ''}:${a.qop}:${ha2}`) : md5(`${a.ha1}:${a.nonce}:${ha2}`);
}

/** Issued nonces and their expiry; a stale one gets a new challenge with stale=true, like FreeSWITCH. */
export class NonceStore {
  private readonly nonces = new Map<string, number>();

  constructor(private readonly ttlMs = 60_000) {}

  issue(): string {
    const now = Date.now();
    for (const [n, exp] of this.nonces) if (exp < now) this.nonces.delete(n);
    const nonce = crypto.randomUUID();
    this.nonces.set(nonce, now + this.ttlMs);
    return nonce;
  }

  /** 'ok' for a live nonce of ours, 'stale' for an expired one, 'unknown' otherwise. */
  check(nonce: string): 'ok' | 'stale' | 'unknown' {
    const exp = this.nonces.get(nonce);
    if (exp === undefined) return 'unknown';
    return exp >= Date.now() ? 'ok' : 'stale';
  }

  challenge(realm: string, stale = false): string {
    return `Digest realm="${realm}", nonce="${this.issue()}",${stale ? ' stale=true,' : ''} algorithm=MD5, qop="auth"`;
  }
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
