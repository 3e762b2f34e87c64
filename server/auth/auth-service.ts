import type { Request } from 'express';
import type { Db } from '../db/pool';
import { UnauthorizedError } from '../platform/errors';
import { resolveApiToken } from './api-tokens';
import { LoginLimiter } from './login-limiter';
import { dummyPasswordHash, verifyPassword } from './passwords';
import type { Principal } from './principal';
import type { SessionStore } from './sessions';
import { loadUserAccess, type UserAccess } from './user-access';

export const SESSION_COOKIE = 'hotline_session';

/** Authentication: logging in, and turning a request's cookie or bearer token into a Principal. */
export class AuthService {
  constructor(
    private readonly db: Db,
    readonly sessions: SessionStore,
    private readonly limiter: LoginLimiter,
  ) {}

  /** Checks credentials (rate-limited) and opens a session. Same error for unknown user, wrong password, disabled. */
  async login(login: string, password: string, meta: { ip: string; userAgent?: string }): Promise<{ token: string; principal: Principal }> {
    // The lock is on the account, not the string typed: a user locked by username stays locked by phone.
    const user = await loadUserAccess(this.db, { login });
    const account = LoginLimiter.accountKey(user?.id, login);
    await this.limiter.check(account, meta.ip);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !ok || !user.enabled) {
      await this.limiter.recordFailure(account, meta.ip);
      throw new UnauthorizedError(user && ok && !user.enabled ? 'This account is disabled' : 'Invalid username or password');
    }
    await this.limiter.recordSuccess(account, meta.ip);
    const { token, sid } = await this.sessions.create({ userId: user.id, createdAt: new Date().toISOString(), ip: meta.ip, userAgent: meta.userAgent });
    return { token, principal: toPrincipal(user, 'session', sid) };
  }

  /** The caller of a request, or undefined when it carries no valid credential. */
  async authenticate(req: Request): Promise<Principal | undefined> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) {
      const hit = await resolveApiToken(this.db, bearer);
      return hit ? this.principalFor(hit.userId, 'token', hit.tokenId) : undefined;
    }
    const cookie = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (!cookie) return undefined;
    const session = await this.sessions.touch(cookie);
    if (!session) return undefined;
    const principal = await this.principalFor(session.data.userId, 'session', session.sid);
    // A user disabled while a session slipped through the index (a race with disable) is logged out here.
    if (!principal) await this.sessions.destroy(session.sid, session.data.userId);
    return principal;
  }

  private async principalFor(userId: string, via: Principal['via'], credentialId: string): Promise<Principal | undefined> {
    const user = await loadUserAccess(this.db, { id: userId });
    return user?.enabled ? toPrincipal(user, via, credentialId) : undefined;
  }
}

function toPrincipal(user: UserAccess, via: Principal['via'], credentialId: string): Principal {
  return {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    isSuperadmin: user.isSuperadmin,
    permissions: user.permissions,
    via,
    credentialId,
  };
}
